//! What a client can send the queue, as data, so sequences of calls can be
//! generated, shrunk and replayed. Small integers pick handles, enum cases
//! and known GUIDs, so every generated value means something.

use bits_queue_host::{JobPriority, JobType};

/// One call on the queue.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Op {
    /// `create-job` on the current manager; `job_type` picks a case.
    CreateJob {
        name: String,
        job_type: u8,
    },
    /// `get-job` with a GUID issued earlier, the nil GUID or another.
    GetJob(GuidPick),
    /// `enum-jobs`: every handle it returns is kept.
    EnumJobs,
    /// Drops the current manager and opens a new one.
    NewManager,
    /// Drops one kept handle (never removes the job).
    DropHandle(u8),
    /// A method on one kept handle.
    Job {
        handle: u8,
        call: JobCall,
    },
    SetLimits {
        max_jobs: u32,
        max_files_per_job: u32,
    },
    GetLimits,
    ParseGuid(String),
}

/// Which GUID `get-job` asks for.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum GuidPick {
    /// The GUID of the n-th job created (modulo how many there were).
    Known(u8),
    Nil,
    /// Any 16 bytes: almost surely never issued.
    Other([u8; 16]),
}

/// A `job` method.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum JobCall {
    Id,
    Type,
    State,
    DisplayName,
    SetDisplayName(String),
    Description,
    SetDescription(String),
    Priority,
    SetPriority(u8),
    Progress,
    AddFile(String, String),
    AddFileSet(Vec<(String, String)>),
    Files,
    Suspend,
    Resume,
    Cancel,
    Complete,
}

/// The job type a small integer picks.
pub fn job_type(pick: u8) -> JobType {
    JobType::ALL[usize::from(pick) % JobType::ALL.len()]
}

/// The priority a small integer picks.
pub fn priority(pick: u8) -> JobPriority {
    JobPriority::ALL[usize::from(pick) % JobPriority::ALL.len()]
}
