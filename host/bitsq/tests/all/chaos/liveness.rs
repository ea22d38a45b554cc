//! Liveness from outside (contract §10: a file is in flight only while a
//! worker of the host that ordered it is alive): the service's transfer
//! workers are its threads named `bits-queue-xfer` (Linux shows a thread's
//! name in `/proc/PID/task/TID/comm`). While the same service runs and
//! the store is writable, more jobs in flight (`connecting`,
//! `transferring`) than live workers, seen on and off for longer than
//! `BOUND`, is a job left without a worker.
//!
//! The contract's bound is a turn of the service's loop (a second); this
//! test allows `BOUND`, far above what a turn takes on a loaded machine,
//! as a wedged job stays for ever.

use std::time::{Duration, Instant};

/// How long a job may be seen in flight without a worker.
pub const BOUND: Duration = Duration::from_secs(10);

/// The live transfer workers of process `pid`.
pub fn workers(pid: u32) -> usize {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|name| name.trim_end() == "bits-queue-xfer")
        })
        .count()
}

/// Since when jobs were seen in flight without a worker, without a break.
#[derive(Default)]
pub struct Watch {
    unworked_since: Option<Instant>,
}

impl Watch {
    /// The service was started again, or the store was unwritable for a
    /// while: what was in flight without a worker may still be reported.
    pub fn reset(&mut self) {
        self.unworked_since = None;
    }

    /// One look: `in_flight` jobs, and the most workers seen just before
    /// and just after the look at the jobs (a worker that starts or ends
    /// meanwhile counts). `Err` once the jobs were without workers longer
    /// than `BOUND`.
    pub fn look(&mut self, in_flight: usize, workers: usize) -> Result<(), Duration> {
        if in_flight <= workers {
            self.unworked_since = None;
            return Ok(());
        }
        let since = *self.unworked_since.get_or_insert_with(Instant::now);
        match since.elapsed() {
            long if long > BOUND => Err(long),
            _ => Ok(()),
        }
    }
}
