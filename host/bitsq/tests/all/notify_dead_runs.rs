//! A notify program's run whose service died (contract §16.1, issue 20):
//! the run keeps its running mark in the journal, so no host would ever
//! run it again. The host reports it ended without a code — a service
//! starting on a queue it runs alone (SQLite) for the runs the dead one
//! left, and, on a shared queue (PostgreSQL), any host for a run whose
//! lease ran out — so it is due again after the job's minimum retry delay
//! (5 s here) and runs.
//!
//! The program appends a line per run to a file; its first run then
//! sleeps (it is still running when its service is killed), the next
//! ones end at once.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::stored::{PATIENCE, Service, bitsq, ok, wait_for};

use bits_queue_tests::http_server::{TestServer, test_bytes};
use bits_queue_tests::postgres::TestDatabase;

/// The lines the program has written so far.
fn lines(out: &Path) -> usize {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .count()
}

fn wait_for_runs(out: &Path, count: usize) {
    let started = Instant::now();
    while lines(out) < count {
        assert!(
            started.elapsed() < PATIENCE,
            "run {count} never came: the dead run kept its mark"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The program, in `dir`: a line per run into `runs.txt`; the first run
/// writes its pid into `held` and sleeps.
fn program(dir: &Path) -> (PathBuf, PathBuf) {
    let out = dir.join("runs.txt");
    let script = dir.join("notify.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho run >> '{out}'\n\
             if [ ! -e '{held}' ]; then echo $$ > '{held}'; exec sleep 600; fi\n",
            out = out.display(),
            held = dir.join("held").display(),
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script, out)
}

/// A job whose notify program is `script`, run when it is `transferred`;
/// resumed. Its id.
fn job(queue: &str, server: &TestServer, dir: &Path, script: &Path) -> String {
    server.put("/n.bin", test_bytes(5_000, 4));
    let id = ok(bitsq(queue, &["create", "notified"])).trim().to_string();
    let local = dir.join("n.bin");
    ok(bitsq(
        queue,
        &[
            "addfile",
            &id,
            &server.url("/n.bin"),
            local.to_str().unwrap(),
        ],
    ));
    ok(bitsq(queue, &["setnotifyflags", &id, "1"]));
    ok(bitsq(queue, &["setminretrydelay", &id, "5"]));
    ok(bitsq(
        queue,
        &["setnotifycmdline", &id, script.to_str().unwrap()],
    ));
    ok(bitsq(queue, &["resume", &id]));
    id
}

/// Ends the first run's program, which outlived its service.
fn end_sleeper(dir: &Path) {
    if let Ok(pid) = std::fs::read_to_string(dir.join("held"))
        && let Ok(pid) = pid.trim().parse::<libc::pid_t>()
    {
        // SAFETY: a signal to the sleep the test's own program started.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
}

#[test]
fn a_run_whose_service_died_runs_again_when_a_service_starts() {
    let server = TestServer::start();
    let dir = bits_queue_tests::scratch_dir("bitsq-notify-dead-run");
    let (script, out) = program(&dir);
    let queue = dir.join("queue.sqlite3");
    let queue = queue.to_str().unwrap();
    let id = job(queue, &server, &dir, &script);
    let a = Service::start(queue, &[]);
    wait_for(queue, &id, "state:        transferred");
    wait_for_runs(&out, 1);
    drop(a); // SIGKILL: the run is still going.
    let b = Service::start(queue, &[]);
    wait_for_runs(&out, 2);
    drop(b);
    end_sleeper(&dir);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_run_whose_lease_ran_out_runs_again_on_another_host() {
    let Some(db) = TestDatabase::create("notify_dead_run") else {
        return;
    };
    let url = db.url();
    let server = TestServer::start();
    let dir = bits_queue_tests::scratch_dir("bitsq-pg-notify-dead-run");
    let (script, out) = program(&dir);
    let id = job(url, &server, &dir, &script);
    let lease: [&std::ffi::OsStr; 2] = ["--lease".as_ref(), "2".as_ref()];
    let a = Service::start(url, &lease);
    wait_for(url, &id, "state:        transferred");
    wait_for_runs(&out, 1);
    // B runs beside A; A dies with its run going, B finds the lease out.
    let b = Service::start(url, &lease);
    drop(a);
    wait_for_runs(&out, 2);
    drop(b);
    end_sleeper(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
}
