//! (b) Making an instance: the default (on-demand) allocator against the
//! pooling allocator, both pre-instantiated, through `Runtime::new_queue`;
//! and wasmtime's floor: bare, with every export looked up, and with every
//! export looked up and type-checked as `bindgen!`'s bindings do for each
//! instance (the host checks once per `Runtime` instead); and sandboxed, in
//! a store set up as every sandboxing embedder must (memory limiter,
//! hostcall fuel, an epoch deadline that traps).
//! Instance creation is timed alone (instances are dropped outside the
//! timing, in batches); `*_with_drop` times the whole life of an empty
//! instance, creation and teardown.

use std::time::{Duration, Instant};

use bits_queue_host::{Config, Runtime};
use criterion::Criterion;

use crate::floor::Floor;
use crate::support::SEED;

/// Instances alive at once while timing creation alone: well under the
/// pool's default of 1,000 (each holds several core instances).
const BATCH: u64 = 100;

/// Times `iters` calls of `make`, keeping what it makes alive until its
/// batch ends, so dropping it is not timed.
pub(crate) fn time_creation<T>(iters: u64, mut make: impl FnMut() -> T) -> Duration {
    let mut alive = Vec::with_capacity(BATCH as usize);
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(BATCH);
        let start = Instant::now();
        for _ in 0..n {
            alive.push(make());
        }
        total += start.elapsed();
        alive.clear();
        left -= n;
    }
    total
}

pub fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("instantiate");
    for (name, pooling) in [("default", false), ("pooling", true)] {
        let runtime =
            Runtime::with_config(Config::new().pooling(pooling)).expect("the component loads");
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                time_creation(iters, || runtime.new_queue().expect("an instance"))
            })
        });
        g.bench_function(format!("{name}_seeded"), |b| {
            b.iter_custom(|iters| {
                time_creation(iters, || {
                    runtime.new_queue_seeded(SEED).expect("an instance")
                })
            })
        });
        g.bench_function(format!("{name}_with_drop"), |b| {
            b.iter(|| runtime.new_queue().expect("an instance"))
        });
    }
    let floor = Floor::new();
    g.bench_function("wasmtime_floor", |b| {
        b.iter_custom(|iters| time_creation(iters, || floor.instantiate()))
    });
    g.bench_function("wasmtime_floor_with_drop", |b| {
        b.iter(|| floor.instantiate())
    });
    g.bench_function("wasmtime_floor_looked_up", |b| {
        b.iter_custom(|iters| time_creation(iters, || floor.instantiate_looked_up()))
    });
    g.bench_function("wasmtime_floor_typed", |b| {
        b.iter_custom(|iters| time_creation(iters, || floor.instantiate_typed()))
    });
    g.bench_function("wasmtime_floor_sandboxed", |b| {
        b.iter_custom(|iters| time_creation(iters, || floor.instantiate_sandboxed()))
    });
    g.finish();
}
