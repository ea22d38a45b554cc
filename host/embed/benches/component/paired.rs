//! The target ratios measured in pairs: numerator and denominator timed in
//! alternating rounds, one ratio per round, and the median of those ratios.
//!
//! Criterion times one benchmark after another, seconds apart; on a shared
//! VM the machine's speed drifts by tens of percent within seconds (get-job
//! at 100,000 / at 10 jobs, timed in alternating rounds of 30,000 calls in
//! one process, read from 0.64× to 2.09× around a median of 1.1×), so a
//! ratio of two criterion medians carries that drift. Rounds of
//! the two sides taken back to back see the same machine, and the median
//! over many rounds drops the rounds a neighbour disturbed. Both kinds of
//! ratio are reported (ratios.rs); the paired one is the better estimate.

use std::hint::black_box;
use std::time::Instant;

use bits_queue_host::{ErrorCode, JobType, Runtime};

use crate::bench_mode::BenchMode;
use crate::floor::{self, Floor};
use crate::support::{SEED, filled, large_runtime};

/// One paired ratio: its median over the rounds and the rounds' min–max.
pub struct Paired {
    pub what: &'static str,
    pub median: f64,
    pub low: f64,
    pub high: f64,
    pub rounds: usize,
    pub target: Option<f64>,
}

/// How much each pair measures.
#[derive(Clone, Copy)]
pub struct Plan {
    /// Rounds per ratio: an odd number, so the median is one round's ratio.
    rounds: usize,
    /// Calls per side in each round.
    calls: u32,
    /// Instances made and dropped per side in each round of the
    /// instantiation pair (each takes microseconds, not nanoseconds).
    instances: u32,
}

impl Plan {
    /// The plan for `mode`: in test mode one round of a few calls, to see
    /// that every pair works (its ratio means nothing).
    pub fn for_mode(mode: BenchMode) -> Plan {
        let rounds = match mode {
            BenchMode::Test => 1,
            BenchMode::Quick => 41,
            BenchMode::Full => 201,
        };
        let (calls, instances) = if mode.is_test() {
            (10, 2)
        } else {
            (20_000, 2_000)
        };
        Plan {
            rounds,
            calls,
            instances,
        }
    }
}

/// Times `calls` calls of `f`, in nanoseconds per call.
fn per_call(calls: u32, f: &mut impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..calls {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(calls)
}

/// Alternates rounds of `num` and `den` (the plan's calls each), starting
/// with either in turn.
fn pair(
    what: &'static str,
    target: Option<f64>,
    plan: Plan,
    num: impl FnMut(),
    den: impl FnMut(),
) -> Paired {
    pair_of(plan.calls, what, target, plan.rounds, num, den)
}

/// [`pair`] with `calls` per side in each round.
fn pair_of(
    calls: u32,
    what: &'static str,
    target: Option<f64>,
    rounds: usize,
    mut num: impl FnMut(),
    mut den: impl FnMut(),
) -> Paired {
    alternate(
        what,
        target,
        rounds,
        || per_call(calls, &mut num),
        || per_call(calls, &mut den),
    )
}

/// Alternates `rounds` rounds of `num` and `den`, each timing one side's
/// round, starting with either in turn; one ratio per round.
fn alternate(
    what: &'static str,
    target: Option<f64>,
    rounds: usize,
    mut num: impl FnMut() -> f64,
    mut den: impl FnMut() -> f64,
) -> Paired {
    // Warm both sides up first.
    num();
    den();
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|round| {
            if round % 2 == 0 {
                let n = num();
                n / den()
            } else {
                let d = den();
                num() / d
            }
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    Paired {
        what,
        median: ratios[ratios.len() / 2],
        low: ratios[0],
        high: ratios[ratios.len() - 1],
        rounds: ratios.len(),
        target,
    }
}

/// Times the making of `instances` instances by `make`, in nanoseconds per
/// instance: made in batches kept alive until the batch ends, so dropping
/// them is not timed (as the criterion group `instantiate/` does).
fn per_instance<T>(instances: u32, make: &mut impl FnMut() -> T) -> f64 {
    let total = crate::instantiate::time_creation(u64::from(instances), make);
    total.as_nanos() as f64 / f64::from(instances)
}

/// Alternates rounds of instance creation by `num` and `den` (the plan's
/// instances each), starting with either in turn; creation alone is timed.
fn pair_made<A, B>(
    what: &'static str,
    target: Option<f64>,
    plan: Plan,
    mut num: impl FnMut() -> A,
    mut den: impl FnMut() -> B,
) -> Paired {
    let n = plan.instances;
    alternate(
        what,
        target,
        plan.rounds,
        || per_instance(n, &mut num),
        || per_instance(n, &mut den),
    )
}

/// The free arguments: criterion's filters (as in `cargo bench -- call/`).
fn filters() -> Vec<String> {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect()
}

/// Whether this run should measure every pair: always, unless a filter
/// names something else.
fn all_wanted() -> bool {
    let filters = filters();
    filters.is_empty() || filters.iter().any(|f| "paired/".contains(f.as_str()))
}

/// Whether this run should measure the instantiation pairs: with every
/// pair, and when a filter names the `instantiate/` group (as in
/// `.ci/bench --quick instantiat`), whose criterion figures drift too far
/// apart to compare on their own.
fn instantiation_wanted() -> bool {
    all_wanted()
        || filters().iter().any(|f| {
            "instantiate/".contains(f.as_str()) || "paired/instantiation".contains(f.as_str())
        })
}

/// Whether this run measures any pair.
pub fn wanted() -> bool {
    instantiation_wanted()
}

pub fn measure(plan: Plan) -> Vec<Paired> {
    eprintln!(
        "paired ratios: {} alternating rounds of {} calls ({} instances) per side",
        plan.rounds, plan.calls, plan.instances
    );
    let mut out = Vec::new();
    if all_wanted() {
        every_call_pair(plan, &mut out);
    }
    instantiation_pairs(plan, &mut out);
    out
}

/// Goal 6's instantiation, paired: the host's pooled `Runtime::new_queue`
/// (OS entropy, as a user's) against wasmtime's bare floor, and against the
/// sandboxed floor (the bare floor plus the store set-up every sandboxing
/// embedder must do: memory limiter, hostcall fuel, an epoch deadline that
/// traps); and the sandboxed floor against the bare one, which says how much
/// of the gap no embedder can close. Creation alone is timed, as in the
/// criterion group, so a figure here reads against `instantiate/pooling`.
fn instantiation_pairs(plan: Plan, out: &mut Vec<Paired>) {
    let runtime = Runtime::new().expect("the embedded component loads");
    let floor = Floor::new();
    out.push(pair_made(
        "instantiation: pooled Runtime::new_queue / wasmtime's bare floor",
        Some(1.05),
        plan,
        || runtime.new_queue().expect("an instance"),
        || floor.instantiate(),
    ));
    out.push(pair_made(
        "instantiation: wasmtime's sandboxed floor / bare floor",
        None,
        plan,
        || floor.instantiate_sandboxed(),
        || floor.instantiate(),
    ));
    out.push(pair_made(
        "instantiation: pooled Runtime::new_queue / wasmtime's sandboxed floor",
        Some(1.05),
        plan,
        || runtime.new_queue().expect("an instance"),
        || floor.instantiate_sandboxed(),
    ));
}

/// The pairs of calls, and the bindings' instance life.
fn every_call_pair(plan: Plan, out: &mut Vec<Paired>) {
    let runtime = Runtime::new().expect("the embedded component loads");
    let queue = runtime.new_queue_seeded(SEED).expect("an instance");
    let manager = queue.manager().expect("a job manager");
    let job = manager
        .create_job("bench job", JobType::Download)
        .expect("a job");
    out.push(pair(
        "get-id / no-op call",
        Some(1.5),
        plan,
        || {
            black_box(job.id().expect("an id"));
        },
        || {
            black_box(
                queue
                    .hresult(black_box(ErrorCode::NotFound))
                    .expect("hresult"),
            );
        },
    ));

    let floor = Floor::new();
    let (mut hresult_store, hresult) = floor.hresult();
    let (mut get_id_store, get_id, floor_job) = floor.get_id();
    out.push(pair(
        "wasmtime's floor: get-id / no-op call",
        None,
        plan,
        || {
            black_box(
                get_id
                    .call(&mut get_id_store, (black_box(floor_job),))
                    .expect("get-id"),
            );
        },
        || {
            black_box(
                hresult
                    .call(&mut hresult_store, (black_box(floor::ErrorCode::NotFound),))
                    .expect("hresult"),
            );
        },
    ));

    // The host's bindings: `bindgen!`'s (every export looked up and
    // type-checked per instance, then called through the kept `Func`)
    // against the table generated from the WIT (checked once per runtime,
    // found by index on each call). Instances live their whole life (made
    // and dropped) in each call, as a user's do.
    out.push(pair_of(
        plan.instances,
        "instantiation: bindgen!'s QueuePre / checked-once table",
        None,
        plan.rounds,
        || drop(black_box(floor.instantiate_typed())),
        || drop(black_box(floor.instantiate())),
    ));
    let (mut table_store, table_instance, table_get_id, table_job) = floor.get_id_table();
    let (mut bindgen_store, bindgen_queue, bindgen_job) = floor.get_id_bindgen();
    out.push(pair(
        "get-id: checked-once table / bindgen!'s kept Func",
        None,
        plan,
        || {
            let func = table_instance
                .get_func(&mut table_store, table_get_id)
                .expect("get-id");
            // SAFETY: the contract's `get-id` type, as the host's table
            // checks once per runtime (host/embed/src/exports.rs).
            let typed = unsafe { floor::GetId::new_unchecked(func) };
            black_box(
                typed
                    .call(&mut table_store, (black_box(table_job),))
                    .expect("get-id"),
            );
        },
        || {
            black_box(
                bindgen_queue
                    .bits_queue_manager()
                    .job()
                    .call_get_id(&mut bindgen_store, black_box(bindgen_job))
                    .expect("get-id"),
            );
        },
    ));

    let large = large_runtime();
    let small = filled(&large, 10);
    let big = filled(&large, 100_000);
    out.push(pair(
        "get-job at 100,000 / at 10 jobs",
        Some(1.2),
        plan,
        || {
            black_box(big.next_lookup());
        },
        || {
            black_box(small.next_lookup());
        },
    ));
}
