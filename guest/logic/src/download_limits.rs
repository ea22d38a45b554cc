//! What bounds a job's transfer, and what it has cost (contract §16.2,
//! §16.3, §16.7, §16.8): the maximum download time and the time used, the
//! error count, the maximum download size, and dynamic content.
//!
//! The time used is counted here and nowhere else: every change of a job is
//! stamped ([`Job::touch`]), and the stamp starts the count when the job
//! enters `connecting` or `transferring` and adds it up when it leaves them
//! ([`Job::settle_download_clock`]). When the count began is journaled, so
//! it runs on while a host is down, until `report-lost`.

use alloc::string::String;

use bits_queue_contract::job_limits::{
    DEFAULT_MAXIMUM_DOWNLOAD_TIME, MAX_DOWNLOAD_SIZE_LIMIT_REACHED, MAXDOWNLOAD_TIMEOUT,
};
use bits_queue_contract::{CallError, Datetime, JobError, JobErrorContext, JobState, JobType};

use crate::job::Job;

/// A job's §16.2, §16.3, §16.7 and §16.8 properties, all journaled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DownloadLimits {
    /// Seconds the job may spend `connecting` or `transferring`; 0 is no
    /// limit.
    pub(crate) max_time: u32,
    /// Seconds used before the count running now, since the last resume.
    pub(crate) time_used: u64,
    /// When the running count began: set while the job is `connecting` or
    /// `transferring`.
    pub(crate) counting_since: Option<Datetime>,
    /// Failures counted, saturating, never reset.
    pub(crate) error_count: u32,
    /// Bytes the job's files may hold; 0 is no limit.
    pub(crate) max_size: u64,
    /// Dynamic content: every attempt from byte 0, no validator.
    pub(crate) dynamic: bool,
}

impl Default for DownloadLimits {
    fn default() -> DownloadLimits {
        DownloadLimits {
            max_time: DEFAULT_MAXIMUM_DOWNLOAD_TIME,
            time_used: 0,
            counting_since: None,
            error_count: 0,
            max_size: 0,
            dynamic: false,
        }
    }
}

impl DownloadLimits {
    /// Whether a record without them loses nothing.
    pub(crate) fn is_default(&self) -> bool {
        *self == DownloadLimits::default()
    }

    /// Seconds used at `now`.
    fn used_at(&self, now: Datetime) -> u64 {
        let running = self
            .counting_since
            .map_or(0, |since| now.seconds.saturating_sub(since.seconds));
        self.time_used.saturating_add(running)
    }
}

/// Whether the maximum download time applies in `state` (contract §16.2).
fn time_checked_in(state: JobState) -> bool {
    matches!(
        state,
        JobState::Queued | JobState::Connecting | JobState::Transferring | JobState::TransientError
    )
}

/// The manager's calls.
impl Job {
    /// `get-maximum-download-time`.
    pub fn maximum_download_time(&self) -> u32 {
        self.limits.max_time
    }

    /// `set-maximum-download-time`: every job type, any state that is not
    /// final; 0 is no limit.
    pub(crate) fn set_maximum_download_time(&mut self, seconds: u32) -> Result<(), CallError> {
        self.check_not_final()?;
        self.limits.max_time = seconds;
        Ok(())
    }

    /// `get-error-count`.
    pub fn error_count(&self) -> u32 {
        self.limits.error_count
    }

    /// `get-maximum-download-size`.
    pub fn maximum_download_size(&self) -> u64 {
        self.limits.max_size
    }

    /// `set-maximum-download-size`: download jobs only
    /// (`download-jobs-only`), before the first resume.
    pub(crate) fn set_maximum_download_size(&mut self, bytes: u64) -> Result<(), CallError> {
        self.check_download_setting()?;
        self.limits.max_size = bytes;
        Ok(())
    }

    /// `get-dynamic-content`.
    pub fn dynamic_content(&self) -> bool {
        self.limits.dynamic
    }

    /// `set-dynamic-content`: download jobs only (`download-jobs-only`),
    /// before the first resume.
    pub(crate) fn set_dynamic_content(&mut self, enabled: bool) -> Result<(), CallError> {
        self.check_download_setting()?;
        // What dynamic content cannot be combined with is refused before
        // the change, whichever is set second: a ranged file (§16.4), a
        // custom HTTP method (§15.7).
        if enabled && self.has_ranges() {
            return Err(CallError::InvalidState);
        }
        if enabled && self.has_custom_method() {
            return Err(CallError::NotSupportedWithCustomMethod);
        }
        self.limits.dynamic = enabled;
        Ok(())
    }

    /// Dynamic content at `start`: the file begins again at byte 0, with no
    /// validator (contract §16.8).
    pub(crate) fn restart_if_dynamic(&mut self, index: usize) {
        if let Some(file) = self.files.get_mut(index)
            && self.limits.dynamic
        {
            file.transferred = 0;
            file.validator = None;
        }
    }

    /// The checks of §16.7 and §16.8's setters: not final, a download job,
    /// never resumed.
    fn check_download_setting(&self) -> Result<(), CallError> {
        self.check_not_final()?;
        if self.job_type != JobType::Download {
            return Err(CallError::DownloadJobsOnly);
        }
        if self.resumed {
            return Err(CallError::ReadOnlyAfterResume);
        }
        Ok(())
    }
}

/// The transfer side.
impl Job {
    /// Starts the count of time used when the job has entered `connecting`
    /// or `transferring`, and adds it up when it has left them; called with
    /// every change's time stamp.
    pub(crate) fn settle_download_clock(&mut self, now: Datetime) {
        let running = matches!(self.state, JobState::Connecting | JobState::Transferring);
        match self.limits.counting_since {
            None if running => self.limits.counting_since = Some(now),
            Some(_) if !running => {
                self.limits.time_used = self.limits.used_at(now);
                self.limits.counting_since = None;
            }
            _ => {}
        }
    }

    /// A successful `resume`: the time used starts again from 0.
    pub(crate) fn reset_download_clock(&mut self) {
        self.limits.time_used = 0;
        self.limits.counting_since = None;
    }

    /// One more failure counted (contract §16.3).
    pub(crate) fn count_error(&mut self) {
        self.limits.error_count = self.limits.error_count.saturating_add(1);
    }

    /// When the job reaches its maximum download time, if it can: the
    /// running count's end, or at once for a job already past it.
    pub(crate) fn download_time_deadline(&self) -> Option<Datetime> {
        if self.limits.max_time == 0 || !time_checked_in(self.state) {
            return None;
        }
        let left = u64::from(self.limits.max_time).saturating_sub(self.limits.time_used);
        match self.limits.counting_since {
            Some(since) => Some(since.plus_seconds(left)),
            None if left == 0 => Some(self.times.modification),
            None => None,
        }
    }

    /// At `now`, a job that used up its maximum download time enters
    /// `error` (BG_E_MAXDOWNLOAD_TIMEOUT, naming the current file); returns
    /// whether it did.
    pub(crate) fn enforce_download_time(&mut self, now: Datetime) -> bool {
        let reached = self.limits.max_time != 0
            && time_checked_in(self.state)
            && self.limits.used_at(now) >= u64::from(self.limits.max_time);
        if reached {
            self.fail_with_own_error(
                MAXDOWNLOAD_TIMEOUT,
                JobErrorContext::GeneralQueueManager,
                "the job used up its maximum download time".into(),
            );
        }
        reached
    }

    /// After a report of file sizes or bytes: a job whose known sizes, or
    /// whose bytes, add up to more than its maximum download size enters
    /// `error` (BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED); returns whether it
    /// did.
    pub(crate) fn enforce_download_size(&mut self) -> bool {
        let max = self.limits.max_size;
        if max == 0 {
            return false;
        }
        let sizes = self
            .files
            .iter()
            .filter_map(|file| file.size)
            .fold(0u64, u64::saturating_add);
        let bytes = self
            .files
            .iter()
            .fold(0u64, |sum, file| sum.saturating_add(file.transferred));
        let over = sizes > max || bytes > max;
        if over {
            self.fail_with_own_error(
                MAX_DOWNLOAD_SIZE_LIMIT_REACHED,
                JobErrorContext::RemoteFile,
                "the job's files are larger than its maximum download size".into(),
            );
        }
        over
    }

    /// An error the component records itself (contract §16.10): counted,
    /// naming the current file, `error` at once.
    pub(crate) fn fail_with_own_error(
        &mut self,
        hresult: u32,
        context: JobErrorContext,
        description: String,
    ) {
        self.error = Some(JobError {
            context,
            hresult,
            file_index: self
                .current_file()
                .and_then(|index| u32::try_from(index).ok()),
            description,
        });
        self.count_error();
        self.fail();
    }
}
