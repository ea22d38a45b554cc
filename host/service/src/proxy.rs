//! Which proxy a download's request goes through (contract §15.6).
//!
//! `preconfig` follows the service's environment: `HTTPS_PROXY` for https
//! URLs, `HTTP_PROXY` for http, `ALL_PROXY` for either, and `NO_PROXY`
//! (either case, the lowercase name first as curl reads them); `no-proxy`
//! connects directly; `override` takes the job's list, the entry for the
//! URL's scheme (`scheme=` first), unless the host is on its bypass list.
//!
//! ureq sets a proxy per request (its pool keys connections by proxy), and
//! reaches http and https servers alike through a CONNECT tunnel. A job's
//! proxy credential goes with the CONNECT only once the proxy has asked for
//! one (a 407), and only to the proxy (proxy_connect.rs).

use bits_queue_host::{ProxySettings, ProxyUsage, TransferFailure, proxy};
use ureq::{Proxy, ProxyProtocol};

/// The proxy variables the service started with: `preconfig`'s settings.
#[derive(Clone, Default)]
pub struct ProxyEnv {
    http: Option<String>,
    https: Option<String>,
    all: Option<String>,
    no_proxy: Option<String>,
}

impl std::fmt::Debug for ProxyEnv {
    // A proxy variable may hold a password: only which ones are set shows.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyEnv")
            .field("http", &self.http.is_some())
            .field("https", &self.https.is_some())
            .field("all", &self.all.is_some())
            .field("no_proxy", &self.no_proxy.is_some())
            .finish()
    }
}

impl ProxyEnv {
    /// The process's variables, either case (lowercase first, as curl).
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The variables `lookup` gives (tests pass their own).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let read = |name: &str| {
            [name.to_ascii_lowercase(), name.to_owned()]
                .iter()
                .find_map(|n| lookup(n))
                .filter(|v| !v.trim().is_empty())
        };
        ProxyEnv {
            http: read("HTTP_PROXY"),
            https: read("HTTPS_PROXY"),
            all: read("ALL_PROXY"),
            no_proxy: read("NO_PROXY"),
        }
    }

    /// The proxy URL for a URL of `scheme` to `host`, if any.
    fn proxy_for(&self, scheme: &str, host: &str) -> Option<&str> {
        let named = if scheme.eq_ignore_ascii_case("https") {
            &self.https
        } else {
            &self.http
        };
        let proxy = named.as_ref().or(self.all.as_ref())?;
        let bypassed = self
            .no_proxy
            .as_deref()
            .is_some_and(|list| no_proxy_matches(list, host));
        (!bypassed).then_some(proxy.as_str())
    }
}

/// curl's `NO_PROXY`: comma- or space-separated; `*` matches every host,
/// an entry matches its host and the names under it (a leading `.` is
/// ignored).
fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    list.split([',', ' ']).map(str::trim).any(|entry| {
        let entry = entry.trim_start_matches('.');
        let entry = entry.trim_start_matches('[').trim_end_matches(']');
        if entry == "*" {
            return true;
        }
        !entry.is_empty()
            && (host.eq_ignore_ascii_case(entry)
                || host.len() > entry.len()
                    && host[host.len() - entry.len()..].eq_ignore_ascii_case(entry)
                    && host.as_bytes()[host.len() - entry.len() - 1] == b'.')
    })
}

/// The proxy for one request of a job whose settings are `settings`, to
/// `url`; `None` connects directly. The job's proxy credentials are not
/// in it: the job's agent answers the proxy's challenge with them
/// (proxy_connect.rs).
pub(crate) fn proxy_for(
    settings: &ProxySettings,
    env: &ProxyEnv,
    url: &str,
) -> Result<Option<Proxy>, TransferFailure> {
    let Ok(parsed) = url::Url::parse(url) else {
        // The request itself reports a URL it cannot use.
        return Ok(None);
    };
    let scheme = parsed.scheme();
    let Some(host) = parsed.host_str() else {
        return Ok(None);
    };
    let refused =
        |what: &str| TransferFailure::Unsupported(format!("the job's proxy {what} cannot be used"));
    match settings.usage {
        ProxyUsage::NoProxy => Ok(None),
        ProxyUsage::Preconfig => {
            let Some(entry) = env.proxy_for(scheme, host) else {
                return Ok(None);
            };
            // The environment's own credentials, if it has any, go with
            // the first CONNECT; a job's answer the proxy's challenge.
            let proxy = Proxy::new(entry).map_err(|_| refused("from the environment"))?;
            // SOCKS is not a proxy §15.6 names.
            if !matches!(proxy.protocol(), ProxyProtocol::Http | ProxyProtocol::Https) {
                return Err(refused("from the environment (not http or https)"));
            }
            Ok(Some(proxy))
        }
        ProxyUsage::Override => {
            if proxy::bypasses(&settings.bypass_list, host) {
                return Ok(None);
            }
            let list =
                proxy::parse_proxy_list(&settings.proxy_list).ok_or_else(|| refused("list"))?;
            let Some(entry) = proxy::proxy_for(&list, scheme) else {
                // No entry serves this scheme: the job connects directly.
                return Ok(None);
            };
            let protocol = if entry.scheme == "https" {
                ProxyProtocol::Https
            } else {
                ProxyProtocol::Http
            };
            build(protocol, entry.host, entry.port)
                .map(Some)
                .map_err(|_| refused("list"))
        }
    }
}

fn build(protocol: ProxyProtocol, host: &str, port: Option<u16>) -> Result<Proxy, ureq::Error> {
    let mut builder = Proxy::builder(protocol).host(host);
    if let Some(port) = port {
        builder = builder.port(port);
    }
    builder.build()
}

/// Whether a failed request is the proxy's 407 to its CONNECT: ureq ends
/// the CONNECT with the proxy's status in words.
pub(crate) fn is_proxy_407(error: &ureq::Error) -> bool {
    matches!(error, ureq::Error::ConnectProxyFailed(why) if why.starts_with("proxy server responded 407"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(usage: ProxyUsage, list: &str, bypass: &str) -> ProxySettings {
        ProxySettings {
            usage,
            proxy_list: list.into(),
            bypass_list: bypass.into(),
        }
    }

    fn chosen(settings: &ProxySettings, env: &ProxyEnv, url: &str) -> Option<String> {
        proxy_for(settings, env, url)
            .unwrap()
            .map(|p| format!("{}:{}", p.host(), p.port()))
    }

    #[test]
    fn override_takes_the_scheme_entry_unless_bypassed() {
        let s = settings(
            ProxyUsage::Override,
            "https=127.0.0.1:9443 127.0.0.1:9080",
            "*.direct.example",
        );
        let env = ProxyEnv::default();
        assert_eq!(
            chosen(&s, &env, "https://a.example/f").as_deref(),
            Some("127.0.0.1:9443")
        );
        assert_eq!(
            chosen(&s, &env, "http://a.example/f").as_deref(),
            Some("127.0.0.1:9080")
        );
        assert_eq!(chosen(&s, &env, "http://x.direct.example/f"), None);
        assert_eq!(
            chosen(&settings(ProxyUsage::NoProxy, "", ""), &env, "http://a/"),
            None
        );
    }

    #[test]
    fn preconfig_reads_the_environment_per_scheme() {
        let env = ProxyEnv::from_lookup(|name| match name {
            "http_proxy" => Some("http://10.0.0.1:3128".into()),
            "ALL_PROXY" => Some("10.0.0.2:8080".into()),
            "NO_PROXY" => Some("localhost, .internal.example".into()),
            _ => None,
        });
        let pre = ProxySettings::default();
        assert_eq!(
            chosen(&pre, &env, "http://a.example/").as_deref(),
            Some("10.0.0.1:3128")
        );
        assert_eq!(
            chosen(&pre, &env, "https://a.example/").as_deref(),
            Some("10.0.0.2:8080")
        );
        assert_eq!(chosen(&pre, &env, "https://b.internal.example/"), None);
        assert_eq!(chosen(&pre, &env, "http://localhost/"), None);
        assert_eq!(chosen(&pre, &ProxyEnv::default(), "http://a/"), None);
    }
}
