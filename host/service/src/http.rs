//! HTTP and HTTPS downloads with `ureq` (blocking, rustls, no async
//! runtime), resumed with `Range` and `If-Range` (contract §10); ranged
//! files (§16.4) are ranged.rs's.
//!
//! What the host checks here is only what it sees on the wire: a `206` must
//! start at the offset asked for, and a `200` to a ranged request is the
//! whole file again, which is `range-unsupported` unless the validator
//! changed (the file changed, so the whole file is the right answer). The
//! component decides the rest from `report-connected`: whether the file
//! changed and restarts from 0.

use std::io::Read;
use std::time::Duration;

use bits_queue_host::{FailureDetail, TransferFailure, TransferOrder, security};
use ureq::config::Config;
use ureq::http::{Method, Request, Response};
use ureq::{Agent, Timeout};

use crate::proxy::{ProxyEnv, is_proxy_407, proxy_for};
use crate::redirect::{Chain, same_origin, shown};
use crate::retry_after::retry_after;
use crate::stall::{idle_limit, read_failure, stall_text};
use crate::tls_failure::{rustls_error, tls_failure};
use crate::transport::{Context, Outcome, Sink, TempFile, Transport, has_scheme};
use crate::trust::Trust;

mod ranged;

/// How long a wait for a byte lasts before the transfer is `stalled`, unless
/// the queue's no-progress timeout caps it (contract §17.1).
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// HTTP and HTTPS, through one `ureq` agent (its connections are reused).
#[derive(Debug, Clone)]
pub struct HttpTransport {
    agent: Agent,
    /// The agent's settings, for a job that needs TLS of its own.
    config: Config,
    /// The roots, CRLs and client-certificate stores (trust.rs).
    trust: Trust,
    /// The host's idle limit (contract §17.1), before the queue's cap.
    idle: Duration,
    /// The proxy variables `preconfig` follows (contract §15.6).
    proxy_env: ProxyEnv,
}

impl HttpTransport {
    /// A transport whose reads give up after 60 s without a byte, trusting
    /// the system's roots ([`Trust::system_or_none`]).
    pub fn new() -> Self {
        Self::with_idle_timeout(IDLE_TIMEOUT)
    }

    /// A transport whose waits (the response headers, each read) give up
    /// after `idle` without a byte, or sooner when the queue caps them
    /// ([`Sink::wait_cap`]): a stalled server is then a `stalled` failure
    /// (contract §17.1).
    pub fn with_idle_timeout(idle: Duration) -> Self {
        Self::with_trust(Trust::system_or_none(), idle)
    }

    /// A transport that trusts `trust`'s certificate authorities, whose
    /// reads give up after `idle` without a byte.
    pub fn with_trust(trust: Trust, idle: Duration) -> Self {
        let config = Agent::config_builder()
            // Statuses are the component's to judge, not errors here.
            .http_status_as_error(false)
            // Redirects are followed here, each checked (redirect.rs).
            .max_redirects(0)
            // Each request names its proxy (proxy.rs), none by default.
            .proxy(None)
            // A job's method may be any token (contract §15.7).
            .allow_non_standard_methods(true)
            .tls_config(trust.tls_config())
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(idle))
            .timeout_per_read(Some(idle))
            .user_agent(concat!("bits-queue/", env!("CARGO_PKG_VERSION")))
            .build();
        HttpTransport {
            agent: Agent::new_with_config(config.clone()),
            config,
            trust,
            idle,
            proxy_env: ProxyEnv::from_env(),
        }
    }

    /// This transport with `env` as the proxy variables `preconfig`
    /// follows, in place of the process's.
    pub fn with_proxy_env(mut self, env: ProxyEnv) -> Self {
        self.proxy_env = env;
        self
    }

    fn transfer(
        &self,
        order: &TransferOrder,
        context: &Context,
        sink: &mut Sink,
    ) -> Result<(), Outcome> {
        if !context.auth.ranges().is_empty() {
            return self.transfer_ranged(order, context, sink);
        }
        let mut temp = TempFile::open(order, &context.confinement)?;
        // From the bytes the temporary file holds (fewer than the order's
        // offset when it lost some, contract §17.3). A job with a custom
        // method always has an order's offset of 0, so no Range (§15.7).
        let from = temp.held();
        let ranged = from > 0;
        let limit = idle_limit(self.idle, sink.wait_cap());
        let agent = self.agent_for(context)?;
        let range = ranged.then_some((from, None));
        let (response, redirected) = self.get_following(
            &agent,
            order,
            context,
            range,
            order.validator.as_deref(),
            limit,
        )?;
        let validator = validator(&response);
        let status = response.status().as_u16();
        if let Some(detail) = retry_after(&response) {
            return Err(detail.into());
        }
        let (size, starts_at) = match status {
            200 => {
                let changed = order.validator.is_some() && validator != order.validator;
                if ranged && !changed {
                    return Err(TransferFailure::RangeUnsupported.into());
                }
                (header_u64(&response, "content-length"), 0)
            }
            206 if ranged => match content_range(&response) {
                Some((start, _, total)) if start == from => (total, start),
                _ => return Err(TransferFailure::RangeUnsupported.into()),
            },
            _ => return Err(TransferFailure::HttpStatus(status).into()),
        };
        if let Some(url) = redirected {
            // Reported with `report-connected`, before it (§15.4).
            sink.redirected(url);
        }
        let offset = sink.connected_holding(size, validator, from)?;
        let mut body = response.into_body().into_reader();
        if status == 206 && offset != starts_at {
            // The component restarted the file; this is only a part of it.
            return Err(Outcome::Lost);
        }
        // A whole file: keep what the component keeps, skip it in the body.
        if offset > starts_at {
            skip(&mut body, offset - starts_at)?;
        }
        temp.restart_at(offset)?;
        let written = offset + temp.copy_from(&mut body, sink)?;
        if let Some(size) = size
            && written != size
        {
            return Err(TransferFailure::Interrupted(format!(
                "the connection ended after {written} of {size} bytes"
            ))
            .into());
        }
        temp.sync()?;
        Ok(())
    }
}

impl HttpTransport {
    /// The agent for `order`: the shared one, or for a job with TLS flags,
    /// a client certificate or proxy credentials, one of its own
    /// (job_tls.rs).
    /// A certificate the host's stores lack is `client-certificate-missing`
    /// (contract §15.5).
    fn agent_for(&self, context: &Context) -> Result<Agent, Outcome> {
        let own = crate::job_tls::agent_for_job(
            &self.config,
            &self.trust,
            context.auth.security_flags(),
            context.auth.client_certificate(),
            context.auth.proxy_credentials(),
        )?;
        Ok(own.unwrap_or_else(|| self.agent.clone()))
    }

    /// The order's request (its job's method, GET by default) of `range`
    /// (first and last byte, none for the end; none at all: the whole
    /// file) with `If-Range: validator` when there is one, with redirects
    /// followed as contract §15.4 says (a 303 turns the method into GET);
    /// each wait for the headers ends after `limit`.
    /// The job's headers and credentials (a bearer token, a basic answer
    /// to a 401) go only to the origin the order names, never to another
    /// that a redirect leads to. Under the
    /// ALLOW_REPORT policy, the URL the redirects led to comes with the
    /// answer, for `report-redirected`.
    fn get_following(
        &self,
        agent: &Agent,
        order: &TransferOrder,
        context: &Context,
        range: Option<(u64, Option<u64>)>,
        validator: Option<&str>,
        limit: Duration,
    ) -> Result<(Response<ureq::Body>, Option<String>), Outcome> {
        let mut url = order.remote_name.clone();
        let mut method = context.auth.method().to_owned();
        let flags = context.auth.security_flags();
        let mut chain = Chain::new(&url, flags);
        let all = context.auth.headers();
        // Custom headers and credentials belong to the origin the order
        // names (contract §15.1, §15.4): none goes to another.
        let none = Vec::new();
        loop {
            let trusted = same_origin(&url, &order.remote_name);
            let headers = if trusted { &all } else { &none };
            // The proxy's challenge is answered by the job's agent, once,
            // with the job's proxy credential (proxy_connect.rs).
            let proxy = proxy_for(context.auth.proxy(), &self.proxy_env, &url)?;
            let send = |authorization: Option<&str>| -> Result<_, Outcome> {
                let target = Target {
                    method: &method,
                    url: &url,
                    range,
                    validator,
                    limit,
                };
                let request =
                    self.request(agent, &target, headers, authorization, proxy.clone())?;
                agent.run(request).map_err(|e| call_failure(e, limit))
            };
            let mut response = send(None)?;
            // A challenge is answered once (contract §15.2); a second 401
            // is the server's answer.
            if trusted
                && response.status().as_u16() == 401
                && let Some(authorization) =
                    context
                        .auth
                        .answer(&challenges(&response), &method, &request_target(&url))
            {
                response = send(Some(&authorization))?;
            }
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok());
            let status = response.status().as_u16();
            match chain.next(&url, status, location)? {
                Some(next) => {
                    url = next;
                    // A 303 says "GET this instead" (contract §15.4).
                    if status == 303 {
                        method = "GET".into();
                    }
                }
                None => {
                    let report = flags & security::REDIRECT_POLICY_MASK
                        == security::REDIRECT_POLICY_ALLOW_REPORT
                        && url != order.remote_name;
                    return Ok((response, report.then_some(url)));
                }
            }
        }
    }

    /// The request of `target` with `headers` (the job's, then an
    /// `authorization` answering a challenge), with `Range` and `If-Range`
    /// when it asks for a range (`target.range`: resuming, or a ranged
    /// file), through `proxy` if any; its waits end after `target.limit`. A method other than GET goes with `Content-Length:
    /// 0` and no body (§15.7).
    fn request(
        &self,
        agent: &Agent,
        target: &Target<'_>,
        headers: &[(String, String)],
        authorization: Option<&str>,
        proxy: Option<ureq::Proxy>,
    ) -> Result<Request<()>, Outcome> {
        let method = Method::from_bytes(target.method.as_bytes()).map_err(|_| {
            TransferFailure::Unsupported(format!("{} is not an HTTP method", target.method))
        })?;
        let mut request = Request::builder().method(method).uri(target.url);
        // The job's headers first: the host's own below replace them.
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        if let Some(authorization) = authorization {
            request = request.header("Authorization", authorization);
        }
        if target.method != "GET" {
            request = request.header("Content-Length", "0");
        }
        if let Some((first, last)) = target.range {
            let last = last.map(|last| last.to_string()).unwrap_or_default();
            request = request.header("Range", format!("bytes={first}-{last}"));
            if let Some(validator) = target.validator {
                request = request.header("If-Range", validator);
            }
        }
        let request = request.body(()).map_err(|_| {
            TransferFailure::ConnectFailed(format!(
                "{} is not a URL it can request",
                shown(target.url)
            ))
        })?;
        Ok(agent
            .configure_request(request)
            .timeout_recv_response(Some(target.limit))
            .timeout_per_read(Some(target.limit))
            .proxy(proxy)
            .build())
    }
}

/// What one request asks: its method, URL, the range wanted (first and
/// last byte, none for the end) and the validator it holds for it, and how
/// long each wait lasts.
struct Target<'a> {
    method: &'a str,
    url: &'a str,
    range: Option<(u64, Option<u64>)>,
    validator: Option<&'a str>,
    limit: Duration,
}

/// A request that got no answer: a TLS failure by its cause (contract
/// §15.8); a connection made and then no headers within `limit`, a stall
/// (§17.1); anything else `connect-failed`, in words.
fn call_failure(error: ureq::Error, limit: Duration) -> Outcome {
    // Without credentials or with them, the proxy's 407 is fatal (§15.2).
    if is_proxy_407(&error) {
        return TransferFailure::HttpStatus(407).into();
    }
    if let Some(tls) = rustls_error(&error) {
        return tls_failure(tls).into();
    }
    if let ureq::Error::Timeout(t) = &error
        && !matches!(t, Timeout::Connect | Timeout::Resolve)
    {
        return FailureDetail::Stalled(stall_text("of the response came", limit)).into();
    }
    // The server answered, but not in HTTP a client can follow (a
    // `Content-Length: -5`, a header that does not parse): its answer is
    // invalid, not a connection that could not be made (issue 21 case 9).
    if let ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..) = &error {
        return FailureDetail::InvalidResponse(error.to_string()).into();
    }
    let why = match &error {
        ureq::Error::Io(io) => io.to_string(),
        ureq::Error::BadUri(uri) => format!("{} is not a URL it can request", shown(uri)),
        other => other.to_string(),
    };
    TransferFailure::ConnectFailed(why).into()
}

impl Default for HttpTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl Transport for HttpTransport {
    fn serves(&self, url: &str) -> bool {
        has_scheme(url, "http") || has_scheme(url, "https")
    }

    fn run(&self, order: &TransferOrder, context: &Context, sink: &mut Sink) -> Outcome {
        match self.transfer(order, context, sink) {
            Ok(()) => Outcome::Done,
            Err(outcome) => outcome,
        }
    }
}

/// Reads and drops `count` bytes of `body`.
fn skip(body: &mut impl Read, count: u64) -> Result<(), Outcome> {
    let skipped =
        std::io::copy(&mut body.take(count), &mut std::io::sink()).map_err(read_failure)?;
    if skipped < count {
        return Err(TransferFailure::Interrupted(format!(
            "the connection ended {skipped} bytes into the {count} already held"
        ))
        .into());
    }
    Ok(())
}

/// The response's validator: its ETag, else its Last-Modified date.
fn validator<B>(response: &Response<B>) -> Option<String> {
    ["etag", "last-modified"].into_iter().find_map(|name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    })
}

/// The request target ureq sends for `url` (its path and query), which a
/// digest answer names.
fn request_target(url: &str) -> String {
    url.parse::<ureq::http::Uri>()
        .ok()
        .and_then(|uri| uri.path_and_query().map(|p| p.as_str().to_owned()))
        .unwrap_or_else(|| "/".into())
}

/// The `WWW-Authenticate` challenges of a 401.
fn challenges<B>(response: &Response<B>) -> Vec<&str> {
    response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect()
}

fn header_u64<B>(response: &Response<B>, name: &str) -> Option<u64> {
    response
        .headers()
        .get(name)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// `Content-Range: bytes START-END/TOTAL` as (START, END, TOTAL); TOTAL
/// is `None` for `*`.
fn content_range<B>(response: &Response<B>) -> Option<(u64, u64, Option<u64>)> {
    let value = response.headers().get("content-range")?.to_str().ok()?;
    parse_content_range(value)
}

fn parse_content_range(value: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end: u64 = end.trim().parse().ok()?;
    if end < start {
        return None;
    }
    let total = match total.trim() {
        "*" => None,
        total => {
            let total: u64 = total.parse().ok()?;
            if end >= total {
                return None;
            }
            Some(total)
        }
    };
    Some((start, end, total))
}

#[cfg(test)]
mod tests {
    use super::parse_content_range;

    #[test]
    fn content_ranges() {
        assert_eq!(
            parse_content_range("bytes 100-199/200"),
            Some((100, 199, Some(200)))
        );
        assert_eq!(parse_content_range("bytes 0-0/*"), Some((0, 0, None)));
        assert_eq!(parse_content_range("bytes 5-4/10"), None);
        assert_eq!(parse_content_range("bytes 5-10/10"), None);
        assert_eq!(parse_content_range("items 0-1/2"), None);
        assert_eq!(parse_content_range("bytes x-1/2"), None);
    }
}
