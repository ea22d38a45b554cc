//! How a transfer failure ends (contract §10): fatal or transient, and the
//! HRESULT and error context it records.

use alloc::string::String;

use bits_queue_contract::error::hresult;
use bits_queue_contract::{JobErrorContext, TransferFailure};

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
}

/// The HTTP statuses that end a job in `error` (contract §10): the request
/// itself is wrong, or the server will not serve it, and asking again
/// cannot help. Every other status is transient (408, 409, most 5xx, …).
pub fn http_status_is_fatal(status: u16) -> bool {
    matches!(status, 300..=305 | 307 | 400..=407 | 410..=499 | 501 | 505)
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
    }
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
                || (410..=499).contains(&status)
                || status == 501
                || status == 505;
            assert_eq!(http_status_is_fatal(status), expected, "{status}");
            let c = classify(&TransferFailure::HttpStatus(status));
            assert_eq!(c.hresult, 0x8019_0000 + u32::from(status));
            assert_eq!(c.context, JobErrorContext::RemoteFile);
            assert!(c.description.contains(&status.to_string()));
        }
        for transient in [306, 308, 408, 409, 500, 502, 503, 504, 506, 200] {
            assert!(!http_status_is_fatal(transient), "{transient}");
        }
    }
}
