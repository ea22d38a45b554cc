//! A new SQLite queue is its owner's alone (contract §15.2): the file, its
//! WAL and its shared-memory file are 0600 whatever the umask lets through
//! (stat'ed while the queue is open, since SQLite removes the WAL and SHM
//! when the last connection closes).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use bits_queue_store::SqliteStore;
use bits_queue_tests::scratch_dir;

use crate::suite::{fill, open};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn a_new_queue_file_its_wal_and_shm_are_owner_only() {
    let dir = scratch_dir("modes");
    let path = dir.join("queue.sqlite3");
    let (queue, _) = open(Box::new(SqliteStore::open(&path).unwrap()));
    fill(&queue);
    for suffix in ["", "-wal", "-shm"] {
        let file = dir.join(format!("queue.sqlite3{suffix}"));
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    drop(queue);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_existing_queue_file_keeps_its_mode() {
    let dir = scratch_dir("modes-kept");
    let path = dir.join("queue.sqlite3");
    drop(SqliteStore::open(&path).unwrap());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    drop(SqliteStore::open(&path).unwrap());
    assert_eq!(mode(&path), 0o640);
    std::fs::remove_dir_all(dir).unwrap();
}
