//! [`PostgresStore`]: a queue that many hosts share, kept in a PostgreSQL
//! database (`postgres://USER@HOST/DB`), through the synchronous `postgres`
//! crate.
//!
//! - A database holds many queues, each named by its location's `queue`
//!   parameter (`postgres://host/db?queue=NAME`; `default` when it names
//!   none): each its own row of `bitsq_state`, its own journal rows, leases
//!   and writers, so hosts of different queues never wait for each other.
//! - Each call is one transaction. A changing call first locks its queue's
//!   row of `bitsq_state` (`SELECT … FOR UPDATE`): changing calls are serialised
//!   per queue, and the changes committed since the caller's version are
//!   read under that lock, so no host acts on a stale job. Reads take one
//!   repeatable-read snapshot, and so see committed state only.
//! - Every commit notifies its queue's channel (`bitsq_changes_NAME`);
//!   [`Store::watch`] listens on a connection of its own and wakes the
//!   services of other hosts of that queue, except for a quiet commit
//!   ([`Store::commit_quiet`]: jobs filled in while suspended, which no
//!   service can act on), whose notification says so.
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

mod database;
mod hub;
mod owners;
mod password;
mod pool;
mod schema;
mod secrets;
mod side;
mod tls;

pub use database::PostgresDatabase;

pub use owners::{ADMIN_ROLE, PostgresOwners};
pub use schema::Migrated;
pub use secrets::PostgresSecrets;

use std::sync::Arc;
use std::time::Duration;

use bits_queue_host::{Change, FileRef, JobRecord, QueueLimits};
use postgres::{Client, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::StoreError;
use crate::postgres_location::{PostgresOptions, redact};
use crate::queue_name::split_queue;
use crate::store::{Leases, Snapshot, Store, Watch, guid};

/// The statements of one connection, prepared once.
struct Statements {
    state: Statement,
    last_commit: Statement,
    lock: Statement,
    make_queue: Statement,
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
    /// Every statement names its queue: the last parameter, `$N`.
    fn prepare(client: &mut Client) -> Result<Self, postgres::Error> {
        Ok(Statements {
            state: client.prepare("SELECT version, pruned FROM bitsq_state WHERE queue = $1")?,
            last_commit: client
                .prepare("SELECT last_commit FROM bitsq_writers WHERE host = $1 AND queue = $2")?,
            lock: client
                .prepare("SELECT version, pruned FROM bitsq_state WHERE queue = $1 FOR UPDATE")?,
            // A queue's row is made by its first commit (rows only: a role
            // that may not create tables starts a queue), and the hosts
            // that serve every queue are told of it.
            make_queue: client.prepare(&format!(
                "WITH made AS (INSERT INTO bitsq_state (queue, version, writer)
                               VALUES ($1, 0, '') ON CONFLICT (queue) DO NOTHING
                               RETURNING queue)
                 SELECT pg_notify('{QUEUES_CHANNEL}', queue) FROM made"
            ))?,
            jobs_since: client.prepare(
                "SELECT id, record FROM bitsq_jobs WHERE version > $1 AND queue = $2
                 ORDER BY version, id",
            )?,
            removed_since: client.prepare(
                "SELECT id FROM bitsq_removed WHERE version > $1 AND queue = $2
                 ORDER BY version, id",
            )?,
            limits_since: client.prepare(
                "SELECT max_jobs, max_files_per_job FROM bitsq_limits
                 WHERE version > $1 AND queue = $2",
            )?,
            // Each change one statement (one round trip while the lock is
            // held): the row and its tombstone together.
            put: client.prepare(
                "WITH back AS (DELETE FROM bitsq_removed WHERE id = $1 AND queue = $4)
                 INSERT INTO bitsq_jobs (id, record, version, queue) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (queue, id) DO UPDATE SET record = $2, version = $3",
            )?,
            remove: client.prepare(
                "WITH gone AS (DELETE FROM bitsq_jobs WHERE id = $1 AND queue = $3)
                 INSERT INTO bitsq_removed (id, version, queue) VALUES ($1, $2, $3)
                 ON CONFLICT (queue, id) DO UPDATE SET version = $2",
            )?,
            limits: client.prepare(
                "INSERT INTO bitsq_limits (max_jobs, max_files_per_job, version, queue)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (queue) DO UPDATE
                 SET max_jobs = $1, max_files_per_job = $2, version = $3",
            )?,
            // The new version, this host's leases renewed, tombstones
            // older than the versions kept (`$9`) pruned (`tombstones`), and
            // the other hosts of the queue told (delivered at commit), in one
            // round trip. A quiet commit's jobs (`$8`) that a host still
            // transfers make it a commit like any other.
            set_state: client.prepare(&format!(
                "WITH state AS (UPDATE bitsq_state SET version = $1, writer = $2,
                                    pruned = greatest(pruned, $1::bigint - $9::bigint)
                                WHERE queue = $5),
                      swept AS (DELETE FROM bitsq_removed
                                WHERE queue = $5 AND version <= $1::bigint - $9::bigint),
                      mine AS (INSERT INTO bitsq_writers (host, last_commit, at, queue)
                               VALUES ($3, $2, now(), $5)
                               ON CONFLICT (queue, host) DO UPDATE
                               SET last_commit = $2, at = now()),
                      gone AS (DELETE FROM bitsq_writers
                               WHERE at < now() - interval '{WRITERS_KEPT}' AND host <> $3
                                 AND queue = $5),
                      renewed AS (UPDATE bitsq_leases
                                  SET expires = now() + $4::float8 * interval '1 second'
                                  WHERE host = $3 AND queue = $5)
                 SELECT pg_notify($6, ($1::bigint)::text
                     || CASE WHEN $7::bool AND NOT EXISTS (
                                  SELECT 1 FROM bitsq_leases
                                  WHERE queue = $5 AND job = ANY($8::bytea[]))
                             THEN '{QUIET}' ELSE '' END)"
            ))?,
            renew: client.prepare(
                "UPDATE bitsq_leases SET expires = now() + $2::float8 * interval '1 second'
                 WHERE host = $1 AND queue = $3",
            )?,
            claim: client.prepare(
                "INSERT INTO bitsq_leases (job, file_index, host, expires, queue)
                 VALUES ($1, $2, $3, now() + $4::float8 * interval '1 second', $5)
                 ON CONFLICT (queue, job, file_index)
                 DO UPDATE SET host = $3, expires = excluded.expires",
            )?,
            release: client.prepare(
                "DELETE FROM bitsq_leases
                 WHERE job = $1 AND file_index = $2 AND host = $3 AND queue = $4",
            )?,
            forget: client.prepare(
                "DELETE FROM bitsq_leases WHERE job = $1 AND file_index = $2 AND queue = $3",
            )?,
            holder: client.prepare(
                "SELECT host FROM bitsq_leases WHERE job = $1 AND file_index = $2 AND queue = $3",
            )?,
            expired: client.prepare(
                "SELECT job, file_index FROM bitsq_leases
                 WHERE expires < clock_timestamp() AND queue = $1 ORDER BY job, file_index",
            )?,
            mine: client.prepare(
                "SELECT job, file_index FROM bitsq_leases WHERE host = $1 AND queue = $2
                 ORDER BY job, file_index",
            )?,
            live: client.prepare(
                "SELECT job, file_index FROM bitsq_leases
                 WHERE expires >= clock_timestamp() AND queue = $1 ORDER BY job, file_index",
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
    /// The queue of the database this store keeps (`?queue=NAME`).
    queue: String,
    connection: Option<Connection>,
    in_transaction: bool,
    /// The connections this store shares with the other queues of its
    /// host ([`PostgresDatabase`]): it holds one only for a call.
    pool: Option<Arc<pool::Pool>>,
    /// The one `LISTEN` connection of those queues.
    hub: Option<Arc<hub::Hub>>,
    /// A call that is not a changing transaction (a read's snapshot) holds
    /// its pooled connection until it ends.
    holding: bool,
    /// The version read under the lock of the open transaction.
    locked_version: i64,
    /// Commits this store made, for the `writer` token of each.
    commits: u64,
    /// The queue's secrets, on a connection of their own.
    secrets: Arc<PostgresSecrets>,
    /// The owners of its jobs, likewise (issue 23).
    owners: Arc<PostgresOwners>,
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
        Self::open_in(url, options, None)
    }

    /// [`PostgresStore::open_with`], its connections taken from `pool`
    /// for each call ([`PostgresDatabase`]).
    fn open_pooled(
        url: &str,
        options: PostgresOptions,
        pool: Arc<pool::Pool>,
    ) -> Result<Self, StoreError> {
        Self::open_in(url, options, Some(pool))
    }

    fn open_in(
        url: &str,
        options: PostgresOptions,
        pool: Option<Arc<pool::Pool>>,
    ) -> Result<Self, StoreError> {
        let location = redact(url);
        let (url, queue) = split_queue(url)?;
        let (config, tls, password_note) = config(&url, &location, &options)?;
        if options.lease.is_zero() {
            return Err(StoreError::new("a lease must last longer than 0 s"));
        }
        // The secrets and the owners share a connection of their own.
        let side = Arc::new(side::Side::new(
            config.clone(),
            tls.clone(),
            location.clone(),
            pool.is_none(),
        ));
        let mut store = PostgresStore {
            secrets: Arc::new(PostgresSecrets::new(side.clone())),
            owners: Arc::new(PostgresOwners::new(side, queue.clone())),
            config,
            tls,
            location,
            password_note,
            options,
            queue,
            connection: None,
            in_transaction: false,
            pool,
            hub: None,
            holding: false,
            locked_version: 0,
            commits: 0,
        };
        store.connection()?;
        store.check_in();
        Ok(store)
    }

    /// Creates the queue's tables in the database at `url`, or migrates
    /// them to this code's schema (in one transaction, under an advisory
    /// lock): what a role that may create tables runs once, so that roles
    /// that may only read and write rows can use the queue. Returns the
    /// schema found and the one now held.
    pub fn migrate(url: &str) -> Result<Migrated, StoreError> {
        let location = redact(url);
        let (url, _) = split_queue(url)?;
        let (config, tls, password_note) = config(&url, &location, &PostgresOptions::default())?;
        let mut client = config
            .connect(tls)
            .map_err(|e| cannot_connect(&location, password_note.as_deref(), e))?;
        schema::migrate(&mut client, &location)
    }

    /// This host's name in leases.
    pub fn host(&self) -> &str {
        &self.options.host
    }

    /// The queue of the database this store keeps.
    pub fn queue(&self) -> &str {
        &self.queue
    }

    /// The live connection: this store's own, or one of its pool's, taken
    /// for the call (see [`PostgresStore::check_in`]).
    fn connection(&mut self) -> Result<&mut Connection, StoreError> {
        if self
            .connection
            .as_ref()
            .is_some_and(|c| c.client.is_closed())
        {
            self.drop_connection();
        }
        if self.connection.is_none()
            && !self.in_transaction
            && let Some(pool) = self.pool.clone()
        {
            loop {
                match pool.take() {
                    pool::Taken::Idle(c) if !c.client.is_closed() => {
                        self.connection = Some(*c);
                        break;
                    }
                    pool::Taken::Idle(_) => pool.lost(),
                    pool::Taken::Room => {
                        if let Err(e) = self.connect_if_none() {
                            pool.lost();
                            return Err(e);
                        }
                        break;
                    }
                }
            }
        }
        self.connect_if_none()
    }

    /// A pooled connection goes back to its pool once no call holds it.
    fn check_in(&mut self) {
        if self.in_transaction || self.holding {
            return;
        }
        if let Some(pool) = &self.pool
            && let Some(connection) = self.connection.take()
        {
            pool.give(connection);
        }
    }

    /// The connection is not used again (closed, or in a state no call
    /// can use); a pool may make another in its place.
    fn drop_connection(&mut self) {
        if self.connection.take().is_some()
            && let Some(pool) = &self.pool
        {
            pool.lost();
        }
    }

    /// The live connection, connecting (and setting up the schema) first
    /// when there is none.
    fn connect_if_none(&mut self) -> Result<&mut Connection, StoreError> {
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
            self.drop_connection();
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
        let result = result.map_err(|e| self.failed(e));
        self.check_in();
        result
    }

    /// The changes committed after `seen` (every job when `seen` is 0), in
    /// the transaction open on the connection.
    /// `locked`: the queue's version and pruned version if the caller just
    /// read them (under the lock); nothing more is read when the version is
    /// the one already seen. A reader that has seen less than the pruned
    /// version gets everything, to replace what it holds (`tombstones`).
    fn read_since(
        &mut self,
        seen: u64,
        locked: Option<(i64, i64)>,
    ) -> Result<Snapshot, StoreError> {
        let seen = to_sql(seen)?;
        let queue = self.queue.clone();
        // The version first: a host that has seen it reads nothing more
        // (a look before a poll, on every wake, costs one query).
        let (version, pruned): (i64, i64) = match locked {
            Some(locked) => locked,
            // A queue no host has committed to yet has no row: it is empty.
            None => self
                .with(|client, st| client.query_opt(&st.state, &[&queue]))?
                .map_or((0, 0), |row| (row.get(0), row.get(1))),
        };
        if version == seen {
            return Ok(Snapshot {
                version: seen as u64,
                ..Snapshot::default()
            });
        }
        let reset = seen > 0 && seen < pruned;
        let seen = if reset { 0 } else { seen };
        let rows = self.with(|client, st| {
            let jobs = client.query(&st.jobs_since, &[&seen, &queue])?;
            let removed = if seen > 0 {
                client.query(&st.removed_since, &[&seen, &queue])?
            } else {
                Vec::new()
            };
            let limits = client.query_opt(&st.limits_since, &[&seen, &queue])?;
            Ok((jobs, removed, limits))
        })?;
        let (jobs, removed, limits) = rows;
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
            reset,
        })
    }

    /// Writes `changes` as version `version`, renews this host's leases and
    /// tells the other hosts, in the open transaction.
    fn write(
        &mut self,
        changes: &[Change],
        version: i64,
        writer: &str,
        quiet: bool,
    ) -> Result<(), StoreError> {
        let lease = lease_seconds(self.options.lease);
        let host = self.options.host.clone();
        let queue = self.queue.clone();
        let channel = channel(&queue);
        let kept = i64::try_from(self.options.tombstone_versions).unwrap_or(i64::MAX);
        let jobs: Vec<Vec<u8>> = if quiet {
            changes
                .iter()
                .filter_map(|change| match change {
                    Change::Put(record) => Some(record.id.to_bytes().to_vec()),
                    _ => None,
                })
                .collect()
        } else {
            Vec::new()
        };
        self.with(|client, st| {
            for change in changes {
                match change {
                    Change::Put(record) => {
                        let id = &record.id.to_bytes()[..];
                        client.execute(&st.put, &[&id, &record.bytes, &version, &queue])?;
                    }
                    Change::Remove(id) => {
                        let id = &id.to_bytes()[..];
                        client.execute(&st.remove, &[&id, &version, &queue])?;
                    }
                    Change::Limits(limits) => {
                        let (jobs, files) = (
                            i64::from(limits.max_jobs),
                            i64::from(limits.max_files_per_job),
                        );
                        client.execute(&st.limits, &[&jobs, &files, &version, &queue])?;
                    }
                }
            }
            client.execute(
                &st.set_state,
                &[
                    &version, &writer, &host, &lease, &queue, &channel, &quiet, &jobs, &kept,
                ],
            )?;
            Ok(())
        })
    }

    /// Commits the open transaction's `changes`; `quiet`: the other hosts
    /// are notified with [`QUIET`] after the version, unless a lease shows
    /// one of the jobs transferred (see [`Store::commit_quiet`]).
    fn commit_telling(&mut self, changes: &[Change], quiet: bool) -> Result<u64, StoreError> {
        if !self.in_transaction {
            return Err(StoreError::new("commit without begin"));
        }
        self.commits += 1;
        let writer = format!("{}#{}", self.options.host, self.commits);
        let version = self.locked_version + 1;
        let result = self
            .write(changes, version, &writer, quiet)
            .map(|()| version);
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

    /// After a `COMMIT` whose answer was lost: whether it was stored. Each
    /// host's row in `bitsq_writers` names its latest commit (tokens count
    /// up), which other hosts' commits since leave alone.
    fn committed(&mut self, writer: &str) -> Result<bool, StoreError> {
        let (host, queue) = (self.options.host.clone(), self.queue.clone());
        let row = self.with(|client, st| client.query_opt(&st.last_commit, &[&host, &queue]))?;
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

/// The channel every commit to `queue` notifies, with the new version as
/// its payload: a host listens to its own queue's only.
pub(crate) fn channel(queue: &str) -> String {
    format!("bitsq_changes_{queue}")
}

/// What follows the version in the notification of a quiet commit
/// ([`Store::commit_quiet`]): the hosts watching the queue are not woken.
pub(crate) const QUIET: &str = " quiet";

/// Whether a notification's payload asks its watchers to wake: every one
/// but a quiet commit's.
pub(crate) fn wakes(payload: &str) -> bool {
    !payload.ends_with(QUIET)
}

/// The channel told the name of each queue made (its first commit), for
/// the hosts that serve every queue of the database.
pub(crate) const QUEUES_CHANNEL: &str = "bitsq_queues";

impl Store for PostgresStore {
    fn load(&mut self) -> Result<Snapshot, StoreError> {
        self.since(0)
    }

    fn since(&mut self, seen: u64) -> Result<Snapshot, StoreError> {
        if self.in_transaction {
            return self.read_since(seen, None);
        }
        // Nothing new, told by one statement without a transaction: what
        // a woken host's look costs when another host's commit was seen.
        let queue = self.queue.clone();
        let version: i64 = self
            .with(|client, st| client.query_opt(&st.state, &[&queue]))?
            .map_or(0, |row| row.get(0));
        if version == to_sql(seen)? {
            return Ok(Snapshot {
                version: seen,
                ..Snapshot::default()
            });
        }
        // One snapshot: the version and the rows agree.
        self.holding = true;
        let begun = self.with(|client, _| {
            client.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        });
        let snapshot = begun.and_then(|()| self.read_since(seen, None));
        let _ = self.with(|client, _| client.batch_execute("COMMIT"));
        self.holding = false;
        self.check_in();
        snapshot
    }

    fn begin(&mut self, seen: u64) -> Result<Snapshot, StoreError> {
        self.abort();
        // Under READ COMMITTED each statement after the lock sees every
        // commit made before the lock was granted.
        self.holding = true;
        let begun = self.with(|client, _| client.batch_execute("BEGIN"));
        self.holding = false;
        if let Err(e) = begun {
            self.check_in();
            return Err(e);
        }
        // From here a failure (a lock timeout, a cancel) must roll back, or
        // the connection would stay in an aborted transaction for good.
        self.in_transaction = true;
        let queue = self.queue.clone();
        let locked = self.with(|client, st| {
            let row = match client.query_opt(&st.lock, &[&queue])? {
                Some(row) => row,
                // The queue's first commit: its row is made, then locked.
                None => {
                    client.query(&st.make_queue, &[&queue])?;
                    client.query_one(&st.lock, &[&queue])?
                }
            };
            Ok((row.get(0), row.get(1)))
        });
        let (version, pruned): (i64, i64) = match locked {
            Ok(locked) => locked,
            Err(e) => {
                self.abort();
                return Err(e);
            }
        };
        self.locked_version = version;
        match self.read_since(seen, Some((version, pruned))) {
            Ok(snapshot) => Ok(snapshot),
            Err(e) => {
                self.abort();
                Err(e)
            }
        }
    }

    fn commit(&mut self, changes: &[Change]) -> Result<u64, StoreError> {
        self.commit_telling(changes, false)
    }

    fn commit_quiet(&mut self, changes: &[Change]) -> Result<u64, StoreError> {
        self.commit_telling(changes, true)
    }

    fn abort(&mut self) {
        if std::mem::take(&mut self.in_transaction)
            && let Some(connection) = self.connection.as_mut()
            && connection.client.batch_execute("ROLLBACK").is_err()
        {
            // A connection that cannot roll back is not used again.
            self.drop_connection();
        }
        self.check_in();
    }

    fn location(&self) -> String {
        self.location.clone()
    }

    fn leases(&mut self) -> Option<&mut dyn Leases> {
        Some(self)
    }

    fn secrets(&self) -> Option<Arc<dyn crate::Secrets>> {
        Some(self.secrets.clone())
    }

    fn owners(&self) -> Option<Arc<dyn crate::Owners>> {
        Some(self.owners.clone())
    }

    fn watch(&self, wake: Box<dyn Fn() + Send>) -> Result<Option<Watch>, StoreError> {
        if let Some(hub) = &self.hub {
            return Ok(Some(hub.register(&channel(&self.queue), wake)?));
        }
        Ok(Some(watch::start(
            self.config.clone(),
            self.tls.clone(),
            self.location.clone(),
            channel(&self.queue),
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
        let queue = self.queue.clone();
        self.with(|client, st| client.execute(&st.claim, &[&job, &index, &host, &lease, &queue]))?;
        // The generation is the version this transaction commits: claims
        // are made under the queue's row lock, so versions count up across
        // every host, and a later claim of the file has a greater one (two
        // files claimed in one commit share it, which is fine: a token is
        // compared only among the leases of one file).
        Ok((self.locked_version + 1) as u64)
    }

    fn release(&mut self, file: FileRef) -> Result<(), StoreError> {
        let (job, index) = Self::key(file);
        let (host, queue) = (self.options.host.clone(), self.queue.clone());
        self.with(|client, st| client.execute(&st.release, &[&job, &index, &host, &queue]))?;
        Ok(())
    }

    fn forget(&mut self, file: FileRef) -> Result<(), StoreError> {
        let (job, index) = Self::key(file);
        let queue = self.queue.clone();
        self.with(|client, st| client.execute(&st.forget, &[&job, &index, &queue]))?;
        Ok(())
    }

    fn holds(&mut self, file: FileRef) -> Result<bool, StoreError> {
        let (job, index) = Self::key(file);
        let queue = self.queue.clone();
        let row = self.with(|client, st| client.query_opt(&st.holder, &[&job, &index, &queue]))?;
        Ok(row.is_some_and(|row| row.get::<_, String>(0) == self.options.host))
    }

    fn expired(&mut self) -> Result<Vec<FileRef>, StoreError> {
        let queue = self.queue.clone();
        let rows = self.with(|client, st| client.query(&st.expired, &[&queue]))?;
        rows.iter()
            .map(|row| file_ref(row.get(0), row.get(1)))
            .collect()
    }

    fn mine(&mut self) -> Result<Vec<FileRef>, StoreError> {
        let (host, queue) = (self.options.host.clone(), self.queue.clone());
        let rows = self.with(|client, st| client.query(&st.mine, &[&host, &queue]))?;
        rows.iter()
            .map(|row| file_ref(row.get(0), row.get(1)))
            .collect()
    }

    fn live(&mut self) -> Result<Vec<FileRef>, StoreError> {
        let queue = self.queue.clone();
        let rows = self.with(|client, st| client.query(&st.live, &[&queue]))?;
        rows.iter()
            .map(|row| file_ref(row.get(0), row.get(1)))
            .collect()
    }

    fn renew(&mut self) -> Result<(), StoreError> {
        if self.in_transaction {
            return Err(StoreError::new("renew inside a transaction"));
        }
        let (host, lease) = (self.options.host.clone(), lease_seconds(self.options.lease));
        let queue = self.queue.clone();
        self.with(|client, st| client.execute(&st.renew, &[&host, &lease, &queue]))?;
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
    // A refused certificate will not heal by waiting (issue 23): said as
    // what it is, never as a server out of reach.
    if let Some(why) = tls::refusal(&e) {
        return StoreError::new(format!(
            "cannot connect to {location}: {why} (sslmode and sslrootcert)"
        ))
        .caused_by(e);
    }
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
    // The TLS handshake failed (a certificate refused): waiting will not
    // change that, though it comes wrapped in an I/O error.
    if tls::refusal(e).is_some() {
        return true;
    }
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
