//! [`Config`]: the sandbox's limits and grants, with sane defaults.

use std::path::PathBuf;
use std::time::Duration;

/// How a [`Runtime`](crate::Runtime) runs components: the limits that hold a
/// misbehaving guest, what it is granted, and how instances are allocated.
///
/// The defaults are what wins for this queue: the pooling allocator (cheap
/// instances), 64 MiB of memory per instance, 1 s of CPU per call, 1,000
/// instances at once, only `wasi:random/random` linked, guest output dropped.
///
/// # Speed
///
/// Every [`Runtime`](crate::Runtime) compiles its component once and
/// pre-instantiates it (links it once), so [`Runtime::new_queue`] only makes
/// a store and an instance. With the default pooling allocator that is a few
/// microseconds; freed slots are reset in place where Linux offers
/// `PAGEMAP_SCAN` (6.7+). The engine has only what the queue uses: compiled
/// code (cranelift), components, epoch interruption for deadlines, and no
/// concurrency support. To trade speed for something else:
///
/// - [`Config::pooling`]`(false)`: no memory reserved up front (the pool
///   reserves address space for [`Config::max_instances`] instances), at
///   about three times the cost per instance;
/// - [`Runtime::precompile`] and [`Runtime::from_precompiled`]: load without
///   compiling (about a tenth of the time of [`Runtime::from_bytes`]);
/// - [`Config::compile_cache`]: the same, with the compiled component kept
///   in a directory by the runtime itself;
/// - [`Config::full_wasi`]: a whole WASI context per instance, for
///   components that need it, at some cost per instance.
///
/// BENCHMARKS.md has the figures and how to measure them
/// (`cargo bench -- --quick`).
///
/// [`Runtime::new_queue`]: crate::Runtime::new_queue
/// [`Runtime::precompile`]: crate::Runtime::precompile
/// [`Runtime::from_precompiled`]: crate::Runtime::from_precompiled
/// [`Runtime::from_bytes`]: crate::Runtime::from_bytes
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub(crate) memory_limit: usize,
    pub(crate) call_timeout: Duration,
    pub(crate) max_instances: u32,
    pub(crate) pooling: bool,
    pub(crate) full_wasi: bool,
    pub(crate) inherit_stdio: bool,
    pub(crate) max_argument_bytes: usize,
    pub(crate) compile_cache: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            memory_limit: 64 << 20,
            call_timeout: Duration::from_secs(1),
            max_instances: 1000,
            pooling: true,
            full_wasi: false,
            inherit_stdio: false,
            max_argument_bytes: 1 << 20,
            compile_cache: None,
        }
    }
}

impl Config {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Most linear memory one instance may have, in bytes (default 64 MiB).
    /// Growing past it ends the call with `OutOfMemory`.
    pub fn memory_limit(mut self, bytes: usize) -> Self {
        self.memory_limit = bytes;
        self
    }

    /// Most time one call into the guest may run (default 1 s), measured in
    /// ticks of [`Config::TICK`]. Running past it ends the call with
    /// `TimedOut`, never before the timeout and at most a tick or two after.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// Most instances that may be alive at once (default 1,000), with either
    /// allocator; a dead instance counts until it is dropped. One more gives
    /// `InstanceLimit`. Zero is allowed: the component loads, and every
    /// instance is refused.
    pub fn max_instances(mut self, count: u32) -> Self {
        self.max_instances = count;
        self
    }

    /// Whether to use wasmtime's pooling allocator (default on): instance
    /// slots are reserved up front, so making an instance is cheap (about a
    /// third of the cost without it; BENCHMARKS.md). Turn it off to reserve
    /// no address space ahead of use.
    pub fn pooling(mut self, on: bool) -> Self {
        self.pooling = on;
        self
    }

    /// Whether to link all of WASI 0.2 (with nothing granted: no preopened
    /// directories, no environment, no arguments, no network) for components
    /// that import more than `wasi:random/random`, such as ones built with
    /// Rust's std. Off by default: such a component is refused at load.
    pub fn full_wasi(mut self, on: bool) -> Self {
        self.full_wasi = on;
        self
    }

    /// Whether the guest's stdout and stderr reach this process's (default:
    /// they go nowhere). Only components linked with full WASI can write.
    pub fn inherit_stdio(mut self, on: bool) -> Self {
        self.inherit_stdio = on;
        self
    }

    /// Most bytes of strings one call may pass into the guest (default 1 MiB,
    /// far above every limit of the contract). A larger argument is refused
    /// with `ArgumentTooLarge` before the guest sees it, so a caller cannot
    /// exhaust an instance's memory (and kill its queue) by sending garbage.
    pub fn max_argument_bytes(mut self, bytes: usize) -> Self {
        self.max_argument_bytes = bytes;
        self
    }

    /// A directory in which to keep compiled components (default: none, so
    /// every [`Runtime`](crate::Runtime) compiles its component, which takes
    /// most of its load time). With one, a component is compiled once per
    /// machine and engine configuration and later loads read it back: a
    /// one-shot command starts in milliseconds (BENCHMARKS.md, "Starting
    /// up"). The directory is made `0700`; a file in it is only loaded if
    /// it belongs to this user, nobody else can write it or its directory,
    /// its checksum matches, and wasmtime accepts its header for this
    /// engine. Anything else (and any other platform than Unix) compiles,
    /// as without a cache. [`Runtime::compiled`](crate::Runtime::compiled)
    /// says which happened.
    pub fn compile_cache(mut self, dir: Option<PathBuf>) -> Self {
        self.compile_cache = dir;
        self
    }

    /// How often the runtime's clock ticks: the resolution of
    /// [`Config::call_timeout`].
    pub const TICK: Duration = Duration::from_millis(10);

    /// The per-call deadline in ticks: one more than the timeout holds,
    /// because the first tick may come at once after the call starts. N + 1
    /// ticks span at least N whole ticks, so a call never ends before its
    /// timeout (it may run up to one tick past it).
    pub(crate) fn deadline_ticks(&self) -> u64 {
        let ticks = self.call_timeout.as_nanos().div_ceil(Self::TICK.as_nanos());
        u64::try_from(ticks).unwrap_or(u64::MAX).saturating_add(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 13 case 7: a call gets at least the time asked for. The first
    /// tick may come at once after the call starts, so only `ticks - 1`
    /// whole ticks are sure to pass before the deadline.
    #[test]
    fn the_deadline_covers_the_time_asked_for() {
        for ms in [1, 10, 11, 19, 20, 50, 1000] {
            let timeout = Duration::from_millis(ms);
            let ticks = Config::new().call_timeout(timeout).deadline_ticks();
            let least = Config::TICK * (ticks as u32 - 1);
            assert!(least >= timeout, "{ms} ms: {least:?}");
        }
    }
}
