//! The thin glue between the WIT world `bits:queue/queue` and the logic
//! modules: type conversions and the instance's one queue. No rule of the
//! spec lives here.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::OnceCell;

use crate::queue::{JobRef, Limits, Queue};
use crate::random::GetRandom;
use crate::{error, guid, job};

wit_bindgen::generate!({
    path: "../wit",
    world: "queue",
});

use exports::bits::queue::manager::{self, GuestJob, GuestJobManager};
use exports::bits::queue::types::{
    self, ErrorCode, FileInfo, Guid, JobPriority, JobState, JobType, Progress, QueueLimits,
};

/// The instance's one queue (spec §3), made on first use.
///
/// A `static` must be `Sync`, and `Queue` (full of `Rc` and `RefCell`) is
/// not. Sharing it is sound here because nothing can reach it from two
/// threads: wasm32-wasip2 code runs on the single thread of its instance
/// (the crate is not built with the `atomics` feature, so it could not
/// spawn one), and the component model does not re-enter an instance while
/// one of its exports is running. This wrapper is private to the wasm32
/// build, where that holds.
struct InstanceQueue(OnceCell<Queue>);

// SAFETY: see `InstanceQueue`: one thread per instance, no re-entry.
unsafe impl Sync for InstanceQueue {}

static QUEUE: InstanceQueue = InstanceQueue(OnceCell::new());

/// The instance's queue, drawing GUIDs from the host's `wasi:random`.
fn queue() -> &'static Queue {
    QUEUE.0.get_or_init(|| Queue::new(GetRandom))
}

struct Component;

impl types::Guest for Component {
    fn hresult(code: ErrorCode) -> u32 {
        error::ErrorCode::from(code).hresult()
    }

    fn guid_to_string(id: Guid) -> String {
        guid::to_string(&id.into())
    }

    fn parse_guid(text: String) -> Result<Guid, ErrorCode> {
        Ok(guid::parse(&text)?.into())
    }
}

impl manager::Guest for Component {
    type Job = JobResource;
    type JobManager = JobManagerResource;

    fn set_limits(limits: QueueLimits) -> Result<(), ErrorCode> {
        Ok(queue().set_limits(Limits {
            max_jobs: limits.max_jobs,
            max_files_per_job: limits.max_files_per_job,
        })?)
    }

    fn get_limits() -> QueueLimits {
        let limits = queue().limits();
        QueueLimits {
            max_jobs: limits.max_jobs,
            max_files_per_job: limits.max_files_per_job,
        }
    }
}

/// A `job-manager`: holds nothing, since every manager sees the instance's
/// one queue.
struct JobManagerResource;

impl GuestJobManager for JobManagerResource {
    fn new() -> JobManagerResource {
        JobManagerResource
    }

    fn create_job(
        &self,
        display_name: String,
        job_type: JobType,
    ) -> Result<manager::Job, ErrorCode> {
        let job = queue().create_job(display_name, job_type.into())?;
        Ok(manager::Job::new(JobResource(job)))
    }

    fn get_job(&self, job_id: Guid) -> Result<manager::Job, ErrorCode> {
        let job = queue().get_job(&job_id.into())?;
        Ok(manager::Job::new(JobResource(job)))
    }

    fn enum_jobs(&self) -> Vec<manager::Job> {
        queue()
            .jobs()
            .into_iter()
            .map(|job| manager::Job::new(JobResource(job)))
            .collect()
    }
}

/// A `job` handle: one more [`JobRef`] to the job. Dropping it drops the
/// reference, never the job.
struct JobResource(JobRef);

impl GuestJob for JobResource {
    fn get_id(&self) -> Guid {
        self.0.id().into()
    }

    fn get_type(&self) -> JobType {
        self.0.job_type().into()
    }

    fn get_state(&self) -> JobState {
        self.0.state().into()
    }

    fn get_display_name(&self) -> String {
        self.0.display_name()
    }

    fn set_display_name(&self, name: String) -> Result<(), ErrorCode> {
        Ok(self.0.set_display_name(name)?)
    }

    fn get_description(&self) -> String {
        self.0.description()
    }

    fn set_description(&self, description: String) -> Result<(), ErrorCode> {
        Ok(self.0.set_description(description)?)
    }

    fn get_priority(&self) -> JobPriority {
        self.0.priority().into()
    }

    fn set_priority(&self, priority: JobPriority) -> Result<(), ErrorCode> {
        Ok(self.0.set_priority(priority.into())?)
    }

    fn get_progress(&self) -> Progress {
        let progress = self.0.progress();
        Progress {
            bytes_total: progress.bytes_total,
            bytes_transferred: progress.bytes_transferred,
            files_total: progress.files_total,
            files_transferred: progress.files_transferred,
        }
    }

    fn add_file(&self, remote_name: String, local_name: String) -> Result<(), ErrorCode> {
        Ok(self.0.add_file(remote_name, local_name)?)
    }

    fn add_file_set(&self, files: Vec<FileInfo>) -> Result<(), ErrorCode> {
        let files = files
            .into_iter()
            .map(|file| job::FileInfo {
                remote_name: file.remote_name,
                local_name: file.local_name,
            })
            .collect();
        Ok(self.0.add_files(files)?)
    }

    fn enum_files(&self) -> Vec<FileInfo> {
        self.0
            .files()
            .into_iter()
            .map(|file| FileInfo {
                remote_name: file.remote_name,
                local_name: file.local_name,
            })
            .collect()
    }

    fn suspend(&self) -> Result<(), ErrorCode> {
        Ok(self.0.suspend()?)
    }

    fn resume(&self) -> Result<(), ErrorCode> {
        Ok(self.0.resume()?)
    }

    fn cancel(&self) -> Result<(), ErrorCode> {
        Ok(self.0.cancel()?)
    }

    fn complete(&self) -> Result<(), ErrorCode> {
        Ok(self.0.complete()?)
    }
}

export!(Component);

// Conversions between the generated WIT types and the logic's own. Each
// `match` is exhaustive both ways, so a case added on either side fails to
// compile here instead of being mapped wrongly.

impl From<error::ErrorCode> for ErrorCode {
    fn from(code: error::ErrorCode) -> ErrorCode {
        match code {
            error::ErrorCode::NotFound => ErrorCode::NotFound,
            error::ErrorCode::InvalidState => ErrorCode::InvalidState,
            error::ErrorCode::Empty => ErrorCode::Empty,
            error::ErrorCode::InvalidArgument => ErrorCode::InvalidArgument,
            error::ErrorCode::StringTooLong => ErrorCode::StringTooLong,
            error::ErrorCode::TooManyFiles => ErrorCode::TooManyFiles,
            error::ErrorCode::TooManyFilesInJob => ErrorCode::TooManyFilesInJob,
            error::ErrorCode::TooManyJobs => ErrorCode::TooManyJobs,
        }
    }
}

impl From<ErrorCode> for error::ErrorCode {
    fn from(code: ErrorCode) -> error::ErrorCode {
        match code {
            ErrorCode::NotFound => error::ErrorCode::NotFound,
            ErrorCode::InvalidState => error::ErrorCode::InvalidState,
            ErrorCode::Empty => error::ErrorCode::Empty,
            ErrorCode::InvalidArgument => error::ErrorCode::InvalidArgument,
            ErrorCode::StringTooLong => error::ErrorCode::StringTooLong,
            ErrorCode::TooManyFiles => error::ErrorCode::TooManyFiles,
            ErrorCode::TooManyFilesInJob => error::ErrorCode::TooManyFilesInJob,
            ErrorCode::TooManyJobs => error::ErrorCode::TooManyJobs,
        }
    }
}

impl From<guid::Guid> for Guid {
    fn from(id: guid::Guid) -> Guid {
        let [a, b, c, d, e, f, g, h] = id.data4;
        Guid {
            data1: id.data1,
            data2: id.data2,
            data3: id.data3,
            data4: (a, b, c, d, e, f, g, h),
        }
    }
}

impl From<Guid> for guid::Guid {
    fn from(id: Guid) -> guid::Guid {
        let (a, b, c, d, e, f, g, h) = id.data4;
        guid::Guid {
            data1: id.data1,
            data2: id.data2,
            data3: id.data3,
            data4: [a, b, c, d, e, f, g, h],
        }
    }
}

impl From<JobType> for job::JobType {
    fn from(job_type: JobType) -> job::JobType {
        match job_type {
            JobType::Download => job::JobType::Download,
            JobType::Upload => job::JobType::Upload,
            JobType::UploadReply => job::JobType::UploadReply,
        }
    }
}

impl From<job::JobType> for JobType {
    fn from(job_type: job::JobType) -> JobType {
        match job_type {
            job::JobType::Download => JobType::Download,
            job::JobType::Upload => JobType::Upload,
            job::JobType::UploadReply => JobType::UploadReply,
        }
    }
}

impl From<JobPriority> for job::JobPriority {
    fn from(priority: JobPriority) -> job::JobPriority {
        match priority {
            JobPriority::Foreground => job::JobPriority::Foreground,
            JobPriority::High => job::JobPriority::High,
            JobPriority::Normal => job::JobPriority::Normal,
            JobPriority::Low => job::JobPriority::Low,
        }
    }
}

impl From<job::JobPriority> for JobPriority {
    fn from(priority: job::JobPriority) -> JobPriority {
        match priority {
            job::JobPriority::Foreground => JobPriority::Foreground,
            job::JobPriority::High => JobPriority::High,
            job::JobPriority::Normal => JobPriority::Normal,
            job::JobPriority::Low => JobPriority::Low,
        }
    }
}

impl From<job::JobState> for JobState {
    fn from(state: job::JobState) -> JobState {
        match state {
            job::JobState::Queued => JobState::Queued,
            job::JobState::Connecting => JobState::Connecting,
            job::JobState::Transferring => JobState::Transferring,
            job::JobState::Suspended => JobState::Suspended,
            job::JobState::Error => JobState::Error,
            job::JobState::TransientError => JobState::TransientError,
            job::JobState::Transferred => JobState::Transferred,
            job::JobState::Acknowledged => JobState::Acknowledged,
            job::JobState::Cancelled => JobState::Cancelled,
        }
    }
}
