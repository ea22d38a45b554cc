//! Helpers shared by the integration tests: one runtime per test binary
//! (compiling the component once), fresh queues from it, and the small tools
//! the tests use to state exact expectations.
//!
//! `§N` in these tests is a section of `docs/contract.md`, the contract in
//! the repository's own words; each `spec_N_*.rs` checks section N.

use std::sync::OnceLock;

use bits_queue_host::{Error, ErrorCode, JobManager, Queue, Runtime};

pub mod bench_mode;
pub mod bench_stats;
pub mod bits_server;
pub mod digest_demand;
pub mod http_proxy;
pub mod http_server;
mod loopback;
pub mod model;
pub mod peers;
pub mod pgbench;
pub mod postgres;
pub mod put_sink;
mod snapshot;
mod text;
pub mod tls_server;

pub use snapshot::Snapshot;
pub use text::{local_of_units, remote_of_units, units};

/// A fresh, empty directory of its own under the system's temporary
/// directory, named after `what`, this process and a counter.
pub fn scratch_dir(what: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "bits-queue-{what}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// The embedded component, compiled once per test binary.
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime::new().expect("the embedded component loads"))
}

/// A fresh instance with OS entropy, and a manager on it.
pub fn fresh() -> (Queue, JobManager) {
    let queue = runtime().new_queue().expect("instantiate");
    let manager = queue.manager().expect("job-manager constructor");
    (queue, manager)
}

/// A fresh instance whose GUIDs come from a stream seeded with `seed`, and a
/// manager on it.
pub fn fresh_seeded(seed: u64) -> (Queue, JobManager) {
    let queue = runtime().new_queue_seeded(seed).expect("instantiate");
    let manager = queue.manager().expect("job-manager constructor");
    (queue, manager)
}

/// The queue's refusal of a call that must be refused. Panics — failing the
/// test — if the call succeeded or the sandbox failed instead.
#[track_caller]
pub fn refusal<T>(result: bits_queue_host::Result<T>) -> ErrorCode {
    match result {
        Err(Error::Queue(code)) => code,
        Err(Error::Call(call)) => panic!("expected an error-code, got a call-error: {call}"),
        Err(Error::Sandbox(e)) => panic!("expected a queue refusal, the sandbox failed: {e}"),
        Ok(_) => panic!("expected a queue refusal, the call succeeded"),
    }
}

/// The queue's refusal of a call added after §8 (a `call-error`). Panics
/// if the call succeeded or failed otherwise.
#[track_caller]
pub fn call_refusal<T>(result: bits_queue_host::Result<T>) -> bits_queue_host::CallError {
    match result {
        Err(Error::Call(call)) => call,
        Err(other) => panic!("expected a call-error, got: {other}"),
        Ok(_) => panic!("expected a call-error, the call succeeded"),
    }
}
