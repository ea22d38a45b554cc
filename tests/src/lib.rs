//! Helpers shared by the integration tests: one runtime per test binary
//! (compiling the component once), and fresh queues from it.

use std::sync::OnceLock;

use bits_queue_host::{JobManager, Queue, Runtime};

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
