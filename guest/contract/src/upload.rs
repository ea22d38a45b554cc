//! The values contract §14 adds (uploads, upload-reply, the order details
//! and failure details later sections share), and the HRESULTs of
//! [`CallError`], the refusals of calls added after §8.

use alloc::string::String;
use alloc::vec::Vec;

use crate::{AuthScheme, AuthTarget, Datetime, ErrorCode, Guid, ProxyUsage, TlsFailure};

pub use crate::enums::{CallError, UploadPhase, UploadProtocol};

impl CallError {
    /// The HRESULT Windows returns for this refusal (contract §14.1): the
    /// first eight as [`ErrorCode::hresult`], the others their own.
    pub const fn hresult(self) -> u32 {
        match self {
            CallError::NotFound => ErrorCode::NotFound.hresult(),
            CallError::InvalidState => ErrorCode::InvalidState.hresult(),
            CallError::Empty => ErrorCode::Empty.hresult(),
            CallError::InvalidArgument => ErrorCode::InvalidArgument.hresult(),
            CallError::StringTooLong => ErrorCode::StringTooLong.hresult(),
            CallError::TooManyFiles => ErrorCode::TooManyFiles.hresult(),
            CallError::TooManyFilesInJob => ErrorCode::TooManyFilesInJob.hresult(),
            CallError::TooManyJobs => ErrorCode::TooManyJobs.hresult(),
            CallError::NotImplemented => 0x8000_4001,
            CallError::AccessDenied => 0x8007_0005,
            CallError::Pending => 0x8000_000A,
            CallError::TooLarge => 0x8020_0020,
            CallError::UsernameTooLarge => 0x8020_0025,
            CallError::PasswordTooLarge => 0x8020_0026,
            CallError::ProxyListTooLarge => 0x8020_0018,
            CallError::ProxyBypassListTooLarge => 0x8020_0019,
            CallError::InvalidRange => 0x8020_002B,
            CallError::OverlappingRanges => 0x8020_002C,
            CallError::TooManyRangesInFile => 0x8020_0052,
            CallError::DownloadJobsOnly => 0x8020_0060,
            CallError::ReadOnlyAfterResume => 0x8020_0062,
            CallError::NotSupportedWithCustomMethod => 0x8020_0071,
        }
    }

    /// The Windows name of the HRESULT, e.g. `BG_E_TOO_LARGE`.
    pub const fn windows_name(self) -> &'static str {
        match self {
            CallError::NotFound => ErrorCode::NotFound.windows_name(),
            CallError::InvalidState => ErrorCode::InvalidState.windows_name(),
            CallError::Empty => ErrorCode::Empty.windows_name(),
            CallError::InvalidArgument => ErrorCode::InvalidArgument.windows_name(),
            CallError::StringTooLong => ErrorCode::StringTooLong.windows_name(),
            CallError::TooManyFiles => ErrorCode::TooManyFiles.windows_name(),
            CallError::TooManyFilesInJob => ErrorCode::TooManyFilesInJob.windows_name(),
            CallError::TooManyJobs => ErrorCode::TooManyJobs.windows_name(),
            CallError::NotImplemented => "E_NOTIMPL",
            CallError::AccessDenied => "E_ACCESSDENIED",
            CallError::Pending => "E_PENDING",
            CallError::TooLarge => "BG_E_TOO_LARGE",
            CallError::UsernameTooLarge => "BG_E_USERNAME_TOO_LARGE",
            CallError::PasswordTooLarge => "BG_E_PASSWORD_TOO_LARGE",
            CallError::ProxyListTooLarge => "BG_E_PROXY_LIST_TOO_LARGE",
            CallError::ProxyBypassListTooLarge => "BG_E_PROXY_BYPASS_LIST_TOO_LARGE",
            CallError::InvalidRange => "BG_E_INVALID_RANGE",
            CallError::OverlappingRanges => "BG_E_OVERLAPPING_RANGES",
            CallError::TooManyRangesInFile => "BG_E_TOO_MANY_RANGES_IN_FILE",
            CallError::DownloadJobsOnly => "BG_E_PROPERTY_SUPPORTED_FOR_DOWNLOAD_JOBS_ONLY",
            CallError::ReadOnlyAfterResume => "BG_E_READ_ONLY_PROPERTY_AFTER_RESUME",
            CallError::NotSupportedWithCustomMethod => "BG_E_NOT_SUPPORTED_WITH_CUSTOM_HTTP_METHOD",
        }
    }

    /// The [`ErrorCode`] with the same case, for the first eight.
    pub const fn error_code(self) -> Option<ErrorCode> {
        match self {
            CallError::NotFound => Some(ErrorCode::NotFound),
            CallError::InvalidState => Some(ErrorCode::InvalidState),
            CallError::Empty => Some(ErrorCode::Empty),
            CallError::InvalidArgument => Some(ErrorCode::InvalidArgument),
            CallError::StringTooLong => Some(ErrorCode::StringTooLong),
            CallError::TooManyFiles => Some(ErrorCode::TooManyFiles),
            CallError::TooManyFilesInJob => Some(ErrorCode::TooManyFilesInJob),
            CallError::TooManyJobs => Some(ErrorCode::TooManyJobs),
            _ => None,
        }
    }
}

impl From<ErrorCode> for CallError {
    fn from(code: ErrorCode) -> CallError {
        match code {
            ErrorCode::NotFound => CallError::NotFound,
            ErrorCode::InvalidState => CallError::InvalidState,
            ErrorCode::Empty => CallError::Empty,
            ErrorCode::InvalidArgument => CallError::InvalidArgument,
            ErrorCode::StringTooLong => CallError::StringTooLong,
            ErrorCode::TooManyFiles => CallError::TooManyFiles,
            ErrorCode::TooManyFilesInJob => CallError::TooManyFilesInJob,
            ErrorCode::TooManyJobs => CallError::TooManyJobs,
        }
    }
}

impl core::fmt::Display for CallError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.windows_name())
    }
}

impl core::error::Error for CallError {}

/// A credential a job holds, without its secret (contract §15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CredentialSlot {
    /// The server or the proxy.
    pub target: AuthTarget,
    /// The scheme.
    pub scheme: AuthScheme,
}

/// How a job reaches its server through a proxy (contract §15).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProxySettings {
    /// Which proxy.
    pub usage: ProxyUsage,
    /// The proxies, for `override`.
    pub proxy_list: String,
    /// The hosts reached without a proxy.
    pub bypass_list: String,
}

impl Default for ProxySettings {
    /// The system's settings, no lists: a new job's.
    fn default() -> ProxySettings {
        ProxySettings {
            usage: ProxyUsage::Preconfig,
            proxy_list: String::new(),
            bypass_list: String::new(),
        }
    }
}

/// Which certificate of a store (contract §15).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CertificateId {
    /// Its SHA-1 hash.
    Sha1(Vec<u8>),
    /// Its subject.
    Subject(String),
}

/// A client certificate (contract §15).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientCertificate {
    /// The store that holds it.
    pub store: String,
    /// Which one.
    pub id: CertificateId,
}

/// A byte range of a remote file (contract §16.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileRange {
    /// The first byte.
    pub offset: u64,
    /// How many bytes.
    pub length: u64,
}

/// A job's HTTP settings, as an order passes them (contract §15).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HttpSettings {
    /// The method (`GET` for a download by default).
    pub method: String,
    /// Custom headers, while they are readable.
    pub custom_headers: Option<String>,
    /// Whether the custom headers are in the secret store.
    pub secret_headers: bool,
    /// The credentials the job holds.
    pub credentials: Vec<CredentialSlot>,
    /// The security flags.
    pub security_flags: u32,
    /// The proxy.
    pub proxy: ProxySettings,
    /// The client certificate.
    pub client_certificate: Option<ClientCertificate>,
}

impl Default for HttpSettings {
    /// A new job's: `GET`, no headers, credentials, flags, certificate; the
    /// system's proxy.
    fn default() -> HttpSettings {
        HttpSettings {
            method: String::from("GET"),
            custom_headers: None,
            secret_headers: false,
            credentials: Vec::new(),
            security_flags: 0,
            proxy: ProxySettings::default(),
            client_certificate: None,
        }
    }
}

/// What an upload order is about (contract §14.7).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UploadDetails {
    /// The protocol.
    pub protocol: UploadProtocol,
    /// Where packets go: the remote name, with the BITS-Host-Id host while
    /// it is in force.
    pub target_url: String,
    /// The session to continue; none to create one.
    pub session_id: Option<String>,
    /// The phase.
    pub phase: UploadPhase,
    /// The reply's URL, once known.
    pub reply_url: Option<String>,
    /// Where the reply's bytes go (upload-reply).
    pub reply_temporary_name: Option<String>,
    /// Reply bytes already kept.
    pub reply_offset: u64,
    /// The reply's size, if known.
    pub reply_size: Option<u64>,
    /// The reply's validator, if known.
    pub reply_validator: Option<String>,
}

/// What a host needs beyond a §8 order (contract §14.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OrderDetails {
    /// For an upload order.
    pub upload: Option<UploadDetails>,
    /// Ranges of the remote file; empty for all of it.
    pub ranges: Vec<FileRange>,
    /// Dynamic content.
    pub dynamic: bool,
    /// The job's HTTP settings.
    pub http: HttpSettings,
    /// When the attempt must end, if ever.
    pub deadline: Option<Datetime>,
}

/// A non-2xx answer to an upload packet (contract §14.4).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServerError {
    /// The HTTP status.
    pub status: u16,
    /// `BITS-Error-Code`, if sent.
    pub hresult: Option<u32>,
    /// `BITS-Error-Context`, if sent.
    pub context: Option<u32>,
    /// What happened, in words.
    pub description: String,
}

/// A session to end with Cancel-Session (contract §14.6).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionCancel {
    /// The job it belonged to.
    pub job: Guid,
    /// The protocol.
    pub protocol: UploadProtocol,
    /// Where to send it.
    pub target_url: String,
    /// The session.
    pub session_id: String,
    /// The job's HTTP settings.
    pub http: HttpSettings,
    /// Give up after this time.
    pub until: Datetime,
    /// Seconds between attempts.
    pub retry_delay: u32,
}

/// A failure beyond §8's (contract §14.1, §14.4, §15.8, §17).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FailureDetail {
    /// The server answered an upload packet with an error.
    ServerError(ServerError),
    /// The server does not speak the protocol.
    ProtocolMismatch(String),
    /// The server's answer is malformed.
    InvalidResponse(String),
    /// Upload-reply's final Ack gave no reply URL.
    ReplyUrlMissing,
    /// The local file of an upload changed.
    LocalFileChanged,
    /// 429 or 503 with Retry-After seconds.
    RetryAfter(u16, u32),
    /// TLS failed.
    Tls(TlsFailure, String),
    /// A redirect could not be followed.
    RedirectFailed(String),
    /// A redirect the job's policy refuses: status, location.
    RedirectRefused(u16, String),
    /// No byte moved for the idle limit.
    Stalled(String),
}

/// The HRESULTs of upload failures (contract §14.4).
pub mod upload_hresult {
    /// BG_E_TOO_LARGE: over the server's size cap.
    pub const TOO_LARGE: u32 = 0x8020_0020;
    /// BG_E_LOCAL_FILE_CHANGED.
    pub const LOCAL_FILE_CHANGED: u32 = 0x8020_001D;
    /// BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH.
    pub const PROTOCOL_MISMATCH: u32 = 0x8020_0022;
    /// BG_E_INVALID_SERVER_RESPONSE.
    pub const INVALID_SERVER_RESPONSE: u32 = 0x8020_001B;
    /// BG_E_SESSION_NOT_FOUND.
    pub const SESSION_NOT_FOUND: u32 = 0x8020_001F;
    /// BG_E_NO_PROGRESS: a stall.
    pub const NO_PROGRESS: u32 = 0x8020_0024;
}

/// The most reply bytes `report-reply-done` passes and the record keeps.
pub const MAX_REPLY_DATA: u64 = 1_048_576;

/// The most pending session cancels the component holds.
pub const MAX_SESSION_CANCELS: usize = 1024;

#[cfg(test)]
mod tests {
    use super::*;

    /// §14.1: every case's HRESULT, in WIT order.
    #[test]
    fn call_hresults() {
        let expected: [u32; 22] = [
            0x8020_0001,
            0x8020_0002,
            0x8020_0003,
            0x8007_0057,
            0x8020_0021,
            0x8020_001C,
            0x8020_0051,
            0x8020_0049,
            0x8000_4001,
            0x8007_0005,
            0x8000_000A,
            0x8020_0020,
            0x8020_0025,
            0x8020_0026,
            0x8020_0018,
            0x8020_0019,
            0x8020_002B,
            0x8020_002C,
            0x8020_0052,
            0x8020_0060,
            0x8020_0062,
            0x8020_0071,
        ];
        assert_eq!(CallError::ALL.map(CallError::hresult), expected);
        for code in ErrorCode::ALL {
            let call = CallError::from(code);
            assert_eq!(call.hresult(), code.hresult());
            assert_eq!(call.wit_name(), code.wit_name());
            assert_eq!(call.error_code(), Some(code));
        }
        assert_eq!(CallError::TooLarge.error_code(), None);
    }
}
