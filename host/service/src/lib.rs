//! The service layer of bits-queue: what moves bytes for a queue whose
//! component decides everything else.
//!
//! - [`TransferService`]: the loop that drives one queue's engine (a queue
//!   in memory, or one kept in a store: [`Backend`]), runs
//!   `start` orders on worker threads, stops them, carries out `commit` and
//!   `discard`, passes notifications on, and sleeps until `next-wake`;
//! - [`Transport`] and [`Transports`]: the seam where bytes move —
//!   [`HttpTransport`] (HTTP and HTTPS with `ureq`, resumed with `Range`
//!   and `If-Range`) and [`FileTransport`] (`file://` by copying); uploads
//!   speak the BITS upload protocol over the same `ureq`;
//! - [`Confinement`]: the directories a service may write and read;
//! - [`carry_out`]: `commit` and `discard`, for hosts that do not transfer
//!   (a one-shot `complete`) as well.
//!
//! ```no_run
//! use std::time::Duration;
//! use bits_queue_host::{JobState, JobType, Runtime};
//! use bits_queue_service::{ServiceConfig, TransferService};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let queue = Runtime::new()?.new_queue()?;
//! let job = queue.manager()?.create_job("backup", JobType::Download)?;
//! job.add_file("https://example.com/backup.tar", "/var/backups/backup.tar")?;
//! job.resume()?;
//! let service = TransferService::start(queue.clone(), ServiceConfig::default())?;
//! service.wait_for(job.id()?, |s| s == JobState::Transferred, Duration::from_secs(600))?;
//! service.stop()?;
//! job.complete()?; // the file takes its local name…
//! for action in queue.take_file_actions()? {
//!     bits_queue_service::carry_out(&action, &Default::default()); // …here
//! }
//! # Ok(())
//! # }
//! ```

mod actions;
mod auth;
mod backend;
mod cert_fields;
mod challenge;
mod client_certs;
mod commit_mark;
mod confine;
mod digest;
mod endings;
mod fence;
mod file;
mod http;
mod job_tls;
mod notify;
mod proxy;
mod proxy_connect;
mod redirect;
mod retry_after;
mod service;
mod stall;
mod sync_many;
mod tls_failure;
mod transport;
mod trust;
mod upload;
mod verifier;

pub use actions::{FileActionError, carry_out};
pub use auth::RequestAuth;
pub use backend::Backend;
pub use confine::Confinement;
pub use endings::{Ended, Ending};
pub use file::FileTransport;
pub use http::HttpTransport;
pub use proxy::ProxyEnv;
pub use service::{
    Notification, ServiceConfig, ServiceError, ServiceStats, TransferService, store_backoff,
};
pub use stall::idle_limit;
pub use transport::{Context, Outcome, Sink, Stopped, TempFile, Transport, Transports};
pub use trust::{Trust, TrustError};
pub use upload::{DEFAULT_FRAGMENT, MIN_FRAGMENT, cancel_sessions_once, send_kept_cancels_once};

/// The README's Rust examples are compiled (and run, unless marked
/// `no_run`) as doctests here, where both the host and the service are.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
mod readme {}
