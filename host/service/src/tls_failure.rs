//! A failed HTTPS connection, classified as contract §15.8 says: a
//! certificate the host does not accept is a `tls` failure with its cause
//! (fatal, ERROR_WINHTTP_SECURE_FAILURE), not a transient "cannot
//! connect" retried until the no-progress timeout; a handshake that fails
//! without a verdict on the certificate is `tls(handshake)` (transient).
//! The description is words, never rustls' debug text.

use bits_queue_host::{FailureDetail, TlsFailure, TransferFailure};
use rustls::{AlertDescription, CertificateError};

use crate::transport::{Outcome, bounded_text};

/// The rustls error inside `error`, if the request failed in TLS. ureq
/// gives it directly, or inside the I/O error of the stream that carried
/// the handshake.
pub(crate) fn rustls_error(error: &ureq::Error) -> Option<&rustls::Error> {
    match error {
        ureq::Error::Rustls(e) => Some(e),
        ureq::Error::Io(io) => io.get_ref()?.downcast_ref::<rustls::Error>(),
        _ => None,
    }
}

/// `error` as the detail the component classifies.
pub(crate) fn tls_failure(error: &rustls::Error) -> FailureDetail {
    let (kind, why) = match error {
        rustls::Error::InvalidCertificate(cert) => certificate(cert),
        rustls::Error::AlertReceived(AlertDescription::CertificateRequired) => (
            TlsFailure::ClientCertificateNeeded,
            "the server asks for a client certificate".to_owned(),
        ),
        // A server's verdict can only be on the certificate a client sent:
        // it wants another one (contract §15.5), which no retry changes.
        rustls::Error::AlertReceived(
            alert @ (AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateRevoked
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::AccessDenied),
        ) => (
            TlsFailure::ClientCertificateNeeded,
            format!("the server refused the client certificate ({alert:?})"),
        ),
        other => (
            TlsFailure::Handshake,
            format!("the secure connection failed: {}", rustls_words(other)),
        ),
    };
    FailureDetail::Tls(kind, why)
}

/// A certificate verdict: its cause, and the words that say it.
fn certificate(error: &CertificateError) -> (TlsFailure, String) {
    use CertificateError as C;
    let server = "the server's certificate";
    match error {
        C::UnknownIssuer => (
            TlsFailure::UnknownCa,
            format!(
                "{server} is not signed by a certificate authority this host trusts \
                 (the system's, SSL_CERT_FILE or SSL_CERT_DIR, or bitsq's --ca-file)"
            ),
        ),
        C::NotValidForName | C::NotValidForNameContext { .. } => (
            TlsFailure::NameMismatch,
            format!("{server} is not valid for the server's name"),
        ),
        C::Expired | C::ExpiredContext { .. } => {
            (TlsFailure::Expired, format!("{server} has expired"))
        }
        C::NotValidYet | C::NotValidYetContext { .. } => {
            (TlsFailure::Expired, format!("{server} is not valid yet"))
        }
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => (
            TlsFailure::WrongUsage,
            format!("{server} is not for server authentication"),
        ),
        C::Revoked => (TlsFailure::Revoked, format!("{server} is revoked")),
        C::UnknownRevocationStatus
        | C::ExpiredRevocationList
        | C::ExpiredRevocationListContext { .. } => (
            TlsFailure::RevocationUnchecked,
            format!("whether {server} is revoked cannot be checked"),
        ),
        C::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
            Some(webpki::Error::CaUsedAsEndEntity) => (
                TlsFailure::WrongUsage,
                format!("{server} is a certificate authority's, not a server's"),
            ),
            Some(webpki::Error::EndEntityUsedAsCa) => (
                TlsFailure::WrongUsage,
                format!("{server} is signed by a certificate that is not an authority's"),
            ),
            _ => (
                TlsFailure::InvalidCertificate,
                format!("{server} is not valid: {other}"),
            ),
        },
        other => (
            TlsFailure::InvalidCertificate,
            format!("{server} is not valid ({})", certificate_words(other)),
        ),
    }
}

/// A rustls error in words: its own Display, which names the cause.
pub(crate) fn rustls_words(error: &rustls::Error) -> String {
    match error {
        rustls::Error::InvalidCertificate(cert) => certificate_words(cert),
        other => other.to_string(),
    }
}

fn certificate_words(error: &CertificateError) -> String {
    use CertificateError as C;
    match error {
        C::BadEncoding => "it is not well-formed".into(),
        C::BadSignature => "its signature does not verify".into(),
        C::UnsupportedSignatureAlgorithmContext { .. }
        | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "its signature algorithm is not supported".into()
        }
        C::UnhandledCriticalExtension => {
            "it has a critical extension this host cannot check".into()
        }
        C::Other(other) => other.to_string(),
        other => format!("{other}"),
    }
}

/// A request that got no answer, as an upload packet or a reply GET reports
/// it: a certificate verdict or a failed handshake by its cause (contract
/// §15.8, as downloads), anything else `connect-failed` in `words`.
pub(crate) fn unanswered(error: &ureq::Error, words: impl FnOnce() -> String) -> Outcome {
    match rustls_error(error) {
        Some(tls) => tls_failure(tls).into(),
        None => TransferFailure::ConnectFailed(bounded_text(words())).into(),
    }
}
