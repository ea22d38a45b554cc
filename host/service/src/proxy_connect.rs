//! The CONNECT that opens a tunnel through an http or https proxy, ours in
//! place of ureq's for a job that holds a proxy credential (contract §15.2,
//! §15.6). ureq's own connector sends only a basic `Proxy-Authorization`,
//! and reports a proxy's 407 as an error without its `Proxy-Authenticate`,
//! so a digest challenge could not be answered through it. (ureq reaches
//! http servers through a CONNECT tunnel too, so every request through a
//! proxy meets the proxy's challenge here, never as a response.)
//!
//! The first CONNECT carries the credentials the proxy's own URL names
//! (an environment variable's `user:password@`), as ureq's does, and none
//! of the job's. A 407 whose challenges name a scheme the job holds a
//! proxy credential for is answered once, on a new connection (a proxy may
//! close the one that carried its 407), digest first when both are set and
//! offered; the credential goes to the proxy only, never through the
//! tunnel. Any answer but 200 ends the request as ureq's connector ends
//! it, `ConnectProxyFailed("proxy server responded STATUS/…")`, so a 407
//! after the answer is the fatal `http-status(407)` of §15.2.

use std::fmt;
use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ureq::ProxyProtocol;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, NextTimeout, Transport, TransportAdapter,
};

use crate::challenge::challenges;
use crate::digest;

/// A CONNECT's answer: the connection, the status and the
/// `Proxy-Authenticate` values.
type Answer = (Box<dyn Transport>, u16, Vec<String>);

/// The longest head of a proxy's answer read.
const MAX_HEAD: usize = 64 << 10;

/// A job's proxy credentials: user and password for each scheme.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct ProxyCredentials {
    pub(crate) basic: Option<(String, String)>,
    pub(crate) digest: Option<(String, String)>,
}

impl ProxyCredentials {
    /// Whether it holds none.
    pub(crate) fn is_empty(&self) -> bool {
        self.basic.is_none() && self.digest.is_none()
    }

    /// The `Proxy-Authorization` answering `values` (the 407's
    /// `Proxy-Authenticate` values) to `CONNECT target`, if a credential
    /// answers one of its challenges: digest first, then basic.
    fn answer(&self, values: &[&str], target: &str) -> Option<String> {
        let found = challenges(values);
        if let Some((user, password)) = &self.digest
            && digest::offered(&found)
        {
            let cnonce = digest::cnonce();
            let request = digest::Request {
                user,
                password,
                method: "CONNECT",
                uri: target,
                cnonce: &cnonce,
            };
            if let Some(answer) = digest::answer(&found, &request) {
                return Some(answer);
            }
        }
        let (user, password) = self.basic.as_ref()?;
        let offered = found.iter().any(|c| c.is("basic"));
        offered.then(|| basic(user, password))
    }
}

impl fmt::Debug for ProxyCredentials {
    // Never a secret: only which are set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyCredentials")
            .field("basic", &self.basic.is_some())
            .field("digest", &self.digest.is_some())
            .finish()
    }
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

/// The CONNECT step of a connector chain (before TCP and TLS, where ureq
/// puts its own).
pub(crate) struct ProxyConnect {
    /// The agent's settings, which name no proxy (each request names its
    /// own): how the proxy itself is reached.
    direct: Config,
    credentials: ProxyCredentials,
}

impl ProxyConnect {
    pub(crate) fn new(direct: Config, credentials: ProxyCredentials) -> Self {
        ProxyConnect {
            direct,
            credentials,
        }
    }

    /// One CONNECT to `target` through `proxy`, on a new connection, with
    /// `authorization`: the connection, the answer's status and its
    /// `Proxy-Authenticate` values.
    fn ask(
        &self,
        details: &ConnectionDetails,
        proxy: &Uri,
        target: &str,
        authorization: Option<&str>,
    ) -> Result<Answer, ureq::Error> {
        let addrs = details
            .resolver
            .resolve(proxy, &self.direct, details.timeout)?;
        let to_proxy = ConnectionDetails {
            uri: proxy,
            addrs,
            config: &self.direct,
            request_level: details.request_level,
            resolver: details.resolver,
            now: details.now,
            timeout: details.timeout,
            current_time: details.current_time.clone(),
            run_connector: details.run_connector.clone(),
            register_shutdown: details.register_shutdown.clone(),
        };
        let transport = (details.run_connector)(&to_proxy)?;
        let mut io = TransportAdapter::new(transport, details.current_time.clone());
        io.set_timeout(details.timeout);
        let mut head = format!(
            "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nUser-Agent: {}\r\n\
             Proxy-Connection: Keep-Alive\r\n",
            concat!("bits-queue/", env!("CARGO_PKG_VERSION"))
        );
        if let Some(value) = authorization {
            head.push_str(&format!("Proxy-Authorization: {value}\r\n"));
        }
        head.push_str("\r\n");
        io.write_all(head.as_bytes())?;
        io.flush()?;
        let answer = read_head(&mut io)?;
        let (status, values) = parse_head(&answer).ok_or_else(|| {
            ureq::Error::ConnectProxyFailed("proxy server's answer is not HTTP".into())
        })?;
        Ok((io.into_inner(), status, values))
    }
}

impl fmt::Debug for ProxyConnect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConnect")
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl<In: Transport> Connector<In> for ProxyConnect {
    type Out = Either<In, Box<dyn Transport>>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        if let Some(transport) = chained {
            return Ok(Some(Either::A(transport)));
        }
        let Some(proxy) = details.config.proxy() else {
            return Ok(None);
        };
        let tunnels = matches!(proxy.protocol(), ProxyProtocol::Http | ProxyProtocol::Https);
        if !tunnels || proxy.is_no_proxy(details.uri) {
            return Ok(None);
        }
        let uri = details.uri;
        let host = uri.host().ok_or(ureq::Error::HostNotFound)?;
        let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("https") => 443,
            _ => 80,
        });
        let target = format!("{host}:{port}");
        // The proxy URL's own credentials, as ureq sends them.
        let own = (proxy.username().is_some() || proxy.password().is_some()).then(|| {
            basic(
                proxy.username().unwrap_or_default(),
                proxy.password().unwrap_or_default(),
            )
        });
        let (mut transport, mut status, values) =
            self.ask(details, proxy.uri(), &target, own.as_deref())?;
        if status == 407 {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            if let Some(answer) = self.credentials.answer(&values, &target) {
                (transport, status, _) = self.ask(details, proxy.uri(), &target, Some(&answer))?;
            }
        }
        if status != 200 {
            return Err(ureq::Error::ConnectProxyFailed(format!(
                "proxy server responded {status}/{status}"
            )));
        }
        Ok(Some(Either::B(Tunnel(transport).boxed())))
    }
}

/// Reads an answer's head, up to and with its blank line, a byte at a
/// time: what follows belongs to the tunnel.
fn read_head(io: &mut impl Read) -> Result<Vec<u8>, ureq::Error> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_HEAD || io.read(&mut byte)? == 0 {
            return Err(ureq::Error::ConnectProxyFailed(
                "proxy server did not respond".into(),
            ));
        }
        head.push(byte[0]);
    }
    Ok(head)
}

/// The status and `Proxy-Authenticate` values of an answer's head.
fn parse_head(head: &[u8]) -> Option<(u16, Vec<String>)> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next()?;
    let mut words = status_line.split(' ');
    if !words.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status = words.next()?.parse().ok()?;
    let values = lines
        .filter_map(|line| line.split_once(':'))
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("proxy-authenticate"))
        .map(|(_, value)| value.trim().to_owned())
        .collect();
    Some((status, values))
}

/// A connection through the tunnel: TLS to an https proxy is not TLS to
/// the server, which the next step of the chain adds.
#[derive(Debug)]
struct Tunnel(Box<dyn Transport>);

impl Transport for Tunnel {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.0.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.0.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.0.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.0.is_open()
    }

    fn is_tls(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_gives_its_status_and_challenges() {
        let head = b"HTTP/1.1 407 Proxy Authentication Required\r\n\
            Proxy-Authenticate: Digest realm=\"p\", nonce=\"n\"\r\n\
            proxy-authenticate: Basic realm=\"p\"\r\nContent-Length: 0\r\n\r\n";
        let (status, values) = parse_head(head).unwrap();
        assert_eq!(status, 407);
        assert_eq!(values.len(), 2);
        assert_eq!(parse_head(b"SSH-2.0\r\n\r\n"), None);
        let mut input: &[u8] = b"HTTP/1.1 200 OK\r\n\r\nrest";
        assert_eq!(read_head(&mut input).unwrap(), b"HTTP/1.1 200 OK\r\n\r\n");
        assert_eq!(input, b"rest", "the tunnel's bytes stay");
    }

    #[test]
    fn digest_answers_before_basic_and_only_what_is_offered() {
        let both = ProxyCredentials {
            basic: Some(("pat".into(), "pw".into())),
            digest: Some(("pat".into(), "pw".into())),
        };
        let digest = "Digest realm=\"p\", nonce=\"n\", qop=\"auth\"";
        let answer = both
            .answer(&["Basic realm=\"p\"", digest], "h:443")
            .unwrap();
        assert!(answer.starts_with("Digest username=\"pat\""), "{answer}");
        assert!(answer.contains("uri=\"h:443\""), "{answer}");
        assert_eq!(
            both.answer(&["Basic realm=\"p\""], "h:443").as_deref(),
            Some("Basic cGF0OnB3")
        );
        assert_eq!(ProxyCredentials::default().answer(&[digest], "h:443"), None);
        assert_eq!(both.answer(&["Negotiate"], "h:443"), None);
    }
}
