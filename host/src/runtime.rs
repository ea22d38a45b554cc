//! [`Runtime`]: a component loaded once (engine, compiled component,
//! pre-instantiation) from which instances — [`Queue`]s — are made cheaply.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::bindings::QueuePre;
use crate::store::StoreData;
use crate::{Config, Queue, Result, SandboxError, SandboxErrorKind};

/// The component built from `guest/`, embedded at build time.
pub const EMBEDDED_COMPONENT: &[u8] = include_bytes!(env!("BITS_QUEUE_COMPONENT"));

/// The only import a component gets by default.
const RANDOM_IMPORT: &str = "wasi:random/random@0.2";

/// Core instances, memories and tables one component instance may use in the
/// pooling allocator. The queue uses 3 core instances, 1 memory, 1 table;
/// Rust std builds and wit-bindgen shims a few more.
const CORE_INSTANCES_PER_COMPONENT: u32 = 16;
const MEMORIES_PER_COMPONENT: u32 = 2;
const TABLES_PER_COMPONENT: u32 = 4;

/// A loaded component: compiled once, linked once, pre-instantiated once.
/// Cloning is cheap (the clones share everything); `Send` and `Sync`.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
}

pub(crate) struct RuntimeInner {
    pub(crate) engine: Engine,
    pub(crate) pre: QueuePre<StoreData>,
    pub(crate) config: Config,
    _ticker: Ticker,
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
    pub fn from_bytes(bytes: &[u8], config: Config) -> Result<Self> {
        let engine = Engine::new(&engine_config(&config))
            .map_err(|e| load_error(format!("cannot create the engine: {e:#}")))?;
        let component = Component::new(&engine, bytes)
            .map_err(|e| load_error(format!("not a valid component: {e:#}")))?;
        let linker = linker(&engine, &component, &config)?;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(|e| load_error(format!("cannot link the component: {e:#}")))?;
        let pre = QueuePre::new(pre).map_err(|e| {
            load_error(format!(
                "the component does not export the bits:queue@0.1.0 contract: {e:#}"
            ))
        })?;
        let ticker = Ticker::start(engine.clone())
            .map_err(|e| load_error(format!("cannot start the epoch thread: {e}")))?;
        Ok(Runtime {
            inner: Arc::new(RuntimeInner {
                engine,
                pre,
                config,
                _ticker: ticker,
            }),
        })
    }

    /// A new instance with its own empty queue, drawing GUIDs from OS entropy.
    pub fn new_queue(&self) -> Result<Queue> {
        Queue::instantiate(self.inner.clone(), None)
    }

    /// A new instance whose GUIDs come from a stream seeded with `seed`: the
    /// same seed gives the same GUID sequence, on any machine.
    pub fn new_queue_seeded(&self, seed: u64) -> Result<Queue> {
        Queue::instantiate(self.inner.clone(), Some(seed))
    }

    pub(crate) fn from_inner(inner: Arc<RuntimeInner>) -> Self {
        Runtime { inner }
    }

    /// The configuration this runtime was made with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The names of the component's imports (e.g. `wasi:random/random@0.2.4`).
    pub fn imports(&self) -> Vec<String> {
        let component = self.inner.pre.instance_pre().component();
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

fn engine_config(config: &Config) -> wasmtime::Config {
    let mut c = wasmtime::Config::new();
    c.wasm_component_model(true);
    // Each call gets a deadline in epoch ticks; the ticker thread advances it.
    c.epoch_interruption(true);
    if config.pooling {
        let n = config.max_instances;
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(n)
            .total_core_instances(n.saturating_mul(CORE_INSTANCES_PER_COMPONENT))
            .total_memories(n.saturating_mul(MEMORIES_PER_COMPONENT))
            .total_tables(n.saturating_mul(TABLES_PER_COMPONENT))
            .max_core_instances_per_component(CORE_INSTANCES_PER_COMPONENT)
            .max_memories_per_component(MEMORIES_PER_COMPONENT)
            .max_tables_per_component(TABLES_PER_COMPONENT)
            .max_memory_size(config.memory_limit);
        c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    c
}

/// Links what the component may import: `wasi:random/random` alone, or with
/// `full_wasi` all of WASI 0.2 with nothing granted. Refuses, naming it, any
/// import the host does not provide.
fn linker(engine: &Engine, component: &Component, config: &Config) -> Result<Linker<StoreData>> {
    let mut linker = Linker::new(engine);
    let linked = if config.full_wasi {
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
    } else {
        for (name, _) in component.component_type().imports(engine) {
            if !name.starts_with(RANDOM_IMPORT) {
                return Err(load_error(format!(
                    "the component imports `{name}`, which this host does not grant \
                     (it grants only {RANDOM_IMPORT}.x; full WASI can be linked with \
                     nothing granted: Config::full_wasi, or bitsq --full-wasi)"
                )));
            }
        }
        wasmtime_wasi::p2::bindings::random::random::add_to_linker::<
            StoreData,
            wasmtime_wasi::random::WasiRandom,
        >(&mut linker, StoreData::random)
    };
    linked.map_err(|e| load_error(format!("cannot link WASI: {e:#}")))?;
    Ok(linker)
}

/// Advances the engine's epoch every [`Config::TICK`] while the runtime
/// lives, so a call's deadline (in ticks) ends a guest that never returns.
struct Ticker {
    stop: Arc<AtomicBool>,
}

impl Ticker {
    fn start(engine: Engine) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        thread::Builder::new()
            .name("bits-queue-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    thread::sleep(Config::TICK);
                    engine.increment_epoch();
                }
            })?;
        Ok(Ticker { stop })
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
