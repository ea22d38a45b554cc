//! [`InstanceState`]: what each instance's wasmtime `Store` holds: the stream behind
//! `wasi:random/random` and the clock behind `wasi:clocks/wall-clock` (or,
//! with full WASI, a WASI context granting nothing else), and the limiter
//! that enforces the memory limit and records that it was hit.

use std::fmt;
use std::sync::Arc;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use wasmtime::component::ResourceTable;
use wasmtime::{Engine, ResourceLimiter, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::Config;
use crate::clock::{Clock, WasiWallClock};

/// Most table elements an instance may have. The queue needs a handful; the
/// limit only stops a hostile guest from growing tables without bound.
const TABLE_ELEMENT_LIMIT: usize = 100_000;

/// Most bytes one `get-random-bytes` call may ask for: wasmtime-wasi's own
/// limit, so both ways of linking refuse the same requests.
const RANDOM_BYTES_LIMIT: u64 = wasmtime_wasi::random::DEFAULT_MAX_SIZE;

/// The data of one instance's wasmtime `Store`.
pub(crate) struct InstanceState {
    /// The stream `wasi:random/random` draws from when it is all that is
    /// linked. A bare generator: building a whole WASI context per instance
    /// (two of them, in fact: `WasiCtxBuilder::build` makes a fresh builder)
    /// would cost more than the rest of an instance's store.
    ///
    /// Made on the first draw, from `seed`: an instance that never asks
    /// for randomness (most calls draw none; a queue draws only to make a
    /// GUID) skips seeding it from the OS-fed thread generator, and its
    /// store stays small (boxed: the generator and its block buffer take
    /// about 330 bytes). The stream is the same either way: a seeded one
    /// starts from its seed whenever it is made, an unseeded one is drawn
    /// from OS entropy when made.
    random: Option<Box<StdRng>>,
    /// The seed of `random`, `None` for OS entropy.
    seed: Option<u64>,
    /// The clock `wasi:clocks/wall-clock` reads.
    clock: Arc<dyn Clock>,
    /// With `Config::full_wasi`: all of WASI, granting nothing; its own
    /// stream (seeded the same way) serves `wasi:random`. `None` otherwise.
    wasi: Option<Box<FullWasi>>,
    pub(crate) limiter: Limiter,
}

struct FullWasi {
    ctx: WasiCtx,
    table: ResourceTable,
}

impl FullWasi {
    fn new(random: StdRng, clock: Arc<dyn Clock>, inherit_stdio: bool) -> Self {
        let mut wasi = WasiCtxBuilder::new();
        wasi.secure_random(random).wall_clock(WasiWallClock(clock));
        if inherit_stdio {
            wasi.inherit_stdout().inherit_stderr();
        }
        FullWasi {
            ctx: wasi.build(),
            table: ResourceTable::new(),
        }
    }
}

impl InstanceState {
    /// A sandbox that grants nothing but randomness (OS entropy, or a
    /// ChaCha12 stream from `seed`, the same on every machine) and the wall
    /// clock (`clock`).
    pub(crate) fn new(config: &Config, seed: Option<u64>, clock: Arc<dyn Clock>) -> Self {
        let wasi = config.full_wasi.then(|| {
            Box::new(FullWasi::new(
                stream(seed),
                clock.clone(),
                config.inherit_stdio,
            ))
        });
        InstanceState {
            random: None,
            seed,
            clock,
            wasi,
            limiter: Limiter::new(config.memory_limit),
        }
    }

    /// `wasi:clocks/wall-clock.now`.
    pub(crate) fn now(&self) -> bits_queue_contract::Datetime {
        self.clock.now()
    }

    /// The instance's stream, made on the first draw (see `random`).
    fn random(&mut self) -> &mut StdRng {
        let seed = self.seed;
        self.random.get_or_insert_with(|| Box::new(stream(seed)))
    }

    /// `wasi:random/random.get-random-u64`, as wasmtime-wasi implements it.
    pub(crate) fn random_u64(&mut self) -> u64 {
        self.random().random()
    }

    /// `wasi:random/random.get-random-bytes`, as wasmtime-wasi implements it
    /// (one draw per byte, the same limit), so a stream gives the same bytes
    /// either way.
    pub(crate) fn random_bytes(&mut self, len: u64) -> wasmtime::Result<Vec<u8>> {
        if len > RANDOM_BYTES_LIMIT {
            wasmtime::bail!("requested len {len:?} exceeds limit {RANDOM_BYTES_LIMIT}");
        }
        let len = usize::try_from(len)?;
        Ok(self.random().random_iter().take(len).collect())
    }
}

/// A store for one instance, with the sandbox's limits set: the memory
/// limiter, a bound on what the host copies out of one call, and the
/// deadline of a first call.
pub(crate) fn new_store(
    engine: &Engine,
    config: &Config,
    seed: Option<u64>,
    clock: Arc<dyn Clock>,
) -> Store<InstanceState> {
    let mut store = Store::new(engine, InstanceState::new(config, seed, clock));
    store.limiter(|data| &mut data.limiter);
    // Bounds what the host copies out of one call's results. An honest
    // result lies in the guest's memory without overlap, so it is never
    // larger than the memory limit; a larger one repeats the same bytes (a
    // list of strings all pointing at one buffer) to make the host allocate
    // without bound, and ends the call as a trap instead.
    store.set_hostcall_fuel(config.memory_limit);
    store.epoch_deadline_trap();
    store.set_epoch_deadline(config.deadline_ticks());
    store
}

/// A ChaCha12 stream from `seed`, or from OS entropy as wasmtime-wasi draws
/// it: seeded from the thread's generator, itself seeded from the OS.
fn stream(seed: Option<u64>) -> StdRng {
    match seed {
        Some(seed) => StdRng::seed_from_u64(seed),
        None => StdRng::from_rng(&mut rand::rng()),
    }
}

impl WasiView for InstanceState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        // Only linkers with full WASI call this, and their stores start with
        // a context; any other store gets one granting nothing but its stream.
        let wasi = match self.wasi.take() {
            Some(wasi) => wasi,
            None => {
                let random = StdRng::from_rng(self.random());
                Box::new(FullWasi::new(random, self.clock.clone(), false))
            }
        };
        let wasi = self.wasi.insert(wasi);
        WasiCtxView {
            ctx: &mut wasi.ctx,
            table: &mut wasi.table,
        }
    }
}

/// Refuses memory growth past the limit with [`MemoryLimitHit`], which ends
/// the call as a trap the host can tell apart from any other.
pub(crate) struct Limiter {
    memory_limit: usize,
    memory_bytes: usize,
}

impl Limiter {
    fn new(memory_limit: usize) -> Self {
        Limiter {
            memory_limit,
            memory_bytes: 0,
        }
    }

    /// The instance's linear memory size in bytes.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.memory_bytes
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_limit {
            return Err(wasmtime::Error::new(MemoryLimitHit {
                limit: self.memory_limit,
                current,
                desired,
            }));
        }
        self.memory_bytes = desired;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= TABLE_ELEMENT_LIMIT)
    }
}

/// The guest asked for more memory than its limit.
#[derive(Debug)]
pub(crate) struct MemoryLimitHit {
    limit: usize,
    current: usize,
    desired: usize,
}

impl fmt::Display for MemoryLimitHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "linear memory would grow from {} to {} bytes, over the limit of {} bytes",
            self.current, self.desired, self.limit
        )
    }
}

impl std::error::Error for MemoryLimitHit {}
