//! A download job's HTTP method (contract §15.7).
//!
//! A method other than GET changes the job as Windows does: it runs in the
//! foreground for good, every transient failure is fatal, each start
//! begins its file at 0 (the host sends no Range), and it is sent without
//! a body. The rules that follow from it live where they act:
//! `Job::set_priority`, `Job::record_failure`, `Job::begin_transfer`.

use alloc::string::String;

use bits_queue_contract::{CallError, JobPriority, JobType};

use crate::job::Job;

/// The longest method, in characters.
pub const MAX_METHOD: usize = 32;

/// Methods a job may not use: CONNECT and TRACE are not transfers, HEAD
/// gives no body, and BITS_POST is the upload protocol's.
const REFUSED: [&str; 4] = ["CONNECT", "TRACE", "HEAD", "BITS_POST"];

/// The default method of a download job.
pub const DEFAULT_METHOD: &str = "GET";

/// The method of an upload job's packets.
pub const UPLOAD_METHOD: &str = "BITS_POST";

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Checks a method: an RFC 9110 token of 1–32 characters (case-sensitive)
/// that is not one of [`REFUSED`].
pub(crate) fn check_method(method: &str) -> Result<(), CallError> {
    let token = (1..=MAX_METHOD).contains(&method.len()) && method.bytes().all(is_tchar);
    if !token || REFUSED.contains(&method) {
        return Err(CallError::InvalidArgument);
    }
    Ok(())
}

/// The manager's calls about the method.
impl Job {
    /// `get-http-method`: the method set, else GET for a download job and
    /// BITS_POST for an upload job.
    pub fn http_method(&self) -> String {
        match &self.http.method {
            Some(method) => method.clone(),
            None if self.job_type.is_upload() => UPLOAD_METHOD.into(),
            None => DEFAULT_METHOD.into(),
        }
    }

    /// Whether the job uses a method other than GET.
    pub fn has_custom_method(&self) -> bool {
        self.http.method.is_some()
    }

    /// `set-http-method`: checks, in contract §14.1's order, the final
    /// state, the job type (download only), the window (before the first
    /// resume), the method's length and syntax, then what a custom method
    /// excludes. GET restores the default; another method makes the job
    /// `foreground` for good.
    pub fn set_http_method(&mut self, method: &str) -> Result<(), CallError> {
        self.check_not_final()?;
        if self.job_type != JobType::Download {
            return Err(CallError::NotImplemented);
        }
        if self.resumed {
            return Err(CallError::ReadOnlyAfterResume);
        }
        check_method(method)?;
        if method == DEFAULT_METHOD {
            self.http.method = None;
            return Ok(());
        }
        if self.excludes_custom_method() {
            return Err(CallError::NotSupportedWithCustomMethod);
        }
        self.http.method = Some(method.into());
        self.priority = JobPriority::Foreground;
        Ok(())
    }

    /// Whether the job holds what a custom method excludes: file ranges
    /// (§16.4) or dynamic content (§16.8), whichever is set second being
    /// refused. The orders' details are where a job's ranges and dynamic
    /// flag are given (`QueueState::order_details`); this asks the same.
    fn excludes_custom_method(&self) -> bool {
        self.has_ranges() || self.dynamic_content()
    }
}
