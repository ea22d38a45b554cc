//! How a transfer failure ends (contract §10): fatal or transient, and the
//! HRESULT and error context it records.

use alloc::string::String;

use bits_queue_contract::error::hresult;
use bits_queue_contract::upload::upload_hresult;
use bits_queue_contract::{FailureDetail, JobErrorContext, TlsFailure, TransferFailure};

/// A failure as the job records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classified {
    /// `error` at once (else `transient-error`, retried).
    pub fatal: bool,
    /// The job error's HRESULT.
    pub hresult: u32,
    /// Where the error arose.
    pub context: JobErrorContext,
    /// What happened, in words, for the job error's description.
    pub description: String,
    /// Seconds the server asked to wait (Retry-After), at most a day.
    pub retry_after: Option<u64>,
}

/// The HTTP statuses that end a job in `error` (contract §10): the request
/// itself is wrong, or the server will not serve it, and asking again
/// cannot help. Every other status is transient (408, 409, most 5xx, …),
/// and so is 429 (too many requests), which §15.10 took out of §10's
/// fatal range 410–499: the server asks the client to come back later.
pub fn http_status_is_fatal(status: u16) -> bool {
    matches!(status, 300..=305 | 307 | 400..=407 | 410..=428 | 430..=499 | 501 | 505)
}

/// The contract's failure table.
pub fn classify(failure: &TransferFailure) -> Classified {
    let (fatal, hresult, context, description) = match failure {
        TransferFailure::HttpStatus(status) => (
            http_status_is_fatal(*status),
            hresult::HTTP_BASE + u32::from(*status),
            JobErrorContext::RemoteFile,
            words(&["the server answered HTTP ", &decimal(*status)]),
        ),
        TransferFailure::ConnectFailed(why) => (
            false,
            hresult::CONNECT_FAILURE,
            JobErrorContext::GeneralTransport,
            words(&["cannot connect: ", why]),
        ),
        TransferFailure::Interrupted(why) => (
            false,
            hresult::CONNECTION_CLOSED,
            JobErrorContext::GeneralTransport,
            words(&["the connection closed: ", why]),
        ),
        TransferFailure::RangeUnsupported => (
            true,
            hresult::INSUFFICIENT_RANGE_SUPPORT,
            JobErrorContext::RemoteFile,
            "the server cannot resume the file where it stopped".into(),
        ),
        TransferFailure::SizeUnknown => (
            true,
            hresult::MISSING_FILE_SIZE,
            JobErrorContext::RemoteFile,
            "the server gave no file size".into(),
        ),
        TransferFailure::RemoteMissing => (
            true,
            hresult::FILE_NOT_FOUND,
            JobErrorContext::RemoteFile,
            "the remote file does not exist".into(),
        ),
        TransferFailure::LocalIo(why) => (
            true,
            hresult::ACCESS_DENIED,
            JobErrorContext::LocalFile,
            words(&["the local file: ", why]),
        ),
        TransferFailure::Unsupported(why) => (
            true,
            hresult::NOT_IMPLEMENTED,
            JobErrorContext::GeneralTransport,
            words(&["not supported: ", why]),
        ),
    };
    Classified {
        fatal,
        hresult,
        context,
        description,
        retry_after: None,
    }
}

/// A full local disk: `error`, ERROR_DISK_FULL, context `local-file`.
pub fn classify_disk_full(why: &str) -> Classified {
    Classified {
        fatal: true,
        hresult: hresult::DISK_FULL,
        context: JobErrorContext::LocalFile,
        description: words(&["the local disk is full: ", why]),
        retry_after: None,
    }
}

/// The longest Retry-After honoured (contract §15.8): a day.
const MAX_RETRY_AFTER: u64 = 86_400;

/// The failure table of `report-failure-detail` (contract §14.4, §15.8,
/// §17.1), and whether the failure drops the upload's session (the server
/// no longer knows it).
pub fn classify_detail(detail: &FailureDetail) -> (Classified, bool) {
    use JobErrorContext::{GeneralTransport, LocalFile, RemoteApplication, RemoteFile};
    let mut drops_session = false;
    let mut retry_after = None;
    let (fatal, hresult, context, description) = match detail {
        FailureDetail::ServerError(error) => {
            let wire = error.hresult.filter(|code| code & 0x8000_0000 != 0);
            drops_session = wire == Some(upload_hresult::SESSION_NOT_FOUND);
            let description = if error.description.is_empty() {
                words(&["the server answered HTTP ", &decimal(error.status)])
            } else {
                error.description.clone()
            };
            (
                wire == Some(upload_hresult::TOO_LARGE) || http_status_is_fatal(error.status),
                wire.unwrap_or(hresult::HTTP_BASE + u32::from(error.status)),
                if error.context == Some(7) {
                    RemoteApplication
                } else {
                    RemoteFile
                },
                description,
            )
        }
        FailureDetail::ProtocolMismatch(why) => (
            true,
            upload_hresult::PROTOCOL_MISMATCH,
            RemoteFile,
            words(&["the server does not speak the upload protocol: ", why]),
        ),
        FailureDetail::InvalidResponse(why) => (
            true,
            upload_hresult::INVALID_SERVER_RESPONSE,
            RemoteFile,
            words(&["the server's answer is not valid: ", why]),
        ),
        FailureDetail::ReplyUrlMissing => (
            true,
            upload_hresult::INVALID_SERVER_RESPONSE,
            RemoteApplication,
            "the server gave no reply URL".into(),
        ),
        FailureDetail::LocalFileChanged => (
            true,
            upload_hresult::LOCAL_FILE_CHANGED,
            LocalFile,
            "the local file changed during the upload".into(),
        ),
        FailureDetail::RetryAfter(status, seconds) => {
            if matches!(status, 429 | 503) {
                retry_after = Some(u64::from(*seconds).min(MAX_RETRY_AFTER));
                (
                    false,
                    hresult::HTTP_BASE + u32::from(*status),
                    RemoteFile,
                    words(&["the server answered HTTP ", &decimal(*status)]),
                )
            } else {
                return (classify(&TransferFailure::HttpStatus(*status)), false);
            }
        }
        FailureDetail::Tls(kind, why) => {
            let (fatal, code, context) = match kind {
                TlsFailure::Revoked => (true, 0x8007_2F8A, RemoteFile),
                TlsFailure::RevocationUnchecked => (true, 0x8007_2F19, RemoteFile),
                TlsFailure::ClientCertificateNeeded => (true, 0x8007_2F0C, RemoteFile),
                TlsFailure::ClientCertificateMissing => (true, 0x8009_2004, LocalFile),
                TlsFailure::Handshake => (false, 0x8007_2F7D, GeneralTransport),
                _ => (true, 0x8007_2F8F, RemoteFile),
            };
            (fatal, code, context, words(&["TLS: ", why]))
        }
        FailureDetail::RedirectFailed(why) => (
            true,
            0x8007_2F7C,
            RemoteFile,
            words(&["the redirect failed: ", why]),
        ),
        FailureDetail::RedirectRefused(status, location) => (
            true,
            0x8007_0000 + u32::from(*status),
            RemoteFile,
            words(&["a redirect the job refuses, to ", location]),
        ),
        FailureDetail::Stalled(why) => (
            false,
            upload_hresult::NO_PROGRESS,
            GeneralTransport,
            words(&["no progress: ", why]),
        ),
    };
    let classified = Classified {
        fatal,
        hresult,
        context,
        description,
        retry_after,
    };
    (classified, drops_session)
}

/// The pieces joined. (Not `format!`: `core::fmt` would cost the component
/// kilobytes for a few words.)
fn words(pieces: &[&str]) -> String {
    pieces.concat()
}

/// `n` in decimal.
fn decimal(n: u16) -> String {
    let mut digits = [0u8; 5];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        // `rest % 10` is below 10, so the digit is ASCII.
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    digits[at..].iter().map(|&d| char::from(d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn decimal_writes_every_u16() {
        for n in [0u16, 7, 10, 404, 65_535] {
            assert_eq!(decimal(n), n.to_string());
        }
    }

    /// §10: every row of the failure table: state, HRESULT, context.
    #[test]
    fn the_failure_table() {
        use JobErrorContext::*;
        let rows: [(TransferFailure, bool, u32, JobErrorContext); 8] = [
            (
                TransferFailure::HttpStatus(404),
                true,
                0x8019_0194,
                RemoteFile,
            ),
            (
                TransferFailure::ConnectFailed("x".into()),
                false,
                0x8020_002D,
                GeneralTransport,
            ),
            (
                TransferFailure::Interrupted("x".into()),
                false,
                0x8020_002E,
                GeneralTransport,
            ),
            (
                TransferFailure::RangeUnsupported,
                true,
                0x8020_0013,
                RemoteFile,
            ),
            (TransferFailure::SizeUnknown, true, 0x8020_0011, RemoteFile),
            (
                TransferFailure::RemoteMissing,
                true,
                0x8007_0002,
                RemoteFile,
            ),
            (
                TransferFailure::LocalIo("x".into()),
                true,
                0x8007_0005,
                LocalFile,
            ),
            (
                TransferFailure::Unsupported("x".into()),
                true,
                0x8000_4001,
                GeneralTransport,
            ),
        ];
        for (failure, fatal, hresult, context) in rows {
            let c = classify(&failure);
            assert_eq!(
                (c.fatal, c.hresult, c.context),
                (fatal, hresult, context),
                "{failure:?}"
            );
            assert!(!c.description.is_empty());
        }
        assert!(
            classify(&TransferFailure::LocalIo("disk full".into()))
                .description
                .contains("disk full")
        );
    }

    /// §10: which HTTP statuses are fatal, status by status.
    #[test]
    fn http_statuses() {
        for status in 0..=999u16 {
            let expected = (300..=305).contains(&status)
                || status == 307
                || (400..=407).contains(&status)
                || ((410..=499).contains(&status) && status != 429)
                || status == 501
                || status == 505;
            assert_eq!(http_status_is_fatal(status), expected, "{status}");
            let c = classify(&TransferFailure::HttpStatus(status));
            assert_eq!(c.hresult, 0x8019_0000 + u32::from(status));
            assert_eq!(c.context, JobErrorContext::RemoteFile);
            assert!(c.description.contains(&status.to_string()));
        }
        for transient in [306, 308, 408, 409, 429, 500, 502, 503, 504, 506, 200] {
            assert!(!http_status_is_fatal(transient), "{transient}");
        }
    }
}
