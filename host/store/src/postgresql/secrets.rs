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
//! The rows live on a connection of their own, made when first needed, so
//! that secrets are carried out before the call's changes are committed
//! (the order §15.2 asks for) without touching the store's transaction.

use std::sync::Mutex;

use bits_queue_host::{Guid, Secret, SecretOp, SecretSlot};
use postgres::Client;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::StoreError;
use crate::secrets::{Secrets, slot_name, slot_named};

/// The secrets of one PostgreSQL queue.
pub struct PostgresSecrets {
    config: postgres::Config,
    tls: MakeRustlsConnect,
    location: String,
    client: Mutex<Option<Client>>,
    /// Whether the connection is kept between calls: not for the store of
    /// one of a host's many queues (`--all-queues`), which would otherwise
    /// hold a connection per queue.
    keep: bool,
}

impl PostgresSecrets {
    pub(super) fn new(
        config: postgres::Config,
        tls: MakeRustlsConnect,
        location: String,
        keep: bool,
    ) -> Self {
        PostgresSecrets {
            config,
            tls,
            location,
            client: Mutex::new(None),
            keep,
        }
    }

    /// Runs `f` on this store's connection, connecting first when there is
    /// none; a failed call drops a closed connection, for the next to make
    /// again.
    fn with<T>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, StoreError> {
        let mut slot = self.client.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_some_and(Client::is_closed) {
            *slot = None;
        }
        let client = match &mut *slot {
            Some(client) => client,
            None => slot.insert(self.config.connect(self.tls.clone()).map_err(|e| {
                super::connect_failed(
                    format!(
                        "cannot reach the secrets of {}: {}",
                        self.location,
                        super::detail(&e)
                    ),
                    e,
                )
            })?),
        };
        let result = f(client);
        if client.is_closed() || !self.keep {
            *slot = None;
        }
        result.map_err(|e| {
            StoreError::new(format!(
                "the secrets of {}: {}",
                self.location,
                super::detail(&e)
            ))
            .caused_by(e)
        })
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
                self.location
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
