//! What a client, a transferring host and the clock can send the queue, as
//! data, so sequences of calls can be generated, shrunk and replayed. Small
//! integers pick handles, enum cases, known GUIDs and files in flight, so
//! every generated value means something.

use bits_queue_host::{JobPriority, JobType, TransferFailure};

/// One call on the queue, or a step of the clock.
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
    /// `poll` (engine, §10).
    Poll,
    /// `take-file-actions`.
    TakeFileActions,
    /// `next-wake`.
    NextWake,
    /// `set-background-slots`.
    SetBackgroundSlots(u32),
    /// A report from the host about one file.
    Report {
        file: FilePick,
        report: Report,
    },
    /// Moves the clock on (the component's and the model's alike).
    Advance {
        seconds: u32,
        nanoseconds: u32,
    },
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

/// Which file a report names.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum FilePick {
    /// The n-th file in flight as the model knows them (modulo how many);
    /// with none in flight, file 0 of the first job created, if any.
    InFlight(u8),
    /// Any file index of a job picked as `get-job` picks it: mostly a file
    /// that is not in flight, or a job that is not in the queue.
    Any { job: GuidPick, file_index: u8 },
}

/// What the host reports.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Report {
    /// `report-connected`; `validator` picks one of [`VALIDATORS`].
    Connected {
        size: Option<u16>,
        validator: Option<u8>,
    },
    /// `report-progress` with a count derived from the file's state.
    Progress(Bytes),
    Done,
    Failure(Failure),
    Lost,
}

/// The validators a report can carry: ETags, a date, the empty string, and
/// upload snapshots.
pub const VALIDATORS: [&str; 6] = [
    "\"a\"",
    "\"b\"",
    "Tue, 01 Jul 2025 00:00:00 GMT",
    "",
    // An upload's local snapshot (§14.2).
    "mtime:1",
    "mtime:2",
];

/// A `report-progress` count, relative to what the model knows of the file
/// (for a file it does not know, relative to 0 and an unknown size).
#[derive(Clone, Debug)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Bytes {
    /// The bytes so far plus n.
    More(u16),
    /// Exactly n.
    Exactly(u16),
    /// The bytes so far (brings nothing new).
    Same,
    /// The bytes so far minus n+1: below the previous count.
    Fewer(u8),
    /// The known size (else the bytes so far plus one).
    Size,
    /// One past the known size (else the bytes so far plus one).
    PastSize,
}

/// A `transfer-failure`; the strings are fixed.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Failure {
    HttpStatus(u16),
    ConnectFailed,
    Interrupted,
    RangeUnsupported,
    SizeUnknown,
    LocalIo,
    RemoteMissing,
    Unsupported,
}

impl Failure {
    pub fn to_failure(&self) -> TransferFailure {
        match self {
            Failure::HttpStatus(n) => TransferFailure::HttpStatus(*n),
            Failure::ConnectFailed => TransferFailure::ConnectFailed("refused".into()),
            Failure::Interrupted => TransferFailure::Interrupted("reset by peer".into()),
            Failure::RangeUnsupported => TransferFailure::RangeUnsupported,
            Failure::SizeUnknown => TransferFailure::SizeUnknown,
            Failure::LocalIo => TransferFailure::LocalIo("disk full".into()),
            Failure::RemoteMissing => TransferFailure::RemoteMissing,
            Failure::Unsupported => TransferFailure::Unsupported("upload".into()),
        }
    }
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
    Times,
    Error,
    FileProgress,
    MinimumRetryDelay,
    SetMinimumRetryDelay(u32),
    NoProgressTimeout,
    SetNoProgressTimeout(u32),
    NotifyFlags,
    SetNotifyFlags(u32),
}

/// The job type a small integer picks.
pub fn job_type(pick: u8) -> JobType {
    JobType::ALL[usize::from(pick) % JobType::ALL.len()]
}

/// The priority a small integer picks.
pub fn priority(pick: u8) -> JobPriority {
    JobPriority::ALL[usize::from(pick) % JobPriority::ALL.len()]
}

/// The validator a small integer picks.
pub fn validator(pick: u8) -> &'static str {
    VALIDATORS[usize::from(pick) % VALIDATORS.len()]
}
