//! The store seam: where a queue's journal (contract §11) is kept. The
//! records are the component's; a store only keeps them, versioned, so
//! that each host sharing it can catch up with what the others committed.

use std::time::Duration;

use bits_queue_host::{Change, FileRef};

use crate::error::StoreError;

/// What a store holds since some version: the changes to apply, and the
/// version they bring the reader to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The store's version after these changes.
    pub version: u64,
    /// The changes, to `apply` in order.
    pub changes: Vec<Change>,
    /// Rows left out because they are no job at all (an id that is not 16
    /// bytes): each in words, for a warning. A record whose bytes are
    /// damaged is a change like any other, which the component refuses.
    pub unreadable: Vec<String>,
    /// The reader is too far behind to catch up change by change (the
    /// store pruned removals it has not seen): `changes` are everything
    /// stored, as [`Store::load`] gives it, to replace what it holds.
    pub reset: bool,
}

/// A job id as a store keeps it (16 bytes, `Guid::to_bytes`).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn guid(bytes: &[u8]) -> Result<bits_queue_host::Guid, StoreError> {
    let bytes: [u8; 16] = bytes
        .try_into()
        .map_err(|_| StoreError::new("a job id in the store is not 16 bytes"))?;
    Ok(bits_queue_host::Guid::from_bytes(bytes))
}

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

    /// [`Store::commit`], for changes no other host can act on now: each a
    /// record of a suspended job (a job created, or changed while
    /// suspended). A store that wakes other hosts ([`Store::watch`]) may
    /// leave them asleep for it, unless it sees one of those jobs still
    /// transferred somewhere (a lease), whose host must stop. They catch
    /// up with it at their next look, as with any commit.
    fn commit_quiet(&mut self, changes: &[Change]) -> Result<u64, StoreError> {
        self.commit(changes)
    }

    /// Releases the lock without storing anything.
    fn abort(&mut self);

    /// Where the store is, for messages (a path, `memory:`).
    fn location(&self) -> String;

    /// Where the queue's secrets are kept (contract §15.2); `None` for a
    /// store that keeps none yet (a call that gives a secret then fails and
    /// changes nothing).
    fn secrets(&self) -> Option<std::sync::Arc<dyn crate::Secrets>> {
        None
    }

    /// Who owns the queue's jobs, and who calls (issue 23); `None` for a
    /// store that keeps no owners (every caller then owns every job).
    fn owners(&self) -> Option<std::sync::Arc<dyn crate::Owners>> {
        None
    }

    /// Where the queue's pending Cancel-Sessions wait (contract §14.6);
    /// `None` for a store that keeps none (the host that takes them sends
    /// them from memory).
    fn cancels(&self) -> Option<std::sync::Arc<dyn crate::Cancels>> {
        None
    }

    /// The leases of a store that several transferring hosts share; `None`
    /// for a store one service runs at a time (memory, a SQLite file under
    /// a lock its application takes, as `bitsq service` does), where every
    /// transfer in flight at a service's start died with an earlier one.
    fn leases(&mut self) -> Option<&mut dyn Leases> {
        None
    }

    /// Calls `wake` (from a thread of its own) whenever another host
    /// commits (a quiet commit, [`Store::commit_quiet`], may wake no one),
    /// until the returned watch is dropped; `None` for a store that cannot
    /// tell (its readers look every so often instead).
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
/// [`Store::begin`] opened, so a lease changes with the call that needs it;
/// [`Leases::expired`] is also asked outside one, as a look before taking
/// the lock to report them (a host whose peers are alive takes none).
pub trait Leases {
    /// How long a lease lasts without renewal.
    fn duration(&self) -> Duration;

    /// This host takes the lease of `file` (its `start` order was issued).
    /// Returns the lease's generation, its fencing token: greater than that
    /// of every lease of the file taken before (by any host), so a host
    /// that writes only into its own generation's file, and a commit that
    /// takes only the newest generation's file, fence out a host whose
    /// lease was superseded (see `bits-queue-service`'s `fence` module).
    fn claim(&mut self, file: FileRef) -> Result<u64, StoreError>;

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
