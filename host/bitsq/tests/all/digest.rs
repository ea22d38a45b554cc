//! Digest credentials end to end (docs/contract.md §15.2, RFC 7616):
//! `bitsq setcredentials JOB server digest USER -`, then `bitsq service`
//! answers the 401 of a server on 127.0.0.1 that checks the response hash
//! with the password; a wrong password is refused, and digest wins over
//! basic when both are set and offered.

use crate::credentials::{PASSWORD, assert_no_secret, job, ok_with_stdin, scratch};
use crate::stored::{Service, bitsq, ok, wait_for};

use bits_queue_tests::digest_demand::DigestDemand;
use bits_queue_tests::http_server::{TestServer, test_bytes};

/// `Basic base64("ann:s3cret-Pa55word")`.
const BASIC: &str = "Basic YW5uOnMzY3JldC1QYTU1d29yZA==";

fn set_digest(queue: &std::path::Path, id: &str, password: &str) {
    ok_with_stdin(
        queue,
        &["setcredentials", id, "server", "digest", "ann", "-"],
        &format!("{password}\n"),
    );
}

/// The `Authorization` of the requests to `path` the server answered 200.
fn accepted(server: &TestServer, path: &str) -> Vec<String> {
    server
        .requests(path)
        .into_iter()
        .filter(|r| r.status == 200)
        .map(|r| r.authorization.unwrap_or_default())
        .collect()
}

#[test]
fn digest_answers_md5_sha_256_and_sess_and_a_wrong_password_is_refused() {
    let server = TestServer::start();
    let offers: [(&str, &[&str], &str); 3] = [
        // Both offered: the stronger is chosen.
        ("/both.bin?v=1", &["MD5", "SHA-256"], "algorithm=SHA-256"),
        ("/md5.bin", &["MD5"], "algorithm=MD5"),
        ("/sess.bin", &["SHA-256-sess"], "algorithm=SHA-256-sess"),
    ];
    let dir = scratch("digest");
    let queue = dir.join("queue.sqlite3");
    let _service = Service::start(&queue, &[]);
    for (n, (path, algorithms, used)) in offers.iter().enumerate() {
        server.put(path, test_bytes(40_000, n as u64));
        server.demand_digest(path, DigestDemand::new("ann", PASSWORD, algorithms));
        let id = job(&queue, &server.url(path), &dir.join(format!("{n}.bin")));
        set_digest(&queue, &id, PASSWORD);
        ok(bitsq(&queue, &["resume", &id]));
        wait_for(&queue, &id, "state:        transferred");
        let answers = accepted(&server, path);
        assert_eq!(answers.len(), 1, "{:?}", server.requests(path));
        assert!(answers[0].starts_with("Digest "), "{answers:?}");
        assert!(answers[0].contains(used), "{answers:?}");
        assert_no_secret("the digest answer", answers[0].as_bytes());
    }

    // The server checks the hash: a wrong password is a second 401, fatal.
    server.put("/wrong.bin", test_bytes(1_000, 9));
    server.demand_digest(
        "/wrong.bin",
        DigestDemand::new("ann", PASSWORD, &["SHA-256"]),
    );
    let id = job(&queue, &server.url("/wrong.bin"), &dir.join("w.bin"));
    set_digest(&queue, &id, "not-the-password");
    ok(bitsq(&queue, &["resume", &id]));
    wait_for(&queue, &id, "state:        error");
    let error = ok(bitsq(&queue, &["geterror", &id]));
    assert!(error.contains("0x80190191"), "{error}");
    let tried = server.requests("/wrong.bin");
    assert_eq!(tried.len(), 2, "answered once: {tried:?}");
    assert!(
        tried[1]
            .authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Digest ")),
        "{tried:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn digest_wins_over_basic_when_both_are_set_and_offered() {
    let server = TestServer::start();
    server.put("/d.bin", test_bytes(30_000, 3));
    let mut demand = DigestDemand::new("ann", PASSWORD, &["SHA-256"]);
    // Basic is offered first and would be accepted too.
    demand.basic = Some(BASIC.into());
    server.demand_digest("/d.bin", demand);
    let dir = scratch("digest-basic");
    let queue = dir.join("queue.sqlite3");
    let _service = Service::start(&queue, &[]);

    let id = job(&queue, &server.url("/d.bin"), &dir.join("d.bin"));
    ok_with_stdin(
        &queue,
        &["setcredentials", &id, "server", "basic", "ann", "-"],
        &format!("{PASSWORD}\n"),
    );
    set_digest(&queue, &id, PASSWORD);
    ok(bitsq(&queue, &["resume", &id]));
    wait_for(&queue, &id, "state:        transferred");
    let answers = accepted(&server, "/d.bin");
    assert_eq!(answers.len(), 1, "{:?}", server.requests("/d.bin"));
    assert!(answers[0].starts_with("Digest "), "{answers:?}");
    std::fs::remove_dir_all(dir).unwrap();
}
