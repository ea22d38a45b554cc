//! (d) Calls as the queue grows: get-job (hit, cycling over GUIDs spread
//! through the queue) and create-job with 10, 1,000 and 100,000 jobs already
//! queued. Each created job is cancelled in the same iteration, so the queue
//! keeps its size: `create_cancel_N` is two guest calls plus the handle's
//! release.

use std::hint::black_box;

use bits_queue_host::JobType;
use criterion::Criterion;

use crate::support::{GROWTH_SIZES, filled, large_runtime};

pub fn bench(c: &mut Criterion) {
    let runtime = large_runtime();
    let mut g = c.benchmark_group("growth");
    for jobs in GROWTH_SIZES {
        let queue = filled(&runtime, jobs);
        g.bench_function(format!("get_job_{jobs}"), |b| {
            b.iter(|| queue.next_lookup())
        });
        g.bench_function(format!("create_cancel_{jobs}"), |b| {
            b.iter(|| {
                let job = queue
                    .manager
                    .create_job(black_box("bench job"), JobType::Download)
                    .expect("room for the job");
                job.cancel().expect("cancelled");
            })
        });
    }
    g.finish();
}
