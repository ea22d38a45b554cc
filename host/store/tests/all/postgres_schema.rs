//! The PostgreSQL queue's schema over time: a queue written by schema 1
//! (bits-queue as of a2490d9: the same tables, `bitsq_schema` at 1) is
//! brought forward by `migrate` and keeps its jobs; and `bitsq_writers`,
//! which gained a row per process ever run, keeps only hosts that
//! committed within a day.

use bits_queue_host::JobType;
use bits_queue_store::{PostgresStore, Store};
use bits_queue_tests::postgres::TestDatabase;

use crate::suite::{names, open};

macro_rules! database {
    ($name:expr) => {
        match TestDatabase::create($name) {
            Some(db) => db,
            None => return,
        }
    };
}

fn create(store: Box<dyn Store>, name: &str) {
    let (queue, _) = open(store);
    queue
        .change(|q| q.manager()?.create_job(name, JobType::Download).map(drop))
        .unwrap();
}

#[test]
fn a_schema_1_queue_is_migrated_and_keeps_its_jobs() {
    let db = database!("schema_1");
    for name in ["first", "second"] {
        create(Box::new(PostgresStore::open(db.url()).unwrap()), name);
    }
    // The queue as schema 1 left it: its tables exactly (schema 2 only
    // added `bitsq_writers.at`), its version 1.
    db.client()
        .batch_execute(
            "ALTER TABLE bitsq_writers DROP COLUMN at;
             UPDATE bitsq_schema SET version = 1;",
        )
        .unwrap();
    let migrated = PostgresStore::migrate(db.url()).unwrap();
    assert_eq!((migrated.from, migrated.to), (1, 2));
    create(Box::new(PostgresStore::open(db.url()).unwrap()), "third");
    let (queue, _) = open(Box::new(PostgresStore::open(db.url()).unwrap()));
    assert_eq!(names(&queue), ["first", "second", "third"]);
}

#[test]
fn writers_gone_for_a_day_are_pruned() {
    let db = database!("writers");
    create(Box::new(PostgresStore::open(db.url()).unwrap()), "one");
    let mut client = db.client();
    // A thousand processes that committed long ago, one yesterday evening.
    client
        .batch_execute(
            "INSERT INTO bitsq_writers
             SELECT 'dead/' || n, 'dead/' || n || '#1', now() - interval '3 days'
             FROM generate_series(1, 1000) AS n;
             INSERT INTO bitsq_writers VALUES ('recent', 'recent#1', now() - interval '20 hours');",
        )
        .unwrap();
    create(Box::new(PostgresStore::open(db.url()).unwrap()), "two");
    let hosts: Vec<String> = client
        .query("SELECT host FROM bitsq_writers ORDER BY host", &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(hosts.len(), 3, "{hosts:?}");
    assert!(hosts.contains(&"recent".to_string()), "{hosts:?}");
    assert!(hosts.iter().all(|h| !h.starts_with("dead/")), "{hosts:?}");
}
