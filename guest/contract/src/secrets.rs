//! Credentials and the secrets that leave the component for the host's
//! secret store (contract §15.2): the component keeps only which slots are
//! set, never a secret or anything derived from one.

use alloc::string::String;

use crate::{AuthScheme, AuthTarget, CredentialSlot, Guid};

/// A credential with its secret, as a client gives it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Credentials {
    /// The server or the proxy.
    pub target: AuthTarget,
    /// The scheme.
    pub scheme: AuthScheme,
    /// The user name; "" for bearer.
    pub user_name: String,
    /// The password, or the bearer token.
    pub password: String,
}

impl core::fmt::Debug for Credentials {
    /// Never the secret.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Credentials")
            .field("target", &self.target)
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

/// Where a secret belongs in the host's secret store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SecretSlot {
    /// A credential.
    Credential(CredentialSlot),
    /// Write-only custom headers.
    CustomHeaders,
}

/// A secret for the host's store, keyed by job and slot.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret {
    /// The job.
    pub job: Guid,
    /// The slot.
    pub slot: SecretSlot,
    /// The user name; "" for bearer and custom headers.
    pub user_name: String,
    /// The password, token or headers.
    pub value: String,
}

impl core::fmt::Debug for Secret {
    /// Never the value.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Secret")
            .field("job", &self.job)
            .field("slot", &self.slot)
            .finish_non_exhaustive()
    }
}

/// What the host does to its secret store, in call order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SecretOp {
    /// Store the secret, replacing the slot's.
    Put(Secret),
    /// Forget the slot's secret.
    Delete(Guid, SecretSlot),
}
