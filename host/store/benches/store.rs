//! What keeping a queue in SQLite costs (BENCHMARKS.md), each against its
//! floor in the same run: committed create-job calls per second against raw
//! `rusqlite` INSERT + COMMIT of a row of the same size with the same
//! settings; opening a store of 100,000 jobs against reading its rows raw;
//! and bytes on disk per job. Prints a table; not a test. `cargo test
//! --benches` (CI) runs it once at a small size and prints no table.

use std::path::{Path, PathBuf};
use std::time::Instant;

use bits_queue_host::{Config, JobType, QueueLimits, QueueOptions, Runtime};
use bits_queue_logic::queue::QueueState;
use bits_queue_logic::random::SplitMix64;
use bits_queue_store::{PersistentQueue, SqliteStore, Store};
use bits_queue_tests::bench_mode::BenchMode;
use rusqlite::{Connection, params};

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bits-queue-store-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn open(runtime: &Runtime, path: &Path) -> PersistentQueue {
    let store = Box::new(SqliteStore::open(path).unwrap());
    PersistentQueue::open(runtime, QueueOptions::new(), store, Box::new(|_| {}))
        .unwrap()
        .0
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Seconds for `n` committed creates through a persistent queue.
fn creates(runtime: &Runtime, path: &Path, n: u32) -> (f64, usize) {
    let queue = open(runtime, path);
    queue
        .change(|q| {
            q.set_limits(QueueLimits {
                max_jobs: 1_000_000,
                max_files_per_job: 200,
            })
        })
        .unwrap();
    let started = Instant::now();
    for i in 0..n {
        queue
            .change(|q| {
                q.manager()?
                    .create_job(&format!("bench job {i}"), JobType::Download)
                    .map(drop)
            })
            .unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    let connection = Connection::open(path).unwrap();
    let record: i64 = connection
        .query_row("SELECT length(record) FROM jobs LIMIT 1", [], |r| r.get(0))
        .unwrap();
    (seconds, record as usize)
}

/// Seconds for `n` raw INSERT + COMMIT of `record` bytes, same settings.
fn raw_inserts(path: &Path, n: u32, record: usize) -> f64 {
    let connection = Connection::open(path).unwrap();
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .unwrap();
    connection
        .pragma_update(None, "synchronous", "FULL")
        .unwrap();
    connection
        .execute_batch("CREATE TABLE jobs (id BLOB PRIMARY KEY, record BLOB NOT NULL, version INTEGER NOT NULL)")
        .unwrap();
    let bytes = vec![7u8; record];
    let started = Instant::now();
    for i in 0..n {
        let id = (u128::from(i) * 0x9E37_79B9_7F4A_7C15).to_le_bytes();
        connection.execute_batch("BEGIN IMMEDIATE").unwrap();
        connection
            .execute(
                "INSERT INTO jobs VALUES (?1, ?2, ?3)",
                params![&id[..], &bytes, i64::from(i)],
            )
            .unwrap();
        connection.execute_batch("COMMIT").unwrap();
    }
    started.elapsed().as_secs_f64()
}

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filters.is_empty() && !filters.iter().any(|f| "store/".contains(f.as_str())) {
        return;
    }
    let mode = BenchMode::from_args();
    // Rounds of committed creates, creates per round, jobs in the big store.
    let (rounds, creates_per_round, jobs) = match mode {
        BenchMode::Test => (1, 20, 1_000),
        BenchMode::Quick => (5, 200, 100_000),
        BenchMode::Full => (9, 500, 100_000),
    };
    let dir = scratch();
    // Room for 100,000 jobs in one instance.
    let runtime = Runtime::with_config(Config::new().memory_limit(512 << 20)).unwrap();
    eprintln!("store: {rounds} alternating rounds of {creates_per_round} committed creates");

    let mut ratios = Vec::new();
    let mut per_second = Vec::new();
    for round in 0..rounds {
        let ours = dir.join(format!("ours-{round}.sqlite3"));
        let raw = dir.join(format!("raw-{round}.sqlite3"));
        let (ours_s, record) = creates(&runtime, &ours, creates_per_round);
        let raw_s = raw_inserts(&raw, creates_per_round, record);
        ratios.push(raw_s / ours_s);
        per_second.push(f64::from(creates_per_round) / ours_s);
        let _ = std::fs::remove_file(&ours);
        let _ = std::fs::remove_file(&raw);
    }

    // A store of 100,000 jobs, made in one call.
    let big = dir.join("big.sqlite3");
    {
        let queue = open(&runtime, &big);
        queue
            .change(|q| {
                q.set_limits(QueueLimits {
                    max_jobs: jobs,
                    max_files_per_job: 200,
                })?;
                let manager = q.manager()?;
                for i in 0..jobs {
                    manager.create_job(&format!("job {i}"), JobType::Download)?;
                }
                Ok(())
            })
            .unwrap();
    }
    let (mut open_s, mut read_s) = (Vec::new(), Vec::new());
    // Opening's parts, to find its floor: the store's read (SQLite rows
    // to records), the component's apply on a fresh instance, and the same
    // apply run natively (the logic crate).
    let (mut load_s, mut apply_s, mut native_s) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..3 {
        let started = Instant::now();
        let snapshot = SqliteStore::open(&big).unwrap().load().unwrap();
        load_s.push(started.elapsed().as_secs_f64());
        let started = Instant::now();
        let queue = runtime.new_queue().unwrap();
        // Parts of about 256 KiB, as PersistentQueue::open applies them.
        for part in snapshot.changes.chunks(4096) {
            queue.apply(part).unwrap();
        }
        apply_s.push(started.elapsed().as_secs_f64());
        drop(queue);
        let started = Instant::now();
        let native = QueueState::new(SplitMix64::new(1));
        native.apply(&snapshot.changes).unwrap();
        native_s.push(started.elapsed().as_secs_f64());
        drop(native);

        let started = Instant::now();
        let queue = open(&runtime, &big);
        open_s.push(started.elapsed().as_secs_f64());
        drop(queue);
        let started = Instant::now();
        let connection = Connection::open(&big).unwrap();
        let mut rows = connection
            .prepare("SELECT id, record FROM jobs ORDER BY version")
            .unwrap();
        let mut total = 0usize;
        let mut cursor = rows.query([]).unwrap();
        while let Some(row) = cursor.next().unwrap() {
            let record: Vec<u8> = row.get(1).unwrap();
            total += record.len();
        }
        read_s.push(started.elapsed().as_secs_f64());
        assert!(total > 0);
    }
    let connection = Connection::open(&big).unwrap();
    connection
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let pages: i64 = connection
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    let page: i64 = connection
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    if mode.is_test() {
        println!("store, test mode: every measurement ran once, at a small size; nothing measured");
        return;
    }

    let range = |v: &[f64]| {
        let (lo, hi) = v
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), x| (l.min(*x), h.max(*x)));
        format!("{lo:.2}–{hi:.2}")
    };
    println!("\n## The stored queue (SQLite, WAL, synchronous=FULL)\n");
    println!("| measure | median | min–max |");
    println!("|---|---:|---:|");
    println!(
        "| committed create-job, ours / raw INSERT + COMMIT (target ≥ 0.5) | {:.2}× | {}× |",
        median(ratios.clone()),
        range(&ratios)
    );
    println!(
        "| committed create-job per second, ours | {:.0} | {} |",
        median(per_second.clone()),
        range(&per_second)
    );
    let open_ratio: Vec<f64> = open_s.iter().zip(&read_s).map(|(o, r)| o / r).collect();
    println!(
        "| opening 100,000 jobs / reading their rows raw (target ≤ 2) | {:.2}× | {}× |",
        median(open_ratio.clone()),
        range(&open_ratio)
    );
    println!(
        "| opening 100,000 jobs, seconds | {:.3} | {} |",
        median(open_s.clone()),
        range(&open_s)
    );
    for (what, values) in [
        (
            "  of which the store's read (rows to records), seconds",
            &load_s,
        ),
        (
            "  of which the component's apply, fresh instance, seconds",
            &apply_s,
        ),
        (
            "the same apply run natively (logic crate), seconds",
            &native_s,
        ),
        ("reading the rows raw, seconds", &read_s),
    ] {
        println!(
            "| {what} | {:.3} | {} |",
            median(values.clone()),
            range(values)
        );
    }
    println!(
        "| bytes on disk per job (100,000 jobs, after a checkpoint) | {:.0} | |",
        (pages * page) as f64 / f64::from(jobs)
    );
}
