//! Cancel-Session for the sessions of cancelled uploads (contract §14.6):
//! a 2xx, any 1xx–4xx, or BG_E_SESSION_NOT_FOUND ends a cancel; a 5xx or
//! a failed connection is tried again every `retry-delay` until `until`.
//! Where the store keeps them ([`PendingCancels`]), a cancel is forgotten
//! only once it ended or its time ran out, so one a one-shot command or a
//! stopped service could not end is sent by the next service.

use std::collections::HashMap;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bits_queue_host::{Guid, SessionCancel, UploadProtocol};
use bits_queue_store::Cancels;
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

/// Sends each cancel `store` keeps once, forgetting those that ended;
/// returns those left for a service to try again (contract §14.6: a host
/// that does not transfer leaves them for one that does).
pub fn send_kept_cancels_once(store: &dyn Cancels) -> Vec<SessionCancel> {
    let agent = Uploader::new().posts;
    let pending = store.pending().unwrap_or_default();
    pending
        .into_iter()
        .filter(|cancel| {
            let ended = send(&agent, cancel);
            if ended {
                let _ = store.ended(cancel.job, &cancel.session_id);
            }
            !ended
        })
        .collect()
}

/// Sends the cancels a store keeps, each at once and then every
/// `retry-delay`, forgetting each in the store once it ended or its time
/// ran out (after at least one attempt).
pub(crate) struct PendingCancels {
    agent: Agent,
    /// When each (job, session) was last tried by this service.
    tried: HashMap<(Guid, String), Instant>,
    /// When the store was last looked at (at most once a second).
    looked: Option<Instant>,
}

impl PendingCancels {
    pub(crate) fn new(uploader: &Uploader) -> Self {
        PendingCancels {
            agent: uploader.posts.clone(),
            tried: HashMap::new(),
            looked: None,
        }
    }

    /// Sends those of `store`'s cancels that are due, each on a thread of
    /// its own. `now` is the queue's clock in seconds (for `until`).
    pub(crate) fn send_due(&mut self, store: &Arc<dyn Cancels>, now: u64) {
        if self
            .looked
            .is_some_and(|at| at.elapsed() < Duration::from_secs(1))
        {
            return;
        }
        self.looked = Some(Instant::now());
        let Ok(pending) = store.pending() else {
            return;
        };
        self.tried.retain(|(job, session), _| {
            pending
                .iter()
                .any(|c| c.job == *job && c.session_id == *session)
        });
        for cancel in pending {
            let key = (cancel.job, cancel.session_id.clone());
            let delay = Duration::from_secs(u64::from(cancel.retry_delay.max(1)));
            let due = match self.tried.get(&key) {
                None => true,
                Some(_) if now >= cancel.until.seconds => {
                    // Tried at least once and out of time: given up.
                    let _ = store.ended(cancel.job, &cancel.session_id);
                    false
                }
                Some(at) => at.elapsed() >= delay,
            };
            if !due {
                continue;
            }
            self.tried.insert(key, Instant::now());
            let (agent, store) = (self.agent.clone(), store.clone());
            let _ = thread::Builder::new()
                .name("bits-queue-cncl".into())
                .spawn(move || {
                    if send(&agent, &cancel) {
                        let _ = store.ended(cancel.job, &cancel.session_id);
                    }
                });
        }
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
