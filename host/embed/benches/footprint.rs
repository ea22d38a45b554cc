//! (f) and (g): what the component costs in bytes rather than time — its
//! size, the linear memory a queued job takes, and the resident memory of an
//! idle instance — printed as a Markdown table (not criterion: these are
//! counts, not timings). Runs with `cargo bench`; `cargo test --benches`
//! (CI) runs each measurement once at a small size.

#[path = "../../../tests/src/bench_mode.rs"]
mod bench_mode;

use bench_mode::BenchMode;

use bits_queue_host::{
    COMPONENT_SIZE_BUDGET, Config, EMBEDDED_COMPONENT, JobType, QueueLimits, Runtime,
};

/// Instances kept alive to measure resident memory per idle instance.
fn instances(mode: BenchMode) -> usize {
    if mode.is_test() { 10 } else { 500 }
}

/// Queue sizes over which linear memory per job is measured.
fn job_counts(mode: BenchMode) -> &'static [usize] {
    if mode.is_test() {
        &[100]
    } else {
        &[10_000, 100_000]
    }
}

/// This process's resident set in bytes (Linux), if it can be read.
fn resident_bytes() -> Option<u64> {
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").ok()?;
    let kib: u64 = rollup
        .lines()
        .find_map(|line| line.strip_prefix("Rss:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// Linear memory bytes per job: the instance's memory with `jobs` suspended
/// jobs queued, less an empty instance's, over `jobs`.
fn memory_per_job(runtime: &Runtime, jobs: usize) -> (usize, usize, f64) {
    let queue = runtime.new_queue_seeded(1).expect("an instance");
    queue
        .set_limits(QueueLimits {
            max_jobs: u32::try_from(jobs).expect("fits in u32"),
            ..QueueLimits::default()
        })
        .expect("limits raised");
    let manager = queue.manager().expect("a job manager");
    let before = queue.memory_bytes();
    for n in 0..jobs {
        manager
            .create_job(&format!("bench job {n}"), JobType::Download)
            .expect("room for the job");
    }
    let after = queue.memory_bytes();
    (before, after, (after - before) as f64 / jobs as f64)
}

/// Resident bytes per idle instance (instance made, nothing called), over
/// `count` instances alive at once. Run in a child process of its own
/// (see `main`), so memory another measurement freed cannot hide its cost.
fn resident_per_instance(pooling: bool, count: usize) -> Option<(u64, f64)> {
    let runtime =
        Runtime::with_config(Config::new().pooling(pooling)).expect("the component loads");
    // One instance first, so that what every instance shares (the code, the
    // pool's bookkeeping) is resident before measuring.
    let first = runtime.new_queue().expect("an instance");
    let before = resident_bytes()?;
    let queues: Vec<_> = (0..count)
        .map(|_| runtime.new_queue().expect("an instance"))
        .collect();
    let after = resident_bytes()?;
    drop((first, queues));
    let delta = after.saturating_sub(before);
    Some((delta, delta as f64 / count as f64))
}

/// Set in the child process that measures one allocator's resident memory.
const CHILD_ENV: &str = "BITS_QUEUE_FOOTPRINT_ALLOCATOR";

/// Measures resident memory per instance in a fresh child process (this
/// binary again, with this process's arguments and [`CHILD_ENV`] set) and
/// prints its table row.
fn resident_row(name: &str) {
    let row = std::env::current_exe()
        .and_then(|exe| {
            std::process::Command::new(exe)
                .args(std::env::args().skip(1))
                .env(CHILD_ENV, name)
                .output()
        })
        .map(|out| {
            // A child that fails is a broken bench, not a missing figure.
            assert!(
                out.status.success(),
                "the {name} allocator's child failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        });
    match row {
        Ok(row) if !row.is_empty() => println!("{row}"),
        Ok(_) => println!("| resident memory per idle instance, {name} allocator | not measured |"),
        Err(e) => println!("| resident memory per idle instance, {name} allocator | {e} |"),
    }
}

fn child(name: &str) {
    let count = instances(BenchMode::from_args());
    match resident_per_instance(name == "pooling", count) {
        Some((delta, per)) => println!(
            "| resident memory per idle instance, {name} allocator, over {count} | {:.1} KiB ({:.1} MiB in all) |",
            per / 1024.0,
            delta as f64 / (1024.0 * 1024.0)
        ),
        None => println!(
            "| resident memory per idle instance, {name} allocator | /proc/self/smaps_rollup unreadable |"
        ),
    }
}

fn main() {
    if let Ok(name) = std::env::var(CHILD_ENV) {
        return child(&name);
    }
    let mode = BenchMode::from_args();
    if mode.is_test() {
        println!("footprint, test mode: each measurement once, at a small size (not the figures)");
    }
    println!("\n## Footprint (bench `footprint`)\n");
    println!("| measure | value |");
    println!("|---|---:|");
    let size = EMBEDDED_COMPONENT.len();
    println!(
        "| component size | {size} bytes ({:.1} KiB; budget for §1–§17 ≤ {} KiB: {}) |",
        size as f64 / 1024.0,
        COMPONENT_SIZE_BUDGET / 1024,
        if size <= COMPONENT_SIZE_BUDGET {
            "held"
        } else {
            "OVER"
        }
    );

    let runtime = Runtime::with_config(Config::new().memory_limit(1 << 30).max_instances(4))
        .expect("the component loads");
    for &jobs in job_counts(mode) {
        let (before, after, per_job) = memory_per_job(&runtime, jobs);
        println!(
            "| linear memory per queued job, over {jobs} jobs | {per_job:.0} bytes ({before} → {after} bytes) |"
        );
    }

    for name in ["pooling", "default"] {
        resident_row(name);
    }
}
