//! Services beside a busy host on a shared (PostgreSQL) queue (issue 23,
//! defect 6): every commit used to wake every service, and each polled
//! under the queue's lock, which the busy host's every call waits for.
//! A service now takes that lock only when a poll may act: counted here
//! (`ServiceStats`), never timed. And what a poll must act on still
//! reaches it at once: a job resumed elsewhere starts, a job suspended
//! elsewhere stops.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bits_queue_host::{JobState, JobType};
use bits_queue_service::{ServiceConfig, ServiceStats, TransferService};
use bits_queue_store::PersistentQueue;
use bits_queue_tests::http_server::{Fault, TestServer, test_bytes};
use bits_queue_tests::postgres::TestDatabase;
use bits_queue_tests::scratch_dir;

use crate::shared_store::queue_on;

/// Far above what any step takes: turns a hang into a failure.
const PATIENCE: Duration = Duration::from_secs(60);

/// Woken only by the store (another host's commit) or a nudge, never by
/// its own clock: every turn counted below is one of those.
fn woken_only() -> ServiceConfig {
    ServiceConfig {
        max_sleep: Duration::from_secs(3600),
        ..ServiceConfig::default()
    }
}

/// The loop's turns so far: polls made and polls left out.
fn turns(stats: ServiceStats) -> u64 {
    stats.locked_polls + stats.polls_skipped
}

fn until(what: &str, check: impl Fn() -> bool) {
    within(PATIENCE, what, check);
}

fn within(patience: Duration, what: &str, check: impl Fn() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < patience, "never {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Nudges the service and waits for the turn that follows.
fn one_turn(service: &TransferService<Arc<PersistentQueue>>) {
    let before = turns(service.stats());
    service.wake();
    until("a turn after a nudge", || turns(service.stats()) > before);
}

#[test]
fn an_idle_service_takes_no_lock_for_suspended_jobs_and_starts_a_resumed_one() {
    let Some(db) = TestDatabase::create("idle_service") else {
        return;
    };
    let server = TestServer::start();
    let bytes = test_bytes(64 << 10, 7);
    server.put("/idle.bin", bytes.clone());
    let dir = scratch_dir("idle-service");
    let local = dir.join("idle.bin");

    let creator = queue_on(db.url());
    let idle = TransferService::start(queue_on(db.url()), woken_only()).unwrap();
    until("the service's first poll", || idle.stats().locked_polls > 0);
    // Its start's own calls (notify programs taken) are polled for once.
    one_turn(&idle);
    one_turn(&idle);
    let before = idle.stats();
    // A client filling in jobs: each created suspended, one commit each.
    // After each, the service takes a turn (nudged, as any other commit
    // of another host would wake it) and looks at what changed.
    let mut ids = Vec::new();
    for i in 0..20 {
        let id = creator
            .change(|q| {
                let job = q
                    .manager()?
                    .create_job(&format!("idle {i}"), JobType::Download)?;
                job.id()
            })
            .unwrap();
        ids.push(id);
        one_turn(&idle);
    }
    let after = idle.stats();
    assert_eq!(
        after.locked_polls, before.locked_polls,
        "polls under the queue's lock while only suspended jobs were made: {after:?}"
    );
    assert!(
        after.polls_skipped >= before.polls_skipped + 20,
        "{before:?} → {after:?}"
    );

    // A resumed job is what a poll acts on: the store's notification
    // wakes the service (its clock never would), and it starts the job.
    let id = ids[7];
    creator
        .change(|q| {
            let job = q.manager()?.get_job(id)?;
            job.add_file(&server.url("/idle.bin"), local.to_str().unwrap())?;
            job.resume()
        })
        .unwrap();
    let state = idle
        .wait_for(id, |s| s == JobState::Transferred, PATIENCE)
        .unwrap();
    assert_eq!(state, JobState::Transferred);
    assert_eq!(idle.stats().transfers_started, 1);
    creator
        .change(|q| q.manager()?.get_job(id)?.complete())
        .unwrap();
    assert_eq!(std::fs::read(&local).unwrap(), bytes);
    idle.stop().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_job_suspended_on_another_host_stops_its_transfer_here() {
    let Some(db) = TestDatabase::create("idle_stop") else {
        return;
    };
    let server = TestServer::start();
    // A quarter of a MiB, then silence far longer than the wait below
    // (and than the transfer's own idle limit): only a `stop` ends it.
    server.put("/stop.bin", test_bytes(1 << 20, 3));
    server.fault(
        "/stop.bin",
        Fault::Stall(256 << 10, Duration::from_secs(600)),
    );
    let dir = scratch_dir("idle-stop");
    let local = dir.join("stop.bin");

    let creator = queue_on(db.url());
    let service = TransferService::start(queue_on(db.url()), woken_only()).unwrap();
    let id = creator
        .change(|q| {
            let job = q.manager()?.create_job("stops", JobType::Download)?;
            job.add_file(&server.url("/stop.bin"), local.to_str().unwrap())?;
            job.resume()?;
            job.id()
        })
        .unwrap();
    // Bytes arrived and stored (progress is stored coalesced, on the
    // service's turns: nudged here, since its clock never turns it).
    let stored = || {
        creator
            .read(|q| q.manager()?.get_job(id)?.progress())
            .map(|p| p.bytes_transferred)
            .unwrap_or(0)
    };
    until("the transfer's bytes stored", || {
        service.wake();
        stored() > 0
    });
    // Turns with nothing new: the service's own reports are polled for,
    // and after that it looks without the lock.
    one_turn(&service);
    one_turn(&service);
    let quiet = service.stats();
    one_turn(&service);
    assert_eq!(
        service.stats().locked_polls,
        quiet.locked_polls,
        "a stalled transfer, and nothing else changed"
    );

    let leases = |db: &TestDatabase| -> i64 {
        db.client()
            .query_one("SELECT count(*) FROM bitsq_leases", &[])
            .unwrap()
            .get(0)
    };
    assert_eq!(leases(&db), 1, "the service's lease of the file");
    creator
        .change(|q| q.manager()?.get_job(id)?.suspend())
        .unwrap();
    // Woken by the suspension (a job it transfers changed), the service
    // polls, is told to stop, and gives the lease up with that poll: well
    // before the transfer's own idle limit (60 s) would end it.
    within(PATIENCE / 2, "the lease given up", || leases(&db) == 0);
    assert_eq!(
        creator.read(|q| q.manager()?.get_job(id)?.state()).unwrap(),
        JobState::Suspended
    );
    service.stop().unwrap();
    drop(server);
    std::fs::remove_dir_all(dir).unwrap();
}
