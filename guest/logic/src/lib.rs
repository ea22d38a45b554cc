//! The bits:queue rules in plain `no_std` Rust, apart from any binding, so
//! they build, are tested and can be benchmarked natively:
//!
//! - [`validate`]: UTF-16 length rules, remote URL and local path rules;
//! - [`job`]: one job's properties, files, settings, times and state
//!   machine, including the transfer side;
//! - [`queue`]: the queue of jobs by GUID and creation order, under limits;
//! - [`engine`]: scheduling, reports, retries and notifications for a host
//!   that moves bytes;
//! - [`failure`]: how each transfer failure ends;
//! - [`upload`]: upload and upload-reply jobs: session, phases, reply;
//! - [`random`], [`clock`]: where GUIDs and times come from.
//!
//! The values these rules work on (GUIDs, enums, error codes, limits) are
//! the contract's, from `bits-queue-contract`. The component
//! (`bits-queue-component`) is this crate behind the WIT glue. `§N` is a
//! section of `docs/contract.md`.
//!
//! ```
//! use bits_queue_logic::queue::QueueState;
//! use bits_queue_logic::random::SplitMix64;
//! use bits_queue_logic::{JobState, JobType};
//!
//! let queue = QueueState::new(SplitMix64::new(1));
//! let job = queue.create_job("nightly", JobType::Download)?;
//! job.add_file("https://example.com/a.bin", "C:\\data\\a.bin")?;
//! job.resume()?;
//! assert_eq!(job.state(), JobState::Queued);
//! assert!(queue.get_job(&job.id())?.same_job(&job));
//! job.cancel()?;
//! assert!(queue.is_empty());
//! # Ok::<(), bits_queue_logic::ErrorCode>(())
//! ```

#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod clock;
mod download_limits;
pub mod engine;
pub mod failure;
pub mod http;
pub mod job;
pub mod journal;
pub mod method;
pub mod notify;
pub mod queue;
pub mod random;
mod ranges;
pub mod record;
mod redirects;
mod remote_names;
pub mod trust;
pub mod upload;
pub mod validate;

pub use bits_queue_contract::{
    ErrorCode, FileInfo, Guid, JobPriority, JobState, JobType, Progress, QueueLimits,
};
pub use job::Job;
pub use queue::{JobRef, QueueState};
