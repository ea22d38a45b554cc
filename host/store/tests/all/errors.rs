//! A store's error keeps the error it came from: walking
//! `std::error::Error::source()` from a `StoreError` (or the
//! `PersistError` around it) reaches SQLite's or PostgreSQL's own error,
//! and a PostgreSQL server out of reach is told apart
//! (`is_disconnected`) without its password ever showing.

use std::error::Error;
use std::time::Duration;

use bits_queue_host::JobType;
use bits_queue_store::{PersistError, PostgresStore, SqliteStore};
use bits_queue_tests::scratch_dir;

use crate::suite::open;

/// `e` and every error below it.
fn chain<'a>(e: &'a (dyn Error + 'static)) -> Vec<&'a (dyn Error + 'static)> {
    let mut below = vec![e];
    while let Some(next) = below[below.len() - 1].source() {
        below.push(next);
    }
    below
}

#[test]
fn a_sqlite_file_that_cannot_be_opened_keeps_sqlites_error() {
    let dir = scratch_dir("store-errors");
    let path = dir.join("no-such-directory").join("queue.sqlite3");
    let e = SqliteStore::open(&path)
        .err()
        .expect("no directory, no file");
    assert!(!e.is_disconnected(), "{e}");
    let below = chain(&e);
    let sqlite = below
        .iter()
        .find_map(|e| e.downcast_ref::<rusqlite::Error>())
        .unwrap_or_else(|| panic!("no rusqlite::Error under {e:?}"));
    assert_eq!(
        sqlite.sqlite_error_code(),
        Some(rusqlite::ErrorCode::CannotOpen)
    );
    assert!(e.to_string().contains("cannot open"), "{e}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Through a persistent queue: a file another process holds locked fails
/// the call with the store's error, SQLite's `SQLITE_BUSY` under it.
#[test]
fn a_busy_sqlite_file_reaches_the_caller_with_its_sqlite_error() {
    let dir = scratch_dir("store-errors");
    let path = dir.join("busy.sqlite3");
    let store = SqliteStore::open_waiting(&path, Duration::ZERO).unwrap();
    let (queue, _) = open(Box::new(store));
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let refused = queue
        .change(|q| {
            q.manager()?
                .create_job("blocked", JobType::Download)
                .map(drop)
        })
        .expect_err("the file is locked");
    assert!(matches!(refused, PersistError::Store(_)), "{refused:?}");
    assert!(!refused.is_disconnected());
    let busy = chain(&refused)
        .iter()
        .find_map(|e| e.downcast_ref::<rusqlite::Error>())
        .and_then(rusqlite::Error::sqlite_error_code);
    assert_eq!(busy, Some(rusqlite::ErrorCode::DatabaseBusy), "{refused:?}");
    other.execute_batch("ROLLBACK").unwrap();
    drop(queue);
    std::fs::remove_dir_all(dir).unwrap();
}

/// No server needed: a port on 127.0.0.1 that was just closed refuses the
/// connection, which is a lost connection (the caller may try again), with
/// PostgreSQL's client error and the refusal itself under it.
#[test]
fn a_postgresql_server_out_of_reach_is_disconnected_with_its_cause() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("postgres://ann:secret@127.0.0.1:{port}/queue");
    let e = PostgresStore::open(&url).err().expect("nothing listens");
    assert!(e.is_disconnected(), "{e}");
    let below = chain(&e);
    assert!(
        below
            .iter()
            .any(|e| e.downcast_ref::<postgres::Error>().is_some()),
        "no postgres::Error under {e:?}"
    );
    let refused = below
        .iter()
        .find_map(|e| e.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    assert_eq!(
        refused,
        Some(std::io::ErrorKind::ConnectionRefused),
        "{e:?}"
    );
    for shown in below
        .iter()
        .map(|e| e.to_string())
        .chain([format!("{e:?}")])
    {
        assert!(!shown.contains("secret"), "{shown}");
    }
    // The message names the place (without the password) and the cause,
    // which the client's own text leaves to its source.
    assert!(
        e.to_string()
            .contains(&format!("ann@127.0.0.1:{port}/queue")),
        "{e}"
    );
    assert!(e.to_string().contains("Connection refused"), "{e}");
}
