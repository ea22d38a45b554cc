//! The compile cache (`Config::compile_cache`): a component compiled once is
//! read back by the next runtime, and a cache file that fails any check —
//! altered, torn, another key's, writable by others, a symbolic link — is
//! never loaded: the component is compiled again and runs.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use bits_queue_host::{Compiled, Config, EMBEDDED_COMPONENT, JobType, Runtime};

/// A fresh path under the temporary directory; not created (the runtime
/// makes the cache directory itself).
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "bits-queue-compile-cache-{name}-{}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn config(dir: &Path) -> Config {
    Config::new()
        .max_instances(2)
        .compile_cache(Some(dir.to_path_buf()))
}

/// Loads `bytes` through the cache in `dir`, checks that the runtime works
/// (a queue makes a job), and says how it got its component.
fn load(bytes: &[u8], dir: &Path) -> Compiled {
    let runtime = Runtime::from_bytes(bytes, config(dir)).expect("the component loads");
    let queue = runtime.new_queue_seeded(3).expect("an instance");
    let job = queue
        .manager()
        .unwrap()
        .create_job("cached", JobType::Download)
        .expect("the component runs");
    assert_eq!(job.display_name().unwrap(), "cached");
    runtime.compiled()
}

/// The one cache file in `dir`.
fn cache_file(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.into_iter().next().unwrap()
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
}

/// The embedded component with a custom section appended: the same code,
/// other bytes, so another cache key.
fn other_component() -> Vec<u8> {
    let name = b"bits-queue-test";
    let mut bytes = EMBEDDED_COMPONENT.to_vec();
    bytes.extend([0, (1 + name.len() + 1) as u8, name.len() as u8]);
    bytes.extend(name);
    bytes.push(7);
    bytes
}

#[test]
fn a_compiled_component_is_read_back_by_the_next_runtime() {
    let dir = scratch("reuse");
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::Now);
    let file = cache_file(&dir);
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&file), 0o600);
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::FromCache);
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::FromCache);
    // Without a cache nothing is read or written.
    let plain = Runtime::with_config(Config::new().max_instances(2)).unwrap();
    assert_eq!(plain.compiled(), Compiled::Now);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_altered_or_torn_cache_file_is_compiled_again_and_rewritten() {
    let dir = scratch("altered");
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::Now);
    let file = cache_file(&dir);
    let good = fs::read(&file).unwrap();

    // One byte changed in the middle of the compiled code.
    let mut altered = good.clone();
    let middle = altered.len() / 2;
    altered[middle] ^= 0x40;
    fs::write(&file, &altered).unwrap();
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::Now);
    assert_eq!(fs::read(&file).unwrap(), good, "rewritten");
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::FromCache);

    // Cut short, as a crash during a write without the rename would.
    fs::write(&file, &good[..good.len() - 100]).unwrap();
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::Now);
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::FromCache);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn another_components_cache_file_under_this_ones_name_is_not_loaded() {
    let dir = scratch("other-key");
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::Now);
    let ours = cache_file(&dir);
    let ours_bytes = fs::read(&ours).unwrap();
    fs::remove_file(&ours).unwrap();
    let other = other_component();
    assert_eq!(load(&other, &dir), Compiled::Now);
    let theirs = cache_file(&dir);
    assert_ne!(theirs, ours, "another component, another key");
    // A good file, but written for the other key: its checksum does not
    // hold for this one.
    fs::write(&ours, fs::read(&theirs).unwrap()).unwrap();
    fs::set_permissions(&ours, fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::Now);
    assert_eq!(fs::read(&ours).unwrap(), ours_bytes, "rewritten");
    assert_eq!(load(&other, &dir), Compiled::FromCache);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_cache_file_or_directory_others_may_write_is_not_loaded() {
    let dir = scratch("permissions");
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::Now);
    let file = cache_file(&dir);

    fs::set_permissions(&file, fs::Permissions::from_mode(0o666)).unwrap();
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::Now);
    assert_eq!(mode(&file), 0o600, "rewritten owner-only");
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::FromCache);

    fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::Now);
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::FromCache);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_symbolic_link_in_place_of_a_cache_file_is_not_followed() {
    let dir = scratch("link");
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::Now);
    let file = cache_file(&dir);
    // A good file elsewhere, linked in under the cache file's name.
    let elsewhere = scratch("link-target");
    fs::create_dir_all(&elsewhere).unwrap();
    let target = elsewhere.join("good");
    fs::rename(&file, &target).unwrap();
    symlink(&target, &file).unwrap();
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::Now);
    assert!(
        !fs::symlink_metadata(&file).unwrap().is_symlink(),
        "replaced"
    );
    assert_eq!(load(EMBEDDED_COMPONENT, &dir), Compiled::FromCache);
    fs::remove_dir_all(&dir).unwrap();
    fs::remove_dir_all(&elsewhere).unwrap();
}
