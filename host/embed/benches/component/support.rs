//! What the benchmark groups share: where criterion writes its results, the
//! configurations measured, and queues filled with a known number of jobs.

use std::cell::Cell;
use std::hint::black_box;
use std::path::PathBuf;

use bits_queue_host::{Config, Guid, Job, JobManager, JobType, QueueLimits, Runtime};

/// The seed of every measured queue: the same GUIDs on every run.
pub const SEED: u64 = 0xB175;

/// The queue sizes of the growth benchmarks.
pub const GROWTH_SIZES: [usize; 3] = [10, 1_000, 100_000];

/// How many distinct GUIDs a lookup benchmark cycles through, spread evenly
/// over the queue, so a large queue's lookups are not all cache hits.
pub const LOOKUP_SPREAD: usize = 1024;

/// Where criterion keeps its results, resolved as criterion does:
/// `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else the
/// workspace's `target/criterion`. Set on criterion explicitly so the ratio
/// table reads the very files this run wrote.
pub fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/criterion")
}

/// A runtime whose instances may hold the largest growth queue: the default
/// 64 MiB of linear memory is too little for 100,000 jobs.
pub fn large_runtime() -> Runtime {
    let config = Config::new().memory_limit(1 << 30).max_instances(16);
    Runtime::with_config(config).expect("the embedded component loads")
}

/// Limits that let a queue hold `jobs` jobs and a few more.
pub fn limits_for(jobs: usize) -> QueueLimits {
    QueueLimits {
        max_jobs: u32::try_from(jobs + 1_000).expect("benchmark sizes fit in u32"),
        ..QueueLimits::default()
    }
}

/// A seeded instance holding `jobs` suspended jobs, with the GUIDs of up to
/// [`LOOKUP_SPREAD`] of them, spread evenly over the queue.
pub struct Filled {
    /// Keeps the instance alive, as every handle does.
    pub manager: JobManager,
    sample_ids: Vec<Guid>,
    /// The sampled GUID [`Filled::next_lookup`] looks up next.
    next: Cell<usize>,
}

impl Filled {
    /// Looks up the sampled jobs in turn, one per call: a lookup benchmark's
    /// iteration, the same in the growth group and the paired ratios.
    pub fn next_lookup(&self) -> Job {
        let n = self.next.get();
        self.next.set((n + 1) % self.sample_ids.len());
        let id = black_box(self.sample_ids[n]);
        self.manager.get_job(id).expect("a sampled job is queued")
    }
}

pub fn filled(runtime: &Runtime, jobs: usize) -> Filled {
    let queue = runtime.new_queue_seeded(SEED).expect("an instance");
    queue.set_limits(limits_for(jobs)).expect("limits raised");
    let manager = queue.manager().expect("a job manager");
    let step = jobs.div_ceil(LOOKUP_SPREAD).max(1);
    let mut sample_ids = Vec::new();
    for n in 0..jobs {
        let job: Job = manager
            .create_job(&job_name(n), JobType::Download)
            .expect("room for the job");
        if n % step == 0 {
            sample_ids.push(job.id().expect("an id"));
        }
    }
    Filled {
        manager,
        sample_ids,
        next: Cell::new(0),
    }
}

/// The display name of the `n`th job of a benchmark (the same natively).
pub fn job_name(n: usize) -> String {
    format!("bench job {n}")
}

/// A GUID no queue holds: version 4 bits set, so only the lookup misses.
pub const MISSING: Guid = Guid {
    data1: 0x0123_4567,
    data2: 0x89AB,
    data3: 0x4CDE,
    data4: [0x80, 1, 2, 3, 4, 5, 6, 7],
};

/// The file every job life adds.
pub const REMOTE: &str = "https://example.com/files/archive.tar";
pub const LOCAL: &str = "/var/cache/bits/archive.tar";
