//! Security flags and client-certificate references (contract §15.4,
//! §15.5): Windows' bit values, which combinations a job may hold, and
//! what a reference to a certificate may look like. Every host reads the
//! flags from here, so a bit means the same thing on each.

use crate::{CertificateId, ClientCertificate};

/// BG_SSL_ENABLE_CRL_CHECK: the server's certificate is checked for
/// revocation.
pub const ENABLE_CRL_CHECK: u32 = 0x0001;
/// BG_SSL_IGNORE_CERT_CN_INVALID: a certificate for another name passes.
pub const IGNORE_CERT_CN_INVALID: u32 = 0x0002;
/// BG_SSL_IGNORE_CERT_DATE_INVALID: an expired or not yet valid
/// certificate passes.
pub const IGNORE_CERT_DATE_INVALID: u32 = 0x0004;
/// BG_SSL_IGNORE_UNKNOWN_CA: a certificate no trusted authority signed
/// passes.
pub const IGNORE_UNKNOWN_CA: u32 = 0x0008;
/// BG_SSL_IGNORE_CERT_WRONG_USAGE: a certificate not meant for server
/// authentication passes.
pub const IGNORE_CERT_WRONG_USAGE: u32 = 0x0010;
/// The TLS bits: they cover every https request of a job.
pub const TLS_FLAGS: u32 = 0x001F;

/// The redirect policy's mask.
pub const REDIRECT_POLICY_MASK: u32 = 0x0700;
/// BG_HTTP_REDIRECT_POLICY_ALLOW_SILENT (the default): follow, report
/// nothing.
pub const REDIRECT_POLICY_ALLOW_SILENT: u32 = 0x0000;
/// BG_HTTP_REDIRECT_POLICY_ALLOW_REPORT: follow, then report the final URL.
pub const REDIRECT_POLICY_ALLOW_REPORT: u32 = 0x0100;
/// BG_HTTP_REDIRECT_POLICY_DISALLOW: do not follow.
pub const REDIRECT_POLICY_DISALLOW: u32 = 0x0200;
/// BG_HTTP_REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP: an https → http step is
/// allowed.
pub const REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP: u32 = 0x0800;

/// Every bit a job may hold.
pub const ALL: u32 = 0x0B1F;

/// Whether a job may hold `flags`: no bit outside [`ALL`], no policy value
/// 0x0300, and no https → http allowance with DISALLOW.
pub fn is_valid(flags: u32) -> bool {
    let policy = flags & REDIRECT_POLICY_MASK;
    flags & !ALL == 0
        && policy != REDIRECT_POLICY_ALLOW_REPORT | REDIRECT_POLICY_DISALLOW
        && !(policy == REDIRECT_POLICY_DISALLOW && flags & REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP != 0)
}

/// Most UTF-16 code units in a store name or a subject.
pub const MAX_CERTIFICATE_TEXT: usize = 255;
/// The bytes of a SHA-1 thumbprint.
pub const SHA1_LEN: usize = 20;

/// Why a client-certificate reference is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateFault {
    /// The store name or subject is over [`MAX_CERTIFICATE_TEXT`].
    TooLong,
    /// Anything else: an empty or badly spelled store, a thumbprint that
    /// is not 20 bytes, an empty subject.
    Invalid,
}

/// Checks a reference as `set-client-certificate` does: lengths first, then
/// syntax.
pub fn check_certificate(cert: &ClientCertificate) -> Result<(), CertificateFault> {
    let units = |text: &str| text.encode_utf16().count();
    let subject_units = match &cert.id {
        CertificateId::Subject(subject) => units(subject),
        CertificateId::Sha1(_) => 0,
    };
    if units(&cert.store) > MAX_CERTIFICATE_TEXT || subject_units > MAX_CERTIFICATE_TEXT {
        return Err(CertificateFault::TooLong);
    }
    let store_ok = !cert.store.is_empty()
        && cert
            .store
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    let id_ok = match &cert.id {
        CertificateId::Sha1(hash) => hash.len() == SHA1_LEN,
        CertificateId::Subject(subject) => !subject.is_empty(),
    };
    if store_ok && id_ok {
        Ok(())
    } else {
        Err(CertificateFault::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use alloc::vec;

    #[test]
    fn the_valid_flags_are_exactly_the_contracts() {
        for flags in 0..=0xFFFFu32 {
            let bits_ok = flags & !0x0B1F == 0;
            let policy = flags & 0x0700;
            let expected =
                bits_ok && policy != 0x0300 && !(policy == 0x0200 && flags & 0x0800 != 0);
            assert_eq!(is_valid(flags), expected, "{flags:#06x}");
        }
        assert!(is_valid(0x091F));
        assert!(!is_valid(0x0A1F));
        assert!(!is_valid(0x1_0000));
    }

    #[test]
    fn certificate_references() {
        let cert = |store: &str, id| ClientCertificate {
            store: store.into(),
            id,
        };
        let sha = |n| CertificateId::Sha1(vec![7; n]);
        assert_eq!(check_certificate(&cert("MY", sha(20))), Ok(()));
        assert_eq!(check_certificate(&cert("a.b_c-D9", sha(20))), Ok(()));
        assert_eq!(
            check_certificate(&cert("MY", sha(19))),
            Err(CertificateFault::Invalid)
        );
        assert_eq!(
            check_certificate(&cert("", sha(20))),
            Err(CertificateFault::Invalid)
        );
        assert_eq!(
            check_certificate(&cert("M Y", sha(20))),
            Err(CertificateFault::Invalid)
        );
        let subject = |s: String| CertificateId::Subject(s);
        assert_eq!(
            check_certificate(&cert("MY", subject(String::new()))),
            Err(CertificateFault::Invalid)
        );
        assert_eq!(
            check_certificate(&cert("MY", subject("x".repeat(255)))),
            Ok(())
        );
        assert_eq!(
            check_certificate(&cert("MY", subject("x".repeat(256)))),
            Err(CertificateFault::TooLong)
        );
        assert_eq!(
            check_certificate(&cert(&"M".repeat(256), sha(3))),
            Err(CertificateFault::TooLong)
        );
    }
}
