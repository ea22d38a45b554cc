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

/// `bitsq --queue URL service --allow-write DIR`, its stderr kept.
fn service(url: &str, dir: &std::path::Path) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .args(["--queue", url, "service", "--allow-write"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
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
    let mut service = service(&url, &dir);

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
    if service.try_wait().unwrap().is_some() {
        let out = service.wait_with_output().unwrap();
        panic!("the service died in the storm:\n{}", text(&out.stderr));
    }
    assert!(terminated > 20, "the storm ended {terminated} sessions");
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

/// A service started while its database takes no connections (its
/// connection limit is 0, as a server out of slots says: "too many
/// connections", SQLSTATE 53300) waits for it, saying so once, and serves
/// once it takes them again. A server that refuses the login (a password
/// that is not given) ends the service at once with exit 4, saying why.
#[test]
fn a_service_waits_for_a_database_it_cannot_reach_yet_and_not_for_a_refusal() {
    let db = database!("svcwait");
    let owner = db.url().to_string();
    ok(bitsq(&owner, &["admin", "migrate"]));
    // A role of its own: the connection limit spares superusers.
    let (_, url) = db.role(
        "svc",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};",
    );
    let server = TestServer::start();
    let bytes = test_bytes(200_000, 7);
    server.put("/w.bin", bytes.clone());
    let dir = bits_queue_tests::scratch_dir("bitsq-pg-svcwait");
    let local = dir.join("w.bin");
    let id = ok(bitsq(&owner, &["create", "waits"])).trim().to_string();
    ok(bitsq(
        &owner,
        &[
            "addfile",
            &id,
            &server.url("/w.bin"),
            local.to_str().unwrap(),
        ],
    ));
    let limit = |n: i32| {
        db.admin()
            .batch_execute(&format!(
                "ALTER DATABASE {} CONNECTION LIMIT {n}",
                db.name()
            ))
            .unwrap();
    };
    limit(0);
    let mut service = service(&url, &dir);
    // Several tries (100 ms, 200 ms, 400 ms, 800 ms, …) fail meanwhile.
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        service.try_wait().unwrap().is_none(),
        "the service ended while its database took no connections"
    );
    limit(-1);
    ok(bitsq(&owner, &["resume", &id]));
    wait_for(&owner, &id, "state:        transferred");
    ok(bitsq(&owner, &["complete", &id]));
    assert_eq!(std::fs::read(&local).unwrap(), bytes);
    assert!(service.try_wait().unwrap().is_none(), "the service ended");
    let _ = service.kill();
    let told = text(&service.wait_with_output().unwrap().stderr);
    assert_eq!(told.matches("cannot be reached").count(), 1, "{told}");
    assert!(told.contains("too many connections"), "{told}");
    assert!(told.contains("answers again"), "{told}");

    // A refused login is not waited for: a wrong password (the server's
    // refusal, 28P01), or none (the client's).
    let (_, password_url) = db.password_role("pw", "the-right-one");
    let home = bits_queue_tests::scratch_dir("bitsq-pg-svcwait-home");
    for (password, said) in [
        (Some("a-wrong-one"), "password authentication failed"),
        (None, "password missing"),
    ] {
        let mut refused = std::process::Command::new(env!("CARGO_BIN_EXE_bitsq"));
        for (name, _) in std::env::vars() {
            if name.starts_with("PG") {
                refused.env_remove(name);
            }
        }
        if let Some(password) = password {
            refused.env("PGPASSWORD", password);
        }
        let refused = refused
            .env("HOME", &home)
            .args(["--queue", &password_url, "service", "--allow-write"])
            .arg(&dir)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let why = text(&refused.stderr);
        assert_eq!(refused.status.code(), Some(4), "{why}");
        assert!(why.contains(said), "{why}");
        assert!(!why.contains("cannot be reached"), "{why}");
    }
    std::fs::remove_dir_all(dir).unwrap();
    std::fs::remove_dir_all(home).unwrap();
}
