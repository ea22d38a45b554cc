//! Builds tests/hostile/component once per misbehaviour (a cargo feature
//! each) for wasm32-wasip2 and hands each component's path to the crate
//! (`HOSTILE_<FEATURE>`), so tests find them on a fresh clone with no step
//! but `cargo test`. The nested build is guest/build-support/nested_wasm_build.rs.

#[path = "../../guest/build-support/nested_wasm_build.rs"]
mod nested_wasm_build;

use std::env;
use std::fs;
use std::path::PathBuf;

use nested_wasm_build::{NestedBuild, rerun_if_deps_change, scratch_target_dir};

/// The component crate's features, one per hostile build (its Cargo.toml
/// says what each does).
const FEATURES: [&str; 6] = [
    "ctor-loop",
    "loop-method",
    "grow-memory",
    "panic",
    "huge-getter",
    "alias-list",
];
const ARTIFACT: &str = "bits_queue_hostile_component";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let component_dir = manifest_dir.join("component");
    let workspace = manifest_dir
        .ancestors()
        .nth(2)
        .expect("tests/hostile sits in the workspace");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let target_dir = scratch_target_dir(&out_dir, "hostile-build");

    for feature in FEATURES {
        // Builds one after another into one target dir: the dependencies are
        // shared, only the component crate is rebuilt per feature.
        let built = NestedBuild {
            dir: &component_dir,
            package: None,
            profile: "release",
            features: &[feature],
            target_dir: &target_dir,
        }
        .run();
        let wasm = built.join(format!("{ARTIFACT}.wasm"));
        let copy = out_dir.join(format!("{feature}.wasm"));
        fs::copy(&wasm, &copy)
            .unwrap_or_else(|e| panic!("the {feature} build left no {}: {e}", wasm.display()));
        let var = feature.to_uppercase().replace('-', "_");
        println!("cargo:rustc-env=HOSTILE_{var}={}", copy.display());
        rerun_if_deps_change(&built.join(format!("{ARTIFACT}.d")));
    }
    for fixed in ["wit", "rust-toolchain.toml", "guest/build-support"] {
        println!("cargo:rerun-if-changed={}", workspace.join(fixed).display());
    }
    for fixed in ["Cargo.toml", "Cargo.lock"] {
        println!(
            "cargo:rerun-if-changed={}",
            component_dir.join(fixed).display()
        );
    }
}
