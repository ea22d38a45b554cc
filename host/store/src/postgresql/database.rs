//! [`PostgresDatabase`]: every queue of one PostgreSQL database, for a
//! host that serves them all (`bitsq service --all-queues`). Its stores
//! share a few connections ([`super::pool`]) and one `LISTEN` connection
//! ([`super::hub`]), so a host serving a hundred queues holds a handful of
//! the server's connections, not two hundred.

use std::sync::Arc;

use super::hub::Hub;
use super::pool::Pool;
use super::{PostgresStore, QUEUES_CHANNEL};
use crate::error::StoreError;
use crate::postgres_location::{PostgresOptions, redact};
use crate::queue_name::{split_queue, with_queue};
use crate::store::Watch;

/// Connections one host's queues share: enough that a few calls run at
/// once, few enough that many hosts fit a server's default 100.
const POOLED: usize = 4;

/// The queues of one database, opened by one host.
pub struct PostgresDatabase {
    /// The URL without a queue (and its password, never shown).
    url: String,
    options: PostgresOptions,
    pool: Arc<Pool>,
    hub: Arc<Hub>,
    /// A store of the default queue, to list the queues with.
    lister: PostgresStore,
}

impl PostgresDatabase {
    /// Connects to the database at `url` (a `queue` it names is ignored:
    /// this is every queue), checking its schema as any store does.
    pub fn open(url: &str, options: PostgresOptions) -> Result<Self, StoreError> {
        let (url, _) = split_queue(url)?;
        let pool = Arc::new(Pool::new(POOLED));
        let mut lister = PostgresStore::open_with(&url, options.clone())?;
        let hub = Arc::new(Hub::new(
            lister.config.clone(),
            lister.tls.clone(),
            redact(&url),
        ));
        lister.pool = Some(pool.clone());
        lister.check_in();
        Ok(PostgresDatabase {
            url,
            options,
            pool,
            hub,
            lister,
        })
    }

    /// Where the database is, for messages (no password, no queue).
    pub fn location(&self) -> String {
        redact(&self.url)
    }

    /// The database's queues by name: those some host has committed to
    /// (and `default`, which the schema starts with).
    pub fn queues(&mut self) -> Result<Vec<String>, StoreError> {
        let rows = self
            .lister
            .with(|client, _| client.query("SELECT queue FROM bitsq_state ORDER BY queue", &[]))?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    /// The store of queue `name`, sharing this host's connections.
    pub fn open_queue(&self, name: &str) -> Result<PostgresStore, StoreError> {
        let mut store = PostgresStore::open_pooled(
            &with_queue(&self.url, name),
            self.options.clone(),
            self.pool.clone(),
        )?;
        store.hub = Some(self.hub.clone());
        Ok(store)
    }

    /// Calls `wake` whenever a queue is made (its first commit), until
    /// the returned watch is dropped.
    pub fn watch_queues(&self, wake: Box<dyn Fn() + Send>) -> Result<Watch, StoreError> {
        self.hub.register(QUEUES_CHANNEL, wake)
    }
}
