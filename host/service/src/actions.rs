//! `commit` and `discard` (contract §10): due at once, carried out before
//! the call that caused them answers its caller. A commit syncs and
//! renames each temporary file to its local name, then syncs the
//! directory, so the local name appears only whole; a discard deletes
//! temporary files. Both stay inside the service's confinement.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use bits_queue_host::{Action, FileMove};

use crate::confine::Confinement;
use crate::fence::Generations;
use crate::sync_many::sync_files;

/// What went wrong with one file of a `commit` or `discard`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileActionError {
    /// The file.
    pub path: String,
    /// Why, in words.
    pub reason: String,
}

impl std::fmt::Display for FileActionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

impl std::error::Error for FileActionError {}

/// Carries out `action` if it is a `commit` or `discard` (anything else is
/// left alone), file by file; returns what failed. A failed file does not
/// stop the others.
pub fn carry_out(action: &Action, confinement: &Confinement) -> Vec<FileActionError> {
    match action {
        Action::Commit(moves) => commit_all(moves, confinement),
        Action::Discard(names) => discard_all(names, confinement),
        _ => Vec::new(),
    }
}

fn error(path: &str, reason: impl ToString) -> FileActionError {
    FileActionError {
        path: path.to_string(),
        reason: reason.to_string(),
    }
}

fn sync(path: &Path) -> io::Result<()> {
    fs::File::open(path).and_then(|f| f.sync_all())
}

/// Renames each temporary file, synced, to its local name, file by file
/// (a failed file does not stop the others). The temporary files are
/// synced all at once (crate::sync_many: the waits overlap, each file is
/// still synced before its rename), and each directory a file was renamed
/// into is synced once, after every rename, where a sync per file cost a
/// journal commit per file (a job of 1,000 small files). Nothing is
/// answered before the syncs.
fn commit_all(moves: &[FileMove], confinement: &Confinement) -> Vec<FileActionError> {
    let mut errors = Vec::new();
    let mut checked = Vec::new();
    for file in moves {
        match confined(file, confinement) {
            Ok(paths) => checked.push((file, paths)),
            Err(e) => errors.push(e),
        }
    }
    // Each directory read once for the whole commit (fence::Generations).
    let generations = Generations::scan(checked.iter().map(|(_, (_, t))| t.as_path()));
    let mut ready = Vec::new();
    for (file, (local, temporary)) in checked {
        match check(file, local, temporary, &generations) {
            Ok(Some((newest, local, temporary))) => ready.push((file, newest, local, temporary)),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    let temporaries: Vec<&Path> = ready.iter().map(|(_, t, _, _)| t.as_path()).collect();
    let synced = sync_files(&temporaries);
    let mut dirs: Vec<PathBuf> = Vec::new();
    for ((file, newest, local, temporary), synced) in ready.iter().zip(synced) {
        if let Err(e) = synced {
            errors.push(error(&newest.display().to_string(), e));
            continue;
        }
        // Marked as this commit's before it takes the local name, so a
        // `complete` made again (the store lost the first one's answer)
        // knows the local file is the one it delivered (`committed`).
        crate::commit_mark::mark(newest, temporary);
        if let Err(e) = fs::rename(newest, local) {
            errors.push(error(&file.local_name, e));
            continue;
        }
        // Older generations' files: those of hosts whose lease was taken over.
        for older in generations.all(temporary).unwrap_or_default() {
            if older != *newest {
                let _ = fs::remove_file(older);
            }
        }
        if let Some(dir) = local.parent()
            && !dirs.iter().any(|d| d == dir)
        {
            dirs.push(dir.to_path_buf());
        }
    }
    for dir in dirs {
        if let Err(e) = sync(&dir) {
            errors.push(error(&dir.display().to_string(), e));
        }
    }
    errors
}

/// The local and temporary names of a move, both inside the confinement.
fn confined(
    file: &FileMove,
    confinement: &Confinement,
) -> Result<(PathBuf, PathBuf), FileActionError> {
    let local = confinement
        .check_write(Path::new(&file.local_name))
        .map_err(|e| error(&file.local_name, e))?;
    let temporary = confinement
        .check_write(Path::new(&file.temporary_name))
        .map_err(|e| error(&file.temporary_name, e))?;
    Ok((local, temporary))
}

/// The paths of a move, checked: the newest generation's temporary file
/// (where hosts share the queue, `fence`), the local name, and the
/// temporary name it was derived from; the local name replaceable. `None`
/// when the temporary file is gone because a commit of it was carried out
/// before (a crash, or a lost answer from the store, came before the call
/// was stored): the local file bears that commit's mark. A temporary file
/// this host cannot find is never acknowledged otherwise: not even over a
/// local file of the same name, which may be an older copy while the bytes
/// sit on another host's disk (hosts sharing a queue must share the file
/// system of the local names, README "Many hosts, one queue").
fn check(
    file: &FileMove,
    local: PathBuf,
    temporary: PathBuf,
    generations: &Generations,
) -> Result<Option<(PathBuf, PathBuf, PathBuf)>, FileActionError> {
    let newest = generations
        .newest(&temporary)
        .map_err(|e| error(&file.temporary_name, e))?;
    let Some(newest) = newest else {
        if crate::commit_mark::committed(&local, &temporary) {
            return Ok(None);
        }
        let found = if local.exists() {
            format!(
                "and {} is not the file a commit of it made (an older copy?)",
                local.display()
            )
        } else {
            "and the local file is not there".to_string()
        };
        return Err(error(
            &file.temporary_name,
            format!(
                "this host cannot find the temporary file (nor an earlier \
                 generation's), {found}; nothing was acknowledged. Hosts that \
                 share a queue must share the file system of the local names"
            ),
        ));
    };
    if let Some(why) = crate::transport::not_replaceable(&local) {
        return Err(error(&file.local_name, why));
    }
    Ok(Some((newest, local, temporary)))
}

/// Deletes temporary files, file by file (a failed file does not stop the
/// others), each directory read once (fence::Generations).
fn discard_all(names: &[String], confinement: &Confinement) -> Vec<FileActionError> {
    let mut errors = Vec::new();
    let mut paths = Vec::new();
    for name in names {
        match confinement.check_write(Path::new(name)) {
            Ok(path) => paths.push((name, path)),
            Err(e) => errors.push(error(name, e)),
        }
    }
    let generations = Generations::scan(paths.iter().map(|(_, path)| path.as_path()));
    for (name, path) in paths {
        if let Err(e) = discard(name, path, &generations) {
            errors.push(e);
        }
    }
    errors
}

/// Deletes a temporary file, every generation's (`fence`); one already
/// gone is fine.
fn discard(name: &str, path: PathBuf, generations: &Generations) -> Result<(), FileActionError> {
    let mut files = generations.all(&path).map_err(|e| error(name, e))?;
    if files.is_empty() {
        files.push(path);
    }
    for file in files {
        match fs::remove_file(&file) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(error(&file.display().to_string(), e));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_renames_and_discard_deletes() {
        let dir = std::env::temp_dir().join(format!("bits-queue-actions-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let temporary = dir.join("BIT0000.tmp").display().to_string();
        let local = dir.join("file.bin").display().to_string();
        fs::write(&temporary, b"bytes").unwrap();
        let moves = Action::Commit(vec![FileMove {
            temporary_name: temporary.clone(),
            local_name: local.clone(),
        }]);
        assert!(carry_out(&moves, &Confinement::none()).is_empty());
        assert_eq!(fs::read(&local).unwrap(), b"bytes");
        assert!(!Path::new(&temporary).exists());
        // Again (the store lost the first one's answer): the temporary file
        // is gone, the local one there with this commit's mark: done.
        assert!(carry_out(&moves, &Confinement::none()).is_empty());
        assert_eq!(fs::read(&local).unwrap(), b"bytes");

        fs::write(&temporary, b"x").unwrap();
        let discard = Action::Discard(vec![temporary.clone(), temporary.clone()]);
        assert!(carry_out(&discard, &Confinement::none()).is_empty());
        assert!(!Path::new(&temporary).exists());

        // Outside the confinement nothing is touched.
        fs::write(&temporary, b"x").unwrap();
        let other = dir.join("allowed");
        fs::create_dir_all(&other).unwrap();
        let confined = Confinement::none().allow_write(&other).unwrap();
        let errors = carry_out(&Action::Discard(vec![temporary.clone()]), &confined);
        assert_eq!(errors.len(), 1);
        assert!(Path::new(&temporary).exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_commit_never_replaces_a_directory_or_a_special_file() {
        let dir = std::env::temp_dir().join(format!("bits-queue-special-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("a-directory")).unwrap();
        let socket = dir.join("a-socket");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        for local in [dir.join("a-directory"), socket.clone()] {
            let temporary = dir.join("BIT0001.tmp");
            fs::write(&temporary, b"bytes").unwrap();
            let moves = Action::Commit(vec![FileMove {
                temporary_name: temporary.display().to_string(),
                local_name: local.display().to_string(),
            }]);
            let errors = carry_out(&moves, &Confinement::none());
            assert_eq!(errors.len(), 1, "{local:?}");
            assert!(errors[0].reason.contains("replaces only a regular file"));
            assert!(temporary.exists(), "the bytes stay");
            assert!(!fs::metadata(&local).unwrap().is_file(), "left as it was");
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_commit_never_acknowledges_a_temporary_file_it_cannot_find() {
        let dir = std::env::temp_dir().join(format!("bits-queue-unfound-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let temporary = dir.join("BIT0002.tmp").display().to_string();
        let local = dir.join("file.bin");
        let moves = Action::Commit(vec![FileMove {
            temporary_name: temporary.clone(),
            local_name: local.display().to_string(),
        }]);
        // Neither file here (the bytes are on another host's disk).
        let errors = carry_out(&moves, &Confinement::none());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].reason.contains("cannot find"), "{}", errors[0]);
        // An older copy at the local name is not this commit's file.
        fs::write(&local, b"older copy").unwrap();
        let errors = carry_out(&moves, &Confinement::none());
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].reason.contains("not the file a commit"),
            "{}",
            errors[0]
        );
        assert_eq!(fs::read(&local).unwrap(), b"older copy");
        // The file delivered by another job's commit is not this one's
        // either.
        let other = dir.join("BIT0003.tmp");
        fs::write(&other, b"other job").unwrap();
        let theirs = Action::Commit(vec![FileMove {
            temporary_name: other.display().to_string(),
            local_name: local.display().to_string(),
        }]);
        assert!(carry_out(&theirs, &Confinement::none()).is_empty());
        assert_eq!(fs::read(&local).unwrap(), b"other job");
        assert_eq!(carry_out(&moves, &Confinement::none()).len(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }
}
