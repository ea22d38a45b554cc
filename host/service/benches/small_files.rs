//! Many small files (BENCHMARKS.md, issue 22 goal 1): 1,000 files of
//! 16 KiB in one job from a keep-alive server on 127.0.0.1, through the
//! transfer service on a memory queue and on a SQLite queue, against
//! `curl -K` (one process, one kept connection) and `wget -i`, each
//! followed by `sync` of the files it wrote, so that both sides leave the
//! files durable. Rounds rotate the order; each ratio is taken within its
//! round.
//!
//! Beside them, in the same rounds, two floors (issue 22 asks a goal not
//! met to say its floor, measured): the least any host keeping our rule
//! must do, natively and without a queue (each file fetched into a
//! temporary file and synced before the next, then every file renamed and
//! the directory synced once), and the same with one SQLite commit after
//! each file (the least a store recording each file's end must add). Not a test: it prints figures. `cargo test --benches` (CI) runs
//! every side once with 20 files and prints no table.
//!
//! bitsq's time runs from nothing (no job) to every file at its local
//! name: the job created with its files and resumed (one stored call on
//! SQLite), the service started, every file transferred and synced, the
//! job completed and its files renamed (synced, with their directory).
//! Opening the queue and loading the component are not in it (the
//! startup bench measures them).

use std::fmt::Write as _;
use std::fs::File;
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

/// The least any host must do to keep our rule (a file reported
/// transferred is on disk; `complete` renames every file and syncs the
/// directory), natively and without a queue: over one kept agent, set up
/// as the service's (src/http.rs), each file fetched into a temporary file
/// beside its local name and synced, one after the other (a file may not be
/// reported before its sync, and a job's files go one at a time); with
/// `store`, one SQLite transaction after each sync (the least a store that
/// records each file's end must add); then every file renamed to its name
/// and the directory synced once.
fn durable_floor(files: &[(String, PathBuf)], mut store: Option<&mut rusqlite::Connection>) {
    let config = ureq::Agent::config_builder()
        .max_redirects(0)
        .proxy(None)
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(PATIENCE))
        .timeout_per_read(Some(PATIENCE))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let mut temporaries = Vec::with_capacity(files.len());
    for (done, (url, local)) in files.iter().enumerate() {
        let temporary = local.with_extension("floor.tmp");
        let mut response = agent.get(url).call().unwrap();
        let mut file = File::create(&temporary).unwrap();
        std::io::copy(&mut response.body_mut().as_reader(), &mut file).unwrap();
        file.sync_all().unwrap();
        if let Some(db) = store.as_deref_mut() {
            let transaction = db.transaction().unwrap();
            transaction
                .execute(
                    "UPDATE job SET files_done = ?1 WHERE id = 1",
                    [done as i64 + 1],
                )
                .unwrap();
            transaction.commit().unwrap();
        }
        temporaries.push(temporary);
    }
    for (temporary, (_, local)) in temporaries.iter().zip(files) {
        std::fs::rename(temporary, local).unwrap();
    }
    let dir = files[0].1.parent().unwrap();
    File::open(dir).unwrap().sync_all().unwrap();
}

/// The floor's database: WAL, `synchronous=FULL` (as the store opens
/// its own), one small row that each file's commit updates. Opened before
/// the clock starts.
fn floor_store(path: &Path) -> rusqlite::Connection {
    let db = rusqlite::Connection::open(path).unwrap();
    db.pragma_update(None, "journal_mode", "WAL").unwrap();
    db.pragma_update(None, "synchronous", "FULL").unwrap();
    db.execute_batch(
        "CREATE TABLE job (id INTEGER PRIMARY KEY, files_done INTEGER NOT NULL);
         INSERT INTO job VALUES (1, 0);",
    )
    .unwrap();
    db
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

const SIDES: [&str; 6] = [
    "memory queue",
    "SQLite queue",
    "`curl -K` + `sync`",
    "`wget -i` + `sync`",
    "durable floor",
    "durable floor + a SQLite commit per file",
];
/// The sides' indices in SIDES.
const MEMORY: usize = 0;
const SQLITE: usize = 1;
const CURL: usize = 2;
const WGET: usize = 3;
const FLOOR: usize = 4;
const FLOOR_COMMIT: usize = 5;

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
    // The sides that run, in SIDES' order (wget only where it is).
    let sides: Vec<usize> = (0..SIDES.len())
        .filter(|&side| side != WGET || wget)
        .collect();
    eprintln!(
        "small_files: {rounds} rounds of {count} files of {} KiB, each side once a round, in \
         rotating order",
        SIZE >> 10
    );
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); SIDES.len()];
    let mut stats = [ServiceStats::default(); 2];
    for round in 0..rounds {
        for k in 0..sides.len() {
            let which = sides[(round + k) % sides.len()];
            let dir = root.join(format!("r{round}-{which}"));
            std::fs::create_dir_all(&dir).unwrap();
            let list = root.join(format!("list-{round}-{which}"));
            let files = files(&server, count, &dir);
            // The peers' lists are written before the clock starts.
            let mut command = match which {
                CURL => Some(curl_list(&files, &list)),
                WGET => Some(wget_list(&files, &list, &dir)),
                _ => None,
            };
            // So is the floor's database.
            let mut store = (which == FLOOR_COMMIT)
                .then(|| floor_store(&root.join(format!("f{round}.sqlite3"))));
            let started = Instant::now();
            match which {
                MEMORY => stats[0] = memory(&runtime, &files),
                SQLITE => {
                    stats[1] = sqlite(&runtime, &files, &root.join(format!("q{round}.sqlite3")))
                }
                FLOOR | FLOOR_COMMIT => durable_floor(&files, store.as_mut()),
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
    let seconds = |side: usize| {
        let (lo, hi) = range(&times[side]);
        println!(
            "| {}, seconds | {:.3} | {lo:.3}–{hi:.3} |",
            SIDES[side],
            median(times[side].clone())
        );
    };
    for &side in sides.iter().filter(|&&side| side < FLOOR) {
        seconds(side);
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
    ratio(MEMORY, CURL, " (target ≤ 1.5)");
    ratio(SQLITE, CURL, " (target ≤ 2)");
    if wget {
        ratio(MEMORY, WGET, "");
        ratio(SQLITE, WGET, "");
    }
    for (side, stats) in stats.iter().enumerate() {
        println!(
            "| {}: service guest calls per file (last round) | {:.2} | |",
            SIDES[side],
            stats.guest_calls as f64 / count as f64
        );
    }
    // The floors, after the rows above (their order is BENCHMARKS.md's).
    seconds(FLOOR);
    seconds(FLOOR_COMMIT);
    ratio(MEMORY, FLOOR, "");
    ratio(SQLITE, FLOOR_COMMIT, "");
    ratio(FLOOR, CURL, "");
}
