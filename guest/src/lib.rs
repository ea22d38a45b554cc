//! The bits:queue component: the Windows Background Intelligent Transfer
//! Service (BITS) job queue as a WebAssembly component.
//!
//! The queue logic lives in plain, binding-free modules, so it builds, is
//! tested and can be benchmarked natively:
//!
//! - [`guid`]: the `GUID` layout, version-4 generation, registry-form text;
//! - [`error`]: error codes and their HRESULTs;
//! - [`validate`]: UTF-16 length rules, remote URL and local path rules;
//! - [`job`]: one job's properties, files and state machine;
//! - [`queue`]: the queue of jobs by GUID and creation order, under limits;
//! - [`random`]: where GUIDs get their randomness.
//!
//! On `wasm32` two more modules turn it into the component: `component`,
//! the thin wit-bindgen glue for the `bits:queue/queue` world, and `rt`, the
//! no_std runtime (allocator, panic handler, `cabi_realloc`). The crate is
//! `no_std` so that the component imports nothing but `wasi:random/random`.
//!
//! ```
//! use bits_queue_guest::job::{JobState, JobType};
//! use bits_queue_guest::queue::Queue;
//! use bits_queue_guest::random::SplitMix64;
//!
//! let queue = Queue::new(SplitMix64::new(1));
//! let job = queue.create_job("nightly", JobType::Download)?;
//! job.add_file("https://example.com/a.bin", "C:\\data\\a.bin")?;
//! job.resume()?;
//! assert_eq!(job.state(), JobState::Queued);
//! assert!(queue.get_job(&job.id())?.same_job(&job));
//! job.cancel()?;
//! assert!(queue.is_empty());
//! # Ok::<(), bits_queue_guest::error::ErrorCode>(())
//! ```

#![no_std]

extern crate alloc;
// Natively the cdylib is a complete shared library, so it needs a runtime:
// linking std supplies the allocator, panic handler and unwinding (and the
// test harness). The code itself still sees only `core` and `alloc`, as
// `no_std` keeps std out of the prelude. On wasm32 `rt` supplies the runtime.
#[cfg(any(test, not(target_arch = "wasm32")))]
extern crate std;

pub mod error;
pub mod guid;
pub mod job;
pub mod queue;
pub mod random;
pub mod validate;

#[cfg(target_arch = "wasm32")]
mod component;
// Not under `cfg(test)`: a test harness brings std's own allocator and panic
// handler.
#[cfg(all(target_arch = "wasm32", not(test)))]
mod rt;

pub use error::ErrorCode;
pub use guid::Guid;
pub use job::{FileInfo, Job, JobPriority, JobState, JobType, Progress};
pub use queue::{JobRef, Limits, Queue};
