//! The contract's value types as plain Rust: enums with `Display`/`FromStr`
//! (the WIT case names), and records as structs.

use std::fmt;
use std::str::FromStr;

/// Declares a fieldless enum that mirrors a WIT enum: the cases in the
/// contract's order, their WIT names for `Display`/`FromStr`, and `ALL`.
macro_rules! wit_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$cmeta:meta])* $case:ident => $wit:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$cmeta])* $case,)+ }

        impl $name {
            /// Every case, in the contract's order.
            pub const ALL: &'static [$name] = &[$($name::$case,)+];

            /// The WIT name of the case.
            pub const fn wit_name(self) -> &'static str {
                match self { $($name::$case => $wit,)+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.wit_name())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;
            /// Reads the WIT name, in any case.
            fn from_str(s: &str) -> Result<Self, UnknownName> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.wit_name().eq_ignore_ascii_case(s))
                    .ok_or_else(|| UnknownName {
                        what: stringify!($name),
                        expected: $name::ALL.iter().map(|v| v.wit_name()).collect(),
                    })
            }
        }
    };
}

wit_enum! {
    /// What a job transfers (`BG_JOB_TYPE`).
    JobType {
        /// Files flow from the server to the client.
        Download => "download",
        /// One file flows from the client to the server.
        Upload => "upload",
        /// One file is uploaded and the server's reply downloaded.
        UploadReply => "upload-reply",
    }
}

wit_enum! {
    /// How urgently a job is transferred (`BG_JOB_PRIORITY`).
    JobPriority {
        /// Transferred now, ahead of everything else.
        Foreground => "foreground",
        /// Background, first.
        High => "high",
        /// Background, the default.
        Normal => "normal",
        /// Background, last.
        Low => "low",
    }
}

wit_enum! {
    /// Where a job is in its life (`BG_JOB_STATE`).
    JobState {
        /// Waiting to run.
        Queued => "queued",
        /// Connecting to the server.
        Connecting => "connecting",
        /// Transferring data.
        Transferring => "transferring",
        /// Paused; every new job starts here.
        Suspended => "suspended",
        /// A fatal error stopped the job.
        Error => "error",
        /// A recoverable error; the job will retry.
        TransientError => "transient-error",
        /// Every file has arrived; waiting for `complete`.
        Transferred => "transferred",
        /// Completed: final, the job has left the queue.
        Acknowledged => "acknowledged",
        /// Cancelled: final, the job has left the queue.
        Cancelled => "cancelled",
    }
}

impl JobState {
    /// Whether the job has left the queue for good (cancelled or acknowledged).
    pub const fn is_final(self) -> bool {
        matches!(self, JobState::Acknowledged | JobState::Cancelled)
    }
}

/// A name that is not one of an enum's WIT names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    what: &'static str,
    expected: Vec<&'static str>,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not a {}: expected one of {}",
            self.what,
            self.expected.join(", ")
        )
    }
}

impl std::error::Error for UnknownName {}

/// How much of a job has arrived (`BG_JOB_PROGRESS`).
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
    /// `BG_SIZE_UNKNOWN`: a size that is not known yet.
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
    /// A file from its remote URL and local path.
    pub fn new(remote_name: impl Into<String>, local_name: impl Into<String>) -> Self {
        FileInfo {
            remote_name: remote_name.into(),
            local_name: local_name.into(),
        }
    }
}

/// The instance's queue limits (the BITS group policies).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QueueLimits {
    /// Jobs in the queue at once.
    pub max_jobs: u32,
    /// Files in one job.
    pub max_files_per_job: u32,
}

impl Default for QueueLimits {
    /// The BITS group-policy defaults: 300 jobs, 200 files per job.
    fn default() -> Self {
        QueueLimits {
            max_jobs: 300,
            max_files_per_job: 200,
        }
    }
}
