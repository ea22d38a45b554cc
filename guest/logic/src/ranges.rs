//! File ranges (contract §16.4) and file validation (§16.6).
//!
//! A ranged file fetches only the ranges given, packed one after another
//! into its temporary file in the order given. Its `size` is the packed
//! size (what progress shows and bounds), known unless a range runs to the
//! remote end of an unknown size; the remote file's size, which orders
//! carry, is kept beside it. The arithmetic of packing is the contract
//! crate's (`bits_queue_contract::ranges`), shared with the hosts.
//!
//! Validation is the client's word on a completed file: valid, or not, in
//! which case its bytes go, the job is in `error`, and `resume` fetches the
//! file again.

use alloc::string::String;
use alloc::vec::Vec;

use bits_queue_contract::ranges::{
    self, INVALID_RANGE, RangesFault, VALIDATION_FAILED, packed_size, ranges_fault,
};
use bits_queue_contract::{CallError, FileInfo, FileRange, JobError, JobErrorContext, JobType};

use crate::failure::Classified;
use crate::job::Job;

/// Whether `url` is an `http` or `https` name: the only ones a ranged file
/// takes (byte prefixes, any case).
pub(crate) fn is_http_name(url: &str) -> bool {
    let starts = |prefix: &str| {
        url.as_bytes()
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
    };
    starts("http://") || starts("https://")
}

/// The job error of a range outside the remote file: fatal,
/// BG_E_INVALID_RANGE, context `remote-file`.
pub(crate) fn outside_failure() -> Classified {
    Classified {
        fatal: true,
        hresult: INVALID_RANGE,
        context: JobErrorContext::RemoteFile,
        description: "a range lies outside the remote file".into(),
        retry_after: None,
    }
}

/// The manager's calls.
impl Job {
    /// `add-file-with-ranges`: checks, in order, the final state
    /// (`invalid-state`), the job type (`not-implemented`), the ranges
    /// (§16.4's checks 1–4), the names (§4, §15.3, then `http`/`https`
    /// only: `invalid-argument`), what ranges cannot be combined with
    /// (dynamic content: `invalid-state`; a custom method:
    /// `not-supported-with-custom-method`), then the file limit. The file
    /// keeps the ranges in the order given.
    pub(crate) fn add_file_with_ranges(
        &mut self,
        remote_name: &str,
        local_name: &str,
        ranges: Vec<FileRange>,
        max_files_per_job: u32,
    ) -> Result<(), CallError> {
        self.check_not_final()?;
        if self.job_type != JobType::Download {
            return Err(CallError::NotImplemented);
        }
        match ranges_fault(&ranges) {
            None => {}
            Some(RangesFault::Empty) => return Err(CallError::InvalidArgument),
            Some(RangesFault::InvalidRange) => return Err(CallError::InvalidRange),
            Some(RangesFault::Overlapping) => return Err(CallError::OverlappingRanges),
            Some(RangesFault::TooMany) => return Err(CallError::TooManyRangesInFile),
        }
        crate::validate::file(remote_name, local_name)?;
        if crate::validate::has_userinfo(remote_name)
            || crate::validate::has_bad_authority(remote_name)
            || !is_http_name(remote_name)
        {
            return Err(CallError::InvalidArgument);
        }
        if self.dynamic_content() {
            return Err(CallError::InvalidState);
        }
        if self.has_custom_method() {
            return Err(CallError::NotSupportedWithCustomMethod);
        }
        let info = FileInfo::new(remote_name, local_name);
        self.add_files(alloc::vec![info], max_files_per_job)?;
        if let Some(file) = self.files.last_mut() {
            file.size = packed_size(&ranges, None);
            file.ranges = ranges;
        }
        Ok(())
    }

    /// `get-file-ranges`: file `index`'s ranges in the order given, empty
    /// for a whole file; an index that names no file is
    /// `invalid-argument`.
    pub fn file_ranges(&self, index: u32) -> Result<Vec<FileRange>, CallError> {
        Ok(self.file_at(index)?.ranges.clone())
    }

    /// The ranges an order of file `index` asks for; empty for a whole
    /// file (and for an index that names none).
    pub fn order_ranges(&self, index: usize) -> Vec<FileRange> {
        self.files
            .get(index)
            .map(|file| file.ranges.clone())
            .unwrap_or_default()
    }

    /// Whether any file of the job is ranged: such a job waits for a host
    /// that reads order details (contract §14.1), and excludes dynamic
    /// content and a custom method.
    pub fn has_ranges(&self) -> bool {
        self.files.iter().any(|file| file.is_ranged())
    }

    /// `get-file-validation-state`: whether the client said file `index`
    /// is valid; an index that names no file is `invalid-argument`.
    pub fn file_validation_state(&self, index: u32) -> Result<bool, CallError> {
        Ok(self.file_at(index)?.valid)
    }

    /// `set-file-validation-state`: download jobs only, a file that names
    /// one, completed (else `pending`). `true` records it as valid.
    /// `false` sets its progress to 0 and puts the job in `error`
    /// (BG_E_VALIDATION_FAILED, naming the file; not counted, §16.3), so
    /// `resume` fetches it again; returns its temporary name, for the
    /// `discard` that follows.
    pub(crate) fn set_file_validation_state(
        &mut self,
        index: u32,
        valid: bool,
    ) -> Result<Option<String>, CallError> {
        self.check_not_final()?;
        if self.job_type != JobType::Download {
            return Err(CallError::NotImplemented);
        }
        let at = self.file_index(index)?;
        if !self.files[at].completed {
            return Err(CallError::Pending);
        }
        if valid {
            self.files[at].valid = true;
            return Ok(None);
        }
        let temporary = self.temporary_name(at);
        let file = &mut self.files[at];
        file.completed = false;
        file.valid = false;
        file.transferred = 0;
        self.files_transferred -= 1;
        self.next_file = self.next_file.min(at);
        self.times.transfer_completion = None;
        self.error = Some(JobError {
            context: JobErrorContext::RemoteFile,
            hresult: VALIDATION_FAILED,
            file_index: Some(index),
            description: "the client found the file invalid".into(),
        });
        self.fail();
        Ok(temporary)
    }

    /// The position of the file `index` names, else `invalid-argument`.
    fn file_index(&self, index: u32) -> Result<usize, CallError> {
        usize::try_from(index)
            .ok()
            .filter(|&i| i < self.files.len())
            .ok_or(CallError::InvalidArgument)
    }

    /// The file `index` names, else `invalid-argument`.
    fn file_at(&self, index: u32) -> Result<&crate::job::FileEntry, CallError> {
        Ok(&self.files[self.file_index(index)?])
    }
}

/// The transfer side.
impl Job {
    /// `report-connected` for ranged file `index`: `size` is the remote
    /// file's. Another size or validator than before restarts the file at
    /// 0 (§10); the packed size follows the remote size. A range outside
    /// the remote file puts the job in `error` (BG_E_INVALID_RANGE,
    /// counted); so may the maximum download size. Returns whether the
    /// report put the job in `error`.
    pub(crate) fn ranged_connected(
        &mut self,
        index: usize,
        size: Option<u64>,
        validator: Option<String>,
    ) -> bool {
        let file = &mut self.files[index];
        let validator_changed = file.validator.is_some() && validator != file.validator;
        let size_changed = matches!((file.remote_size, size), (Some(old), Some(new)) if old != new);
        if validator_changed || size_changed {
            file.transferred = 0;
        }
        file.remote_size = size;
        file.validator = validator;
        file.size = packed_size(&file.ranges, size);
        let outside =
            size.is_some_and(|size| file.ranges.iter().any(|range| ranges::outside(range, size)));
        self.state = bits_queue_contract::JobState::Transferring;
        self.may_lower = crate::job::AttemptFlag(true);
        if outside {
            let failure = outside_failure();
            self.fail_with_own_error(failure.hresult, failure.context, failure.description);
            return true;
        }
        self.enforce_download_size()
    }

    /// The size an order of file `index` carries: the remote file's, which
    /// for a ranged file is not its own.
    pub(crate) fn order_size(&self, index: usize) -> Option<u64> {
        let file = &self.files[index];
        if file.is_ranged() {
            file.remote_size
        } else {
            file.size
        }
    }
}
