//! A reference model of the bits:queue contract, written from the contract
//! (docs/contract.md) alone, so that agreeing with it means something: it
//! shares no code with the component's logic. Where the contract leaves a
//! choice open it follows the implementation's documented decisions (the
//! "This implementation" notes there).
//!
//! Since §8 the model also keeps its own clock (the test moves it and the
//! component's in step), every job's times, error and settings (§9), the
//! transfers one engine instance orders and the reports it receives (§10),
//! and the notifications its flags ask for (§12).

use std::collections::VecDeque;

use super::download_time::DownloadTime;

use bits_queue_host::{
    Action, Datetime, ErrorCode, FileInfo, FileMove, FileProgress, FileRef, Guid, JobError,
    JobErrorContext, JobPriority, JobState, JobTimes, JobType, NotifyEvent, Progress, QueueLimits,
    TransferFailure, TransferOrder, UploadPhase,
};

/// §9 defaults and bounds.
pub const DEFAULT_MINIMUM_RETRY_DELAY: u32 = 600;
pub const LEAST_MINIMUM_RETRY_DELAY: u32 = 5;
pub const DEFAULT_NO_PROGRESS_TIMEOUT: u32 = 1_209_600;
/// §12 flag bits: transferred, error, disable, modification.
pub const NOTIFY_TRANSFERRED: u32 = 0x1;
pub const NOTIFY_ERROR: u32 = 0x2;
pub const NOTIFY_DISABLE: u32 = 0x4;
pub const NOTIFY_MODIFICATION: u32 = 0x8;
pub const NOTIFY_DEFAULT: u32 = NOTIFY_TRANSFERRED | NOTIFY_ERROR;
/// §10: at most this many `notify` actions wait for a `poll`.
pub const MAX_PENDING_NOTICES: usize = 1024;

/// What a transfer has done to one file (§9 `get-file-progress`, §10).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModelFile {
    /// The size the most recent `report-connected` gave (an order repeats
    /// it), or, once done, the bytes that arrived: progress' `bytes-total`.
    pub size: Option<u64>,
    /// Bytes that have arrived (kept in the temporary file).
    pub bytes: u64,
    pub completed: bool,
    /// The validator the most recent `report-connected` gave.
    pub validator: Option<String>,
}

/// One job as the spec describes it (§4, §9).
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
    /// One entry per file, in file order.
    pub transfer: Vec<ModelFile>,
    pub times: JobTimes,
    /// The last error (§9); shown only in `error` and `transient-error`.
    pub error: Option<JobError>,
    pub minimum_retry_delay: u32,
    pub no_progress_timeout: u32,
    pub notify_flags: u32,
    /// When a job in `transient-error` is retried.
    pub retry_at: Option<Datetime>,
    /// The first transient error since bytes last arrived: the no-progress
    /// deadline runs from here (§10).
    pub stalled_since: Option<Datetime>,
    /// Just connected: one report may be lower (§17.3).
    pub may_lower: bool,
    /// When its last `start` was issued (scheduling ties), if ever.
    pub last_run: Option<Datetime>,
    /// Whether any transfer of the job ever started (§10 discard).
    pub ran: bool,
    /// An upload's phase (§14.2): `upload` until the server acknowledged
    /// every byte.
    pub phase: UploadPhase,
    /// The maximum download time and the time used (§16.2).
    pub download_time: DownloadTime,
}

impl ModelJob {
    /// The file transfers work on: the first that has not arrived (§10:
    /// files go one after another, in file order).
    pub fn current_file(&self) -> Option<usize> {
        self.transfer.iter().position(|f| !f.completed)
    }

    /// The file in flight: the current one while `connecting` or
    /// `transferring` (§10).
    pub fn in_flight(&self) -> Option<usize> {
        match self.state {
            JobState::Connecting | JobState::Transferring => self.current_file(),
            _ => None,
        }
    }

    /// §9: the deadline of a running no-progress timer.
    pub fn deadline(&self) -> Option<Datetime> {
        self.stalled_since
            .map(|since| since.plus_seconds(u64::from(self.no_progress_timeout)))
    }

    /// `get-error`: the last error, in `error` and `transient-error` only.
    pub fn visible_error(&self) -> Option<JobError> {
        match self.state {
            JobState::Error | JobState::TransientError => self.error.clone(),
            _ => None,
        }
    }

    /// `get-file-progress`.
    pub fn file_progress(&self) -> Vec<FileProgress> {
        self.transfer
            .iter()
            .map(|f| FileProgress {
                bytes_total: f.size.unwrap_or(Progress::SIZE_UNKNOWN),
                bytes_transferred: f.bytes,
                completed: f.completed,
            })
            .collect()
    }

    fn file_ref(&self, index: usize) -> FileRef {
        FileRef {
            job: self.id,
            file_index: index as u32,
        }
    }

    fn temporary_name(&self, index: usize) -> String {
        temporary_name(self.id, index as u32, &self.files[index].local_name)
    }
}

/// §10, this implementation: `BIT` + 8 upper-case hex digits of the 32-bit
/// FNV-1a hash of the GUID's 16 bytes (string order) and the file index (4
/// bytes, little-endian) + `.tmp`, in the local name's directory (up to and
/// including its last `/` or `\`).
pub fn temporary_name(job: Guid, file_index: u32, local_name: &str) -> String {
    let mut bytes = Vec::with_capacity(20);
    bytes.extend_from_slice(&job.data1.to_be_bytes());
    bytes.extend_from_slice(&job.data2.to_be_bytes());
    bytes.extend_from_slice(&job.data3.to_be_bytes());
    bytes.extend_from_slice(&job.data4);
    bytes.extend_from_slice(&file_index.to_le_bytes());
    let hash = bytes.iter().fold(0x811c_9dc5_u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let dir = match local_name.rfind(['/', '\\']) {
        Some(at) => &local_name[..=at],
        None => "",
    };
    format!("{dir}BIT{hash:08X}.tmp")
}

/// §10's failure table: the state it leads to (transient or not), the
/// HRESULT, the context and this implementation's description.
pub fn classify(failure: &TransferFailure) -> (bool, u32, JobErrorContext, String) {
    use JobErrorContext::{GeneralTransport, LocalFile, RemoteFile};
    match failure {
        TransferFailure::HttpStatus(n) => {
            // §15.10 amendment 1: 429 is transient.
            let fatal =
                matches!(n, 300..=305 | 307 | 400..=407 | 410..=428 | 430..=499 | 501 | 505);
            (
                !fatal,
                0x8019_0000 + u32::from(*n),
                RemoteFile,
                format!("the server answered HTTP {n}"),
            )
        }
        TransferFailure::ConnectFailed(text) => (
            true,
            0x8020_002D,
            GeneralTransport,
            format!("cannot connect: {text}"),
        ),
        TransferFailure::Interrupted(text) => (
            true,
            0x8020_002E,
            GeneralTransport,
            format!("the connection closed: {text}"),
        ),
        TransferFailure::RangeUnsupported => (
            false,
            0x8020_0013,
            RemoteFile,
            "the server cannot resume the file where it stopped".into(),
        ),
        TransferFailure::SizeUnknown => (
            false,
            0x8020_0011,
            RemoteFile,
            "the server gave no file size".into(),
        ),
        TransferFailure::RemoteMissing => (
            false,
            0x8007_0002,
            RemoteFile,
            "the remote file does not exist".into(),
        ),
        TransferFailure::LocalIo(text) => (
            false,
            0x8007_0005,
            LocalFile,
            format!("the local file: {text}"),
        ),
        TransferFailure::Unsupported(text) => (
            false,
            0x8000_4001,
            GeneralTransport,
            format!("not supported: {text}"),
        ),
    }
}

/// A transfer this engine instance ordered and has not seen end (§10
/// slots): its job, file, and the priority and slot status of its start.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Running {
    job: usize,
    file: usize,
    priority: JobPriority,
    background: bool,
}

/// The queue (§3): every job ever created, by index, and which are queued;
/// and one engine instance's view of it (§10).
#[derive(Clone, Debug)]
pub struct Model {
    jobs: Vec<ModelJob>,
    /// Indices of the queued jobs, in creation order.
    queued: Vec<usize>,
    limits: QueueLimits,
    /// The clock (the test moves it with the component's).
    now: Datetime,
    background_slots: u32,
    running: Vec<Running>,
    /// `stop`, `commit` and `discard` actions due from client calls.
    due: Vec<Action>,
    /// Pending `notify` actions, oldest first.
    notices: VecDeque<(Guid, NotifyEvent)>,
}

type Outcome<T = ()> = Result<T, ErrorCode>;

fn utf16_units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// §4: an http://, https:// or file:// URL (scheme in any case), at most
/// 2,200 units. Project decisions where the spec is silent: http(s) needs a
/// host (something before the first `/`, `?` or `#`), file needs something
/// after `://`, and no whitespace or control character may appear.
/// No user information either (§15.3).
pub fn valid_remote(url: &str) -> bool {
    if utf16_units(url) > 2200 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    // §15.3: no user information in the authority.
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    if authority.contains('@') {
        return false;
    }
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

/// Background priorities in the order §10 serves them (foreground first).
fn rank(priority: JobPriority) -> u8 {
    match priority {
        JobPriority::Foreground => 0,
        JobPriority::High => 1,
        JobPriority::Normal => 2,
        JobPriority::Low => 3,
    }
}

/// `at` moved on by `seconds` and `nanoseconds`, as a clock moves.
pub fn later(at: Datetime, seconds: u64, nanoseconds: u32) -> Datetime {
    let nanos = u64::from(at.nanoseconds) + u64::from(nanoseconds);
    Datetime {
        seconds: at.seconds + seconds + nanos / 1_000_000_000,
        nanoseconds: (nanos % 1_000_000_000) as u32,
    }
}

impl Model {
    /// A queue whose clock reads `now`.
    pub fn new(now: Datetime) -> Self {
        Model {
            jobs: Vec::new(),
            queued: Vec::new(),
            limits: QueueLimits::default(),
            now,
            background_slots: 1,
            running: Vec::new(),
            due: Vec::new(),
            notices: VecDeque::new(),
        }
    }

    /// The model's clock.
    pub fn now(&self) -> Datetime {
        self.now
    }

    /// Moves the clock on; nothing happens until the next `poll`.
    pub fn advance(&mut self, seconds: u64, nanoseconds: u32) {
        self.now = later(self.now, seconds, nanoseconds);
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
            transfer: Vec::new(),
            times: JobTimes {
                creation: self.now,
                modification: self.now,
                transfer_completion: None,
            },
            error: None,
            minimum_retry_delay: DEFAULT_MINIMUM_RETRY_DELAY,
            no_progress_timeout: DEFAULT_NO_PROGRESS_TIMEOUT,
            notify_flags: NOTIFY_DEFAULT,
            retry_at: None,
            stalled_since: None,
            may_lower: false,
            last_run: None,
            ran: false,
            phase: UploadPhase::Upload,
            download_time: DownloadTime::default(),
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

    /// The files in flight, in creation order of their jobs.
    pub fn in_flight(&self) -> Vec<FileRef> {
        self.queued
            .iter()
            .filter_map(|&i| {
                let job = &self.jobs[i];
                job.in_flight().map(|f| job.file_ref(f))
            })
            .collect()
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

    /// §12: queues `notify(job, event)` if the job's flags (read now) ask
    /// for it; a `modification` equal to the newest pending notice is
    /// dropped, and beyond the cap the oldest goes.
    fn notify(&mut self, index: usize, event: NotifyEvent) {
        let job = &self.jobs[index];
        let bit = match event {
            NotifyEvent::Transferred => NOTIFY_TRANSFERRED,
            NotifyEvent::Error => NOTIFY_ERROR,
            NotifyEvent::Modification => NOTIFY_MODIFICATION,
        };
        if job.notify_flags & NOTIFY_DISABLE != 0 || job.notify_flags & bit == 0 {
            return;
        }
        let notice = (job.id, event);
        if event == NotifyEvent::Modification && self.notices.back() == Some(&notice) {
            return;
        }
        if self.notices.len() == MAX_PENDING_NOTICES {
            self.notices.pop_front();
        }
        self.notices.push_back(notice);
    }

    /// §9: the job changed: stamp its modification time, and notify.
    fn modified(&mut self, index: usize) {
        self.jobs[index].times.modification = self.now;
        self.settle_download_time(index);
        self.notify(index, NotifyEvent::Modification);
    }

    /// §9: entering `error` (fatal failure or passed deadline).
    fn enter_error(&mut self, index: usize) {
        let job = &mut self.jobs[index];
        job.state = JobState::Error;
        job.retry_at = None;
        job.times.modification = self.now;
        self.settle_download_time(index);
        self.notify(index, NotifyEvent::Error);
        self.notify(index, NotifyEvent::Modification);
    }

    /// §16.2: the time used counts from entering `connecting` to leaving
    /// `transferring`.
    fn settle_download_time(&mut self, index: usize) {
        let job = &mut self.jobs[index];
        job.download_time.settle(job.state, self.now);
    }

    /// §5: a call that would change a job in a final state is refused first.
    fn changeable(&mut self, index: usize) -> Outcome<&mut ModelJob> {
        let job = &mut self.jobs[index];
        if job.state.is_final() {
            return Err(ErrorCode::InvalidState);
        }
        Ok(job)
    }

    /// Ends the transfer this instance runs for job `index`, if any: the
    /// host gets a `stop` (§10, due from a client call).
    fn stop_for_client(&mut self, index: usize) {
        if let Some(at) = self.running.iter().position(|r| r.job == index) {
            let r = self.running.remove(at);
            let file = self.jobs[index].file_ref(r.file);
            self.due.push(Action::Stop(file));
        }
    }

    /// Forgets the transfer of job `index` after a report ended it.
    fn release(&mut self, index: usize) {
        self.running.retain(|r| r.job != index);
    }

    pub fn set_display_name(&mut self, index: usize, name: &str) -> Outcome {
        let job = self.changeable(index)?;
        if utf16_units(name) > 256 {
            return Err(ErrorCode::StringTooLong);
        }
        job.display_name = name.to_owned();
        self.modified(index);
        Ok(())
    }

    pub fn set_description(&mut self, index: usize, text: &str) -> Outcome {
        let job = self.changeable(index)?;
        if utf16_units(text) > 1024 {
            return Err(ErrorCode::StringTooLong);
        }
        job.description = text.to_owned();
        self.modified(index);
        Ok(())
    }

    pub fn set_priority(&mut self, index: usize, priority: JobPriority) -> Outcome {
        self.changeable(index)?.priority = priority;
        self.modified(index);
        Ok(())
    }

    /// `set-minimum-retry-delay`: below 5 is stored as 5 (§9); it applies
    /// from the next failure.
    pub fn set_minimum_retry_delay(&mut self, index: usize, seconds: u32) -> Outcome {
        self.changeable(index)?.minimum_retry_delay = seconds.max(LEAST_MINIMUM_RETRY_DELAY);
        self.modified(index);
        Ok(())
    }

    /// `set-no-progress-timeout`: applies at once to a running deadline.
    pub fn set_no_progress_timeout(&mut self, index: usize, seconds: u32) -> Outcome {
        self.changeable(index)?.no_progress_timeout = seconds;
        self.modified(index);
        Ok(())
    }

    /// `set-notify-flags`: bits beyond 0xF are `invalid-argument`.
    pub fn set_notify_flags(&mut self, index: usize, value: u32) -> Outcome {
        let job = self.changeable(index)?;
        if value & !0xF != 0 {
            return Err(ErrorCode::InvalidArgument);
        }
        job.notify_flags = value;
        self.modified(index);
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
        if !files.is_empty() {
            let total = job.files.len() + files.len();
            if is_upload(job.job_type) && total > 1 {
                return Err(ErrorCode::TooManyFiles);
            }
            if total > max_files {
                return Err(ErrorCode::TooManyFilesInJob);
            }
            job.files.extend_from_slice(files);
            job.transfer
                .extend(files.iter().map(|_| ModelFile::default()));
            // This implementation: a transferred job has something to
            // transfer again.
            // (The component also forgets the completion time then; the
            // contract only says it is none before the job is transferred.)
            if job.state == JobState::Transferred {
                job.state = JobState::Queued;
                job.times.transfer_completion = None;
            }
        }
        self.modified(index);
        Ok(())
    }

    /// `get-progress`: the files' progress added up (§4, §9).
    pub fn progress(&self, index: usize) -> Progress {
        let job = &self.jobs[index];
        let sizes: Option<u64> = job.transfer.iter().map(|f| f.size).sum();
        Progress {
            bytes_total: if job.transfer.is_empty() {
                0
            } else {
                sizes.unwrap_or(Progress::SIZE_UNKNOWN)
            },
            bytes_transferred: job.transfer.iter().map(|f| f.bytes).sum(),
            files_total: job.files.len() as u32,
            files_transferred: job.transfer.iter().filter(|f| f.completed).count() as u32,
        }
    }

    pub fn suspend(&mut self, index: usize) -> Outcome {
        let job = self.changeable(index)?;
        job.state = JobState::Suspended;
        job.retry_at = None;
        job.stalled_since = None;
        self.stop_for_client(index);
        self.modified(index);
        Ok(())
    }

    pub fn resume(&mut self, index: usize) -> Outcome {
        let job = self.changeable(index)?;
        if job.current_file().is_none() {
            return Err(ErrorCode::Empty);
        }
        // §16.2: every successful resume starts the time used again.
        job.download_time.restart();
        if matches!(
            job.state,
            JobState::Suspended | JobState::Error | JobState::TransientError
        ) {
            job.state = JobState::Queued;
            job.retry_at = None;
            job.stalled_since = None;
            // "resume clears the error" (§9), read as: when it takes the job
            // out of `error`, `transient-error` or `suspended`. A resume that
            // leaves a retried job `queued` or `connecting` keeps the last
            // failure, which a passed deadline shows again (the component's
            // reading; the contract says no more).
            job.error = None;
        }
        self.modified(index);
        Ok(())
    }

    pub fn cancel(&mut self, index: usize) -> Outcome {
        self.changeable(index)?;
        self.stop_for_client(index);
        let job = &mut self.jobs[index];
        job.state = JobState::Cancelled;
        job.retry_at = None;
        job.stalled_since = None;
        // This implementation: only files a transfer reached.
        let mut reached: Vec<String> = (0..job.files.len())
            .filter(|&f| job.transfer[f].completed || (job.ran && job.current_file() == Some(f)))
            .map(|f| job.temporary_name(f))
            .collect();
        // §14.6: upload-reply's reply temporary file, once the reply phase
        // began: `BIT…tmp` beside the generated reply file (the job's
        // GUID and `.reply` in the upload file's directory).
        if job.job_type == JobType::UploadReply && job.phase != UploadPhase::Upload {
            let local = &job.files[0].local_name;
            let directory = &local[..local.rfind(['/', '\\']).map_or(0, |at| at + 1)];
            let reply = format!("{directory}{}.reply", job.id);
            reached.push(temporary_name(job.id, 1, &reply));
        }
        if !reached.is_empty() {
            self.due.push(Action::Discard(reached));
        }
        self.queued.retain(|&i| i != index);
        self.modified(index);
        Ok(())
    }

    pub fn complete(&mut self, index: usize) -> Outcome {
        let job = self.changeable(index)?;
        if is_upload(job.job_type) && job.state != JobState::Transferred {
            return Err(ErrorCode::InvalidState);
        }
        self.stop_for_client(index);
        let job = &mut self.jobs[index];
        job.state = JobState::Acknowledged;
        job.retry_at = None;
        job.stalled_since = None;
        if !is_upload(job.job_type) {
            let moves: Vec<FileMove> = (0..job.files.len())
                .filter(|&f| job.transfer[f].completed)
                .map(|f| FileMove {
                    temporary_name: job.temporary_name(f),
                    local_name: job.files[f].local_name.clone(),
                })
                .collect();
            let rest: Vec<String> = job
                .current_file()
                .filter(|_| job.ran)
                .map(|f| job.temporary_name(f))
                .into_iter()
                .collect();
            if !moves.is_empty() {
                self.due.push(Action::Commit(moves));
            }
            if !rest.is_empty() {
                self.due.push(Action::Discard(rest));
            }
        }
        self.queued.retain(|&i| i != index);
        self.modified(index);
        Ok(())
    }

    // ---- the engine (§10) ----

    pub fn set_background_slots(&mut self, slots: u32) -> Outcome {
        if slots == 0 {
            return Err(ErrorCode::InvalidArgument);
        }
        self.background_slots = slots;
        Ok(())
    }

    /// `take-file-actions`: the pending `commit` and `discard` actions.
    pub fn take_file_actions(&mut self) -> Vec<Action> {
        let (files, rest) = std::mem::take(&mut self.due)
            .into_iter()
            .partition(|a| matches!(a, Action::Commit(_) | Action::Discard(_)));
        self.due = rest;
        files
    }

    /// `next-wake`: the soonest retry or no-progress deadline of a job that
    /// waits for the clock.
    pub fn next_wake(&self) -> Option<Datetime> {
        self.queued
            .iter()
            .flat_map(|&i| {
                let job = &self.jobs[i];
                let retry = (job.state == JobState::TransientError)
                    .then_some(job.retry_at)
                    .flatten();
                let deadline = matches!(
                    job.state,
                    JobState::TransientError | JobState::Queued | JobState::Connecting
                )
                .then(|| job.deadline())
                .flatten();
                let spent = job
                    .download_time
                    .deadline(job.state, job.times.modification);
                [retry, deadline, spent]
            })
            .flatten()
            .min()
    }

    /// `poll`: this implementation's order (§10). Where the contract
    /// leaves the choice open (which of several equally low transfers a
    /// pre-emption stops) the model takes the one whose `stop` is in
    /// `stopped` (the component's answer), if it may; the rest of the answer
    /// must still be exactly the model's.
    pub fn poll(&mut self, stopped: &[Action]) -> Vec<Action> {
        let mut out = std::mem::take(&mut self.due);
        let now = self.now;
        // The clock, job by job: a passed deadline puts it in `error`, else
        // a due retry queues it again.
        for i in self.queued.clone() {
            let job = &mut self.jobs[i];
            let watched = matches!(
                job.state,
                JobState::TransientError | JobState::Queued | JobState::Connecting
            );
            if job.download_time.spent(job.state, now) {
                // §16.2: BG_E_MAXDOWNLOAD_TIMEOUT, naming the current file.
                job.error = Some(JobError {
                    context: JobErrorContext::GeneralQueueManager,
                    hresult: 0x8020_0054,
                    file_index: job.current_file().map(|f| f as u32),
                    description: "the job used up its maximum download time".into(),
                });
                job.stalled_since = None;
                self.enter_error(i);
            } else if watched && job.deadline().is_some_and(|at| at <= now) {
                job.stalled_since = None;
                self.enter_error(i);
            } else if job.state == JobState::TransientError
                && job.retry_at.is_some_and(|at| at <= now)
            {
                job.state = JobState::Queued;
                job.retry_at = None;
                self.modified(i);
            }
        }
        // Transfers whose job no longer transfers their file.
        let mut kept = Vec::new();
        for r in std::mem::take(&mut self.running) {
            if self.jobs[r.job].in_flight() == Some(r.file) {
                kept.push(r);
            } else {
                out.push(Action::Stop(self.jobs[r.job].file_ref(r.file)));
            }
        }
        self.running = kept;
        // Foreground jobs, in creation order.
        for i in self.queued.clone() {
            let job = &self.jobs[i];
            if job.state == JobState::Queued
                && job.priority == JobPriority::Foreground
                && job.current_file().is_some()
            {
                out.push(self.start(i, false));
            }
        }
        // Background jobs, in rank order, pre-empting lower priorities.
        let mut preempted = Vec::new();
        loop {
            let best = self
                .queued
                .iter()
                .copied()
                .filter(|&i| {
                    let job = &self.jobs[i];
                    job.state == JobState::Queued
                        && job.priority != JobPriority::Foreground
                        && job.current_file().is_some()
                        && !preempted.contains(&i)
                })
                // Priority; then the oldest last run, never ran first; then
                // the older job (runs at one instant tie).
                .min_by_key(|&i| {
                    let job = &self.jobs[i];
                    (rank(job.priority), job.last_run.is_some(), job.last_run, i)
                });
            let Some(best) = best else { break };
            let busy = self.running.iter().filter(|r| r.background).count();
            if (busy as u64) < u64::from(self.background_slots) {
                out.push(self.start(best, true));
                continue;
            }
            // The lowest-priority background transfer; among several of
            // that priority the contract names none, so any may go: the
            // one `stopped` names, if it is among them.
            let lowest = self
                .running
                .iter()
                .filter(|r| r.background)
                .map(|r| rank(r.priority))
                .max();
            let victims: Vec<usize> = (0..self.running.len())
                .filter(|&at| {
                    let r = &self.running[at];
                    r.background && Some(rank(r.priority)) == lowest
                })
                .collect();
            let lowest = victims
                .iter()
                .copied()
                .find(|&at| {
                    let r = &self.running[at];
                    stopped.contains(&Action::Stop(self.jobs[r.job].file_ref(r.file)))
                })
                .or(victims.last().copied())
                .map(|at| (at, self.running[at].clone()));
            // Pre-emption: the waiting job takes the place of the lowest
            // running one, if that ranks strictly lower.
            match lowest {
                Some((at, r)) if rank(r.priority) > rank(self.jobs[best].priority) => {
                    self.running.remove(at);
                    out.push(Action::Stop(self.jobs[r.job].file_ref(r.file)));
                    self.jobs[r.job].state = JobState::Queued;
                    self.modified(r.job);
                    preempted.push(r.job);
                    out.push(self.start(best, true));
                }
                _ => break,
            }
        }
        out.extend(
            self.notices
                .drain(..)
                .map(|(job, event)| Action::Notify(job, event)),
        );
        out
    }

    /// Issues the `start` for job `index`'s current file.
    fn start(&mut self, index: usize, background: bool) -> Action {
        let job = &mut self.jobs[index];
        let file = job.current_file().expect("a file left");
        job.state = JobState::Connecting;
        job.may_lower = false;
        job.ran = true;
        job.last_run = Some(self.now);
        self.running.push(Running {
            job: index,
            file,
            priority: job.priority,
            background,
        });
        let order = TransferOrder {
            file: job.file_ref(file),
            job_type: job.job_type,
            remote_name: job.files[file].remote_name.clone(),
            local_name: job.files[file].local_name.clone(),
            temporary_name: job.temporary_name(file),
            offset: job.transfer[file].bytes,
            size: job.transfer[file].size,
            validator: job.transfer[file].validator.clone(),
        };
        self.modified(index);
        Action::Start(order)
    }

    /// The job and file a report names, if that file is in flight.
    fn reported(&self, file: FileRef) -> Outcome<(usize, usize)> {
        let index = self.get_job(file.job)?;
        match self.jobs[index].in_flight() {
            Some(f) if f as u64 == u64::from(file.file_index) => Ok((index, f)),
            _ => Err(ErrorCode::InvalidState),
        }
    }

    pub fn report_connected(
        &mut self,
        file: FileRef,
        size: Option<u64>,
        validator: Option<&str>,
    ) -> Outcome {
        let (index, f) = self.reported(file)?;
        if is_upload(self.jobs[index].job_type) {
            return self.upload_connected(index, f, size, validator);
        }
        let job = &mut self.jobs[index];
        let entry = &mut job.transfer[f];
        let validator_changed =
            entry.validator.is_some() && entry.validator.as_deref() != validator;
        let size_changed = matches!((entry.size, size), (Some(old), Some(new)) if old != new);
        if validator_changed || size_changed {
            entry.bytes = 0;
        }
        // The size is what the most recent report-connected said (§10: an
        // order repeats it, leaving it out when that report did).
        entry.size = size;
        entry.validator = validator.map(str::to_owned);
        job.state = JobState::Transferring;
        job.may_lower = true;
        self.modified(index);
        Ok(())
    }

    /// §14.2: an upload's snapshot: a size and an `mtime:` validator; in
    /// phase `upload` a snapshot that differs from the known one is fatal.
    fn upload_connected(
        &mut self,
        index: usize,
        f: usize,
        size: Option<u64>,
        validator: Option<&str>,
    ) -> Outcome {
        let (Some(size), Some(validator)) = (size, validator) else {
            return Err(ErrorCode::InvalidArgument);
        };
        let digits = validator.strip_prefix("mtime:");
        if !digits.is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())) {
            return Err(ErrorCode::InvalidArgument);
        }
        let job = &mut self.jobs[index];
        job.state = JobState::Transferring;
        if job.phase == UploadPhase::Upload {
            let entry = &mut job.transfer[f];
            let known = entry.size.is_some() || entry.validator.is_some();
            if known && (entry.size != Some(size) || entry.validator.as_deref() != Some(validator))
            {
                job.error = Some(JobError {
                    context: JobErrorContext::LocalFile,
                    hresult: 0x8020_001D,
                    file_index: Some(0),
                    description: "the local file changed during the upload".into(),
                });
                job.stalled_since = None;
                // The transfer stays in flight until the next poll stops it.
                self.enter_error(index);
                return Ok(());
            }
            if entry.bytes > size {
                return Err(ErrorCode::InvalidArgument);
            }
            entry.size = Some(size);
            entry.validator = Some(validator.to_owned());
        }
        self.modified(index);
        Ok(())
    }

    /// §14.2, §14.9: an upload's progress is the server's offset, which may
    /// go down; reaching the size ends phase `upload`.
    fn upload_progress(&mut self, index: usize, f: usize, offset: u64) -> Outcome {
        let job = &mut self.jobs[index];
        if job.phase != UploadPhase::Upload {
            return Err(ErrorCode::InvalidState);
        }
        let entry = &mut job.transfer[f];
        if entry.size.is_none_or(|size| offset > size) {
            return Err(ErrorCode::InvalidArgument);
        }
        let changed = offset != entry.bytes;
        if offset > entry.bytes {
            job.stalled_since = None;
        }
        entry.bytes = offset;
        if entry.size == Some(offset) {
            job.phase = if job.job_type == JobType::UploadReply {
                UploadPhase::Reply
            } else {
                UploadPhase::Close
            };
        } else if !changed {
            return Ok(());
        }
        self.modified(index);
        Ok(())
    }

    pub fn report_progress(&mut self, file: FileRef, bytes: u64) -> Outcome {
        let (index, f) = self.reported(file)?;
        if is_upload(self.jobs[index].job_type) {
            return self.upload_progress(index, f, bytes);
        }
        let job = &mut self.jobs[index];
        let may_lower = std::mem::take(&mut job.may_lower);
        let entry = &mut job.transfer[f];
        // §17.3: right after report-connected, once, the bytes the
        // temporary file holds, fewer than counted; not progress.
        if may_lower && bytes < entry.bytes {
            entry.bytes = bytes;
            self.modified(index);
            return Ok(());
        }
        if bytes < entry.bytes || entry.size.is_some_and(|size| bytes > size) {
            return Err(ErrorCode::InvalidArgument);
        }
        // This implementation: a report that brings no new byte changes
        // nothing and stamps no modification time.
        if bytes == entry.bytes {
            return Ok(());
        }
        // Bytes flow: the job is transferring (Windows' meaning of the
        // state; the contract names only report-connected).
        entry.bytes = bytes;
        job.state = JobState::Transferring;
        job.stalled_since = None;
        self.modified(index);
        Ok(())
    }

    pub fn report_done(&mut self, file: FileRef) -> Outcome {
        let (index, f) = self.reported(file)?;
        // §14.7: an upload is done only after Close-Session, in `close`.
        if is_upload(self.jobs[index].job_type) && self.jobs[index].phase != UploadPhase::Close {
            return Err(ErrorCode::InvalidState);
        }
        self.release(index);
        let now = self.now;
        let job = &mut self.jobs[index];
        let entry = &mut job.transfer[f];
        match entry.size {
            None => entry.size = Some(entry.bytes),
            Some(size) => entry.bytes = size,
        }
        entry.completed = true;
        // The no-progress deadline runs on: "arriving bytes, and nothing
        // else, reset the no-progress timer" (§10).
        if job.current_file().is_some() {
            job.state = JobState::Queued;
            self.modified(index);
        } else {
            job.state = JobState::Transferred;
            job.times.transfer_completion = Some(now);
            job.times.modification = now;
            self.settle_download_time(index);
            self.notify(index, NotifyEvent::Transferred);
            self.notify(index, NotifyEvent::Modification);
        }
        Ok(())
    }

    pub fn report_failure(&mut self, file: FileRef, failure: &TransferFailure) -> Outcome {
        let (index, f) = self.reported(file)?;
        self.release(index);
        let now = self.now;
        let (transient, hresult, mut context, description) = classify(failure);
        let job = &mut self.jobs[index];
        // §14.5: in upload-reply's phase `reply`, the server's answers are
        // the server application's.
        if matches!(failure, TransferFailure::HttpStatus(_)) && job.phase == UploadPhase::Reply {
            context = JobErrorContext::RemoteApplication;
        }
        job.error = Some(JobError {
            context,
            hresult,
            file_index: Some(f as u32),
            description,
        });
        if transient {
            let since = *job.stalled_since.get_or_insert(now);
            let fatal = job.no_progress_timeout == 0
                || job.no_progress_timeout < job.minimum_retry_delay
                || since.plus_seconds(u64::from(job.no_progress_timeout)) <= now;
            if !fatal {
                job.state = JobState::TransientError;
                job.retry_at = Some(now.plus_seconds(u64::from(job.minimum_retry_delay)));
                self.modified(index);
                return Ok(());
            }
            job.stalled_since = None;
        }
        self.enter_error(index);
        Ok(())
    }

    pub fn report_lost(&mut self, file: FileRef) -> Outcome {
        let (index, _) = self.reported(file)?;
        self.release(index);
        let job = &mut self.jobs[index];
        // "Without an error": the state shows none; the last failure stays
        // the last error, should a deadline put the job in `error` (§9).
        job.state = JobState::Queued;
        self.modified(index);
        Ok(())
    }
}
