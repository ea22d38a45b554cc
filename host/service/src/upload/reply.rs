//! Upload-reply's reply (contract §14.5): its URL resolved against the
//! upload's, and its bytes downloaded with a GET into the reply's
//! temporary file, the first MiB kept for `report-reply-done`.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use bits_queue_host::{FailureDetail, TransferFailure};
use ureq::Agent;

use super::UploadCall;
use super::packet::invalid;
use crate::confine::Confinement;
use crate::retry_after::retry_after;
use crate::tls_failure::unanswered;
use crate::transport::{Outcome, Sink, bounded_text, local_io};

/// The most reply bytes passed to the component.
const MAX_REPLY_DATA: usize = 1 << 20;
/// Reply progress is reported every this many bytes.
const REPLY_PROGRESS: u64 = 1 << 20;

/// `given` resolved against `base` (RFC 3986), without userinfo; only an
/// `http` or `https` URL, and no `http` one for an `https` upload.
pub(super) fn resolve(base: &str, given: &str) -> Result<String, Outcome> {
    let base = url::Url::parse(base).map_err(|_| invalid("the upload's URL does not parse"))?;
    let mut url = base
        .join(given)
        .map_err(|_| invalid("BITS-Reply-URL is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("BITS-Reply-URL is not an http or https URL"));
    }
    if base.scheme() == "https" && url.scheme() == "http" {
        return Err(Outcome::FailedDetail(FailureDetail::RedirectFailed(
            "the reply URL of an https upload is http".into(),
        )));
    }
    // Userinfo never reaches the component (a secret, contract §15.3).
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok(url.into())
}

/// Downloads the reply at `url` into `temporary`, from its start,
/// reporting `report-reply-connected`, progress and `report-reply-done`.
pub(super) fn download(
    agent: &Agent,
    url: &str,
    temporary: &str,
    confinement: &Confinement,
    sink: &mut Sink,
) -> Result<(), Outcome> {
    let path = confinement
        .check_write(Path::new(temporary))
        .map_err(TransferFailure::LocalIo)?;
    let response = agent
        .get(url)
        .call()
        .map_err(|e| unanswered(&e, || e.to_string()))?;
    let status = response.status().as_u16();
    if let Some(detail) = retry_after(&response) {
        return Err(detail.into());
    }
    if !(200..300).contains(&status) {
        return Err(TransferFailure::HttpStatus(status).into());
    }
    let size = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let validator = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut file = File::create(&path).map_err(|e| local_io(&path, &e))?;
    sink.upload(UploadCall::ReplyConnected {
        size,
        validator,
        offset: 0,
    })?;
    let mut body = response.into_body().into_reader();
    let mut kept = Vec::new();
    let mut buffer = vec![0; 64 << 10];
    let (mut total, mut reported) = (0u64, 0u64);
    loop {
        let read = body
            .read(&mut buffer)
            .map_err(|e| TransferFailure::Interrupted(bounded_text(e.to_string())))?;
        if read == 0 {
            break;
        }
        if sink.stopped() {
            return Err(Outcome::Stopped);
        }
        file.write_all(&buffer[..read])
            .map_err(|e| local_io(&path, &e))?;
        if kept.len() <= MAX_REPLY_DATA {
            kept.extend_from_slice(&buffer[..read]);
        }
        total += read as u64;
        if total - reported >= REPLY_PROGRESS {
            sink.upload(UploadCall::ReplyProgress(total))?;
            reported = total;
        }
    }
    if size.is_some_and(|size| size != total) {
        return Err(
            TransferFailure::Interrupted(format!("the reply ended after {total} bytes")).into(),
        );
    }
    file.sync_all().map_err(|e| local_io(&path, &e))?;
    if total > reported {
        sink.upload(UploadCall::ReplyProgress(total))?;
    }
    let data = (kept.len() <= MAX_REPLY_DATA).then_some(kept);
    sink.upload(UploadCall::ReplyDone(data))
        .map_err(Outcome::from)
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn reply_urls_resolve_against_the_upload() {
        let base = "http://127.0.0.1:80/up/a.bin";
        assert_eq!(
            resolve(base, "/r/1").ok(),
            Some("http://127.0.0.1/r/1".into())
        );
        assert_eq!(
            resolve(base, "r").ok(),
            Some("http://127.0.0.1/up/r".into())
        );
        assert_eq!(
            resolve(base, "http://u:p@h/x").ok(),
            Some("http://h/x".into())
        );
        assert!(resolve(base, "ftp://h/x").is_err());
        assert!(resolve("https://h/a", "http://h/x").is_err());
    }
}
