//! A store that fails while a transfer's start reads what it needs (the
//! order's details, the job's secrets) is a store failure like any other
//! while serving (issue 23, defect 2's rule): the service waits it out,
//! says so once, and the job transfers once the store answers. It used to
//! fail the job for good with E_ACCESSDENIED (a local I/O error).
//!
//! The failure is made deterministic with a privilege rather than a timed
//! `pg_terminate_backend`: the service's role loses `SELECT` on
//! `bitsq_secrets` before the job starts, so reading the credentials
//! fails with the server's 42501 at exactly that step, whatever the
//! timing; the grant given back is the store answering again.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::credentials::{PASSWORD, ok_with_stdin};
use crate::postgres_roles::DML_ONLY;
use crate::stored::{PATIENCE, Service, bitsq, ok, wait_for};

use bits_queue_tests::http_server::{TestServer, test_bytes};
use bits_queue_tests::postgres::TestDatabase;

/// `Basic base64("ann:s3cret-Pa55word")`.
const BASIC: &str = "Basic YW5uOnMzY3JldC1QYTU1d29yZA==";

#[test]
fn a_store_failing_while_a_start_reads_the_jobs_secrets_is_waited_out() {
    let Some(db) = TestDatabase::create("start_store") else {
        return;
    };
    let (role, alice) = db.role("alice", DML_ONLY);
    ok(bitsq(db.url(), &["admin", "migrate"]));
    let server = TestServer::start();
    let bytes = test_bytes(70_000, 5);
    server.put("/c.bin", bytes.clone());
    server.demand("/c.bin", "Basic realm=\"q\"", BASIC);
    let dir = bits_queue_tests::scratch_dir("bitsq-pg-start-store");
    let local = dir.join("c.bin");
    let id = ok(bitsq(&alice, &["create", "with credentials"]))
        .trim()
        .to_string();
    ok(bitsq(
        &alice,
        &[
            "addfile",
            &id,
            &server.url("/c.bin"),
            local.to_str().unwrap(),
        ],
    ));
    ok_with_stdin(
        Path::new(&alice),
        &["setcredentials", &id, "server", "basic", "ann", "-"],
        &format!("{PASSWORD}\n"),
    );
    db.client()
        .batch_execute(&format!("REVOKE SELECT ON bitsq_secrets FROM {role}"))
        .unwrap();

    let extra: [&std::ffi::OsStr; 2] = ["--allow-write".as_ref(), dir.as_os_str()];
    let mut service = Service::start(&alice, &extra);
    // What the service says, line by line, as it says it.
    let said = Arc::new(Mutex::new(String::new()));
    let stderr = service.0.stderr.take().unwrap();
    let lines = said.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut said = lines.lock().unwrap();
            said.push_str(&line);
            said.push('\n');
        }
    });
    ok(bitsq(&alice, &["resume", &id]));
    let started = Instant::now();
    loop {
        let info = ok(bitsq(&alice, &["info", &id]));
        assert!(
            !info.contains("state:        error"),
            "the job failed for the store's failure:\n{info}"
        );
        let told = said.lock().unwrap().clone();
        if told.contains("permission denied for table bitsq_secrets") {
            assert!(told.contains("waiting for it"), "{told}");
            break;
        }
        assert!(started.elapsed() < PATIENCE, "never told:\n{told}\n{info}");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        server.requests("/c.bin").is_empty(),
        "no request went out without the credentials"
    );

    db.client()
        .batch_execute(&format!("GRANT SELECT ON bitsq_secrets TO {role}"))
        .unwrap();
    wait_for(&alice, &id, "state:        transferred");
    drop(service);
    let answered: Vec<_> = server
        .requests("/c.bin")
        .into_iter()
        .filter(|r| r.status == 200)
        .collect();
    assert_eq!(answered.len(), 1, "{answered:?}");
    ok(bitsq(&alice, &["complete", &id]));
    assert_eq!(std::fs::read(&local).unwrap(), bytes);
    std::fs::remove_dir_all(dir).unwrap();
}
