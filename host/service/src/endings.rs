//! Ending reports grouped with the poll that follows them.
//!
//! When a transfer ends (done, failed, lost), the loop used to make its
//! report as one stored call and then, in its next turn, `poll` as
//! another: two transactions (two syncs of a SQLite journal) between one
//! file of a job and the next. Now the loop holds the ending reports that
//! arrived together and makes them, and the `poll` that starts the next
//! file, in one call: one transaction. Nothing is weakened: the reports
//! are not made (the component does not know of them, so nobody reads
//! them) until that transaction, and each file's bytes were synced before
//! its worker sent `Done`. Each report keeps its own answer: one refused
//! does not undo the others; a sandbox failure undoes the whole call, as
//! it undoes any call.

use bits_queue_host::{
    Action, Error, FailureDetail, FileRef, Queue, SandboxErrorKind, TransferFailure,
};
use bits_queue_store::{PersistError, ReportKind};

use crate::backend::Backend;

/// How a transfer ended, as its worker reported it.
#[derive(Clone, Debug)]
pub enum Ending {
    /// `report-done`: the whole file arrived, synced.
    Done,
    /// `report-failure`.
    Failed(TransferFailure),
    /// `report-lost`.
    Lost,
    /// `report-failure-detail`: a failure the first release's
    /// `transfer-failure` cannot say (a stall, an upload's server error).
    Detail(FailureDetail),
    /// `report-disk-full`: the local disk had no room (issue 21 case 9).
    DiskFull(String),
}

impl Ending {
    /// The report to the component.
    pub(crate) fn report(&self, queue: &Queue, file: FileRef) -> bits_queue_host::Result<()> {
        match self {
            Ending::Done => queue.report_done(file),
            Ending::Failed(failure) => queue.report_failure(file, failure),
            Ending::Lost => queue.report_lost(file),
            Ending::Detail(failure) => queue.report_failure_detail(file, failure),
            Ending::DiskFull(why) => match queue.report_disk_full(file, why) {
                // A component built before the function: the first
                // release's `local-io` says it as well as it can.
                Err(e) if e.sandbox_kind() == Some(SandboxErrorKind::NotExported) => {
                    queue.report_failure(file, &TransferFailure::LocalIo(why.clone()))
                }
                answer => answer,
            },
        }
    }
}

/// Each ending's answer, in order, and the poll's actions.
pub type Ended = (Vec<Result<(), PersistError>>, Vec<Action>);

/// The reports of `endings`, then `poll`, on `queue`, as the body of one
/// changing call. A report the queue refuses keeps its refusal and the
/// others go on; a sandbox failure fails the call.
pub(crate) fn report_then_poll(
    queue: &Queue,
    endings: &[(FileRef, Ending)],
) -> bits_queue_host::Result<(Vec<bits_queue_host::Result<()>>, Vec<Action>)> {
    let mut answers = Vec::with_capacity(endings.len());
    for (file, ending) in endings {
        match ending.report(queue, *file) {
            Err(e @ Error::Sandbox(_)) => return Err(e),
            answer => answers.push(answer),
        }
    }
    Ok((answers, queue.poll()?))
}

/// The reports of `endings`, each a stored call of its own, then `poll`:
/// for stores whose reports are checked against a lease one by one.
/// A store failure stops there and is the answer.
pub(crate) fn one_by_one<B: Backend + ?Sized>(
    backend: &B,
    endings: &[(FileRef, Ending)],
) -> Result<Ended, PersistError> {
    let mut answers = Vec::with_capacity(endings.len());
    for (file, ending) in endings {
        match backend.report(*file, ReportKind::End, |q| ending.report(q, *file)) {
            answer @ (Ok(())
            | Err(PersistError::Queue(Error::Queue(_)))
            | Err(PersistError::LeaseLost(_))) => answers.push(answer),
            Err(e) => return Err(e),
        }
    }
    Ok((answers, backend.poll()?))
}
