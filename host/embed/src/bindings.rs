//! The WIT's types as `bindgen!` generates them for the `bits:queue/queue`
//! world, with their canonical-ABI lifting and lowering. Private: the public
//! API is the contract crate's types, so nothing generated (and no
//! `ResourceAny`) leaks to users.
//!
//! Only the types are used: the generated table of exports (exports.rs)
//! names them. The generated `Queue`/`QueuePre` would look up and
//! type-check every export on every new instance; the host checks them once
//! per runtime instead.

wasmtime::component::bindgen!({
    world: "queue",
    path: "../../wit",
});

pub(crate) use exports::bits::queue::engine;
pub(crate) use exports::bits::queue::types as wit;
pub(crate) use wasi::clocks::wall_clock::Datetime;
