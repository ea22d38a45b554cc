//! What each instance's `Store` holds: the WASI context (randomness only,
//! unless full WASI is asked for) and the limiter that enforces the memory
//! limit and records that it was hit.

use std::fmt;

use rand::SeedableRng;
use rand::rngs::StdRng;
use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::Config;

/// Most table elements an instance may have. The queue needs a handful; the
/// limit only stops a hostile guest from growing tables without bound.
const TABLE_ELEMENT_LIMIT: usize = 100_000;

pub(crate) struct StoreData {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: Limiter,
}

impl StoreData {
    /// A sandbox that grants nothing but randomness: OS entropy, or a
    /// ChaCha12 stream from `seed` (the same on every machine).
    pub(crate) fn new(config: &Config, seed: Option<u64>) -> Self {
        let mut wasi = WasiCtxBuilder::new();
        if let Some(seed) = seed {
            wasi.secure_random(StdRng::seed_from_u64(seed));
        }
        if config.inherit_stdio {
            wasi.inherit_stdout().inherit_stderr();
        }
        StoreData {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            limiter: Limiter::new(config.memory_limit),
        }
    }

    pub(crate) fn random(&mut self) -> &mut wasmtime_wasi::random::WasiRandomCtx {
        self.wasi.random()
    }
}

impl WasiView for StoreData {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
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
