//! The store seam: where a queue's journal (contract §11) is kept. The
//! records are the component's; a store only keeps them, versioned, so
//! that each host sharing it can catch up with what the others committed.

use bits_queue_host::Change;

/// What a store holds since some version: the changes to apply, and the
/// version they bring the reader to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The store's version after these changes.
    pub version: u64,
    /// The changes, to `apply` in order.
    pub changes: Vec<Change>,
}

/// A store failed: the call that needed it did not happen (its changes
/// are not stored, and the queue in memory is rebuilt from the store).
#[derive(Debug)]
pub struct StoreError {
    message: String,
}

impl StoreError {
    /// A failure described in words.
    pub fn new(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
        }
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
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
}
