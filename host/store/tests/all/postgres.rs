//! The PostgreSQL store against a real server (`BITSQ_TEST_POSTGRES`; see
//! tests/src/postgres.rs): the suite every store passes, then what sharing
//! a queue among hosts adds — serialised changes (no lost update, each call
//! applied or refused as it found the job), one creation order from every
//! host, a lost connection as a distinct error that changes nothing, the
//! schema's own version, and leases (contract §10: one host at a time).
//!
//! Each "host" here is a `PersistentQueue` with a connection of its own;
//! host/bitsq/tests/postgres.rs does the same with processes.

use crate::suite;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use bits_queue_host::{Action, ErrorCode, FileRef, JobState, JobType, QueueLimits};
use bits_queue_store::{
    PersistError, PersistentQueue, PostgresOptions, PostgresStore, ReportKind, Store,
};
use bits_queue_tests::postgres::TestDatabase;
use suite::{names, open};

/// The test's own database, or the test passes saying it was skipped.
macro_rules! database {
    ($name:expr) => {
        match TestDatabase::create($name) {
            Some(db) => db,
            None => return,
        }
    };
}

fn pg(db: &TestDatabase) -> impl Fn() -> Box<dyn Store> + '_ {
    move || Box::new(PostgresStore::open(db.url()).unwrap())
}

/// A host named `host` whose leases last `lease`.
fn host(db: &TestDatabase, host: &str, lease: Duration) -> PersistentQueue {
    let options = PostgresOptions {
        lease,
        host: host.to_string(),
        ..PostgresOptions::default()
    };
    open(Box::new(
        PostgresStore::open_with(db.url(), options).unwrap(),
    ))
    .0
}

#[test]
fn a_restart_reads_back_every_job_exactly() {
    let db = database!("restart");
    suite::a_restart_reads_back_every_job_exactly(&pg(&db));
}

#[test]
fn two_hosts_see_each_others_changes() {
    let db = database!("two_hosts");
    suite::two_hosts_see_each_others_changes(&pg(&db));
}

#[test]
fn a_call_stores_what_changed_even_when_it_ends_refused() {
    let db = database!("refused");
    suite::a_call_stores_what_changed_even_when_it_ends_refused(&pg(&db));
}

#[test]
fn a_store_larger_than_one_call_opens_whole() {
    let db = database!("large");
    suite::a_store_larger_than_one_call_opens_whole(&pg(&db), 12_000);
}

/// Runs `f(host index)` on `hosts` threads, each with a queue of its own
/// on `db`, released together.
fn on_hosts<T: Send + 'static>(
    db: &TestDatabase,
    hosts: usize,
    f: impl Fn(usize, &PersistentQueue) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let f = Arc::new(f);
    let start = Arc::new(Barrier::new(hosts));
    let threads: Vec<_> = (0..hosts)
        .map(|i| {
            let (f, start, url) = (f.clone(), start.clone(), db.url().to_string());
            thread::spawn(move || {
                let (queue, _) = open(Box::new(PostgresStore::open(&url).unwrap()));
                start.wait();
                f(i, &queue)
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

#[test]
fn hosts_creating_at_once_get_distinct_jobs_listed_in_one_order() {
    let db = database!("creates");
    let orders = on_hosts(&db, 4, |i, queue| {
        for n in 0..50 {
            queue
                .change(|q| {
                    q.manager()?
                        .create_job(&format!("host {i} job {n}"), JobType::Download)
                        .map(drop)
                })
                .unwrap();
        }
        names(queue)
    });
    // Every host, once the others are done, lists the same 200 jobs in
    // the same order; each host's own jobs in the order it made them.
    let (final_order, _) = open(pg(&db)());
    let all = names(&final_order);
    assert_eq!(all.len(), 200);
    let distinct: std::collections::BTreeSet<_> = all.iter().collect();
    assert_eq!(distinct.len(), 200);
    for i in 0..4 {
        let mine: Vec<_> = all
            .iter()
            .filter(|n| n.starts_with(&format!("host {i} ")))
            .cloned()
            .collect();
        let expected: Vec<_> = (0..50).map(|n| format!("host {i} job {n}")).collect();
        assert_eq!(mine, expected);
    }
    // What each host listed when it finished is a prefix of the final
    // order: no host ever saw another order.
    for order in &orders {
        assert_eq!(order[..], all[..order.len()]);
    }
}

#[test]
fn concurrent_changes_to_one_job_lose_no_update() {
    let db = database!("lost_update");
    let (first, _) = open(pg(&db)());
    let id = first
        .change(|q| {
            q.set_limits(QueueLimits {
                max_jobs: 10,
                max_files_per_job: 1_000,
            })?;
            q.manager()?.create_job("shared", JobType::Download)?.id()
        })
        .unwrap();
    // Each host adds 25 files to the one job, a call each: if any host
    // wrote the job's record from a stale copy, files would be missing.
    on_hosts(&db, 4, move |i, queue| {
        for n in 0..25 {
            queue
                .change(|q| {
                    q.manager()?.get_job(id)?.add_file(
                        &format!("https://example.com/{i}/{n}"),
                        &format!("/data/{i}-{n}"),
                    )
                })
                .unwrap();
        }
    });
    let files = first.read(|q| q.manager()?.get_job(id)?.files()).unwrap();
    assert_eq!(files.len(), 100);
    let mut locals: Vec<_> = files.iter().map(|f| f.local_name.clone()).collect();
    locals.sort();
    let mut expected: Vec<_> = (0..4)
        .flat_map(|i| (0..25).map(move |n| format!("/data/{i}-{n}")))
        .collect();
    expected.sort();
    assert_eq!(locals, expected);
}

#[test]
fn racing_hosts_each_apply_or_are_refused_for_the_state_they_found() {
    let db = database!("racing");
    let (first, _) = open(pg(&db)());
    for round in 0..5 {
        let id = first
            .change(|q| {
                let job = q
                    .manager()?
                    .create_job(&format!("race {round}"), JobType::Download)?;
                job.add_file("https://example.com/a", "/data/a")?;
                job.id()
            })
            .unwrap();
        // Four hosts cancel the same job at once: exactly one finds it
        // and cancels it; the others find it gone (not-found), as the
        // contract says for a job that left the queue.
        let outcomes = on_hosts(&db, 4, move |_, queue| {
            queue.change(|q| q.manager()?.get_job(id)?.cancel())
        });
        let applied = outcomes.iter().filter(|o| o.is_ok()).count();
        assert_eq!(applied, 1, "round {round}: {outcomes:?}");
        for outcome in outcomes.iter().filter(|o| o.is_err()) {
            match outcome {
                Err(PersistError::Queue(e)) => {
                    assert_eq!(e.code(), Some(ErrorCode::NotFound), "{e}")
                }
                other => panic!("round {round}: {other:?}"),
            }
        }
    }
    assert!(names(&first).is_empty());
}

#[test]
fn a_lost_connection_is_a_distinct_error_and_the_next_call_reconnects() {
    let db = database!("reconnect");
    let (queue, _) = open(pg(&db)());
    queue
        .change(|q| {
            q.manager()?
                .create_job("before", JobType::Download)
                .map(drop)
        })
        .unwrap();
    assert!(db.drop_connections() >= 1);
    // The call after the loss fails as a lost connection, and nothing of
    // it happens, in memory or in the store.
    let lost = queue.change(|q| q.manager()?.create_job("lost", JobType::Download).map(drop));
    match lost {
        Err(PersistError::Store(e)) => assert!(e.is_disconnected(), "{e}"),
        other => panic!("expected a lost connection, got {other:?}"),
    }
    assert_eq!(names(&queue), ["before"]);
    // The next call connects again and is stored.
    queue
        .change(|q| {
            q.manager()?
                .create_job("after", JobType::Download)
                .map(drop)
        })
        .unwrap();
    let (other, _) = open(pg(&db)());
    assert_eq!(names(&other), ["before", "after"]);
}

#[test]
fn a_queue_of_a_newer_schema_is_refused_and_left_alone() {
    let db = database!("schema");
    drop(pg(&db)());
    let mut client = db.client();
    client
        .batch_execute("UPDATE bitsq_schema SET version = 99")
        .unwrap();
    let refused = PostgresStore::open(db.url()).err().expect("refused");
    assert!(refused.to_string().contains("schema 99"), "{refused}");
    let version: i32 = client
        .query_one("SELECT version FROM bitsq_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(version, 99);
}

#[test]
fn hosts_that_set_up_one_database_at_once_all_open_it() {
    let db = database!("setup");
    let opened = on_hosts(&db, 6, |_, queue| names(queue).len());
    assert_eq!(opened, [0; 6]);
}

/// The job and the `start` order `queue` gets for its one file.
fn started(queue: &PersistentQueue) -> FileRef {
    let actions = queue.poll().unwrap();
    let starts: Vec<_> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Start(order) => Some(order.file),
            _ => None,
        })
        .collect();
    assert_eq!(starts.len(), 1, "{actions:?}");
    starts[0]
}

#[test]
fn a_transfer_is_leased_to_its_host_until_the_lease_runs_out() {
    let db = database!("leases");
    let lease = Duration::from_secs(1);
    let a = host(&db, "a", lease);
    let b = host(&db, "b", lease);
    let id = a
        .change(|q| {
            let job = q.manager()?.create_job("leased", JobType::Download)?;
            job.add_file("https://example.com/f", "/data/f")?;
            job.resume()?;
            job.id()
        })
        .unwrap();
    let file = started(&a);
    assert_eq!(file.job, id);
    // b sees the file in flight under a live lease: it neither takes it
    // back nor starts it, and may not report about it.
    assert_eq!(b.recover_lost(true).unwrap(), []);
    assert!(
        !b.poll()
            .unwrap()
            .iter()
            .any(|x| matches!(x, Action::Start(_)))
    );
    let refused = b.report(file, ReportKind::Connected, |q| {
        q.report_connected(file, Some(10), None)
    });
    assert!(matches!(refused, Err(PersistError::LeaseLost(f)) if f == file));
    // a's reports go through.
    a.report(file, ReportKind::Connected, |q| {
        q.report_connected(file, Some(10), None)
    })
    .unwrap();
    a.report(file, ReportKind::Progress, |q| q.report_progress(file, 4))
        .unwrap();
    a.flush().unwrap();
    // a goes silent; once its lease has run out, b takes the file back
    // (lost, queued with its 4 bytes) and starts it from there.
    let deadline = Instant::now() + Duration::from_secs(30);
    let lost = loop {
        let lost = b.recover_lost(false).unwrap();
        if !lost.is_empty() || Instant::now() > deadline {
            break lost;
        }
        thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(lost, [file]);
    let actions = b.poll().unwrap();
    let order = actions
        .iter()
        .find_map(|x| match x {
            Action::Start(order) => Some(order.clone()),
            _ => None,
        })
        .expect("b starts the file");
    assert_eq!(order.offset, 4);
    // a's late word about the file is refused: the file is b's now.
    let late = a.report(file, ReportKind::End, |q| q.report_done(file));
    assert!(matches!(late, Err(PersistError::LeaseLost(_))), "{late:?}");
    assert_eq!(
        b.read(|q| q.manager()?.get_job(id)?.state()).unwrap(),
        JobState::Connecting
    );
}

#[test]
fn a_service_start_takes_back_only_transfers_no_live_lease_covers() {
    let db = database!("start_recovery");
    let a = host(&db, "a", Duration::from_secs(600));
    for name in ["leased", "orphan"] {
        a.change(|q| {
            let job = q.manager()?.create_job(name, JobType::Download)?;
            job.add_file("https://example.com/f", "/data/f")?;
            job.set_priority(bits_queue_host::JobPriority::Foreground)?;
            job.resume()
        })
        .unwrap();
    }
    let actions = a.poll().unwrap();
    let files: Vec<FileRef> = actions
        .iter()
        .filter_map(|x| match x {
            Action::Start(order) => Some(order.file),
            _ => None,
        })
        .collect();
    assert_eq!(files.len(), 2);
    // One lease vanishes (as a host of an older bitsq, or one whose row
    // was lost, would leave it): a new host takes back that one alone.
    let mut client = db.client();
    let orphan = files[1];
    client
        .execute(
            "DELETE FROM bitsq_leases WHERE job = $1",
            &[&&orphan.job.to_bytes()[..]],
        )
        .unwrap();
    let b = host(&db, "b", Duration::from_secs(600));
    assert_eq!(b.recover_lost(true).unwrap(), [orphan]);
    let state = |id| b.read(|q| q.manager()?.get_job(id)?.state()).unwrap();
    assert_eq!(state(files[0].job), JobState::Connecting);
    assert_eq!(state(orphan.job), JobState::Queued);
}

#[test]
fn a_call_refused_by_the_server_leaves_the_connection_usable() {
    let db = database!("lock_timeout");
    drop(pg(&db)());
    // Another session holds the queue's lock; this host gives up waiting
    // after 200 ms (the server's lock_timeout), an ordinary error.
    let impatient = format!("{}?options=-c%20lock_timeout%3D200", db.url());
    let (queue, _) = open(Box::new(PostgresStore::open(&impatient).unwrap()));
    let mut holder = db.client();
    holder
        .batch_execute("BEGIN; SELECT version FROM bitsq_state FOR UPDATE")
        .unwrap();
    let waited = queue.change(|q| q.manager()?.create_job("late", JobType::Download).map(drop));
    match waited {
        Err(PersistError::Store(e)) => assert!(!e.is_disconnected(), "{e}"),
        other => panic!("expected the lock timeout, got {other:?}"),
    }
    holder.batch_execute("COMMIT").unwrap();
    // The refused call left no transaction open on the connection: the
    // next calls go through.
    queue
        .change(|q| q.manager()?.create_job("then", JobType::Download).map(drop))
        .unwrap();
    assert_eq!(names(&queue), ["then"]);
}
