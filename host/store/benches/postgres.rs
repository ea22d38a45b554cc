//! What sharing a queue through PostgreSQL costs, and how throughput
//! grows with hosts when they serve queues of their own in one database
//! (BENCHMARKS.md; issue 23): committed create-job calls per second with
//! 1 host on 1 queue, 4 hosts on 1 queue (they serialise on its version
//! row), 4 hosts on 4 queues and 8 hosts on 8 queues (each a
//! `PersistentQueue` with a connection of its own, on a thread of its own),
//! as ratios to 1 host, and against `pgbench`'s built-in simple-update
//! script with the same client counts on the same server, the floor of one
//! small committed transaction per call. Prints a table; not a test.
//! `cargo test --benches` (CI) runs one round of 1 s per side and prints
//! no table. (Idle services beside a creating host: host/service's
//! `postgres_idle` bench, which runs real service loops.)
//!
//! Needs a PostgreSQL server — the one `BITSQ_TEST_POSTGRES` names, else a
//! throw-away one it starts when the server is installed (as the tests do:
//! tests/src/postgres.rs) — and `pgbench` (found beside the server, in
//! /usr/lib/postgresql/*/bin, or on PATH); says so and exits 0 without
//! them.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use bits_queue_host::{JobType, QueueLimits, QueueOptions, Runtime};
use bits_queue_store::{PersistentQueue, PostgresStore, with_queue};
use bits_queue_tests::bench_mode::BenchMode;
use bits_queue_tests::pgbench;
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

/// Committed creates per second by `hosts` hosts on `queues` fresh queues
/// of one database (host `h` on queue `h % queues`), each creating for
/// `window`.
fn creates_per_second(runtime: &Runtime, hosts: usize, queues: usize, window: Duration) -> f64 {
    // A database of its own, dropped when the measurement ends.
    let db = TestDatabase::create("bench").expect("the server that main() found");
    let urls: Vec<String> = (0..queues)
        .map(|q| with_queue(db.url(), &format!("q{q}")))
        .collect();
    for url in &urls {
        let store = Box::new(PostgresStore::open(url).unwrap());
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
            let (runtime, url, start) = (runtime.clone(), urls[h % queues].clone(), start.clone());
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

/// The sides measured: (hosts, queues).
const SIDES: [(usize, usize); 4] = [(1, 1), (4, 1), (4, 4), (8, 8)];
/// pgbench's client counts: each side's hosts.
const CLIENTS: [usize; 3] = [1, 4, 8];

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filters.is_empty() && !filters.iter().any(|f| "postgres/".contains(f.as_str())) {
        return;
    }
    let mode = BenchMode::from_args();
    // Without a server this says it was skipped (tests/src/postgres.rs).
    let Some(pgbench_db) = TestDatabase::create("bench_pgbench") else {
        return;
    };
    let Some(pgbench) = pgbench::path() else {
        println!("postgres bench skipped: no pgbench");
        return;
    };
    let (window, rounds) = plan(mode);
    let runtime = Runtime::new().expect("the embedded component loads");
    let bench_db = pgbench_db.url();
    pgbench::init(&pgbench, bench_db);

    // The machine drifts (a shared VM): each round measures every side
    // once, back to back, and each ratio is taken within its round.
    let mut ours = vec![Vec::new(); SIDES.len()];
    let mut floor = vec![Vec::new(); CLIENTS.len()];
    for round in 0..rounds {
        for (i, (hosts, queues)) in SIDES.into_iter().enumerate() {
            ours[i].push(creates_per_second(&runtime, hosts, queues, window));
        }
        for (i, clients) in CLIENTS.into_iter().enumerate() {
            floor[i].push(pgbench::tps(&pgbench, bench_db, clients, window));
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
        "| hosts | queues | create-job/s | / 1 host | pgbench simple-update tps \
         (clients = hosts) | pgbench / 1 client | create-job / pgbench |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    let range = |values: &[f64]| {
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(0.0, f64::max);
        format!("{:.0} ({min:.0}–{max:.0})", median(values))
    };
    for (i, (hosts, queues)) in SIDES.into_iter().enumerate() {
        let c = CLIENTS
            .iter()
            .position(|&c| c == hosts)
            .expect("a client count per side");
        let to_one: Vec<f64> = (0..rounds).map(|r| ours[i][r] / ours[0][r]).collect();
        let floor_to_one: Vec<f64> = (0..rounds).map(|r| floor[c][r] / floor[0][r]).collect();
        let to_floor: Vec<f64> = (0..rounds).map(|r| ours[i][r] / floor[c][r]).collect();
        println!(
            "| {hosts} | {queues} | {} | {:.2}× ({}) | {} | {:.2}× ({}) | {:.2}× ({}) |",
            range(&ours[i]),
            median(&to_one),
            spread(&to_one),
            range(&floor[c]),
            median(&floor_to_one),
            spread(&floor_to_one),
            median(&to_floor),
            spread(&to_floor),
        );
    }
}
