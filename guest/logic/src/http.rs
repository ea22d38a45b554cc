//! A job's custom headers and credentials (contract §15.1–§15.2).
//!
//! The job keeps readable headers, whether they are write-only, and which
//! credential slots are set. Secrets — credentials, and headers once
//! write-only — never stay here: each call that takes one gives a
//! [`SecretOp`] for the host's secret store instead.

use alloc::string::String;
use alloc::vec::Vec;

use bits_queue_contract::headers::{self, MAX_CUSTOM_HEADERS};
use bits_queue_contract::{
    AuthScheme, AuthTarget, CallError, CredentialSlot, Credentials, HttpSettings, ProxySettings,
    ProxyUsage, Secret, SecretOp, SecretSlot, proxy,
};

use crate::job::Job;
use crate::validate::fits_utf16;

/// The longest user name, in UTF-16 code units.
pub const MAX_USER_NAME: usize = 300;
/// The longest password or token, in UTF-16 code units.
pub const MAX_PASSWORD: usize = 65_535;

/// What a job holds of §15.1–§15.2.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpState {
    /// The headers while readable (never once write-only).
    pub(crate) custom_headers: Option<String>,
    /// `make-custom-headers-write-only` was called, or the headers named a
    /// secret header.
    pub(crate) write_only: bool,
    /// The headers are in the host's secret store.
    pub(crate) secret_headers: bool,
    /// The credential slots set, in (target, scheme) case order.
    pub(crate) credentials: Vec<CredentialSlot>,
    /// How the job reaches its server (§15.6).
    pub(crate) proxy: ProxySettings,
    /// A download's method other than GET (§15.7); none for the default.
    pub(crate) method: Option<String>,
}

impl HttpState {
    /// A new job's: nothing set.
    pub fn is_default(&self) -> bool {
        *self == HttpState::default()
    }

    /// The settings an order passes (§15.9), the rest at their defaults.
    pub fn settings(&self) -> HttpSettings {
        HttpSettings {
            custom_headers: self.custom_headers.clone(),
            secret_headers: self.secret_headers,
            credentials: self.credentials.clone(),
            proxy: self.proxy.clone(),
            method: self
                .method
                .clone()
                .unwrap_or_else(|| crate::method::DEFAULT_METHOD.into()),
            ..HttpSettings::default()
        }
    }
}

/// A slot's place in case order, for a sorted list.
fn rank(slot: &CredentialSlot) -> (u8, u8) {
    (slot.target as u8, slot.scheme as u8)
}

/// Bearer is for the server only.
fn check_slot(target: AuthTarget, scheme: AuthScheme) -> Result<(), CallError> {
    if target == AuthTarget::Proxy && scheme == AuthScheme::Bearer {
        return Err(CallError::InvalidArgument);
    }
    Ok(())
}

/// RFC 6750's token68: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" /
/// "/" ) *"="`.
fn is_token68(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// Checks a credential: lengths, then syntax.
fn check_credentials(c: &Credentials) -> Result<(), CallError> {
    if !fits_utf16(&c.user_name, MAX_USER_NAME) {
        return Err(CallError::UsernameTooLarge);
    }
    if !fits_utf16(&c.password, MAX_PASSWORD) {
        return Err(CallError::PasswordTooLarge);
    }
    check_slot(c.target, c.scheme)?;
    let control = |s: &str| s.contains(['\r', '\n', '\0']);
    let bad = control(&c.user_name)
        || control(&c.password)
        || (c.scheme == AuthScheme::Basic && c.user_name.contains(':'))
        || (c.scheme == AuthScheme::Bearer
            && (!c.user_name.is_empty() || !is_token68(&c.password)));
    if bad {
        return Err(CallError::InvalidArgument);
    }
    Ok(())
}

/// Checks proxy settings (§15.6).
pub(crate) fn check_proxy_settings(settings: &ProxySettings) -> Result<(), CallError> {
    if !fits_utf16(&settings.proxy_list, proxy::MAX_PROXY_LIST) {
        return Err(CallError::ProxyListTooLarge);
    }
    if !fits_utf16(&settings.bypass_list, proxy::MAX_PROXY_LIST) {
        return Err(CallError::ProxyBypassListTooLarge);
    }
    let blank = |list: &str| list.trim_ascii().is_empty();
    let valid = match settings.usage {
        ProxyUsage::Preconfig | ProxyUsage::NoProxy => {
            blank(&settings.proxy_list) && blank(&settings.bypass_list)
        }
        ProxyUsage::Override => {
            !blank(&settings.proxy_list)
                && proxy::parse_proxy_list(&settings.proxy_list).is_some()
                && proxy::bypass_list_is_valid(&settings.bypass_list)
        }
    };
    if !valid {
        return Err(CallError::InvalidArgument);
    }
    Ok(())
}

/// The manager's calls about headers and credentials.
impl Job {
    /// The headers, none when there are none; `access-denied` once
    /// write-only.
    pub fn custom_headers(&self) -> Result<Option<String>, CallError> {
        if self.http.write_only {
            return Err(CallError::AccessDenied);
        }
        Ok(self.http.custom_headers.clone())
    }

    /// Sets (none or "": removes) the headers. Write-only headers, and
    /// headers naming a secret header, go to the secret store: the
    /// returned op carries them there.
    pub fn set_custom_headers(
        &mut self,
        headers: Option<&str>,
    ) -> Result<Option<SecretOp>, CallError> {
        self.check_not_final()?;
        let headers = headers.filter(|h| !h.is_empty());
        if let Some(text) = headers {
            if !fits_utf16(text, MAX_CUSTOM_HEADERS) {
                return Err(CallError::StringTooLong);
            }
            let pairs = headers::parse(text).ok_or(CallError::InvalidArgument)?;
            if pairs.iter().any(|(name, _)| headers::is_secret_name(name)) {
                self.http.write_only = true;
            }
        }
        if !self.http.write_only {
            self.http.custom_headers = headers.map(String::from);
            return Ok(None);
        }
        self.http.custom_headers = None;
        let had = self.http.secret_headers;
        self.http.secret_headers = headers.is_some();
        Ok(match headers {
            Some(text) => Some(self.put(SecretSlot::CustomHeaders, String::new(), text.into())),
            None => had.then_some(SecretOp::Delete(self.id, SecretSlot::CustomHeaders)),
        })
    }

    /// Makes the headers write-only for good; readable ones move to the
    /// secret store.
    pub fn make_custom_headers_write_only(&mut self) -> Result<Option<SecretOp>, CallError> {
        self.check_not_final()?;
        self.http.write_only = true;
        Ok(self.http.custom_headers.take().map(|text| {
            self.http.secret_headers = true;
            self.put(SecretSlot::CustomHeaders, String::new(), text)
        }))
    }

    /// Sets one credential: the slot is marked, the secret goes out.
    pub fn set_credentials(&mut self, credentials: Credentials) -> Result<SecretOp, CallError> {
        self.check_not_final()?;
        check_credentials(&credentials)?;
        let slot = CredentialSlot {
            target: credentials.target,
            scheme: credentials.scheme,
        };
        if !self.http.credentials.contains(&slot) {
            self.http.credentials.push(slot);
            self.http.credentials.sort_by_key(rank);
        }
        Ok(self.put(
            SecretSlot::Credential(slot),
            credentials.user_name,
            credentials.password,
        ))
    }

    /// Removes one credential: whether one was set, and the op that deletes
    /// its secret.
    pub fn remove_credentials(
        &mut self,
        target: AuthTarget,
        scheme: AuthScheme,
    ) -> Result<Option<SecretOp>, CallError> {
        self.check_not_final()?;
        check_slot(target, scheme)?;
        let slot = CredentialSlot { target, scheme };
        let before = self.http.credentials.len();
        self.http.credentials.retain(|s| *s != slot);
        Ok((self.http.credentials.len() != before)
            .then_some(SecretOp::Delete(self.id, SecretSlot::Credential(slot))))
    }

    /// The credential slots set.
    pub fn credential_slots(&self) -> &[CredentialSlot] {
        &self.http.credentials
    }

    /// The proxy settings (§15.6).
    pub fn proxy_settings(&self) -> ProxySettings {
        self.http.proxy.clone()
    }

    /// Sets the proxy settings: lengths, then usage and syntax, are checked
    /// here, so a host never meets a list it cannot read.
    pub fn set_proxy_settings(&mut self, settings: ProxySettings) -> Result<(), CallError> {
        self.check_not_final()?;
        check_proxy_settings(&settings)?;
        self.http.proxy = settings;
        Ok(())
    }

    /// The HTTP settings an order of this job passes.
    pub fn http_settings(&self) -> HttpSettings {
        HttpSettings {
            security_flags: self.trust.security_flags,
            client_certificate: self.trust.client_certificate.clone(),
            ..self.http.settings()
        }
    }

    /// The HTTP settings an order of file `index` passes: the job's, but
    /// for a file a redirect report moved to another origin, no server
    /// credentials, no custom headers and `secret-headers` false (contract
    /// §15.4, redirects.rs). Proxy credentials go to the proxy only, so
    /// they stay.
    pub fn http_settings_for(&self, index: usize) -> HttpSettings {
        let mut settings = self.http_settings();
        if self.files.get(index).is_some_and(|f| f.foreign_origin) {
            settings.custom_headers = None;
            settings.secret_headers = false;
            settings
                .credentials
                .retain(|slot| slot.target == AuthTarget::Proxy);
        }
        settings
    }

    fn put(&self, slot: SecretSlot, user_name: String, value: String) -> SecretOp {
        SecretOp::Put(Secret {
            job: self.id,
            slot,
            user_name,
            value,
        })
    }
}

/// The record's form of [`HttpState`] (contract §11; no secret is in it).
pub(crate) mod record {
    use super::*;

    /// The slots' byte: bit `target * 3 + scheme` per slot.
    pub fn slot_bits(slots: &[CredentialSlot]) -> u8 {
        slots.iter().fold(0, |bits, s| {
            bits | 1 << (s.target as u8 * 3 + s.scheme as u8)
        })
    }

    /// The slots a byte names; `None` for a bit no slot has (proxy bearer
    /// included).
    pub fn slots_of(bits: u8) -> Option<Vec<CredentialSlot>> {
        let mut slots = Vec::new();
        for target in AuthTarget::ALL {
            for scheme in AuthScheme::ALL {
                if bits & 1 << (target as u8 * 3 + scheme as u8) != 0 {
                    check_slot(target, scheme).ok()?;
                    slots.push(CredentialSlot { target, scheme });
                }
            }
        }
        (u32::from(bits) >> 6 == 0).then_some(slots)
    }
}
