//! `bitsq transfer` end to end: the real binary against a real HTTP server
//! in this process on 127.0.0.1.

use std::path::PathBuf;
use std::process::{Command, Output};

use bits_queue_tests::http_server::{Fault, TestServer, test_bytes};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bitsq-transfer-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn bitsq(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .args(args)
        .output()
        .expect("bitsq runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn transfer_writes_the_file_byte_for_byte() {
    let server = TestServer::start();
    let dir = scratch("plain");
    let bytes = test_bytes(1 << 20, 21);
    server.put("/one.bin", bytes.clone());
    let local = dir.join("one.bin");
    let out = bitsq(&["transfer", &server.url("/one.bin"), local.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("transferred 1 file(s), 1.0 MiB"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(std::fs::read(&local).unwrap(), bytes);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file left"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// One retry delay (5 s, the least there is) passes in real time here: the
/// binary reads the system's clock. The retry rules themselves are tested
/// on a set clock (crates/logic/tests/engine.rs, crates/service/tests).
#[test]
fn transfer_resumes_after_a_drop_halfway() {
    let server = TestServer::start();
    let dir = scratch("drop");
    let bytes = test_bytes(1 << 20, 22);
    server.put("/half.bin", bytes.clone());
    server.fault("/half.bin", Fault::DropAfter(1 << 19));
    let local = dir.join("half.bin");
    let out = bitsq(&[
        "transfer",
        "--retry-delay",
        "5",
        "--priority",
        "normal",
        &server.url("/half.bin"),
        local.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("BG_E_CONNECTION_CLOSED (0x8020002E)"),
        "{}",
        text(&out.stderr)
    );
    let requests = server.requests("/half.bin");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].range.as_deref(), Some("bytes=524288-"));
    assert_eq!(std::fs::read(&local).unwrap(), bytes);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn transfer_reports_a_404_and_leaves_nothing() {
    let server = TestServer::start();
    let dir = scratch("missing");
    let local = dir.join("missing.bin");
    let out = bitsq(&[
        "transfer",
        &server.url("/missing.bin"),
        local.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("BG_E_HTTP_ERROR_404 (0x80190194)"),
        "{stderr}"
    );
    assert!(stderr.contains("remote-file"), "{stderr}");
    assert!(stderr.contains("cancelled"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "no file, no temporary"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn transfer_wants_pairs() {
    let out = bitsq(&[
        "transfer",
        "http://127.0.0.1:1/a",
        "/tmp/a",
        "http://127.0.0.1:1/b",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("REMOTE LOCAL pairs"),
        "{}",
        text(&out.stderr)
    );
}
