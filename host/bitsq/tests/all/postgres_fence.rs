//! Fencing (issue 23, defect 1): a `bitsq service` paused (SIGSTOP) past
//! its lease while another service takes its file over, then continued
//! (SIGCONT), never writes a byte into the file the other host owns, nor
//! into the delivered file: their bytes and modification times stay as
//! they were. The server's file changes while the first host is paused,
//! so a stale write would mix two versions.

use crate::stored;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use stored::{PATIENCE, Service, bitsq, ok, wait_for, wait_for_stored_bytes};

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

/// Whether the service runs a transfer: a thread of its named after the
/// service's transfer threads (`bits-queue-xfer`).
fn transferring(service: &Service) -> bool {
    let tasks = PathBuf::from(format!("/proc/{}/task", service.0.id()));
    std::fs::read_dir(tasks)
        .map(|tasks| {
            tasks.flatten().any(|task| {
                std::fs::read_to_string(task.path().join("comm"))
                    .is_ok_and(|comm| comm.trim() == "bits-queue-xfer")
            })
        })
        .unwrap_or(false)
}

/// A file's bytes and modification time.
fn state(path: &Path) -> (Vec<u8>, SystemTime) {
    let bytes = std::fs::read(path).unwrap();
    let modified = std::fs::metadata(path).unwrap().modified().unwrap();
    (bytes, modified)
}

/// The one file in `dir` holding exactly `bytes`.
fn holding(dir: &Path, bytes: &[u8]) -> PathBuf {
    let found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| std::fs::read(path).is_ok_and(|held| held == bytes))
        .collect();
    assert_eq!(found.len(), 1, "files holding the new version: {found:?}");
    found.into_iter().next().unwrap()
}

/// Host A starts the file, is paused past its lease, host B takes it
/// over and finishes it (the server's file changed meanwhile: B starts it
/// again); `complete` runs then if `complete_first`; then A goes on until
/// its transfer thread ends. Neither B's file nor the delivered file
/// changes.
fn paused_host_touches_nothing(name: &str, complete_first: bool) {
    let Some(db) = TestDatabase::create(name) else {
        return;
    };
    let url = db.url();
    let server = TestServer::start();
    let dir = bits_queue_tests::scratch_dir(&format!("bitsq-pg-{name}"));
    let size = (1 << 20) + (100 << 10);
    let old = test_bytes(size, 1);
    let new = test_bytes(size, 2);
    server.put("/f.bin", old.clone());
    // A's answer: 1 MiB, a pause (A is stopped in it), then the last
    // 100 KiB, small enough to wait in the sockets' buffers until A goes
    // on and reads them.
    server.fault("/f.bin", Fault::Pause(1 << 20, Duration::from_secs(4)));
    let local = dir.join("f.bin");
    let id = ok(bitsq(url, &["create", name])).trim().to_string();
    ok(bitsq(
        url,
        &[
            "addfile",
            &id,
            &server.url("/f.bin"),
            local.to_str().unwrap(),
        ],
    ));
    ok(bitsq(url, &["resume", &id]));
    let mut a = service(url, &dir);
    wait_for_stored_bytes(url, &id);
    a.signal(libc::SIGSTOP);
    assert!(
        server.requests("/f.bin").is_empty(),
        "A's answer ended before A was paused: the test proves nothing"
    );
    server.put("/f.bin", new.clone());
    let b = service(url, &dir);
    wait_for(url, &id, "state:        transferred");
    drop(b);
    // Both answers sent whole (the server logs an answer at its end): A's
    // last bytes wait for it in its socket.
    let started = Instant::now();
    while server.requests("/f.bin").len() < 2 {
        assert!(started.elapsed() < PATIENCE, "A's answer never ended");
        std::thread::sleep(Duration::from_millis(50));
    }
    let watched = if complete_first {
        ok(bitsq(url, &["complete", &id]));
        local.clone()
    } else {
        holding(&dir, &new)
    };
    let before = state(&watched);
    assert_eq!(before.0, new);
    assert!(transferring(&a), "A still has its transfer to go on with");
    a.signal(libc::SIGCONT);
    let started = Instant::now();
    while transferring(&a) {
        assert!(started.elapsed() < PATIENCE, "A's transfer never ended");
        std::thread::sleep(Duration::from_millis(50));
    }
    let after = state(&watched);
    assert!(
        after.0 == new,
        "{}: bytes changed after A went on",
        watched.display()
    );
    assert_eq!(
        after.1,
        before.1,
        "{}: modified after A went on",
        watched.display()
    );
    if !complete_first {
        ok(bitsq(url, &["complete", &id]));
    }
    assert!(std::fs::read(&local).unwrap() == new, "the delivered file");
    drop(a);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_paused_host_never_writes_into_the_file_another_host_took_over() {
    paused_host_touches_nothing("fence_taken_over", false);
}

#[test]
fn a_paused_host_never_writes_into_the_delivered_file() {
    paused_host_touches_nothing("fence_delivered", true);
}
