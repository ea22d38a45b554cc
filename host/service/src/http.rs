//! HTTP and HTTPS downloads with `ureq` (blocking, rustls, no async
//! runtime), resumed with `Range` and `If-Range` (contract §10).
//!
//! What the host checks here is only what it sees on the wire: a `206` must
//! start at the offset asked for, and a `200` to a ranged request is the
//! whole file again, which is `range-unsupported` unless the validator
//! changed (the file changed, so the whole file is the right answer). The
//! component decides the rest from `report-connected`: whether the file
//! changed and restarts from 0.

use std::io::Read;
use std::time::Duration;

use bits_queue_host::{TransferFailure, TransferOrder};
use ureq::Agent;
use ureq::http::Response;

use crate::transport::{Context, Outcome, Sink, TempFile, Transport, has_scheme};

/// HTTP and HTTPS, through one `ureq` agent (its connections are reused).
#[derive(Debug, Clone)]
pub struct HttpTransport {
    agent: Agent,
}

impl HttpTransport {
    /// A transport whose reads give up after 60 s without a byte.
    pub fn new() -> Self {
        Self::with_idle_timeout(Duration::from_secs(60))
    }

    /// A transport whose reads give up after `idle` without a byte: a
    /// stalled server is then an `interrupted` failure, retried later.
    pub fn with_idle_timeout(idle: Duration) -> Self {
        let config = Agent::config_builder()
            // Statuses are the component's to judge, not errors here.
            .http_status_as_error(false)
            .max_redirects(10)
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .timeout_per_read(Some(idle))
            .user_agent(concat!("bits-queue/", env!("CARGO_PKG_VERSION")))
            .build();
        HttpTransport {
            agent: Agent::new_with_config(config),
        }
    }

    fn transfer(
        &self,
        order: &TransferOrder,
        context: &Context,
        sink: &mut Sink,
    ) -> Result<(), Outcome> {
        let mut temp = TempFile::open(order, &context.confinement)?;
        let ranged = order.offset > 0;
        let send = |authorization: Option<&str>| {
            let mut request = self.agent.get(&order.remote_name);
            // The job's headers first: the host's own below replace them.
            for (name, value) in context.auth.headers() {
                request = request.header(name, value);
            }
            if let Some(authorization) = authorization {
                request = request.header("Authorization", authorization);
            }
            if ranged {
                request = request.header("Range", format!("bytes={}-", order.offset));
                if let Some(validator) = &order.validator {
                    request = request.header("If-Range", validator);
                }
            }
            request
                .call()
                .map_err(|e| TransferFailure::ConnectFailed(e.to_string()))
        };
        let mut response = send(None)?;
        // A challenge is answered once (contract §15.2); a second 401 is
        // the server's answer.
        if response.status().as_u16() == 401
            && let Some(authorization) = context.auth.answer(&challenges(&response))
        {
            response = send(Some(&authorization))?;
        }
        let validator = validator(&response);
        let status = response.status().as_u16();
        let (size, starts_at) = match status {
            200 => {
                let changed = order.validator.is_some() && validator != order.validator;
                if ranged && !changed {
                    return Err(TransferFailure::RangeUnsupported.into());
                }
                (header_u64(&response, "content-length"), 0)
            }
            206 if ranged => match content_range(&response) {
                Some((start, total)) if start == order.offset => (total, start),
                _ => return Err(TransferFailure::RangeUnsupported.into()),
            },
            _ => return Err(TransferFailure::HttpStatus(status).into()),
        };
        let offset = sink.connected(size, validator)?;
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
fn skip(body: &mut impl Read, count: u64) -> Result<(), TransferFailure> {
    let skipped = std::io::copy(&mut body.take(count), &mut std::io::sink())
        .map_err(|e| TransferFailure::Interrupted(e.to_string()))?;
    if skipped < count {
        return Err(TransferFailure::Interrupted(format!(
            "the connection ended {skipped} bytes into the {count} already held"
        )));
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

/// `Content-Range: bytes START-END/TOTAL` as (START, TOTAL); TOTAL is
/// `None` for `*`.
fn content_range<B>(response: &Response<B>) -> Option<(u64, Option<u64>)> {
    let value = response.headers().get("content-range")?.to_str().ok()?;
    parse_content_range(value)
}

fn parse_content_range(value: &str) -> Option<(u64, Option<u64>)> {
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
    Some((start, total))
}

#[cfg(test)]
mod tests {
    use super::parse_content_range;

    #[test]
    fn content_ranges() {
        assert_eq!(
            parse_content_range("bytes 100-199/200"),
            Some((100, Some(200)))
        );
        assert_eq!(parse_content_range("bytes 0-0/*"), Some((0, None)));
        assert_eq!(parse_content_range("bytes 5-4/10"), None);
        assert_eq!(parse_content_range("bytes 5-10/10"), None);
        assert_eq!(parse_content_range("items 0-1/2"), None);
        assert_eq!(parse_content_range("bytes x-1/2"), None);
    }
}
