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
//!
//! Schema 2: `bitsq_writers.at`, when each host last committed, so that the
//! rows of hosts gone for a day are pruned (a process's name is unique, so
//! without it the table gains a row per process ever run). A host that
//! migrated from schema 1 keeps its queue: the step only adds the column.
//!
//! Schema 3: many queues in one database (issue 23). Every table gains a
//! `queue` column that leads its key: `bitsq_state` holds one row per
//! queue (its version, its latest writer), and jobs, tombstones, limits,
//! leases and writers belong to one queue each. The rows a schema-2
//! database held become the queue named `default` (what a location that
//! names no queue opens), so they keep opening with every job. A queue's
//! state row is made by the first commit to it (a row, so a role that may
//! only write rows can start a queue).
//!
//! Schema 4: `bitsq_secrets(job, slot, user_name, value, owner)`, the
//! queue's credentials and write-only headers (contract §15.2), under
//! row-level security: a role reads only the rows of the roles it is a
//! member of (`secrets.rs`). The step only adds the table.
//!
//! Schema 5: each job's owner (issue 23), `bitsq_jobs.owner`, the role
//! that created the job (the column's default, `current_user`, so a role
//! that may only write rows records itself), changed only by an
//! administrator's `takeownership` (`owners.rs`). The jobs a schema-4
//! database held become the migrating role's: nothing recorded who made
//! them, and `bitsq admin migrate` is run by the queue's administrator.
//!
//! Schema 6: `bitsq_state.pruned`, the version up to which the queue's
//! tombstones may have been pruned (issue 23, defect 9: `bitsq_removed`
//! only grew). Each commit deletes the tombstones of versions older than
//! the latest `PostgresOptions::tombstone_versions` and raises `pruned`
//! with it, in its own transaction; a host that has seen less than
//! `pruned` reads the whole queue again instead of the changes since
//! (`Snapshot::reset`), so no host ever misses a removal. The step only
//! adds the column (0: nothing pruned yet).

use postgres::error::SqlState;
use postgres::{Client, GenericClient};

use crate::error::StoreError;

/// Each schema's step from the one before: `MIGRATIONS[n]` takes schema
/// `n` to `n + 1`. Steps are only ever added.
const MIGRATIONS: &[&str] = &[
    "
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
",
    "
    ALTER TABLE bitsq_writers ADD COLUMN at timestamptz NOT NULL DEFAULT now();
",
    // Each table's rows so far are the `default` queue's (the column's
    // default fills them, and is dropped after: every later row names its
    // queue); `one`, the single-row key, goes.
    "
    ALTER TABLE bitsq_state ADD COLUMN queue text NOT NULL DEFAULT 'default';
    ALTER TABLE bitsq_state DROP COLUMN one;
    ALTER TABLE bitsq_state ALTER COLUMN queue DROP DEFAULT, ADD PRIMARY KEY (queue);
    ALTER TABLE bitsq_jobs ADD COLUMN queue text NOT NULL DEFAULT 'default';
    ALTER TABLE bitsq_jobs ALTER COLUMN queue DROP DEFAULT,
        DROP CONSTRAINT bitsq_jobs_pkey, ADD PRIMARY KEY (queue, id);
    DROP INDEX bitsq_jobs_by_version;
    CREATE INDEX bitsq_jobs_by_version ON bitsq_jobs (queue, version);
    ALTER TABLE bitsq_removed ADD COLUMN queue text NOT NULL DEFAULT 'default';
    ALTER TABLE bitsq_removed ALTER COLUMN queue DROP DEFAULT,
        DROP CONSTRAINT bitsq_removed_pkey, ADD PRIMARY KEY (queue, id);
    DROP INDEX bitsq_removed_by_version;
    CREATE INDEX bitsq_removed_by_version ON bitsq_removed (queue, version);
    ALTER TABLE bitsq_limits ADD COLUMN queue text NOT NULL DEFAULT 'default';
    ALTER TABLE bitsq_limits DROP COLUMN one;
    ALTER TABLE bitsq_limits ALTER COLUMN queue DROP DEFAULT, ADD PRIMARY KEY (queue);
    ALTER TABLE bitsq_leases ADD COLUMN queue text NOT NULL DEFAULT 'default';
    ALTER TABLE bitsq_leases ALTER COLUMN queue DROP DEFAULT,
        DROP CONSTRAINT bitsq_leases_pkey, ADD PRIMARY KEY (queue, job, file_index);
    ALTER TABLE bitsq_writers ADD COLUMN queue text NOT NULL DEFAULT 'default';
    ALTER TABLE bitsq_writers ALTER COLUMN queue DROP DEFAULT,
        DROP CONSTRAINT bitsq_writers_pkey, ADD PRIMARY KEY (queue, host);
",
    "
    CREATE TABLE bitsq_secrets (
        job bytea NOT NULL, slot text NOT NULL,
        user_name text NOT NULL, value text NOT NULL,
        owner name NOT NULL DEFAULT current_user,
        PRIMARY KEY (job, slot));
    ALTER TABLE bitsq_secrets ENABLE ROW LEVEL SECURITY;
    ALTER TABLE bitsq_secrets FORCE ROW LEVEL SECURITY;
    CREATE POLICY bitsq_secrets_of_their_owner ON bitsq_secrets
        USING (pg_has_role(current_user, owner, 'MEMBER'))
        WITH CHECK (owner = current_user);
",
    // A default that is not volatile is computed once, by the statement:
    // every row so far gets the migrating role.
    "
    ALTER TABLE bitsq_jobs ADD COLUMN owner name NOT NULL DEFAULT current_user;
",
    "
    ALTER TABLE bitsq_state ADD COLUMN pruned bigint NOT NULL DEFAULT 0;
",
];

/// The schema this code writes and reads.
pub const SCHEMA: i32 = MIGRATIONS.len() as i32;

/// The advisory lock held while the schema is set up: "bitsq" in ASCII
/// (part of the stored format, like the tables' names: every host that
/// migrates a queue takes this same lock).
const SETUP_LOCK: i64 = 0x62_69_74_73_71;

/// What [`migrate`] found and left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Migrated {
    /// The schema the database held (0: no queue yet).
    pub from: i32,
    /// The schema it holds now ([`SCHEMA`]).
    pub to: i32,
}

/// The schema a connection's database holds, read without changing
/// anything (0 when it holds no queue yet), so that a role that may only
/// read and write rows, or a read-only database, can use a queue that is
/// already set up.
pub fn version(client: &mut impl GenericClient, location: &str) -> Result<i32, StoreError> {
    let failed = |e: postgres::Error| {
        StoreError::new(format!(
            "cannot read the queue's schema version in {location}: {}",
            super::detail(&e)
        ))
        .caused_by(e)
    };
    // Asked first, so that inside a transaction a missing table is not an
    // error that would abort it; from the catalog's rows (a fresh snapshot
    // per statement), not a name lookup, whose cache may not yet know a
    // table another host just made.
    let exists: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables
                            WHERE schemaname = current_schema() AND tablename = 'bitsq_schema')",
            &[],
        )
        .map_err(failed)?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let row = client
        .query_opt("SELECT version FROM bitsq_schema WHERE one = 1", &[])
        .map_err(failed)?;
    Ok(row.map_or(0, |row| row.get(0)))
}

/// The check every connection makes: the database holds this code's
/// schema. An older one (or none) is migrated when this role may, else
/// refused with what to run; a newer one is refused and left alone.
pub fn check(client: &mut Client, location: &str) -> Result<(), StoreError> {
    let found = version(client, location)?;
    if found == SCHEMA {
        return Ok(());
    }
    newer(found, location)?;
    // The first connection of a role that may create tables sets the queue
    // up; any other is told to have it done.
    migrate(client, location).map(drop).map_err(|e| {
        if denied(&e) {
            let told = e.to_string();
            e.reworded(format!(
                "{location} holds queue schema {found} and this code needs schema {SCHEMA}, \
                 which this role cannot create: run `bitsq admin migrate` as a role that may \
                 create tables ({told})"
            ))
        } else {
            e
        }
    })
}

/// Whether the server refused to set the queue up because this role may
/// not create tables, or the database is read-only.
fn denied(e: &StoreError) -> bool {
    let code = std::error::Error::source(e)
        .and_then(|source| source.downcast_ref::<postgres::Error>())
        .and_then(postgres::Error::code);
    code.is_some_and(|code| {
        *code == SqlState::INSUFFICIENT_PRIVILEGE || *code == SqlState::READ_ONLY_SQL_TRANSACTION
    })
}

/// A schema this code cannot read, refused.
fn newer(found: i32, location: &str) -> Result<(), StoreError> {
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
    Ok(())
}

/// Creates the schema, or migrates it to [`SCHEMA`], in one transaction,
/// under the advisory lock (hosts that migrate together do it once).
pub fn migrate(client: &mut Client, location: &str) -> Result<Migrated, StoreError> {
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
    // Under the lock, read again: another host may have migrated meanwhile,
    // and a current schema needs no right to create.
    let found = version(&mut tx, location)?;
    newer(found, location)?;
    if found == SCHEMA {
        tx.commit().map_err(failed)?;
        return Ok(Migrated {
            from: found,
            to: SCHEMA,
        });
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS bitsq_schema (
             one integer PRIMARY KEY CHECK (one = 1), version integer NOT NULL)",
    )
    .map_err(failed)?;
    for step in &MIGRATIONS[found as usize..] {
        tx.batch_execute(step).map_err(failed)?;
    }
    tx.execute(
        "INSERT INTO bitsq_schema VALUES (1, $1)
         ON CONFLICT (one) DO UPDATE SET version = $1",
        &[&SCHEMA],
    )
    .map_err(failed)?;
    tx.commit().map_err(failed)?;
    Ok(Migrated {
        from: found,
        to: SCHEMA,
    })
}
