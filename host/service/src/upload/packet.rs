//! One `BITS_POST` packet and its answer (contract §14.3, §14.4): what is
//! sent, how the Ack is read, and how a failed answer becomes the
//! `failure-detail` the component judges.

use std::io::Read;

use bits_queue_host::{FailureDetail, ServerError, TransferFailure};
use ureq::Agent;
use ureq::http::{Method, Request, Response};

use crate::retry_after::retry_after;
use crate::tls_failure::unanswered;
use crate::transport::{Outcome, bounded_text};

/// BG_E_SESSION_NOT_FOUND: the server forgot the session.
pub(super) const SESSION_NOT_FOUND: u32 = 0x8020_001F;
/// BG_E_TOO_LARGE: the server's size cap.
pub(super) const TOO_LARGE: u32 = 0x8020_0020;

/// A server's answer to a packet.
pub(super) struct Answer {
    pub(super) status: u16,
    response: Response<()>,
    /// The start of the body, for a failure's words.
    text: String,
}

impl Answer {
    /// A header's value, if present and text.
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    }

    pub(super) fn success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Whether it is an Ack (matched in any case).
    pub(super) fn is_ack(&self) -> bool {
        self.header("BITS-Packet-Type")
            .is_some_and(|t| t.eq_ignore_ascii_case("Ack"))
    }

    /// `BITS-Error-Code` (also `BITS-Error`), hex, of a non-2xx answer.
    pub(super) fn error_code(&self) -> Option<u32> {
        if self.success() {
            return None;
        }
        self.header("BITS-Error-Code")
            .or_else(|| self.header("BITS-Error"))
            .and_then(hex)
    }

    /// A 2xx answer must be an Ack, else the server does not speak BITS.
    pub(super) fn check_ack(&self, packet: &str) -> Result<(), Outcome> {
        if self.is_ack() {
            Ok(())
        } else {
            Err(Outcome::FailedDetail(FailureDetail::ProtocolMismatch(
                format!("the answer to {packet} is not a BITS Ack"),
            )))
        }
    }

    /// The non-2xx answer as the `server-error` the component judges; a
    /// 429 or 503 with a usable `Retry-After` as `retry-after`, as for
    /// downloads (contract §15.8).
    pub(super) fn server_error(&self, packet: &str) -> Outcome {
        if let Some(detail) = retry_after(&self.response) {
            return Outcome::FailedDetail(detail);
        }
        let context = self.header("BITS-Error-Context").and_then(hex);
        let description = bounded_text(format!(
            "{packet}: HTTP {}{}",
            self.status,
            if self.text.is_empty() {
                String::new()
            } else {
                format!(": {}", self.text)
            }
        ));
        Outcome::FailedDetail(FailureDetail::ServerError(ServerError {
            status: self.status,
            hresult: self.error_code(),
            context,
            description,
        }))
    }

    /// `BITS-Received-Content-Range`: the next byte the server expects.
    pub(super) fn received(&self, size: u64) -> Result<u64, Outcome> {
        self.header("BITS-Received-Content-Range")
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|&n| n <= size)
            .ok_or_else(|| invalid("the Ack's BITS-Received-Content-Range is missing or wrong"))
    }
}

/// An `invalid-response` failure.
pub(super) fn invalid(why: &str) -> Outcome {
    Outcome::FailedDetail(FailureDetail::InvalidResponse(why.to_owned()))
}

/// A hex number as BITS writes it, with or without `0x`.
fn hex(text: &str) -> Option<u32> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    u32::from_str_radix(digits, 16).ok()
}

/// Sends one packet of type `packet` to `url` with `headers` (the job's
/// custom headers among them) and `body`, and reads the answer. A failed
/// connection is `connect-failed` (transient: retried later); a refused
/// certificate a `tls` failure (contract §15.8).
pub(super) fn post(
    agent: &Agent,
    url: &str,
    packet: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<Answer, Outcome> {
    let method = Method::from_bytes(b"BITS_POST").expect("a valid method token");
    let mut request = Request::builder()
        .method(method)
        .uri(url)
        .header("BITS-Packet-Type", packet);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let request = request.body(body).map_err(|e| {
        TransferFailure::Unsupported(format!("{}: {e}", crate::redirect::shown(url)))
    })?;
    let response = agent
        .run(request)
        .map_err(|e| unanswered(&e, || format!("{packet}: {e}")))?;
    let status = response.status().as_u16();
    let (parts, body) = response.into_parts();
    // The body only gives a failure its words: its first KiB is read, the
    // rest dropped with the connection's reuse.
    let mut text = String::new();
    let _ = body.into_reader().take(1024).read_to_string(&mut text);
    Ok(Answer {
        status,
        response: Response::from_parts(parts, ()),
        text: text.trim().to_owned(),
    })
}
