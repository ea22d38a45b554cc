//! The generated wasmtime bindings for the `bits:queue/queue` world. Private:
//! the public API is the hand-made types of this crate, so nothing generated
//! (and no `ResourceAny`) leaks to users.

wasmtime::component::bindgen!({
    world: "queue",
    path: "../wit",
});

pub(crate) use exports::bits::queue::types as wit;
