//! The bits:queue component: the queue logic (`bits-queue-logic`) behind
//! the wit-bindgen glue for the `bits:queue/queue` world, with a `no_std`
//! runtime. Nothing else lives here: no rule of the contract, no fact about
//! its types (those are `bits-queue-contract`'s).
//!
//! - `bindings`: what wit-bindgen generates from `wit/`;
//! - `exports`: each export handed to the logic;
//! - `convert`: generated types ⇄ the contract's;
//! - `rt`: allocator, panic handler, `cabi_realloc`, `memcmp`.
//!
//! `no_std`, so that the component imports nothing but what the code uses
//! (`wasi:random/random` for GUIDs, `wasi:clocks/wall-clock` for times and
//! retries). Everything is wasm32-only: natively the crate is
//! empty, and the logic is tested in its own crate.

#![cfg_attr(target_arch = "wasm32", no_std)]

#[cfg(target_arch = "wasm32")]
extern crate alloc;

#[cfg(target_arch = "wasm32")]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "queue",
        // The clock's bindings are generated here too (the crate depends on
        // no other WASI bindings for it).
        generate_all,
    });
}
#[cfg(target_arch = "wasm32")]
mod convert;
#[cfg(target_arch = "wasm32")]
mod exports;
#[cfg(target_arch = "wasm32")]
mod rt;
