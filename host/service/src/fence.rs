//! Fencing: where hosts share a queue (PostgreSQL), a host whose lease of
//! a file ran out or was taken over never touches a file another host
//! owns, by construction rather than by timing.
//!
//! Each lease carries a generation (`Leases::claim`), greater than every
//! earlier lease's of the file. A host writes only into the file of its
//! own generation, `<temporary name>.g<generation>`, which no other host
//! opens for writing. A host taking a file over copies the bytes the
//! queue counts from the newest earlier generation's file into its own
//! (it never renames or opens for writing another host's file: a paused
//! host keeps its descriptor, and a rename would carry it along). A
//! commit renames only the newest generation's file (the host that
//! reported the file done held the newest lease: no lease is taken after
//! a file is done) and deletes the older ones; a paused host's writes go
//! into its own file, or into that file after it was deleted, never into
//! the delivered one. Generation 0 is the temporary name itself: a store
//! that one service runs alone (SQLite, memory) has nothing to fence, and
//! a file left by a host of a release before fencing is taken over like
//! any older generation.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The file generation `generation` of a transfer writes into.
pub(crate) fn fenced_name(temporary: &str, generation: u64) -> String {
    if generation == 0 {
        temporary.to_owned()
    } else {
        format!("{temporary}.g{generation}")
    }
}

/// The temporary name and generation of a file [`fenced_name`] made.
fn parse(path: &Path) -> (PathBuf, u64) {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    match name.rsplit_once(".g") {
        Some((base, digits))
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            match digits.parse() {
                Ok(generation) => (path.with_file_name(base), generation),
                Err(_) => (path.to_owned(), 0),
            }
        }
        _ => (path.to_owned(), 0),
    }
}

/// Every generation's file of the temporary name `temporary` that is
/// there, oldest first.
fn generations(temporary: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    Generations::scan([temporary]).of(temporary)
}

/// The generations' files of many temporary names, from one read of each
/// directory they are in. A commit or discard of a job's files looks each
/// one up here: reading the directory once per file cost O(files²) entries
/// for a job of many files in one directory (1,000 files: two million).
pub(crate) struct Generations {
    /// Per temporary name: its generations' files, oldest first.
    found: HashMap<PathBuf, Vec<(u64, PathBuf)>>,
    /// Directories that could not be read, with why.
    unreadable: HashMap<PathBuf, (io::ErrorKind, String)>,
}

impl Generations {
    /// Reads each directory of `temporaries` once.
    pub(crate) fn scan<'a>(temporaries: impl IntoIterator<Item = &'a Path>) -> Self {
        let mut found: HashMap<PathBuf, Vec<(u64, PathBuf)>> = HashMap::new();
        // Per directory, the file names of the temporary names in it.
        let mut wanted: HashMap<PathBuf, HashSet<OsString>> = HashMap::new();
        for temporary in temporaries {
            let mut own = Vec::new();
            if temporary.is_file() {
                own.push((0, temporary.to_owned()));
            }
            found.insert(key(temporary), own);
            if let Some(name) = temporary.file_name() {
                wanted
                    .entry(directory_of(temporary).to_owned())
                    .or_default()
                    .insert(name.to_owned());
            }
        }
        let mut unreadable = HashMap::new();
        for (dir, names) in wanted {
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => {
                    unreadable.insert(dir, (e.kind(), e.to_string()));
                    continue;
                }
            };
            for entry in entries {
                let path = match entry {
                    Ok(entry) => entry.path(),
                    Err(e) => {
                        unreadable.insert(dir.clone(), (e.kind(), e.to_string()));
                        break;
                    }
                };
                let (base, generation) = parse(&path);
                let Some(name) = base.file_name() else {
                    continue;
                };
                if generation > 0 && names.contains(name) {
                    found
                        .entry(dir.join(name))
                        .or_default()
                        .push((generation, path));
                }
            }
        }
        for files in found.values_mut() {
            files.sort();
        }
        Generations { found, unreadable }
    }

    /// Every generation's file of `temporary`, oldest first.
    pub(crate) fn of(&self, temporary: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
        if let Some((kind, why)) = self.unreadable.get(directory_of(temporary)) {
            return Err(io::Error::new(*kind, why.clone()));
        }
        Ok(self.found.get(&key(temporary)).cloned().unwrap_or_default())
    }

    /// The file a commit renames to the local name: the newest
    /// generation's (`None` when none is there).
    pub(crate) fn newest(&self, temporary: &Path) -> io::Result<Option<PathBuf>> {
        Ok(self.of(temporary)?.pop().map(|(_, path)| path))
    }

    /// Every generation's file of `temporary` (to delete).
    pub(crate) fn all(&self, temporary: &Path) -> io::Result<Vec<PathBuf>> {
        Ok(self
            .of(temporary)?
            .into_iter()
            .map(|(_, path)| path)
            .collect())
    }
}

/// A temporary name as the scan keys it: its directory joined to its name.
fn key(temporary: &Path) -> PathBuf {
    directory_of(temporary).join(temporary.file_name().unwrap_or_default())
}

/// The directory a temporary name is in ("." for a bare name).
fn directory_of(temporary: &Path) -> &Path {
    match temporary.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Before a transfer writes into its generation's file `path` for the
/// first time: the `offset` bytes the queue counts are copied from the
/// newest earlier generation's file that holds them (the bytes a host
/// before reported), so it resumes by `Range` where that host stopped.
/// A file already there (this generation's own), or no earlier file that
/// holds them, is left as it is (opening it then says what is missing).
pub(crate) fn take_over(path: &Path, offset: u64) -> io::Result<()> {
    let (temporary, generation) = parse(path);
    if generation == 0 || path.exists() {
        return Ok(());
    }
    let earlier: Vec<_> = generations(&temporary)?
        .into_iter()
        .filter(|(g, _)| *g < generation)
        .collect();
    if offset > 0 {
        let from = earlier
            .iter()
            .rev()
            .find(|(_, p)| fs::metadata(p).is_ok_and(|m| m.len() >= offset));
        let Some((_, from)) = from else {
            return Ok(());
        };
        let mut source = File::open(from)?;
        // A file only this generation writes: made here, never found.
        let mut own = OpenOptions::new().write(true).create_new(true).open(path)?;
        let copied = io::copy(&mut (&mut source).take(offset), &mut own)?;
        if copied < offset {
            drop(own);
            let _ = fs::remove_file(path);
            return Err(io::Error::other(format!(
                "{} held {copied} bytes when copied, fewer than {offset}",
                from.display()
            )));
        }
        own.sync_all()?;
    }
    // The older files are of no use now (a later host takes over from
    // this one's): deleted, so a file retried again and again leaves no
    // trail. Their hosts, if still running, write into deleted files.
    for (_, older) in earlier {
        let _ = fs::remove_file(older);
    }
    Ok(())
}

/// The file a commit renames to the local name: the newest generation's
/// (`None` when none is there).
#[cfg(test)]
fn newest(temporary: &Path) -> io::Result<Option<PathBuf>> {
    Generations::scan([temporary]).newest(temporary)
}

/// Every generation's file of `temporary`.
#[cfg(test)]
fn all(temporary: &Path) -> io::Result<Vec<PathBuf>> {
    Generations::scan([temporary]).all(temporary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_generation_takes_over_the_newest_earlier_file_that_holds_the_bytes() {
        let dir = std::env::temp_dir().join(format!("bits-queue-fence-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let temporary = dir.join("BIT0000ABCD.tmp");
        let name = |g| PathBuf::from(fenced_name(temporary.to_str().unwrap(), g));
        assert_eq!(name(0), temporary);
        fs::write(&temporary, b"legacy bytes").unwrap();
        fs::write(name(3), b"abcdefgh").unwrap();
        // Generation 5 died while copying: it holds too few bytes.
        fs::write(name(5), b"ab").unwrap();
        // A stranger's file with a similar name is no generation.
        fs::write(dir.join("BIT0000ABCD.tmp.gx"), b"zzzzzzzz").unwrap();
        assert_eq!(
            all(&temporary).unwrap(),
            vec![temporary.clone(), name(3), name(5)]
        );
        // Nothing holds 20 bytes: nothing is made, nothing deleted.
        take_over(&name(6), 20).unwrap();
        assert!(!name(6).exists());
        assert_eq!(newest(&temporary).unwrap(), Some(name(5)));
        take_over(&name(7), 6).unwrap();
        assert_eq!(fs::read(name(7)).unwrap(), b"abcdef");
        // The older files went with the take-over.
        assert_eq!(all(&temporary).unwrap(), vec![name(7)]);
        // Its own file is never copied over again.
        fs::write(name(7), b"mine").unwrap();
        take_over(&name(7), 6).unwrap();
        assert_eq!(fs::read(name(7)).unwrap(), b"mine");
        assert_eq!(newest(&temporary).unwrap(), Some(name(7)));
        // A restart from 0 copies nothing, and drops the older files.
        take_over(&name(9), 0).unwrap();
        assert!(!name(9).exists());
        assert_eq!(all(&temporary).unwrap(), Vec::<PathBuf>::new());
        fs::remove_dir_all(&dir).unwrap();
    }
    #[test]
    fn one_scan_gives_each_temporary_name_its_own_generations() {
        let dir = std::env::temp_dir().join(format!("bits-queue-scan-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let a = dir.join("BIT0001.tmp");
        let b = dir.join("BIT0001.tmp2");
        let c = dir.join("BIT0003.tmp");
        let name = |t: &Path, g| PathBuf::from(fenced_name(t.to_str().unwrap(), g));
        fs::write(&a, b"a0").unwrap();
        fs::write(name(&a, 4), b"a4").unwrap();
        fs::write(name(&a, 12), b"a12").unwrap();
        fs::write(name(&b, 7), b"b7").unwrap();
        // Neither a generation nor a temporary name asked for.
        fs::write(dir.join("BIT0001.tmp.g"), b"x").unwrap();
        fs::write(dir.join("file.bin"), b"x").unwrap();
        let missing = dir.join("gone").join("BIT0009.tmp");
        let scan = Generations::scan([a.as_path(), b.as_path(), c.as_path(), missing.as_path()]);
        assert_eq!(
            scan.all(&a).unwrap(),
            vec![a.clone(), name(&a, 4), name(&a, 12)]
        );
        assert_eq!(scan.newest(&a).unwrap(), Some(name(&a, 12)));
        assert_eq!(scan.all(&b).unwrap(), vec![name(&b, 7)]);
        assert_eq!(scan.newest(&c).unwrap(), None);
        assert_eq!(scan.all(&missing).unwrap(), Vec::<PathBuf>::new());
        // The same answers as a scan of one name.
        for t in [&a, &b, &c] {
            assert_eq!(scan.all(t).unwrap(), all(t).unwrap());
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}
