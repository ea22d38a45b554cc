//! Builds a wasm32-wasip2 component with a nested `cargo build`, for the
//! build scripts that embed or hand out components (host/build.rs,
//! tests/hostile/build.rs). Included with `#[path]`, so the logic exists once.
//!
//! Modelled on wasmtime's `crates/test-programs/artifacts/build.rs`:
//! - the nested build has its own target dir (sharing the outer one would
//!   wait forever on the outer build's lock);
//! - the caller re-runs on exactly the source files cargo's dep-info lists
//!   for the artifact ([`rerun_if_deps_change`]).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const TARGET: &str = "wasm32-wasip2";

/// One nested build: `cargo build --target wasm32-wasip2` in `dir`.
pub struct NestedBuild<'a> {
    /// Where cargo runs (the package's workspace).
    pub dir: &'a Path,
    /// `--package`, when `dir` is a workspace of several.
    pub package: Option<&'a str>,
    pub profile: &'a str,
    pub features: &'a [&'a str],
    pub target_dir: &'a Path,
}

impl NestedBuild<'_> {
    /// Runs the build; panics with the reason if it fails. Returns the
    /// directory holding the artifacts (`<target-dir>/wasm32-wasip2/<profile>`).
    pub fn run(&self) -> PathBuf {
        ensure_target_installed(self.dir);
        let mut cmd = toolchain_command("cargo", "CARGO", self.dir);
        cmd.args(["build", "--target", TARGET, "--profile", self.profile]);
        if let Some(package) = self.package {
            cmd.args(["--package", package]);
        }
        if !self.features.is_empty() {
            cmd.arg("--features").arg(self.features.join(","));
        }
        cmd.arg("--target-dir").arg(self.target_dir);
        let status = cmd
            .status()
            .unwrap_or_else(|e| panic!("could not run cargo to build a {TARGET} component: {e}"));
        if !status.success() {
            panic!(
                "building the {TARGET} component in {} (features {:?}) failed: {status}",
                self.dir.display(),
                self.features
            );
        }
        // Cargo names the `release` profile's directory `release`, and every
        // other profile's after the profile.
        self.target_dir.join(TARGET).join(self.profile)
    }
}

/// A scratch target dir for nested builds, next to the outer build's
/// profile dir (`<target>/<profile>/build/<pkg>-<hash>/out` →
/// `<target>/<profile>/<name>`): kept across re-runs of the build script,
/// separate from the outer build's lock.
pub fn scratch_target_dir(out_dir: &Path, name: &str) -> PathBuf {
    out_dir
        .ancestors()
        .nth(3)
        .map(|profile_dir| profile_dir.join(name))
        .unwrap_or_else(|| out_dir.join(name))
}

/// A cargo or rustc command for the nested build. Under rustup it runs the
/// proxy with the outer toolchain choice removed, so the toolchain the
/// workspace pins (rust-toolchain.toml, which lists wasm32-wasip2) builds
/// the component even when another one builds the host — nightly under
/// cargo-fuzz has no wasm32-wasip2 std. The outer build's flags and
/// wrappers are for the host, not the guest (under `cargo clippy` the
/// wrapper is clippy-driver).
fn toolchain_command(tool: &str, env_var: &str, dir: &Path) -> Command {
    let under_rustup = env::var_os("RUSTUP_TOOLCHAIN").is_some();
    let program = match env::var_os(env_var) {
        Some(path) if !under_rustup => path,
        _ => tool.into(),
    };
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("RUSTC")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET");
    cmd
}

/// Prints `rerun-if-changed` for every source cargo's dep-info lists for
/// the artifact (`out: dep dep …`, spaces in paths escaped with a backslash).
pub fn rerun_if_deps_change(dep_info: &Path) {
    let text = fs::read_to_string(dep_info)
        .unwrap_or_else(|e| panic!("no dep-info at {}: {e}", dep_info.display()));
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
                    paths.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        paths.push(current);
    }
    for path in paths {
        println!("cargo:rerun-if-changed={path}");
    }
}

/// Machines that set `RUSTUP_AUTO_INSTALL=0` do not install the targets that
/// rust-toolchain.toml lists; install wasm32-wasip2's std here when it is
/// missing, so `cargo build` alone works on a fresh machine.
fn ensure_target_installed(dir: &Path) {
    let rustc = |args: &[&str]| {
        toolchain_command("rustc", "RUSTC", dir)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
    };
    let installed = rustc(&["--print", "target-libdir", "--target", TARGET])
        .and_then(|dir| fs::read_dir(dir).ok())
        .is_some_and(|mut entries| entries.next().is_some());
    if installed {
        return;
    }
    println!("cargo:warning=installing the {TARGET} target with rustup (first build only)");
    let mut cmd = Command::new("rustup");
    cmd.current_dir(dir).args(["target", "add", TARGET]);
    // The sysroot's folder name is the toolchain the nested build runs on.
    if let Some(toolchain) =
        rustc(&["--print", "sysroot"]).and_then(|s| s.file_name().map(|n| n.to_owned()))
    {
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
