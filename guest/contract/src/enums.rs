//! The WIT enums as plain Rust enums: the cases in the contract's order,
//! their WIT names (`wit_name`, `FromStr`), and `ALL`.

use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

/// Counts its arguments, for the length of `ALL`.
macro_rules! count {
    () => { 0usize };
    ($head:ident $($tail:ident)*) => { 1usize + count!($($tail)*) };
}

/// Declares a fieldless enum that mirrors a WIT enum: the cases in the
/// contract's order (a component's type depends on it), their WIT names,
/// `ALL`, and `FromStr` reading a WIT name in any case.
macro_rules! wit_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$cmeta:meta])* $case:ident => $wit:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$cmeta])* $case,)+ }

        impl $name {
            /// Every case, in the contract's order.
            pub const ALL: [$name; count!($($case)+)] = [$($name::$case,)+];

            /// The WIT name of the case, e.g. `transient-error`.
            pub const fn wit_name(self) -> &'static str {
                match self { $($name::$case => $wit,)+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;
            /// Reads the WIT name, in any case.
            fn from_str(s: &str) -> Result<Self, UnknownName> {
                $name::ALL
                    .into_iter()
                    .find(|v| v.wit_name().eq_ignore_ascii_case(s))
                    .ok_or_else(|| UnknownName {
                        what: stringify!($name),
                        expected: $name::ALL.iter().map(|v| v.wit_name()).collect(),
                    })
            }
        }
    };
}

/// `Display` as the WIT name, for the enums people read as names.
macro_rules! display_wit_name {
    ($($name:ident),+) => {$(
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.wit_name())
            }
        }
    )+};
}

/// Hands every WIT enum of the contract, with its cases in the contract's
/// order and their WIT names, to the macro `$callback`: the one place the
/// cases are listed. This crate defines the enums from it; the component's
/// and the host's binding glue convert to and from their generated types
/// with it, so a case added or renamed here fails to compile there until
/// the WIT follows (and the other way round).
///
/// Called as `with_wit_enums!([callback] [args])`, it invokes `callback!`
/// with `[args]` and then
/// `$( $(#[$meta])* $Enum { $( $(#[$cmeta])* $Case => "wit-name", )+ } )+`.
#[macro_export]
macro_rules! with_wit_enums {
    ([$($callback:tt)*] [$($args:tt)*]) => {
        $($callback)*! {
            [$($args)*]
            /// What a job transfers (`BG_JOB_TYPE`). Fixed at creation.
            JobType {
                /// Files flow from the server to the client.
                Download => "download",
                /// One file flows from the client to the server.
                Upload => "upload",
                /// One file is uploaded and the server's reply downloaded.
                UploadReply => "upload-reply",
            }
            /// How urgently a job is transferred (`BG_JOB_PRIORITY`).
            JobPriority {
                /// Transferred now, ahead of everything else.
                Foreground => "foreground",
                /// Background, first.
                High => "high",
                /// Background, the default.
                Normal => "normal",
                /// Background, last.
                Low => "low",
            }
            /// Where a job is in its life (`BG_JOB_STATE`).
            JobState {
                /// Waiting to run.
                Queued => "queued",
                /// Connecting to the server.
                Connecting => "connecting",
                /// Transferring data.
                Transferring => "transferring",
                /// Paused; every new job starts here.
                Suspended => "suspended",
                /// A fatal error stopped the job.
                Error => "error",
                /// A recoverable error; the job will retry.
                TransientError => "transient-error",
                /// Every file has arrived; waiting for `complete`.
                Transferred => "transferred",
                /// Completed: final, the job has left the queue.
                Acknowledged => "acknowledged",
                /// Cancelled: final, the job has left the queue.
                Cancelled => "cancelled",
            }
            /// Why the queue refused a call (contract §7). `hresult`, `windows_name`
            /// and `meaning` (error.rs) say what Windows calls it.
            ErrorCode {
                /// No job in the queue has that GUID.
                NotFound => "not-found",
                /// The job's state forbids the call.
                InvalidState => "invalid-state",
                /// The job has no file left to transfer.
                Empty => "empty",
                /// An argument is malformed.
                InvalidArgument => "invalid-argument",
                /// A string exceeds its limit.
                StringTooLong => "string-too-long",
                /// Upload and upload-reply jobs hold exactly one file.
                TooManyFiles => "too-many-files",
                /// More files than `max-files-per-job`.
                TooManyFilesInJob => "too-many-files-in-job",
                /// More jobs than `max-jobs`.
                TooManyJobs => "too-many-jobs",
            }
            /// Where a job's error arose (`BG_ERROR_CONTEXT`, contract §9).
            JobErrorContext {
                /// No error.
                None => "none",
                /// The cause is not known.
                Unknown => "unknown",
                /// The queue itself.
                GeneralQueueManager => "general-queue-manager",
                /// Notifying the job's owner.
                QueueManagerNotification => "queue-manager-notification",
                /// The local file.
                LocalFile => "local-file",
                /// The remote file.
                RemoteFile => "remote-file",
                /// The network or the transfer protocol.
                GeneralTransport => "general-transport",
                /// The server application.
                RemoteApplication => "remote-application",
            }
            /// Why a call added after §1–§8 refused (contract §14.1): the
            /// first eight cases are `ErrorCode`'s, with the same HRESULTs.
            CallError {
                /// No job in the queue has that GUID.
                NotFound => "not-found",
                /// The job's state forbids the call.
                InvalidState => "invalid-state",
                /// The job has no file left to transfer.
                Empty => "empty",
                /// An argument is malformed.
                InvalidArgument => "invalid-argument",
                /// A string exceeds its limit.
                StringTooLong => "string-too-long",
                /// Upload and upload-reply jobs hold exactly one file.
                TooManyFiles => "too-many-files",
                /// More files than `max-files-per-job`.
                TooManyFilesInJob => "too-many-files-in-job",
                /// More jobs than `max-jobs`.
                TooManyJobs => "too-many-jobs",
                /// Not for this job type (E_NOTIMPL).
                NotImplemented => "not-implemented",
                /// Not allowed (E_ACCESSDENIED).
                AccessDenied => "access-denied",
                /// Not available yet (E_PENDING).
                Pending => "pending",
                /// Over a size limit (BG_E_TOO_LARGE).
                TooLarge => "too-large",
                /// A user name over its limit.
                UsernameTooLarge => "username-too-large",
                /// A password over its limit.
                PasswordTooLarge => "password-too-large",
                /// A proxy list over its limit.
                ProxyListTooLarge => "proxy-list-too-large",
                /// A proxy bypass list over its limit.
                ProxyBypassListTooLarge => "proxy-bypass-list-too-large",
                /// A file range that is not valid.
                InvalidRange => "invalid-range",
                /// File ranges that overlap.
                OverlappingRanges => "overlapping-ranges",
                /// Too many ranges in one file.
                TooManyRangesInFile => "too-many-ranges-in-file",
                /// A property of download jobs only.
                DownloadJobsOnly => "download-jobs-only",
                /// A property that is fixed once the job has been resumed.
                ReadOnlyAfterResume => "read-only-after-resume",
                /// Not allowed with a custom HTTP method.
                NotSupportedWithCustomMethod => "not-supported-with-custom-method",
            }
            /// The protocol an upload job speaks (contract §14.8).
            UploadProtocol {
                /// The BITS upload protocol ([MC-BUP]), the default.
                Bits => "bits",
                /// draft-ietf-httpbis-resumable-upload.
                IetfResumable => "ietf-resumable",
                /// tus 1.0.0.
                Tus => "tus",
            }
            /// Whom a credential is for (contract §15).
            AuthTarget {
                /// The server.
                Server => "server",
                /// The proxy.
                Proxy => "proxy",
            }
            /// An HTTP authentication scheme (contract §15).
            AuthScheme {
                /// Basic.
                Basic => "basic",
                /// Digest.
                Digest => "digest",
                /// Bearer.
                Bearer => "bearer",
            }
            /// How a job finds its proxy (contract §15).
            ProxyUsage {
                /// The system's settings.
                Preconfig => "preconfig",
                /// No proxy.
                NoProxy => "no-proxy",
                /// The job's own proxy list.
                Override => "override",
            }
        }
    };
}

/// The WIT enums of the `engine` interface (contract §14–§15), as
/// [`with_wit_enums`] lists those of `types`: the glue converts them
/// against the generated `engine` module.
#[macro_export]
macro_rules! with_wit_engine_enums {
    ([$($callback:tt)*] [$($args:tt)*]) => {
        $($callback)*! {
            [$($args)*]
            /// Which packets an upload order is about (contract §14.2).
            UploadPhase {
                /// Create-Session if needed, then Fragments.
                Upload => "upload",
                /// Downloading the server's reply (upload-reply).
                Reply => "reply",
                /// Close-Session.
                Close => "close",
            }
            /// Why a TLS connection failed (contract §15.8).
            TlsFailure {
                /// The certificate's CA is not trusted.
                UnknownCa => "unknown-ca",
                /// The certificate names another host.
                NameMismatch => "name-mismatch",
                /// The certificate has expired.
                Expired => "expired",
                /// The certificate is not for server authentication.
                WrongUsage => "wrong-usage",
                /// The certificate was revoked.
                Revoked => "revoked",
                /// Revocation could not be checked.
                RevocationUnchecked => "revocation-unchecked",
                /// The certificate is malformed.
                InvalidCertificate => "invalid-certificate",
                /// The server asked for a client certificate.
                ClientCertificateNeeded => "client-certificate-needed",
                /// The job's client certificate is not in the store.
                ClientCertificateMissing => "client-certificate-missing",
                /// The handshake failed without a certificate verdict.
                Handshake => "handshake",
            }
        }
    };
}

/// Defines each enum [`with_wit_enums`] lists.
macro_rules! define_wit_enums {
    ([] $($(#[$meta:meta])* $name:ident { $($(#[$cmeta:meta])* $case:ident => $wit:literal,)+ })+) => {
        $(wit_enum! { $(#[$meta])* $name { $($(#[$cmeta])* $case => $wit,)+ } })+
    };
}

with_wit_enums!([define_wit_enums] []);
with_wit_engine_enums!([define_wit_enums] []);

display_wit_name!(
    JobType,
    JobPriority,
    JobState,
    JobErrorContext,
    UploadProtocol,
    UploadPhase
);

impl JobType {
    /// Whether the job holds exactly one file (upload and upload-reply).
    pub const fn is_upload(self) -> bool {
        matches!(self, JobType::Upload | JobType::UploadReply)
    }
}

impl Default for JobPriority {
    /// `normal`, a new job's priority.
    fn default() -> JobPriority {
        JobPriority::Normal
    }
}

impl Default for UploadPhase {
    /// `upload`, where every upload starts.
    fn default() -> UploadPhase {
        UploadPhase::Upload
    }
}

impl Default for UploadProtocol {
    /// `bits`, a new upload job's protocol.
    fn default() -> UploadProtocol {
        UploadProtocol::Bits
    }
}

impl JobState {
    /// Whether the state is final (`acknowledged` or `cancelled`): a job in
    /// it has left the queue for good and refuses every change.
    pub const fn is_final(self) -> bool {
        matches!(self, JobState::Acknowledged | JobState::Cancelled)
    }
}

/// A name that is not one of an enum's WIT names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    what: &'static str,
    expected: Vec<&'static str>,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a {}: expected one of ", self.what)?;
        for (i, name) in self.expected.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

impl core::error::Error for UnknownName {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    /// The WIT names, in the WIT's case order (contract §1).
    #[test]
    fn wit_names_in_order() {
        let names = |all: &[&str]| all.join(" ");
        assert_eq!(
            names(&JobState::ALL.map(JobState::wit_name)),
            "queued connecting transferring suspended error transient-error \
             transferred acknowledged cancelled"
        );
        assert_eq!(
            names(&JobPriority::ALL.map(JobPriority::wit_name)),
            "foreground high normal low"
        );
        assert_eq!(
            names(&JobType::ALL.map(JobType::wit_name)),
            "download upload upload-reply"
        );
        assert_eq!(
            names(&ErrorCode::ALL.map(ErrorCode::wit_name)),
            "not-found invalid-state empty invalid-argument string-too-long \
             too-many-files too-many-files-in-job too-many-jobs"
        );
    }

    #[test]
    fn names_parse_in_any_case_and_unknown_ones_say_what_is_expected() {
        assert_eq!("Transient-Error".parse(), Ok(JobState::TransientError));
        assert_eq!("HIGH".parse(), Ok(JobPriority::High));
        let e = "urgent".parse::<JobPriority>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "not a JobPriority: expected one of foreground, high, normal, low"
        );
        assert_eq!(JobState::Queued.to_string(), "queued");
    }

    #[test]
    fn final_states_and_upload_types() {
        let finals: Vec<_> = JobState::ALL.into_iter().filter(|s| s.is_final()).collect();
        assert_eq!(finals, [JobState::Acknowledged, JobState::Cancelled]);
        assert!(!JobType::Download.is_upload());
        assert!(JobType::Upload.is_upload() && JobType::UploadReply.is_upload());
        assert_eq!(JobPriority::default(), JobPriority::Normal);
    }
}
