//! The WIT records that are plain data: progress, a file, the limits.

use alloc::string::String;

use crate::limits;

/// How much of a job has arrived (`BG_JOB_PROGRESS`, contract §4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Progress {
    /// Bytes in all files; [`Progress::SIZE_UNKNOWN`] while any size is unknown.
    pub bytes_total: u64,
    /// Bytes that have arrived.
    pub bytes_transferred: u64,
    /// Files added to the job.
    pub files_total: u32,
    /// Files that have arrived.
    pub files_transferred: u32,
}

impl Progress {
    /// `BG_SIZE_UNKNOWN`: a size that is not known yet (u64 max).
    pub const SIZE_UNKNOWN: u64 = u64::MAX;
}

/// One file of a job (`BG_FILE_INFO`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FileInfo {
    /// An http://, https:// or file:// URL.
    pub remote_name: String,
    /// An absolute local path.
    pub local_name: String,
}

impl FileInfo {
    /// A file from its remote URL and local path (unchecked: the queue
    /// checks them when the file is added).
    pub fn new(remote_name: impl Into<String>, local_name: impl Into<String>) -> FileInfo {
        FileInfo {
            remote_name: remote_name.into(),
            local_name: local_name.into(),
        }
    }
}

/// The instance's queue limits (the BITS group policies, contract §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QueueLimits {
    /// Jobs in the queue at once.
    pub max_jobs: u32,
    /// Files in one job.
    pub max_files_per_job: u32,
}

impl Default for QueueLimits {
    /// The BITS group-policy defaults: 300 jobs, 200 files per job.
    fn default() -> QueueLimits {
        QueueLimits {
            max_jobs: limits::DEFAULT_MAX_JOBS,
            max_files_per_job: limits::DEFAULT_MAX_FILES_PER_JOB,
        }
    }
}

/// One file's progress (`BG_FILE_PROGRESS`, contract §9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FileProgress {
    /// The file's size; [`Progress::SIZE_UNKNOWN`] until it is known.
    pub bytes_total: u64,
    /// Bytes that have arrived.
    pub bytes_transferred: u64,
    /// Whether the whole file has arrived.
    pub completed: bool,
}

/// Hands every plain WIT record of the contract with its fields to a
/// macro, as [`with_wit_enums`] does for the enums: `with_wit_records!([callback] [args])`
/// invokes `callback!` with `[args]` and then `$( $Record { $($field),+ } )+`.
/// A field missing from this list fails to compile where it is used. `guid`
/// is not here: its `data4` is a tuple in WIT and an array in Rust.
#[macro_export]
macro_rules! with_wit_records {
    ([$($callback:tt)*] [$($args:tt)*]) => {
        $($callback)*! {
            [$($args)*]
            Progress { bytes_total, bytes_transferred, files_total, files_transferred }
            FileInfo { remote_name, local_name }
            QueueLimits { max_jobs, max_files_per_job }
            FileProgress { bytes_total, bytes_transferred, completed }
        }
    };
}
