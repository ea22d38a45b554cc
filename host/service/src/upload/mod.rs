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

use bits_queue_host::{OrderDetails, TransferFailure, TransferOrder, UploadProtocol, security};
use ureq::Agent;
use ureq::config::Config;

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
    /// The two agents' settings and the host's trust, for a job whose
    /// security flags or client certificate need agents of its own
    /// (job_tls.rs).
    posts_config: Config,
    gets_config: Config,
    trust: Trust,
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
            posts: Agent::new_with_config(posts.clone()),
            gets: Agent::new_with_config(gets.clone()),
            fragment: DEFAULT_FRAGMENT,
            posts_config: posts,
            gets_config: gets,
            trust: trust.clone(),
        }
    }

    /// This uploader for a job with TLS security flags or a client
    /// certificate (contract §15.4–§15.5: they apply to every https
    /// request, packets and the reply's GET alike): agents of its own;
    /// `None` for a job at the defaults.
    fn for_job(&self, http: &bits_queue_host::HttpSettings) -> Result<Option<Uploader>, Outcome> {
        let own = |config: &Config| {
            crate::job_tls::agent_for_job(
                config,
                &self.trust,
                http.security_flags,
                http.client_certificate.as_ref(),
                &crate::proxy_connect::ProxyCredentials::default(),
            )
        };
        let (Some(posts), Some(gets)) = (own(&self.posts_config)?, own(&self.gets_config)?) else {
            return Ok(None);
        };
        Ok(Some(Uploader {
            posts,
            gets,
            ..self.clone()
        }))
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
        // The redirect policy never applies to packets (contract §15.4);
        // it covers the upload-reply's reply, which still follows as ureq
        // does: a policy other than the default is refused there, never
        // ignored (§14.1).
        let redirect_bits =
            security::REDIRECT_POLICY_MASK | security::REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP;
        let reply = order.job_type == bits_queue_host::JobType::UploadReply;
        if reply && details.http.security_flags & redirect_bits != 0 {
            return unsupported(
                "this service does not offer a redirect policy for an upload-reply's reply yet",
            );
        }
        let own = match self.for_job(&details.http) {
            Ok(own) => own,
            Err(outcome) => return outcome,
        };
        let uploader = own.as_ref().unwrap_or(self);
        let mut attempt = attempt::Attempt::new(uploader, order, details, upload, context, sink);
        match attempt.run() {
            Ok(()) => Outcome::Done,
            Err(outcome) => outcome,
        }
    }
}

fn unsupported(why: &str) -> Outcome {
    Outcome::Failed(TransferFailure::Unsupported(why.to_owned()))
}
