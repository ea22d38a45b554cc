//! The client side of the BITS upload protocol ([MC-BUP], contract §14):
//! upload and upload-reply jobs over `ureq`. The component decides every
//! rule (phases, offsets, what a failure means); this host sends the
//! packets the order's phase calls for and reports what the server said.
//!
//! - [`attempt`]: one order, phase by phase (Create-Session, Fragments,
//!   the reply, Close-Session);
//! - [`packet`]: one `BITS_POST` and its answer;
//! - [`local`]: the local file, confined and watched for changes;
//! - [`reply`]: upload-reply's reply download;
//! - [`cancel`]: Cancel-Session for cancelled jobs;
//! - [`call`]: the reports beyond §10's, passed to the service's loop.

mod attempt;
mod call;
mod cancel;
mod local;
mod packet;
mod reply;

use std::time::Duration;

use bits_queue_host::{OrderDetails, TransferFailure, TransferOrder, UploadProtocol};
use ureq::Agent;

use crate::transport::{Context, Outcome, Sink, has_scheme};
use crate::trust::Trust;

pub(crate) use call::UploadCall;
pub(crate) use cancel::PendingCancels;
pub use cancel::{cancel_sessions_once, send_kept_cancels_once};

/// The fragment size when none is set (contract §14.3).
pub const DEFAULT_FRAGMENT: u64 = 4 << 20;
/// The smallest fragment size.
pub const MIN_FRAGMENT: u64 = 64 << 10;

/// The BITS upload client of a service: its HTTP agents and fragment size.
#[derive(Clone, Debug)]
pub(crate) struct Uploader {
    /// Packets: no redirect is followed (a 3xx is a server error), and an
    /// Ack may take 5 minutes (the server application's time).
    posts: Agent,
    /// The reply's GET, which follows redirects like a download.
    gets: Agent,
    fragment: u64,
}

impl Uploader {
    /// An upload client trusting the system's roots (or those
    /// `SSL_CERT_FILE`/`SSL_CERT_DIR` name), as downloads do by default.
    pub(crate) fn new() -> Self {
        Self::trusting(&Trust::system_or_none())
    }

    /// An upload client whose packets and reply GETs trust `trust`'s
    /// certificate authorities, the same as the host's downloads
    /// (contract §15.5: a host setting such as `--ca-file`).
    pub(crate) fn trusting(trust: &Trust) -> Self {
        let posts = Agent::config_builder()
            .http_status_as_error(false)
            .allow_non_standard_methods(true)
            .max_redirects(0)
            .tls_config(trust.tls_config())
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(300)))
            .timeout_per_read(Some(Duration::from_secs(60)))
            .user_agent(concat!("bits-queue/", env!("CARGO_PKG_VERSION")))
            .build();
        let gets = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(10)
            .tls_config(trust.tls_config())
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .timeout_per_read(Some(Duration::from_secs(60)))
            .user_agent(concat!("bits-queue/", env!("CARGO_PKG_VERSION")))
            .build();
        Uploader {
            posts: Agent::new_with_config(posts),
            gets: Agent::new_with_config(gets),
            fragment: DEFAULT_FRAGMENT,
        }
    }

    /// Fragments of `bytes`, not below [`MIN_FRAGMENT`].
    pub(crate) fn with_fragment_size(mut self, bytes: u64) -> Self {
        self.fragment = bytes.max(MIN_FRAGMENT);
        self
    }

    /// Carries out one upload order. Without `details` the file is no
    /// longer in flight: the order is dropped.
    pub(crate) fn run(
        &self,
        order: &TransferOrder,
        details: Option<&OrderDetails>,
        context: &Context,
        sink: &mut Sink,
    ) -> Outcome {
        let Some(details) = details else {
            return Outcome::Stopped;
        };
        let Some(upload) = &details.upload else {
            return unsupported("the order has no upload details");
        };
        if upload.protocol != UploadProtocol::Bits {
            return unsupported("this service uploads with the BITS protocol only");
        }
        let url = &upload.target_url;
        if !(has_scheme(url, "http") || has_scheme(url, "https")) {
            return unsupported("uploads go to http:// and https:// URLs only");
        }
        // Security flags and client certificates are honoured on downloads
        // only so far: an upload that has them is refused, never sent
        // without them (contract §14.1). The redirect policy covers only
        // the upload-reply's reply, which still follows as ureq does.
        let flags = details.http.security_flags;
        let reply = order.job_type == bits_queue_host::JobType::UploadReply;
        if flags & bits_queue_host::security::TLS_FLAGS != 0
            || details.http.client_certificate.is_some()
            || (reply && flags != 0)
        {
            return unsupported(
                "this service does not offer security flags or client certificates on uploads yet",
            );
        }
        let mut attempt = attempt::Attempt::new(self, order, details, upload, context, sink);
        match attempt.run() {
            Ok(()) => Outcome::Done,
            Err(outcome) => outcome,
        }
    }
}

fn unsupported(why: &str) -> Outcome {
    Outcome::Failed(TransferFailure::Unsupported(why.to_owned()))
}
