//! A PostgreSQL store's failures carry the server's reason: its message
//! and SQLSTATE in the error's words, and the `postgres::Error` itself as
//! the `source` (with the code a program can match): a database that does
//! not exist, a role without rights, a read-only database, a session the
//! server ended.

use std::error::Error as _;

use bits_queue_host::JobType;
use bits_queue_store::{PersistError, PostgresStore, StoreError};
use bits_queue_tests::postgres::TestDatabase;
use postgres::error::SqlState;

use crate::suite::open;

macro_rules! database {
    ($name:expr) => {
        match TestDatabase::create($name) {
            Some(db) => db,
            None => return,
        }
    };
}

/// Asserts `e` shows `words` and `code`, and has the server's error with
/// that code as its source.
fn says(e: &StoreError, words: &str, code: &SqlState) {
    let shown = e.to_string();
    assert!(shown.contains(words), "{shown}");
    assert!(shown.contains(code.code()), "{shown}");
    let source = e
        .source()
        .and_then(|s| s.downcast_ref::<postgres::Error>())
        .unwrap_or_else(|| panic!("no postgres::Error under {shown}"));
    assert_eq!(source.code(), Some(code), "{shown}");
}

fn store_error(e: PersistError) -> StoreError {
    match e {
        PersistError::Store(e) => e,
        other => panic!("not a store error: {other}"),
    }
}

#[test]
fn store_errors_carry_the_servers_message_and_sqlstate() {
    let db = database!("server_words");

    let missing = db.url().replace(db.name(), "no_such_database");
    let e = PostgresStore::open(&missing)
        .err()
        .expect("no such database");
    says(&e, "does not exist", &SqlState::INVALID_CATALOG_NAME);

    let (_, nobody) = db.role("nobody", "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
    let e = PostgresStore::open(&nobody)
        .err()
        .expect("no right to create");
    says(&e, "permission denied", &SqlState::INSUFFICIENT_PRIVILEGE);

    let (queue, _) = open(Box::new(PostgresStore::open(db.url()).unwrap()));
    db.admin()
        .batch_execute(&format!(
            "ALTER DATABASE {} SET default_transaction_read_only = on",
            db.name()
        ))
        .unwrap();
    // The setting holds for sessions that start from now on.
    db.drop_connections();
    let create = |queue: &bits_queue_store::PersistentQueue| {
        queue.change(|q| q.manager()?.create_job("x", JobType::Download).map(drop))
    };
    // The first call after the sessions ended may learn just that; the
    // next one connects again and meets the read-only database.
    let e = match create(&queue) {
        Err(e) if e.is_disconnected() => create(&queue).expect_err("read-only"),
        other => other.expect_err("read-only"),
    };
    says(
        &store_error(e),
        "read-only transaction",
        &SqlState::READ_ONLY_SQL_TRANSACTION,
    );

    // A session the server ends says so, with its code. Under load the
    // client may find the socket closed before it reads the server's last
    // message ("connection closed", lost all the same): then the words
    // cannot be passed on, and the session is ended again.
    let mut tries = 0;
    let e = loop {
        db.drop_connections();
        let e = queue.read(|q| q.manager()?.jobs().map(drop));
        let e = store_error(e.expect_err("the session was ended"));
        assert!(e.is_disconnected(), "{e}");
        tries += 1;
        if e.to_string().contains("terminating connection") || tries == 20 {
            break e;
        }
        // The next call connects again.
        queue.read(|q| q.manager()?.jobs().map(drop)).unwrap();
    };
    says(&e, "terminating connection", &SqlState::ADMIN_SHUTDOWN);
}
