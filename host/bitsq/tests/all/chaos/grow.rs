//! Sources that grow (issue 21, case 1): a thread appends to each
//! `file://` source a KiB every few milliseconds from when its job's turn
//! nears (every job created before it has left `queued` once: the queue
//! is first in, first out) while the job is queued or in flight, so some
//! attempts meet a growth (contract §10, "a source that changes": that
//! attempt ends `interrupted` and the retry starts from 0). A source stops
//! growing once its job left flight (a transient error, or the file
//! arrived), or after `MOST` appends: it settles, and the job must then
//! arrive whole. Every length it held is kept: a file that arrived
//! between two growths is that length's prefix of the last.

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use bits_queue_tests::http_server::test_bytes;

/// Appends at most, per source.
const MOST: usize = 1000;
const EVERY: Duration = Duration::from_millis(3);
const STEP: usize = 1024;

/// One growing source.
struct Source {
    /// Its job's number: job `cN` was created `N`th.
    number: usize,
    job: String,
    path: PathBuf,
    /// The lengths it held, in turn.
    lengths: Vec<usize>,
    settled: bool,
}

/// Each job's state, by display name, as last seen (the run's loop
/// updates it).
pub type Seen = Arc<Mutex<HashMap<String, String>>>;

pub struct Grower {
    sources: Arc<Mutex<Vec<Source>>>,
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Grower {
    /// Writes each source's first bytes; nothing grows until `start`.
    /// Sources by job number: job `cN` copies `path`.
    pub fn new(files: Vec<(usize, PathBuf, Vec<u8>)>) -> Grower {
        let sources = files
            .into_iter()
            .map(|(number, path, first)| {
                std::fs::write(&path, &first).unwrap();
                Source {
                    number,
                    job: format!("c{number}"),
                    path,
                    lengths: vec![first.len()],
                    settled: false,
                }
            })
            .collect();
        Grower {
            sources: Arc::new(Mutex::new(sources)),
            done: Arc::new(AtomicBool::new(false)),
            thread: None,
        }
    }

    pub fn start(&mut self, seen: Seen) {
        let (sources, done) = (self.sources.clone(), self.done.clone());
        self.thread = Some(std::thread::spawn(move || {
            let mut salt = 0u64;
            // Jobs seen out of `queued` at least once.
            let mut had_a_turn = HashSet::new();
            while !done.load(Ordering::Acquire) {
                let states = seen.lock().unwrap().clone();
                for (job, state) in &states {
                    if state != "queued" {
                        had_a_turn.insert(job.clone());
                    }
                }
                for source in sources.lock().unwrap().iter_mut() {
                    let state = states.get(&source.job).map(String::as_str);
                    let waiting =
                        matches!(state, None | Some("queued" | "connecting" | "transferring"));
                    if source.settled || !waiting || source.lengths.len() > MOST {
                        source.settled = true;
                        continue;
                    }
                    let near = (0..source.number).all(|m| had_a_turn.contains(&format!("c{m}")));
                    if !near {
                        continue;
                    }
                    salt += 1;
                    let mut file = std::fs::OpenOptions::new()
                        .append(true)
                        .open(&source.path)
                        .unwrap();
                    file.write_all(&test_bytes(STEP, salt)).unwrap();
                    let last = *source.lengths.last().unwrap();
                    source.lengths.push(last + STEP);
                }
                std::thread::sleep(EVERY);
            }
        }));
    }

    /// Stops growing; returns each source's lengths, by job.
    pub fn stop(mut self) -> HashMap<String, Vec<usize>> {
        self.done.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
        let sources = std::mem::take(&mut *self.sources.lock().unwrap());
        sources.into_iter().map(|s| (s.job, s.lengths)).collect()
    }
}
