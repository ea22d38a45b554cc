//! Why the queue refuses a call (contract §7): the WIT `error-code` cases and the
//! HRESULTs Windows returns for them.

use alloc::format;
use alloc::string::String;
use core::fmt;

pub use crate::enums::ErrorCode;
use crate::upload::upload_hresult;

impl ErrorCode {
    /// The HRESULT Windows returns for this code (contract §7), e.g. `0x80200001`
    /// for [`ErrorCode::NotFound`].
    pub const fn hresult(self) -> u32 {
        match self {
            ErrorCode::NotFound => 0x8020_0001,
            ErrorCode::InvalidState => 0x8020_0002,
            ErrorCode::Empty => 0x8020_0003,
            ErrorCode::InvalidArgument => 0x8007_0057,
            ErrorCode::StringTooLong => 0x8020_0021,
            ErrorCode::TooManyFiles => 0x8020_001C,
            ErrorCode::TooManyFilesInJob => 0x8020_0051,
            ErrorCode::TooManyJobs => 0x8020_0049,
        }
    }

    /// What the refusal means, in a few words for people, e.g. "no job in
    /// the queue has that GUID". Every host prints these same words.
    pub const fn meaning(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "no job in the queue has that GUID",
            ErrorCode::InvalidState => "the job's state does not allow this call",
            ErrorCode::Empty => "the job has no file to transfer",
            ErrorCode::InvalidArgument => "an argument is not valid",
            ErrorCode::StringTooLong => "the string is too long",
            ErrorCode::TooManyFiles => "an upload job holds exactly one file",
            ErrorCode::TooManyFilesInJob => "the job would exceed max-files-per-job",
            ErrorCode::TooManyJobs => "the queue would exceed max-jobs",
        }
    }

    /// The Windows name of the HRESULT, e.g. `BG_E_NOT_FOUND`.
    pub const fn windows_name(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "BG_E_NOT_FOUND",
            ErrorCode::InvalidState => "BG_E_INVALID_STATE",
            ErrorCode::Empty => "BG_E_EMPTY",
            ErrorCode::InvalidArgument => "E_INVALIDARG",
            ErrorCode::StringTooLong => "BG_E_STRING_TOO_LONG",
            ErrorCode::TooManyFiles => "BG_E_TOO_MANY_FILES",
            ErrorCode::TooManyFilesInJob => "BG_E_TOO_MANY_FILES_IN_JOB",
            ErrorCode::TooManyJobs => "BG_E_TOO_MANY_JOBS_PER_USER",
        }
    }
}

/// The HRESULTs a job's error carries (contract §10), besides the
/// [`ErrorCode`] ones.
pub mod hresult {
    /// An HTTP status `n` from the server is `HTTP_BASE + n`
    /// (`BG_E_HTTP_ERROR_<n>`): 404 is `0x80190194`.
    pub const HTTP_BASE: u32 = 0x8019_0000;
    /// `BG_E_CONNECT_FAILURE`: no connection could be made.
    pub const CONNECT_FAILURE: u32 = 0x8020_002D;
    /// `BG_E_CONNECTION_CLOSED`: the connection broke.
    pub const CONNECTION_CLOSED: u32 = 0x8020_002E;
    /// `BG_E_INSUFFICIENT_RANGE_SUPPORT`: the server cannot resume.
    pub const INSUFFICIENT_RANGE_SUPPORT: u32 = 0x8020_0013;
    /// `BG_E_MISSING_FILE_SIZE`: the server gave no size.
    pub const MISSING_FILE_SIZE: u32 = 0x8020_0011;
    /// `ERROR_FILE_NOT_FOUND` as an HRESULT: the remote file is missing.
    pub const FILE_NOT_FOUND: u32 = 0x8007_0002;
    /// `E_ACCESSDENIED`: the local file cannot be written.
    pub const ACCESS_DENIED: u32 = 0x8007_0005;
    /// `E_NOTIMPL`: the host cannot do this transfer.
    pub const NOT_IMPLEMENTED: u32 = 0x8000_4001;
    /// `ERROR_DISK_FULL` as an HRESULT: the local disk has no room for the
    /// file (`report-disk-full`).
    pub const DISK_FULL: u32 = 0x8007_0070;
}

/// The Windows name of any HRESULT the queue gives (an error code's, or a
/// job error's), e.g. `BG_E_HTTP_ERROR_404` for `0x80190194`; `None` for
/// one it never gives.
pub fn hresult_name(value: u32) -> Option<String> {
    if let Some(code) = ErrorCode::ALL.into_iter().find(|c| c.hresult() == value) {
        return Some(code.windows_name().into());
    }
    let name = match value {
        hresult::CONNECT_FAILURE => "BG_E_CONNECT_FAILURE",
        hresult::CONNECTION_CLOSED => "BG_E_CONNECTION_CLOSED",
        hresult::INSUFFICIENT_RANGE_SUPPORT => "BG_E_INSUFFICIENT_RANGE_SUPPORT",
        hresult::MISSING_FILE_SIZE => "BG_E_MISSING_FILE_SIZE",
        hresult::FILE_NOT_FOUND => "ERROR_FILE_NOT_FOUND",
        hresult::ACCESS_DENIED => "E_ACCESSDENIED",
        hresult::NOT_IMPLEMENTED => "E_NOTIMPL",
        hresult::DISK_FULL => "ERROR_DISK_FULL",
        upload_hresult::TOO_LARGE => "BG_E_TOO_LARGE",
        upload_hresult::LOCAL_FILE_CHANGED => "BG_E_LOCAL_FILE_CHANGED",
        upload_hresult::PROTOCOL_MISMATCH => "BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH",
        upload_hresult::INVALID_SERVER_RESPONSE => "BG_E_INVALID_SERVER_RESPONSE",
        upload_hresult::SESSION_NOT_FOUND => "BG_E_SESSION_NOT_FOUND",
        upload_hresult::NO_PROGRESS => "BG_E_NO_PROGRESS",
        crate::job_limits::MAXDOWNLOAD_TIMEOUT => "BG_E_MAXDOWNLOAD_TIMEOUT",
        crate::job_limits::MAX_DOWNLOAD_SIZE_LIMIT_REACHED => {
            "BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED"
        }
        crate::ranges::INVALID_RANGE => "BG_E_INVALID_RANGE",
        crate::ranges::VALIDATION_FAILED => "BG_E_VALIDATION_FAILED",
        http if http & 0xFFFF_0000 == hresult::HTTP_BASE && http & 0xFFFF <= 999 => {
            return Some(format!("BG_E_HTTP_ERROR_{}", http & 0xFFFF));
        }
        _ => return None,
    };
    Some(name.into())
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.windows_name())
    }
}

impl core::error::Error for ErrorCode {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    /// §7: the exact table.
    /// §10: the job-error HRESULTs have their Windows names.
    #[test]
    fn job_error_hresults_have_windows_names() {
        assert_eq!(
            hresult_name(0x8019_0194).as_deref(),
            Some("BG_E_HTTP_ERROR_404")
        );
        assert_eq!(
            hresult_name(0x8019_01F7).as_deref(),
            Some("BG_E_HTTP_ERROR_503")
        );
        assert_eq!(
            hresult_name(0x8020_002D).as_deref(),
            Some("BG_E_CONNECT_FAILURE")
        );
        assert_eq!(
            hresult_name(0x8020_002E).as_deref(),
            Some("BG_E_CONNECTION_CLOSED")
        );
        assert_eq!(
            hresult_name(0x8020_0013).as_deref(),
            Some("BG_E_INSUFFICIENT_RANGE_SUPPORT")
        );
        assert_eq!(
            hresult_name(0x8020_0011).as_deref(),
            Some("BG_E_MISSING_FILE_SIZE")
        );
        assert_eq!(
            hresult_name(0x8007_0002).as_deref(),
            Some("ERROR_FILE_NOT_FOUND")
        );
        assert_eq!(hresult_name(0x8007_0005).as_deref(), Some("E_ACCESSDENIED"));
        assert_eq!(hresult_name(0x8000_4001).as_deref(), Some("E_NOTIMPL"));
        assert_eq!(
            hresult_name(0x8007_0070).as_deref(),
            Some("ERROR_DISK_FULL")
        );
        assert_eq!(hresult_name(0x8020_0001).as_deref(), Some("BG_E_NOT_FOUND"));
        assert_eq!(hresult_name(0x1234_5678), None);
    }

    #[test]
    fn hresults_match_the_spec_table() {
        let table = [
            (ErrorCode::NotFound, 0x8020_0001, "BG_E_NOT_FOUND"),
            (ErrorCode::InvalidState, 0x8020_0002, "BG_E_INVALID_STATE"),
            (ErrorCode::Empty, 0x8020_0003, "BG_E_EMPTY"),
            (ErrorCode::InvalidArgument, 0x8007_0057, "E_INVALIDARG"),
            (
                ErrorCode::StringTooLong,
                0x8020_0021,
                "BG_E_STRING_TOO_LONG",
            ),
            (ErrorCode::TooManyFiles, 0x8020_001C, "BG_E_TOO_MANY_FILES"),
            (
                ErrorCode::TooManyFilesInJob,
                0x8020_0051,
                "BG_E_TOO_MANY_FILES_IN_JOB",
            ),
            (
                ErrorCode::TooManyJobs,
                0x8020_0049,
                "BG_E_TOO_MANY_JOBS_PER_USER",
            ),
        ];
        assert_eq!(ErrorCode::ALL.len(), table.len());
        for (i, (code, hresult, name)) in table.into_iter().enumerate() {
            assert_eq!(ErrorCode::ALL[i], code, "WIT order");
            assert_eq!(code.hresult(), hresult, "{code:?}");
            assert_eq!(code.windows_name(), name);
            assert_eq!(code.to_string(), name);
        }
    }
}
