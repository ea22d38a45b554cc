//! The embedded component stays within its size budget
//! (`COMPONENT_SIZE_BUDGET`, BENCHMARKS.md "Targets"): a change that grows
//! it past the budget fails here, not months later in a bench table.

use bits_queue_host::{COMPONENT_SIZE_BUDGET, EMBEDDED_COMPONENT};

#[test]
fn the_embedded_component_is_within_its_size_budget() {
    let size = EMBEDDED_COMPONENT.len();
    assert!(
        size <= COMPONENT_SIZE_BUDGET,
        "the component is {size} bytes, over its budget of {COMPONENT_SIZE_BUDGET} bytes \
         (BENCHMARKS.md, Targets: cut it, or raise the budget there with the reason)"
    );
}
