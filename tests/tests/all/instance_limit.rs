//! `Config::max_instances` holds with both allocators: one instance past
//! the bound is `InstanceLimit`, and dropping one frees its place.

use bits_queue_host::{Config, Runtime, SandboxErrorKind};

fn holds(pooling: bool) {
    let runtime =
        Runtime::with_config(Config::new().pooling(pooling).max_instances(3)).expect("load");
    let mut live: Vec<_> = (0..3)
        .map(|_| runtime.new_queue().expect("within the limit"))
        .collect();
    let e = runtime.new_queue().unwrap_err();
    assert_eq!(
        e.sandbox_kind(),
        Some(SandboxErrorKind::InstanceLimit),
        "{e}"
    );
    // The ones alive are unharmed.
    assert_eq!(live[0].limits().expect("get-limits").max_jobs, 300);

    // A handle keeps its instance alive after the Queue is dropped.
    let manager = live.pop().expect("three").manager();
    assert_eq!(
        runtime.new_queue().unwrap_err().sandbox_kind(),
        Some(SandboxErrorKind::InstanceLimit)
    );
    drop(manager);
    let again = runtime.new_queue().expect("a freed place");
    assert!(again.dead().is_none());
    assert_eq!(
        runtime.new_queue().unwrap_err().sandbox_kind(),
        Some(SandboxErrorKind::InstanceLimit),
        "full again"
    );
}

#[test]
fn the_instance_limit_holds_with_the_pooling_allocator() {
    holds(true);
}

#[test]
fn the_instance_limit_holds_with_the_on_demand_allocator() {
    holds(false);
}

/// Dead instances count until dropped, then free their place.
#[test]
fn a_dead_instance_frees_its_place_when_dropped() {
    let runtime = Runtime::with_config(
        Config::new()
            .max_instances(1)
            .memory_limit(2 << 20)
            .max_argument_bytes(4 << 20),
    )
    .expect("load");
    let queue = runtime.new_queue().expect("instantiate");
    let e = queue.parse_guid(&"{".repeat(3 << 20)).unwrap_err();
    assert_eq!(e.sandbox_kind(), Some(SandboxErrorKind::OutOfMemory), "{e}");
    assert_eq!(
        runtime.new_queue().unwrap_err().sandbox_kind(),
        Some(SandboxErrorKind::InstanceLimit),
        "the dead instance still holds its place"
    );
    drop(queue);
    runtime
        .new_queue()
        .expect("the dead instance's place is free");
}
