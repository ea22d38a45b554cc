//! Conversions between the generated binding types and the public ones.
//! Kept in one place so the bindings never leak past this crate.

use crate::bindings::wit;
use crate::{ErrorCode, FileInfo, Guid, JobPriority, JobState, JobType, Progress, QueueLimits};

impl From<Guid> for wit::Guid {
    fn from(g: Guid) -> Self {
        let d = g.data4;
        wit::Guid {
            data1: g.data1,
            data2: g.data2,
            data3: g.data3,
            data4: (d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]),
        }
    }
}

impl From<wit::Guid> for Guid {
    fn from(g: wit::Guid) -> Self {
        let (a, b, c, d, e, f, h, i) = g.data4;
        Guid {
            data1: g.data1,
            data2: g.data2,
            data3: g.data3,
            data4: [a, b, c, d, e, f, h, i],
        }
    }
}

/// Both sides list the same cases; one arm per case, in both directions.
macro_rules! same_cases {
    ($public:ident <=> $wit:path { $($case:ident),+ $(,)? }) => {
        impl From<$public> for $wit {
            fn from(v: $public) -> Self {
                match v { $($public::$case => <$wit>::$case,)+ }
            }
        }
        impl From<$wit> for $public {
            fn from(v: $wit) -> Self {
                match v { $(<$wit>::$case => $public::$case,)+ }
            }
        }
    };
}

same_cases!(JobType <=> wit::JobType { Download, Upload, UploadReply });
same_cases!(JobPriority <=> wit::JobPriority { Foreground, High, Normal, Low });
same_cases!(JobState <=> wit::JobState {
    Queued, Connecting, Transferring, Suspended, Error, TransientError, Transferred,
    Acknowledged, Cancelled,
});
same_cases!(ErrorCode <=> wit::ErrorCode {
    NotFound, InvalidState, Empty, InvalidArgument, StringTooLong, TooManyFiles,
    TooManyFilesInJob, TooManyJobs,
});

impl From<wit::Progress> for Progress {
    fn from(p: wit::Progress) -> Self {
        Progress {
            bytes_total: p.bytes_total,
            bytes_transferred: p.bytes_transferred,
            files_total: p.files_total,
            files_transferred: p.files_transferred,
        }
    }
}

impl From<wit::FileInfo> for FileInfo {
    fn from(f: wit::FileInfo) -> Self {
        FileInfo {
            remote_name: f.remote_name,
            local_name: f.local_name,
        }
    }
}

impl From<&FileInfo> for wit::FileInfo {
    fn from(f: &FileInfo) -> Self {
        wit::FileInfo {
            remote_name: f.remote_name.clone(),
            local_name: f.local_name.clone(),
        }
    }
}

impl From<QueueLimits> for wit::QueueLimits {
    fn from(l: QueueLimits) -> Self {
        wit::QueueLimits {
            max_jobs: l.max_jobs,
            max_files_per_job: l.max_files_per_job,
        }
    }
}

impl From<wit::QueueLimits> for QueueLimits {
    fn from(l: wit::QueueLimits) -> Self {
        QueueLimits {
            max_jobs: l.max_jobs,
            max_files_per_job: l.max_files_per_job,
        }
    }
}

/// A WIT `result<T, error-code>` as this crate's result.
pub(crate) fn queue_result<T, U: From<T>>(r: Result<T, wit::ErrorCode>) -> crate::Result<U> {
    r.map(U::from)
        .map_err(|code| crate::Error::Queue(code.into()))
}
