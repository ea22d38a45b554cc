//! Idle services beside a busy host on one PostgreSQL queue (BENCHMARKS.md;
//! issue 23, defect 6): committed create-job calls per second by one host
//! creating jobs alone, and with 3 idle services beside it on the same
//! queue — real service loops (a `TransferService` on a `PersistentQueue`
//! with a connection of its own and the queue's notifications, as `bitsq
//! service` runs them) that have nothing to transfer — as a ratio to the
//! host alone, with `pgbench -b simple-update` with 1 client (the
//! creator's count) in the same run as the floor. Also counts the idle
//! services' polls under the queue's lock and those a look left out.
//! Prints a table; not a test. `cargo test --benches` (CI) runs one round
//! of 1 s per side and prints no table.
//!
//! Needs a PostgreSQL server (`BITSQ_TEST_POSTGRES`, else a throw-away one
//! when the server is installed: tests/src/postgres.rs) and `pgbench`;
//! says so and exits 0 without them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bits_queue_host::{JobType, QueueLimits, QueueOptions, Runtime};
use bits_queue_service::{ServiceConfig, TransferService};
use bits_queue_store::{PersistentQueue, PostgresStore};
use bits_queue_tests::bench_mode::BenchMode;
use bits_queue_tests::bench_stats::{median, range};
use bits_queue_tests::pgbench;
use bits_queue_tests::postgres::TestDatabase;

/// The idle services beside the creator.
const IDLE: usize = 3;

fn plan(mode: BenchMode) -> (Duration, usize) {
    match mode {
        BenchMode::Test => (Duration::from_secs(1), 1),
        BenchMode::Quick => (Duration::from_secs(3), 5),
        BenchMode::Full => (Duration::from_secs(5), 9),
    }
}

fn queue_on(runtime: &Runtime, url: &str) -> Arc<PersistentQueue> {
    let store = Box::new(PostgresStore::open(url).unwrap());
    let (queue, _) =
        PersistentQueue::open(runtime, QueueOptions::new(), store, Box::new(|_| {})).unwrap();
    Arc::new(queue)
}

/// What one side measured: creates per second, and the idle services'
/// polls under the lock and polls left out while it ran.
struct Side {
    creates: f64,
    locked_polls: u64,
    polls_skipped: u64,
}

/// One host creating jobs on a fresh queue for `window`, with `idle`
/// services serving the queue beside it.
fn creates_beside(runtime: &Runtime, idle: usize, window: Duration) -> Side {
    let db = TestDatabase::create("bench_idle").expect("the server that main() found");
    let creator = queue_on(runtime, db.url());
    creator
        .change(|q| {
            q.set_limits(QueueLimits {
                max_jobs: 1_000_000,
                max_files_per_job: 200,
            })
        })
        .unwrap();
    let services: Vec<_> = (0..idle)
        .map(|_| TransferService::start(queue_on(runtime, db.url()), ServiceConfig::default()))
        .collect::<Result<_, _>>()
        .unwrap();
    // Each has made its start's polls before the creator begins.
    let settled = Instant::now();
    while services.iter().any(|s| s.stats().locked_polls < 1) {
        assert!(
            settled.elapsed() < Duration::from_secs(60),
            "a service never polled"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let before: Vec<_> = services.iter().map(|s| s.stats()).collect();
    let began = Instant::now();
    let mut made = 0u64;
    while began.elapsed() < window {
        creator
            .change(|q| {
                q.manager()?
                    .create_job(&format!("job {made}"), JobType::Download)
                    .map(drop)
            })
            .unwrap();
        made += 1;
    }
    let seconds = began.elapsed().as_secs_f64();
    let (mut locked_polls, mut polls_skipped) = (0, 0);
    for (service, before) in services.into_iter().zip(before) {
        let after = service.stats();
        locked_polls += after.locked_polls - before.locked_polls;
        polls_skipped += after.polls_skipped - before.polls_skipped;
        service.stop().unwrap();
    }
    Side {
        creates: made as f64 / seconds,
        locked_polls,
        polls_skipped,
    }
}

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filters.is_empty()
        && !filters
            .iter()
            .any(|f| "postgres_idle/".contains(f.as_str()))
    {
        return;
    }
    let mode = BenchMode::from_args();
    let Some(pgbench_db) = TestDatabase::create("bench_idle_pgbench") else {
        return;
    };
    let Some(pgbench) = pgbench::path() else {
        println!("postgres_idle bench skipped: no pgbench");
        return;
    };
    pgbench::init(&pgbench, pgbench_db.url());
    let (window, rounds) = plan(mode);
    let runtime = Runtime::new().expect("the embedded component loads");

    // Each round measures every side once, back to back (the order turned
    // each round), and each ratio is taken within its round.
    let (mut alone, mut beside, mut floor) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        if round % 2 == 0 {
            alone.push(creates_beside(&runtime, 0, window));
            beside.push(creates_beside(&runtime, IDLE, window));
        } else {
            beside.push(creates_beside(&runtime, IDLE, window));
            alone.push(creates_beside(&runtime, 0, window));
        }
        floor.push(pgbench::tps(&pgbench, pgbench_db.url(), 1, window));
        eprintln!("round {} of {rounds} done", round + 1);
    }
    if mode.is_test() {
        println!("postgres_idle, test mode: every measurement ran once, for 1 s; nothing measured");
        return;
    }
    let creates = |sides: &[Side]| sides.iter().map(|s| s.creates).collect::<Vec<_>>();
    let shown = |values: Vec<f64>| {
        let (min, max) = range(&values);
        format!("{:.0} ({min:.0}–{max:.0})", median(values))
    };
    let ratio = |values: Vec<f64>| {
        let (min, max) = range(&values);
        format!("{:.2}× ({min:.2}–{max:.2})", median(values))
    };
    println!(
        "{rounds} rounds of {} s per side; medians, with the rounds' min–max",
        window.as_secs()
    );
    println!(
        "| side | create-job/s | / creator alone | create-job / pgbench (1 client) | \
         idle services' polls under the lock, per 1,000 creates | polls left out |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let to_alone: Vec<f64> = (0..rounds)
        .map(|r| beside[r].creates / alone[r].creates)
        .collect();
    for (name, sides) in [
        ("creator alone", &alone),
        ("creator + 3 idle services", &beside),
    ] {
        let to_floor: Vec<f64> = (0..rounds).map(|r| sides[r].creates / floor[r]).collect();
        let per_thousand: Vec<f64> = sides
            .iter()
            .map(|s| s.locked_polls as f64 * 1000.0 / (s.creates * window.as_secs_f64()))
            .collect();
        let skipped: u64 = sides.iter().map(|s| s.polls_skipped).sum();
        let to_alone = if name == "creator alone" {
            "1.00×".to_string()
        } else {
            ratio(to_alone.clone())
        };
        println!(
            "| {name} | {} | {to_alone} | {} | {:.1} | {skipped} in all |",
            shown(creates(sides)),
            ratio(to_floor),
            median(per_thousand),
        );
    }
    println!("| pgbench, 1 client | {} | | | | |", shown(floor));
}
