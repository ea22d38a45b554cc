//! (e) The native baseline: the component's own queue logic (the
//! `bits-queue-logic` crate) compiled for this machine, doing what each
//! `call` and `growth` benchmark does, under the same names. GUIDs come from
//! the crate's deterministic SplitMix64 stream. The handles here are `Rc`
//! clones, so "dropping a handle" costs what it costs natively.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bits_queue_logic::JobType;
use bits_queue_logic::QueueLimits as Limits;
use bits_queue_logic::queue::QueueState;
use bits_queue_logic::random::SplitMix64;
use bits_queue_logic::{ErrorCode, Guid};
use criterion::Criterion;

use crate::support::{GROWTH_SIZES, LOCAL, LOOKUP_SPREAD, MISSING, REMOTE, SEED, job_name};

/// Jobs one queue takes before `create_drop` moves to a fresh one, as in
/// the component benchmark.
const CREATE_BATCH: u64 = 1_000;

fn queue_with_room(jobs: usize) -> QueueState {
    let queue = QueueState::new(SplitMix64::new(SEED));
    queue
        .set_limits(Limits {
            max_jobs: u32::try_from(jobs + 1_000).expect("benchmark sizes fit in u32"),
            ..Limits::default()
        })
        .expect("limits raised");
    queue
}

/// A queue of `jobs` jobs and up to [`LOOKUP_SPREAD`] of their GUIDs, spread
/// evenly, as `support::filled` makes for the component.
fn filled(jobs: usize) -> (QueueState, Vec<Guid>) {
    let queue = queue_with_room(jobs);
    let step = jobs.div_ceil(LOOKUP_SPREAD).max(1);
    let mut ids = Vec::new();
    for n in 0..jobs {
        let job = queue
            .create_job(job_name(n), JobType::Download)
            .expect("room for the job");
        if n % step == 0 {
            ids.push(job.id());
        }
    }
    (queue, ids)
}

pub fn bench(c: &mut Criterion) {
    let missing = Guid::from(uuid::Uuid::from(MISSING));
    let mut g = c.benchmark_group("native");
    g.bench_function("no_op", |b| {
        b.iter(|| black_box(ErrorCode::NotFound).hresult())
    });

    let queue = queue_with_room(0);
    let job = queue
        .create_job("bench job", JobType::Download)
        .expect("a job");
    let id = job.id();
    g.bench_function("get_id", |b| b.iter(|| black_box(&job).id()));
    g.bench_function("get_job_hit", |b| {
        b.iter(|| queue.get_job(black_box(&id)).expect("found"))
    });
    g.bench_function("get_job_miss", |b| {
        b.iter(|| queue.get_job(black_box(&missing)).expect_err("not found"))
    });
    g.bench_function("create_drop", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(CREATE_BATCH);
                let queue = queue_with_room(CREATE_BATCH as usize);
                let start = Instant::now();
                for _ in 0..n {
                    drop(
                        queue
                            .create_job(black_box("bench job"), JobType::Download)
                            .expect("room for the job"),
                    );
                }
                total += start.elapsed();
                left -= n;
            }
            total
        })
    });
    for jobs in [10, 300] {
        let (queue, _) = filled(jobs);
        g.bench_function(format!("enum_jobs_{jobs}"), |b| b.iter(|| queue.jobs()));
    }
    g.bench_function("job_life", |b| {
        b.iter(|| {
            let job = queue
                .create_job(black_box("bench job"), JobType::Download)
                .expect("a job");
            job.add_file(REMOTE, LOCAL).expect("a file");
            job.resume().expect("queued");
            job.cancel().expect("cancelled");
        })
    });
    g.finish();

    let mut g = c.benchmark_group("native_growth");
    for jobs in GROWTH_SIZES {
        let (queue, ids) = filled(jobs);
        g.bench_function(format!("get_job_{jobs}"), |b| {
            let mut next = 0;
            b.iter(|| {
                next = (next + 1) % ids.len();
                queue.get_job(black_box(&ids[next])).expect("found")
            })
        });
        g.bench_function(format!("create_cancel_{jobs}"), |b| {
            b.iter(|| {
                let job = queue
                    .create_job(black_box("bench job"), JobType::Download)
                    .expect("room for the job");
                job.cancel().expect("cancelled");
            })
        });
    }
    g.finish();
}
