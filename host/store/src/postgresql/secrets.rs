//! A PostgreSQL queue's secrets (contract §15.2): `bitsq_secrets`, one row
//! per (job, slot), never in the job records every host and tenant reads.
//!
//! Each row names its owner, the role that stored it, and the table is
//! under row-level security: a role sees, changes and deletes only the
//! rows of roles it is a member of (itself, or a tenant whose role was
//! granted to it, as a fleet's service role is). Another tenant of the same
//! queue reads no row of it, whatever its table privileges. The policy is
//! forced on the table's owner too; only superusers and roles with
//! BYPASSRLS pass it, as they pass a file's mode.
//!
//! The rows live on a connection of their own (`side.rs`, shared with the
//! job owners), made when first needed, so
//! that secrets are carried out before the call's changes are committed
//! (the order §15.2 asks for) without touching the store's transaction.

use bits_queue_host::{Guid, Secret, SecretOp, SecretSlot};
use std::sync::Arc;

use postgres::Client;

use super::side::Side;
use crate::error::StoreError;
use crate::secrets::{Secrets, slot_name, slot_named};

/// The secrets of one PostgreSQL queue.
pub struct PostgresSecrets {
    side: Arc<Side>,
}

impl PostgresSecrets {
    pub(super) fn new(side: Arc<Side>) -> Self {
        PostgresSecrets { side }
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        self.side.with("the secrets", f)
    }
}

impl Secrets for PostgresSecrets {
    fn apply(&self, ops: &[SecretOp]) -> Result<(), StoreError> {
        self.with(|client| {
            let mut tx = client.transaction()?;
            for op in ops {
                match op {
                    SecretOp::Put(secret) => {
                        tx.execute(
                            "INSERT INTO bitsq_secrets (job, slot, user_name, value)
                             VALUES ($1, $2, $3, $4)
                             ON CONFLICT (job, slot) DO UPDATE
                             SET user_name = excluded.user_name, value = excluded.value",
                            &[
                                &secret.job.to_bytes().as_slice(),
                                &slot_name(secret.slot),
                                &secret.user_name,
                                &secret.value,
                            ],
                        )?;
                    }
                    SecretOp::Delete(job, slot) => {
                        tx.execute(
                            "DELETE FROM bitsq_secrets WHERE job = $1 AND slot = $2",
                            &[&job.to_bytes().as_slice(), &slot_name(*slot)],
                        )?;
                    }
                }
            }
            tx.commit()
        })
    }

    fn forget(&self, job: Guid) -> Result<(), StoreError> {
        self.with(|client| {
            client
                .execute(
                    "DELETE FROM bitsq_secrets WHERE job = $1",
                    &[&job.to_bytes().as_slice()],
                )
                .map(drop)
        })
    }

    fn get(&self, job: Guid, slot: SecretSlot) -> Result<Option<Secret>, StoreError> {
        let row = self.with(|client| {
            client.query_opt(
                "SELECT slot, user_name, value FROM bitsq_secrets WHERE job = $1 AND slot = $2",
                &[&job.to_bytes().as_slice(), &slot_name(slot)],
            )
        })?;
        let Some(row) = row else {
            return Ok(None);
        };
        let stored: String = row.get(0);
        if slot_named(&stored) != Some(slot) {
            return Err(StoreError::new(format!(
                "the secrets of {} hold a slot named {stored:?}, which this code does not know",
                self.side.location()
            )));
        }
        Ok(Some(Secret {
            job,
            slot,
            user_name: row.get(1),
            value: row.get(2),
        }))
    }
}
