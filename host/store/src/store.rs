//! The store seam: where a queue's journal (contract §11) is kept. The
//! records are the component's; a store only keeps them, versioned, so
//! that each host sharing it can catch up with what the others committed.

use std::time::Duration;

use bits_queue_host::{Change, FileRef};

/// What a store holds since some version: the changes to apply, and the
/// version they bring the reader to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The store's version after these changes.
    pub version: u64,
    /// The changes, to `apply` in order.
    pub changes: Vec<Change>,
}

/// A job id as a store keeps it (16 bytes, `Guid::to_bytes`).
pub(crate) fn guid(bytes: &[u8]) -> Result<bits_queue_host::Guid, StoreError> {
    let bytes: [u8; 16] = bytes
        .try_into()
        .map_err(|_| StoreError::new("a job id in the store is not 16 bytes"))?;
    Ok(bits_queue_host::Guid::from_bytes(bytes))
}

/// A store failed: the call that needed it did not happen (its changes
/// are not stored, and the queue in memory is rebuilt from the store).
#[derive(Debug)]
pub struct StoreError {
    message: String,
    disconnected: bool,
}

impl StoreError {
    /// A failure described in words.
    pub fn new(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
            disconnected: false,
        }
    }

    /// The connection to a store server was lost: the call was not stored
    /// (never half of it) — or, when the connection went during its
    /// `COMMIT` and the server could not be asked since, whether it was is
    /// unknown, and the message says so. The next call connects again, and
    /// the queue in memory is rebuilt from what the store holds.
    pub fn disconnected(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
            disconnected: true,
        }
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

impl std::error::Error for StoreError {}

/// Where a queue is kept. Each version is one committed call's changes; a
/// host that has seen version `v` catches up with [`Store::since`]`(v)`.
/// Changing calls are serialised: [`Store::begin`] takes the store's write
/// lock (held until [`Store::commit`] or [`Store::abort`]) and returns
/// what was committed since, so no call acts on a stale job.
pub trait Store: Send {
    /// Everything stored, for a fresh instance.
    fn load(&mut self) -> Result<Snapshot, StoreError>;

    /// What others committed since version `seen`, without the lock.
    fn since(&mut self, seen: u64) -> Result<Snapshot, StoreError>;

    /// Takes the write lock and returns what was committed since `seen`.
    fn begin(&mut self, seen: u64) -> Result<Snapshot, StoreError>;

    /// Stores `changes` as one new version and releases the lock; returns
    /// the new version. On failure nothing is stored and the lock is gone.
    fn commit(&mut self, changes: &[Change]) -> Result<u64, StoreError>;

    /// Releases the lock without storing anything.
    fn abort(&mut self);

    /// Where the store is, for messages (a path, `memory:`).
    fn location(&self) -> String;

    /// The leases of a store that several transferring hosts share; `None`
    /// for a store one service runs at a time (memory, a SQLite file under
    /// bitsq's service lock), where every transfer in flight at a service's
    /// start died with an earlier one.
    fn leases(&mut self) -> Option<&mut dyn Leases> {
        None
    }

    /// Calls `wake` (from a thread of its own) whenever another host
    /// commits, until the returned watch is dropped; `None` for a store
    /// that cannot tell (its readers look every so often instead).
    fn watch(&self, wake: Box<dyn Fn() + Send>) -> Result<Option<Watch>, StoreError> {
        let _ = wake;
        Ok(None)
    }
}

/// Who transfers which file, in a store that several hosts share
/// (contract §10: a file is transferred by one host at a time). A lease
/// names this host and runs out [`Leases::duration`] after it was taken or
/// last renewed; when a host dies, its leases run out and another host
/// reports those transfers lost and resumes them from the stored offset.
///
/// Every method but [`Leases::renew`] runs inside the transaction that
/// [`Store::begin`] opened, so a lease changes with the call that needs it.
pub trait Leases {
    /// How long a lease lasts without renewal.
    fn duration(&self) -> Duration;

    /// This host takes the lease of `file` (its `start` order was issued).
    fn claim(&mut self, file: FileRef) -> Result<(), StoreError>;

    /// This host gives up its lease of `file`, if it holds it.
    fn release(&mut self, file: FileRef) -> Result<(), StoreError>;

    /// The lease of `file` is gone, whoever held it (it ran out and the
    /// transfer was reported lost).
    fn forget(&mut self, file: FileRef) -> Result<(), StoreError>;

    /// Whether this host holds the lease of `file` now.
    fn holds(&mut self, file: FileRef) -> Result<bool, StoreError>;

    /// The files whose lease ran out.
    fn expired(&mut self) -> Result<Vec<FileRef>, StoreError>;

    /// The files whose lease this host holds.
    fn mine(&mut self) -> Result<Vec<FileRef>, StoreError>;

    /// The files whose lease has not run out, whoever holds it.
    fn live(&mut self) -> Result<Vec<FileRef>, StoreError>;

    /// Renews every lease this host holds, in a transaction of its own
    /// (outside [`Store::begin`]).
    fn renew(&mut self) -> Result<(), StoreError>;
}

/// A running [`Store::watch`]: the watching ends when this is dropped.
pub struct Watch {
    stop: Box<dyn FnOnce() + Send>,
}

impl Watch {
    /// A watch that runs `stop` when dropped.
    pub fn new(stop: impl FnOnce() + Send + 'static) -> Self {
        Watch {
            stop: Box::new(stop),
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let stop = std::mem::replace(&mut self.stop, Box::new(|| {}));
        stop();
    }
}
