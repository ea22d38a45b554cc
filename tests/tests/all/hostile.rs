//! Hostile components through the host API: each misbehaving call ends on
//! its own as a clear error of the right kind within the bound, the process
//! lives, the dead instance answers `Dead` from then on, a fresh instance is
//! one call away, and an instance of the real component keeps working.

use std::time::{Duration, Instant};

use bits_queue_host::{
    Config, Error, JobType, Queue, Result, Runtime, SandboxError, SandboxErrorKind,
};
use bits_queue_hostile::Hostile;
use bits_queue_tests::fresh;

/// Every hostile call must end within this, with the default limits (1 s
/// per call): a bound that turns a hang into a failure, thirty times what
/// the slowest of them needs, so no machine load makes it fail. Not a
/// performance target.
const BOUND: Duration = Duration::from_secs(30);

/// The hostile components use Rust's std, so they need full WASI (with
/// nothing granted); every limit stays at its default.
fn load(hostile: Hostile) -> Runtime {
    Runtime::from_file(hostile.path(), Config::new().full_wasi(true))
        .unwrap_or_else(|e| panic!("{hostile:?} loads with full WASI: {e}"))
}

/// Drives `queue` up to and including its one hostile call, the way a
/// client would, and returns that call's outcome.
fn hostile_call(queue: &Queue) -> Result<()> {
    let manager = queue.manager()?;
    let job = manager.create_job("victim", JobType::Download)?;
    job.display_name()?;
    job.files().map(drop)
}

/// What each hostile call must end as.
fn expected_kind(hostile: Hostile) -> SandboxErrorKind {
    match hostile {
        Hostile::ConstructorLoop | Hostile::MethodLoop => SandboxErrorKind::TimedOut,
        Hostile::GrowMemory | Hostile::HugeGetter => SandboxErrorKind::OutOfMemory,
        // wasmtime's hostcall fuel, bounded by the memory limit.
        Hostile::Panic | Hostile::AliasList => SandboxErrorKind::Trap,
    }
}

fn sandbox_error(result: Result<()>) -> SandboxError {
    match result {
        Err(Error::Sandbox(e)) => e,
        Err(Error::Queue(code)) => panic!("expected a sandbox failure, the queue refused: {code}"),
        Err(Error::Call(call)) => panic!("expected a sandbox failure, the queue refused: {call}"),
        Ok(()) => panic!("expected a sandbox failure, the call succeeded"),
    }
}

/// The full story for one hostile component.
fn holds_against(hostile: Hostile) {
    // An instance of the real component, alive before the attack.
    let (bystander_queue, bystander) = fresh();
    let kept = bystander
        .create_job("bystander", JobType::Upload)
        .expect("create-job on the real component");

    let runtime = load(hostile);
    let queue = runtime
        .new_queue()
        .expect("instantiate the hostile component");
    let started = Instant::now();
    let failure = sandbox_error(hostile_call(&queue));
    let elapsed = started.elapsed();

    assert_eq!(
        failure.kind(),
        expected_kind(hostile),
        "{hostile:?}: {failure}"
    );
    assert!(elapsed < BOUND, "{hostile:?} took {elapsed:?}");
    assert!(failure.kills_instance());
    // Plain words, not wasmtime's internals.
    assert!(!failure.message().contains("wasm backtrace"), "{failure}");

    // The dead instance says so, plainly, on every later call.
    assert_eq!(queue.dead().map(|e| e.kind()), Some(expected_kind(hostile)));
    for later in [
        queue.limits().map(drop),
        queue.hresult(bits_queue_host::ErrorCode::Empty).map(drop),
        queue.manager().map(drop),
    ] {
        let dead = sandbox_error(later);
        assert_eq!(dead.kind(), SandboxErrorKind::Dead, "{dead}");
        assert!(dead.message().contains("new_queue"), "{dead}");
    }

    // A fresh instance of the same component is one call away and answers.
    let again = runtime.new_queue().expect("a fresh instance");
    assert_eq!(again.limits().expect("get-limits").max_jobs, 300);

    // The real component's instance never noticed.
    assert_eq!(kept.display_name().expect("getter"), "bystander");
    let later = bystander
        .create_job("after", JobType::Download)
        .expect("create-job");
    let ids: Vec<_> = bystander
        .jobs()
        .expect("enum-jobs")
        .iter()
        .map(|j| j.id().expect("get-id"))
        .collect();
    assert_eq!(ids, [kept.id().unwrap(), later.id().unwrap()]);
    assert!(bystander_queue.dead().is_none());
}

#[test]
fn a_constructor_that_never_returns_times_out() {
    holds_against(Hostile::ConstructorLoop);
}

#[test]
fn a_method_that_never_returns_times_out() {
    holds_against(Hostile::MethodLoop);
}

#[test]
fn a_method_that_grows_memory_without_bound_runs_out_of_memory() {
    holds_against(Hostile::GrowMemory);
}

#[test]
fn a_method_that_panics_traps() {
    holds_against(Hostile::Panic);
}

#[test]
fn a_getter_that_returns_hundreds_of_megabytes_runs_out_of_memory() {
    holds_against(Hostile::HugeGetter);
}

/// The guest stays within its memory, but its result would make the host
/// copy hundreds of megabytes: refused as it is lifted.
#[test]
fn a_getter_that_returns_hundreds_of_aliased_megabytes_traps() {
    holds_against(Hostile::AliasList);
}

/// The time limit is settable: a shorter call timeout ends the endless
/// method sooner. Neither ends before its limit (the deadline is never
/// early), and the short one (50 ms) ends before the long one (2 s): a
/// 40-fold margin, which no scheduling delay closes.
#[test]
fn a_shorter_timeout_ends_the_endless_method_sooner() {
    let endless = |timeout: Duration| {
        let runtime = Runtime::from_file(
            Hostile::MethodLoop.path(),
            Config::new().full_wasi(true).call_timeout(timeout),
        )
        .expect("loads");
        let queue = runtime.new_queue().expect("instantiate");
        let manager = queue.manager().expect("constructor");
        let started = Instant::now();
        let e = manager.create_job("x", JobType::Download).unwrap_err();
        let took = started.elapsed();
        assert_eq!(e.sandbox_kind(), Some(SandboxErrorKind::TimedOut), "{e}");
        assert!(
            took >= timeout,
            "ended after {took:?}, before its {timeout:?}"
        );
        took
    };
    let short = endless(Duration::from_millis(50));
    let long = endless(Duration::from_secs(2));
    assert!(short < long, "50 ms took {short:?}, 2 s took {long:?}");
}

/// Every hostile component at once, side by side with the real one, on
/// threads: each ends as its own error, none harms another.
#[test]
fn hostile_components_side_by_side_harm_no_one() {
    let threads: Vec<_> = Hostile::ALL
        .into_iter()
        .map(|hostile| {
            std::thread::spawn(move || {
                let runtime = load(hostile);
                let queue = runtime.new_queue().expect("instantiate");
                let kind = sandbox_error(hostile_call(&queue)).kind();
                (hostile, kind)
            })
        })
        .collect();
    let (_queue, manager) = fresh();
    let job = manager
        .create_job("meanwhile", JobType::Download)
        .expect("create-job");
    for thread in threads {
        let (hostile, kind) = thread.join().expect("no panic escapes the sandbox");
        assert_eq!(kind, expected_kind(hostile), "{hostile:?}");
    }
    assert_eq!(job.display_name().expect("getter"), "meanwhile");
}
