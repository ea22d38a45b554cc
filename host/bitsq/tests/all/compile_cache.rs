//! `--compile-cache` / `BITSQ_COMPILE_CACHE`: where bitsq keeps the compiled
//! component (by default under `$XDG_CACHE_HOME`), `off` for none, and an
//! empty value refused naming the flag. (That a cache file is read back,
//! and a bad one never is: tests/tests/all/compile_cache.rs.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("bitsq-compile-cache-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `bitsq --queue memory: list` with `XDG_CACHE_HOME` at `xdg` and `args`.
fn list(xdg: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .env_remove("BITSQ_COMPILE_CACHE")
        .env("XDG_CACHE_HOME", xdg)
        .args(args)
        .args(["--queue", "memory:", "list"])
        .stdin(Stdio::null())
        .output()
        .expect("bitsq runs")
}

fn files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}

#[test]
fn the_compiled_component_is_kept_where_the_flag_or_xdg_cache_home_says() {
    let xdg = scratch("default");
    let ran = list(&xdg, &[]);
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(files(&xdg.join("bitsq")), 1, "the default cache");

    let dir = xdg.join("elsewhere");
    let ran = list(&xdg, &["--compile-cache", dir.to_str().unwrap()]);
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(files(&dir), 1, "the flag's directory");
    std::fs::remove_dir_all(&xdg).unwrap();
}

#[test]
fn off_keeps_nothing_and_an_empty_directory_is_refused() {
    let xdg = scratch("off");
    let ran = list(&xdg, &["--compile-cache", "off"]);
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(files(&xdg), 0, "nothing written");

    let ran = list(&xdg, &["--compile-cache", ""]);
    assert_eq!(ran.status.code(), Some(2), "{ran:?}");
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(stderr.contains("--compile-cache"), "{stderr}");
    assert!(stderr.contains("give a directory"), "{stderr}");
    assert_eq!(files(&xdg), 0);
    std::fs::remove_dir_all(&xdg).unwrap();
}
