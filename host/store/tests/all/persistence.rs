//! A queue kept in a store (docs/contract.md §11): what one instance
//! committed, another (a restart, another host on the same file) reads
//! back exactly; a record the component cannot read leaves the others
//! loaded and is named.

use std::path::PathBuf;

use crate::suite;

use bits_queue_host::JobType;
use bits_queue_store::{MemoryStore, SqliteStore, Store};
use bits_queue_tests::scratch_dir;
use suite::{Seen, fill, open, seen};

/// A fresh directory of its own.
fn scratch() -> PathBuf {
    scratch_dir("store")
}

/// Opens the SQLite file at `path` again each time.
fn sqlite_at(path: &std::path::Path) -> impl Fn() -> Box<dyn Store> + '_ {
    move || Box::new(SqliteStore::open(path).unwrap())
}

#[test]
fn a_restart_reads_back_every_job_exactly() {
    let dir = scratch();
    suite::a_restart_reads_back_every_job_exactly(&sqlite_at(&dir.join("queue.sqlite3")));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn two_hosts_on_one_file_see_each_others_changes() {
    let dir = scratch();
    suite::two_hosts_see_each_others_changes(&sqlite_at(&dir.join("shared.sqlite3")));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn two_hosts_in_one_memory_store_see_each_others_changes() {
    let store = MemoryStore::new();
    suite::two_hosts_see_each_others_changes(&|| Box::new(store.clone()) as Box<dyn Store>);
}

#[test]
fn a_call_stores_what_changed_even_when_it_ends_refused() {
    let dir = scratch();
    suite::a_call_stores_what_changed_even_when_it_ends_refused(&sqlite_at(
        &dir.join("refused.sqlite3"),
    ));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_store_larger_than_one_call_opens_whole() {
    let dir = scratch();
    suite::a_store_larger_than_one_call_opens_whole(&sqlite_at(&dir.join("large.sqlite3")), 12_000);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_damaged_record_is_left_out_and_named() {
    let dir = scratch();
    let path = dir.join("damaged.sqlite3");
    let (queue, _) = open(Box::new(SqliteStore::open(&path).unwrap()));
    fill(&queue);
    let (jobs, _) = queue.read(seen).unwrap();
    drop(queue);
    let victim: bits_queue_host::Guid = jobs[2].id.parse().unwrap();
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute(
            "UPDATE jobs SET record = x'01020304' WHERE id = ?1",
            [&victim.to_bytes()[..]],
        )
        .unwrap();
    drop(connection);
    let (reopened, warnings) = open(Box::new(SqliteStore::open(&path).unwrap()));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains(&victim.to_string()), "{}", warnings[0]);
    let (left, _) = reopened.read(seen).unwrap();
    let expected: Vec<&Seen> = jobs.iter().filter(|j| j.id != victim.to_string()).collect();
    assert_eq!(
        left.iter().collect::<Vec<_>>(),
        expected,
        "the others, untouched"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_memory_store_keeps_nothing_past_the_process_but_shares_within_it() {
    let store = MemoryStore::new();
    let (a, _) = open(Box::new(store.clone()));
    let (b, _) = open(Box::new(store));
    a.change(|q| {
        q.manager()?
            .create_job("shared", JobType::Download)
            .map(drop)
    })
    .unwrap();
    let count = b.read(|q| Ok(q.manager()?.jobs()?.len())).unwrap();
    assert_eq!(count, 1);
    assert_eq!(a.location(), "memory:");
}

/// A store that cannot be written is a distinct error to the caller; the
/// call's changes are not kept in memory either (the queue is the store's),
/// and once the store can be written again, calls go on.
#[test]
fn a_store_that_cannot_be_written_is_a_distinct_error_and_changes_nothing() {
    let dir = scratch();
    let path = dir.join("locked.sqlite3");
    let store = SqliteStore::open_waiting(&path, std::time::Duration::from_millis(100)).unwrap();
    let (queue, _) = open(Box::new(store));
    // Another process holds the file's write lock.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let refused = queue.change(|q| {
        q.manager()?
            .create_job("blocked", JobType::Download)
            .map(drop)
    });
    match refused {
        Err(bits_queue_store::PersistError::Store(e)) => {
            assert!(e.to_string().contains("locked"), "{e}")
        }
        other => panic!("a store error, not {other:?}"),
    }
    other.execute_batch("ROLLBACK").unwrap();
    let count = queue.read(|q| Ok(q.manager()?.jobs()?.len())).unwrap();
    assert_eq!(count, 0, "nothing happened in memory either");
    queue
        .change(|q| {
            q.manager()?
                .create_job("later", JobType::Download)
                .map(drop)
        })
        .unwrap();
    let (again, _) = open(Box::new(SqliteStore::open(&path).unwrap()));
    assert_eq!(again.read(|q| Ok(q.manager()?.jobs()?.len())).unwrap(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}
