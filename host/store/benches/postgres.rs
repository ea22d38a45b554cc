//! What sharing a queue through PostgreSQL costs (BENCHMARKS.md), in one
//! run on one server: committed create-job calls per second with 1, 2 and
//! 4 hosts on one queue (each a `PersistentQueue` with a connection of its
//! own, on a thread of its own), as ratios to 1 host, and against
//! `pgbench`'s built-in simple-update script with the same client counts on
//! the same server, the floor of one small committed transaction per call.
//! Prints a table; not a test. `cargo test --benches` (CI) runs one round
//! of 1 s per side and prints no table.
//!
//! Needs a PostgreSQL server — the one `BITSQ_TEST_POSTGRES` names, else a
//! throw-away one it starts when the server is installed (as the tests do:
//! tests/src/postgres.rs) — and `pgbench` (found beside the server, in
//! /usr/lib/postgresql/*/bin, or on PATH); says so and exits 0 without
//! them.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use bits_queue_host::{JobType, QueueLimits, QueueOptions, Runtime};
use bits_queue_store::{PersistentQueue, PostgresStore};
use bits_queue_tests::bench_mode::BenchMode;
use bits_queue_tests::postgres::TestDatabase;

/// How long each measurement runs (whole seconds: pgbench's `-T`), and how
/// many rounds of them.
fn plan(mode: BenchMode) -> (Duration, usize) {
    match mode {
        BenchMode::Test => (Duration::from_secs(1), 1),
        BenchMode::Quick => (Duration::from_secs(3), 5),
        BenchMode::Full => (Duration::from_secs(5), 9),
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn spread(values: &[f64]) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(0.0, f64::max);
    format!("{min:.2}–{max:.2}")
}

/// Committed creates per second by `hosts` hosts on one fresh queue, each
/// creating for `window`.
fn creates_per_second(runtime: &Runtime, hosts: usize, window: Duration) -> f64 {
    // A database of its own, dropped when the measurement ends.
    let db = TestDatabase::create("bench").expect("the server that main() found");
    let url = db.url().to_string();
    {
        let store = Box::new(PostgresStore::open(&url).unwrap());
        let (queue, _) =
            PersistentQueue::open(runtime, QueueOptions::new(), store, Box::new(|_| {})).unwrap();
        queue
            .change(|q| {
                q.set_limits(QueueLimits {
                    max_jobs: 1_000_000,
                    max_files_per_job: 200,
                })
            })
            .unwrap();
    }
    let start = Arc::new(Barrier::new(hosts));
    let threads: Vec<_> = (0..hosts)
        .map(|h| {
            let (runtime, url, start) = (runtime.clone(), url.clone(), start.clone());
            std::thread::spawn(move || {
                let store = Box::new(PostgresStore::open(&url).unwrap());
                let (queue, _) =
                    PersistentQueue::open(&runtime, QueueOptions::new(), store, Box::new(|_| {}))
                        .unwrap();
                start.wait();
                let began = Instant::now();
                let mut made = 0u64;
                while began.elapsed() < window {
                    queue
                        .change(|q| {
                            q.manager()?
                                .create_job(&format!("host {h} job {made}"), JobType::Download)
                                .map(drop)
                        })
                        .unwrap();
                    made += 1;
                }
                (made, began.elapsed().as_secs_f64())
            })
        })
        .collect();
    let results: Vec<(u64, f64)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let made: u64 = results.iter().map(|r| r.0).sum();
    let seconds = results.iter().map(|r| r.1).fold(0.0, f64::max);
    made as f64 / seconds
}

fn pgbench_path() -> Option<PathBuf> {
    let beside = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|dirs| {
            dirs.filter_map(|d| d.ok())
                .map(|d| d.path().join("bin/pgbench"))
                .find(|p| p.exists())
        });
    beside.or_else(|| {
        Command::new("pgbench")
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|_| PathBuf::from("pgbench"))
    })
}

/// pgbench simple-update transactions per second with `clients` clients.
fn pgbench_tps(pgbench: &PathBuf, url: &str, clients: usize, window: Duration) -> f64 {
    let out = Command::new(pgbench)
        .args(["-n", "-b", "simple-update", "-c"])
        .arg(clients.to_string())
        .arg("-j")
        .arg(clients.to_string())
        .arg("-T")
        .arg(window.as_secs().to_string())
        .arg(url)
        .output()
        .expect("pgbench runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "pgbench: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("pgbench printed its tps")
}

fn main() {
    let mode = BenchMode::from_args();
    // Without a server this says it was skipped (tests/src/postgres.rs).
    let Some(pgbench_db) = TestDatabase::create("bench_pgbench") else {
        return;
    };
    let Some(pgbench) = pgbench_path() else {
        println!("postgres bench skipped: no pgbench");
        return;
    };
    let (window, rounds) = plan(mode);
    let runtime = Runtime::new().expect("the embedded component loads");
    let bench_db = pgbench_db.url();
    let init = Command::new(&pgbench)
        .args(["-i", "-q", "-s", "4"])
        .arg(bench_db)
        .output()
        .expect("pgbench -i runs");
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );

    // The machine drifts (a shared VM): each round measures every side
    // once, back to back, and each ratio is taken within its round.
    const HOSTS: [usize; 3] = [1, 2, 4];
    let mut ours = vec![Vec::new(); HOSTS.len()];
    let mut floor = vec![Vec::new(); HOSTS.len()];
    for round in 0..rounds {
        for (i, hosts) in HOSTS.into_iter().enumerate() {
            ours[i].push(creates_per_second(&runtime, hosts, window));
            floor[i].push(pgbench_tps(&pgbench, bench_db, hosts, window));
        }
        eprintln!("round {} of {rounds} done", round + 1);
    }
    if mode.is_test() {
        println!("postgres, test mode: every measurement ran once, for 1 s; nothing measured");
        return;
    }
    println!(
        "{rounds} rounds of {} s per side; medians, with the rounds' min–max",
        window.as_secs()
    );
    println!(
        "| hosts | create-job/s | / 1 host | pgbench simple-update tps | create-job / pgbench |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for (i, hosts) in HOSTS.into_iter().enumerate() {
        let to_one: Vec<f64> = (0..rounds).map(|r| ours[i][r] / ours[0][r]).collect();
        let to_floor: Vec<f64> = (0..rounds).map(|r| ours[i][r] / floor[i][r]).collect();
        println!(
            "| {hosts} | {:.0} ({:.0}–{:.0}) | {:.2}× ({}) | {:.0} ({:.0}–{:.0}) | {:.2}× ({}) |",
            median(&ours[i]),
            ours[i].iter().copied().fold(f64::INFINITY, f64::min),
            ours[i].iter().copied().fold(0.0, f64::max),
            median(&to_one),
            spread(&to_one),
            median(&floor[i]),
            floor[i].iter().copied().fold(f64::INFINITY, f64::min),
            floor[i].iter().copied().fold(0.0, f64::max),
            median(&to_floor),
            spread(&to_floor),
        );
    }
}
