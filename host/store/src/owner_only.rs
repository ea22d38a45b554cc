//! New queue files are the owner's alone (contract §15.2: what a queue
//! holds is readable by no one but its owner). SQLite creates a
//! database's `-wal` and `-shm` with the database file's permissions, so
//! creating that file 0600 before SQLite opens it makes all three 0600,
//! whatever the umask. A file that exists keeps its permissions: a queue
//! shared with a group on purpose stays shared.

use std::fs::OpenOptions;
use std::io;
use std::path::Path;

/// Creates `path` empty with mode 0600 if nothing is there; an existing
/// file is left as it is.
pub(crate) fn create_file(path: &Path) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}
