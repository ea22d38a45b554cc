//! The timed benchmarks (criterion): (a) loading, (b) instantiation, (c) one
//! call host→guest, (d) calls as the queue grows, (e) the same queue logic
//! run natively; then the target ratios once more, timed in alternating
//! rounds (paired.rs); then the ratios between them, from this run's
//! results.
//!
//! `cargo bench -- --quick` runs everything; BENCHMARKS.md explains the
//! figures. `cargo test --benches` (CI) runs each benchmark and each pair
//! once, to see that they work, and reports nothing. The footprint bench
//! (sizes, memory) is a separate target.

#[path = "../../../../tests/src/bench_mode.rs"]
mod bench_mode;
mod calls;
mod floor;
mod growth;
mod history;
mod instantiate;
mod load;
mod native;
mod paired;
mod ratios;
mod support;

use std::time::SystemTime;

use bench_mode::BenchMode;
use criterion::Criterion;

fn main() {
    let mode = BenchMode::from_args();
    let started = SystemTime::now();
    // Criterion reads the same arguments: without `--bench` (or with
    // `--test`) it runs each benchmark once and measures nothing.
    let mut c = Criterion::default()
        .output_directory(&support::criterion_dir())
        .configure_from_args();
    load::bench(&mut c);
    instantiate::bench(&mut c);
    calls::bench(&mut c);
    growth::bench(&mut c);
    native::bench(&mut c);
    c.final_summary();
    let paired = if paired::wanted() {
        paired::measure(paired::Plan::for_mode(mode))
    } else {
        Vec::new()
    };
    if mode.is_test() {
        // Nothing was measured: no report, and nothing in the history.
        println!("test mode: every benchmark and pair ran once; nothing measured");
        return;
    }
    ratios::report(&support::criterion_dir(), started, &paired);
}
