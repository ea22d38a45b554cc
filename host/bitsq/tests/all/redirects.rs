//! Reported redirects end to end (docs/contract.md §15.4): under security
//! flag 0x0100 `bitsq service` follows a redirect to another server and
//! reports where it led, so `files` and `info` show that URL as the
//! remote name; the job's bearer token and custom headers belong to the
//! server the client named, so the other server never receives them, not
//! on the redirect's request and not on the attempts that start there
//! afterwards, until `setremotename` names the file again.

use bits_queue_tests::http_server::{Fault, Logged, TestServer, test_bytes};

use crate::credentials::{job, scratch};
use crate::stored::{Service, bitsq, ok, wait_for};

const TOKEN: &str = "redirect-T0ken";

/// Whether `request` carried a header named `name`.
fn carried(request: &Logged, name: &str) -> bool {
    request.headers.iter().any(|h| {
        h.split_once(':')
            .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name))
    })
}

#[test]
fn a_reported_redirect_renames_the_file_and_keeps_its_credentials_home() {
    let home = TestServer::start();
    let elsewhere = TestServer::start();
    let bytes = test_bytes(50_000, 51);
    elsewhere.put("/moved.bin", bytes.clone());
    // The first answer there breaks off, so the job retries there.
    elsewhere.fault("/moved.bin", Fault::DropAfter(2_000));
    home.fault(
        "/file.bin",
        Fault::StatusWith(302, format!("Location: {}", elsewhere.url("/moved.bin"))),
    );
    home.put("/file.bin", bytes.clone());
    let dir = scratch("redirect-report");
    let queue = dir.join("queue.sqlite3");
    let _service = Service::start(&queue, &[]);

    let id = job(&queue, &home.url("/file.bin"), &dir.join("f.bin"));
    ok(bitsq(&queue, &["setsecurityflags", &id, "0x0100"]));
    ok(bitsq(
        &queue,
        &["setcredentials", &id, "server", "bearer", TOKEN],
    ));
    ok(bitsq(&queue, &["setcustomheaders", &id, "X-Team: blue"]));
    ok(bitsq(&queue, &["resume", &id]));
    wait_for(&queue, &id, "state:        transient-error");
    let files = ok(bitsq(&queue, &["files", &id]));
    assert!(files.contains(&elsewhere.url("/moved.bin")), "{files}");
    let info = ok(bitsq(&queue, &["info", &id]));
    assert!(info.contains(&elsewhere.url("/moved.bin")), "{info}");

    ok(bitsq(&queue, &["resume", &id]));
    wait_for(&queue, &id, "state:        transferred");
    let first = &home.requests("/file.bin")[0];
    assert!(carried(first, "authorization") && carried(first, "x-team"));
    let there = elsewhere.requests("/moved.bin");
    assert_eq!(there.len(), 2, "{there:?}");
    for request in &there {
        assert!(
            !carried(request, "authorization") && !carried(request, "x-team"),
            "{request:?}"
        );
    }
    ok(bitsq(&queue, &["complete", &id]));
    assert_eq!(std::fs::read(dir.join("f.bin")).unwrap(), bytes);

    // A client naming the file again gives it its credentials back.
    let again = job(&queue, &home.url("/file.bin"), &dir.join("g.bin"));
    ok(bitsq(&queue, &["setsecurityflags", &again, "0x0100"]));
    ok(bitsq(&queue, &["setcustomheaders", &again, "X-Team: blue"]));
    home.fault(
        "/file.bin",
        Fault::StatusWith(302, format!("Location: {}", elsewhere.url("/moved.bin"))),
    );
    elsewhere.fault("/moved.bin", Fault::DropAfter(2_000));
    ok(bitsq(&queue, &["resume", &again]));
    wait_for(&queue, &again, "state:        transient-error");
    ok(bitsq(
        &queue,
        &["setremotename", &again, "0", &elsewhere.url("/moved.bin")],
    ));
    ok(bitsq(&queue, &["resume", &again]));
    wait_for(&queue, &again, "state:        transferred");
    let last = elsewhere.requests("/moved.bin").pop().unwrap();
    assert!(carried(&last, "x-team"), "{last:?}");
    std::fs::remove_dir_all(dir).unwrap();
}
