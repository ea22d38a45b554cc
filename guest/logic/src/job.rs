//! One job (contract §4, §5, §9, §10): its properties, its files, its
//! settings, its times and error, and its state machine, including the
//! transfer side the engine drives.
//!
//! A [`Job`] knows nothing of the queue it sits in, nor of the clock:
//! leaving the queue, reading the queue's limits, stamping the modification
//! time and giving notifications are [`crate::queue`]'s and
//! [`crate::engine`]'s business, and the time comes in as an argument. Every
//! method that can fail checks everything first and changes nothing unless
//! it succeeds.

use alloc::string::String;
use alloc::vec::Vec;

use bits_queue_contract::limits::{
    DEFAULT_MINIMUM_RETRY_DELAY, DEFAULT_NO_PROGRESS_TIMEOUT, LEAST_MINIMUM_RETRY_DELAY,
};
use bits_queue_contract::{
    Datetime, ErrorCode, FailureDetail, FileInfo, FileMove, FileProgress, Guid, JobError,
    JobErrorContext, JobPriority, JobState, JobTimes, JobType, Progress, TransferFailure,
    UploadPhase, notify_flags,
};

use crate::failure::{self, Classified};
use crate::upload::UploadState;
use crate::validate;

/// `BG_SIZE_UNKNOWN`: the `bytes-total` of a job with a file of unknown size.
pub const BG_SIZE_UNKNOWN: u64 = Progress::SIZE_UNKNOWN;

/// A file and what its transfers have learnt about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileEntry {
    pub(crate) info: FileInfo,
    /// The size the server last reported; `None` until one did.
    pub(crate) size: Option<u64>,
    /// Bytes in the temporary file, kept across transfers.
    pub(crate) transferred: u64,
    /// Whether the whole file has arrived.
    pub(crate) completed: bool,
    /// The ETag (else Last-Modified) the server last reported.
    pub(crate) validator: Option<String>,
    /// A redirect report moved the remote name to another origin than the
    /// one a client gave (contract §15.4): its orders carry no server
    /// credentials and no custom headers until a client names it again.
    pub(crate) foreign_origin: bool,
    /// The byte ranges of the remote file to fetch, in the order given
    /// (contract §16.4); empty: the whole file. A ranged file's `size` is
    /// its packed size, and `transferred` counts packed bytes.
    pub(crate) ranges: Vec<bits_queue_contract::FileRange>,
    /// A ranged file's remote size, as the server last reported it (what
    /// its orders carry); `None` for a whole file, whose `size` is that.
    pub(crate) remote_size: Option<u64>,
    /// Whether the client said the completed file is valid (§16.6).
    pub(crate) valid: bool,
}

impl FileEntry {
    fn new(info: FileInfo) -> FileEntry {
        FileEntry {
            info,
            size: None,
            transferred: 0,
            completed: false,
            validator: None,
            foreign_origin: false,
            ranges: Vec::new(),
            remote_size: None,
            valid: false,
        }
    }

    /// Whether only ranges of the remote file are fetched (§16.4).
    pub(crate) fn is_ranged(&self) -> bool {
        !self.ranges.is_empty()
    }
}

/// One job: identity, properties, files, settings, times and state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub(crate) id: Guid,
    pub(crate) job_type: JobType,
    pub(crate) state: JobState,
    pub(crate) display_name: String,
    pub(crate) description: String,
    pub(crate) priority: JobPriority,
    pub(crate) files: Vec<FileEntry>,
    /// How many files are completed.
    pub(crate) files_transferred: usize,
    /// The first file not completed: the one a transfer works on. Files
    /// transfer in order (BITS is first in, first out), so every file
    /// before it is completed; a file found invalid (§16.6) is fetched
    /// again before the ones after it, which stay completed.
    pub(crate) next_file: usize,
    pub(crate) times: JobTimes,
    /// The last error, kept while the job is in `error` or
    /// `transient-error` (and while a retry is on its way, so that a
    /// no-progress timeout can report it).
    pub(crate) error: Option<JobError>,
    pub(crate) minimum_retry_delay: u32,
    pub(crate) no_progress_timeout: u32,
    pub(crate) notify_flags: u32,
    /// When a `transient-error` job is queued again.
    pub(crate) retry_at: Option<Datetime>,
    /// The first transient error since bytes last arrived: the no-progress
    /// deadline runs from here.
    pub(crate) stalled_since: Option<Datetime>,
    /// When a transfer of this job last started: scheduling runs the least
    /// recently run first.
    pub(crate) last_run: Option<Datetime>,
    /// Whether a `resume` ever succeeded (contract §14.1): some settings
    /// are fixed from then on.
    pub(crate) resumed: bool,
    /// An upload job's session, phase and reply (contract §14).
    pub(crate) upload: UploadState,
    /// A download just reported `report-connected`: its host may report
    /// fewer bytes than counted, once (contract §17.3: a temporary file
    /// that lost bytes, or was deleted, holds less).
    pub(crate) may_lower: AttemptFlag,
    /// Custom headers and credential slots (contract §15); no secret.
    pub(crate) http: crate::http::HttpState,
    /// Security flags and the client certificate (contract §15.4–§15.5).
    pub(crate) trust: crate::trust::TrustState,
    /// The notify program (contract §16.1).
    pub(crate) notify_cmd: Option<bits_queue_contract::NotifyCmdLine>,
    /// Its run, while one is due or running.
    pub(crate) notify_run: Option<crate::notify::NotifyRun>,
    /// The maximum download time and size, the time used, the error count
    /// and dynamic content (contract §16.2, §16.3, §16.7, §16.8).
    pub(crate) limits: crate::download_limits::DownloadLimits,
}

/// A flag of the attempt in flight: not journaled (it lasts one report of
/// one attempt), so a job restored from its records equals the job it was
/// taken from whatever the flag says.
#[derive(Clone, Copy, Debug, Default, Eq)]
pub(crate) struct AttemptFlag(pub(crate) bool);

impl PartialEq for AttemptFlag {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Job {
    /// A new job as `create-job` makes it at `now`: suspended, empty
    /// description, normal priority, no files, default settings. The caller
    /// has checked `display_name`.
    pub(crate) fn new(id: Guid, job_type: JobType, display_name: String, now: Datetime) -> Job {
        Job {
            id,
            job_type,
            state: JobState::Suspended,
            display_name,
            description: String::new(),
            priority: JobPriority::Normal,
            files: Vec::new(),
            files_transferred: 0,
            next_file: 0,
            times: JobTimes {
                creation: now,
                modification: now,
                transfer_completion: None,
            },
            error: None,
            minimum_retry_delay: DEFAULT_MINIMUM_RETRY_DELAY,
            no_progress_timeout: DEFAULT_NO_PROGRESS_TIMEOUT,
            notify_flags: notify_flags::DEFAULT,
            retry_at: None,
            stalled_since: None,
            last_run: None,
            resumed: false,
            upload: UploadState::default(),
            may_lower: AttemptFlag(false),
            http: crate::http::HttpState::default(),
            trust: crate::trust::TrustState::default(),
            notify_cmd: None,
            notify_run: None,
            limits: crate::download_limits::DownloadLimits::default(),
        }
    }

    /// The GUID `create-job` gave the job.
    pub fn id(&self) -> Guid {
        self.id
    }

    /// The type given at creation.
    pub fn job_type(&self) -> JobType {
        self.job_type
    }

    /// The current state.
    pub fn state(&self) -> JobState {
        self.state
    }

    /// The display name.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// The description.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The priority.
    pub fn priority(&self) -> JobPriority {
        self.priority
    }

    /// The files in the order they were added.
    pub fn files(&self) -> impl ExactSizeIterator<Item = &FileInfo> {
        self.files.iter().map(|entry| &entry.info)
    }

    /// How many files the job holds.
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// Bytes and files added and arrived (contract §4, §9): `bytes-total`
    /// is 0 with no files, [`BG_SIZE_UNKNOWN`] while any file's size is
    /// unknown, else the sum of the sizes; `bytes-transferred` counts what
    /// the temporary files hold.
    pub fn progress(&self) -> Progress {
        let bytes_total = self
            .files
            .iter()
            .try_fold(0u64, |sum, file| Some(sum.saturating_add(file.size?)))
            .unwrap_or(BG_SIZE_UNKNOWN);
        let bytes_transferred = self
            .files
            .iter()
            .fold(0u64, |sum, file| sum.saturating_add(file.transferred));
        Progress {
            bytes_total,
            bytes_transferred,
            // The limit on files is a u32, so these fit; saturate regardless.
            files_total: saturate_u32(self.files.len()),
            files_transferred: saturate_u32(self.files_transferred),
        }
    }

    /// Each file's progress, in order (contract §9).
    pub fn file_progress(&self) -> Vec<FileProgress> {
        self.files
            .iter()
            .map(|file| FileProgress {
                bytes_total: file.size.unwrap_or(BG_SIZE_UNKNOWN),
                bytes_transferred: file.transferred,
                completed: file.completed,
            })
            .collect()
    }

    /// Creation, last modification and transfer completion.
    pub fn times(&self) -> JobTimes {
        self.times
    }

    /// The last error while the job is in `error` or `transient-error`;
    /// `None` in every other state (contract §9).
    pub fn error(&self) -> Option<&JobError> {
        match self.state {
            JobState::Error | JobState::TransientError => self.error.as_ref(),
            _ => None,
        }
    }

    /// Seconds to wait after a transient error before retrying.
    pub fn minimum_retry_delay(&self) -> u32 {
        self.minimum_retry_delay
    }

    /// Seconds without progress, from the first transient error, before
    /// the job is in `error`.
    pub fn no_progress_timeout(&self) -> u32 {
        self.no_progress_timeout
    }

    /// The notify flags.
    pub fn notify_flags(&self) -> u32 {
        self.notify_flags
    }

    /// When the job last changed; see [`Job::touch`].
    pub(crate) fn touch(&mut self, now: Datetime) {
        self.times.modification = now;
        // Every change is stamped: a notify run whose state the job left
        // goes with it (contract §16.1), and the time used counts from
        // entering `connecting` to leaving `transferring` (§16.2).
        self.settle_notify_run();
        self.settle_download_clock(now);
    }

    /// `invalid-state` in a final state: every change checks this first.
    pub(crate) fn check_not_final(&self) -> Result<(), ErrorCode> {
        if self.state.is_final() {
            Err(ErrorCode::InvalidState)
        } else {
            Ok(())
        }
    }

    /// Sets the display name: at most 256 UTF-16 units, else
    /// `string-too-long`.
    pub fn set_display_name(&mut self, name: impl Into<String>) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        let name = name.into();
        validate::display_name(&name)?;
        self.display_name = name;
        Ok(())
    }

    /// Sets the description: at most 1,024 UTF-16 units, else
    /// `string-too-long`.
    pub fn set_description(&mut self, description: impl Into<String>) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        let description = description.into();
        validate::description(&description)?;
        self.description = description;
        Ok(())
    }

    /// Sets the priority.
    pub fn set_priority(&mut self, priority: JobPriority) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        // A custom method keeps the job in the foreground (§15.10 item 3).
        if self.has_custom_method() && priority != JobPriority::Foreground {
            return Err(ErrorCode::InvalidState);
        }
        self.priority = priority;
        Ok(())
    }

    /// Sets the retry delay (contract §9): a value under 5 becomes 5.
    pub fn set_minimum_retry_delay(&mut self, seconds: u32) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        self.minimum_retry_delay = seconds.max(LEAST_MINIMUM_RETRY_DELAY);
        Ok(())
    }

    /// Sets the no-progress timeout (contract §9); 0 makes the first
    /// transient error fatal.
    pub fn set_no_progress_timeout(&mut self, seconds: u32) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        self.no_progress_timeout = seconds;
        Ok(())
    }

    /// Sets the notify flags (contract §9): a bit outside
    /// [`notify_flags::ALL`] is `invalid-argument`.
    pub fn set_notify_flags(&mut self, value: u32) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        if value & !notify_flags::ALL != 0 {
            return Err(ErrorCode::InvalidArgument);
        }
        self.notify_flags = value;
        Ok(())
    }

    /// Adds `files` in order, all or none (contract §4).
    ///
    /// Checks, in order: a final state → `invalid-state`; any bad name →
    /// `invalid-argument`; an upload job ending up with more than one file →
    /// `too-many-files`; more than `max_files_per_job` files →
    /// `too-many-files-in-job`. An empty list changes nothing and succeeds
    /// in any non-final state, even over a lowered limit (it adds no work).
    ///
    /// Adding a file to a `transferred` job puts it back to `queued`: it has
    /// something to transfer again, and `transferred` means every file has
    /// arrived.
    pub fn add_files(
        &mut self,
        files: Vec<FileInfo>,
        max_files_per_job: u32,
    ) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        for file in &files {
            validate::file(&file.remote_name, &file.local_name)?;
            if validate::has_userinfo(&file.remote_name)
                || validate::has_bad_authority(&file.remote_name)
            {
                return Err(ErrorCode::InvalidArgument);
            }
        }
        if files.is_empty() {
            return Ok(());
        }
        // An overflowing sum is certainly over every limit.
        let total = self.files.len().checked_add(files.len());
        if self.job_type.is_upload() && total != Some(1) {
            return Err(ErrorCode::TooManyFiles);
        }
        let max = usize::try_from(max_files_per_job).unwrap_or(usize::MAX);
        if total.is_none_or(|total| total > max) {
            return Err(ErrorCode::TooManyFilesInJob);
        }
        self.files.extend(files.into_iter().map(FileEntry::new));
        if self.job_type == JobType::UploadReply && self.upload.reply_file_name.is_none() {
            self.upload.reply_file_name = self.generated_reply_name();
        }
        if self.state == JobState::Transferred {
            self.state = JobState::Queued;
            self.times.transfer_completion = None;
        }
        Ok(())
    }

    /// Adds one file: [`Job::add_files`] with a list of one.
    pub fn add_file(
        &mut self,
        remote_name: impl Into<String>,
        local_name: impl Into<String>,
        max_files_per_job: u32,
    ) -> Result<(), ErrorCode> {
        let file = FileInfo::new(remote_name, local_name);
        self.add_files(alloc::vec![file], max_files_per_job)
    }

    /// Whether some file has not arrived yet.
    fn has_files_to_transfer(&self) -> bool {
        self.files_transferred < self.files.len()
    }

    /// Pauses the job (contract §5): any non-final state → `suspended`. A
    /// transfer in flight stops (the engine issues its `stop`); its bytes
    /// stay. The no-progress deadline and a pending retry end.
    pub fn suspend(&mut self) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        self.state = JobState::Suspended;
        self.end_waiting();
        Ok(())
    }

    /// Queues the job (contract §5, §9): `empty` without files still to
    /// transfer; `suspended`, `error`, `transient-error` → `queued`, the
    /// error cleared; `queued`, `connecting`, `transferring` stay as they are.
    pub fn resume(&mut self) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        if !self.has_files_to_transfer() {
            return Err(ErrorCode::Empty);
        }
        // Every successful resume starts the time used again (§16.2).
        self.reset_download_clock();
        self.state = match self.state {
            JobState::Queued | JobState::Connecting | JobState::Transferring => return Ok(()),
            // `transferred` with a file still to transfer cannot happen
            // (adding one re-queues the job); were it to, queue it.
            JobState::Suspended
            | JobState::Error
            | JobState::TransientError
            | JobState::Transferred => JobState::Queued,
            JobState::Acknowledged | JobState::Cancelled => return Err(ErrorCode::InvalidState),
        };
        self.error = None;
        self.resumed = true;
        self.end_waiting();
        Ok(())
    }

    /// Cancels the job (contract §5): any non-final state → `cancelled`.
    /// Leaving the queue, and discarding its temporary files, is the
    /// queue's part.
    pub fn cancel(&mut self) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        self.state = JobState::Cancelled;
        self.end_waiting();
        Ok(())
    }

    /// Acknowledges the job (contract §5): a download job from any non-final
    /// state, an upload or upload-reply job only from `transferred`, else
    /// `invalid-state`. Leaving the queue, and committing its files, is the
    /// queue's part.
    pub fn complete(&mut self) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        if self.job_type.is_upload() && self.state != JobState::Transferred {
            return Err(ErrorCode::InvalidState);
        }
        self.state = JobState::Acknowledged;
        self.end_waiting();
        Ok(())
    }

    /// No retry pending, no no-progress deadline running.
    fn end_waiting(&mut self) {
        self.retry_at = None;
        self.stalled_since = None;
    }

    /// The temporary name of file `index`: `BIT` + 8 hex digits + `.tmp`
    /// in the directory of its local name, the digits a hash of the job's
    /// GUID and the index, so the name is stable for the file across
    /// transfers, instances and restarts (contract §10).
    pub fn temporary_name(&self, index: usize) -> Option<String> {
        let local = &self.files.get(index)?.info.local_name;
        Some(self.temporary_name_in(local, index))
    }

    /// `BIT` + hex + `.tmp` in the directory of `local`, the hex a hash of
    /// the job's GUID and `index`.
    pub(crate) fn temporary_name_in(&self, local: &str, index: usize) -> String {
        let directory_len = local.rfind(['/', '\\']).map_or(0, |at| at + 1);
        let mut hash = 0x811C_9DC5u32; // FNV-1a
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        for byte in self.id.to_bytes().into_iter().chain(index.to_le_bytes()) {
            hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
        }
        let mut name = String::with_capacity(directory_len + 15);
        name.push_str(&local[..directory_len]);
        name.push_str("BIT");
        for shift in (0..8).rev() {
            let digit = (hash >> (shift * 4)) & 0xF;
            name.push(char::from_digit(digit, 16).map_or('0', |c| c.to_ascii_uppercase()));
        }
        name.push_str(".tmp");
        name
    }

    /// The `commit` of `complete`: every fully arrived file's temporary
    /// name and local name (contract §10).
    pub fn file_moves(&self) -> Vec<FileMove> {
        (0..self.files.len())
            .filter(|&i| self.files[i].completed)
            .filter_map(|i| {
                Some(FileMove {
                    temporary_name: self.temporary_name(i)?,
                    local_name: self.files[i].info.local_name.clone(),
                })
            })
            .collect()
    }

    /// The temporary names of the files that may have a temporary file and
    /// that `keep` does not select, for a `discard`. Only files a transfer
    /// has reached can: the completed ones and the one after them, once any
    /// transfer of the job has started. A job that never ran has none, so
    /// cancelling it leaves nothing for a host to do.
    pub fn temporary_names(&self, keep: impl Fn(usize) -> bool) -> Vec<String> {
        let reached = if self.last_run.is_some() {
            // A completed file after the current one (one found invalid is
            // fetched again first, §16.6) has one too.
            let last_completed = self.files.iter().rposition(|f| f.completed);
            let next = self.next_file + 1;
            next.max(last_completed.map_or(0, |i| i + 1))
                .min(self.files.len())
        } else {
            0
        };
        (0..reached)
            .filter(|&i| !keep(i))
            .filter_map(|i| self.temporary_name(i))
            .collect()
    }

    /// Whether the job's completed files stay (a download completing); the
    /// rest of its temporary files go.
    pub(crate) fn is_completed_file(&self, index: usize) -> bool {
        self.files.get(index).is_some_and(|file| file.completed)
    }
}

/// The transfer side of the state machine (contract §10): what the engine
/// does when it starts a transfer and when a host reports on one. Each
/// report names the file; one that is not the file in flight is
/// `invalid-state` and changes nothing.
impl Job {
    /// The file a transfer of this job works on: the first not yet arrived.
    pub fn current_file(&self) -> Option<usize> {
        self.has_files_to_transfer().then_some(self.next_file)
    }

    /// The file in flight: the current file while the job is `connecting`
    /// or `transferring`.
    pub fn in_flight_file(&self) -> Option<usize> {
        match self.state {
            JobState::Connecting | JobState::Transferring => self.current_file(),
            _ => None,
        }
    }

    /// `invalid-state` unless file `index` is in flight.
    pub(crate) fn check_in_flight(&self, index: u32) -> Result<usize, ErrorCode> {
        let index = usize::try_from(index).map_err(|_| ErrorCode::InvalidState)?;
        if self.in_flight_file() == Some(index) {
            Ok(index)
        } else {
            Err(ErrorCode::InvalidState)
        }
    }

    /// The scheduler issues a `start` at `now`: `queued` → `connecting`.
    /// Returns the file to transfer.
    pub fn begin_transfer(&mut self, now: Datetime) -> Result<usize, ErrorCode> {
        let Some(index) = self.current_file() else {
            return Err(ErrorCode::Empty);
        };
        if self.state != JobState::Queued {
            return Err(ErrorCode::InvalidState);
        }
        self.state = JobState::Connecting;
        if self.has_custom_method() {
            // Each start of a custom method begins at 0, without a Range
            // (§15.7): the server's answer to it may differ each time.
            self.files[index].transferred = 0;
        }
        self.restart_if_dynamic(index);
        self.may_lower = AttemptFlag(false);
        self.last_run = Some(now);
        self.expire_host_id(now);
        Ok(index)
    }

    /// A transfer in flight is abandoned (pre-emption, or its instance
    /// stopped it): back to `queued`, its bytes kept.
    pub fn end_transfer(&mut self) {
        if self.in_flight_file().is_some() {
            self.state = JobState::Queued;
        }
    }

    /// `report-connected`: the server answered, with `size` and `validator`
    /// if it gave them. If it changed the file (a validator that differs
    /// from, or replaces, the one reported before, or another known size),
    /// the file restarts from 0. The job is `transferring`. An upload
    /// follows contract §14.2 instead (see `upload_connected`). Returns
    /// whether the report put the job in `error` (an upload's local file
    /// changed).
    pub fn report_connected(
        &mut self,
        index: u32,
        size: Option<u64>,
        validator: Option<String>,
    ) -> Result<bool, ErrorCode> {
        let index = self.check_in_flight(index)?;
        if self.job_type.is_upload() {
            return self.upload_connected(index, size, validator);
        }
        if self.files[index].is_ranged() {
            return Ok(self.ranged_connected(index, size, validator));
        }
        let file = &mut self.files[index];
        let validator_changed = file.validator.is_some() && validator != file.validator;
        let size_changed = matches!((file.size, size), (Some(old), Some(new)) if old != new);
        if validator_changed || size_changed {
            file.transferred = 0;
        }
        file.size = size;
        file.validator = validator;
        self.state = JobState::Transferring;
        self.may_lower = AttemptFlag(true);
        Ok(self.enforce_download_size())
    }

    /// `report-progress`: the file's bytes so far, absolute. Fewer than
    /// before (but once, right after `report-connected`), or more than its
    /// known size, is `invalid-argument`. Bytes
    /// that arrived make the job `transferring` and end the no-progress
    /// deadline; returns whether any did (none: nothing changes).
    pub fn report_progress(&mut self, index: u32, bytes: u64) -> Result<bool, ErrorCode> {
        let index = self.check_in_flight(index)?;
        if self.job_type.is_upload() {
            return self.upload_progress(index, bytes);
        }
        let may_lower = core::mem::take(&mut self.may_lower).0;
        let file = &mut self.files[index];
        if may_lower && bytes < file.transferred {
            // The bytes the temporary file holds, right after
            // `report-connected` (contract §17.3): the count goes down to
            // them. Not progress: the no-progress deadline keeps running.
            file.transferred = bytes;
            return Ok(true);
        }
        if bytes < file.transferred || file.size.is_some_and(|size| bytes > size) {
            return Err(ErrorCode::InvalidArgument);
        }
        let advanced = bytes > file.transferred;
        if advanced {
            // Bytes arrived: the transfer is under way, and the
            // no-progress deadline ends. A report with no new byte changes
            // nothing at all.
            file.transferred = bytes;
            self.stalled_since = None;
            self.state = JobState::Transferring;
        }
        Ok(advanced)
    }

    /// `report-done`: the whole file arrived at `now`. The job goes on with
    /// its next file (`queued`, for the scheduler) or, with none left, is
    /// `transferred`; returns whether it is.
    pub fn report_done(&mut self, index: u32, now: Datetime) -> Result<bool, ErrorCode> {
        let index = self.check_in_flight(index)?;
        if self.job_type.is_upload() {
            self.upload_done(index)?;
        }
        let file = &mut self.files[index];
        file.transferred = file.size.unwrap_or(file.transferred);
        file.size = Some(file.transferred);
        file.completed = true;
        self.files_transferred += 1;
        self.next_file = (index + 1..self.files.len())
            .find(|&i| !self.files[i].completed)
            .unwrap_or(self.files.len());
        // Only arriving bytes end the no-progress deadline (they come in
        // `report-progress`); it keeps running for the next file.
        if self.has_files_to_transfer() {
            self.state = JobState::Queued;
            Ok(false)
        } else {
            self.state = JobState::Transferred;
            self.times.transfer_completion = Some(now);
            Ok(true)
        }
    }

    /// `report-failure` at `now` (contract §10): records the error and
    /// moves to `error` (returns true) or `transient-error` with a retry
    /// due after `minimum-retry-delay`. A transient failure is fatal at
    /// once when `no-progress-timeout` is 0 or below the retry delay, or
    /// when the no-progress deadline has already passed.
    pub fn report_failure(
        &mut self,
        index: u32,
        failure: &TransferFailure,
        now: Datetime,
    ) -> Result<bool, ErrorCode> {
        let index = self.check_in_flight(index)?;
        let mut classified = failure::classify(failure);
        if matches!(failure, TransferFailure::ConnectFailed(_)) {
            self.start_fallback_timer(now);
        }
        if matches!(failure, TransferFailure::HttpStatus(_)) {
            classified.context = self.reply_context(classified.context);
        }
        if *failure == TransferFailure::HttpStatus(416) && self.files[index].is_ranged() {
            // A range the server cannot serve lies outside the file (§16.4).
            classified = crate::ranges::outside_failure();
        }
        Ok(self.record_failure(index, classified, now))
    }

    /// `report-failure-detail` at `now` (contract §14.1, §14.4): the rules
    /// of [`Job::report_failure`] with the detail's own table. The upload
    /// failures are `invalid-argument` on a download.
    pub fn report_failure_detail(
        &mut self,
        index: u32,
        detail: &FailureDetail,
        now: Datetime,
    ) -> Result<bool, ErrorCode> {
        let upload_only = matches!(
            detail,
            FailureDetail::ServerError(_)
                | FailureDetail::ProtocolMismatch(_)
                | FailureDetail::ReplyUrlMissing
                | FailureDetail::LocalFileChanged
        );
        if upload_only && !self.job_type.is_upload() {
            return Err(ErrorCode::InvalidArgument);
        }
        let index = self.check_in_flight(index)?;
        let (mut classified, drops_session) = failure::classify_detail(detail);
        if matches!(
            detail,
            FailureDetail::ServerError(_) | FailureDetail::RetryAfter(..)
        ) {
            classified.context = self.reply_context(classified.context);
        }
        if matches!(detail, FailureDetail::Stalled(_)) {
            self.start_fallback_timer(now);
        }
        if drops_session {
            self.drop_session();
        }
        if let FailureDetail::RedirectRefused(_, location) = detail {
            // As in Windows, the name becomes the refused location
            // (contract §15.4), if it may.
            self.take_refused_location(index, location);
        }
        Ok(self.record_failure(index, classified, now))
    }

    /// `report-disk-full` at `now`: the rules of [`Job::report_failure`]
    /// with a full disk's own line of the table (fatal, as `local-io` is:
    /// room must be made before `resume`).
    pub fn report_disk_full(
        &mut self,
        index: u32,
        why: &str,
        now: Datetime,
    ) -> Result<bool, ErrorCode> {
        let index = self.check_in_flight(index)?;
        Ok(self.record_failure(index, failure::classify_disk_full(why), now))
    }

    /// In an upload-reply's phase `reply`, what the server says is about
    /// the server application (contract §14.5).
    pub(crate) fn reply_context(&self, context: JobErrorContext) -> JobErrorContext {
        if self.job_type.is_upload() && self.upload_phase() == UploadPhase::Reply {
            JobErrorContext::RemoteApplication
        } else {
            context
        }
    }

    /// Records a classified failure of file `index` at `now`: `error` (true)
    /// or `transient-error` with a retry due after `minimum-retry-delay`, or
    /// after the failure's own delay when it names a longer one.
    pub(crate) fn record_failure(
        &mut self,
        index: usize,
        classified: Classified,
        now: Datetime,
    ) -> bool {
        self.count_error();
        self.error = Some(JobError {
            context: classified.context,
            hresult: classified.hresult,
            file_index: u32::try_from(index).ok(),
            description: classified.description,
        });
        // With a custom method every transient failure is fatal (§15.7).
        if classified.fatal
            || self.has_custom_method()
            || self.no_progress_timeout < self.minimum_retry_delay
        {
            self.fail();
            return true;
        }
        let since = *self.stalled_since.get_or_insert(now);
        if self.deadline_from(since) <= now {
            self.fail();
            return true;
        }
        self.state = JobState::TransientError;
        let delay = u64::from(self.minimum_retry_delay).max(classified.retry_after.unwrap_or(0));
        self.retry_at = Some(now.plus_seconds(delay));
        false
    }

    /// `report-lost`: the transfer died with its host; `queued` at once,
    /// progress kept, no error; the no-progress deadline keeps running.
    pub fn report_lost(&mut self, index: u32) -> Result<(), ErrorCode> {
        self.check_in_flight(index)?;
        self.state = JobState::Queued;
        Ok(())
    }

    /// Into `error` for good: no retry, no deadline. (A `0` timeout is below
    /// every retry delay, so it lands here on the first failure.)
    pub(crate) fn fail(&mut self) {
        self.state = JobState::Error;
        self.end_waiting();
    }

    /// The no-progress deadline counted from `since`.
    fn deadline_from(&self, since: Datetime) -> Datetime {
        since.plus_seconds(u64::from(self.no_progress_timeout))
    }

    /// The no-progress deadline, if it runs (from the first transient
    /// error until bytes arrive), for an order's details.
    pub fn no_progress_deadline(&self) -> Option<Datetime> {
        self.stalled_since.map(|since| self.deadline_from(since))
    }

    /// The no-progress deadline, while it runs: from the first transient
    /// error, while the job is `transient-error`, or retried and `queued` or
    /// `connecting`.
    fn running_deadline(&self) -> Option<Datetime> {
        let since = self.stalled_since?;
        matches!(
            self.state,
            JobState::TransientError | JobState::Queued | JobState::Connecting
        )
        .then(|| self.deadline_from(since))
    }

    /// The earliest time at which [`Job::wake`] has something to do.
    pub fn next_wake(&self) -> Option<Datetime> {
        let retry = match self.state {
            JobState::TransientError => self.retry_at,
            _ => None,
        };
        [
            retry,
            self.running_deadline(),
            self.download_time_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// What the clock does to the job at `now`: a passed no-progress
    /// deadline puts it in `error` (the last error stays); a due retry
    /// queues it again.
    pub fn wake(&mut self, now: Datetime) -> Wake {
        if self.enforce_download_time(now) {
            return Wake::Failed;
        }
        if self
            .running_deadline()
            .is_some_and(|deadline| deadline <= now)
        {
            self.fail();
            return Wake::Failed;
        }
        if self.state == JobState::TransientError && self.retry_at.is_some_and(|at| at <= now) {
            self.state = JobState::Queued;
            self.retry_at = None;
            return Wake::Requeued;
        }
        Wake::Nothing
    }
}

/// What [`Job::wake`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// Nothing was due.
    Nothing,
    /// A retry was due: the job is `queued` again.
    Requeued,
    /// The no-progress deadline passed: the job is in `error`.
    Failed,
}

fn saturate_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;
    use alloc::vec;
    use bits_queue_contract::{FileProgress, TransferFailure};

    const LIMIT: u32 = 200;

    const T0: Datetime = Datetime::EPOCH;

    fn job(job_type: JobType) -> Job {
        Job::new(Guid::new_v4([7; 16]), job_type, "name".to_string(), T0)
    }

    fn file(n: usize) -> FileInfo {
        FileInfo::new(
            format!("https://example.com/{n}"),
            format!("C:\\tmp\\{n}.bin"),
        )
    }

    /// One move of the state machine, public or transfer-side.
    type Step = fn(&mut Job) -> Result<(), ErrorCode>;

    /// The transfer side's moves on file 0, for `in_state`.
    fn begin(job: &mut Job) -> Result<(), ErrorCode> {
        job.begin_transfer(T0).map(drop)
    }
    fn connected(job: &mut Job) -> Result<(), ErrorCode> {
        // An upload's snapshot needs an `mtime:` validator (contract §14.2).
        let validator = job.job_type.is_upload().then(|| "mtime:1".into());
        job.report_connected(0, Some(10), validator).map(drop)
    }
    fn done(job: &mut Job) -> Result<(), ErrorCode> {
        if job.job_type.is_upload() {
            // The server acknowledges every byte, the reply (if any)
            // arrives, and the session closes (contract §14.2).
            job.report_progress(0, 10)?;
            if job.job_type == JobType::UploadReply {
                job.report_reply_connected(0, Some(0), None, 0)?;
                job.report_reply_done(0, Some(Vec::new()))?;
            }
        }
        job.report_done(0, T0).map(drop)
    }

    /// Every state, with a job of `job_type` holding one file brought there
    /// through the public and transfer-side methods.
    fn in_state(job_type: JobType, state: JobState) -> Job {
        let mut job = job(job_type);
        job.add_files(vec![file(0)], LIMIT).unwrap();
        let steps: &[Step] = match state {
            JobState::Suspended => &[],
            JobState::Queued => &[Job::resume],
            JobState::Connecting => &[Job::resume, begin],
            JobState::Transferring => &[Job::resume, begin, connected],
            JobState::TransientError => &[Job::resume, begin, |j| {
                j.report_failure(0, &TransferFailure::Interrupted("reset".into()), T0)
                    .map(drop)
            }],
            JobState::Error => &[Job::resume, begin, |j| {
                j.report_failure(0, &TransferFailure::HttpStatus(404), T0)
                    .map(drop)
            }],
            JobState::Transferred => &[Job::resume, begin, connected, done],
            JobState::Acknowledged => &[Job::resume, begin, connected, done, Job::complete],
            JobState::Cancelled => &[Job::cancel],
        };
        for step in steps {
            step(&mut job).unwrap();
        }
        assert_eq!(job.state(), state);
        job
    }

    const ALL_STATES: [JobState; 9] = [
        JobState::Queued,
        JobState::Connecting,
        JobState::Transferring,
        JobState::Suspended,
        JobState::Error,
        JobState::TransientError,
        JobState::Transferred,
        JobState::Acknowledged,
        JobState::Cancelled,
    ];

    const ALL_TYPES: [JobType; 3] = [JobType::Download, JobType::Upload, JobType::UploadReply];

    /// §4: the properties at creation.
    #[test]
    fn new_job_defaults() {
        let job = job(JobType::Upload);
        assert_eq!(job.state(), JobState::Suspended);
        assert_eq!(job.job_type(), JobType::Upload);
        assert_eq!(job.display_name(), "name");
        assert_eq!(job.description(), "");
        assert_eq!(job.priority(), JobPriority::Normal);
        assert_eq!(job.files().count(), 0);
        assert_eq!(job.progress(), Progress::default());
        assert_eq!(
            job.progress(),
            Progress {
                bytes_total: 0,
                bytes_transferred: 0,
                files_total: 0,
                files_transferred: 0
            }
        );
    }

    #[test]
    fn final_states() {
        for state in ALL_STATES {
            assert_eq!(
                state.is_final(),
                matches!(state, JobState::Acknowledged | JobState::Cancelled)
            );
        }
    }

    /// §4: set-display-name over 256 → string-too-long, 256 fine, empty fine.
    #[test]
    fn set_display_name_limits() {
        let mut job = job(JobType::Download);
        assert_eq!(job.set_display_name("😀".repeat(128)), Ok(()));
        assert_eq!(job.display_name(), "😀".repeat(128));
        assert_eq!(
            job.set_display_name(format!("{}é", "😀".repeat(128))),
            Err(ErrorCode::StringTooLong)
        );
        assert_eq!(job.display_name(), "😀".repeat(128), "unchanged");
        assert_eq!(job.set_display_name(""), Ok(()));
        assert_eq!(job.display_name(), "");
    }

    /// §4: description over 1,024 → string-too-long.
    #[test]
    fn set_description_limits() {
        let mut job = job(JobType::Download);
        assert_eq!(job.set_description("é".repeat(1024)), Ok(()));
        assert_eq!(job.description().chars().count(), 1024);
        assert_eq!(
            job.set_description("é".repeat(1025)),
            Err(ErrorCode::StringTooLong)
        );
        assert_eq!(job.description(), "é".repeat(1024), "unchanged");
        assert_eq!(
            job.set_description(format!("{}😀", "a".repeat(1023))),
            Err(ErrorCode::StringTooLong)
        );
    }

    #[test]
    fn set_priority_any_value() {
        let mut job = job(JobType::Download);
        for priority in [
            JobPriority::Foreground,
            JobPriority::High,
            JobPriority::Low,
            JobPriority::Normal,
        ] {
            assert_eq!(job.set_priority(priority), Ok(()));
            assert_eq!(job.priority(), priority);
        }
    }

    /// §4: files are kept in order; progress counts them; bytes-total is
    /// BG_SIZE_UNKNOWN once any size is unknown.
    #[test]
    fn add_files_in_order_and_progress() {
        let mut job = job(JobType::Download);
        job.add_file("http://a/1", "/1", LIMIT).unwrap();
        assert_eq!(
            job.progress(),
            Progress {
                bytes_total: u64::MAX,
                bytes_transferred: 0,
                files_total: 1,
                files_transferred: 0
            }
        );
        job.add_files(vec![file(2), file(3)], LIMIT).unwrap();
        let names: Vec<_> = job.files().map(|f| f.remote_name.as_str()).collect();
        assert_eq!(
            names,
            [
                "http://a/1",
                "https://example.com/2",
                "https://example.com/3"
            ]
        );
        assert_eq!(job.progress().files_total, 3);
        assert_eq!(job.progress().bytes_total, 18_446_744_073_709_551_615);
        assert_eq!(job.file_count(), 3);
    }

    /// §4: a bad entry anywhere refuses the whole set.
    #[test]
    fn add_file_set_is_all_or_nothing() {
        let mut job = job(JobType::Download);
        job.add_files(vec![file(0)], LIMIT).unwrap();
        for bad in [
            FileInfo::new("ftp://x/y", "/y"),
            FileInfo::new("http://x/y", "y"),
            FileInfo::new("http://x/y", "/y*"),
            FileInfo::new("http://x/y", format!("/{}", "a".repeat(260))),
        ] {
            let set = vec![file(1), file(2), bad];
            assert_eq!(job.add_files(set, LIMIT), Err(ErrorCode::InvalidArgument));
            assert_eq!(job.file_count(), 1, "nothing added");
        }
        // Too many for the limit: none added.
        assert_eq!(
            job.add_files(vec![file(1), file(2), file(3)], 3),
            Err(ErrorCode::TooManyFilesInJob)
        );
        assert_eq!(job.file_count(), 1);
        assert_eq!(job.add_files(vec![file(1), file(2)], 3), Ok(()));
        assert_eq!(job.file_count(), 3);
    }

    /// §4: max-files-per-job → too-many-files-in-job, exactly at it is fine.
    #[test]
    fn max_files_per_job() {
        let mut job = job(JobType::Download);
        for n in 0..5 {
            job.add_files(vec![file(n)], 5).unwrap();
        }
        assert_eq!(
            job.add_files(vec![file(5)], 5),
            Err(ErrorCode::TooManyFilesInJob)
        );
        assert_eq!(job.file_count(), 5);
        // §6: lowering the limit removes nothing, refuses new files; an empty
        // set adds no work and is fine.
        assert_eq!(
            job.add_files(vec![file(5)], 2),
            Err(ErrorCode::TooManyFilesInJob)
        );
        assert_eq!(job.add_files(Vec::new(), 2), Ok(()));
        assert_eq!(job.file_count(), 5);
        assert_eq!(job.add_files(vec![file(5)], 6), Ok(()));
    }

    /// §4: upload and upload-reply jobs hold exactly one file.
    #[test]
    fn upload_jobs_hold_one_file() {
        for job_type in [JobType::Upload, JobType::UploadReply] {
            let mut job = job(job_type);
            assert_eq!(
                job.add_files(vec![file(0), file(1)], LIMIT),
                Err(ErrorCode::TooManyFiles)
            );
            assert_eq!(job.file_count(), 0);
            assert_eq!(job.add_files(Vec::new(), LIMIT), Ok(()));
            assert_eq!(job.add_file("http://a/b", "/b", LIMIT), Ok(()));
            assert_eq!(
                job.add_file("http://a/c", "/c", LIMIT),
                Err(ErrorCode::TooManyFiles)
            );
            assert_eq!(
                job.add_files(vec![file(2)], LIMIT),
                Err(ErrorCode::TooManyFiles)
            );
            assert_eq!(job.add_files(Vec::new(), LIMIT), Ok(()));
            assert_eq!(job.file_count(), 1);
            // A bad name is reported before the file count.
            assert_eq!(
                job.add_file("gopher://a/c", "/c", LIMIT),
                Err(ErrorCode::InvalidArgument)
            );
        }
        // too-many-files comes before too-many-files-in-job.
        let mut job = job(JobType::Upload);
        job.add_file("http://a/b", "/b", 1).unwrap();
        assert_eq!(
            job.add_file("http://a/c", "/c", 1),
            Err(ErrorCode::TooManyFiles)
        );
        // The limit applies to uploads too.
        let mut job = self::job(JobType::Upload);
        assert_eq!(
            job.add_files(vec![file(0)], 0),
            Err(ErrorCode::TooManyFilesInJob)
        );
    }

    /// §5: check order — final state before argument validation.
    #[test]
    fn final_state_is_checked_before_arguments() {
        for state in [JobState::Acknowledged, JobState::Cancelled] {
            let mut job = in_state(JobType::Download, state);
            assert_eq!(
                job.set_display_name("x".repeat(300)),
                Err(ErrorCode::InvalidState)
            );
            assert_eq!(
                job.set_description("x".repeat(2000)),
                Err(ErrorCode::InvalidState)
            );
            assert_eq!(job.set_display_name("ok"), Err(ErrorCode::InvalidState));
            assert_eq!(job.set_description("ok"), Err(ErrorCode::InvalidState));
            assert_eq!(
                job.set_priority(JobPriority::High),
                Err(ErrorCode::InvalidState)
            );
            assert_eq!(
                job.add_file("bad", "bad", LIMIT),
                Err(ErrorCode::InvalidState)
            );
            assert_eq!(
                job.add_file("http://a/b", "/b", LIMIT),
                Err(ErrorCode::InvalidState)
            );
            assert_eq!(
                job.add_files(Vec::new(), LIMIT),
                Err(ErrorCode::InvalidState)
            );
            assert_eq!(job.suspend(), Err(ErrorCode::InvalidState));
            assert_eq!(job.resume(), Err(ErrorCode::InvalidState));
            assert_eq!(job.cancel(), Err(ErrorCode::InvalidState));
            assert_eq!(job.complete(), Err(ErrorCode::InvalidState));
            // Nothing changed: getters still report the final state.
            assert_eq!(job.state(), state);
            assert_eq!(job.display_name(), "name");
            assert_eq!(job.description(), "");
            assert_eq!(job.priority(), JobPriority::Normal);
            assert_eq!(job.file_count(), 1);
        }
    }

    /// §5 resume: no files still to transfer → empty, state unchanged.
    #[test]
    fn resume_without_files_is_empty() {
        let mut job = job(JobType::Download);
        assert_eq!(job.resume(), Err(ErrorCode::Empty));
        assert_eq!(job.state(), JobState::Suspended);
        // All files transferred: also empty, in every state that allows it.
        let mut job = in_state(JobType::Download, JobState::Transferred);
        assert_eq!(job.resume(), Err(ErrorCode::Empty));
        assert_eq!(job.state(), JobState::Transferred);
        job.suspend().unwrap();
        assert_eq!(job.resume(), Err(ErrorCode::Empty));
        assert_eq!(job.state(), JobState::Suspended);
    }

    /// §5: the whole table, for every state and every type.
    #[test]
    fn state_table() {
        use JobState::*;
        for job_type in ALL_TYPES {
            for from in ALL_STATES {
                let final_ = from.is_final();

                // resume
                let mut job = in_state(job_type, from);
                let expected = match from {
                    Acknowledged | Cancelled => Err(ErrorCode::InvalidState),
                    Transferred => Err(ErrorCode::Empty),
                    _ => Ok(()),
                };
                assert_eq!(job.resume(), expected, "resume from {from:?}");
                let after = match from {
                    Suspended | Error | TransientError => Queued,
                    other => other,
                };
                assert_eq!(job.state(), after, "resume from {from:?}");

                // suspend
                let mut job = in_state(job_type, from);
                if final_ {
                    assert_eq!(job.suspend(), Err(ErrorCode::InvalidState));
                    assert_eq!(job.state(), from);
                } else {
                    assert_eq!(job.suspend(), Ok(()), "suspend from {from:?}");
                    assert_eq!(job.state(), Suspended);
                }

                // cancel
                let mut job = in_state(job_type, from);
                if final_ {
                    assert_eq!(job.cancel(), Err(ErrorCode::InvalidState));
                    assert_eq!(job.state(), from);
                } else {
                    assert_eq!(job.cancel(), Ok(()), "cancel from {from:?}");
                    assert_eq!(job.state(), Cancelled);
                }

                // complete
                let mut job = in_state(job_type, from);
                let allowed = !final_ && (job_type == JobType::Download || from == Transferred);
                if allowed {
                    assert_eq!(job.complete(), Ok(()), "{job_type:?} from {from:?}");
                    assert_eq!(job.state(), Acknowledged);
                } else {
                    assert_eq!(
                        job.complete(),
                        Err(ErrorCode::InvalidState),
                        "{job_type:?} from {from:?}"
                    );
                    assert_eq!(job.state(), from);
                }

                // Property setters: allowed in every non-final state.
                let mut job = in_state(job_type, from);
                let expected = if final_ {
                    Err(ErrorCode::InvalidState)
                } else {
                    Ok(())
                };
                assert_eq!(job.set_display_name("n"), expected);
                assert_eq!(job.set_description("d"), expected);
                assert_eq!(job.set_priority(JobPriority::Low), expected);
                assert_eq!(job.state(), from, "setters never move the state");
            }
        }
    }

    /// Suspending an already suspended job is fine and changes nothing.
    #[test]
    fn suspend_twice() {
        let mut job = job(JobType::Download);
        assert_eq!(job.suspend(), Ok(()));
        assert_eq!(job.suspend(), Ok(()));
        assert_eq!(job.state(), JobState::Suspended);
    }

    /// Resume from an action state is ok and leaves it alone.
    #[test]
    fn resume_in_action_states_is_a_no_op() {
        for state in [
            JobState::Queued,
            JobState::Connecting,
            JobState::Transferring,
        ] {
            let mut job = in_state(JobType::Download, state);
            assert_eq!(job.resume(), Ok(()));
            assert_eq!(job.resume(), Ok(()));
            assert_eq!(job.state(), state);
        }
    }

    /// The transfer side: a start only from `queued`; reports only about
    /// the file in flight (`connecting` or `transferring`), others are
    /// `invalid-state` and change nothing.
    #[test]
    fn transfer_side_transitions() {
        use JobState::*;
        for from in ALL_STATES {
            let mut job = in_state(JobType::Download, from);
            let ok = from == Queued;
            assert_eq!(job.begin_transfer(T0).is_ok(), ok, "start from {from:?}");
            assert_eq!(job.state(), if ok { Connecting } else { from });

            let in_flight = matches!(from, Connecting | Transferring);
            let reports: [Step; 5] = [
                connected,
                |j| j.report_progress(0, 1).map(drop),
                done,
                |j| {
                    j.report_failure(0, &TransferFailure::SizeUnknown, T0)
                        .map(drop)
                },
                |j| j.report_lost(0),
            ];
            for report in reports {
                let mut job = in_state(JobType::Download, from);
                let before = job.clone();
                let result = report(&mut job);
                if in_flight {
                    assert_eq!(result, Ok(()), "from {from:?}");
                } else {
                    assert_eq!(result, Err(ErrorCode::InvalidState), "from {from:?}");
                    assert_eq!(job, before, "a refused report changes nothing");
                }
            }
            // Another file than the one in flight: refused.
            let mut job = in_state(JobType::Download, from);
            assert_eq!(
                job.report_progress(1, 1),
                Err(ErrorCode::InvalidState),
                "{from:?}"
            );
        }
    }

    /// Progress follows the transfer; bytes-total becomes known once every
    /// size is; per-file progress says the same file by file.
    #[test]
    fn progress_through_a_transfer() {
        let mut job = job(JobType::Download);
        job.add_files(vec![file(0), file(1)], LIMIT).unwrap();
        job.resume().unwrap();
        assert_eq!(job.begin_transfer(T0), Ok(0));
        job.report_connected(0, None, None).unwrap();
        assert_eq!(job.report_progress(0, 60), Ok(true));
        assert_eq!(job.report_progress(0, 60), Ok(false), "no new byte");
        assert_eq!(job.report_progress(0, 59), Err(ErrorCode::InvalidArgument));
        assert_eq!(job.report_done(0, T0), Ok(false));
        assert_eq!(
            job.progress(),
            Progress {
                bytes_total: u64::MAX,
                bytes_transferred: 60,
                files_total: 2,
                files_transferred: 1
            }
        );
        assert_eq!(job.state(), JobState::Queued, "on to the next file");
        assert_eq!(job.begin_transfer(T0), Ok(1));
        job.report_connected(1, Some(40), None).unwrap();
        assert_eq!(job.report_progress(1, 41), Err(ErrorCode::InvalidArgument));
        job.report_progress(1, 30).unwrap();
        let later = T0.plus_seconds(9);
        assert_eq!(job.report_done(1, later), Ok(true));
        assert_eq!(
            job.progress(),
            Progress {
                bytes_total: 100,
                bytes_transferred: 100,
                files_total: 2,
                files_transferred: 2
            }
        );
        assert_eq!(job.state(), JobState::Transferred);
        assert_eq!(job.times().transfer_completion, Some(later));
        assert_eq!(
            job.file_progress(),
            [
                FileProgress {
                    bytes_total: 60,
                    bytes_transferred: 60,
                    completed: true
                },
                FileProgress {
                    bytes_total: 40,
                    bytes_transferred: 40,
                    completed: true
                },
            ]
        );

        // A new file makes the total unknown again and re-queues the job.
        job.add_file("http://a/2", "/2", LIMIT).unwrap();
        assert_eq!(job.state(), JobState::Queued);
        assert_eq!(job.times().transfer_completion, None);
        assert_eq!(
            job.progress(),
            Progress {
                bytes_total: u64::MAX,
                bytes_transferred: 100,
                files_total: 3,
                files_transferred: 2
            }
        );
    }

    /// Resume from error and transient-error re-queues (the retry path).
    #[test]
    fn resume_after_errors() {
        for from in [JobState::Error, JobState::TransientError] {
            let mut job = in_state(JobType::Upload, from);
            assert_eq!(job.resume(), Ok(()));
            assert_eq!(job.state(), JobState::Queued);
            // An upload job still cannot complete until transferred.
            assert_eq!(job.complete(), Err(ErrorCode::InvalidState));
        }
    }
}
