//! A connection of its own beside a store's, made when first needed and
//! shared by the secrets and the owners of a queue, which are read and
//! written outside the store's transaction (a secret before the call's
//! changes are committed, as contract §15.2 asks; an owner while the call
//! runs). Each use holds it for one statement or transaction, and none
//! waits on another, so one connection serves both.

use std::sync::Mutex;

use postgres::Client;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::StoreError;

/// One side connection.
pub(super) struct Side {
    config: postgres::Config,
    tls: MakeRustlsConnect,
    location: String,
    client: Mutex<Option<Client>>,
    /// Whether the connection is kept between calls: not for the store of
    /// one of a host's many queues (`--all-queues`), which would otherwise
    /// hold a connection per queue.
    keep: bool,
}

impl Side {
    pub(super) fn new(
        config: postgres::Config,
        tls: MakeRustlsConnect,
        location: String,
        keep: bool,
    ) -> Self {
        Side {
            config,
            tls,
            location,
            client: Mutex::new(None),
            keep,
        }
    }

    /// Where the connection goes, as messages show it.
    pub(super) fn location(&self) -> &str {
        &self.location
    }

    /// Runs `f` on the connection, connecting first when there is none; a
    /// failed call drops a closed connection, for the next to make again.
    /// `what` is what `f` reaches, for messages ("the secrets").
    pub(super) fn with<T>(
        &self,
        what: &str,
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
                        "cannot reach {} of {}: {}",
                        what,
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
                "{} of {}: {}",
                what,
                self.location,
                super::detail(&e)
            ))
            .caused_by(e)
        })
    }
}
