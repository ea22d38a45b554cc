//! The PostgreSQL server the tests share: `BITSQ_TEST_POSTGRES` names it
//! (`.ci/run` starts a throw-away one on 127.0.0.1 and sets it; locally,
//! `source .ci/postgres.sh && postgres_start`). Each test gets a database
//! of its own, dropped when the test's [`TestDatabase`] goes.
//!
//! Without the variable a PostgreSQL test says plainly that it was skipped
//! and passes; under CI (`CI` set) it fails instead, so CI never skips one
//! silently.

use std::sync::atomic::{AtomicU32, Ordering};

use postgres::{Client, NoTls};

/// The variable that names the test server.
pub const SERVER: &str = "BITSQ_TEST_POSTGRES";

/// A database of one test's own on the test server.
pub struct TestDatabase {
    admin: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// A fresh database for `test`, or `None` (and a line saying the test
    /// was skipped) when no server is named outside CI.
    pub fn create(test: &str) -> Option<TestDatabase> {
        let Some(admin) = std::env::var(SERVER).ok().filter(|v| !v.is_empty()) else {
            if std::env::var_os("CI").is_some() {
                panic!("{SERVER} is not set under CI: .ci/run starts PostgreSQL and sets it");
            }
            eprintln!(
                "SKIPPED {test}: no PostgreSQL server ({SERVER} unset; \
                 `source .ci/postgres.sh && postgres_start` starts one)"
            );
            return None;
        };
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "bitsq_{}_{}_{}",
            test.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .take(30)
                .collect::<String>(),
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut client = Client::connect(&admin, NoTls)
            .unwrap_or_else(|e| panic!("cannot reach the test server {admin}: {e}"));
        // One statement each: neither runs inside a transaction block.
        // Creating copies template1, which another test's create may be
        // reading at that moment: try again a few times.
        let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"));
        let mut tries = 0;
        while let Err(e) = client.batch_execute(&format!("CREATE DATABASE {name}")) {
            tries += 1;
            let detail = e.as_db_error().map(|d| d.message().to_string());
            if tries == 50 {
                panic!("cannot create database {name}: {e} {detail:?}");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let url = with_database(&admin, &name);
        Some(TestDatabase { admin, name, url })
    }

    /// The URL of the test's database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A plain client of the test's database, to look at or break things.
    pub fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).expect("the test database")
    }

    /// Ends every other connection to the test's database (as a server
    /// restart or a network failure would); returns how many it ended.
    pub fn drop_connections(&self) -> i64 {
        let mut admin = Client::connect(&self.admin, NoTls).expect("the test server");
        admin
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE datname = $1 AND pid <> pg_backend_pid()",
                &[&self.name],
            )
            .expect("pg_terminate_backend")
            .get(0)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(&self.admin, NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `url` with its database (the path) replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |at| at + 3);
    let path_at = base[scheme_end..].find('/').map(|at| at + scheme_end);
    let authority = match path_at {
        Some(at) => &base[..at],
        None => base,
    };
    format!("{authority}/{name}{query}")
}
