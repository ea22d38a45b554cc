//! The `bits:queue@0.1.0` contract's value types and the facts about them,
//! written once in plain `no_std` Rust: the GUID layout, registry form and
//! parser; the WIT enums with their WIT names; each error code's HRESULT,
//! Windows name and meaning; which states are final; the string limits and
//! default queue limits.
//!
//! The queue logic, the component, the embedding library, `bitsq` and the
//! tests all take these from here. `§N` in this workspace's comments is a
//! section of `docs/contract.md`, the contract in the repository's words;
//! the WIT doc comments (`wit/queue.wit`) are the reference for names.
//!
//! ```
//! use bits_queue_contract::{ErrorCode, Guid, JobState};
//!
//! let id: Guid = "{6B29FC40-CA47-1067-B31D-00DD010662DA}".parse()?;
//! assert_eq!(id.data1, 0x6B29_FC40);
//! assert_eq!(id.to_string(), "{6B29FC40-CA47-1067-B31D-00DD010662DA}");
//! assert_eq!(ErrorCode::NotFound.hresult(), 0x8020_0001);
//! assert_eq!(ErrorCode::NotFound.windows_name(), "BG_E_NOT_FOUND");
//! assert!(JobState::Cancelled.is_final());
//! # Ok::<(), ErrorCode>(())
//! ```

#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

mod conversions;
mod conversions_upload;
mod enums;
pub mod error;
pub mod guid;
pub mod headers;
pub mod job_limits;
pub mod limits;
pub mod notify;
pub mod proxy;
pub mod ranges;
mod records;
pub mod secrets;
pub mod security;
mod time;
mod transfer;
pub mod upload;

pub use enums::{
    AuthScheme, AuthTarget, CallError, ErrorCode, JobErrorContext, JobPriority, JobState, JobType,
    ProxyUsage, TlsFailure, UnknownName, UploadPhase, UploadProtocol,
};
pub use error::hresult_name;
pub use guid::Guid;
pub use notify::{NotifyCmdLine, NotifyCommand};
pub use records::{FileInfo, FileProgress, Progress, QueueLimits};
pub use secrets::{Credentials, Secret, SecretOp, SecretSlot};
pub use time::Datetime;
pub use transfer::{
    Action, Change, FileMove, FileRef, JobError, JobRecord, JobTimes, NotifyEvent, TransferFailure,
    TransferOrder, notify_flags,
};
pub use upload::{
    CertificateId, ClientCertificate, CredentialSlot, FailureDetail, FileRange, HttpSettings,
    OrderDetails, ProxySettings, ServerError, SessionCancel, UploadDetails,
};
