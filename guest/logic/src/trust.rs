//! A job's security flags and client-certificate reference (contract
//! §15.4, §15.5). Neither is a secret: the flags are bits, and the
//! certificate is only a reference (store and thumbprint or subject) that
//! the host resolves; its private key never enters the component.

use bits_queue_contract::security::{self, CertificateFault};
use bits_queue_contract::{CallError, ClientCertificate};

use crate::job::Job;

/// What a job holds of §15.4–§15.5.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustState {
    /// Windows' security flags, 0 by default.
    pub(crate) security_flags: u32,
    /// The client certificate the host presents, if any.
    pub(crate) client_certificate: Option<ClientCertificate>,
}

impl TrustState {
    /// A new job's: no flag, no certificate.
    pub fn is_default(&self) -> bool {
        *self == TrustState::default()
    }
}

/// Checks a flags value (§15.4): a bit outside 0x0B1F, the policy 0x0300,
/// or https → http with DISALLOW is `invalid-argument`.
pub(crate) fn check_security_flags(flags: u32) -> Result<(), CallError> {
    if security::is_valid(flags) {
        Ok(())
    } else {
        Err(CallError::InvalidArgument)
    }
}

/// Checks a certificate reference (§15.5): lengths, then syntax.
pub(crate) fn check_client_certificate(cert: &ClientCertificate) -> Result<(), CallError> {
    security::check_certificate(cert).map_err(|fault| match fault {
        CertificateFault::TooLong => CallError::StringTooLong,
        CertificateFault::Invalid => CallError::InvalidArgument,
    })
}

/// The manager's calls about security flags and client certificates.
impl Job {
    /// The security flags (§15.4).
    pub fn security_flags(&self) -> u32 {
        self.trust.security_flags
    }

    /// Sets the security flags. No file restarts, whatever changes (Windows
    /// restarts one for the revocation bit; the contract does not).
    pub fn set_security_flags(&mut self, flags: u32) -> Result<(), CallError> {
        self.check_not_final()?;
        check_security_flags(flags)?;
        self.trust.security_flags = flags;
        Ok(())
    }

    /// The client certificate reference, none when there is none (§15.5).
    pub fn client_certificate(&self) -> Option<ClientCertificate> {
        self.trust.client_certificate.clone()
    }

    /// Sets or (with none) removes the client certificate reference.
    pub fn set_client_certificate(
        &mut self,
        cert: Option<ClientCertificate>,
    ) -> Result<(), CallError> {
        self.check_not_final()?;
        if let Some(cert) = &cert {
            check_client_certificate(cert)?;
        }
        self.trust.client_certificate = cert;
        Ok(())
    }
}
