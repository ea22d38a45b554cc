//! The PostgreSQL server the tests share, one per test process, found the
//! first time a test asks for a database:
//! - `BITSQ_TEST_POSTGRES` names it when set (CI: `.ci/run` starts one with
//!   `.ci/postgres.sh` and sets it);
//! - else, when PostgreSQL's server programs are installed (Debian's
//!   `/usr/lib/postgresql/*/bin`, or `initdb` and `pg_ctl` on `PATH`), the
//!   process starts a throw-away cluster of its own ([`cluster`]), which
//!   every test of the process shares and which ends with the process;
//! - else the PostgreSQL tests pass saying they were skipped: once, on the
//!   terminal (not in the output libtest captures), with how to run them.
//!   Under CI (`CI` set) they fail instead, so CI never skips one silently.
//!
//! Each test gets a database of its own, dropped when the test's
//! [`TestDatabase`] goes.

mod cluster;
pub mod tls;

use std::io::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use postgres::{Client, NoTls};

/// The group whose members must log in with their password over TCP
/// (the first line of the test server's `pg_hba.conf`; every other role
/// is trusted): [`TestDatabase::password_role`].
pub const PASSWORD_LOGIN: &str = "bitsq_password_login";

/// The role whose members administer every job of a queue (issue 23;
/// `bits_queue_store::ADMIN_ROLE`).
pub const QUEUE_ADMIN: &str = "bitsq_admin";

/// The variable that names the test server.
pub const SERVER: &str = "BITSQ_TEST_POSTGRES";

/// The admin URL of the server this process's tests share, or `None` when
/// there is none (outside CI); found, or started, once per process.
pub fn server() -> Option<&'static str> {
    static SERVER_URL: OnceLock<Option<String>> = OnceLock::new();
    SERVER_URL.get_or_init(find_or_start).as_deref()
}

fn find_or_start() -> Option<String> {
    if let Some(named) = std::env::var(SERVER).ok().filter(|v| !v.is_empty()) {
        return Some(named);
    }
    if let Some(bin) = cluster::server_programs() {
        // Held by a static, so never dropped: the cluster's watchdog ends
        // it when the process ends (see cluster.rs).
        static CLUSTER: OnceLock<cluster::Cluster> = OnceLock::new();
        return Some(
            CLUSTER
                .get_or_init(|| cluster::start(&bin))
                .admin_url
                .clone(),
        );
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "no PostgreSQL server under CI: {SERVER} is unset and no server is installed \
             (.ci/run starts one with .ci/postgres.sh and sets {SERVER})"
        );
    }
    // libtest captures what `print!` and `eprint!` write inside a test, and
    // shows it only for a failing test; a write to the stderr handle itself
    // is not captured, so this line reaches the terminal.
    let _ = writeln!(
        std::io::stderr().lock(),
        "\nPostgreSQL tests SKIPPED: no server ({SERVER} is unset, and neither \
         /usr/lib/postgresql/*/bin nor initdb and pg_ctl on PATH). To run them, install \
         PostgreSQL's server (Debian: apt-get install postgresql; the tests then start a \
         throw-away one themselves), or set {SERVER} to a server's admin URL \
         (e.g. `source .ci/postgres.sh && postgres_start`).\n"
    );
    None
}

/// A database of one test's own on the test server.
pub struct TestDatabase {
    admin: String,
    name: String,
    url: String,
    /// The roles [`TestDatabase::role`] made, dropped with the database.
    roles: std::sync::Mutex<Vec<String>>,
}

impl TestDatabase {
    /// A fresh database for `test`, or `None` when there is no server (see
    /// [`server`]; the test's captured output then says it was skipped).
    pub fn create(test: &str) -> Option<TestDatabase> {
        let Some(admin) = server().map(str::to_string) else {
            eprintln!("SKIPPED {test}: no PostgreSQL server");
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
        Some(TestDatabase {
            admin,
            name,
            url,
            roles: Default::default(),
        })
    }

    /// The URL of the test's database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A plain client of the test's database, to look at or break things.
    pub fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).expect("the test database")
    }

    /// The test database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A client of the server's administrator (the superuser), to make
    /// roles or change the database's settings.
    pub fn admin(&self) -> Client {
        Client::connect(&self.admin, NoTls).expect("the test server")
    }

    /// A new login role of this test's own (dropped with the database),
    /// named `<database>_<suffix>`, which may connect to the test database
    /// and nothing more until `grants` (SQL run as the superuser in the
    /// test database, `{role}` standing for its name) say so. Returns its
    /// name and the URL that logs in as it.
    pub fn role(&self, suffix: &str, grants: &str) -> (String, String) {
        let role = format!("{}_{suffix}", self.name);
        let mut admin = self.admin();
        admin
            .batch_execute(&format!(
                "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN"
            ))
            .expect("CREATE ROLE");
        self.roles.lock().unwrap().push(role.clone());
        let mut owner = self.client();
        owner
            .batch_execute(&grants.replace("{role}", &role))
            .unwrap_or_else(|e| panic!("the grants {grants}: {e} {:?}", e.as_db_error()));
        let url = with_user(&self.url, &role);
        (role, url)
    }

    /// Every row of every table of the queue (`bitsq_*`) as the role `url`
    /// logs in as sees them, a line per row as PostgreSQL prints it
    /// (`bytea` in hex): what that role could read of the queue.
    pub fn rows_as(&self, url: &str) -> String {
        let mut client = Client::connect(url, NoTls).expect("a role of the test database");
        let tables: Vec<String> = client
            .query(
                "SELECT tablename::text FROM pg_tables
                 WHERE schemaname = current_schema() AND tablename LIKE 'bitsq%' ORDER BY 1",
                &[],
            )
            .expect("the queue's tables")
            .iter()
            .map(|row| row.get(0))
            .collect();
        let mut seen = String::new();
        for table in tables {
            seen.push_str(&format!("-- {table}\n"));
            for row in client
                .query(&format!("SELECT t::text FROM {table} t"), &[])
                .unwrap_or_else(|e| panic!("reading {table}: {e}"))
            {
                seen.push_str(row.get(0));
                seen.push('\n');
            }
        }
        seen
    }

    /// A role like [`TestDatabase::role`] that is an administrator of the
    /// queue's jobs (issue 23): a member of [`QUEUE_ADMIN`], which is made
    /// first when the server has none (the server's roles are shared by
    /// every test database, so several tests may make it at once).
    pub fn admin_role(&self, suffix: &str, grants: &str) -> (String, String) {
        let mut admin = self.admin();
        if let Err(e) = admin.batch_execute(&format!("CREATE ROLE {QUEUE_ADMIN} NOLOGIN")) {
            let exists = e.code() == Some(&postgres::error::SqlState::DUPLICATE_OBJECT)
                || e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION);
            assert!(
                exists,
                "CREATE ROLE {QUEUE_ADMIN}: {e} {:?}",
                e.as_db_error()
            );
        }
        let (role, url) = self.role(suffix, grants);
        admin
            .batch_execute(&format!("GRANT {QUEUE_ADMIN} TO {role}"))
            .expect("an administrator role");
        (role, url)
    }

    /// A role like [`TestDatabase::role`] that must log in with
    /// `password` (the server checks it), with the right to use the queue
    /// tables; the URL returned names no password.
    pub fn password_role(&self, suffix: &str, password: &str) -> (String, String) {
        let mut admin = self.admin();
        // Several tests may make the group at once: one of them wins.
        if let Err(e) = admin.batch_execute(&format!("CREATE ROLE {PASSWORD_LOGIN} NOLOGIN")) {
            let exists = e.code() == Some(&postgres::error::SqlState::DUPLICATE_OBJECT)
                || e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION);
            assert!(
                exists,
                "CREATE ROLE {PASSWORD_LOGIN}: {e} {:?}",
                e.as_db_error()
            );
        }
        let (role, url) = self.role(
            suffix,
            "GRANT CREATE ON SCHEMA public TO {role};
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};",
        );
        admin
            .batch_execute(&format!(
                "ALTER ROLE {role} PASSWORD '{password}'; GRANT {PASSWORD_LOGIN} TO {role}"
            ))
            .expect("a password role");
        (role, url)
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
            for role in self.roles.lock().unwrap().iter() {
                let _ = admin.batch_execute(&format!("DROP ROLE IF EXISTS {role}"));
            }
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

/// `url` logging in as `user` (no password: the test server trusts
/// 127.0.0.1).
fn with_user(url: &str, user: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let rest = match rest.find(['/', '?']) {
        Some(at) if rest[..at].contains('@') => {
            let (_, host) = rest.split_once('@').expect("user@host");
            host
        }
        _ => rest,
    };
    format!("{scheme}://{user}@{rest}")
}
