//! Upload and upload-reply jobs (contract §14): the session, the phase,
//! the local snapshot, BITS-Host-Id, and the reply. The component decides
//! all of it; the host sends packets and reports what the server said.
//!
//! One upload job holds one file (§4), so its upload state lives on the
//! job. The state machine of the phases is
//! `upload` → (`reply` for upload-reply) → `close` → `transferred`.

use alloc::string::String;
use alloc::vec::Vec;

use bits_queue_contract::upload::{MAX_REPLY_DATA, upload_hresult};
use bits_queue_contract::{
    CallError, Datetime, ErrorCode, FileProgress, JobError, JobErrorContext, JobState, JobType,
    UploadDetails, UploadPhase, UploadProtocol,
};

use crate::job::{BG_SIZE_UNKNOWN, Job};
use crate::validate;

/// What a job knows of its upload beyond its file's progress (the server's
/// acknowledged offset is the file's `transferred`; the local snapshot is
/// its size and validator).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct UploadState {
    pub(crate) protocol: UploadProtocol,
    pub(crate) phase: UploadPhase,
    /// The server's session, once Create-Session answered.
    pub(crate) session_id: Option<String>,
    /// Whether a Close-Session Ack closed it (no Cancel-Session is due).
    pub(crate) session_closed: bool,
    /// BITS-Host-Id while it is in force.
    pub(crate) host_id: Option<String>,
    /// BITS-Host-Id-Fallback-Timeout, seconds.
    pub(crate) host_id_fallback: Option<u32>,
    /// When the fallback timer started, while it runs.
    pub(crate) fallback_since: Option<Datetime>,
    pub(crate) reply_url: Option<String>,
    pub(crate) reply_file_name: Option<String>,
    pub(crate) reply_size: Option<u64>,
    pub(crate) reply_validator: Option<String>,
    /// Reply bytes kept in the reply's temporary file.
    pub(crate) reply_transferred: u64,
    /// Whether `report-reply-connected` came: the reply name is fixed.
    pub(crate) reply_connected: bool,
    pub(crate) reply_done: bool,
    /// The reply's bytes, for a reply of at most [`MAX_REPLY_DATA`].
    pub(crate) reply_data: Option<Vec<u8>>,
}

impl UploadState {
    /// A new, empty session (or none): the reply goes with the old one.
    fn clear_session(&mut self) {
        self.session_id = None;
        self.session_closed = false;
        self.phase = UploadPhase::Upload;
        self.reply_url = None;
        self.reply_size = None;
        self.reply_validator = None;
        self.reply_transferred = 0;
        self.reply_connected = false;
        self.reply_done = false;
        self.reply_data = None;
    }

    /// Whether anything differs from a new job's: a record must then be
    /// written in a version that holds it.
    pub(crate) fn is_default(&self) -> bool {
        *self == UploadState::default()
    }
}

/// A BITS session id: 1–100 characters in 0x21–0x7E (contract §14.2).
pub fn is_session_id(id: &str) -> bool {
    (1..=100).contains(&id.len()) && id.bytes().all(|b| (0x21..=0x7E).contains(&b))
}

/// A BITS-Host-Id: a host name, an IP literal, or either with `:port`.
pub fn is_host_id(id: &str) -> bool {
    let (host, port) = if let Some(rest) = id.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return false;
        };
        if inside.is_empty()
            || !inside
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => ("x", Some(port)),
                None => return false,
            },
        }
    } else {
        match id.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (id, None),
        }
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_');
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

/// A reply URL the component takes: absolute `http`/`https`, at most 2,200
/// code units, no userinfo, no whitespace or control characters.
pub fn is_reply_url(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
        && validate::fits_utf16(url, bits_queue_contract::limits::MAX_REMOTE_NAME)
        && !authority.is_empty()
        && !authority.contains('@')
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The `mtime:<decimal nanoseconds>` validator of an upload's snapshot.
pub fn is_mtime_validator(validator: &str) -> bool {
    validator
        .strip_prefix("mtime:")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// `url` with its host (and port, if `host_id` names one) replaced by
/// `host_id`.
fn with_host(url: &str, host_id: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.into();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let has_port = |a: &str| {
        a.rsplit_once(':')
            .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            && !a.ends_with(']')
    };
    let port = if has_port(host_id) || !has_port(authority) {
        ""
    } else {
        authority.rsplit_once(':').map_or("", |(_, p)| p)
    };
    let mut out = String::with_capacity(url.len() + host_id.len());
    out.push_str(scheme);
    out.push_str("://");
    out.push_str(host_id);
    if !port.is_empty() {
        out.push(':');
        out.push_str(port);
    }
    out.push_str(path);
    out
}

/// The job's type must be an upload: `not-implemented` otherwise.
fn upload_reply_only(job: &Job) -> Result<(), CallError> {
    if job.job_type == JobType::UploadReply {
        Ok(())
    } else {
        Err(CallError::NotImplemented)
    }
}

/// The manager's calls about uploads (contract §14.5, §14.8).
impl Job {
    /// The upload protocol (`bits` by default).
    pub fn upload_protocol(&self) -> UploadProtocol {
        self.upload.protocol
    }

    /// Sets the protocol: upload jobs only, before the first resume.
    pub fn set_upload_protocol(&mut self, protocol: UploadProtocol) -> Result<(), CallError> {
        self.check_not_final()?;
        if !self.job_type.is_upload() {
            return Err(CallError::NotImplemented);
        }
        if self.resumed {
            return Err(CallError::ReadOnlyAfterResume);
        }
        self.upload.protocol = protocol;
        Ok(())
    }

    /// The reply file's name, none before there is one (upload-reply only).
    pub fn reply_file_name(&self) -> Result<Option<String>, CallError> {
        upload_reply_only(self)?;
        Ok(self.upload.reply_file_name.clone())
    }

    /// Sets the reply file's name: "" for the generated one, else a local
    /// name (§4); fixed once the reply download has connected.
    pub fn set_reply_file_name(&mut self, name: &str) -> Result<(), CallError> {
        self.check_not_final()?;
        upload_reply_only(self)?;
        if !name.is_empty() && !validate::is_local_name(name) {
            return Err(CallError::InvalidArgument);
        }
        if self.upload.reply_connected {
            return Err(CallError::InvalidState);
        }
        self.upload.reply_file_name = if name.is_empty() {
            self.generated_reply_name()
        } else {
            Some(name.into())
        };
        Ok(())
    }

    /// The upload file's directory, the job's GUID and `.reply`; none
    /// without a file.
    pub(crate) fn generated_reply_name(&self) -> Option<String> {
        let local = &self.files.first()?.info.local_name;
        let directory = &local[..local.rfind(['/', '\\']).map_or(0, |at| at + 1)];
        let mut name = String::from(directory);
        name.push_str(&bits_queue_contract::guid::to_string(&self.id));
        name.push_str(".reply");
        Some(name)
    }

    /// Where the reply's bytes go until `complete`: `BIT` + hex + `.tmp`
    /// in the reply file's directory, apart from the upload's own name.
    pub fn reply_temporary_name(&self) -> Option<String> {
        let reply = self.upload.reply_file_name.as_deref()?;
        Some(self.temporary_name_in(reply, 1))
    }

    /// The reply's progress (upload-reply only).
    pub fn reply_progress(&self) -> Result<FileProgress, CallError> {
        upload_reply_only(self)?;
        Ok(FileProgress {
            bytes_total: self.upload.reply_size.unwrap_or(BG_SIZE_UNKNOWN),
            bytes_transferred: self.upload.reply_transferred,
            completed: self.upload.reply_done,
        })
    }

    /// The reply's bytes, once the job is `transferred` (or acknowledged):
    /// none for an empty reply, `too-large` above 1 MiB.
    pub fn reply_data(&self) -> Result<Option<Vec<u8>>, CallError> {
        upload_reply_only(self)?;
        if !matches!(self.state, JobState::Transferred | JobState::Acknowledged) {
            return Err(CallError::InvalidState);
        }
        if self.upload.reply_transferred > MAX_REPLY_DATA {
            return Err(CallError::TooLarge);
        }
        Ok(self
            .upload
            .reply_data
            .clone()
            .filter(|data| !data.is_empty()))
    }

    /// The recorded session, its id, and whether it still needs a
    /// Cancel-Session (no Close-Session Ack closed it).
    pub fn open_session(&self) -> Option<&str> {
        if self.upload.session_closed {
            return None;
        }
        self.upload.session_id.as_deref()
    }

    /// The upload's phase.
    pub fn upload_phase(&self) -> UploadPhase {
        self.upload.phase
    }

    /// The reply's URL, once known.
    pub fn reply_url(&self) -> Option<&str> {
        self.upload.reply_url.as_deref()
    }
}

/// The engine's side of uploads (contract §14.2–§14.5, §14.7).
impl Job {
    /// Where packets go: the remote name, with the BITS-Host-Id host while
    /// it is in force.
    pub fn upload_target_url(&self) -> String {
        let remote = self
            .files
            .first()
            .map_or("", |file| file.info.remote_name.as_str());
        match &self.upload.host_id {
            Some(host) => with_host(remote, host),
            None => remote.into(),
        }
    }

    /// An upload order's details.
    pub fn upload_details(&self) -> UploadDetails {
        let reply = self.job_type == JobType::UploadReply;
        UploadDetails {
            protocol: self.upload.protocol,
            target_url: self.upload_target_url(),
            session_id: self.upload.session_id.clone(),
            phase: self.upload.phase,
            reply_url: self.upload.reply_url.clone(),
            reply_temporary_name: if reply {
                self.reply_temporary_name()
            } else {
                None
            },
            reply_offset: self.upload.reply_transferred,
            reply_size: self.upload.reply_size,
            reply_validator: self.upload.reply_validator.clone(),
        }
    }

    /// At a `start` at `now`: a BITS-Host-Id whose fallback time has run
    /// out is dropped, so this order goes to the remote name's host.
    pub(crate) fn expire_host_id(&mut self, now: Datetime) {
        let expired = match (self.upload.host_id_fallback, self.upload.fallback_since) {
            (Some(seconds), Some(since)) => since.plus_seconds(u64::from(seconds)) <= now,
            _ => false,
        };
        if expired {
            self.upload.host_id = None;
            self.upload.host_id_fallback = None;
            self.upload.fallback_since = None;
        }
    }

    /// A connect failure or a stall: the fallback timer starts, if a
    /// BITS-Host-Id is in force and it is not running.
    pub(crate) fn start_fallback_timer(&mut self, now: Datetime) {
        if self.upload.host_id.is_some() && self.upload.fallback_since.is_none() {
            self.upload.fallback_since = Some(now);
        }
    }

    /// The checks every §14.7 report makes, in order: `invalid-argument`
    /// on a download; `invalid-state` unless the file is in flight and, if
    /// `phase` is given, the upload is in it.
    fn check_upload_report(
        &self,
        index: u32,
        phase: Option<UploadPhase>,
    ) -> Result<usize, ErrorCode> {
        if !self.job_type.is_upload() {
            return Err(ErrorCode::InvalidArgument);
        }
        let index = self.check_in_flight(index)?;
        if phase.is_some_and(|phase| phase != self.upload.phase) {
            return Err(ErrorCode::InvalidState);
        }
        Ok(index)
    }

    /// `report-session`: the server's session id, and its BITS-Host-Id and
    /// fallback timeout. Another id than the one recorded is a new, empty
    /// session: progress 0, phase `upload`, the reply cleared.
    pub fn report_session(
        &mut self,
        index: u32,
        session_id: &str,
        host_id: Option<&str>,
        fallback: Option<u32>,
    ) -> Result<(), ErrorCode> {
        let index = self.check_upload_report(index, None)?;
        if !is_session_id(session_id) || host_id.is_some_and(|h| !is_host_id(h)) {
            return Err(ErrorCode::InvalidArgument);
        }
        if self.upload.session_id.as_deref() != Some(session_id) {
            self.upload.clear_session();
            self.upload.session_id = Some(session_id.into());
            self.files[index].transferred = 0;
        }
        if let Some(host) = host_id {
            self.upload.host_id = Some(host.into());
            self.upload.host_id_fallback = fallback;
            self.upload.fallback_since = None;
        }
        Ok(())
    }

    /// The component drops the session: the next order creates one.
    pub(crate) fn drop_session(&mut self) {
        self.upload.clear_session();
        if let Some(file) = self.files.first_mut() {
            file.transferred = 0;
        }
    }

    /// An upload's `report-connected`: a size and an `mtime:` validator, or
    /// `invalid-argument`. In phase `upload`, a snapshot that differs from
    /// the recorded one is fatal (BG_E_LOCAL_FILE_CHANGED); returns whether
    /// it was.
    pub(crate) fn upload_connected(
        &mut self,
        index: usize,
        size: Option<u64>,
        validator: Option<String>,
    ) -> Result<bool, ErrorCode> {
        let (Some(size), Some(validator)) = (size, validator) else {
            return Err(ErrorCode::InvalidArgument);
        };
        if !is_mtime_validator(&validator) {
            return Err(ErrorCode::InvalidArgument);
        }
        self.upload.fallback_since = None;
        self.state = JobState::Transferring;
        if self.upload.phase != UploadPhase::Upload {
            return Ok(false);
        }
        let file = &mut self.files[index];
        let known = file.size.is_some() || file.validator.is_some();
        if known && (file.size != Some(size) || file.validator.as_deref() != Some(&validator)) {
            self.local_file_changed();
            return Ok(true);
        }
        if file.transferred > size {
            return Err(ErrorCode::InvalidArgument);
        }
        file.size = Some(size);
        file.validator = Some(validator);
        Ok(false)
    }

    /// The local file changed during `upload`: `error` at once.
    pub(crate) fn local_file_changed(&mut self) {
        self.count_error();
        self.error = Some(JobError {
            context: JobErrorContext::LocalFile,
            hresult: upload_hresult::LOCAL_FILE_CHANGED,
            file_index: Some(0),
            description: "the local file changed during the upload".into(),
        });
        self.fail();
    }

    /// An upload's `report-progress`: the server's offset, which may go
    /// down (a lower value is not progress). Reaching the size ends phase
    /// `upload`. Returns whether anything changed.
    pub(crate) fn upload_progress(&mut self, index: usize, offset: u64) -> Result<bool, ErrorCode> {
        if self.upload.phase != UploadPhase::Upload {
            return Err(ErrorCode::InvalidState);
        }
        let file = &mut self.files[index];
        if file.size.is_none_or(|size| offset > size) {
            return Err(ErrorCode::InvalidArgument);
        }
        let advanced = offset > file.transferred;
        let changed = offset != file.transferred;
        file.transferred = offset;
        if advanced {
            self.stalled_since = None;
        }
        if file.size == Some(offset) {
            self.upload.phase = if self.job_type == JobType::UploadReply {
                UploadPhase::Reply
            } else {
                UploadPhase::Close
            };
            return Ok(true);
        }
        Ok(changed)
    }

    /// `report-reply-url`: where the reply is (phase `reply`).
    pub fn report_reply_url(&mut self, index: u32, url: &str) -> Result<(), ErrorCode> {
        self.check_upload_report(index, Some(UploadPhase::Reply))?;
        let https_upload = self
            .files
            .first()
            .is_some_and(|f| starts_with_ignore_case(&f.info.remote_name, "https:"));
        if !is_reply_url(url) || (https_upload && !starts_with_ignore_case(url, "https:")) {
            return Err(ErrorCode::InvalidArgument);
        }
        self.upload.reply_url = Some(url.into());
        Ok(())
    }

    /// `report-reply-connected`: writing starts at `offset`, the kept reply
    /// bytes or 0; the reply file's name is fixed from now on.
    pub fn report_reply_connected(
        &mut self,
        index: u32,
        size: Option<u64>,
        validator: Option<String>,
        offset: u64,
    ) -> Result<(), ErrorCode> {
        self.check_upload_report(index, Some(UploadPhase::Reply))?;
        let fits = size.is_none_or(|size| offset <= size);
        if (offset != 0 && offset != self.upload.reply_transferred) || !fits {
            return Err(ErrorCode::InvalidArgument);
        }
        self.upload.reply_size = size;
        self.upload.reply_validator = validator;
        self.upload.reply_transferred = offset;
        self.upload.reply_connected = true;
        self.state = JobState::Transferring;
        Ok(())
    }

    /// `report-reply-progress`: the reply's bytes so far, absolute; returns
    /// whether any arrived.
    pub fn report_reply_progress(&mut self, index: u32, bytes: u64) -> Result<bool, ErrorCode> {
        self.check_upload_report(index, Some(UploadPhase::Reply))?;
        if !self.upload.reply_connected {
            return Err(ErrorCode::InvalidState);
        }
        let over = self.upload.reply_size.is_some_and(|size| bytes > size);
        if bytes < self.upload.reply_transferred || over {
            return Err(ErrorCode::InvalidArgument);
        }
        let advanced = bytes > self.upload.reply_transferred;
        if advanced {
            self.upload.reply_transferred = bytes;
            self.stalled_since = None;
        }
        Ok(advanced)
    }

    /// `report-reply-done`: the whole reply arrived, with its bytes when it
    /// is at most 1 MiB; the phase becomes `close`.
    pub fn report_reply_done(
        &mut self,
        index: u32,
        data: Option<Vec<u8>>,
    ) -> Result<(), ErrorCode> {
        self.check_upload_report(index, Some(UploadPhase::Reply))?;
        if !self.upload.reply_connected {
            return Err(ErrorCode::InvalidState);
        }
        let received = self.upload.reply_transferred;
        let matches = match &data {
            Some(data) => received <= MAX_REPLY_DATA && data.len() as u64 == received,
            None => received > MAX_REPLY_DATA,
        };
        if !matches || self.upload.reply_size.is_some_and(|size| size != received) {
            return Err(ErrorCode::InvalidArgument);
        }
        self.upload.reply_size = Some(received);
        self.upload.reply_data = data;
        self.upload.reply_done = true;
        self.upload.phase = UploadPhase::Close;
        Ok(())
    }

    /// An upload's `report-done`: only in phase `close`, after the
    /// Close-Session Ack.
    pub(crate) fn upload_done(&mut self, index: usize) -> Result<(), ErrorCode> {
        if self.upload.phase != UploadPhase::Close {
            return Err(ErrorCode::InvalidState);
        }
        self.upload.session_closed = true;
        let file = &mut self.files[index];
        file.transferred = file.size.unwrap_or(file.transferred);
        Ok(())
    }

    /// Whether the reply's temporary file may exist: the reply phase began.
    pub(crate) fn reply_started(&self) -> bool {
        self.job_type == JobType::UploadReply
            && (self.upload.phase != UploadPhase::Upload || self.upload.reply_connected)
    }
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids() {
        assert!(is_session_id("{A1B2}"));
        assert!(is_session_id(&"x".repeat(100)));
        assert!(!is_session_id(&"x".repeat(101)));
        assert!(!is_session_id(""));
        assert!(!is_session_id("a b"));
        assert!(!is_session_id("é"));
    }

    #[test]
    fn host_ids() {
        for ok in ["server1", "10.0.0.1", "a.example:8080", "[::1]", "[::1]:80"] {
            assert!(is_host_id(ok), "{ok}");
        }
        for bad in [
            "", "a b", "a:", "a:x", "[::1", "http://a", "a/b", "a:123456",
        ] {
            assert!(!is_host_id(bad), "{bad}");
        }
    }

    #[test]
    fn host_id_replaces_the_host_and_keeps_the_port_unless_given() {
        assert_eq!(with_host("http://a:81/u?x", "b"), "http://b:81/u?x");
        assert_eq!(with_host("http://a:81/u", "b:90"), "http://b:90/u");
        assert_eq!(with_host("https://a/u", "[::1]"), "https://[::1]/u");
    }

    #[test]
    fn reply_urls_and_validators() {
        assert!(is_reply_url("http://a/r"));
        assert!(is_reply_url("HTTPS://a"));
        assert!(!is_reply_url("/relative"));
        assert!(!is_reply_url("ftp://a/r"));
        assert!(!is_reply_url("http://u:p@a/r"));
        assert!(!is_reply_url(&alloc::format!(
            "http://a/{}",
            "x".repeat(2200)
        )));
        assert!(is_mtime_validator("mtime:1700000000000000000"));
        assert!(!is_mtime_validator("mtime:"));
        assert!(!is_mtime_validator("\"etag\""));
    }
}
