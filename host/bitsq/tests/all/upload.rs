//! Uploads with the real binary against the BITS server of the test
//! support code on 127.0.0.1 (docs/contract.md §14): `bitsq transfer
//! --upload [--reply FILE]`; `create --upload`, `addfile`, `resume` and
//! `service` across invocations, a service killed mid-upload resuming the
//! same session.

use crate::stored;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use stored::{Service, ok, wait_for, wait_for_stored_bytes};

use bits_queue_tests::bits_server::{BitsFault, BitsServer};
use bits_queue_tests::http_server::test_bytes;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bitsq-upload-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn transfer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .arg("transfer")
        .args(args)
        .output()
        .expect("bitsq runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An upload job of `local` to the server's `/NAME`, made by `create
/// --upload`, `addfile` and `resume`; the server will stall its second
/// Fragment (of 4 MiB) for 3 s. Returns the job's GUID.
fn stalled_upload(server: &BitsServer, queue: &Path, local: &Path) -> String {
    let name = local.file_name().unwrap().to_str().unwrap();
    let id = ok(stored::bitsq(queue, &["create", "--upload", name]));
    let id = id.trim().to_owned();
    let remote = server.url(&format!("/{name}"));
    ok(stored::bitsq(
        queue,
        &["addfile", &id, &remote, local.to_str().unwrap()],
    ));
    ok(stored::bitsq(queue, &["resume", &id]));
    server.fault([
        BitsFault::Pass,
        BitsFault::Pass,
        BitsFault::Stall(Duration::from_secs(3)),
    ]);
    id
}

#[test]
fn transfer_upload_leaves_the_file_on_the_server_byte_exact() {
    let server = BitsServer::start();
    let dir = scratch("plain");
    let bytes = test_bytes(5 << 20, 51);
    let local = dir.join("crash.dmp");
    std::fs::write(&local, &bytes).unwrap();
    let out = transfer(&[
        "--upload",
        &server.url("/dumps/crash.dmp"),
        local.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("transferred 1 file(s), 5.0 MiB"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(server.file("/dumps/crash.dmp").as_deref(), Some(&bytes[..]));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn transfer_upload_reply_writes_the_reply_to_its_file() {
    let server = BitsServer::start();
    let dir = scratch("reply");
    let reply = test_bytes(20_000, 52);
    server.reply("/replies/telemetry", &reply);
    let local = dir.join("telemetry.json");
    std::fs::write(&local, b"{\"n\": 1}").unwrap();
    let reply_file = dir.join("answer.bin");
    let out = transfer(&[
        "--upload",
        "--reply",
        reply_file.to_str().unwrap(),
        &server.url("/t"),
        local.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&reply_file).unwrap(), reply);
    assert_eq!(server.file("/t").as_deref(), Some(&b"{\"n\": 1}"[..]));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn transfer_upload_refused_by_the_server_exits_1_with_its_error() {
    let server = BitsServer::start();
    server.size_cap(10);
    let dir = scratch("cap");
    let local = dir.join("big");
    std::fs::write(&local, [7u8; 100]).unwrap();
    let out = transfer(&["--upload", &server.url("/big"), local.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("0x80200020"),
        "{}",
        text(&out.stderr)
    );
    // Two pairs: an upload job holds one file.
    let out = transfer(&["--upload", "http://h/a", "/tmp/a", "http://h/b", "/tmp/b"]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(dir).unwrap();
}

/// The service is SIGKILLed while the server holds a Fragment; the next
/// one continues the same session from the stored acknowledged offset.
#[test]
fn a_service_killed_mid_upload_resumes_the_same_session() {
    let server = BitsServer::start();
    let dir = scratch("kill");
    let queue = dir.join("queue.sqlite3");
    let bytes = test_bytes(12 << 20, 53);
    let local = dir.join("k.bin");
    std::fs::write(&local, &bytes).unwrap();
    let id = stalled_upload(&server, &queue, &local);
    let mut first = Service::start(&queue, &[]);
    let stored_bytes = wait_for_stored_bytes(&queue, &id);
    let info = ok(stored::bitsq(&queue, &["info", &id]));
    assert!(info.contains("session:      {"), "{info}");
    assert!(info.contains("acknowledged: "), "{info}");
    first.signal(libc::SIGKILL);
    first.0.wait().unwrap();
    let _second = Service::start(&queue, &[]);
    wait_for(&queue, &id, "state:        transferred");
    assert_eq!(server.file("/k.bin").as_deref(), Some(&bytes[..]));
    let log = server.log();
    let creates = log
        .iter()
        .filter(|p| p.packet_type == "Create-Session")
        .count();
    assert_eq!(creates, 1, "one session: {log:#?}");
    let fragments: Vec<_> = log.iter().filter(|p| p.packet_type == "Fragment").collect();
    let from_zero = fragments
        .iter()
        .filter(|p| {
            p.range
                .as_deref()
                .is_some_and(|r| r.starts_with("bytes 0-"))
        })
        .count();
    assert_eq!(
        from_zero, 1,
        "no restart from 0 (stored {stored_bytes}): {log:#?}"
    );
    ok(stored::bitsq(&queue, &["complete", &id]));
    std::fs::remove_dir_all(dir).unwrap();
}

/// `cancel` in its own invocation ends the server's session.
#[test]
fn cancel_in_another_invocation_sends_cancel_session() {
    let server = BitsServer::start();
    let dir = scratch("cancel");
    let queue = dir.join("queue.sqlite3");
    let local = dir.join("c.bin");
    std::fs::write(&local, test_bytes(12 << 20, 54)).unwrap();
    let id = stalled_upload(&server, &queue, &local);
    let service = Service::start(&queue, &[]);
    wait_for_stored_bytes(&queue, &id);
    ok(stored::bitsq(&queue, &["cancel", &id]));
    drop(service);
    let log = server.log();
    let cancel = log.iter().find(|p| p.packet_type == "Cancel-Session");
    assert!(cancel.is_some(), "{log:#?}");
    assert_eq!(cancel.unwrap().session, log[1].session, "{log:#?}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A Cancel-Session that fails (the server answers 500) is not forgotten:
/// the store keeps it beside the queue, and the next `bitsq service` sends
/// it again and forgets it once it ended (contract §14.6).
#[test]
fn a_failed_cancel_session_is_kept_and_sent_by_the_next_service() {
    let server = BitsServer::start();
    let dir = scratch("cancel-kept");
    let queue = dir.join("queue.sqlite3");
    let kept_dir = dir.join("queue.sqlite3.cancels");
    let kept = || {
        std::fs::read_dir(&kept_dir)
            .map(|entries| entries.count())
            .unwrap_or(0)
    };
    let local = dir.join("k.bin");
    std::fs::write(&local, test_bytes(12 << 20, 55)).unwrap();
    let id = stalled_upload(&server, &queue, &local);
    let service = Service::start(&queue, &[]);
    wait_for_stored_bytes(&queue, &id);
    drop(service);
    // The stalled second Fragment is logged once its stall is over: every
    // fault set so far is spent.
    let started = std::time::Instant::now();
    while !server.log().iter().any(|p| {
        p.range
            .as_deref()
            .is_some_and(|r| r.starts_with("bytes 4194304-"))
    }) {
        assert!(started.elapsed() < stored::PATIENCE, "{:#?}", server.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    let session = server.log()[1].session.clone();

    server.fault([BitsFault::Status(500)]);
    let out = stored::bitsq(&queue, &["cancel", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("kept for `bitsq service`"),
        "{}",
        text(&out.stderr)
    );
    let cancels = |status: u16| {
        server
            .log()
            .iter()
            .filter(|p| p.packet_type == "Cancel-Session" && p.status == status)
            .map(|p| p.session.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(cancels(500), vec![session.clone()]);
    assert_eq!(kept(), 1, "the failed cancel is kept beside the queue");

    let service = Service::start(&queue, &[]);
    let started = std::time::Instant::now();
    while cancels(200).is_empty() || kept() > 0 {
        assert!(started.elapsed() < stored::PATIENCE, "{:#?}", server.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(service);
    assert_eq!(cancels(200), vec![session]);
    std::fs::remove_dir_all(dir).unwrap();
}
