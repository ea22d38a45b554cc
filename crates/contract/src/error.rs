//! Why the queue refuses a call (contract §7): the WIT `error-code` cases and the
//! HRESULTs Windows returns for them.

use core::fmt;

pub use crate::enums::ErrorCode;

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
