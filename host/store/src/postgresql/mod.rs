//! [`PostgresStore`]: a queue that many hosts share, kept in a PostgreSQL
//! database (`postgres://USER@HOST/DB`), through the synchronous `postgres`
//! crate.
//!
//! - Each call is one transaction. A changing call first locks the one row
//!   of `bitsq_state` (`SELECT … FOR UPDATE`): changing calls are serialised
//!   per queue, and the changes committed since the caller's version are
//!   read under that lock, so no host acts on a stale job. Reads take one
//!   repeatable-read snapshot, and so see committed state only.
//! - Every commit sends `NOTIFY bitsq_changes`; [`Store::watch`] listens on
//!   a connection of its own and wakes the services of other hosts.
//! - A lost connection is [`StoreError::disconnected`]: the call is not
//!   stored (a commit whose answer was lost is looked up after the
//!   reconnect, so the caller learns whether it was), and the next call
//!   connects again.
//! - Transfers hold leases ([`Leases`]) named after this host, taken in the
//!   transaction of the `poll` that issued the `start`, renewed by every
//!   commit of this host and by [`Leases::renew`].
//!
//! Each connection only reads the schema's version ([`schema::check`]): a
//! queue that is set up needs no right but to read and write its rows, and
//! a read-only database can be read. The schema is created or migrated by
//! [`PostgresStore::migrate`] (`bitsq admin migrate`), or by the first
//! connection of a role that may create tables, under an advisory lock, so
//! hosts that start together do it once.

mod password;
mod schema;
mod tls;

pub use schema::Migrated;

use std::time::Duration;

use bits_queue_host::{Change, FileRef, JobRecord, QueueLimits};
use postgres::{Client, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::StoreError;
use crate::postgres_location::{PostgresOptions, redact};
use crate::store::{Leases, Snapshot, Store, Watch, guid};

/// The statements of one connection, prepared once.
struct Statements {
    state: Statement,
    last_commit: Statement,
    lock: Statement,
    jobs_since: Statement,
    removed_since: Statement,
    limits_since: Statement,
    put: Statement,
    remove: Statement,
    limits: Statement,
    set_state: Statement,
    renew: Statement,
    claim: Statement,
    release: Statement,
    forget: Statement,
    holder: Statement,
    expired: Statement,
    mine: Statement,
    live: Statement,
}

impl Statements {
    fn prepare(client: &mut Client) -> Result<Self, postgres::Error> {
        Ok(Statements {
            state: client.prepare("SELECT version, writer FROM bitsq_state WHERE one = 1")?,
            last_commit: client.prepare("SELECT last_commit FROM bitsq_writers WHERE host = $1")?,
            lock: client.prepare("SELECT version FROM bitsq_state WHERE one = 1 FOR UPDATE")?,
            jobs_since: client.prepare(
                "SELECT id, record FROM bitsq_jobs WHERE version > $1 ORDER BY version, id",
            )?,
            removed_since: client
                .prepare("SELECT id FROM bitsq_removed WHERE version > $1 ORDER BY version, id")?,
            limits_since: client.prepare(
                "SELECT max_jobs, max_files_per_job FROM bitsq_limits WHERE version > $1",
            )?,
            // Each change one statement (one round trip while the lock is
            // held): the row and its tombstone together.
            put: client.prepare(
                "WITH back AS (DELETE FROM bitsq_removed WHERE id = $1)
                 INSERT INTO bitsq_jobs (id, record, version) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET record = $2, version = $3",
            )?,
            remove: client.prepare(
                "WITH gone AS (DELETE FROM bitsq_jobs WHERE id = $1)
                 INSERT INTO bitsq_removed (id, version) VALUES ($1, $2)
                 ON CONFLICT (id) DO UPDATE SET version = $2",
            )?,
            limits: client.prepare(
                "INSERT INTO bitsq_limits VALUES (1, $1, $2, $3)
                 ON CONFLICT (one) DO UPDATE
                 SET max_jobs = $1, max_files_per_job = $2, version = $3",
            )?,
            // The new version, this host's leases renewed, and the other
            // hosts told (delivered at commit), in one round trip.
            set_state: client.prepare(&format!(
                "WITH state AS (UPDATE bitsq_state SET version = $1, writer = $2 WHERE one = 1),
                      mine AS (INSERT INTO bitsq_writers VALUES ($3, $2, now())
                               ON CONFLICT (host) DO UPDATE SET last_commit = $2, at = now()),
                      gone AS (DELETE FROM bitsq_writers
                               WHERE at < now() - interval '{WRITERS_KEPT}' AND host <> $3),
                      renewed AS (UPDATE bitsq_leases
                                  SET expires = now() + $4::float8 * interval '1 second'
                                  WHERE host = $3)
                 SELECT pg_notify('{CHANNEL}', ($1::bigint)::text)"
            ))?,
            renew: client.prepare(
                "UPDATE bitsq_leases SET expires = now() + $2::float8 * interval '1 second'
                 WHERE host = $1",
            )?,
            claim: client.prepare(
                "INSERT INTO bitsq_leases (job, file_index, host, expires)
                 VALUES ($1, $2, $3, now() + $4::float8 * interval '1 second')
                 ON CONFLICT (job, file_index) DO UPDATE SET host = $3, expires = excluded.expires",
            )?,
            release: client.prepare(
                "DELETE FROM bitsq_leases WHERE job = $1 AND file_index = $2 AND host = $3",
            )?,
            forget: client
                .prepare("DELETE FROM bitsq_leases WHERE job = $1 AND file_index = $2")?,
            holder: client
                .prepare("SELECT host FROM bitsq_leases WHERE job = $1 AND file_index = $2")?,
            expired: client.prepare(
                "SELECT job, file_index FROM bitsq_leases WHERE expires < clock_timestamp()
                 ORDER BY job, file_index",
            )?,
            mine: client.prepare(
                "SELECT job, file_index FROM bitsq_leases WHERE host = $1 ORDER BY job, file_index",
            )?,
            live: client.prepare(
                "SELECT job, file_index FROM bitsq_leases WHERE expires >= clock_timestamp()
                 ORDER BY job, file_index",
            )?,
        })
    }
}

/// One connection and its statements.
struct Connection {
    client: Client,
    statements: Statements,
}

/// A queue kept in a PostgreSQL database, shared by every host that opens
/// it.
pub struct PostgresStore {
    config: postgres::Config,
    /// TLS as the location's `sslmode` and `sslrootcert` say.
    tls: MakeRustlsConnect,
    location: String,
    /// Why a password file was skipped, told with a failed connection.
    password_note: Option<String>,
    options: PostgresOptions,
    connection: Option<Connection>,
    in_transaction: bool,
    /// The version read under the lock of the open transaction.
    locked_version: i64,
    /// Commits this store made, for the `writer` token of each.
    commits: u64,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://USER[:PASSWORD]@HOST
    /// [:PORT]/DB`, or any form the `postgres` crate reads), creating or
    /// migrating the queue's schema on first use.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        Self::open_with(url, PostgresOptions::default())
    }

    /// [`PostgresStore::open`] with this host's name and lease duration.
    pub fn open_with(url: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        let location = redact(url);
        let (config, tls, password_note) = config(url, &location, &options)?;
        if options.lease.is_zero() {
            return Err(StoreError::new("a lease must last longer than 0 s"));
        }
        let mut store = PostgresStore {
            config,
            tls,
            location,
            password_note,
            options,
            connection: None,
            in_transaction: false,
            locked_version: 0,
            commits: 0,
        };
        store.connection()?;
        Ok(store)
    }

    /// Creates the queue's tables in the database at `url`, or migrates
    /// them to this code's schema (in one transaction, under an advisory
    /// lock): what a role that may create tables runs once, so that roles
    /// that may only read and write rows can use the queue. Returns the
    /// schema found and the one now held.
    pub fn migrate(url: &str) -> Result<Migrated, StoreError> {
        let location = redact(url);
        let (config, tls, password_note) = config(url, &location, &PostgresOptions::default())?;
        let mut client = config
            .connect(tls)
            .map_err(|e| cannot_connect(&location, password_note.as_deref(), e))?;
        schema::migrate(&mut client, &location)
    }

    /// This host's name in leases.
    pub fn host(&self) -> &str {
        &self.options.host
    }

    /// The live connection, connecting (and setting up the schema) first
    /// when there is none.
    fn connection(&mut self) -> Result<&mut Connection, StoreError> {
        if self
            .connection
            .as_ref()
            .is_some_and(|c| c.client.is_closed())
        {
            self.connection = None;
        }
        if self.connection.is_none() {
            // A transaction lives on its connection: one made anew would run
            // the rest of the call without the lock, outside any transaction.
            if std::mem::take(&mut self.in_transaction) {
                return Err(StoreError::disconnected(format!(
                    "{}: the connection went in the middle of a call; nothing was stored",
                    self.location
                )));
            }
            let mut client = self
                .config
                .connect(self.tls.clone())
                .map_err(|e| cannot_connect(&self.location, self.password_note.as_deref(), e))?;
            // A session ended while it is set up (a server restarting, an
            // administrator) is a lost connection like any other: the
            // caller waits and tries again.
            let lost = |e: StoreError, client: &Client| {
                let ended = std::error::Error::source(&e)
                    .and_then(|source| source.downcast_ref::<postgres::Error>())
                    .is_some_and(session_ended);
                if ended || client.is_closed() {
                    e.into_disconnected()
                } else {
                    e
                }
            };
            if let Err(e) = schema::check(&mut client, &self.location) {
                return Err(lost(e, &client));
            }
            let statements = match Statements::prepare(&mut client) {
                Ok(statements) => statements,
                Err(e) => {
                    let closed = session_ended(&e) || client.is_closed();
                    let e =
                        StoreError::new(format!("PostgreSQL ({}): {}", self.location, detail(&e)))
                            .caused_by(e);
                    return Err(if closed { e.into_disconnected() } else { e });
                }
            };
            self.connection = Some(Connection { client, statements });
        }
        Ok(self.connection.as_mut().expect("connected above"))
    }

    /// A failure of the server or the connection, in words; a closed
    /// connection is dropped, to be made again by the next call.
    fn failed(&mut self, e: postgres::Error) -> StoreError {
        let closed = session_ended(&e)
            || self
                .connection
                .as_ref()
                .is_none_or(|c| c.client.is_closed());
        if closed {
            self.connection = None;
            self.in_transaction = false;
            StoreError::disconnected(format!("{}: {}", self.location, detail(&e))).caused_by(e)
        } else {
            StoreError::new(format!("PostgreSQL ({}): {}", self.location, detail(&e))).caused_by(e)
        }
    }

    /// Runs `f` on the connection, turning its failure into words.
    fn with<T>(
        &mut self,
        f: impl FnOnce(&mut Client, &Statements) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        let connection = self.connection()?;
        let result = f(&mut connection.client, &connection.statements);
        result.map_err(|e| self.failed(e))
    }

    /// The changes committed after `seen` (every job when `seen` is 0), in
    /// the transaction open on the connection.
    /// `version`: the queue's version if the caller just read it (under
    /// the lock); nothing more is read when it is the one already seen.
    fn read_since(&mut self, seen: u64, version: Option<i64>) -> Result<Snapshot, StoreError> {
        let seen = to_sql(seen)?;
        if version == Some(seen) {
            return Ok(Snapshot {
                version: seen as u64,
                changes: Vec::new(),
                unreadable: Vec::new(),
            });
        }
        let rows = self.with(|client, st| {
            let version: i64 = match version {
                Some(version) => version,
                None => client.query_one(&st.state, &[])?.get(0),
            };
            let jobs = client.query(&st.jobs_since, &[&seen])?;
            let removed = if seen > 0 {
                client.query(&st.removed_since, &[&seen])?
            } else {
                Vec::new()
            };
            let limits = client.query_opt(&st.limits_since, &[&seen])?;
            Ok((version, jobs, removed, limits))
        })?;
        let (version, jobs, removed, limits) = rows;
        let mut changes = Vec::with_capacity(jobs.len() + removed.len() + 1);
        for row in jobs {
            changes.push(Change::Put(JobRecord {
                id: guid(row.get(0))?,
                bytes: row.get(1),
            }));
        }
        for row in removed {
            changes.push(Change::Remove(guid(row.get(0))?));
        }
        if let Some(row) = limits {
            changes.push(Change::Limits(QueueLimits {
                max_jobs: from_sql(row.get(0))?,
                max_files_per_job: from_sql(row.get(1))?,
            }));
        }
        Ok(Snapshot {
            version: version as u64,
            changes,
            unreadable: Vec::new(),
        })
    }

    /// Writes `changes` as version `version`, renews this host's leases and
    /// tells the other hosts, in the open transaction.
    fn write(&mut self, changes: &[Change], version: i64, writer: &str) -> Result<(), StoreError> {
        let lease = lease_seconds(self.options.lease);
        let host = self.options.host.clone();
        self.with(|client, st| {
            for change in changes {
                match change {
                    Change::Put(record) => {
                        let id = &record.id.to_bytes()[..];
                        client.execute(&st.put, &[&id, &record.bytes, &version])?;
                    }
                    Change::Remove(id) => {
                        let id = &id.to_bytes()[..];
                        client.execute(&st.remove, &[&id, &version])?;
                    }
                    Change::Limits(limits) => {
                        let (jobs, files) = (
                            i64::from(limits.max_jobs),
                            i64::from(limits.max_files_per_job),
                        );
                        client.execute(&st.limits, &[&jobs, &files, &version])?;
                    }
                }
            }
            client.execute(&st.set_state, &[&version, &writer, &host, &lease])?;
            Ok(())
        })
    }

    /// After a `COMMIT` whose answer was lost: whether it was stored. Each
    /// host's row in `bitsq_writers` names its latest commit (tokens count
    /// up), which other hosts' commits since leave alone.
    fn committed(&mut self, writer: &str) -> Result<bool, StoreError> {
        let host = self.options.host.clone();
        let row = self.with(|client, st| client.query_opt(&st.last_commit, &[&host]))?;
        Ok(row.is_some_and(|row| row.get::<_, String>(0) == writer))
    }

    /// The row of a file's lease, as SQL parameters.
    fn key(file: FileRef) -> (Vec<u8>, i64) {
        (file.job.to_bytes().to_vec(), i64::from(file.file_index))
    }
}

/// How long the row of a host that no longer commits is kept: far longer
/// than a host needs it (to learn, after a reconnect, whether its last
/// commit landed), short enough that `bitsq_writers` stays bounded.
const WRITERS_KEPT: &str = "1 day";

/// The channel every commit notifies.
const CHANNEL: &str = "bitsq_changes";

impl Store for PostgresStore {
    fn load(&mut self) -> Result<Snapshot, StoreError> {
        self.since(0)
    }

    fn since(&mut self, seen: u64) -> Result<Snapshot, StoreError> {
        if self.in_transaction {
            return self.read_since(seen, None);
        }
        // One snapshot: the version and the rows agree.
        self.with(|client, _| {
            client.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        })?;
        let snapshot = self.read_since(seen, None);
        let _ = self.with(|client, _| client.batch_execute("COMMIT"));
        snapshot
    }

    fn begin(&mut self, seen: u64) -> Result<Snapshot, StoreError> {
        self.abort();
        // Under READ COMMITTED each statement after the lock sees every
        // commit made before the lock was granted.
        self.with(|client, _| client.batch_execute("BEGIN"))?;
        // From here a failure (a lock timeout, a cancel) must roll back, or
        // the connection would stay in an aborted transaction for good.
        self.in_transaction = true;
        let version: i64 = match self.with(|client, st| client.query_one(&st.lock, &[])) {
            Ok(row) => row.get(0),
            Err(e) => {
                self.abort();
                return Err(e);
            }
        };
        self.locked_version = version;
        match self.read_since(seen, Some(version)) {
            Ok(snapshot) => Ok(snapshot),
            Err(e) => {
                self.abort();
                Err(e)
            }
        }
    }

    fn commit(&mut self, changes: &[Change]) -> Result<u64, StoreError> {
        if !self.in_transaction {
            return Err(StoreError::new("commit without begin"));
        }
        self.commits += 1;
        let writer = format!("{}#{}", self.options.host, self.commits);
        let version = self.locked_version + 1;
        let result = self.write(changes, version, &writer).map(|()| version);
        let version = match result {
            Ok(version) => version,
            Err(e) => {
                self.abort();
                return Err(e);
            }
        };
        self.in_transaction = false;
        match self.with(|client, _| client.batch_execute("COMMIT")) {
            Ok(()) => Ok(version as u64),
            Err(e) if e.is_disconnected() => {
                // The server may have committed before the connection went:
                // ask it, on a new connection.
                match self.committed(&writer) {
                    Ok(true) => Ok(version as u64),
                    Ok(false) => Err(StoreError::disconnected(format!(
                        "{}: the connection went before the commit; nothing was stored",
                        self.location
                    ))
                    .caused_by(e)),
                    Err(_) => Err(StoreError::disconnected(format!(
                        "{}: the connection went during the commit and the server cannot \
                         be asked whether it landed: {e}",
                        self.location
                    ))
                    .caused_by(e)),
                }
            }
            Err(e) => {
                let _ = self.with(|client, _| client.batch_execute("ROLLBACK"));
                Err(e)
            }
        }
    }

    fn abort(&mut self) {
        if std::mem::take(&mut self.in_transaction)
            && let Some(connection) = self.connection.as_mut()
            && connection.client.batch_execute("ROLLBACK").is_err()
        {
            // A connection that cannot roll back is not used again.
            self.connection = None;
        }
    }

    fn location(&self) -> String {
        self.location.clone()
    }

    fn leases(&mut self) -> Option<&mut dyn Leases> {
        Some(self)
    }

    fn watch(&self, wake: Box<dyn Fn() + Send>) -> Result<Option<Watch>, StoreError> {
        Ok(Some(watch::start(
            self.config.clone(),
            self.tls.clone(),
            self.location.clone(),
            wake,
        )?))
    }
}

impl Leases for PostgresStore {
    fn duration(&self) -> Duration {
        self.options.lease
    }

    fn claim(&mut self, file: FileRef) -> Result<u64, StoreError> {
        if !self.in_transaction {
            return Err(StoreError::new("claim outside a transaction"));
        }
        let (job, index) = Self::key(file);
        let (host, lease) = (self.options.host.clone(), lease_seconds(self.options.lease));
        self.with(|client, st| client.execute(&st.claim, &[&job, &index, &host, &lease]))?;
        // The generation is the version this transaction commits: claims
        // are made under the queue's row lock, so versions count up across
        // every host, and a later claim of the file has a greater one (two
        // files claimed in one commit share it, which is fine: a token is
        // compared only among the leases of one file).
        Ok((self.locked_version + 1) as u64)
    }

    fn release(&mut self, file: FileRef) -> Result<(), StoreError> {
        let (job, index) = Self::key(file);
        let host = self.options.host.clone();
        self.with(|client, st| client.execute(&st.release, &[&job, &index, &host]))?;
        Ok(())
    }

    fn forget(&mut self, file: FileRef) -> Result<(), StoreError> {
        let (job, index) = Self::key(file);
        self.with(|client, st| client.execute(&st.forget, &[&job, &index]))?;
        Ok(())
    }

    fn holds(&mut self, file: FileRef) -> Result<bool, StoreError> {
        let (job, index) = Self::key(file);
        let row = self.with(|client, st| client.query_opt(&st.holder, &[&job, &index]))?;
        Ok(row.is_some_and(|row| row.get::<_, String>(0) == self.options.host))
    }

    fn expired(&mut self) -> Result<Vec<FileRef>, StoreError> {
        let rows = self.with(|client, st| client.query(&st.expired, &[]))?;
        rows.iter()
            .map(|row| file_ref(row.get(0), row.get(1)))
            .collect()
    }

    fn mine(&mut self) -> Result<Vec<FileRef>, StoreError> {
        let host = self.options.host.clone();
        let rows = self.with(|client, st| client.query(&st.mine, &[&host]))?;
        rows.iter()
            .map(|row| file_ref(row.get(0), row.get(1)))
            .collect()
    }

    fn live(&mut self) -> Result<Vec<FileRef>, StoreError> {
        let rows = self.with(|client, st| client.query(&st.live, &[]))?;
        rows.iter()
            .map(|row| file_ref(row.get(0), row.get(1)))
            .collect()
    }

    fn renew(&mut self) -> Result<(), StoreError> {
        if self.in_transaction {
            return Err(StoreError::new("renew inside a transaction"));
        }
        let (host, lease) = (self.options.host.clone(), lease_seconds(self.options.lease));
        self.with(|client, st| client.execute(&st.renew, &[&host, &lease]))?;
        Ok(())
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        self.abort();
    }
}

mod watch;

/// The connection settings of `url` (shown as `location`), with this
/// host's defaults for what it leaves out, and its password from
/// `PGPASSWORD` or the password file when it names none (with why a
/// password file was skipped, if one was).
fn config(
    url: &str,
    location: &str,
    options: &PostgresOptions,
) -> Result<(postgres::Config, MakeRustlsConnect, Option<String>), StoreError> {
    let bad = |why: String| StoreError::new(format!("{location}: {why}"));
    let (url, tls) = tls::split(url).map_err(bad)?;
    let connector = tls.connector().map_err(bad)?;
    let mut config: postgres::Config = url.parse().map_err(|e| {
        StoreError::new(format!("{location} is not a PostgreSQL URL: {e}")).caused_by(e)
    })?;
    config.ssl_mode(tls.encrypt());
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    if config.get_application_name().is_none() {
        config.application_name(&options.application_name);
    }
    let found = password::fill(&mut config);
    Ok((config, connector, found.ignored))
}

/// A connection that could not be made, with the server's reason, and a
/// password file that was skipped (a likely cause of a refused login).
/// A server out of reach, starting up or out of connection slots is a
/// lost connection (waiting may help); a server that answers no (a
/// refused login, no such database, no right to connect) is not.
fn cannot_connect(location: &str, password_note: Option<&str>, e: postgres::Error) -> StoreError {
    let note = password_note.map(|n| format!(" ({n})")).unwrap_or_default();
    connect_failed(
        format!("cannot connect to {location}: {}{note}", detail(&e)),
        e,
    )
}

/// A failed connection told in `message`: a refusal, or a lost connection
/// to wait out, as [`connect_refused`] decides.
pub(crate) fn connect_failed(message: String, e: postgres::Error) -> StoreError {
    if connect_refused(&e) {
        StoreError::new(message).caused_by(e)
    } else {
        StoreError::disconnected(message).caused_by(e)
    }
}

/// Whether a connection failed in a way that waiting will not change: the
/// server answered with an error of its own other than a lost connection
/// (class 08), too many connections or too few resources (class 53), a
/// server shutting down or starting up (class 57) or a database an
/// administrator closed for a while (55000, "not currently accepting
/// connections"); or the client gave up
/// before any input or output failed (a password it needs and was not
/// given). A failure of the socket itself (refused, reset, timed out) is
/// worth waiting out.
fn connect_refused(e: &postgres::Error) -> bool {
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        return !(matches!(&code[..2], "08" | "53" | "57") || code == "55000");
    }
    let mut cause = std::error::Error::source(e);
    while let Some(below) = cause {
        if below.is::<std::io::Error>() {
            return false;
        }
        cause = below.source();
    }
    !e.is_closed()
}

/// Whether `e` says the session is gone: the socket closed, or the server
/// ending the session (a restart, an administrator), which says so with a
/// code before the socket closes.
fn session_ended(e: &postgres::Error) -> bool {
    let ended = e.code().is_some_and(|code| {
        let code = code.code();
        code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03")
    });
    ended || e.is_closed()
}

/// The server's own words for a database error (its message and code),
/// else the client's with its causes ("error connecting to server:
/// Connection refused …"): the client's own text names only its kind.
fn detail(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    let mut words = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(below) = cause {
        words = format!("{words}: {below}");
        cause = below.source();
    }
    words
}

/// A lease's length as SQL takes it: seconds, as a double.
fn lease_seconds(lease: Duration) -> f64 {
    lease.as_secs_f64()
}

fn to_sql(version: u64) -> Result<i64, StoreError> {
    i64::try_from(version).map_err(|_| StoreError::new(format!("version {version} out of range")))
}

fn from_sql(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::new(format!("a limit of {value} in the store")))
}

fn file_ref(job: &[u8], index: i64) -> Result<FileRef, StoreError> {
    Ok(FileRef {
        job: guid(job)?,
        file_index: u32::try_from(index)
            .map_err(|_| StoreError::new(format!("a lease of file {index}")))?,
    })
}
