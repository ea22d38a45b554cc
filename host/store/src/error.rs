//! The store's errors: [`StoreError`] (a store could not be read or
//! written) and [`PersistError`] (a call on a [`PersistentQueue`] failed:
//! the queue, its store, or a lease).
//!
//! As with the host's own [`Error`], each error's text is whole — it
//! includes the words of the error it came from — so `{e}` is what to show
//! a person, and [`source`](std::error::Error::source) is that error itself
//! (a `rusqlite::Error`, a `postgres::Error`, an `std::io::Error`, …) for a
//! program that looks deeper.
//!
//! [`PersistentQueue`]: crate::PersistentQueue

use std::sync::Arc;

use bits_queue_host::{Error, FileRef};

/// A store failed: the call that needed it did not happen (its changes
/// are not stored, and the queue in memory is rebuilt from the store).
/// Cheap to clone: the error it came from is shared.
#[derive(Clone, Debug)]
pub struct StoreError {
    message: String,
    disconnected: bool,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    /// A failure described in words.
    pub fn new(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
            disconnected: false,
            source: None,
        }
    }

    /// The connection to a store server was lost: the call was not stored
    /// (never half of it) — or, when the connection went during its
    /// `COMMIT` and the server could not be asked since, whether it was is
    /// unknown, and the message says so. The next call connects again, and
    /// the queue in memory is rebuilt from what the store holds.
    pub fn disconnected(message: impl Into<String>) -> Self {
        StoreError {
            disconnected: true,
            ..StoreError::new(message)
        }
    }

    /// This failure, caused by `source` (whose words the message already
    /// gives): [`source`](std::error::Error::source) returns it.
    pub fn caused_by(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// This failure told in other words (which include its own), with the
    /// same source.
    #[cfg(feature = "postgres")]
    pub(crate) fn reworded(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// This failure, found to be a lost connection (a session the server
    /// ended while it was being set up).
    #[cfg(feature = "postgres")]
    pub(crate) fn into_disconnected(mut self) -> Self {
        self.disconnected = true;
        self
    }

    /// Whether the connection to the store's server was lost (a server
    /// restarted, a network dropped), as opposed to the store refusing.
    pub fn is_disconnected(&self) -> bool {
        self.disconnected
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.disconnected {
            write!(f, "connection lost: {}", self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // The error itself, not the `Arc` around it, so that a caller can
        // `downcast_ref::<rusqlite::Error>()` (or `postgres::Error`).
        let source: &(dyn std::error::Error + Send + Sync + 'static) = self.source.as_deref()?;
        Some(source)
    }
}

/// Why a call on a persistent queue failed.
#[derive(Clone, Debug, thiserror::Error)]
pub enum PersistError {
    /// The queue refused, or its sandbox failed (the instance was rebuilt
    /// from the store when it did).
    #[error(transparent)]
    Queue(#[from] Error),
    /// The store could not be read or written: the call's changes are not
    /// stored, and the queue in memory was rebuilt from the store.
    #[error("the queue's store failed: {0}")]
    Store(#[from] StoreError),
    /// A report about a transfer whose lease this host no longer holds (it
    /// ran out and another host took the file over): nothing was called,
    /// and this host must stop that transfer.
    #[error(
        "the lease of file {} of job {} ran out: another host transfers it",
        .0.file_index,
        .0.job
    )]
    LeaseLost(FileRef),
    /// A `commit` or `discard` of the call could not be carried out (a
    /// temporary file could not take its local name): nothing of the call
    /// was stored, and it can be made again.
    #[error("a file could not be moved, nothing was stored: {0}")]
    FileActions(String),
}

impl PersistError {
    /// Whether the store's server went away ([`StoreError::is_disconnected`]):
    /// the call was not stored, and a later one may succeed.
    pub fn is_disconnected(&self) -> bool {
        matches!(self, PersistError::Store(e) if e.is_disconnected())
    }
}
