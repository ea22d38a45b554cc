//! How long a transfer may wait for a byte (contract §17.1): the host's own
//! idle limit, capped so that no stall outlives the job's no-progress
//! timeout, and once that clock runs, the time left until its deadline. A
//! wait that runs out is a stall (`stalled`, BG_E_NO_PROGRESS), never a
//! connect failure or an interruption.

use std::io;
use std::time::Duration;

use bits_queue_host::{Clock, Datetime, FailureDetail, FileRef, Queue, TransferFailure};

use crate::transport::Outcome;

/// The cap the queue puts on every wait of `file`'s transfer: the job's
/// no-progress timeout (the remaining no-progress time, before the clock
/// starts), and the time left until the order's deadline when one runs.
/// `None` when the queue says nothing about it (the job is gone: the
/// transfer's first report will be refused anyway).
pub(crate) fn queue_cap(queue: &Queue, file: FileRef, clock: &dyn Clock) -> Option<Duration> {
    let timeout = queue
        .manager()
        .and_then(|m| m.get_job(file.job))
        .and_then(|job| job.no_progress_timeout())
        .ok()
        .map(|seconds| Duration::from_secs(u64::from(seconds)));
    let left = queue
        .order_details(file)
        .ok()
        .flatten()
        .and_then(|details| details.deadline)
        .map(|deadline| until(deadline, clock.now()));
    match (timeout, left) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The time from `now` to `deadline`; zero once it has passed.
fn until(deadline: Datetime, now: Datetime) -> Duration {
    let at =
        |t: Datetime| Duration::new(t.seconds, 0) + Duration::from_nanos(u64::from(t.nanoseconds));
    at(deadline).saturating_sub(at(now))
}

/// The limit of one wait: the host's `idle` limit, capped by the queue's.
pub fn idle_limit(idle: Duration, cap: Option<Duration>) -> Duration {
    cap.map_or(idle, |cap| idle.min(cap))
}

/// Whether a read failed because it waited too long (a socket timeout, or
/// ureq's own timeout carried inside an `io::Error`).
pub(crate) fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    ) || e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<ureq::Error>())
        .is_some_and(|inner| matches!(inner, ureq::Error::Timeout(_)))
}

/// A failed read of a source as an outcome: a wait that ran out is a
/// stall, anything else an interruption (the connection broke).
pub(crate) fn read_failure(e: io::Error) -> Outcome {
    if is_timeout(&e) {
        FailureDetail::Stalled(format!("no byte came within the idle limit ({e})")).into()
    } else {
        TransferFailure::Interrupted(e.to_string()).into()
    }
}

/// What a stall says: which wait ran out, after how long.
pub(crate) fn stall_text(what: &str, limit: Duration) -> String {
    format!(
        "no byte {what} for {:.1} s (the idle limit, capped by the job's no-progress timeout)",
        limit.as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_caps_the_idle_limit() {
        let minute = Duration::from_secs(60);
        assert_eq!(idle_limit(minute, None), minute);
        assert_eq!(
            idle_limit(minute, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            idle_limit(Duration::from_secs(1), Some(minute)),
            Duration::from_secs(1)
        );
        let now = Datetime::from_seconds(100);
        assert_eq!(until(Datetime::from_seconds(90), now), Duration::ZERO);
        assert_eq!(
            until(Datetime::from_seconds(103), now),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn timeouts_are_told_from_other_failures() {
        assert!(is_timeout(&io::Error::from(io::ErrorKind::TimedOut)));
        assert!(is_timeout(&io::Error::other(ureq::Error::Timeout(
            ureq::Timeout::PerRead
        ))));
        assert!(!is_timeout(&io::Error::from(io::ErrorKind::UnexpectedEof)));
        assert!(!is_timeout(&io::Error::other(
            ureq::Error::ConnectionFailed
        )));
    }
}
