//! The server-certificate check of a job with security flags (contract
//! §15.4): webpki's own check against the host's roots, with exactly the
//! faults the job's ignore-flags name forgiven, and nothing else.
//!
//! - IGNORE_CERT_DATE_INVALID (0x4): a certificate that expired or is not
//!   valid yet is checked again at the edge of its validity, so every
//!   other fault is still found;
//! - IGNORE_UNKNOWN_CA (0x8): a chain that reaches no trusted root passes;
//!   webpki checked the server's certificate itself (dates, usage) before
//!   it looked for an issuer, so only the issuer is left unchecked;
//! - IGNORE_CERT_WRONG_USAGE (0x10): the extended key usage may name
//!   anything (its syntax is still checked);
//! - IGNORE_CERT_CN_INVALID (0x2): the name check, made last, may fail;
//! - ENABLE_CRL_CHECK (0x1): the server's certificate is checked against
//!   the host's CRL files (`bitsq --crl-file`). A certificate no CRL of its
//!   issuer covers, an expired CRL, or no CRL at all, is
//!   `revocation-unchecked`: the flag asks for a check, and a host that
//!   cannot make it says so rather than passing the certificate. OCSP is
//!   not offered.
//!
//! The handshake's signatures are always checked.

use std::sync::Arc;

use bits_queue_host::security;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use webpki::{
    CertRevocationList, EndEntityCert, ExpirationPolicy, ExtendedKeyUsageValidator,
    KeyPurposeIdIter, KeyUsage, RevocationCheckDepth, RevocationOptionsBuilder,
    UnknownStatusPolicy,
};

/// How many times a check is made again at another time (the server's
/// certificate, then an issuer, may each be out of date).
const DATE_RETRIES: usize = 4;

/// A server-certificate verifier for one job's security flags.
#[derive(Debug)]
pub(crate) struct FlagVerifier {
    anchors: Arc<Vec<TrustAnchor<'static>>>,
    crls: Arc<Vec<CertRevocationList<'static>>>,
    flags: u32,
    algorithms: WebPkiSupportedAlgorithms,
}

impl FlagVerifier {
    pub(crate) fn new(
        anchors: Arc<Vec<TrustAnchor<'static>>>,
        crls: Arc<Vec<CertRevocationList<'static>>>,
        flags: u32,
        algorithms: WebPkiSupportedAlgorithms,
    ) -> FlagVerifier {
        FlagVerifier {
            anchors,
            crls,
            flags,
            algorithms,
        }
    }

    fn ignores(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    /// The chain's check, with the date, authority and usage faults the
    /// flags name forgiven.
    fn verify_chain(
        &self,
        cert: &EndEntityCert<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), rustls::Error> {
        let crls: Vec<&CertRevocationList<'_>> = self.crls.iter().collect();
        let revocation = if self.ignores(security::ENABLE_CRL_CHECK) {
            // No CRL at all: revocation cannot be checked.
            let builder = RevocationOptionsBuilder::new(&crls)
                .map_err(|_| CertificateError::UnknownRevocationStatus)?;
            Some(
                builder
                    .with_depth(RevocationCheckDepth::EndEntity)
                    .with_status_policy(UnknownStatusPolicy::Deny)
                    .with_expiration_policy(ExpirationPolicy::Enforce)
                    .build(),
            )
        } else {
            None
        };
        let usage = ServerUsage {
            any: self.ignores(security::IGNORE_CERT_WRONG_USAGE),
        };
        let mut time = now;
        for _ in 0..DATE_RETRIES {
            let checked = cert.verify_for_usage(
                self.algorithms.all,
                &self.anchors,
                intermediates,
                time,
                &usage,
                revocation,
                None,
            );
            let dates = self.ignores(security::IGNORE_CERT_DATE_INVALID);
            match checked {
                Ok(_) => return Ok(()),
                Err(webpki::Error::CertExpired { not_after, .. }) if dates => time = not_after,
                Err(webpki::Error::CertNotValidYet { not_before, .. }) if dates => {
                    time = not_before
                }
                Err(webpki::Error::UnknownIssuer) if self.ignores(security::IGNORE_UNKNOWN_CA) => {
                    // A CRL is signed by the issuer this chain lacks.
                    return match revocation {
                        Some(_) => Err(CertificateError::UnknownRevocationStatus.into()),
                        None => Ok(()),
                    };
                }
                Err(e) => return Err(pki_error(e)),
            }
        }
        Err(CertificateError::Expired.into())
    }
}

impl ServerCertVerifier for FlagVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let cert = EndEntityCert::try_from(end_entity).map_err(pki_error)?;
        self.verify_chain(&cert, intermediates, now)?;
        match cert.verify_is_valid_for_subject_name(server_name) {
            Err(e) if !self.ignores(security::IGNORE_CERT_CN_INVALID) => Err(pki_error(e)),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Server authentication, or with `any` whatever the certificate names.
struct ServerUsage {
    any: bool,
}

impl ExtendedKeyUsageValidator for ServerUsage {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        if !self.any {
            return KeyUsage::server_auth().validate(iter);
        }
        // Any purpose will do, but the extension must still parse.
        for purpose in iter {
            purpose?;
        }
        Ok(())
    }
}

/// A webpki verdict as the rustls error the transfer classifies
/// (tls_failure.rs), as rustls' own verifier reports it.
fn pki_error(error: webpki::Error) -> rustls::Error {
    use webpki::Error as E;
    let cert = match error {
        E::BadDer | E::BadDerTime | E::TrailingData(_) => CertificateError::BadEncoding,
        E::CertNotValidYet { time, not_before } => {
            CertificateError::NotValidYetContext { time, not_before }
        }
        E::CertExpired { time, not_after } => CertificateError::ExpiredContext { time, not_after },
        E::InvalidCertValidity => CertificateError::Expired,
        E::UnknownIssuer => CertificateError::UnknownIssuer,
        E::CertNotValidForName(_) => CertificateError::NotValidForName,
        E::CertRevoked => CertificateError::Revoked,
        E::UnknownRevocationStatus => CertificateError::UnknownRevocationStatus,
        E::CrlExpired { time, next_update } => {
            CertificateError::ExpiredRevocationListContext { time, next_update }
        }
        E::InvalidSignatureForPublicKey => CertificateError::BadSignature,
        #[allow(deprecated)]
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => {
            CertificateError::InvalidPurpose
        }
        other => CertificateError::Other(OtherError(Arc::new(other))),
    };
    rustls::Error::InvalidCertificate(cert)
}
