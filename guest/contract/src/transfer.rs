//! The values of transfers (contract §8–§10, §12): a job's error and
//! times, notify flags, and what the `engine` interface passes between the
//! component and a host that moves bytes.

use alloc::string::String;
use alloc::vec::Vec;

use crate::{Datetime, Guid, JobErrorContext, JobType};

/// A job's last error (`IBackgroundCopyError`, contract §9).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JobError {
    /// Where the error arose.
    pub context: JobErrorContext,
    /// The HRESULT, e.g. `0x80190194` for an HTTP 404.
    pub hresult: u32,
    /// The file involved (its index in the job), if any.
    pub file_index: Option<u32>,
    /// What the transfer reported, in words.
    pub description: String,
}

/// A job's times (`BG_JOB_TIMES`, contract §9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JobTimes {
    /// When `create-job` made it.
    pub creation: Datetime,
    /// The last change of any kind, including arrived bytes.
    pub modification: Datetime,
    /// When it entered `transferred`; `None` before.
    pub transfer_completion: Option<Datetime>,
}

/// The bits of `notify-flags` (`BG_NOTIFY_*`, contract §9, §12).
pub mod notify_flags {
    /// Notify when the job enters `transferred`.
    pub const TRANSFERRED: u32 = 0x1;
    /// Notify when the job enters `error`.
    pub const ERROR: u32 = 0x2;
    /// Notify of nothing, whatever else is set.
    pub const DISABLE: u32 = 0x4;
    /// Notify when the job changes in any way.
    pub const MODIFICATION: u32 = 0x8;
    /// A new job's flags: transferred and error.
    pub const DEFAULT: u32 = TRANSFERRED | ERROR;
    /// Every bit that means something; any other is refused.
    pub const ALL: u32 = TRANSFERRED | ERROR | DISABLE | MODIFICATION;
}

/// One file of one job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileRef {
    /// The job.
    pub job: Guid,
    /// The file's index in the job, from 0.
    pub file_index: u32,
}

/// What to transfer, where the bytes go, and where to resume (contract §10).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TransferOrder {
    /// The file.
    pub file: FileRef,
    /// The job's type.
    pub job_type: JobType,
    /// The URL.
    pub remote_name: String,
    /// Where the file appears at `complete`.
    pub local_name: String,
    /// Where the bytes go until then (same directory, stable for the file).
    pub temporary_name: String,
    /// Bytes the temporary file already holds and keeps.
    pub offset: u64,
    /// The size last reported, if any.
    pub size: Option<u64>,
    /// The validator (ETag, else Last-Modified) last reported, if any.
    pub validator: Option<String>,
}

/// A temporary file that takes its local name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FileMove {
    /// Where the bytes are.
    pub temporary_name: String,
    /// Where they go.
    pub local_name: String,
}

/// What a `notify` action reports (contract §12).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NotifyEvent {
    /// The job entered `transferred`.
    Transferred,
    /// The job entered `error`.
    Error,
    /// The job changed.
    Modification,
}

impl NotifyEvent {
    /// The `notify-flags` bit that asks for this event.
    pub const fn flag(self) -> u32 {
        match self {
            NotifyEvent::Transferred => notify_flags::TRANSFERRED,
            NotifyEvent::Error => notify_flags::ERROR,
            NotifyEvent::Modification => notify_flags::MODIFICATION,
        }
    }

    /// Whether a job with `flags` gives this event.
    pub const fn wanted_by(self, flags: u32) -> bool {
        flags & notify_flags::DISABLE == 0 && flags & self.flag() != 0
    }
}

/// What a host that moves bytes is to do, in order (contract §10).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Start (or resume) a transfer.
    Start(TransferOrder),
    /// Abandon the transfer in flight; its bytes stay.
    Stop(FileRef),
    /// Rename each temporary file to its local name now.
    Commit(Vec<FileMove>),
    /// Delete these temporary files now.
    Discard(Vec<String>),
    /// Tell whoever listens.
    Notify(Guid, NotifyEvent),
}

impl Action {
    /// Whether this is a `commit` or `discard`: due at once, before the call
    /// that caused it answers its caller.
    pub const fn is_file_action(&self) -> bool {
        matches!(self, Action::Commit(_) | Action::Discard(_))
    }
}

/// Why a transfer failed, as the host saw it (contract §10).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TransferFailure {
    /// The server answered with this HTTP status.
    HttpStatus(u16),
    /// No connection could be made.
    ConnectFailed(String),
    /// The connection broke during the transfer.
    Interrupted(String),
    /// The server cannot resume at the offset asked for.
    RangeUnsupported,
    /// The server gave no size where one is needed.
    SizeUnknown,
    /// The local file could not be written, or the path is not allowed.
    LocalIo(String),
    /// The remote file does not exist (or may not be read).
    RemoteMissing,
    /// The host cannot do this transfer.
    Unsupported(String),
}

/// One job as the journal stores it (contract §11): its GUID and the
/// component's own encoding of everything about it. Hosts keep the bytes
/// as they are.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JobRecord {
    /// The job.
    pub id: Guid,
    /// The component's versioned encoding of the job.
    pub bytes: Vec<u8>,
}

/// One change to store (contract §11), in the order it happened.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Change {
    /// The job's record replaces the one stored.
    Put(JobRecord),
    /// The job left the queue: forget it.
    Remove(Guid),
    /// The queue's limits replace the ones stored.
    Limits(crate::QueueLimits),
}
