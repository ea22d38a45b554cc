//! The model's maximum download time (docs/contract.md §16.2): how long a
//! job has spent `connecting` or `transferring` since its last resume, and
//! when it has spent its limit. Written from the contract, as the rest of
//! the model: the time runs from the moment the job enters `connecting`
//! until it leaves `transferring`, in whole seconds of the queue's clock.

use bits_queue_host::{Datetime, JobState};

/// §16.2's default: 90 days.
pub const DEFAULT_MAXIMUM_DOWNLOAD_TIME: u32 = 7_776_000;

/// One job's time limit and the time it has used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadTime {
    /// The limit in seconds; 0 is none.
    pub max: u32,
    /// Seconds used before the running count.
    pub used: u64,
    /// When the running count began, while the job is in flight.
    pub since: Option<Datetime>,
}

impl Default for DownloadTime {
    fn default() -> Self {
        DownloadTime {
            max: DEFAULT_MAXIMUM_DOWNLOAD_TIME,
            used: 0,
            since: None,
        }
    }
}

impl DownloadTime {
    /// After a change at `now` that left the job in `state`: a count starts
    /// on entering `connecting`, and is added up on leaving `transferring`.
    pub fn settle(&mut self, state: JobState, now: Datetime) {
        let in_flight = matches!(state, JobState::Connecting | JobState::Transferring);
        match self.since {
            None if in_flight => self.since = Some(now),
            Some(since) if !in_flight => {
                self.used += now.seconds - since.seconds;
                self.since = None;
            }
            _ => {}
        }
    }

    /// A successful resume: nothing used.
    pub fn restart(&mut self) {
        self.used = 0;
        self.since = None;
    }

    /// Whether the limit applies in `state` (§16.2).
    fn watched(state: JobState) -> bool {
        matches!(
            state,
            JobState::Queued
                | JobState::Connecting
                | JobState::Transferring
                | JobState::TransientError
        )
    }

    /// Whether a job in `state` has spent its limit at `now`.
    pub fn spent(&self, state: JobState, now: Datetime) -> bool {
        let running = self.since.map_or(0, |since| now.seconds - since.seconds);
        self.max != 0 && Self::watched(state) && self.used + running >= u64::from(self.max)
    }

    /// When a job in `state` spends its limit, for `next-wake`; a job
    /// already past it (not counting) at `modified`.
    pub fn deadline(&self, state: JobState, modified: Datetime) -> Option<Datetime> {
        if self.max == 0 || !Self::watched(state) {
            return None;
        }
        let left = u64::from(self.max).saturating_sub(self.used);
        match self.since {
            Some(since) => Some(since.plus_seconds(left)),
            None => (left == 0).then_some(modified),
        }
    }
}
