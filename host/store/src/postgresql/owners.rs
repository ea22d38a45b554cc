//! The owners of a PostgreSQL queue's jobs (issue 23): `bitsq_jobs.owner`
//! (schema 5), the role that created the job, as `bitsq_secrets.owner`
//! names the role that stored a secret.
//!
//! - A job is a caller's when the caller's role is its owner or a member
//!   of the owner's role: the rule the secrets' row-level security
//!   follows, so a fleet's service role granted its tenants' roles may use
//!   their jobs and their secrets alike.
//! - An administrator is a superuser or a member of the role
//!   `bitsq_admin`, which a database administrator makes (`CREATE ROLE
//!   bitsq_admin NOLOGIN; GRANT bitsq_admin TO ops`): no role is made by
//!   the migration, which may run as a role that cannot make roles.
//! - Taking a job changes only its `owner`: the record is the same, so no
//!   host has anything to catch up with.
//!
//! The owner is recorded by the store and checked by the host (bitsq)
//! before a caller may name a job; the job rows themselves are not under
//! row-level security: every host of the queue (a service transfers every
//! job of it) reads every record. Secrets are the part a non-owner must
//! never read, and those are under row-level security.

use std::sync::Arc;

use bits_queue_host::Guid;

use super::side::Side;
use crate::error::StoreError;
use crate::owners::{Caller, JobOwner, Owners};

/// Whether `current_user` is an administrator of the queue: a superuser,
/// or a member of `bitsq_admin` if that role exists (asked by its oid, so
/// that a database without it is no error).
const IS_ADMIN: &str = "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
    OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bitsq_admin'
               AND pg_has_role(current_user, oid, 'MEMBER'))";

/// Whether the job row `j` is `current_user`'s: its owner, or a member of
/// its owner's role (a superuser is a member of every role, so only the
/// jobs it owns count as its own). An owner whose role was dropped is no
/// one's.
const IS_CALLERS: &str = "(j.owner = current_user
    OR (NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
        AND EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = j.owner
                    AND pg_has_role(current_user, r.oid, 'MEMBER'))))";

/// The role `bitsq` connects as names an administrator (issue 23).
pub const ADMIN_ROLE: &str = "bitsq_admin";

/// The owners of one queue of a PostgreSQL database.
pub struct PostgresOwners {
    side: Arc<Side>,
    queue: String,
}

/// What the owners' statements reach, in messages.
const WHAT: &str = "the job owners";

impl PostgresOwners {
    pub(super) fn new(side: Arc<Side>, queue: String) -> Self {
        PostgresOwners { side, queue }
    }
}

impl Owners for PostgresOwners {
    fn caller(&self) -> Result<Caller, StoreError> {
        let row = self.side.with(WHAT, |client| {
            client.query_one(&format!("SELECT current_user::text, {IS_ADMIN}"), &[])
        })?;
        Ok(Caller {
            name: row.get(0),
            admin: row.get::<_, Option<bool>>(1).unwrap_or(false),
        })
    }

    fn owner(&self, job: Guid) -> Result<Option<JobOwner>, StoreError> {
        Ok(self.owners(&[job])?.pop().flatten())
    }

    fn owners(&self, jobs: &[Guid]) -> Result<Vec<Option<JobOwner>>, StoreError> {
        let ids: Vec<Vec<u8>> = jobs.iter().map(|id| id.to_bytes().to_vec()).collect();
        let rows = self.side.with(WHAT, |client| {
            client.query(
                &format!(
                    "SELECT j.id, j.owner::text, {IS_CALLERS} FROM bitsq_jobs j
                     WHERE j.queue = $1 AND j.id = ANY($2)"
                ),
                &[&self.queue, &ids],
            )
        })?;
        let mut found = std::collections::HashMap::with_capacity(rows.len());
        for row in rows {
            let id: Vec<u8> = row.get(0);
            let owner = JobOwner {
                name: row.get(1),
                callers: row.get::<_, Option<bool>>(2).unwrap_or(false),
            };
            found.insert(id, owner);
        }
        Ok(ids.iter().map(|id| found.remove(id)).collect())
    }

    fn take(&self, job: Guid) -> Result<bool, StoreError> {
        let id = job.to_bytes().to_vec();
        let taken = self.side.with(WHAT, |client| {
            client.execute(
                "UPDATE bitsq_jobs SET owner = current_user WHERE queue = $1 AND id = $2",
                &[&self.queue, &id],
            )
        })?;
        Ok(taken > 0)
    }
}
