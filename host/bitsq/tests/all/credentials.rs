//! Credentials and custom headers end to end (docs/contract.md §15.1–§15.3):
//! bitsq sets them, `bitsq service` sends them to a server on 127.0.0.1
//! that demands them, and no secret ever reaches an output, the queue file
//! or its WAL.

use crate::stored;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Output;

use stored::{Service, bitsq, ok, text, wait_for};

use bits_queue_tests::http_server::{TestServer, test_bytes};

pub(crate) const PASSWORD: &str = "s3cret-Pa55word";
const TOKEN: &str = "tok.EN-9f8e7d6c";
/// `Basic base64("ann:s3cret-Pa55word")`.
const BASIC: &str = "Basic YW5uOnMzY3JldC1QYTU1d29yZA==";

pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bitsq-cred-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `bitsq --queue QUEUE ARGS…` with `input` on its stdin; its stdout
/// (it must exit 0).
pub(crate) fn ok_with_stdin(queue: &Path, args: &[&str], input: &str) -> String {
    let mut command = crate::common::bitsq();
    command.arg("--queue").arg(queue).args(args);
    let ran = crate::common::feed(command, input.as_bytes().to_vec());
    assert_eq!(ran.code(), Some(0), "{}{}", ran.stdout, ran.stderr);
    ran.stdout
}

/// A new job downloading `url` to `dir/name`; its GUID.
pub(crate) fn job(queue: &Path, url: &str, local: &Path) -> String {
    let id = ok(bitsq(queue, &["create", "auth"])).trim().to_string();
    ok(bitsq(
        queue,
        &["addfile", &id, url, local.to_str().unwrap()],
    ));
    id
}

/// Every output and stored byte under test, checked for the secrets.
pub(crate) fn assert_no_secret(what: &str, bytes: &[u8]) {
    let haystack = String::from_utf8_lossy(bytes);
    for secret in [PASSWORD, TOKEN] {
        assert_eq!(
            haystack.matches(secret).count(),
            0,
            "{what} holds a secret:\n{haystack}"
        );
    }
}

pub(crate) fn everything(out: &Output) -> Vec<u8> {
    [out.stdout.as_slice(), out.stderr.as_slice()].concat()
}

#[test]
fn basic_credentials_answer_the_challenge_and_a_401_without_them_is_fatal() {
    let server = TestServer::start();
    server.put("/b.bin", test_bytes(70_000, 5));
    server.demand("/b.bin", "Basic realm=\"q\"", BASIC);
    let dir = scratch("basic");
    let queue = dir.join("queue.sqlite3");
    let mut service = Service::start(&queue, &[]);

    // Without credentials: the server's 401 ends the job (fatal).
    let bare = job(&queue, &server.url("/b.bin"), &dir.join("bare.bin"));
    ok(bitsq(&queue, &["resume", &bare]));
    wait_for(&queue, &bare, "state:        error");
    let error = ok(bitsq(&queue, &["geterror", &bare]));
    assert!(error.contains("0x80190191"), "{error}");

    // With them (the password from stdin): the challenge is answered.
    let local = dir.join("b.bin");
    let id = job(&queue, &server.url("/b.bin"), &local);
    ok_with_stdin(
        &queue,
        &["setcredentials", &id, "server", "basic", "ann", "-"],
        &format!("{PASSWORD}\n"),
    );
    let info = ok(bitsq(&queue, &["info", &id]));
    assert!(info.contains("secrets:      server-basic"), "{info}");
    ok(bitsq(&queue, &["resume", &id]));
    wait_for(&queue, &id, "state:        transferred");
    let answered = server
        .requests("/b.bin")
        .iter()
        .filter(|r| r.status == 200)
        .count();
    assert_eq!(answered, 1, "{:?}", server.requests("/b.bin"));

    // A URL with the password in it is refused, and not printed back.
    let mut outputs = vec![
        (
            "addfile with userinfo",
            everything(&bitsq(
                &queue,
                &[
                    "addfile",
                    &id,
                    &server
                        .url("/b.bin")
                        .replace("://", &format!("://ann:{PASSWORD}@")),
                    "/tmp/x",
                ],
            )),
        ),
        (
            "transfer with userinfo",
            everything(&bitsq(
                &queue,
                &[
                    "transfer",
                    "t",
                    &server
                        .url("/b.bin")
                        .replace("://", &format!("://ann:{PASSWORD}@")),
                    dir.join("t.bin").to_str().unwrap(),
                ],
            )),
        ),
    ];
    let bearer = job(&queue, &server.url("/b.bin"), &dir.join("c.bin"));
    ok(bitsq(
        &queue,
        &["setcredentials", &bearer, "server", "bearer", TOKEN],
    ));
    ok(bitsq(
        &queue,
        &["setcustomheaders", &bearer, &format!("Cookie: k={TOKEN}")],
    ));
    for args in [
        vec!["info", id.as_str()],
        vec!["info", bearer.as_str()],
        vec!["files", id.as_str()],
        vec!["list"],
        vec!["geterror", bare.as_str()],
        vec!["getcustomheaders", bearer.as_str()],
        vec!["monitor", "1"],
    ] {
        outputs.push(("a verb", everything(&bitsq(&queue, &args))));
    }
    ok(bitsq(&queue, &["complete", &id]));
    service.signal(libc::SIGTERM);
    service.0.wait().unwrap();
    let mut logged = Vec::new();
    for stream in [
        service
            .0
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read>),
        service
            .0
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read>),
    ]
    .into_iter()
    .flatten()
    {
        let mut stream = stream;
        stream.read_to_end(&mut logged).unwrap();
    }
    outputs.push(("the service's output", logged));
    for (what, bytes) in &outputs {
        assert_no_secret(what, bytes);
    }
    for file in ["queue.sqlite3", "queue.sqlite3-wal"] {
        if let Ok(bytes) = std::fs::read(dir.join(file)) {
            assert_no_secret(file, &bytes);
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_bearer_token_goes_by_setcredentials_or_by_a_custom_header() {
    let server = TestServer::start();
    server.put("/t.bin", test_bytes(50_000, 6));
    server.demand("/t.bin", "Bearer realm=\"q\"", &format!("Bearer {TOKEN}"));
    let dir = scratch("bearer");
    let queue = dir.join("queue.sqlite3");
    let _service = Service::start(&queue, &[]);

    let by_credentials = job(&queue, &server.url("/t.bin"), &dir.join("a.bin"));
    ok_with_stdin(
        &queue,
        &["setcredentials", &by_credentials, "server", "bearer", "-"],
        TOKEN,
    );
    ok(bitsq(
        &queue,
        &["setcustomheaders", &by_credentials, "X-Trace: 7"],
    ));
    assert_eq!(
        ok(bitsq(&queue, &["getcustomheaders", &by_credentials])).trim(),
        "X-Trace: 7"
    );
    ok(bitsq(&queue, &["resume", &by_credentials]));
    wait_for(&queue, &by_credentials, "state:        transferred");

    let by_header = job(&queue, &server.url("/t.bin"), &dir.join("b.bin"));
    ok(bitsq(
        &queue,
        &[
            "setcustomheaders",
            &by_header,
            &format!("Authorization: Bearer {TOKEN}"),
        ],
    ));
    // A header naming Authorization is a secret at once: write-only.
    let refused = bitsq(&queue, &["getcustomheaders", &by_header]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stdout));
    assert!(
        text(&refused.stderr).contains("E_ACCESSDENIED"),
        "{}",
        text(&refused.stderr)
    );
    ok(bitsq(&queue, &["resume", &by_header]));
    wait_for(&queue, &by_header, "state:        transferred");

    let sent = server.requests("/t.bin");
    assert_eq!(
        sent.iter().filter(|r| r.status == 200).count(),
        2,
        "{sent:?}"
    );
    assert!(
        sent.iter().any(|r| r.status == 200
            && r.headers
                .iter()
                .any(|h| h.eq_ignore_ascii_case("X-Trace: 7"))),
        "{sent:?}"
    );
    // Removing the credential deletes its secret; the next run is refused.
    let removed = ok(bitsq(
        &queue,
        &["removecredentials", &by_credentials, "server", "bearer"],
    ));
    assert!(removed.contains("removed"), "{removed}");
    let secrets = dir.join("queue.sqlite3.secrets");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secrets).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "{mode:o}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}
