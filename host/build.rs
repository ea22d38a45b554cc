//! Builds the bits:queue component from `guest/` and hands its path to the
//! crate, which embeds it (`include_bytes!`), so nothing has to be found at
//! run time. The nested build itself is build-support/nested_wasm_build.rs.

#[path = "../build-support/nested_wasm_build.rs"]
mod nested_wasm_build;

use std::env;
use std::fs;
use std::path::PathBuf;

use nested_wasm_build::{NestedBuild, rerun_if_deps_change, scratch_target_dir};

const PROFILE: &str = "guest";
const PACKAGE: &str = "bits-queue-guest";
const ARTIFACT: &str = "bits_queue_guest";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir.parent().expect("host/ sits in the workspace");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));

    let built = NestedBuild {
        dir: workspace,
        package: Some(PACKAGE),
        profile: PROFILE,
        features: &[],
        target_dir: &scratch_target_dir(&out_dir, "guest-build"),
    }
    .run();

    let wasm = built.join(format!("{ARTIFACT}.wasm"));
    let embedded = out_dir.join(format!("{ARTIFACT}.wasm"));
    fs::copy(&wasm, &embedded)
        .unwrap_or_else(|e| panic!("the guest build left no {}: {e}", wasm.display()));
    println!(
        "cargo:rustc-env=BITS_QUEUE_COMPONENT={}",
        embedded.display()
    );

    rerun_if_deps_change(&built.join(format!("{ARTIFACT}.d")));
    for fixed in [
        "guest/Cargo.toml",
        "Cargo.toml",
        "Cargo.lock",
        "wit",
        "rust-toolchain.toml",
        "build-support",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(fixed).display());
    }
}
