//! The host's build script:
//! - builds the bits:queue component from `guest/component` with a nested
//!   cargo (guest/build-support/nested_wasm_build.rs) and hands its path to the
//!   crate, which embeds it (`include_bytes!`), so nothing has to be found
//!   at run time;
//! - generates the table of the contract's exports from `wit/`
//!   (exports_table.rs; which of them a component must have:
//!   export_need.rs), which `src/exports.rs` includes.

#[path = "../../../guest/build-support/nested_wasm_build.rs"]
mod nested_wasm_build;

mod export_need;
mod exports_table;

use std::env;
use std::fs;
use std::path::PathBuf;

use nested_wasm_build::{NestedBuild, rerun_if_deps_change, scratch_target_dir};

const PROFILE: &str = "guest";
const PACKAGE: &str = "bits-queue-component";
const ARTIFACT: &str = "bits_queue_component";
const WORLD: &str = "queue";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir
        .ancestors()
        .nth(2)
        .expect("host/embed sits in the workspace");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));

    let table = exports_table::generate(&workspace.join("wit"), WORLD);
    fs::write(out_dir.join("exports_table.rs"), table).expect("OUT_DIR is writable");

    let built = NestedBuild {
        dir: workspace,
        package: Some(PACKAGE),
        profile: PROFILE,
        features: &[],
        target_dir: &scratch_target_dir(&out_dir, "component-build"),
    }
    .run();

    let wasm = built.join(format!("{ARTIFACT}.wasm"));
    let embedded = out_dir.join(format!("{ARTIFACT}.wasm"));
    fs::copy(&wasm, &embedded)
        .unwrap_or_else(|e| panic!("the component build left no {}: {e}", wasm.display()));
    println!(
        "cargo:rustc-env=BITS_QUEUE_COMPONENT={}",
        embedded.display()
    );

    rerun_if_deps_change(&built.join(format!("{ARTIFACT}.d")));
    for fixed in [
        "guest/component/Cargo.toml",
        "guest/logic/Cargo.toml",
        "guest/contract/Cargo.toml",
        "Cargo.toml",
        "Cargo.lock",
        "wit",
        "rust-toolchain.toml",
        "guest/build-support",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(fixed).display());
    }
    println!("cargo:rerun-if-changed=build");
}
