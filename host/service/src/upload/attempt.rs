//! One upload order, phase by phase (contract §14.2, §14.3): the session
//! (created when the order has none, created again once if the server
//! forgot it), the Fragments from the server's offset, the reply of an
//! upload-reply job, and Close-Session.

use bits_queue_host::{
    FailureDetail, JobType, OrderDetails, TransferOrder, UploadDetails, UploadPhase,
};

use super::UploadCall;
use super::local::{LocalFile, Snapshot};
use super::packet::{self, Answer, SESSION_NOT_FOUND, TOO_LARGE, invalid};
use super::{MIN_FRAGMENT, Uploader, reply};
use crate::transport::{Context, Outcome, Sink};

/// The only upload protocol: BITS 1.5.
pub(super) const BITS_PROTOCOL: &str = "{7df0354d-249b-430f-820d-3d2a9bef4931}";

pub(super) struct Attempt<'a> {
    uploader: &'a Uploader,
    order: &'a TransferOrder,
    upload: &'a UploadDetails,
    context: &'a Context,
    sink: &'a mut Sink,
    /// The job's custom headers, sent with every packet.
    headers: Vec<(String, String)>,
    session: Option<String>,
    /// Whether the session was created again in this attempt (once only).
    renewed: bool,
    /// Whether `report-connected` was made.
    connected: bool,
    /// The reply's URL, once the final Ack gave it.
    reply_url: Option<String>,
}

impl<'a> Attempt<'a> {
    pub(super) fn new(
        uploader: &'a Uploader,
        order: &'a TransferOrder,
        details: &'a OrderDetails,
        upload: &'a UploadDetails,
        context: &'a Context,
        sink: &'a mut Sink,
    ) -> Self {
        Attempt {
            uploader,
            order,
            upload,
            context,
            sink,
            headers: custom_headers(details.http.custom_headers.as_deref()),
            session: upload.session_id.clone(),
            renewed: false,
            connected: false,
            reply_url: upload.reply_url.clone(),
        }
    }

    /// The phases from the order's to `close`'s Ack.
    pub(super) fn run(&mut self) -> Result<(), Outcome> {
        let reply_job = self.order.job_type == JobType::UploadReply;
        let mut phase = self.upload.phase;
        if phase != UploadPhase::Upload {
            // `reply` and `close` do not read the file: the order's values
            // are repeated.
            self.sink
                .connected(self.order.size, self.order.validator.clone())?;
            self.connected = true;
        }
        loop {
            if phase == UploadPhase::Upload {
                self.upload_phase()?;
                phase = if reply_job {
                    UploadPhase::Reply
                } else {
                    UploadPhase::Close
                };
            }
            if phase == UploadPhase::Reply {
                let url = self
                    .reply_url
                    .clone()
                    .ok_or(Outcome::FailedDetail(FailureDetail::ReplyUrlMissing))?;
                let temporary = self.upload.reply_temporary_name.as_deref().unwrap_or("");
                reply::download(
                    &self.uploader.gets,
                    &url,
                    temporary,
                    &self.context.confinement,
                    self.sink,
                )?;
            }
            match self.close()? {
                true => return Ok(()),
                // The server forgot the session: a new one, from 0.
                false => phase = UploadPhase::Upload,
            }
        }
    }

    /// The job's headers and `more`.
    fn with(&self, more: &[(&str, String)]) -> Vec<(String, String)> {
        let mut headers = self.headers.clone();
        headers.extend(more.iter().map(|(n, v)| ((*n).to_owned(), v.clone())));
        headers
    }

    fn post(&self, packet: &str, more: &[(&str, String)], body: &[u8]) -> Result<Answer, Outcome> {
        let headers = self.with(more);
        packet::post(
            &self.uploader.posts,
            &self.upload.target_url,
            packet,
            &headers,
            body,
        )
    }

    /// Whether a failed answer is BG_E_SESSION_NOT_FOUND the attempt may
    /// still recover from: a new session is created, once per attempt.
    fn renew_on(&mut self, answer: &Answer) -> Result<bool, Outcome> {
        if answer.error_code() != Some(SESSION_NOT_FOUND) || self.renewed {
            return Ok(false);
        }
        self.renewed = true;
        self.session = None;
        self.create_session()?;
        Ok(true)
    }

    /// Create-Session with the BITS 1.5 protocol; `report-session`.
    fn create_session(&mut self) -> Result<(), Outcome> {
        let answer = self.post(
            "Create-Session",
            &[
                ("BITS-Supported-Protocols", BITS_PROTOCOL.to_owned()),
                ("Content-Name", content_name(&self.order.local_name)),
                ("Content-Length", "0".to_owned()),
            ],
            &[],
        )?;
        if !answer.success() {
            return Err(answer.server_error("Create-Session"));
        }
        answer.check_ack("Create-Session")?;
        let offered = answer
            .header("BITS-Protocol")
            .is_some_and(|p| p.eq_ignore_ascii_case(BITS_PROTOCOL));
        if !offered {
            return Err(Outcome::FailedDetail(FailureDetail::ProtocolMismatch(
                "Create-Session's Ack names no protocol this client offered".into(),
            )));
        }
        let id = answer
            .header("BITS-Session-Id")
            .filter(|id| valid_session_id(id))
            .ok_or_else(|| invalid("Create-Session's Ack has no valid BITS-Session-Id"))?
            .to_owned();
        let host_id = answer
            .header("BITS-Host-Id")
            .filter(|h| !h.is_empty())
            .map(str::to_owned);
        let fallback = answer
            .header("BITS-Host-Id-Fallback-Timeout")
            .and_then(|s| s.parse().ok());
        self.sink.upload(UploadCall::Session {
            id: id.clone(),
            host_id,
            fallback,
        })?;
        self.session = Some(id);
        Ok(())
    }

    /// The `upload` phase: Fragments from the server's offset until its
    /// Ack puts the offset at the size.
    fn upload_phase(&mut self) -> Result<(), Outcome> {
        let mut local = LocalFile::open(&self.order.local_name, &self.context.confinement)?;
        let snapshot = local.snapshot()?;
        if let (Some(size), Some(validator)) = (self.order.size, &self.order.validator)
            && (size != snapshot.size || *validator != snapshot.validator)
        {
            return Err(Outcome::FailedDetail(FailureDetail::LocalFileChanged));
        }
        // A BITS-Host-Id server is pinged first, as Windows does.
        if self.upload.target_url != self.order.remote_name {
            let answer = self.post("Ping", &[("Content-Length", "0".to_owned())], &[])?;
            if !answer.success() {
                return Err(answer.server_error("Ping"));
            }
        }
        if self.session.is_none() {
            self.create_session()?;
        }
        let mut offset = if self.connected {
            0
        } else {
            self.connected = true;
            self.sink
                .connected(Some(snapshot.size), Some(snapshot.validator.clone()))?
        };
        self.fragments(&mut local, &snapshot, &mut offset)
    }

    fn fragments(
        &mut self,
        local: &mut LocalFile,
        snapshot: &Snapshot,
        offset: &mut u64,
    ) -> Result<(), Outcome> {
        let size = snapshot.size;
        let mut fragment = self.uploader.fragment;
        loop {
            local.unchanged(snapshot)?;
            let start = *offset;
            let count = fragment.min(size - start);
            let body = local.read_at(start, count)?;
            let range = if size == 0 {
                "bytes */0".to_owned()
            } else {
                format!("bytes {start}-{}/{size}", start + count - 1)
            };
            let session = self.session.clone().unwrap_or_default();
            let mut headers = vec![
                ("BITS-Session-Id", session),
                ("Content-Range", range),
                ("Content-Length", count.to_string()),
            ];
            if start == 0 {
                headers.push(("Content-Name", content_name(&self.order.local_name)));
            }
            let answer = self.post("Fragment", &headers, &body)?;
            let received = match answer.status {
                200..=299 => {
                    answer.check_ack("Fragment")?;
                    let received = answer.received(size)?;
                    if size > 0 && received <= start {
                        return Err(invalid("the server acknowledged none of the fragment"));
                    }
                    received
                }
                416 => {
                    let received = answer.received(size)?;
                    if received == start {
                        return Err(invalid("416 names the start of the fragment just sent"));
                    }
                    received
                }
                413 if answer.error_code() != Some(TOO_LARGE) && fragment > MIN_FRAGMENT => {
                    fragment = (fragment / 2).max(MIN_FRAGMENT);
                    continue;
                }
                _ => {
                    if self.renew_on(&answer)? {
                        *offset = 0;
                        continue;
                    }
                    return Err(answer.server_error("Fragment"));
                }
            };
            *offset = received;
            let last = received == size;
            self.sink.acknowledged(received, last)?;
            if last {
                if self.order.job_type == JobType::UploadReply {
                    self.reply_url = Some(self.reply_url_of(&answer)?);
                    let url = self.reply_url.clone().unwrap_or_default();
                    self.sink.upload(UploadCall::ReplyUrl(url))?;
                }
                return Ok(());
            }
        }
    }

    /// The final Ack's `BITS-Reply-URL`, resolved against the target URL.
    fn reply_url_of(&self, answer: &Answer) -> Result<String, Outcome> {
        let given = answer
            .header("BITS-Reply-URL")
            .ok_or(Outcome::FailedDetail(FailureDetail::ReplyUrlMissing))?;
        reply::resolve(&self.upload.target_url, given)
    }

    /// Close-Session: `Ok(true)` at its 2xx Ack, `Ok(false)` when the
    /// server forgot the session and a new one was created.
    fn close(&mut self) -> Result<bool, Outcome> {
        let session = self.session.clone().unwrap_or_default();
        let answer = self.post(
            "Close-Session",
            &[
                ("BITS-Session-Id", session),
                ("Content-Length", "0".to_owned()),
            ],
            &[],
        )?;
        if answer.success() {
            answer.check_ack("Close-Session")?;
            return Ok(true);
        }
        if self.renew_on(&answer)? {
            return Ok(false);
        }
        Err(answer.server_error("Close-Session"))
    }
}

/// A BITS session id: 1–100 characters in 0x21–0x7E.
fn valid_session_id(id: &str) -> bool {
    (1..=100).contains(&id.len()) && id.bytes().all(|b| (0x21..=0x7E).contains(&b))
}

/// `Content-Name`: the last segment of the local name, `%` and bytes
/// outside 0x21–0x7E percent-encoded as UTF-8.
fn content_name(local_name: &str) -> String {
    let last = local_name.rsplit(['/', '\\']).next().unwrap_or(local_name);
    let mut name = String::new();
    for b in last.bytes() {
        if b == b'%' || !(0x21..=0x7E).contains(&b) {
            name.push_str(&format!("%{b:02X}"));
        } else {
            name.push(char::from(b));
        }
    }
    name
}

/// The job's custom headers (`Name: value` lines).
pub(super) fn custom_headers(text: Option<&str>) -> Vec<(String, String)> {
    text.unwrap_or("")
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .filter(|(n, _)| !n.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{content_name, valid_session_id};

    #[test]
    fn content_names_are_percent_encoded() {
        assert_eq!(content_name("/data/a b%.txt"), "a%20b%25.txt");
        assert_eq!(content_name("/data/é"), "%C3%A9");
    }

    #[test]
    fn session_ids() {
        assert!(valid_session_id("{0000}"));
        assert!(!valid_session_id(""));
        assert!(!valid_session_id("a b"));
        assert!(!valid_session_id(&"x".repeat(101)));
    }
}
