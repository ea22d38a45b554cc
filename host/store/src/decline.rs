//! Hosts that share a queue but not the same rights (issue 23, defect 7):
//! each host says which orders it can carry out (`--allow-write`, say),
//! and `poll` declines the others in the same call, so the component gives
//! this host's slot to a job it can take and never orders it the declined
//! file again, while a host that may write it takes it. Before, a host
//! that claimed a file it could not write failed the job for good.

use bits_queue_host::{Action, Error, Queue, SandboxErrorKind, TransferOrder};

/// Whether this host can carry out an order.
pub type TakeFilter = Box<dyn Fn(&TransferOrder) -> bool + Send + Sync>;

/// `poll`, with each `start` this host cannot take declined and left out;
/// polled again after a decline, since the slot it freed may go to a job
/// this host can take (each round declines at least one more file, so
/// this ends). A component built before `decline` existed gets its
/// orders as they came: the host fails what it cannot write, as before.
pub(crate) fn poll_declining(
    queue: &Queue,
    may_take: &TakeFilter,
) -> bits_queue_host::Result<Vec<Action>> {
    let mut taken = Vec::new();
    loop {
        let mut declined = false;
        for action in queue.poll()? {
            match action {
                Action::Start(order) if !may_take(&order) => match queue.decline(order.file) {
                    Ok(()) => declined = true,
                    Err(Error::Sandbox(e)) if e.kind() == SandboxErrorKind::NotExported => {
                        taken.push(Action::Start(order));
                    }
                    Err(e) => return Err(e),
                },
                other => taken.push(other),
            }
        }
        if !declined {
            return Ok(taken);
        }
    }
}
