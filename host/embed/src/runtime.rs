//! [`Runtime`]: a component loaded once (engine, compiled component,
//! pre-instantiation) from which instances — [`Queue`]s — are made cheaply.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use wasmtime::component::{Component, InstancePre, Linker};
use wasmtime::{Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::clock::{Clock, SystemClock};
use crate::exports::Exports;
use crate::instance_state::{InstanceState, new_store};
use crate::slots::InstanceSlots;
use crate::{Config, Queue, Result, SandboxError, SandboxErrorKind};

/// The component built from `guest/component`, embedded at build time.
pub const EMBEDDED_COMPONENT: &[u8] = include_bytes!(env!("BITS_QUEUE_COMPONENT"));

/// The most bytes the embedded component may take with the whole contract
/// (§1–§17): 256 KiB (first 192 KiB, raised when §14–§17 measured more
/// than estimated). §1–§11 take about 103 KiB, with uploads, credentials,
/// proxies, notify and stalls about 200 KiB; BENCHMARKS.md ("Targets")
/// says how the budget was set. A test holds the component to it, and the
/// benches report against it.
pub const COMPONENT_SIZE_BUDGET: usize = 256 * 1024;

/// The imports a component gets by default: randomness for GUIDs and the
/// wall clock for job times and retries, nothing else.
const RANDOM_IMPORT: &str = "wasi:random/random@0.2";
const CLOCK_IMPORT: &str = "wasi:clocks/wall-clock@0.2";

/// Core instances, memories and tables one component instance may use in the
/// pooling allocator. The queue uses 3 core instances, 1 memory, 1 table;
/// Rust std builds and wit-bindgen shims a few more.
const CORE_INSTANCES_PER_COMPONENT: u32 = 16;
const MEMORIES_PER_COMPONENT: u32 = 2;
const TABLES_PER_COMPONENT: u32 = 4;

/// Bytes of a freed pool slot's linear memory reset in place and kept
/// resident (the rest is given back to the OS). An idle queue dirties a few
/// pages; 300 jobs take about 60 KiB.
const MEMORY_KEEP_RESIDENT: usize = 1 << 20;
/// The same for tables (the queue's hold a few entries).
const TABLE_KEEP_RESIDENT: usize = 64 << 10;

/// A loaded component: compiled once, linked once, pre-instantiated once.
/// Cloning is cheap (the clones share everything); `Send` and `Sync`.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
}

pub(crate) struct RuntimeInner {
    pub(crate) engine: Engine,
    pub(crate) pre: InstancePre<InstanceState>,
    /// The contract's functions in `pre`'s component, type-checked.
    pub(crate) exports: Exports,
    pub(crate) config: Config,
    /// Live instances, bounded by `config.max_instances` on either allocator.
    pub(crate) slots: Arc<InstanceSlots>,
    compiled: Compiled,
    _ticker: Ticker,
}

/// How a runtime's component was obtained ([`Runtime::compiled`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compiled {
    /// Compiled with cranelift when the runtime was made.
    Now,
    /// Read back from the [compile cache](Config::compile_cache), compiled
    /// by an earlier runtime.
    FromCache,
    /// Loaded from bytes given to [`Runtime::from_precompiled`].
    Precompiled,
}

impl Runtime {
    /// The embedded component with the default [`Config`].
    pub fn new() -> Result<Self> {
        Self::from_bytes(EMBEDDED_COMPONENT, Config::default())
    }

    /// The embedded component with `config`.
    pub fn with_config(config: Config) -> Result<Self> {
        Self::from_bytes(EMBEDDED_COMPONENT, config)
    }

    /// Another build of the contract, from a `.wasm` component file.
    pub fn from_file(path: impl AsRef<Path>, config: Config) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| load_error(format!("cannot read {}: {e}", path.display())))?;
        Self::from_bytes(&bytes, config)
    }

    /// Another build of the contract, from the bytes of a component binary.
    ///
    /// Refused with a `Load` error, naming what is wrong, unless the component
    /// exports every function of `bits:queue@0.1.0` with the contract's types
    /// (checked once here, on a probe instance, so that no instance is ever
    /// called with the wrong types), imports only what the configuration
    /// grants, and starts.
    pub fn from_bytes(bytes: &[u8], config: Config) -> Result<Self> {
        let engine = new_engine(&config)?;
        let (component, compiled) = compile(&engine, bytes, &config)
            .map_err(|e| load_error(format!("not a valid component: {e:#}")))?;
        Self::from_component(engine, component, compiled, config)
    }

    /// Compiles a component binary ahead of time for runtimes made with
    /// `config` on this machine, so that [`Runtime::from_precompiled`] can
    /// load it without compiling (compiling takes most of a load's time;
    /// see BENCHMARKS.md).
    pub fn precompile(bytes: &[u8], config: &Config) -> Result<Vec<u8>> {
        new_engine(config)?
            .precompile_component(bytes)
            .map_err(|e| load_error(format!("not a valid component: {e:#}")))
    }

    /// Loads a component compiled by [`Runtime::precompile`]. Bytes made by
    /// another wasmtime version, another `config` or for another CPU are
    /// refused with a `Load` error.
    ///
    /// # Safety
    ///
    /// The bytes are machine code that runs as is: wasmtime checks their
    /// header, not their contents. They must come from
    /// [`Runtime::precompile`] and must not have been altered since — never
    /// load precompiled bytes from a source you would not run a native
    /// binary from.
    pub unsafe fn from_precompiled(bytes: &[u8], config: Config) -> Result<Self> {
        let engine = new_engine(&config)?;
        // SAFETY: the caller vouches that `bytes` came from `precompile`.
        let component = unsafe { Component::deserialize(&engine, bytes) }
            .map_err(|e| load_error(format!("not a precompiled component: {e:#}")))?;
        Self::from_component(engine, component, Compiled::Precompiled, config)
    }

    /// Links and pre-instantiates a compiled component.
    fn from_component(
        engine: Engine,
        component: Component,
        compiled: Compiled,
        config: Config,
    ) -> Result<Self> {
        let linker = linker(&engine, &component, &config)?;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(|e| load_error(format!("cannot link the component: {e:#}")))?;
        // Before the probe instance: its deadline needs the epoch to move.
        let ticker = Ticker::start(engine.clone())
            .map_err(|e| load_error(format!("cannot start the epoch thread: {e}")))?;
        // A seeded probe: no entropy drawn for an instance that makes no GUID.
        let probe = new_store(&engine, &config, Some(0), system_clock());
        let exports = Exports::new(&pre, probe).map_err(|e| {
            load_error(format!(
                "the component does not export the bits:queue@0.1.0 contract: {e}"
            ))
        })?;
        Ok(Runtime {
            inner: Arc::new(RuntimeInner {
                engine,
                pre,
                exports,
                slots: InstanceSlots::new(config.max_instances),
                compiled,
                config,
                _ticker: ticker,
            }),
        })
    }

    /// A new instance with its own empty queue, drawing GUIDs from OS
    /// entropy and reading the system's clock.
    pub fn new_queue(&self) -> Result<Queue> {
        self.new_queue_with(QueueOptions::new())
    }

    /// A new instance whose GUIDs come from a stream seeded with `seed`: the
    /// same seed gives the same GUID sequence, on any machine.
    pub fn new_queue_seeded(&self, seed: u64) -> Result<Queue> {
        self.new_queue_with(QueueOptions::new().seed(seed))
    }

    /// A new instance with the randomness and clock `options` say.
    pub fn new_queue_with(&self, options: QueueOptions) -> Result<Queue> {
        let declare = options.declare_order_details;
        let queue = Queue::instantiate(self.inner.clone(), options)?;
        if declare {
            queue.declare_order_details()?;
        }
        Ok(queue)
    }

    pub(crate) fn from_inner(inner: Arc<RuntimeInner>) -> Self {
        Runtime { inner }
    }

    /// The configuration this runtime was made with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Whether this runtime's component was compiled when it was made, read
    /// from the compile cache, or given precompiled.
    pub fn compiled(&self) -> Compiled {
        self.inner.compiled
    }

    /// The contract's functions this component lacks, as
    /// `interface#function`: it was built for an earlier version of the
    /// contract (say, before the `engine` interface). Calling one gives
    /// [`SandboxErrorKind::NotExported`]; everything else works. Empty for
    /// the embedded component.
    pub fn missing_exports(&self) -> Vec<String> {
        self.inner.exports.missing()
    }

    /// The names of the component's imports (e.g. `wasi:random/random@0.2.4`).
    pub fn imports(&self) -> Vec<String> {
        let component = self.inner.pre.component();
        component
            .component_type()
            .imports(&self.inner.engine)
            .map(|(name, _)| name.to_owned())
            .collect()
    }
}

fn load_error(message: String) -> crate::Error {
    SandboxError::new(SandboxErrorKind::Load, message).into()
}

/// The component `bytes` compiled for `engine`, through the compile cache
/// when the configuration names one (on Unix).
fn compile(
    engine: &Engine,
    bytes: &[u8],
    config: &Config,
) -> wasmtime::Result<(Component, Compiled)> {
    #[cfg(unix)]
    if let Some(dir) = &config.compile_cache {
        return crate::compile_cache::load_or_compile(engine, bytes, dir);
    }
    let _ = config;
    Ok((Component::new(engine, bytes)?, Compiled::Now))
}

fn new_engine(config: &Config) -> Result<Engine> {
    Engine::new(&engine_config(config))
        .map_err(|e| load_error(format!("cannot create the engine: {e:#}")))
}

fn engine_config(config: &Config) -> wasmtime::Config {
    let mut c = wasmtime::Config::new();
    c.wasm_component_model(true);
    // Each call gets a deadline in epoch ticks; the ticker thread advances it.
    c.epoch_interruption(true);
    // Nothing here runs concurrently (no component-model async): stores skip
    // the state concurrency needs. Already wasmtime's default without its
    // `component-model-async` feature; said here so it stays off.
    c.concurrency_support(false);
    if config.pooling {
        // A pool of at least one slot: with `max_instances(0)` the component
        // still loads, and `InstanceSlots` refuses every instance.
        let n = config.max_instances.max(1);
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(n)
            .total_core_instances(n.saturating_mul(CORE_INSTANCES_PER_COMPONENT))
            .total_memories(n.saturating_mul(MEMORIES_PER_COMPONENT))
            .total_tables(n.saturating_mul(TABLES_PER_COMPONENT))
            .max_core_instances_per_component(CORE_INSTANCES_PER_COMPONENT)
            .max_memories_per_component(MEMORIES_PER_COMPONENT)
            .max_tables_per_component(TABLES_PER_COMPONENT)
            .max_memory_size(config.memory_limit);
        // A freed slot's dirty pages are reset with memset and stay resident,
        // instead of madvise and a page fault on each reuse: about half the
        // cost of an instance's life (BENCHMARKS.md). Only with PAGEMAP_SCAN
        // (Linux 6.7+), which finds the dirty pages; without it wasmtime would
        // memset the whole kept range on every reuse, which costs more.
        if PoolingAllocationConfig::is_pagemap_scan_available() {
            pool.pagemap_scan(Enabled::Yes)
                .linear_memory_keep_resident(MEMORY_KEEP_RESIDENT)
                .table_keep_resident(TABLE_KEEP_RESIDENT);
        }
        c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    c
}

/// Links what the component may import: `wasi:random/random` and
/// `wasi:clocks/wall-clock` alone, or with `full_wasi` all of WASI 0.2 with
/// nothing granted. Refuses, naming it, any import the host does not
/// provide.
fn linker(
    engine: &Engine,
    component: &Component,
    config: &Config,
) -> Result<Linker<InstanceState>> {
    let mut linker = Linker::new(engine);
    let linked = if config.full_wasi {
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
    } else {
        component
            .component_type()
            .imports(engine)
            .try_for_each(|(name, _)| {
                if name.starts_with(RANDOM_IMPORT) {
                    link_random(&mut linker, name)
                } else if name.starts_with(CLOCK_IMPORT) {
                    link_clock(&mut linker, name)
                } else {
                    Err(wasmtime::Error::new(NotGranted(name.to_string())))
                }
            })
    };
    linked.map_err(|e| match e.downcast_ref::<NotGranted>() {
        Some(NotGranted(name)) => SandboxError::ungranted(
            name,
            format!(
                "the component imports `{name}`, which this host does not grant \
                 (it grants only {RANDOM_IMPORT}.x and {CLOCK_IMPORT}.x)"
            ),
        )
        .into(),
        None => load_error(format!("cannot link WASI: {e:#}")),
    })?;
    Ok(linker)
}

/// An import the host does not grant.
#[derive(Debug)]
struct NotGranted(String);

impl std::fmt::Display for NotGranted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` is not granted", self.0)
    }
}

impl std::error::Error for NotGranted {}

/// `wasi:random/random` under the name the component imports it by, drawing
/// from the store's own stream: cheaper per instance than wasmtime-wasi's
/// implementation, which needs a whole WASI context (see `InstanceState`).
fn link_random(linker: &mut Linker<InstanceState>, name: &str) -> wasmtime::Result<()> {
    let mut random = linker.instance(name)?;
    random.func_wrap("get-random-bytes", |mut store, (len,): (u64,)| {
        Ok((store.data_mut().random_bytes(len)?,))
    })?;
    random.func_wrap("get-random-u64", |mut store, (): ()| {
        Ok((store.data_mut().random_u64(),))
    })
}

/// `wasi:clocks/wall-clock` under the name the component imports it by,
/// reading the store's clock (the system's, or a test's).
fn link_clock(linker: &mut Linker<InstanceState>, name: &str) -> wasmtime::Result<()> {
    let mut clock = linker.instance(name)?;
    clock.func_wrap("now", |store, (): ()| {
        Ok((crate::bindings::Datetime::from(store.data().now()),))
    })?;
    clock.func_wrap("resolution", |_, (): ()| {
        Ok((crate::bindings::Datetime {
            seconds: 0,
            nanoseconds: 1,
        },))
    })
}

/// The system clock, shared by every queue that is not given another.
pub(crate) fn system_clock() -> Arc<dyn Clock> {
    static SYSTEM: std::sync::OnceLock<Arc<dyn Clock>> = std::sync::OnceLock::new();
    SYSTEM.get_or_init(|| Arc::new(SystemClock)).clone()
}

/// How a new queue draws its GUIDs and reads the time.
#[derive(Clone, Default)]
pub struct QueueOptions {
    pub(crate) seed: Option<u64>,
    pub(crate) clock: Option<Arc<dyn Clock>>,
    pub(crate) declare_order_details: bool,
}

impl QueueOptions {
    /// OS entropy and the system's clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// GUIDs from a ChaCha12 stream seeded with `seed`: the same seed gives
    /// the same GUIDs, on any machine.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Each instance made with these options calls `declare-order-details`
    /// at once (contract §14.1): for a host that reads every order's
    /// details, so that an instance rebuilt after a failure still does.
    pub fn declare_order_details(mut self) -> Self {
        self.declare_order_details = true;
        self
    }

    /// The time from `clock` (a [`ManualClock`](crate::ManualClock) in tests).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }
}

impl std::fmt::Debug for QueueOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueOptions")
            .field("seed", &self.seed)
            .field("clock", &self.clock.as_ref().map(|_| "set"))
            .field("declare_order_details", &self.declare_order_details)
            .finish()
    }
}

/// Advances the engine's epoch every [`Config::TICK`] while the runtime
/// lives, so a call's deadline (in ticks) ends a guest that never returns.
/// The thread holds only the engine; when the runtime's last user (a
/// `Runtime` clone, a `Queue` or a handle) goes, dropping the ticker stops
/// the thread and waits for it, so no runtime leaves a thread behind.
struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Ticker {
    /// The name of every ticker thread (at most 15 bytes: Linux keeps no
    /// more of a thread's name).
    const THREAD_NAME: &'static str = "bits-queue-tick";

    fn start(engine: Engine) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let (started, running) = std::sync::mpsc::sync_channel(0);
        let thread = thread::Builder::new()
            .name(Self::THREAD_NAME.into())
            .spawn(move || {
                // Running: the thread has its name, and the epoch moves.
                let _ = started.send(());
                while !flag.load(Ordering::Relaxed) {
                    thread::sleep(Config::TICK);
                    engine.increment_epoch();
                }
            })?;
        let _ = running.recv();
        Ok(Ticker {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // Within one tick. The thread only sleeps and bumps the epoch,
            // so it cannot panic; if it did, there is nothing left to stop.
            let _ = thread.join();
        }
    }
}
