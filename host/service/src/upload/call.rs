//! An upload's reports beyond §10's (contract §14), as the worker sends
//! them to the service's loop, which alone calls the queue.

use bits_queue_host::{Error, FileRef, Queue};
use bits_queue_store::ReportKind;

/// One report of an upload transfer.
#[derive(Debug)]
pub(crate) enum UploadCall {
    /// `report-session`: the session id, and the server's BITS-Host-Id
    /// and its fallback time.
    Session {
        id: String,
        host_id: Option<String>,
        fallback: Option<u32>,
    },
    /// `report-reply-url`.
    ReplyUrl(String),
    /// `report-reply-connected`.
    ReplyConnected {
        size: Option<u64>,
        validator: Option<String>,
        offset: u64,
    },
    /// `report-reply-progress`.
    ReplyProgress(u64),
    /// `report-reply-done`, with the reply's bytes when at most 1 MiB.
    ReplyDone(Option<Vec<u8>>),
}

impl UploadCall {
    /// How the store keeps it: the session and the reply's URL are stored
    /// with the call (a restarted host resumes that session), progress may
    /// be coalesced (an ending goes as any transfer's, crate::endings).
    pub(crate) fn kind(&self) -> ReportKind {
        match self {
            UploadCall::ReplyProgress(_) => ReportKind::Progress,
            _ => ReportKind::Connected,
        }
    }

    /// Makes the call on `queue`.
    pub(crate) fn apply(&self, file: FileRef, queue: &Queue) -> Result<(), Error> {
        match self {
            UploadCall::Session {
                id,
                host_id,
                fallback,
            } => queue.report_session(file, id, host_id.as_deref(), *fallback),
            UploadCall::ReplyUrl(url) => queue.report_reply_url(file, url),
            UploadCall::ReplyConnected {
                size,
                validator,
                offset,
            } => queue.report_reply_connected(file, *size, validator.as_deref(), *offset),
            UploadCall::ReplyProgress(bytes) => queue.report_reply_progress(file, *bytes),
            UploadCall::ReplyDone(data) => queue.report_reply_done(file, data.as_deref()),
        }
    }
}
