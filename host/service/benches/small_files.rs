//! Many small files (BENCHMARKS.md, issue 22 goal 1): 1,000 files of
//! 16 KiB in one job from a keep-alive server on 127.0.0.1, through the
//! transfer service on a memory queue and on a SQLite queue, against
//! `curl -K` (one process, one kept connection) and `wget -i`, each
//! followed by `sync` of the files it wrote, so that both sides leave the
//! files durable. Rounds rotate the order; each ratio is taken within its
//! round. Not a test: it prints figures. `cargo test --benches` (CI) runs
//! every side once with 20 files and prints no table.
//!
//! bitsq's time runs from nothing (no job) to every file at its local
//! name: the job created with its files and resumed (one stored call on
//! SQLite), the service started, every file transferred and synced, the
//! job completed and its files renamed (synced, with their directory).
//! Opening the queue and loading the component are not in it (the
//! startup bench measures them).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bits_queue_host::{Action, Guid, JobState, JobType, Queue, QueueLimits, QueueOptions, Runtime};
use bits_queue_service::{Backend, ServiceConfig, ServiceStats, TransferService, carry_out};
use bits_queue_store::{PersistentQueue, SqliteStore};
use bits_queue_tests::bench_mode::BenchMode;
use bits_queue_tests::bench_stats::{median, range};
use bits_queue_tests::http_server::{TestServer, test_bytes};
use bits_queue_tests::scratch_dir;

/// Each file's size: the small file.
const SIZE: usize = 16 << 10;
/// How long a side may take before the bench gives up.
const PATIENCE: Duration = Duration::from_secs(600);

/// The files of one run: (URL, local path).
fn files(server: &TestServer, count: usize, dir: &Path) -> Vec<(String, PathBuf)> {
    (0..count)
        .map(|i| {
            let name = format!("{i:04}.bin");
            (server.url(&format!("/f/{name}")), dir.join(name))
        })
        .collect()
}

/// The queue's limits raised to hold `files` files in one job (200 by
/// default).
fn room_for(queue: &Queue, files: usize) -> bits_queue_host::Result<()> {
    let limits = queue.limits()?;
    queue.set_limits(QueueLimits {
        max_files_per_job: limits.max_files_per_job.max(files as u32),
        ..limits
    })
}

/// Runs a service on `backend` until job `id` is transferred; its counts.
fn serve<B: Backend>(backend: B, id: Guid) -> ServiceStats {
    let service = TransferService::start(backend, ServiceConfig::default()).unwrap();
    let state = service
        .wait_for(
            id,
            |s| matches!(s, JobState::Transferred | JobState::Error),
            PATIENCE,
        )
        .unwrap();
    assert_eq!(state, JobState::Transferred);
    let stats = service.stats();
    service.stop().unwrap();
    stats
}

/// The service on a queue in memory; returns its counts.
fn memory(runtime: &Runtime, files: &[(String, PathBuf)]) -> ServiceStats {
    let queue = runtime.new_queue().unwrap();
    room_for(&queue, files.len()).unwrap();
    let job = queue
        .manager()
        .unwrap()
        .create_job("small files", JobType::Download)
        .unwrap();
    for (url, local) in files {
        job.add_file(url, local.to_str().unwrap()).unwrap();
    }
    job.resume().unwrap();
    let stats = serve(queue.clone(), job.id().unwrap());
    job.complete().unwrap();
    for action in queue.take_file_actions().unwrap() {
        assert!(carry_out(&action, &Default::default()).is_empty());
    }
    stats
}

/// The same on a SQLite queue: every change stored, each in its own
/// transaction, `synchronous=FULL`.
fn sqlite(runtime: &Runtime, files: &[(String, PathBuf)], path: &Path) -> ServiceStats {
    let store = SqliteStore::open(path).unwrap();
    let actions = Box::new(|action: &Action| {
        let failed = carry_out(action, &Default::default());
        match failed.first() {
            Some(e) => Err(e.to_string()),
            None => Ok(()),
        }
    });
    let (queue, _) =
        PersistentQueue::open_checked(runtime, QueueOptions::new(), Box::new(store), actions)
            .unwrap();
    let queue = Arc::new(queue);
    let id = queue
        .change(|q: &Queue| {
            room_for(q, files.len())?;
            let job = q.manager()?.create_job("small files", JobType::Download)?;
            for (url, local) in files {
                job.add_file(url, local.to_str().unwrap())?;
            }
            job.resume()?;
            job.id()
        })
        .unwrap();
    let stats = serve(queue.clone(), id);
    queue
        .change(|q| q.manager()?.get_job(id)?.complete())
        .unwrap();
    stats
}

/// `curl -K LIST` (one process, one connection kept) then `sync` of the
/// files.
fn curl_list(files: &[(String, PathBuf)], list: &Path) -> Command {
    let mut config = String::new();
    for (url, local) in files {
        let _ = writeln!(config, "url = \"{url}\"\noutput = \"{}\"", local.display());
    }
    std::fs::write(list, config).unwrap();
    let mut command = Command::new("sh");
    command
        .args(["-c", "curl -s -K \"$1\" && shift && sync \"$@\"", "sh"])
        .arg(list)
        .args(files.iter().map(|(_, local)| local));
    command
}

/// `wget -i LIST -P DIR` then `sync` of the files.
fn wget_list(files: &[(String, PathBuf)], list: &Path, dir: &Path) -> Command {
    let urls: String = files.iter().map(|(url, _)| format!("{url}\n")).collect();
    std::fs::write(list, urls).unwrap();
    let mut command = Command::new("sh");
    command
        .args([
            "-c",
            "wget -q -i \"$1\" -P \"$2\" && shift 2 && sync \"$@\"",
            "sh",
        ])
        .arg(list)
        .arg(dir)
        .args(files.iter().map(|(_, local)| local));
    command
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Every file is there, whole, with the server's bytes.
fn check(files: &[(String, PathBuf)], expected: &[Vec<u8>]) {
    for ((_, local), bytes) in files.iter().zip(expected) {
        let got = std::fs::read(local).unwrap_or_else(|e| panic!("{}: {e}", local.display()));
        assert!(&got == bytes, "{} differs", local.display());
    }
}

const SIDES: [&str; 4] = [
    "memory queue",
    "SQLite queue",
    "`curl -K` + `sync`",
    "`wget -i` + `sync`",
];

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filters.is_empty() && !filters.iter().any(|f| "small_files/".contains(f.as_str())) {
        return;
    }
    let mode = BenchMode::from_args();
    let (rounds, count) = match mode {
        BenchMode::Test => (1, 20),
        BenchMode::Quick => (5, 1000),
        BenchMode::Full => (11, 1000),
    };
    let server = TestServer::start_keep_alive();
    let bytes: Vec<Vec<u8>> = (0..count).map(|i| test_bytes(SIZE, i as u64)).collect();
    for (i, b) in bytes.iter().enumerate() {
        server.put(&format!("/f/{i:04}.bin"), b.clone());
    }
    let runtime = Runtime::new().unwrap();
    let root = scratch_dir("bench-small-files");
    let wget = have("wget");
    let sides = if wget { 4 } else { 3 };
    eprintln!(
        "small_files: {rounds} rounds of {count} files of {} KiB, each side once a round, in \
         rotating order",
        SIZE >> 10
    );
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); sides];
    let mut stats = [ServiceStats::default(); 2];
    for round in 0..rounds {
        for k in 0..sides {
            let which = (round + k) % sides;
            let dir = root.join(format!("r{round}-{which}"));
            std::fs::create_dir_all(&dir).unwrap();
            let list = root.join(format!("list-{round}-{which}"));
            let files = files(&server, count, &dir);
            // The peers' lists are written before the clock starts.
            let mut command = match which {
                2 => Some(curl_list(&files, &list)),
                3 => Some(wget_list(&files, &list, &dir)),
                _ => None,
            };
            let started = Instant::now();
            match which {
                0 => stats[0] = memory(&runtime, &files),
                1 => stats[1] = sqlite(&runtime, &files, &root.join(format!("q{round}.sqlite3"))),
                _ => {
                    let status = command.as_mut().unwrap().status().unwrap();
                    assert!(status.success(), "{}: {status}", SIDES[which]);
                }
            }
            times[which].push(started.elapsed().as_secs_f64());
            check(&files, &bytes);
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    if mode.is_test() {
        println!(
            "small_files, test mode: every side ran once with {count} files; nothing measured"
        );
        return;
    }

    println!(
        "\n## Many small files ({count} × {} KiB in one job, keep-alive server on 127.0.0.1, \
         {rounds} rounds)\n",
        SIZE >> 10
    );
    println!("| measure | median | min–max |");
    println!("|---|---:|---:|");
    for (side, values) in times.iter().enumerate() {
        let (lo, hi) = range(values);
        println!(
            "| {}, seconds | {:.3} | {lo:.3}–{hi:.3} |",
            SIDES[side],
            median(values.clone())
        );
    }
    let ratio = |ours: usize, peer: usize, target: &str| {
        let per_round: Vec<f64> = times[ours]
            .iter()
            .zip(&times[peer])
            .map(|(a, b)| a / b)
            .collect();
        let (lo, hi) = range(&per_round);
        println!(
            "| {} / {}{target}, per round | {:.2}× | {lo:.2}–{hi:.2}× |",
            SIDES[ours],
            SIDES[peer],
            median(per_round.clone())
        );
    };
    ratio(0, 2, " (target ≤ 1.5)");
    ratio(1, 2, " (target ≤ 2)");
    if wget {
        ratio(0, 3, "");
        ratio(1, 3, "");
    }
    for (side, stats) in stats.iter().enumerate() {
        println!(
            "| {}: service guest calls per file (last round) | {:.2} | |",
            SIDES[side],
            stats.guest_calls as f64 / count as f64
        );
    }
}
