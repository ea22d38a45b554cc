//! Everything a job's getters report, in one comparable value: "a call that
//! fails changes nothing" (§5) is `Snapshot::of(job)` before == after.

use bits_queue_host::{FileInfo, Guid, Job, JobPriority, JobState, JobType, Progress};

/// Every property of a job, as its getters report it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub id: Guid,
    pub job_type: JobType,
    pub state: JobState,
    pub display_name: String,
    pub description: String,
    pub priority: JobPriority,
    pub progress: Progress,
    pub files: Vec<FileInfo>,
}

impl Snapshot {
    /// Reads every getter of `job`; panics if any call fails.
    #[track_caller]
    pub fn of(job: &Job) -> Snapshot {
        Snapshot {
            id: job.id().expect("get-id"),
            job_type: job.job_type().expect("get-type"),
            state: job.state().expect("get-state"),
            display_name: job.display_name().expect("get-display-name"),
            description: job.description().expect("get-description"),
            priority: job.priority().expect("get-priority"),
            progress: job.progress().expect("get-progress"),
            files: job.files().expect("enum-files"),
        }
    }
}
