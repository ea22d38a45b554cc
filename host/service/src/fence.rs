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
    let mut found = Vec::new();
    if temporary.is_file() {
        found.push((0, temporary.to_owned()));
    }
    let dir = match temporary.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        let (base, generation) = parse(&path);
        if generation > 0 && base.file_name() == temporary.file_name() {
            found.push((
                generation,
                temporary.with_file_name(path.file_name().unwrap_or_default()),
            ));
        }
    }
    found.sort();
    Ok(found)
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
pub(crate) fn newest(temporary: &Path) -> io::Result<Option<PathBuf>> {
    Ok(generations(temporary)?.pop().map(|(_, path)| path))
}

/// Every generation's file of `temporary` (to delete).
pub(crate) fn all(temporary: &Path) -> io::Result<Vec<PathBuf>> {
    Ok(generations(temporary)?
        .into_iter()
        .map(|(_, path)| path)
        .collect())
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
}
