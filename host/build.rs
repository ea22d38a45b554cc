//! Builds the bits:queue component from `guest/` and hands its path to the
//! crate, which embeds it (`include_bytes!`), so nothing has to be found at
//! run time.
//!
//! Modelled on wasmtime's `crates/test-programs/artifacts/build.rs`:
//! - the guest is built by a nested `cargo build` with its own target dir
//!   (sharing the outer one would wait forever on the outer build's lock);
//! - the script re-runs on exactly the source files cargo's dep-info lists
//!   for the guest, plus the manifests, the lock file and the WIT.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "guest";
const PACKAGE: &str = "bits-queue-guest";
const ARTIFACT: &str = "bits_queue_guest";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir.parent().expect("host/ sits in the workspace");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());

    ensure_target_installed(Path::new(&rustc));

    // <target>/<profile>/build/<pkg>-<hash>/out → <target>/<profile>/guest-build:
    // kept across re-runs of this script, separate from the outer build's lock.
    let target_dir = out_dir
        .ancestors()
        .nth(3)
        .map(|profile_dir| profile_dir.join("guest-build"))
        .unwrap_or_else(|| out_dir.join("guest-build"));

    let mut cmd = Command::new(&cargo);
    cmd.current_dir(workspace)
        .args([
            "build",
            "--package",
            PACKAGE,
            "--target",
            TARGET,
            "--profile",
            PROFILE,
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        // The outer build's flags and wrappers are for the host, not the guest
        // (under `cargo clippy` the wrapper is clippy-driver).
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET");
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("could not run {cargo:?} to build the guest component: {e}"));
    if !status.success() {
        panic!("building the guest component ({PACKAGE}, {TARGET}) failed: {status}");
    }

    let built = target_dir.join(TARGET).join(PROFILE);
    let wasm = built.join(format!("{ARTIFACT}.wasm"));
    let embedded = out_dir.join(format!("{ARTIFACT}.wasm"));
    fs::copy(&wasm, &embedded)
        .unwrap_or_else(|e| panic!("the guest build left no {}: {e}", wasm.display()));
    println!(
        "cargo:rustc-env=BITS_QUEUE_COMPONENT={}",
        embedded.display()
    );

    for dep in dep_info(&built.join(format!("{ARTIFACT}.d"))) {
        println!("cargo:rerun-if-changed={}", dep.display());
    }
    for fixed in [
        "guest/Cargo.toml",
        "Cargo.toml",
        "Cargo.lock",
        "wit",
        "rust-toolchain.toml",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(fixed).display());
    }
}

/// The sources cargo's dep-info lists for the artifact (`out: dep dep …`,
/// spaces in paths escaped with a backslash).
fn dep_info(path: &Path) -> Vec<PathBuf> {
    let text = fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("no dep-info at {}: {e}", path.display()));
    let line = text.lines().next().unwrap_or_default();
    let deps = line
        .split_once(": ")
        .map(|(_, deps)| deps)
        .unwrap_or_default();
    let mut paths = Vec::new();
    let mut current = String::new();
    let mut chars = deps.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&' ') => current.push(chars.next().unwrap_or(' ')),
            ' ' => {
                if !current.is_empty() {
                    paths.push(PathBuf::from(std::mem::take(&mut current)));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        paths.push(PathBuf::from(current));
    }
    paths
}

/// Machines that set `RUSTUP_AUTO_INSTALL=0` do not install the targets that
/// rust-toolchain.toml lists; install wasm32-wasip2's std here when it is
/// missing, so `cargo build` alone works on a fresh machine.
fn ensure_target_installed(rustc: &Path) {
    let libdir = Command::new(rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let installed = libdir
        .as_ref()
        .and_then(|dir| fs::read_dir(dir).ok())
        .is_some_and(|mut entries| entries.next().is_some());
    if installed {
        return;
    }
    println!("cargo:warning=installing the {TARGET} target with rustup (first build only)");
    let mut cmd = Command::new("rustup");
    cmd.args(["target", "add", TARGET]);
    // The sysroot's folder name is the toolchain this build runs on.
    if let Some(toolchain) = sysroot(rustc).and_then(|s| s.file_name().map(|n| n.to_owned())) {
        cmd.arg("--toolchain").arg(toolchain);
    }
    let status = cmd.status().unwrap_or_else(|e| {
        panic!("the {TARGET} target is not installed and rustup could not be run ({e}); install it with `rustup target add {TARGET}`")
    });
    if !status.success() {
        panic!(
            "`rustup target add {TARGET}` failed ({status}); install the target and build again"
        );
    }
}

fn sysroot(rustc: &Path) -> Option<PathBuf> {
    let out = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}
