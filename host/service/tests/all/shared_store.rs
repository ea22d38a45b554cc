//! The transfer service on a PostgreSQL queue (`BITSQ_TEST_POSTGRES`; see
//! tests/src/postgres.rs): when the server drops the service's connections
//! mid-transfer, the service does not end — it stops its transfers, and
//! once the store answers again queues them with their progress and
//! resumes them with a `Range` request. And a caller of the service
//! learns that the store went away, with the store's own error.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bits_queue_host::{JobState, JobType, QueueOptions};
use bits_queue_service::{
    Confinement, Context, ServiceConfig, ServiceError, TransferService, carry_out,
};
use bits_queue_store::{PersistentQueue, PostgresStore};
use bits_queue_tests::http_server::{Fault, TestServer, test_bytes};
use bits_queue_tests::postgres::TestDatabase;
use bits_queue_tests::{runtime, scratch_dir};

/// Far above what any step takes: turns a hang into a failure.
const PATIENCE: Duration = Duration::from_secs(60);

/// A host's queue on the database at `url` (its own connection).
pub(crate) fn queue_on(url: &str) -> Arc<PersistentQueue> {
    let confinement = Confinement::none();
    let store = Box::new(PostgresStore::open(url).unwrap());
    let actions = Box::new(move |action: &bits_queue_host::Action| {
        carry_out(action, &confinement);
    });
    Arc::new(
        PersistentQueue::open(runtime(), QueueOptions::new(), store, actions)
            .unwrap()
            .0,
    )
}

/// Waits until `check` holds of what another host reads; read failures
/// (the server dropping connections) are waited through.
fn until(reader: &PersistentQueue, what: &str, check: impl Fn(&PersistentQueue) -> Option<bool>) {
    let started = Instant::now();
    while check(reader) != Some(true) {
        assert!(started.elapsed() < PATIENCE, "never {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_service_rides_out_lost_connections_and_resumes_from_the_stored_offset() {
    let Some(db) = TestDatabase::create("service_reconnects") else {
        return;
    };
    let server = TestServer::start();
    let bytes = test_bytes(2 << 20, 11);
    server.put("/r.bin", bytes.clone());
    // Half a MiB, then silence: the transfer is in flight when the
    // connections go.
    server.fault("/r.bin", Fault::Stall(512 << 10, Duration::from_secs(20)));
    let dir = scratch_dir("shared-store");
    let local = dir.join("r.bin");

    let queue = queue_on(db.url());
    let config = ServiceConfig {
        context: Context::default(),
        ..ServiceConfig::default()
    };
    let service = TransferService::start(queue.clone(), config).unwrap();
    let id = queue
        .change(|q| {
            let job = q.manager()?.create_job("reconnects", JobType::Download)?;
            job.add_file(&server.url("/r.bin"), local.to_str().unwrap())?;
            job.resume()?;
            job.id()
        })
        .unwrap();
    service.wake();

    let reader = queue_on(db.url());
    let stored_bytes = |q: &PersistentQueue| {
        q.read(|q| q.manager()?.get_job(id)?.progress())
            .ok()
            .map(|p| p.bytes_transferred)
    };
    until(&reader, "progress stored", |q| {
        stored_bytes(q).map(|b| b > 0)
    });
    let stored = stored_bytes(&reader).unwrap();
    assert!(db.drop_connections() >= 2, "the service's and the reader's");

    until(&reader, "transferred", |q| {
        q.read(|q| q.manager()?.get_job(id)?.state())
            .ok()
            .map(|s| s == JobState::Transferred)
    });
    service.check().expect("the service went on");
    let resumed = server.requests("/r.bin");
    let resumed = resumed.last().expect("a second request");
    let range = resumed.range.as_deref().expect("a Range request");
    let offset: u64 = range["bytes=".len()..range.len() - 1].parse().unwrap();
    assert!(offset >= stored, "resumed at {offset}, stored {stored}");
    assert_eq!(resumed.status, 206);

    queue
        .change(|q| q.manager()?.get_job(id)?.complete())
        .unwrap();
    assert_eq!(std::fs::read(&local).unwrap(), bytes);
    service.stop().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

/// While the queue's database takes no connections, a call through the
/// service fails with the store's error, told apart as a lost connection
/// (`is_disconnected`) with PostgreSQL's own error under it; the service
/// itself rides it out (`store_trouble`), and answers once the database
/// takes connections again.
#[test]
fn a_caller_of_the_service_learns_that_the_store_went_away() {
    let Some(db) = TestDatabase::create("service_store_gone") else {
        return;
    };
    let queue = queue_on(db.url());
    let service = TransferService::start(queue.clone(), ServiceConfig::default()).unwrap();
    let id = queue
        .change(|q| q.manager()?.create_job("waits", JobType::Download)?.id())
        .unwrap();
    let name: String = db
        .client()
        .query_one("SELECT current_database()", &[])
        .unwrap()
        .get(0);
    let admin = bits_queue_tests::postgres::server().expect("the database above is on it");
    let mut admin = postgres::Client::connect(admin, postgres::NoTls).unwrap();
    let allow = |admin: &mut postgres::Client, allowed: bool| {
        admin
            .batch_execute(&format!(
                "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS {allowed}"
            ))
            .unwrap()
    };
    allow(&mut admin, false);
    db.drop_connections();
    let started = Instant::now();
    let connected = |admin: &mut postgres::Client| -> i64 {
        admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1",
                &[&name],
            )
            .unwrap()
            .get(0)
    };
    while connected(&mut admin) > 0 {
        assert!(started.elapsed() < PATIENCE, "the connections never went");
        std::thread::sleep(Duration::from_millis(20));
    }

    let e = service
        .wait_for(id, |_| true, PATIENCE)
        .expect_err("the database takes no connections");
    assert!(e.is_disconnected(), "{e}");
    assert!(
        matches!(&e, ServiceError::Store(store) if store.is_disconnected()),
        "{e:?}"
    );
    let mut below: Vec<&(dyn std::error::Error + 'static)> = vec![&e];
    while let Some(next) = below[below.len() - 1].source() {
        below.push(next);
    }
    assert!(
        below
            .iter()
            .any(|e| e.downcast_ref::<postgres::Error>().is_some()),
        "no postgres::Error under {e:?}"
    );
    let trouble = loop {
        if let Some(trouble) = service.store_trouble() {
            break trouble;
        }
        assert!(started.elapsed() < PATIENCE, "the loop never noticed");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(trouble.is_disconnected(), "{trouble}");
    service.check().expect("the service rides it out");

    allow(&mut admin, true);
    let state = service.wait_for(id, |_| true, PATIENCE).unwrap();
    assert_eq!(state, JobState::Suspended);
    service.stop().unwrap();
}
