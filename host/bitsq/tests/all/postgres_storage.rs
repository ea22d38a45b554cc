//! Storage the hosts do not share (issue 23, defect 8). Hosts sharing a
//! queue must share the file system of the local names (README); these
//! tests show what happens when they do not, on the real PostgreSQL server
//! with two `bitsq service` processes each allowed to write only their
//! directory. Two hosts on one machine see one file system, so a host's
//! private disk is played by moving its temporary files out of the
//! directory (into `a-disk/`) once it stopped: what the other host then
//! finds is exactly what it finds on a machine of its own.
//!
//! - A host taking a file over that finds none of its bytes starts it
//!   again from 0 and delivers it whole (it used to fail the job for good
//!   with E_ACCESSDENIED, "holds 0 bytes").
//! - `complete` on a host that cannot find the temporary file fails,
//!   bitsq exits 1, and the job stays `transferred` — also when an older
//!   copy stands at the local name (it used to be acknowledged, and the
//!   bytes stranded) — and succeeds once the file is there.

use crate::stored;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use stored::{PATIENCE, Service, bitsq, ok, text, wait_for, wait_for_stored_bytes};

use bits_queue_tests::http_server::{Fault, TestServer, test_bytes};
use bits_queue_tests::postgres::TestDatabase;

/// A `bitsq service` whose leases last 2 s, writing only below `dir`.
fn service(url: &str, dir: &Path) -> Service {
    let extra: [&OsStr; 4] = [
        "--lease".as_ref(),
        "2".as_ref(),
        "--allow-write".as_ref(),
        dir.as_os_str(),
    ];
    Service::start(url, &extra)
}

/// Moves every temporary file (every generation's) from `dir` to `disk`:
/// they are on the disk of the host that wrote them, which no other host
/// sees. Returns how many.
fn move_temporaries(dir: &Path, disk: &Path) -> usize {
    std::fs::create_dir_all(disk).unwrap();
    let mut moved = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with("BIT") {
            std::fs::rename(entry.path(), disk.join(&name)).unwrap();
            moved += 1;
        }
    }
    moved
}

/// The job's state as `info` shows it, once it is one of `states`.
fn settle(url: &str, id: &str, states: &[&str]) -> String {
    let started = Instant::now();
    loop {
        let info = ok(bitsq(url, &["info", id]));
        let state = info
            .lines()
            .find_map(|l| l.strip_prefix("state:"))
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        if states.contains(&state.as_str()) {
            return info;
        }
        assert!(started.elapsed() < PATIENCE, "never {states:?}:\n{info}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A job of one file of `size` bytes at `/NAME.bin`, resumed; its id, the
/// local name and the bytes.
fn job(url: &str, server: &TestServer, dir: &Path, name: &str, size: usize) -> (String, PathBuf) {
    let path = format!("/{name}.bin");
    server.put(&path, test_bytes(size, 3));
    let local = dir.join(format!("{name}.bin"));
    let id = ok(bitsq(url, &["create", name])).trim().to_string();
    ok(bitsq(
        url,
        &["addfile", &id, &server.url(&path), local.to_str().unwrap()],
    ));
    ok(bitsq(url, &["resume", &id]));
    (id, local)
}

#[test]
fn a_host_that_finds_no_temporary_file_starts_the_file_again_from_0() {
    let Some(db) = TestDatabase::create("storage_failover") else {
        return;
    };
    let url = db.url();
    let server = TestServer::start();
    let dir = bits_queue_tests::scratch_dir("bitsq-pg-storage-failover");
    let size = (1 << 20) + (100 << 10);
    // Host A gets 1 MiB, then waits long in the answer: it dies there.
    server.fault(
        "/failover.bin",
        Fault::Pause(1 << 20, Duration::from_secs(30)),
    );
    let (id, local) = job(url, &server, &dir, "failover", size);
    let a = service(url, &dir);
    wait_for_stored_bytes(url, &id);
    drop(a);
    assert!(
        move_temporaries(&dir, &dir.join("a-disk")) > 0,
        "A wrote none"
    );
    let b = service(url, &dir);
    let info = settle(url, &id, &["transferred", "error"]);
    assert!(info.contains("state:        transferred"), "{info}");
    drop(b);
    // B asked from 0, not from the bytes A had.
    let asked = server.requests("/failover.bin");
    assert_eq!(asked.last().unwrap().range, None, "{asked:?}");
    ok(bitsq(url, &["complete", &id]));
    assert!(std::fs::read(&local).unwrap() == test_bytes(size, 3));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn complete_never_acknowledges_a_file_this_host_cannot_find() {
    let Some(db) = TestDatabase::create("storage_complete") else {
        return;
    };
    let url = db.url();
    let server = TestServer::start();
    let dir = bits_queue_tests::scratch_dir("bitsq-pg-storage-complete");
    let disk = dir.join("a-disk");
    let size = 64 << 10;
    let (id, local) = job(url, &server, &dir, "complete", size);
    let a = service(url, &dir);
    wait_for(url, &id, "state:        transferred");
    drop(a);
    assert!(move_temporaries(&dir, &disk) > 0, "A wrote none");

    // Neither the temporary file nor the local file is here.
    let out = bitsq(url, &["complete", &id]);
    let why = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{why}");
    assert!(why.contains("cannot find the temporary file"), "{why}");
    assert!(why.contains("share the file system"), "{why}");
    assert!(!local.exists());
    wait_for(url, &id, "state:        transferred");

    // An older copy at the local name is not the job's file.
    std::fs::write(&local, b"an older copy").unwrap();
    let out = bitsq(url, &["complete", &id]);
    let why = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{why}");
    assert!(why.contains("is not the file a commit of it made"), "{why}");
    assert_eq!(std::fs::read(&local).unwrap(), b"an older copy");
    wait_for(url, &id, "state:        transferred");

    // On the host that sees it, the same `complete` delivers it.
    for entry in std::fs::read_dir(&disk).unwrap().flatten() {
        std::fs::rename(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    ok(bitsq(url, &["complete", &id]));
    assert!(std::fs::read(&local).unwrap() == test_bytes(size, 3));
    let listed = ok(bitsq(url, &["list"]));
    assert!(!listed.contains(&id), "{listed}");
    std::fs::remove_dir_all(dir).unwrap();
}
