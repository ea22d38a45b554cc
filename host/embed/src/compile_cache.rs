//! The compile cache: a component compiled once per machine and kept on
//! disk, so that a one-shot command loads it in a few milliseconds instead
//! of compiling it with cranelift (about 0.2 s; BENCHMARKS.md, "Starting
//! up"). Like wasmtime's own cache, but without its configuration file and
//! its compression.
//!
//! Loading compiled code is `unsafe` in wasmtime: it checks the header of
//! the bytes (its version, the engine's settings, the CPU's features), not
//! the code. So a file is only ever loaded when
//! - it is named by a key over this crate's version, the engine's
//!   compatibility hash (wasmtime's version, target, compiler flags,
//!   tunables, wasm features) and the component's bytes;
//! - it and its directory belong to this process's user and nobody else may
//!   write them (the file is made `0600` in a `0700` directory);
//! - its payload's SHA-256 over the key and the payload matches the one
//!   written with it (a torn or altered file, or a file of another key,
//!   fails);
//! - wasmtime's header check accepts it for this engine.
//!
//! Otherwise the component is compiled, as without a cache, and the file is
//! written afresh (through a temporary file and a rename, so a reader never
//! sees half of one). Failing to write the cache is not an error: the
//! component was compiled and runs.

use std::fs::{self, File, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Engine, Precompiled};

use crate::runtime::Compiled;

/// The first bytes of every cache file (and its format's version).
const MAGIC: &[u8; 16] = b"bits-queue-cc-01";
const DIGEST_LEN: usize = 32;

/// The component `bytes` for `engine`: from the cache in `dir` when it holds
/// a good file for them, else compiled (and the cache file written).
pub(crate) fn load_or_compile(
    engine: &Engine,
    bytes: &[u8],
    dir: &Path,
) -> wasmtime::Result<(Component, Compiled)> {
    let key = key(engine, bytes);
    let path = dir.join(hex(&key));
    if let Some(component) = load(engine, &key, &path) {
        return Ok((component, Compiled::FromCache));
    }
    let compiled = engine.precompile_component(bytes)?;
    // SAFETY: `compiled` was made by this engine a moment ago.
    let component = unsafe { Component::deserialize(engine, &compiled) }?;
    // Best effort: without a cache the next run compiles again.
    let _ = store(dir, &path, &key, &compiled);
    Ok((component, Compiled::Now))
}

/// The cache key: this crate's version, the engine's compatibility hash
/// and the component's bytes.
fn key(engine: &Engine, bytes: &[u8]) -> [u8; DIGEST_LEN] {
    let mut hasher = ShaHasher(Sha256::new());
    hasher.0.update(MAGIC);
    hasher.0.update(env!("CARGO_PKG_VERSION").as_bytes());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hasher.0.update(Sha256::digest(bytes));
    hasher.0.finalize().into()
}

/// Feeds what a `Hash` impl writes into SHA-256.
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        // Never asked for: the digest is taken from the inner hasher.
        0
    }
}

fn digest(key: &[u8; DIGEST_LEN], payload: &[u8]) -> [u8; DIGEST_LEN] {
    let mut sha = Sha256::new();
    sha.update(key);
    sha.update(payload);
    sha.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The cached component at `path`, if every check in the module's
/// documentation holds; `None` otherwise.
fn load(engine: &Engine, key: &[u8; DIGEST_LEN], path: &Path) -> Option<Component> {
    owner_only(&fs::metadata(path.parent()?).ok()?).then_some(())?;
    // O_NOFOLLOW: a link planted in place of the file is not followed.
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .ok()?;
    let meta = file.metadata().ok()?;
    (meta.is_file() && owner_only(&meta)).then_some(())?;
    let mut contents = Vec::with_capacity(usize::try_from(meta.len()).ok()?);
    file.read_to_end(&mut contents).ok()?;
    let payload = contents
        .strip_prefix(MAGIC.as_slice())?
        .split_at_checked(DIGEST_LEN)?;
    let (stored, payload) = payload;
    (stored == digest(key, payload)).then_some(())?;
    (Engine::detect_precompiled(payload) == Some(Precompiled::Component)).then_some(())?;
    // SAFETY: the bytes are what `store` wrote for this key (the digest
    // matches) in a file only this user can write, and wasmtime's own check
    // of their header against this engine runs inside `deserialize`.
    unsafe { Component::deserialize(engine, payload) }.ok()
}

/// Whether `meta` belongs to this process's user and nobody else may write
/// (for a file: read or write) it.
fn owner_only(meta: &fs::Metadata) -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let others = if meta.is_dir() { 0o022 } else { 0o077 };
    meta.uid() == me && meta.mode() & others == 0
}

/// Writes `compiled` under `path`, in a `0600` file in a `0700` directory.
fn store(dir: &Path, path: &Path, key: &[u8; DIGEST_LEN], compiled: &[u8]) -> std::io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    if !owner_only(&fs::metadata(dir)?) {
        return Err(std::io::Error::other(
            "the cache directory is not owner-only",
        ));
    }
    let temporary = temporary_path(path);
    let written = write_new(&temporary, key, compiled).and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

fn write_new(path: &Path, key: &[u8; DIGEST_LEN], compiled: &[u8]) -> std::io::Result<()> {
    let _ = fs::remove_file(path);
    let mut file: File = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    file.write_all(MAGIC)?;
    file.write_all(&digest(key, compiled))?;
    file.write_all(compiled)
}
