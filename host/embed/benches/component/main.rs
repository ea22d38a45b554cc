//! The timed benchmarks (criterion): (a) loading, (b) instantiation, (c) one
//! call host→guest, (d) calls as the queue grows, (e) the same queue logic
//! run natively; then the target ratios once more, timed in alternating
//! rounds (paired.rs); then the ratios between them, from this run's
//! results.
//!
//! `cargo bench -- --quick` runs everything; BENCHMARKS.md explains the
//! figures. The footprint bench (sizes, memory) is a separate target.

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

use criterion::Criterion;

fn main() {
    let started = SystemTime::now();
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
        paired::measure()
    } else {
        Vec::new()
    };
    ratios::report(&support::criterion_dir(), started, &paired);
}
