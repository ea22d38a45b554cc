//! `sethttpmethod` / `gethttpmethod` (docs/contract.md §15.7) through the
//! real binary: the method is shown, refused with its reason, keeps the
//! job in the foreground, and `bitsq service` sends it to a server on
//! 127.0.0.1 that logs each request's method.

use crate::credentials::{job, scratch};
use crate::stored::{Service, bitsq, ok, text, wait_for};

use bits_queue_tests::http_server::{TestServer, test_bytes};

#[test]
fn sethttpmethod_is_shown_checked_and_sent() {
    let server = TestServer::start();
    server.put("/m.bin", test_bytes(30_000, 61));
    let dir = scratch("method");
    let queue = dir.join("queue.sqlite3");
    let id = job(&queue, &server.url("/m.bin"), &dir.join("m.bin"));
    assert_eq!(ok(bitsq(&queue, &["gethttpmethod", &id])).trim(), "GET");

    let refused = bitsq(&queue, &["sethttpmethod", &id, "TRACE"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stdout));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("E_INVALIDARG") && stderr.contains("METHOD `TRACE`"),
        "{stderr}"
    );
    assert_eq!(ok(bitsq(&queue, &["gethttpmethod", &id])).trim(), "GET");

    ok(bitsq(&queue, &["sethttpmethod", &id, "PURGE"]));
    assert_eq!(ok(bitsq(&queue, &["gethttpmethod", &id])).trim(), "PURGE");
    let info = ok(bitsq(&queue, &["info", &id]));
    assert!(info.contains("method:       PURGE"), "{info}");
    assert!(info.contains("foreground"), "{info}");
    let lowered = bitsq(&queue, &["setpriority", &id, "low"]);
    assert_eq!(lowered.status.code(), Some(1), "{}", text(&lowered.stdout));

    let _service = Service::start(&queue, &[]);
    ok(bitsq(&queue, &["resume", &id]));
    wait_for(&queue, &id, "state:        transferred");
    let after = bitsq(&queue, &["sethttpmethod", &id, "GET"]);
    assert!(
        text(&after.stderr).contains("BG_E_READ_ONLY_PROPERTY_AFTER_RESUME"),
        "{}",
        text(&after.stderr)
    );
    let methods: Vec<_> = server
        .requests("/m.bin")
        .into_iter()
        .map(|r| r.method)
        .collect();
    assert_eq!(methods, ["PURGE"]);
    std::fs::remove_dir_all(dir).unwrap();
}
