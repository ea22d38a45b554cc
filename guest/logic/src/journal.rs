//! The journal (contract §11): what a persisting host stores after each
//! changing call, and how a queue is restored from it.
//!
//! The queue remembers which jobs changed (each once, in the order of its
//! first change) and whether the limits did; `take-changes` turns that into
//! records. `apply` reads every record before it applies any, so a store
//! with one bad record changes nothing, and it never moves a job's state:
//! a job stored `connecting` stays so until a report about it arrives.

use alloc::vec::Vec;

use bits_queue_contract::{Change, ErrorCode, JobRecord, JobState, QueueLimits};

use crate::queue::{Inner, QueueState, write};
use crate::record;

impl QueueState {
    /// The changes since the last call, in the order they happened: a
    /// `put` for each job that changed (and, for one that left the queue,
    /// its final record then `remove`), then `limits` if they changed.
    ///
    /// Recording starts with the first `take-changes` or `apply`: the
    /// jobs already in the queue then (and the limits, if set) count as
    /// changed, since a store has not seen them. A host that never
    /// persists pays nothing for the journal.
    pub fn take_changes(&self) -> Vec<Change> {
        let mut inner = write(&self.0);
        start_journal(&mut inner);
        let jobs = core::mem::take(&mut inner.journal);
        let mut changes = Vec::with_capacity(jobs.len() + 1);
        for job in jobs {
            job.0.dirty.set(false);
            changes.push(Change::Put(JobRecord {
                id: job.id(),
                bytes: record::encode(&job.0.job.borrow(), job.0.sequence.get()),
            }));
            if !inner.holds(&job) {
                changes.push(Change::Remove(job.id()));
            }
        }
        if core::mem::take(&mut inner.limits_dirty) {
            changes.push(Change::Limits(inner.current_limits()));
        }
        changes
    }

    /// Applies stored changes: to a fresh queue (a restart), or to a live
    /// one (what other hosts committed). Every record is read first; one
    /// that cannot be read (another format version, truncated, garbage, a
    /// GUID other than its own, a final job not removed after it) or limits
    /// with a zero give `invalid-argument` and change nothing. Produces no
    /// changes.
    pub fn apply(&self, changes: &[Change]) -> Result<(), ErrorCode> {
        let mut decoded = Vec::with_capacity(changes.len());
        for (at, change) in changes.iter().enumerate() {
            decoded.push(match change {
                Change::Put(record) => {
                    let (job, sequence) =
                        record::decode(&record.bytes).map_err(|_| ErrorCode::InvalidArgument)?;
                    // A final job is never stored: its last record comes
                    // only with its removal.
                    let removed_after = || {
                        changes[at + 1..]
                            .iter()
                            .any(|later| matches!(later, Change::Remove(id) if *id == record.id))
                    };
                    if job.id() != record.id || (job.state().is_final() && !removed_after()) {
                        return Err(ErrorCode::InvalidArgument);
                    }
                    Decoded::Put(alloc::boxed::Box::new(job), sequence)
                }
                Change::Remove(id) => Decoded::Remove(*id),
                Change::Limits(limits) => {
                    if limits.max_jobs == 0 || limits.max_files_per_job == 0 {
                        return Err(ErrorCode::InvalidArgument);
                    }
                    Decoded::Limits(*limits)
                }
            });
        }
        let mut inner = write(&self.0);
        start_journal(&mut inner);
        for change in decoded {
            match change {
                Decoded::Put(job, sequence) => match inner.find(&job.id()).cloned() {
                    Some(held) if held.0.sequence.get() == sequence => {
                        *held.0.job.borrow_mut() = *job;
                    }
                    // Another job under the same GUID (one that left, its
                    // GUID issued again) goes; this one takes its place.
                    Some(held) => {
                        inner.remove(&held);
                        inner.insert_at(&self.0, *job, sequence);
                    }
                    None => {
                        inner.insert_at(&self.0, *job, sequence);
                    }
                },
                Decoded::Remove(id) => {
                    if let Some(held) = inner.find(&id).cloned() {
                        // Its last record, stored just before, is final; a
                        // store that lost it still leaves the job final, as
                        // every job outside a queue is.
                        let mut job = held.0.job.borrow_mut();
                        if !job.state().is_final() {
                            job.state = JobState::Cancelled;
                        }
                        drop(job);
                        inner.remove(&held);
                    }
                }
                Decoded::Limits(limits) => inner.replace_limits(limits),
            }
        }
        Ok(())
    }
}

/// Starts recording changes, if not yet: every job in the queue, and the
/// limits if they are not the defaults, count as changed.
fn start_journal(inner: &mut Inner) {
    if inner.journaling {
        return;
    }
    inner.journaling = true;
    let jobs: Vec<_> = inner.order.iter().flatten().cloned().collect();
    for job in &jobs {
        inner.mark(job);
    }
    inner.limits_dirty = inner.current_limits() != QueueLimits::default();
}

/// A change read and checked, ready to apply.
enum Decoded {
    Put(alloc::boxed::Box<crate::job::Job>, u64),
    Remove(bits_queue_contract::Guid),
    Limits(bits_queue_contract::QueueLimits),
}
