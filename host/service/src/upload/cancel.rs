//! Cancel-Session for the sessions of cancelled uploads (contract §14.6):
//! a 2xx, any 1xx–4xx, or BG_E_SESSION_NOT_FOUND ends a cancel; a 5xx or
//! a failed connection is tried again every `retry-delay` until `until`.

use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bits_queue_host::{SessionCancel, UploadProtocol};
use ureq::Agent;

use super::Uploader;
use super::attempt::custom_headers;
use super::packet::{SESSION_NOT_FOUND, post};

/// Sends Cancel-Session once for each of `cancels`; returns those not
/// ended (a 5xx, no connection), for a caller that keeps them.
pub fn cancel_sessions_once(cancels: Vec<SessionCancel>) -> Vec<SessionCancel> {
    let agent = Uploader::new().posts;
    cancels
        .into_iter()
        .filter(|cancel| !send(&agent, cancel))
        .collect()
}

impl Uploader {
    /// Sends `cancels` on a thread of their own, each tried again until it
    /// ends or its time runs out (at least once).
    pub(crate) fn cancel_sessions(&self, cancels: Vec<SessionCancel>) {
        if cancels.is_empty() {
            return;
        }
        let agent = self.posts.clone();
        let _ = thread::Builder::new()
            .name("bits-queue-cncl".into())
            .spawn(move || {
                for cancel in cancels {
                    while !send(&agent, &cancel) && !expired(&cancel) {
                        thread::sleep(Duration::from_secs(u64::from(cancel.retry_delay.max(1))));
                    }
                }
            });
    }
}

/// One Cancel-Session: whether it ended the cancel.
fn send(agent: &Agent, cancel: &SessionCancel) -> bool {
    if cancel.protocol != UploadProtocol::Bits {
        return true;
    }
    let mut headers = custom_headers(cancel.http.custom_headers.as_deref());
    headers.push(("BITS-Session-Id".to_owned(), cancel.session_id.clone()));
    headers.push(("Content-Length".to_owned(), "0".to_owned()));
    match post(agent, &cancel.target_url, "Cancel-Session", &headers, &[]) {
        Ok(answer) => answer.status < 500 || answer.error_code() == Some(SESSION_NOT_FOUND),
        Err(_) => false,
    }
}

fn expired(cancel: &SessionCancel) -> bool {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    now >= cancel.until.seconds
}
