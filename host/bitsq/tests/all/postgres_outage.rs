//! A service on a PostgreSQL queue outlives a storm: every backend of the
//! queue's database terminated (`pg_terminate_backend`, as an
//! administrator or a failover would) every 0.5 s for 20 s, while another
//! session holds the set-up advisory lock the whole time (a queue that is
//! set up never waits for it). The service waits each failure out and
//! goes on, telling each outage once; every job resumed during the storm
//! is transferred whole, and the service is still running at the end.

use crate::stored;

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use stored::{bitsq, ok, text, wait_for};

use bits_queue_tests::http_server::{TestServer, test_bytes};
use bits_queue_tests::postgres::TestDatabase;

macro_rules! database {
    ($name:expr) => {
        match TestDatabase::create($name) {
            Some(db) => db,
            None => return,
        }
    };
}

/// The set-up lock bits-queue-store takes while it migrates ("bitsq").
const SETUP_LOCK: i64 = 0x62_69_74_73_71;

/// `bitsq ARGS` until it exits 0 (a command whose connection the storm
/// ended fails, and is asked again).
fn until_ok(url: &str, args: &[&str]) -> String {
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < stored::PATIENCE,
            "bitsq {args:?} never succeeded"
        );
        let out = bitsq(url, args);
        if out.status.success() {
            return text(&out.stdout);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_service_outlives_backends_terminated_every_half_second() {
    let db = database!("storm");
    let url = db.url().to_string();
    ok(bitsq(&url, &["admin", "migrate"]));
    let server = TestServer::start();
    let dir = bits_queue_tests::scratch_dir("bitsq-pg-storm");
    let mut jobs = Vec::new();
    for n in 0..12 {
        let path = format!("/s{n}.bin");
        let bytes = test_bytes(300_000 + n * 7_000, n as u64);
        server.put(&path, bytes.clone());
        let local = dir.join(format!("s{n}.bin"));
        let id = ok(bitsq(&url, &["create", &format!("storm{n}")]))
            .trim()
            .to_string();
        ok(bitsq(
            &url,
            &["addfile", &id, &server.url(&path), local.to_str().unwrap()],
        ));
        jobs.push((id, local, bytes));
    }
    let mut service = std::process::Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .args(["--queue", &url, "service", "--allow-write"])
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // The storm, from the administrator's connection; a session of its own
    // holds the set-up lock throughout and is spared.
    let mut locker = db.client();
    locker
        .execute("SELECT pg_advisory_lock($1)", &[&SETUP_LOCK])
        .unwrap();
    let spared: i32 = locker
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    let storming = Arc::new(AtomicBool::new(true));
    let storm = {
        let (storming, name) = (storming.clone(), db.name().to_string());
        let mut admin = db.admin();
        std::thread::spawn(move || {
            let mut terminated = 0i64;
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(20) {
                let ended: i64 = admin
                    .query_one(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                         WHERE datname = $1 AND pid <> pg_backend_pid() AND pid <> $2",
                        &[&name, &spared],
                    )
                    .unwrap()
                    .get(0);
                terminated += ended;
                std::thread::sleep(Duration::from_millis(500));
            }
            storming.store(false, Ordering::Release);
            terminated
        })
    };
    // Jobs resumed one after another during the storm.
    for (id, _, _) in &jobs {
        loop {
            let _ = bitsq(&url, &["resume", id]);
            if !until_ok(&url, &["info", id]).contains("state:        suspended") {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(800));
    }
    let terminated = storm.join().unwrap();
    assert!(!storming.load(Ordering::Acquire));
    assert!(terminated > 20, "the storm ended {terminated} sessions");
    assert!(
        service.try_wait().unwrap().is_none(),
        "the service died in the storm"
    );
    for (id, local, bytes) in &jobs {
        wait_for(&url, id, "state:        transferred");
        ok(bitsq(&url, &["complete", id]));
        assert_eq!(&std::fs::read(local).unwrap(), bytes, "{}", local.display());
    }
    assert!(service.try_wait().unwrap().is_none(), "the service ended");
    let _ = service.kill();
    let out = service.wait_with_output().unwrap();
    let told = text(&out.stderr);
    let outages = told.matches("the queue's store failed").count();
    // Told once per outage, not once per failed call.
    assert!(
        (1..=40).contains(&outages),
        "{outages} outages told:\n{told}"
    );
    drop(locker);
    std::fs::remove_dir_all(dir).unwrap();
}
