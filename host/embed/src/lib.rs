//! Runs the `bits:queue` component — the Windows BITS job queue as a
//! WebAssembly component — in a wasmtime sandbox, behind a typed Rust API.
//!
//! A [`Runtime`] loads a component once (the one built from `guest/component` is
//! embedded); each [`Queue`] is an instance of it with its own jobs. The
//! sandbox grants nothing but randomness (OS entropy, or a seeded stream for
//! reproducible GUIDs) and the wall clock (the system's, or one a test sets).
//!
//! ```
//! use bits_queue_host::{ErrorCode, Guid, JobState, JobType, Runtime};
//!
//! # fn main() -> Result<(), bits_queue_host::Error> {
//! let runtime = Runtime::new()?;
//! let queue = runtime.new_queue_seeded(7)?;
//! let manager = queue.manager()?;
//!
//! let job = manager.create_job("nightly backup", JobType::Download)?;
//! let id = job.id()?;
//! println!("created {id}"); // {XXXXXXXX-XXXX-4XXX-YXXX-XXXXXXXXXXXX}
//! assert_eq!(job.state()?, JobState::Suspended);
//!
//! // The queue refuses: a job with no files cannot resume.
//! let refused = job.resume().unwrap_err();
//! assert_eq!(refused.code(), Some(ErrorCode::Empty));
//! assert_eq!(ErrorCode::Empty.hresult(), 0x8020_0003);
//!
//! job.add_file("https://example.com/a.iso", "/tmp/a.iso")?;
//! job.resume()?;
//!
//! // Any handle to the job sees the same job.
//! let again = manager.get_job(id.to_string().parse::<Guid>()?)?;
//! assert_eq!(again.state()?, JobState::Queued);
//! # Ok(())
//! # }
//! ```

mod bindings;
mod clock;
#[cfg(unix)]
mod compile_cache;
mod config;
mod convert;
mod error;
mod exports;
mod handles;
mod instance;
mod instance_state;
mod journal;
mod queue;
mod runtime;
mod slots;
mod transfer_calls;

/// The contract's value types, from `bits-queue-contract`: the same types
/// the component's logic uses, so their facts (WIT names, HRESULTs,
/// Windows names, limits) exist once.
pub use bits_queue_contract::{
    Action, AuthScheme, AuthTarget, CallError, CertificateId, Change, ClientCertificate,
    CredentialSlot, Credentials, Datetime, ErrorCode, FailureDetail, FileInfo, FileMove,
    FileProgress, FileRange, FileRef, Guid, HttpSettings, JobError, JobErrorContext, JobPriority,
    JobRecord, JobState, JobTimes, JobType, NotifyCmdLine, NotifyCommand, NotifyEvent,
    OrderDetails, Progress, ProxySettings, ProxyUsage, QueueLimits, Secret, SecretOp, SecretSlot,
    ServerError, SessionCancel, TlsFailure, TransferFailure, TransferOrder, UnknownName,
    UploadDetails, UploadPhase, UploadProtocol, headers, hresult_name, notify_flags, proxy, ranges,
    security,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
pub use error::{Error, Result, SandboxError, SandboxErrorKind};
pub use handles::{Job, JobManager};
pub use queue::Queue;
pub use runtime::{COMPONENT_SIZE_BUDGET, Compiled, EMBEDDED_COMPONENT, QueueOptions, Runtime};
