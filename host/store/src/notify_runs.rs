//! Notify programs' runs that died with their host (contract §16.1).
//!
//! `take-notify-commands` marks each run it hands out running, in the
//! journal, so no other host runs it too; only the host that took it ends
//! it (`report-command-exit`). A host that dies meanwhile would leave the
//! mark for good, and the program would never run again. So:
//!
//! - In a store that one service runs at a time (SQLite, memory), every
//!   run marked running when a service starts died with an earlier one:
//!   the new service reports each ended without a code (due again after
//!   the job's minimum retry delay).
//! - In a store that hosts share (PostgreSQL), the host that takes a run
//!   takes a lease of it in the same transaction, on the pseudo-file
//!   [`RUN_INDEX`] of its job, renewed with the host's other leases and
//!   given up with the exit report. A run whose lease ran out is reported
//!   ended without a code by whichever host finds it, as a transfer's is
//!   reported lost. A host whose run's lease was taken from it no longer
//!   reports that run's exit (another host already ended it).
//!
//! The component has no call listing running runs: a run can only be
//! running while its job sits in the state that made it due (`transferred`
//! or `error`; leaving the state drops the run), so the host asks
//! `report-command-exit` for each such job, and a job without a running
//! run refuses (`invalid-state`), changing nothing.

use bits_queue_host::{Error, FileRef, Guid, JobState, NotifyEvent, Queue, SandboxErrorKind};

/// The file index of a job's notify run's lease: far above any file's (a
/// job holds at most a few thousand), and never a transfer.
pub const RUN_INDEX: u32 = u32::MAX;

/// The lease of `job`'s notify run.
pub fn run_lease(job: Guid) -> FileRef {
    FileRef {
        job,
        file_index: RUN_INDEX,
    }
}

/// Whether `file` is a notify run's lease rather than a transfer's.
pub fn is_run_lease(file: &FileRef) -> bool {
    file.file_index == RUN_INDEX
}

/// The jobs that could have a running run, with the event it is for.
fn candidates(queue: &Queue) -> bits_queue_host::Result<Vec<(Guid, NotifyEvent)>> {
    let mut found = Vec::new();
    for job in queue.manager()?.jobs()? {
        let event = match job.state()? {
            JobState::Transferred => NotifyEvent::Transferred,
            JobState::Error => NotifyEvent::Error,
            _ => continue,
        };
        found.push((job.id()?, event));
    }
    Ok(found)
}

/// Reports ended without a code the running run of each job that `dead`
/// picks; returns the jobs whose run it ended. A component without notify
/// runs has none.
pub fn end_dead_runs(
    queue: &Queue,
    dead: impl Fn(Guid) -> bool,
) -> bits_queue_host::Result<Vec<Guid>> {
    let mut ended = Vec::new();
    for (job, event) in candidates(queue)? {
        if !dead(job) {
            continue;
        }
        match queue.report_command_exit(job, event, None) {
            Ok(()) => ended.push(job),
            // Not running (or gone): nothing to end.
            Err(Error::Queue(_)) => {}
            Err(Error::Sandbox(e)) if e.kind() == SandboxErrorKind::NotExported => break,
            Err(e) => return Err(e),
        }
    }
    Ok(ended)
}
