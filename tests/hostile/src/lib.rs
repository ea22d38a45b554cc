//! The hostile bits:queue components, built for wasm32-wasip2 by this
//! crate's build script: each exports the contract honestly except for one
//! call. They are built with Rust's std, so they import wasi:cli and wasi:io
//! too and load only with full WASI linked (`Config::full_wasi`).

use std::path::Path;

/// One way a component misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hostile {
    /// `job-manager`'s constructor never returns.
    ConstructorLoop,
    /// `create-job` never returns.
    MethodLoop,
    /// `create-job` allocates memory without bound.
    GrowMemory,
    /// `create-job` panics.
    Panic,
    /// `get-display-name` returns a string of hundreds of megabytes.
    HugeGetter,
    /// `enum-files` returns hundreds of megabytes of strings aliasing one
    /// small buffer.
    AliasList,
}

impl Hostile {
    /// Every hostile component.
    pub const ALL: [Hostile; 6] = [
        Hostile::ConstructorLoop,
        Hostile::MethodLoop,
        Hostile::GrowMemory,
        Hostile::Panic,
        Hostile::HugeGetter,
        Hostile::AliasList,
    ];

    /// The component file.
    pub fn path(self) -> &'static Path {
        Path::new(match self {
            Hostile::ConstructorLoop => env!("HOSTILE_CTOR_LOOP"),
            Hostile::MethodLoop => env!("HOSTILE_LOOP_METHOD"),
            Hostile::GrowMemory => env!("HOSTILE_GROW_MEMORY"),
            Hostile::Panic => env!("HOSTILE_PANIC"),
            Hostile::HugeGetter => env!("HOSTILE_HUGE_GETTER"),
            Hostile::AliasList => env!("HOSTILE_ALIAS_LIST"),
        })
    }
}
