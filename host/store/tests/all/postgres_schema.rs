//! The PostgreSQL queue's schema over time: a queue written by schema 1
//! (bits-queue as of a2490d9) or schema 2 (as of f2744ab) is brought
//! forward by `migrate` and keeps its jobs, as the `default` queue of
//! schema 3; queues of one database keep apart; and `bitsq_writers`,
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

/// The tables as bits-queue wrote them before schema 3 (as of f2744ab,
/// schema 2; schema 1 lacks `bitsq_writers.at`), written out here rather
/// than taken from the code, so the test keeps what was stored then.
const SCHEMA_1: &str = "
    CREATE TABLE bitsq_schema (
        one integer PRIMARY KEY CHECK (one = 1), version integer NOT NULL);
    CREATE TABLE bitsq_state (
        one integer PRIMARY KEY CHECK (one = 1),
        version bigint NOT NULL,
        writer text NOT NULL);
    CREATE TABLE bitsq_jobs (
        id bytea PRIMARY KEY, record bytea NOT NULL, version bigint NOT NULL);
    CREATE INDEX bitsq_jobs_by_version ON bitsq_jobs (version);
    CREATE TABLE bitsq_removed (id bytea PRIMARY KEY, version bigint NOT NULL);
    CREATE INDEX bitsq_removed_by_version ON bitsq_removed (version);
    CREATE TABLE bitsq_limits (
        one integer PRIMARY KEY CHECK (one = 1),
        max_jobs bigint NOT NULL, max_files_per_job bigint NOT NULL,
        version bigint NOT NULL);
    CREATE TABLE bitsq_leases (
        job bytea NOT NULL, file_index bigint NOT NULL,
        host text NOT NULL, expires timestamptz NOT NULL,
        PRIMARY KEY (job, file_index));
    CREATE TABLE bitsq_writers (host text PRIMARY KEY, last_commit text NOT NULL);
";

/// `db` as an older bits-queue left it, at `schema` (1 or 2), holding
/// the jobs `names` (their records made by today's component in a
/// database of their own, then written into the old tables as the old
/// code wrote them), a removed job's tombstone, limits and a lease.
fn old_queue(db: &TestDatabase, schema: i32, names: &[&str]) {
    let donor = database!(&format!("{}_donor", db.name()));
    for name in names {
        create(Box::new(PostgresStore::open(donor.url()).unwrap()), name);
    }
    let rows = donor
        .client()
        .query(
            "SELECT id, record, version FROM bitsq_jobs ORDER BY version",
            &[],
        )
        .unwrap();
    let mut old = db.client();
    old.batch_execute(SCHEMA_1).unwrap();
    if schema == 2 {
        old.batch_execute(
            "ALTER TABLE bitsq_writers ADD COLUMN at timestamptz NOT NULL DEFAULT now();",
        )
        .unwrap();
    }
    for row in &rows {
        let (id, record, version): (Vec<u8>, Vec<u8>, i64) = (row.get(0), row.get(1), row.get(2));
        old.execute(
            "INSERT INTO bitsq_jobs VALUES ($1, $2, $3)",
            &[&id, &record, &version],
        )
        .unwrap();
    }
    let version = rows.len() as i64;
    old.execute(
        "INSERT INTO bitsq_state VALUES (1, $1, 'old#1')",
        &[&version],
    )
    .unwrap();
    old.execute("INSERT INTO bitsq_schema VALUES (1, $1)", &[&schema])
        .unwrap();
    old.batch_execute(
        "INSERT INTO bitsq_removed VALUES ('\\x00112233445566778899aabbccddeeff', 1);
         INSERT INTO bitsq_limits VALUES (1, 300, 200, 1);
         INSERT INTO bitsq_writers (host, last_commit) VALUES ('old', 'old#1');
         INSERT INTO bitsq_leases VALUES ('\\x00112233445566778899aabbccddee00', 0, 'old', now());",
    )
    .unwrap();
}

#[test]
fn a_schema_1_queue_is_migrated_and_keeps_its_jobs() {
    let db = database!("schema_1");
    old_queue(&db, 1, &["first", "second"]);
    let migrated = PostgresStore::migrate(db.url()).unwrap();
    assert_eq!((migrated.from, migrated.to), (1, 6));
    create(Box::new(PostgresStore::open(db.url()).unwrap()), "third");
    let (queue, _) = open(Box::new(PostgresStore::open(db.url()).unwrap()));
    assert_eq!(names(&queue), ["first", "second", "third"]);
}

/// Issue 23: a database that today's main (schema 2, one queue) wrote
/// becomes the queue named `default` of schema 3: a location that names
/// no queue, or `queue=default`, opens it with every job, its limits and
/// its version; another queue of the same database starts empty.
#[test]
fn a_schema_2_queue_becomes_the_default_queue_with_every_job() {
    let db = database!("schema_2");
    old_queue(&db, 2, &["one", "two", "three"]);
    let migrated = PostgresStore::migrate(db.url()).unwrap();
    assert_eq!((migrated.from, migrated.to), (2, 6));
    let named = format!("{}?queue=default", db.url());
    for url in [db.url(), named.as_str()] {
        let mut store = PostgresStore::open(url).unwrap();
        assert_eq!(store.since(0).unwrap().version, 3, "{url}");
        let (queue, warnings) = open(Box::new(store));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(names(&queue), ["one", "two", "three"], "{url}");
        let limits = queue.read(|q| q.limits()).unwrap();
        assert_eq!((limits.max_jobs, limits.max_files_per_job), (300, 200));
    }
    let other = format!("{}?queue=other", db.url());
    let (queue, _) = open(Box::new(PostgresStore::open(&other).unwrap()));
    assert!(names(&queue).is_empty());
    create(Box::new(PostgresStore::open(db.url()).unwrap()), "four");
    let (queue, _) = open(Box::new(PostgresStore::open(db.url()).unwrap()));
    assert_eq!(names(&queue), ["one", "two", "three", "four"]);
    // Every old row is the default queue's.
    let mut client = db.client();
    for table in [
        "bitsq_state",
        "bitsq_jobs",
        "bitsq_removed",
        "bitsq_limits",
        "bitsq_leases",
        "bitsq_writers",
    ] {
        let other: i64 = client
            .query_one(
                &format!("SELECT count(*) FROM {table} WHERE queue <> 'default'"),
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(other, 0, "{table}");
    }
}

/// Queues of one database are apart: each its own jobs, version and
/// limits; a job made in one is never seen in another.
#[test]
fn queues_of_one_database_keep_apart() {
    let db = database!("queues_apart");
    let url = |name: &str| format!("{}?queue={name}", db.url());
    for (queue, jobs) in [("ann", 3), ("bob", 1), ("default", 2)] {
        for n in 0..jobs {
            create(
                Box::new(PostgresStore::open(&url(queue)).unwrap()),
                &format!("{queue}{n}"),
            );
        }
    }
    let (ann, _) = open(Box::new(PostgresStore::open(&url("ann")).unwrap()));
    ann.change(|q| {
        q.set_limits(bits_queue_host::QueueLimits {
            max_jobs: 5,
            max_files_per_job: 5,
        })
    })
    .unwrap();
    assert_eq!(names(&ann), ["ann0", "ann1", "ann2"]);
    let (bob, _) = open(Box::new(PostgresStore::open(&url("bob")).unwrap()));
    assert_eq!(names(&bob), ["bob0"]);
    assert_ne!(bob.read(|q| q.limits()).unwrap().max_jobs, 5);
    let (default, _) = open(Box::new(PostgresStore::open(db.url()).unwrap()));
    assert_eq!(names(&default), ["default0", "default1"]);
    let mut bob = PostgresStore::open(&url("bob")).unwrap();
    assert_eq!(bob.since(0).unwrap().version, 1);
    let none = PostgresStore::open(&format!("{}?queue=bad/name", db.url()));
    let e = none.err().expect("a bad queue name").to_string();
    assert!(e.contains("`queue` cannot be \"bad/name\""), "{e}");
}

#[test]
fn writers_gone_for_a_day_are_pruned() {
    let db = database!("writers");
    create(Box::new(PostgresStore::open(db.url()).unwrap()), "one");
    let mut client = db.client();
    // A thousand processes that committed long ago, one yesterday evening.
    client
        .batch_execute(
            "INSERT INTO bitsq_writers (host, last_commit, at, queue)
             SELECT 'dead/' || n, 'dead/' || n || '#1', now() - interval '3 days', 'default'
             FROM generate_series(1, 1000) AS n;
             INSERT INTO bitsq_writers (host, last_commit, at, queue)
             VALUES ('recent', 'recent#1', now() - interval '20 hours', 'default');",
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

/// Issue 23: schema 5 records each job's owner. The jobs an older schema
/// held become the migrating role's (nothing recorded who made them); a
/// job made after is its creator's, and `take` makes the caller its
/// owner.
#[test]
fn older_jobs_become_the_migrating_roles_and_new_ones_their_creators() {
    let db = database!("schema_owners");
    old_queue(&db, 2, &["old"]);
    let (role, url) = db.role(
        "migrator",
        "GRANT CREATE ON SCHEMA public TO {role};
         GRANT ALL ON ALL TABLES IN SCHEMA public TO {role};
         ALTER TABLE bitsq_jobs OWNER TO {role};
         ALTER TABLE bitsq_state OWNER TO {role};
         ALTER TABLE bitsq_removed OWNER TO {role};
         ALTER TABLE bitsq_limits OWNER TO {role};
         ALTER TABLE bitsq_leases OWNER TO {role};
         ALTER TABLE bitsq_writers OWNER TO {role};
         ALTER TABLE bitsq_schema OWNER TO {role};",
    );
    let migrated = PostgresStore::migrate(&url).unwrap();
    assert_eq!((migrated.from, migrated.to), (2, 6));
    create(Box::new(PostgresStore::open(db.url()).unwrap()), "new");
    let store = PostgresStore::open(db.url()).unwrap();
    let owners = store.owners().expect("a PostgreSQL queue keeps owners");
    let (queue, _) = open(Box::new(PostgresStore::open(db.url()).unwrap()));
    let ids: Vec<bits_queue_host::Guid> = queue
        .read(|q| q.manager()?.jobs()?.iter().map(|j| j.id()).collect())
        .unwrap();
    let found = owners.owners(&ids).unwrap();
    let names: Vec<(String, bool)> = found
        .iter()
        .map(|o| {
            let o = o.as_ref().expect("every job has an owner");
            (o.name.clone(), o.callers)
        })
        .collect();
    // The superuser of the test server made "new"; the old job is the
    // migrator's, which the superuser may use as an administrator only.
    let superuser: String = db
        .client()
        .query_one("SELECT current_user::text", &[])
        .unwrap()
        .get(0);
    assert_eq!(names, [(role.clone(), false), (superuser.clone(), true)]);
    let caller = owners.caller().unwrap();
    assert_eq!((&caller.name, caller.admin), (&superuser, true));
    assert!(owners.take(ids[0]).unwrap());
    assert_eq!(owners.owner(ids[0]).unwrap().unwrap().name, superuser);
    let nothing = bits_queue_host::Guid::from_bytes([7; 16]);
    assert!(!owners.take(nothing).unwrap());
    assert_eq!(owners.owner(nothing).unwrap(), None);
}
