//! The integration tests that drive the real component through the host, in
//! one binary (as wasmtime's `tests/all/main.rs`): one link of wasmtime, not
//! one per file. Each module is one subject; contract §N modules are named
//! `spec_N_…`. `epoch_thread.rs` stays a binary of its own: it counts the
//! process's threads, which other tests' runtimes would add to.

mod bits_server;
mod capabilities;
mod compile_cache;
mod contract_check;
mod contract_versions;
mod error_split;
mod guid_determinism;
mod handles;
mod hostile;
mod instance_limit;
mod isolation;
mod model;
mod required_exports;
mod size_budget;
mod spec_14_uploads;
mod spec_2_identity;
mod spec_3_queue;
mod spec_4_jobs;
mod spec_5_states;
mod spec_6_limits;
mod spec_7_errors;
mod spec_9_times;
mod web_tables;
