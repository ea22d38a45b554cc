//! Where bitsq keeps its queue when neither `--queue` nor `BITSQ_QUEUE`
//! says: a SQLite file in the user's data directory. The store crate only
//! opens a location; choosing one is bitsq's policy, so it lives here.

use std::path::PathBuf;

/// The default queue: `$XDG_DATA_HOME/bitsq/queue.sqlite3`, else
/// `~/.local/share/bitsq/queue.sqlite3`; `None` without either variable.
/// A relative `XDG_DATA_HOME` is ignored, as the XDG Base Directory
/// specification says (it would name another queue in every directory).
pub fn default_location() -> Option<PathBuf> {
    Some(base_dir("XDG_DATA_HOME", ".local/share")?.join("queue.sqlite3"))
}

/// `$VAR/bitsq`, else `~/HOME_RELATIVE/bitsq` (the XDG base directory
/// rule); `None` without either variable.
fn base_dir(var: &str, home_relative: &str) -> Option<PathBuf> {
    let base = std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|path| path.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(home_relative))
        })?;
    Some(base.join("bitsq"))
}

/// Where compiled components are kept when `--compile-cache` does not say:
/// `$XDG_CACHE_HOME/bitsq`, else `~/.cache/bitsq`; `None` (compile on
/// every run) without either variable.
pub fn default_compile_cache() -> Option<PathBuf> {
    base_dir("XDG_CACHE_HOME", ".cache")
}

/// Creates the directory of the default location when `location` is it
/// (a location given by the user names a directory that must exist).
pub fn create_default_dir(location: &str) -> Result<(), String> {
    let path = PathBuf::from(location);
    if Some(&path) == default_location().as_ref()
        && let Some(dir) = path.parent()
    {
        // The queue's directory is the user's alone (0700), as the XDG
        // Base Directory specification asks of directories it creates.
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    Ok(())
}
