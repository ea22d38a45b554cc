//! Tables that only grew (issue 23, defect 9): `bitsq_removed` kept a
//! tombstone per job that ever left, and `bitsq_writers` a row per process
//! ever run. After many create/cancel cycles both hold a bounded number of
//! rows, and every host still learns each removal: one that kept up, and
//! one that fell further behind than the tombstones kept (it reads the
//! whole queue again).

use crate::suite;

use std::time::Duration;

use bits_queue_host::JobType;
use bits_queue_store::{PersistentQueue, PostgresOptions, PostgresStore};
use bits_queue_tests::postgres::TestDatabase;
use suite::{names, open};

/// The tombstones of the latest this many versions are kept.
const KEPT: u64 = 20;

/// A host of `db` named `host`, keeping `KEPT` versions of tombstones.
fn host(db: &TestDatabase, host: &str) -> PersistentQueue {
    let options = PostgresOptions {
        host: host.to_string(),
        lease: Duration::from_secs(30),
        tombstone_versions: KEPT,
        ..PostgresOptions::default()
    };
    open(Box::new(
        PostgresStore::open_with(db.url(), options).unwrap(),
    ))
    .0
}

/// Creates a job named `name` on `queue`; returns its id.
fn create(queue: &PersistentQueue, name: &str) -> bits_queue_host::Guid {
    queue
        .change(|q| q.manager()?.create_job(name, JobType::Download)?.id())
        .unwrap()
}

fn cancel(queue: &PersistentQueue, id: bits_queue_host::Guid) {
    queue
        .change(|q| q.manager()?.get_job(id)?.cancel())
        .unwrap();
}

fn count(db: &TestDatabase, table: &str) -> i64 {
    db.client()
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .unwrap()
        .get(0)
}

#[test]
fn tombstones_stay_bounded_and_every_host_still_sees_each_removal() {
    let Some(db) = TestDatabase::create("tombstones") else {
        return;
    };
    let writer = host(&db, "writer");
    let follower = host(&db, "follower");
    let laggard = host(&db, "laggard");
    let kept = create(&writer, "kept");
    let first = create(&writer, "first");
    // Both hosts know `first`.
    assert_eq!(names(&follower), ["kept", "first"]);
    assert_eq!(names(&laggard), ["kept", "first"]);
    cancel(&writer, first);
    // The follower reads after every cycle; the laggard only at the end,
    // far more versions behind than the tombstones kept.
    let cycles = 5 * KEPT;
    for n in 0..cycles {
        let id = create(&writer, &format!("cycle {n}"));
        cancel(&writer, id);
        assert_eq!(names(&follower), ["kept"], "after cycle {n}");
    }
    // Each cycle is two versions and leaves one tombstone: at most those
    // of the versions kept stay.
    let tombstones = count(&db, "bitsq_removed");
    assert!(
        tombstones <= KEPT as i64,
        "{tombstones} tombstones after {cycles} cycles, {KEPT} versions kept"
    );
    assert!(tombstones > 0, "the latest removals are kept");
    assert_eq!(names(&laggard), ["kept"]);
    assert_eq!(names(&writer), ["kept"]);
    // A change made by the laggard after it caught up is one on the
    // queue as it is.
    laggard
        .change(|q| q.manager()?.get_job(kept)?.set_description("still here"))
        .unwrap();
    assert_eq!(names(&follower), ["kept"]);
    // One writer row per host that committed.
    assert_eq!(count(&db, "bitsq_writers"), 2);
}
