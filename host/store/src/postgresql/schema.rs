//! The queue's tables in PostgreSQL, created on first use and migrated in
//! order. `bitsq_schema` holds the schema's own version (apart from the
//! queue's version in `bitsq_state`): a database of a newer schema is
//! refused, an older one is migrated step by step, under an advisory lock
//! so that hosts starting together migrate it once.
//!
//! Schema 1:
//! - `bitsq_state`: one row, the queue's version (the count of commits)
//!   and the writer of the latest commit;
//! - `bitsq_jobs(id, record, version)`: each job's record and the commit
//!   that wrote it;
//! - `bitsq_removed(id, version)`: jobs that left, so hosts that knew them
//!   catch up;
//! - `bitsq_limits`: at most one row, the queue's limits;
//! - `bitsq_leases(job, file_index, host, expires)`: who transfers which
//!   file, until when;
//! - `bitsq_writers(host, last_commit)`: each host's latest commit, so a
//!   host whose `COMMIT` lost its answer can learn whether it landed, even
//!   after other hosts committed since.

use postgres::Client;

use crate::error::StoreError;

/// Each schema's step from the one before: `MIGRATIONS[n]` takes schema
/// `n` to `n + 1`. Steps are only ever added.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE bitsq_state (
        one integer PRIMARY KEY CHECK (one = 1),
        version bigint NOT NULL,
        writer text NOT NULL);
    INSERT INTO bitsq_state VALUES (1, 0, '');
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
"];

/// The schema this code writes and reads.
pub const SCHEMA: i32 = MIGRATIONS.len() as i32;

/// The advisory lock held while the schema is set up: "bitsq" in ASCII
/// (part of the stored format, like the tables' names: every host that
/// migrates a queue takes this same lock).
const SETUP_LOCK: i64 = 0x62_69_74_73_71;

/// Creates the schema, or migrates it to [`SCHEMA`], in one transaction.
pub fn migrate(client: &mut Client, location: &str) -> Result<(), StoreError> {
    let failed = |e: postgres::Error| {
        StoreError::new(format!(
            "cannot set up the queue in {location}: {}",
            super::detail(&e)
        ))
        .caused_by(e)
    };
    let mut tx = client.transaction().map_err(failed)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SETUP_LOCK])
        .map_err(failed)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS bitsq_schema (
             one integer PRIMARY KEY CHECK (one = 1), version integer NOT NULL)",
    )
    .map_err(failed)?;
    let found: i32 = tx
        .query_opt("SELECT version FROM bitsq_schema WHERE one = 1", &[])
        .map_err(failed)?
        .map_or(0, |row| row.get(0));
    if found > SCHEMA {
        return Err(StoreError::new(format!(
            "{location} holds queue schema {found}; bits-queue-store {} reads schema {SCHEMA} at most",
            env!("CARGO_PKG_VERSION")
        )));
    }
    if found < 0 {
        return Err(StoreError::new(format!(
            "{location} holds queue schema {found}, which no bits-queue-store writes"
        )));
    }
    for step in &MIGRATIONS[found as usize..] {
        tx.batch_execute(step).map_err(failed)?;
    }
    if found < SCHEMA {
        tx.execute(
            "INSERT INTO bitsq_schema VALUES (1, $1)
             ON CONFLICT (one) DO UPDATE SET version = $1",
            &[&SCHEMA],
        )
        .map_err(failed)?;
    }
    tx.commit().map_err(failed)
}
