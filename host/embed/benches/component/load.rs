//! (a) Loading the component: compiling it, and serializing and
//! deserializing a precompiled one, with wasmtime directly; then the whole
//! of `Runtime::from_bytes` and `Runtime::from_precompiled` (engine, pool,
//! linking, pre-instantiation, epoch thread).

use std::hint::black_box;

use bits_queue_host::{Config, EMBEDDED_COMPONENT, Runtime};
use criterion::Criterion;
use wasmtime::component::Component;
use wasmtime::{Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// An engine set up as the host's default one (`engine_config` in
/// host/embed/src/runtime.rs): components, epoch interruption, no concurrency
/// support, the pooling allocator resetting slots in place where
/// PAGEMAP_SCAN is available. Pool sizes are wasmtime's defaults.
pub fn host_like_engine() -> Engine {
    let mut pool = PoolingAllocationConfig::new();
    if PoolingAllocationConfig::is_pagemap_scan_available() {
        pool.pagemap_scan(Enabled::Yes)
            .linear_memory_keep_resident(1 << 20)
            .table_keep_resident(64 << 10);
    }
    let mut config = wasmtime::Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .concurrency_support(false)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config).expect("an engine")
}

pub fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    g.sample_size(10);

    let engine = host_like_engine();
    g.bench_function("compile", |b| {
        b.iter(|| Component::new(&engine, black_box(EMBEDDED_COMPONENT)).expect("compiles"))
    });
    let component = Component::new(&engine, EMBEDDED_COMPONENT).expect("compiles");
    g.bench_function("serialize", |b| {
        b.iter(|| component.serialize().expect("serializes"))
    });
    let serialized = component.serialize().expect("serializes");
    g.bench_function("deserialize", |b| {
        // SAFETY: the bytes were serialized just above by this engine.
        b.iter(|| {
            unsafe { Component::deserialize(&engine, black_box(&serialized)) }.expect("loads")
        })
    });

    g.bench_function("runtime_from_bytes", |b| {
        b.iter(|| Runtime::from_bytes(EMBEDDED_COMPONENT, Config::default()).expect("loads"))
    });
    let precompiled =
        Runtime::precompile(EMBEDDED_COMPONENT, &Config::default()).expect("precompiles");
    g.bench_function("runtime_from_precompiled", |b| {
        // SAFETY: the bytes were made just above by `Runtime::precompile`.
        b.iter(|| {
            unsafe { Runtime::from_precompiled(&precompiled, Config::default()) }.expect("loads")
        })
    });
    g.finish();
}
