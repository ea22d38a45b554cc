//! [`PersistentQueue`]: a queue whose every changing call is stored with
//! its changes in one transaction (contract §11), on the path
//!
//! ```text
//! store: lock, apply what others committed → the call → take-changes,
//! take-file-actions (carried out now) → store: commit → the answer
//! ```
//!
//! A call that traps, or a store write that fails, ends the same way: the
//! instance is dropped and rebuilt from the store, and the caller gets a
//! distinct error, so memory and the store never disagree. Progress
//! reports may be stored coalesced ([`PersistentQueue::change_coalesced`]):
//! a crash then loses at most that long of one file's progress, never a
//! job and never a state change reported to a caller.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bits_queue_host::{Action, Change, Error, Queue, QueueOptions, Runtime};

use crate::store::{Store, StoreError};

/// Why a call on a persistent queue failed.
#[derive(Debug)]
pub enum PersistError {
    /// The queue refused, or its sandbox failed (the instance was rebuilt
    /// from the store when it did).
    Queue(Error),
    /// The store could not be read or written: the call's changes are not
    /// stored, and the queue in memory was rebuilt from the store.
    Store(StoreError),
}

impl std::fmt::Display for PersistError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PersistError::Queue(e) => e.fmt(f),
            PersistError::Store(e) => write!(f, "the queue's store failed: {e}"),
        }
    }
}

impl std::error::Error for PersistError {}

impl From<Error> for PersistError {
    fn from(e: Error) -> Self {
        PersistError::Queue(e)
    }
}

impl From<StoreError> for PersistError {
    fn from(e: StoreError) -> Self {
        PersistError::Store(e)
    }
}

/// Carries out a `commit` or `discard` before the call's changes are
/// stored (a crash in between leaves the job in the store, and the action
/// can be carried out again).
pub type FileActions = Box<dyn Fn(&Action) + Send + Sync>;

/// What a changing call's changes are: stored with the call, or (progress)
/// at most every so often.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Storing {
    Now,
    Coalesced,
}

struct State {
    queue: Queue,
    store: Box<dyn Store>,
    /// The store version this instance has applied.
    seen: u64,
    /// Coalesced changes not stored yet.
    pending: Vec<Change>,
    stored_at: Instant,
}

/// A queue kept in a [`Store`]. `Send + Sync`; calls are serialised.
pub struct PersistentQueue {
    state: Mutex<State>,
    runtime: Runtime,
    options: QueueOptions,
    file_actions: FileActions,
    coalesce: Duration,
}

impl PersistentQueue {
    /// Opens the queue `store` keeps: a fresh instance of `runtime` with
    /// every stored record applied. A record the component cannot read is
    /// left out (the others load); each such job is named in the warnings
    /// returned. `file_actions` carries out `commit` and `discard`.
    pub fn open(
        runtime: &Runtime,
        options: QueueOptions,
        mut store: Box<dyn Store>,
        file_actions: FileActions,
    ) -> Result<(Self, Vec<String>), PersistError> {
        let (queue, seen, warnings) = restore(runtime, &options, store.as_mut())?;
        let persistent = PersistentQueue {
            state: Mutex::new(State {
                queue,
                store,
                seen,
                pending: Vec::new(),
                stored_at: Instant::now(),
            }),
            runtime: runtime.clone(),
            options,
            file_actions,
            coalesce: Duration::from_secs(1),
        };
        Ok((persistent, warnings))
    }

    /// Where the queue is kept.
    pub fn location(&self) -> String {
        self.lock().store.location()
    }

    /// One changing call: with the store's lock, after applying what others
    /// committed; its file actions carried out, then its changes stored.
    pub fn change<T>(
        &self,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, PersistError> {
        self.call(Storing::Now, f)
    }

    /// A changing call whose changes may wait up to a second to be stored
    /// (progress reports): stored with the next call that stores, or once
    /// a second has passed.
    pub fn change_coalesced<T>(
        &self,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, PersistError> {
        self.call(Storing::Coalesced, f)
    }

    /// A reading call, after applying what others committed (no lock).
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, PersistError> {
        let mut state = self.lock();
        let seen = state.seen;
        let snapshot = state.store.since(seen)?;
        self.catch_up(&mut state, snapshot)?;
        Ok(f(&state.queue)?)
    }

    /// Stores the coalesced changes now (a service that stops calls this).
    pub fn flush(&self) -> Result<(), PersistError> {
        self.call(Storing::Now, |_| Ok(()))
    }

    /// Stores the coalesced changes if they have waited their second: a
    /// transfer that stalls after a burst still has its progress stored.
    pub fn flush_if_due(&self) -> Result<(), PersistError> {
        let due = {
            let state = self.lock();
            !state.pending.is_empty() && state.stored_at.elapsed() >= self.coalesce
        };
        if due { self.flush() } else { Ok(()) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn call<T>(
        &self,
        storing: Storing,
        f: impl FnOnce(&Queue) -> bits_queue_host::Result<T>,
    ) -> Result<T, PersistError> {
        let mut state = self.lock();
        let seen = state.seen;
        let snapshot = state.store.begin(seen)?;
        if let Err(e) = self.catch_up(&mut state, snapshot) {
            state.store.abort();
            return Err(e);
        }
        let answer = f(&state.queue);
        if let Err(Error::Sandbox(_)) = &answer {
            state.store.abort();
            self.rebuild(&mut state)?;
            return answer.map_err(PersistError::Queue);
        }
        let taken = state.queue.take_changes().and_then(|changes| {
            let actions = state.queue.take_file_actions()?;
            Ok((changes, actions))
        });
        let (changes, actions) = match taken {
            Ok(taken) => taken,
            Err(e) => {
                state.store.abort();
                self.rebuild(&mut state)?;
                return Err(e.into());
            }
        };
        for action in &actions {
            (self.file_actions)(action);
        }
        let only_progress = changes.iter().all(|c| matches!(c, Change::Put(_)));
        state.pending.extend(changes);
        let wait = storing == Storing::Coalesced
            && only_progress
            && state.stored_at.elapsed() < self.coalesce;
        if state.pending.is_empty() || wait {
            state.store.abort();
            return answer.map_err(PersistError::Queue);
        }
        let pending = std::mem::take(&mut state.pending);
        match state.store.commit(&pending) {
            Ok(version) => {
                state.seen = version;
                state.stored_at = Instant::now();
                answer.map_err(PersistError::Queue)
            }
            Err(e) => {
                self.rebuild(&mut state)?;
                Err(e.into())
            }
        }
    }

    /// Applies what others committed. Coalesced changes of a job another
    /// host changed are dropped: its record wins, and progress not stored
    /// is reported again as the transfer goes on.
    fn catch_up(&self, state: &mut State, snapshot: crate::Snapshot) -> Result<(), PersistError> {
        if snapshot.changes.is_empty() {
            state.seen = snapshot.version.max(state.seen);
            return Ok(());
        }
        let theirs: Vec<bits_queue_host::Guid> = snapshot
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::Put(r) => Some(r.id),
                Change::Remove(id) => Some(*id),
                Change::Limits(_) => None,
            })
            .collect();
        state.pending.retain(|c| match c {
            Change::Put(r) => !theirs.contains(&r.id),
            _ => true,
        });
        match apply_in_parts(&state.queue, &snapshot.changes) {
            Ok(()) => {
                state.seen = snapshot.version;
                Ok(())
            }
            // A record committed by another host that this component
            // cannot read: start again from the store, leaving it out.
            Err(Error::Queue(_)) | Err(Error::Sandbox(_)) => {
                self.rebuild(state)?;
                Ok(())
            }
        }
    }

    /// Drops the instance and makes a fresh one from the store.
    fn rebuild(&self, state: &mut State) -> Result<(), PersistError> {
        let (queue, seen, _) = restore(&self.runtime, &self.options, state.store.as_mut())?;
        state.queue = queue;
        state.seen = seen;
        state.pending.clear();
        Ok(())
    }
}

/// A fresh instance with the store's records applied, the version they
/// bring it to, and a warning for each record left out.
fn restore(
    runtime: &Runtime,
    options: &QueueOptions,
    store: &mut dyn Store,
) -> Result<(Queue, u64, Vec<String>), PersistError> {
    let snapshot = store.load()?;
    let queue = runtime.new_queue_with(options.clone())?;
    let mut warnings = Vec::new();
    if apply_in_parts(&queue, &snapshot.changes).is_err() {
        // Some record cannot be read: apply them one by one, leaving out
        // (and naming) each that is refused.
        let queue = runtime.new_queue_with(options.clone())?;
        for change in &snapshot.changes {
            if let Err(e) = queue.apply(std::slice::from_ref(change)) {
                let what = match change {
                    Change::Put(r) => format!("job {}", r.id),
                    Change::Remove(id) => format!("the removal of job {id}"),
                    Change::Limits(_) => "the queue's limits".to_string(),
                };
                warnings.push(format!(
                    "{what} in {} cannot be read ({e}); it is left out",
                    store.location()
                ));
            }
        }
        return Ok((queue, snapshot.version, warnings));
    }
    Ok((queue, snapshot.version, warnings))
}

/// Bytes of records passed to the component in one `apply`: well under the
/// host's default argument limit (1 MiB), so a large store loads in a few
/// calls, not one per job.
const APPLY_PART_BYTES: usize = 256 << 10;

/// Applies `changes` in parts of at most [`APPLY_PART_BYTES`] of records.
/// Each part is all or nothing; a part that is refused stops the rest (the
/// callers then start again from the store).
fn apply_in_parts(queue: &Queue, changes: &[Change]) -> bits_queue_host::Result<()> {
    let mut start = 0;
    let mut bytes = 0;
    for (at, change) in changes.iter().enumerate() {
        let size = match change {
            Change::Put(record) => record.bytes.len() + 24,
            _ => 24,
        };
        if bytes + size > APPLY_PART_BYTES && at > start {
            queue.apply(&changes[start..at])?;
            start = at;
            bytes = 0;
        }
        bytes += size;
    }
    queue.apply(&changes[start..])
}
