//! Random operation sequences through the host API against the reference
//! model (bits_queue_tests::model): no panic, no sandbox failure, every GUID
//! a fresh version-4 one, enum-jobs in creation order, every answer and the
//! final state of every job as the spec says.

#![no_main]

use std::sync::OnceLock;

use bits_queue_host::Runtime;
use bits_queue_tests::model::{Op, Run};
use libfuzzer_sys::fuzz_target;

/// The component, compiled once for the whole run.
fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime::new().expect("the embedded component loads"))
}

fuzz_target!(|input: (u64, Vec<Op>)| {
    let (seed, ops) = input;
    let mut run = Run::new(runtime(), seed).unwrap_or_else(|why| panic!("{why}"));
    for (step, op) in ops.iter().take(64).enumerate() {
        if let Err(why) = run.apply(op) {
            panic!("step {step}, {op:?}: {why}");
        }
    }
    if let Err(why) = run.check_state() {
        panic!("final state: {why}");
    }
});
