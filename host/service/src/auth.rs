//! What a request of a job carries beyond its URL (contract §15.1–§15.2):
//! the job's custom headers and its credentials, read from the order's
//! details and the queue's secret store when the transfer starts.
//!
//! Bearer goes on every request; basic and digest (digest.rs) answer a 401
//! whose challenge names them, once, digest first when both are set and
//! offered. A second 401, or a challenge naming no scheme the job has,
//! ends as the server's 401 (fatal for the component). Credentials replace
//! a custom `Authorization`. A proxy basic or digest credential answers the
//! proxy's 407 to the tunnel's CONNECT once, digest first
//! (proxy_connect.rs).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bits_queue_host::{
    AuthScheme, AuthTarget, ClientCertificate, CredentialSlot, FileRange, Guid, OrderDetails,
    ProxySettings, SecretSlot, TransferFailure,
};
use bits_queue_store::{PersistError, Secrets, StoreError};

use crate::challenge::challenges;
use crate::digest;
use crate::proxy_connect::ProxyCredentials;

/// A job's headers and server credentials for one transfer. Its `Debug`
/// never shows a value.
#[derive(Clone, Default)]
pub struct RequestAuth {
    headers: Vec<(String, String)>,
    basic: Option<(String, String)>,
    digest: Option<(String, String)>,
    bearer: Option<String>,
    proxy: ProxySettings,
    /// The job's proxy credentials, for its CONNECT (proxy_connect.rs).
    proxy_credentials: ProxyCredentials,
    /// The job's method (contract §15.7); "" for GET.
    method: String,
    security_flags: u32,
    client_certificate: Option<ClientCertificate>,
    /// The file's ranges (contract §16.4); empty for the whole file.
    ranges: Vec<FileRange>,
}

impl std::fmt::Debug for RequestAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestAuth")
            .field("headers", &self.headers.len())
            .field("basic", &self.basic.is_some())
            .field("digest", &self.digest.is_some())
            .field("bearer", &self.bearer.is_some())
            .field("proxy", &self.proxy.usage)
            .field("proxy_credentials", &self.proxy_credentials)
            .field("method", &self.method())
            .field("security_flags", &self.security_flags)
            .field("client_certificate", &self.client_certificate.is_some())
            .field("ranges", &self.ranges.len())
            .finish()
    }
}

impl RequestAuth {
    /// What the order's details say for `job`, with the secrets they name.
    /// A detail this host cannot honour is `unsupported` (contract §14.1:
    /// never ignored); a secret the store lacks is sent as nothing.
    pub fn for_order(
        job: Guid,
        details: Option<&OrderDetails>,
        secrets: Option<&dyn Secrets>,
    ) -> Result<RequestAuth, TransferFailure> {
        Self::for_order_kept(job, details, secrets).map_err(|e| match e {
            StartFailure::Transfer(failure) => failure,
            StartFailure::Store(e) => {
                TransferFailure::LocalIo(format!("the secret store cannot be read: {e}"))
            }
        })
    }

    /// [`RequestAuth::for_order`], a secret store that fails kept apart
    /// from the transfer's failures.
    fn for_order_kept(
        job: Guid,
        details: Option<&OrderDetails>,
        secrets: Option<&dyn Secrets>,
    ) -> Result<RequestAuth, StartFailure> {
        let Some(details) = details else {
            return Ok(RequestAuth::default());
        };
        let http = &details.http;
        let secret = |slot: SecretSlot| -> Result<Option<(String, String)>, StartFailure> {
            let Some(secrets) = secrets else {
                return Ok(None);
            };
            let kept = secrets.get(job, slot).map_err(StartFailure::Store)?;
            Ok(kept.map(|s| (s.user_name, s.value)))
        };
        let text = match (&http.custom_headers, http.secret_headers) {
            (Some(text), _) => Some(text.clone()),
            (None, true) => secret(SecretSlot::CustomHeaders)?.map(|(_, text)| text),
            (None, false) => None,
        };
        let headers = text
            .as_deref()
            .and_then(bits_queue_host::headers::parse)
            .unwrap_or_default()
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect();
        let credential = |target, scheme| {
            let slot = CredentialSlot { target, scheme };
            if http.credentials.contains(&slot) {
                secret(SecretSlot::Credential(slot))
            } else {
                Ok(None)
            }
        };
        let basic = credential(AuthTarget::Server, AuthScheme::Basic)?;
        let digest = credential(AuthTarget::Server, AuthScheme::Digest)?;
        let bearer = credential(AuthTarget::Server, AuthScheme::Bearer)?.map(|(_, token)| token);
        let proxy_credentials = ProxyCredentials {
            basic: credential(AuthTarget::Proxy, AuthScheme::Basic)?,
            digest: credential(AuthTarget::Proxy, AuthScheme::Digest)?,
        };
        Ok(RequestAuth {
            headers,
            basic,
            digest,
            bearer,
            proxy: http.proxy.clone(),
            proxy_credentials,
            method: http.method.clone(),
            security_flags: http.security_flags,
            client_certificate: http.client_certificate.clone(),
            ranges: details.ranges.clone(),
        })
    }

    /// The headers every request of the transfer carries: the custom ones,
    /// then the bearer token in place of a custom `Authorization`.
    pub fn headers(&self) -> Vec<(String, String)> {
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .filter(|(name, _)| {
                self.bearer.is_none() || !name.eq_ignore_ascii_case("authorization")
            })
            .cloned()
            .collect();
        if let Some(token) = &self.bearer {
            headers.push(("Authorization".into(), format!("Bearer {token}")));
        }
        headers
    }

    /// The job's HTTP method (contract §15.7): GET unless the job set
    /// another, which goes without a body and without a Range.
    pub fn method(&self) -> &str {
        if self.method.is_empty() {
            "GET"
        } else {
            &self.method
        }
    }

    /// The ranges of the remote file to fetch, packed in this order
    /// (contract §16.4); empty for the whole file.
    pub fn ranges(&self) -> &[FileRange] {
        &self.ranges
    }

    /// The job's proxy settings (contract §15.6).
    pub fn proxy(&self) -> &ProxySettings {
        &self.proxy
    }

    /// The job's security flags (contract §15.4).
    pub fn security_flags(&self) -> u32 {
        self.security_flags
    }

    /// The job's client certificate reference (contract §15.5).
    pub fn client_certificate(&self) -> Option<&ClientCertificate> {
        self.client_certificate.as_ref()
    }

    /// The proxy credentials that answer a proxy's 407, if the job holds
    /// any.
    pub(crate) fn proxy_credentials(&self) -> &ProxyCredentials {
        &self.proxy_credentials
    }

    /// The `Authorization` that answers a 401 to `method` `target` (the
    /// request target as sent) whose `WWW-Authenticate` values are
    /// `values`, if the job holds a credential for one of its challenges:
    /// digest first, then basic (contract §15.2). Bearer went with the
    /// request already, so a 401 to it is not answered.
    pub fn answer(&self, values: &[&str], method: &str, target: &str) -> Option<String> {
        if self.bearer.is_some() {
            return None;
        }
        let found = challenges(values);
        if let Some((user, password)) = &self.digest
            && digest::offered(&found)
        {
            let cnonce = digest::cnonce();
            let request = digest::Request {
                user,
                password,
                method,
                uri: target,
                cnonce: &cnonce,
            };
            return digest::answer(&found, &request);
        }
        let (user, password) = self.basic.as_ref()?;
        let offered = found.iter().any(|c| c.is("basic"));
        offered.then(|| format!("Basic {}", STANDARD.encode(format!("{user}:{password}"))))
    }
}

/// The headers and credentials of a `start` order: its details (a
/// download's; upload orders go out as before) and the secrets they name.
pub(crate) fn for_start(
    backend: &impl crate::Backend,
    order: &bits_queue_host::TransferOrder,
) -> Result<RequestAuth, StartFailure> {
    if order.job_type != bits_queue_host::JobType::Download {
        return Ok(RequestAuth::default());
    }
    let file = order.file;
    let details = backend
        .read(|q| q.order_details(file))
        .map_err(|e| match e {
            PersistError::Store(e) => StartFailure::Store(e),
            e => StartFailure::Transfer(TransferFailure::LocalIo(format!(
                "the order's details: {e}"
            ))),
        })?;
    let secrets = backend.secrets();
    RequestAuth::for_order_kept(file.job, details.as_ref(), secrets.as_deref())
}

/// Why a transfer's request could not be made ready.
#[derive(Debug)]
pub(crate) enum StartFailure {
    /// The transfer fails, as the component is told (a detail this host
    /// cannot honour).
    Transfer(TransferFailure),
    /// The queue's store (its details, its secret store) failed: a store
    /// error like any other while serving (a lost connection, a refusal),
    /// which the service waits out; the job is not to blame, and fails
    /// for none of it.
    Store(StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic() -> RequestAuth {
        RequestAuth {
            basic: Some(("ann".into(), "pw".into())),
            ..RequestAuth::default()
        }
    }

    #[test]
    fn basic_answers_only_a_basic_challenge() {
        let answer = |auth: &RequestAuth, value: &str| auth.answer(&[value], "GET", "/");
        assert_eq!(
            answer(&basic(), "Basic realm=\"q\"").as_deref(),
            Some("Basic YW5uOnB3")
        );
        assert_eq!(answer(&basic(), "Digest realm=\"q\", nonce=\"n\""), None);
        assert_eq!(answer(&RequestAuth::default(), "Basic realm=\"q\""), None);
    }

    #[test]
    fn digest_wins_when_both_are_set_and_offered() {
        let both = RequestAuth {
            digest: Some(("ann".into(), "pw".into())),
            ..basic()
        };
        let offers = "Basic realm=\"q\", Digest realm=\"q\", nonce=\"n\", qop=\"auth\"";
        let answered = both.answer(&[offers], "GET", "/x").unwrap();
        assert!(
            answered.starts_with("Digest username=\"ann\""),
            "{answered}"
        );
        assert!(answered.contains("uri=\"/x\""), "{answered}");
        // Only basic offered: basic answers.
        assert_eq!(
            both.answer(&["Basic realm=\"q\""], "GET", "/x").as_deref(),
            Some("Basic YW5uOnB3")
        );
    }

    #[test]
    fn bearer_replaces_a_custom_authorization() {
        let auth = RequestAuth {
            headers: vec![
                ("authorization".into(), "Custom x".into()),
                ("X-A".into(), "1".into()),
            ],
            bearer: Some("tok".into()),
            ..RequestAuth::default()
        };
        assert_eq!(
            auth.headers(),
            vec![
                ("X-A".to_string(), "1".to_string()),
                ("Authorization".to_string(), "Bearer tok".to_string())
            ]
        );
        assert_eq!(auth.answer(&["Basic"], "GET", "/"), None);
    }
}
