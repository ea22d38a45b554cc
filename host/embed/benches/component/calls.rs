//! (c) One call host→guest through the typed API, on a seeded instance with
//! the default configuration. Every handle a call returns is dropped inside
//! the timing, and dropping a handle is one more call into the guest (it
//! releases the guest's resource): `get_job_hit` is two guest calls,
//! `enum_jobs_N` is 1 + N, as a user of the API pays them.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bits_queue_host::{ErrorCode, JobType, Runtime};
use criterion::Criterion;

use crate::floor::{self, Floor};
use crate::support::{LOCAL, MISSING, REMOTE, SEED, filled, limits_for};

/// Jobs one instance takes before `create_drop` moves to a fresh one (the
/// jobs stay queued after their handles are dropped).
const CREATE_BATCH: u64 = 1_000;

pub fn bench(c: &mut Criterion) {
    let runtime = Runtime::new().expect("the embedded component loads");
    let mut g = c.benchmark_group("call");

    let floor = Floor::new();
    let (mut floor_store, hresult) = floor.hresult();
    g.bench_function("wasmtime_floor", |b| {
        b.iter(|| {
            hresult
                .call(&mut floor_store, (black_box(floor::ErrorCode::NotFound),))
                .expect("hresult")
        })
    });

    let (mut floor_store, get_id, floor_job) = floor.get_id();
    g.bench_function("wasmtime_floor_get_id", |b| {
        b.iter(|| {
            get_id
                .call(&mut floor_store, (black_box(floor_job),))
                .expect("get-id")
        })
    });

    let queue = runtime.new_queue_seeded(SEED).expect("an instance");
    let manager = queue.manager().expect("a job manager");
    g.bench_function("no_op", |b| {
        b.iter(|| {
            queue
                .hresult(black_box(ErrorCode::NotFound))
                .expect("hresult")
        })
    });

    let job = manager
        .create_job("bench job", JobType::Download)
        .expect("a job");
    let id = job.id().expect("an id");
    g.bench_function("get_id", |b| b.iter(|| job.id().expect("an id")));
    g.bench_function("get_job_hit", |b| {
        b.iter(|| manager.get_job(black_box(id)).expect("found"))
    });
    g.bench_function("get_job_miss", |b| {
        b.iter(|| manager.get_job(black_box(MISSING)).expect_err("not found"))
    });

    g.bench_function("create_drop", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(CREATE_BATCH);
                let queue = runtime.new_queue_seeded(SEED).expect("an instance");
                queue
                    .set_limits(limits_for(CREATE_BATCH as usize))
                    .expect("limits");
                let manager = queue.manager().expect("a job manager");
                let start = Instant::now();
                for _ in 0..n {
                    drop(
                        manager
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
        let queue = filled(&runtime, jobs);
        g.bench_function(format!("enum_jobs_{jobs}"), |b| {
            b.iter(|| queue.manager.jobs().expect("the jobs"))
        });
    }

    g.bench_function("job_life", |b| {
        b.iter(|| {
            let job = manager
                .create_job(black_box("bench job"), JobType::Download)
                .expect("a job");
            job.add_file(REMOTE, LOCAL).expect("a file");
            job.resume().expect("queued");
            job.cancel().expect("cancelled");
        })
    });
    g.finish();
}
