//! A reference model of the bits:queue contract, written from the contract
//! (docs/contract.md) alone, so that agreeing with it means something: it
//! shares no code with the component's logic. Where the contract leaves a
//! choice open it follows the implementation's documented decisions (the
//! "This implementation" notes there).

use bits_queue_host::QueueLimits;
use bits_queue_host::{ErrorCode, FileInfo, Guid, JobPriority, JobState, JobType, Progress};

/// One job as the spec describes it (§4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelJob {
    /// The GUID the component issued (the model cannot predict randomness).
    pub id: Guid,
    pub job_type: JobType,
    pub state: JobState,
    pub display_name: String,
    pub description: String,
    pub priority: JobPriority,
    pub files: Vec<FileInfo>,
}

/// The queue (§3): every job ever created, by index, and which are queued.
#[derive(Clone, Debug, Default)]
pub struct Model {
    jobs: Vec<ModelJob>,
    /// Indices of the queued jobs, in creation order.
    queued: Vec<usize>,
    limits: QueueLimits,
}

type Outcome<T = ()> = Result<T, ErrorCode>;

fn utf16_units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// §4: an http://, https:// or file:// URL (scheme in any case), at most
/// 2,200 units. Project decisions where the spec is silent: http(s) needs a
/// host (something before the first `/`, `?` or `#`), file needs something
/// after `://`, and no whitespace or control character may appear.
pub fn valid_remote(url: &str) -> bool {
    if utf16_units(url) > 2200 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    match scheme.to_ascii_lowercase().as_str() {
        "http" | "https" => !rest.starts_with(['/', '?', '#']) && !rest.is_empty(),
        "file" => !rest.is_empty(),
        _ => false,
    }
}

/// §4: absolute (`/…`, `C:\…` or `C:/…`), at most 260 units, no `*` or `?`.
/// Project decision: no control characters below U+0020 either.
pub fn valid_local(path: &str) -> bool {
    let mut chars = path.chars();
    let absolute = match (chars.next(), chars.next(), chars.next()) {
        (Some('/'), _, _) => true,
        (Some(drive), Some(':'), Some('\\' | '/')) => drive.is_ascii_alphabetic(),
        _ => false,
    };
    absolute && utf16_units(path) <= 260 && !path.chars().any(|c| c == '*' || c == '?' || c < ' ')
}

fn is_upload(job_type: JobType) -> bool {
    job_type != JobType::Download
}

impl Model {
    pub fn new() -> Self {
        Model::default()
    }

    /// `create-job`: the job's index, once the component's GUID is known.
    pub fn create_job(&mut self, name: &str, job_type: JobType) -> Outcome<usize> {
        if utf16_units(name) > 256 {
            return Err(ErrorCode::InvalidArgument);
        }
        if self.queued.len() >= self.limits.max_jobs as usize {
            return Err(ErrorCode::TooManyJobs);
        }
        self.jobs.push(ModelJob {
            id: Guid::NIL,
            job_type,
            state: JobState::Suspended,
            display_name: name.to_owned(),
            description: String::new(),
            priority: JobPriority::Normal,
            files: Vec::new(),
        });
        let index = self.jobs.len() - 1;
        self.queued.push(index);
        Ok(index)
    }

    /// Records the GUID the component gave job `index`; refuses one that is
    /// not version 4 with the RFC 9562 variant, or clashes with a queued job.
    pub fn assign_id(&mut self, index: usize, id: Guid) -> Result<(), String> {
        if id.version() != 4 || id.data4[0] & 0xC0 != 0x80 {
            return Err(format!("GUID {id} is not an RFC 9562 version-4 UUID"));
        }
        if self
            .queued
            .iter()
            .any(|&i| i != index && self.jobs[i].id == id)
        {
            return Err(format!("GUID {id} was issued twice"));
        }
        self.jobs[index].id = id;
        Ok(())
    }

    /// `get-job`: the queued job with `id`.
    pub fn get_job(&self, id: Guid) -> Outcome<usize> {
        self.queued
            .iter()
            .copied()
            .find(|&i| self.jobs[i].id == id)
            .ok_or(ErrorCode::NotFound)
    }

    /// `enum-jobs`: the queued jobs in creation order.
    pub fn enum_jobs(&self) -> &[usize] {
        &self.queued
    }

    pub fn job(&self, index: usize) -> &ModelJob {
        &self.jobs[index]
    }

    /// Every job ever created, by index.
    pub fn all_jobs(&self) -> &[ModelJob] {
        &self.jobs
    }

    pub fn set_limits(&mut self, limits: QueueLimits) -> Outcome {
        if limits.max_jobs == 0 || limits.max_files_per_job == 0 {
            return Err(ErrorCode::InvalidArgument);
        }
        self.limits = limits;
        Ok(())
    }

    pub fn limits(&self) -> QueueLimits {
        self.limits
    }

    /// §5: a call that would change a job in a final state is refused first.
    fn changeable(&mut self, index: usize) -> Outcome<&mut ModelJob> {
        let job = &mut self.jobs[index];
        if job.state.is_final() {
            return Err(ErrorCode::InvalidState);
        }
        Ok(job)
    }

    pub fn set_display_name(&mut self, index: usize, name: &str) -> Outcome {
        let job = self.changeable(index)?;
        if utf16_units(name) > 256 {
            return Err(ErrorCode::StringTooLong);
        }
        job.display_name = name.to_owned();
        Ok(())
    }

    pub fn set_description(&mut self, index: usize, text: &str) -> Outcome {
        let job = self.changeable(index)?;
        if utf16_units(text) > 1024 {
            return Err(ErrorCode::StringTooLong);
        }
        job.description = text.to_owned();
        Ok(())
    }

    pub fn set_priority(&mut self, index: usize, priority: JobPriority) -> Outcome {
        self.changeable(index)?.priority = priority;
        Ok(())
    }

    /// `add-file-set` (and `add-file`, a set of one): all or nothing.
    pub fn add_files(&mut self, index: usize, files: &[FileInfo]) -> Outcome {
        let max_files = self.limits.max_files_per_job as usize;
        let job = self.changeable(index)?;
        if !files
            .iter()
            .all(|f| valid_remote(&f.remote_name) && valid_local(&f.local_name))
        {
            return Err(ErrorCode::InvalidArgument);
        }
        if files.is_empty() {
            return Ok(());
        }
        let total = job.files.len() + files.len();
        if is_upload(job.job_type) && total > 1 {
            return Err(ErrorCode::TooManyFiles);
        }
        if total > max_files {
            return Err(ErrorCode::TooManyFilesInJob);
        }
        job.files.extend_from_slice(files);
        Ok(())
    }

    /// `get-progress`: no file ever arrives in a sandbox without network,
    /// so every added file is still to come and of unknown size.
    pub fn progress(&self, index: usize) -> Progress {
        let files = self.jobs[index].files.len();
        Progress {
            bytes_total: if files == 0 {
                0
            } else {
                Progress::SIZE_UNKNOWN
            },
            bytes_transferred: 0,
            files_total: files as u32,
            files_transferred: 0,
        }
    }

    pub fn suspend(&mut self, index: usize) -> Outcome {
        self.changeable(index)?.state = JobState::Suspended;
        Ok(())
    }

    pub fn resume(&mut self, index: usize) -> Outcome {
        let job = self.changeable(index)?;
        if job.files.is_empty() {
            return Err(ErrorCode::Empty);
        }
        if matches!(
            job.state,
            JobState::Suspended | JobState::Error | JobState::TransientError
        ) {
            job.state = JobState::Queued;
        }
        Ok(())
    }

    pub fn cancel(&mut self, index: usize) -> Outcome {
        self.changeable(index)?.state = JobState::Cancelled;
        self.queued.retain(|&i| i != index);
        Ok(())
    }

    pub fn complete(&mut self, index: usize) -> Outcome {
        let job = self.changeable(index)?;
        if is_upload(job.job_type) && job.state != JobState::Transferred {
            return Err(ErrorCode::InvalidState);
        }
        job.state = JobState::Acknowledged;
        self.queued.retain(|&i| i != index);
        Ok(())
    }
}
