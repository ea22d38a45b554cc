//! [`SqliteStore`]: the default store, one SQLite file (built in through
//! `rusqlite`'s `bundled` feature). WAL journal and `synchronous=FULL`, so
//! a committed call survives a crash of the process or the machine; each
//! call is one `BEGIN IMMEDIATE` transaction, which several processes on
//! the same file take in turn.
//!
//! Schema (version 1):
//! - `meta(key, value)`: `schema` (1) and `version`, the count of commits;
//! - `jobs(id, record, version)`: each job's record and the commit that
//!   wrote it;
//! - `removed(id, version)`: jobs that left, so hosts that knew them catch
//!   up;
//! - `limits(one, max_jobs, max_files_per_job, version)`: at most one row.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bits_queue_host::{Change, JobRecord, QueueLimits};
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::error::StoreError;
use crate::store::{Snapshot, Store, guid};

/// The schema this code writes and reads.
const SCHEMA: i64 = 1;

/// How long a call waits for another process's transaction to end.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A queue kept in one SQLite file.
pub struct SqliteStore {
    connection: Connection,
    path: PathBuf,
    in_transaction: bool,
}

/// SQLite's error, in words and as the source.
fn sql(e: rusqlite::Error) -> StoreError {
    StoreError::new(format!("SQLite: {e}")).caused_by(e)
}

impl SqliteStore {
    /// Opens the store at `path`, creating the file (and its schema) on
    /// first use; its directory must exist. A call waits up to 30 s for
    /// another process's transaction.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_waiting(path, BUSY_TIMEOUT)
    }

    /// [`SqliteStore::open`], waiting at most `busy` for other processes'
    /// transactions before a call fails with a store error.
    pub fn open_waiting(path: impl AsRef<Path>, busy: Duration) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        // A new queue file is created 0600 first, so its WAL and SHM are
        // too; if that fails, SQLite's own open says why.
        let _ = crate::owner_only::create_file(&path);
        let connection = Connection::open(&path).map_err(|e| {
            StoreError::new(format!("cannot open {}: {e}", path.display())).caused_by(e)
        })?;
        connection.busy_timeout(busy).map_err(sql)?;
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(sql)?;
        connection
            .pragma_update(None, "synchronous", "FULL")
            .map_err(sql)?;
        connection
            .execute_batch(
                "BEGIN IMMEDIATE;
                 CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                 CREATE TABLE IF NOT EXISTS jobs (
                     id BLOB PRIMARY KEY, record BLOB NOT NULL, version INTEGER NOT NULL);
                 CREATE INDEX IF NOT EXISTS jobs_by_version ON jobs (version);
                 CREATE TABLE IF NOT EXISTS removed (id BLOB PRIMARY KEY, version INTEGER NOT NULL);
                 CREATE TABLE IF NOT EXISTS limits (
                     one INTEGER PRIMARY KEY CHECK (one = 1),
                     max_jobs INTEGER NOT NULL, max_files_per_job INTEGER NOT NULL,
                     version INTEGER NOT NULL);
                 INSERT OR IGNORE INTO meta VALUES ('schema', 1), ('version', 0);
                 COMMIT;",
            )
            .map_err(|e| {
                StoreError::new(format!("cannot set up {}: {e}", path.display())).caused_by(e)
            })?;
        let schema = schema_of(&connection).map_err(sql)?;
        check_schema(&path, schema)?;
        Ok(SqliteStore {
            connection,
            path,
            in_transaction: false,
        })
    }

    /// Opens the existing store at `path` for reading only: nothing is
    /// created, set up or written, and a write fails. For a queue file (or
    /// its directory) this process may not write (issue 21 case 11). A
    /// WAL file whose shared-memory index cannot be made is read as it
    /// stands (SQLite's `immutable`), unless a WAL holds commits not yet in
    /// the file, which only a writer can bring in: that is an error.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let cannot = |e: rusqlite::Error| {
            StoreError::new(format!("cannot read {}: {e}", path.display())).caused_by(e)
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let opened = Connection::open_with_flags(&path, flags)
            .and_then(|connection| schema_of(&connection).map(|schema| (connection, schema)));
        let (connection, schema) = match opened {
            Ok(opened) => opened,
            Err(e) if !wal_of(&path).exists() => {
                let uri = immutable_uri(&path);
                let connection =
                    Connection::open_with_flags(&uri, flags | OpenFlags::SQLITE_OPEN_URI)
                        .map_err(cannot)?;
                let schema = schema_of(&connection).map_err(|_| cannot(e))?;
                (connection, schema)
            }
            Err(e) => return Err(cannot(e)),
        };
        connection.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
        check_schema(&path, schema)?;
        Ok(SqliteStore {
            connection,
            path,
            in_transaction: false,
        })
    }

    fn version(&self) -> Result<u64, StoreError> {
        let version: i64 = self
            .connection
            .prepare_cached("SELECT value FROM meta WHERE key = 'version'")
            .and_then(|mut statement| statement.query_row([], |r| r.get(0)))
            .map_err(sql)?;
        Ok(version as u64)
    }

    /// The changes committed after `seen` (every job when `seen` is 0).
    fn read_since(&self, seen: u64) -> Result<Snapshot, StoreError> {
        let version = self.version()?;
        // Every commit raises the version (`write`), so an unchanged one
        // means nothing to read: the common case of a service's every
        // call, which looked in three tables each time (issue 22 goal 1).
        if seen > 0 && version == seen {
            return Ok(Snapshot {
                version,
                changes: Vec::new(),
                unreadable: Vec::new(),
                reset: false,
            });
        }
        let mut changes = Vec::new();
        let mut jobs = self
            .connection
            .prepare_cached(
                "SELECT id, record FROM jobs WHERE version > ?1 ORDER BY version, rowid",
            )
            .map_err(sql)?;
        // Read as any value, not as BLOBs: one row written as TEXT (or
        // with a short id) by another program must not make the whole
        // queue unopenable (issue 21 case 12).
        let rows = jobs
            .query_map(params![seen as i64], |row| {
                Ok((row.get::<_, Value>(0)?, row.get::<_, Value>(1)?))
            })
            .map_err(sql)?;
        let mut unreadable = Vec::new();
        for row in rows {
            let (id, record) = row.map_err(sql)?;
            let Some(id) = row_guid(&id) else {
                unreadable.push(format!(
                    "a job row whose id is {} (not 16 bytes) cannot be read; it is left out",
                    shown(&id)
                ));
                continue;
            };
            // A record that is not a BLOB goes to the component as the
            // bytes it holds, which it reads or refuses like any damaged
            // record: the job is left out and named, and `cancel` removes it.
            let bytes = match record {
                Value::Blob(bytes) => bytes,
                Value::Text(text) => text.into_bytes(),
                _ => Vec::new(),
            };
            changes.push(Change::Put(JobRecord { id, bytes }));
        }
        if seen > 0 {
            let mut removed = self
                .connection
                .prepare_cached("SELECT id FROM removed WHERE version > ?1 ORDER BY version")
                .map_err(sql)?;
            let rows = removed
                .query_map(params![seen as i64], |row| row.get::<_, Value>(0))
                .map_err(sql)?;
            for row in rows {
                // A removal of no job at all removes nothing.
                if let Some(id) = row_guid(&row.map_err(sql)?) {
                    changes.push(Change::Remove(id));
                }
            }
        }
        let limits = self
            .connection
            .prepare_cached("SELECT max_jobs, max_files_per_job FROM limits WHERE version > ?1")
            .and_then(|mut statement| {
                statement
                    .query_row(params![seen as i64], |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
                    })
                    .optional()
            })
            .map_err(sql)?;
        if let Some((max_jobs, max_files_per_job)) = limits {
            changes.push(Change::Limits(QueueLimits {
                max_jobs: max_jobs as u32,
                max_files_per_job: max_files_per_job as u32,
            }));
        }
        Ok(Snapshot {
            version,
            changes,
            unreadable,
            reset: false,
        })
    }

    /// One statement, prepared once per connection: a service makes the
    /// same few on every call, and parsing them again each time was a
    /// good part of a small file's cost (issue 22 goal 1).
    fn run(&self, statement: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
        self.connection.prepare_cached(statement)?.execute(params)
    }

    fn write(&mut self, changes: &[Change]) -> Result<u64, StoreError> {
        let version = self.version()? + 1;
        let v = version as i64;
        for change in changes {
            match change {
                Change::Put(record) => {
                    let id = record.id.to_bytes();
                    self.run("DELETE FROM removed WHERE id = ?1", params![&id[..]])
                        .map_err(sql)?;
                    self.run(
                        "INSERT INTO jobs (id, record, version) VALUES (?1, ?2, ?3)
                             ON CONFLICT (id) DO UPDATE SET record = ?2, version = ?3",
                        params![&id[..], &record.bytes, v],
                    )
                    .map_err(sql)?;
                }
                Change::Remove(id) => {
                    let id = id.to_bytes();
                    self.run("DELETE FROM jobs WHERE id = ?1", params![&id[..]])
                        .map_err(sql)?;
                    self.run(
                        "INSERT INTO removed (id, version) VALUES (?1, ?2)
                             ON CONFLICT (id) DO UPDATE SET version = ?2",
                        params![&id[..], v],
                    )
                    .map_err(sql)?;
                }
                Change::Limits(limits) => {
                    self.run(
                        "INSERT INTO limits VALUES (1, ?1, ?2, ?3)
                             ON CONFLICT (one) DO UPDATE SET
                                 max_jobs = ?1, max_files_per_job = ?2, version = ?3",
                        params![limits.max_jobs, limits.max_files_per_job, v],
                    )
                    .map_err(sql)?;
                }
            }
        }
        self.run(
            "UPDATE meta SET value = ?1 WHERE key = 'version'",
            params![v],
        )
        .map_err(sql)?;
        Ok(version)
    }
}

impl Store for SqliteStore {
    fn load(&mut self) -> Result<Snapshot, StoreError> {
        self.since(0)
    }

    fn since(&mut self, seen: u64) -> Result<Snapshot, StoreError> {
        if self.in_transaction {
            return self.read_since(seen);
        }
        // One read transaction: the version and the rows agree.
        self.run("BEGIN", []).map_err(sql)?;
        let snapshot = self.read_since(seen);
        let _ = self.run("COMMIT", []);
        snapshot
    }

    fn begin(&mut self, seen: u64) -> Result<Snapshot, StoreError> {
        self.abort();
        self.run("BEGIN IMMEDIATE", []).map_err(sql)?;
        self.in_transaction = true;
        match self.read_since(seen) {
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
        let written = self.write(changes);
        let result =
            written.and_then(|version| self.run("COMMIT", []).map_err(sql).map(|_| version));
        if result.is_err() {
            let _ = self.run("ROLLBACK", []);
        }
        self.in_transaction = false;
        result
    }

    fn abort(&mut self) {
        if std::mem::take(&mut self.in_transaction) {
            let _ = self.run("ROLLBACK", []);
        }
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn secrets(&self) -> Option<std::sync::Arc<dyn crate::Secrets>> {
        Some(std::sync::Arc::new(crate::FileSecrets::beside(&self.path)))
    }

    fn cancels(&self) -> Option<std::sync::Arc<dyn crate::Cancels>> {
        Some(std::sync::Arc::new(crate::FileCancels::beside(&self.path)))
    }

    /// Every job of the file is its owner's (issue 23).
    fn owners(&self) -> Option<std::sync::Arc<dyn crate::Owners>> {
        Some(std::sync::Arc::new(crate::LocalOwners::of_file(&self.path)))
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.abort();
    }
}

/// The schema a queue file says it holds.
fn schema_of(connection: &Connection) -> Result<i64, rusqlite::Error> {
    connection.query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
        r.get(0)
    })
}

/// Refuses a queue file of another schema than this code's.
fn check_schema(path: &Path, schema: i64) -> Result<(), StoreError> {
    if schema == SCHEMA {
        return Ok(());
    }
    Err(StoreError::new(format!(
        "{} holds schema {schema}; bits-queue-store {} reads schema {SCHEMA}",
        path.display(),
        env!("CARGO_PKG_VERSION")
    )))
}

/// The WAL file beside the queue file `path`.
fn wal_of(path: &Path) -> PathBuf {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    PathBuf::from(wal)
}

/// `path` as a URI that opens it `immutable`: read with no locks and no
/// shared-memory index, as a file on read-only media is.
fn immutable_uri(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut uri = String::from("file:");
    for c in absolute.to_string_lossy().chars() {
        match c {
            '?' | '#' | '%' => uri.push_str(&format!("%{:02X}", c as u32)),
            _ => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// A row's id as a job id: a BLOB of 16 bytes, else none.
fn row_guid(id: &Value) -> Option<bits_queue_host::Guid> {
    match id {
        Value::Blob(bytes) => guid(bytes).ok(),
        _ => None,
    }
}

/// A row's id as a warning shows it.
fn shown(id: &Value) -> String {
    match id {
        Value::Blob(bytes) => format!(
            "x'{}'",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        ),
        Value::Text(text) => format!("{text:?}"),
        Value::Integer(n) => n.to_string(),
        Value::Real(x) => x.to_string(),
        Value::Null => "NULL".into(),
    }
}
