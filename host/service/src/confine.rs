//! Where a service may write and which local files it may read.
//!
//! A job names any URL and any path; whoever runs the service decides where
//! its bytes may go. With no directory given the service may use whatever
//! its user may; with some given, a local name outside them is refused
//! (`local-io`, access denied) and a `file://` source outside them is
//! `remote-missing`. Paths are resolved first (`..`, symbolic links), so
//! nothing escapes through them.

use std::io;
use std::path::{Path, PathBuf};

use bits_queue_host::TransferOrder;

/// The directories a service may write into and read from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Confinement {
    write: Vec<PathBuf>,
    read: Vec<PathBuf>,
}

impl Confinement {
    /// No confinement: the user's own rights apply.
    pub fn none() -> Self {
        Self::default()
    }

    /// Allows writing below `dir` (resolved now; it must exist).
    pub fn allow_write(mut self, dir: impl AsRef<Path>) -> io::Result<Self> {
        self.write.push(resolve_dir(dir.as_ref())?);
        Ok(self)
    }

    /// Allows reading `file://` sources below `dir` (resolved now; it must
    /// exist).
    pub fn allow_read(mut self, dir: impl AsRef<Path>) -> io::Result<Self> {
        self.read.push(resolve_dir(dir.as_ref())?);
        Ok(self)
    }

    /// Whether any write directory was given.
    pub fn restricts_writes(&self) -> bool {
        !self.write.is_empty()
    }

    /// The directories writes are confined to.
    pub fn write_dirs(&self) -> &[PathBuf] {
        &self.write
    }

    /// The directories `file://` reads are confined to.
    pub fn read_dirs(&self) -> &[PathBuf] {
        &self.read
    }

    /// Checks that a file may be written at `path`: its directory exists
    /// and, resolved, lies within a write directory (when any is given).
    /// Returns the path with its directory resolved, or why not.
    pub fn check_write(&self, path: &Path) -> Result<PathBuf, String> {
        let (dir, name) = match (path.parent(), path.file_name()) {
            (Some(dir), Some(name)) if !dir.as_os_str().is_empty() => (dir, name),
            _ => return Err(format!("{} is not a file path", path.display())),
        };
        let dir = dir.canonicalize().map_err(|e| {
            format!(
                "the destination directory {} cannot be used: {e}",
                dir.display()
            )
        })?;
        if !dir.is_dir() {
            return Err(format!("{} is not a directory", dir.display()));
        }
        let resolved = dir.join(name);
        if let Ok(meta) = std::fs::symlink_metadata(&resolved)
            && meta.file_type().is_symlink()
        {
            // A link at the destination could point anywhere.
            return Err(format!(
                "{} is a symbolic link; refusing to write through it",
                resolved.display()
            ));
        }
        if self.restricts_writes() && !within(&dir, &self.write) {
            return Err(format!(
                "access denied: {} is outside the directories this service may write",
                resolved.display()
            ));
        }
        Ok(resolved)
    }

    /// Whether this service may carry out `order`: write its local name (a
    /// download), or read it (an upload). Where hosts share a queue, a host
    /// declines the others and leaves them to a host that may (see
    /// `bits_queue_store::TakeFilter`).
    pub fn may_take(&self, order: &TransferOrder) -> bool {
        let local = Path::new(&order.local_name);
        if order.job_type.is_upload() {
            self.check_read(local).is_some()
        } else {
            self.check_write(local).is_ok()
        }
    }

    /// Checks that `path` may be read as a `file://` source: it resolves
    /// within a read directory (when any is given). `None` when it may not
    /// be read, or does not exist: the caller reports it as missing either
    /// way, so nothing outside the allowed directories can be probed.
    pub fn check_read(&self, path: &Path) -> Option<PathBuf> {
        let resolved = path.canonicalize().ok()?;
        if !self.read.is_empty() && !within(&resolved, &self.read) {
            return None;
        }
        Some(resolved)
    }
}

/// Whether `path` (resolved) is one of `dirs` or below one.
fn within(path: &Path, dirs: &[PathBuf]) -> bool {
    dirs.iter().any(|dir| path.starts_with(dir))
}

fn resolve_dir(dir: &Path) -> io::Result<PathBuf> {
    let resolved = dir
        .canonicalize()
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
    if !resolved.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a directory", dir.display()),
        ));
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("bits-queue-confine-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("allowed/sub")).unwrap();
        std::fs::create_dir_all(dir.join("other")).unwrap();
        dir
    }

    #[test]
    fn writes_stay_inside_the_allowed_directories() {
        let root = scratch("write");
        let confined = Confinement::none()
            .allow_write(root.join("allowed"))
            .unwrap();
        assert!(confined.check_write(&root.join("allowed/a.bin")).is_ok());
        assert!(
            confined
                .check_write(&root.join("allowed/sub/a.bin"))
                .is_ok()
        );
        let outside = confined.check_write(&root.join("other/a.bin")).unwrap_err();
        assert!(outside.contains("access denied"), "{outside}");
        // `..` resolves before the check.
        let climbing = root.join("allowed/../other/a.bin");
        assert!(
            confined
                .check_write(&climbing)
                .unwrap_err()
                .contains("access denied")
        );
        // A link inside pointing outside is followed, then refused.
        std::os::unix::fs::symlink(root.join("other"), root.join("allowed/link")).unwrap();
        assert!(
            confined
                .check_write(&root.join("allowed/link/a.bin"))
                .unwrap_err()
                .contains("access denied")
        );
        // A missing directory is its own error.
        let missing = confined
            .check_write(&root.join("allowed/nowhere/a.bin"))
            .unwrap_err();
        assert!(missing.contains("cannot be used"), "{missing}");
        // Without confinement, anywhere the user may.
        assert!(
            Confinement::none()
                .check_write(&root.join("other/a.bin"))
                .is_ok()
        );
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn reads_stay_inside_the_allowed_directories() {
        let root = scratch("read");
        std::fs::write(root.join("allowed/in.txt"), "in").unwrap();
        std::fs::write(root.join("other/out.txt"), "out").unwrap();
        let confined = Confinement::none()
            .allow_read(root.join("allowed"))
            .unwrap();
        assert!(confined.check_read(&root.join("allowed/in.txt")).is_some());
        assert!(confined.check_read(&root.join("other/out.txt")).is_none());
        assert!(
            confined
                .check_read(&root.join("allowed/../other/out.txt"))
                .is_none()
        );
        assert!(confined.check_read(&root.join("allowed/missing")).is_none());
        assert!(
            Confinement::none()
                .check_read(&root.join("other/out.txt"))
                .is_some()
        );
        assert!(
            Confinement::none()
                .allow_read(root.join("nowhere"))
                .is_err()
        );
        std::fs::remove_dir_all(root).unwrap();
    }
}
