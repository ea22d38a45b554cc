//! The WIT's types as `bindgen!` generates them for the `bits:queue/queue`
//! world, with their canonical-ABI lifting and lowering. Private: the public
//! API is the hand-made types of this crate, so nothing generated (and no
//! `ResourceAny`) leaks to users.
//!
//! Only the types are used. The generated `Queue`/`QueuePre` would look up
//! and type-check all 26 exports on every new instance; the host finds and
//! checks them once per runtime instead (exports.rs).

wasmtime::component::bindgen!({
    world: "queue",
    path: "../wit",
});

pub(crate) use exports::bits::queue::types as wit;
