//! Queue errors and sandbox errors are kept apart: a refusal is
//! `Error::Queue(code)` with its HRESULT and Windows name; a failure to load,
//! an oversized argument, or a guest that runs out of memory or time is
//! `Error::Sandbox` of the matching kind — and only the failures during a
//! call kill the instance.

use std::time::Duration;

use bits_queue_host::{
    Config, Error, ErrorCode, FileInfo, Guid, JobType, QueueLimits, Runtime, SandboxError,
    SandboxErrorKind,
};
use bits_queue_hostile::Hostile;
use bits_queue_tests::{Snapshot, fresh, runtime, units};

/// The sandbox failure of a result that must be one.
#[track_caller]
fn sandbox<T>(result: bits_queue_host::Result<T>) -> SandboxError {
    match result {
        Err(Error::Sandbox(e)) => e,
        Err(Error::Queue(code)) => panic!("expected a sandbox failure, the queue refused: {code}"),
        Err(Error::Call(call)) => panic!("expected a sandbox failure, the queue refused: {call}"),
        Ok(_) => panic!("expected a sandbox failure, the call succeeded"),
    }
}

#[test]
fn a_refusal_is_a_queue_error_with_its_hresult_and_windows_name() {
    let (queue, manager) = fresh();
    let err = manager.get_job(Guid::NIL).expect_err("not-found");
    assert_eq!(err, Error::Queue(ErrorCode::NotFound));
    assert_eq!(err.code(), Some(ErrorCode::NotFound));
    assert_eq!(err.sandbox_kind(), None);
    assert!(err.sandbox().is_none());
    let text = err.to_string();
    assert!(text.contains("BG_E_NOT_FOUND"), "{text}");
    assert!(text.contains("0x80200001"), "{text}");
    // A refusal leaves the instance alive.
    assert!(queue.dead().is_none());
    manager.create_job("after", JobType::Download).unwrap();

    // Every code's Display names it and gives its HRESULT as the component
    // reports it.
    for code in ErrorCode::ALL {
        let text = Error::Queue(code).to_string();
        let hresult = queue.hresult(code).unwrap();
        assert!(text.contains(code.windows_name()), "{text}");
        assert!(text.contains(&format!("0x{hresult:08X}")), "{text}");
    }
}

#[test]
fn garbage_bytes_are_a_load_error() {
    let err = Runtime::from_bytes(b"this is not wasm at all", Config::new())
        .err()
        .expect("garbage must not load");
    assert_eq!(err.sandbox_kind(), Some(SandboxErrorKind::Load));
    assert_eq!(err.code(), None);
    assert!(
        err.to_string().starts_with("cannot load the component"),
        "{err}"
    );
    assert!(!err.sandbox().unwrap().kills_instance());
    // Empty input too.
    let err = Runtime::from_bytes(b"", Config::new())
        .err()
        .expect("empty");
    assert_eq!(err.sandbox_kind(), Some(SandboxErrorKind::Load));
}

#[test]
fn a_missing_file_is_a_load_error_naming_the_path() {
    let path = std::env::temp_dir().join("bits-queue-tests-no-such-component.wasm");
    let err = Runtime::from_file(&path, Config::new())
        .err()
        .expect("a missing file must not load");
    assert_eq!(err.sandbox_kind(), Some(SandboxErrorKind::Load));
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

#[test]
fn a_core_module_is_not_a_component_and_is_a_load_error() {
    // The smallest valid core module: magic, version 1, no sections.
    let core_module = b"\0asm\x01\0\0\0";
    let err = Runtime::from_bytes(core_module, Config::new())
        .err()
        .expect("a core module must not load");
    assert_eq!(err.sandbox_kind(), Some(SandboxErrorKind::Load));
}

#[test]
fn a_component_without_the_contract_is_a_load_error() {
    // The smallest valid component: magic, version 0x0d, layer 1, no sections.
    let empty_component = b"\0asm\x0d\0\x01\0";
    let err = Runtime::from_bytes(empty_component, Config::new())
        .err()
        .expect("an empty component must not load");
    assert_eq!(err.sandbox_kind(), Some(SandboxErrorKind::Load));
    assert!(err.to_string().contains("bits:queue"), "{err}");
}

#[test]
fn an_oversized_argument_is_refused_before_the_guest_and_harms_nothing() {
    const LIMIT: usize = 4096;
    let small =
        Runtime::with_config(Config::new().max_argument_bytes(LIMIT).max_instances(2)).unwrap();
    let queue = small.new_queue().unwrap();
    let manager = queue.manager().unwrap();
    let job = manager.create_job("intact", JobType::Download).unwrap();
    job.add_file("https://example.com/a", "/tmp/a").unwrap();
    let before = Snapshot::of(&job);

    let big = units("a", LIMIT + 1);
    let half = units("b", LIMIT / 2 + 1);
    let refusals = [
        sandbox(manager.create_job(&big, JobType::Download)),
        sandbox(job.set_display_name(&big)),
        sandbox(job.set_description(&big)),
        sandbox(job.add_file(&half, &half)),
        sandbox(job.add_file_set(&vec![FileInfo::new("https://e.com/x", "/x"); 200])),
        sandbox(queue.parse_guid(&big)),
    ];
    for e in &refusals {
        assert_eq!(e.kind(), SandboxErrorKind::ArgumentTooLarge, "{e}");
        assert!(!e.kills_instance());
    }
    // The instance is alive and its jobs are as they were.
    assert!(queue.dead().is_none());
    assert_eq!(Snapshot::of(&job), before);
    assert_eq!(manager.jobs().unwrap().len(), 1);
    // Arguments at the limit still reach the guest (and get its answer).
    let at = units("a", LIMIT);
    assert_eq!(
        job.set_description(&at),
        Err(Error::Queue(ErrorCode::StringTooLong))
    );
    job.set_description("fine").unwrap();
}

#[test]
fn an_oversized_argument_under_the_default_config_is_refused_too() {
    let (queue, manager) = fresh();
    let job = manager.create_job("intact", JobType::Download).unwrap();
    let two_mib = units("x", 2 << 20);
    let e = sandbox(job.set_description(&two_mib));
    assert_eq!(e.kind(), SandboxErrorKind::ArgumentTooLarge);
    assert!(queue.dead().is_none());
    assert_eq!(job.description().unwrap(), "");
}

#[test]
fn running_out_of_memory_kills_the_instance_and_a_fresh_one_works() {
    // The component's initial memory, and a limit a few pages above it.
    let initial = runtime().new_queue().unwrap().memory_bytes();
    assert!(initial > 0);
    let limited = Runtime::with_config(
        Config::new()
            .memory_limit(initial + 4 * 65_536)
            .max_instances(2),
    )
    .unwrap();
    let queue = limited.new_queue().unwrap();
    let manager = queue.manager().unwrap();

    // Long strings, kept by the queue, until memory runs out: 300 jobs of
    // 200 files of 2,460 bytes would need ~150 MB, far over the limit.
    let remote = format!("https://example.com/{}", units("r", 2200 - 20));
    let local = format!("/{}", units("l", 259));
    let mut jobs = Vec::new();
    let failure = 'fill: {
        for _ in 0..300 {
            match manager.create_job(&units("n", 256), JobType::Download) {
                Ok(job) => jobs.push(job),
                Err(e) => break 'fill e,
            };
            for _ in 0..200 {
                if let Err(e) = jobs[jobs.len() - 1].add_file(&remote, &local) {
                    break 'fill e;
                }
            }
        }
        panic!("memory never ran out");
    };
    assert_eq!(
        failure.sandbox_kind(),
        Some(SandboxErrorKind::OutOfMemory),
        "{failure}"
    );
    assert_eq!(failure.code(), None);
    assert!(failure.sandbox().unwrap().kills_instance());
    assert_eq!(
        queue.dead().map(|e| e.kind()),
        Some(SandboxErrorKind::OutOfMemory)
    );

    // Every later call on that instance is `Dead`, naming the cause.
    let dead = [
        sandbox(queue.limits()),
        sandbox(queue.hresult(ErrorCode::Empty)),
        sandbox(queue.manager()),
        sandbox(manager.jobs()),
        sandbox(manager.create_job("x", JobType::Download)),
        sandbox(jobs[0].state()),
        sandbox(jobs[0].cancel()),
    ];
    for e in &dead {
        assert_eq!(e.kind(), SandboxErrorKind::Dead, "{e}");
        assert!(e.message().contains("ran out of memory"), "{e}");
    }
    drop(jobs);
    drop(manager);

    // A fresh instance of the same runtime works.
    let fresh_queue = limited.new_queue().unwrap();
    let fresh_manager = fresh_queue.manager().unwrap();
    let job = fresh_manager
        .create_job("after", JobType::Download)
        .unwrap();
    job.add_file("https://example.com/a", "/tmp/a").unwrap();
    assert!(fresh_queue.dead().is_none());
}

#[test]
fn a_call_past_the_deadline_times_out_and_kills_the_instance() {
    // A call that never returns, whatever the machine's speed: the hostile
    // component's `create-job` loops until the deadline ends it (50 ms, five
    // 10 ms ticks). Everything else in that component is honest.
    let timed = Runtime::from_file(
        Hostile::MethodLoop.path(),
        Config::new()
            .full_wasi(true)
            .call_timeout(Duration::from_millis(50))
            .max_instances(2),
    )
    .unwrap();
    let queue = timed.new_queue().unwrap();
    let manager = queue.manager().unwrap();
    let e = sandbox(manager.create_job("endless", JobType::Download));
    assert_eq!(e.kind(), SandboxErrorKind::TimedOut, "{e}");
    assert!(e.kills_instance());
    assert_eq!(
        queue.dead().map(|d| d.kind()),
        Some(SandboxErrorKind::TimedOut)
    );
    let later = sandbox(queue.limits());
    assert_eq!(later.kind(), SandboxErrorKind::Dead);
    assert!(later.message().contains("timed out"), "{later}");
    // A fresh instance of the same runtime works.
    let fresh_queue = timed.new_queue().unwrap();
    assert_eq!(fresh_queue.limits().unwrap(), QueueLimits::default());
    fresh_queue.manager().expect("a working instance");
}

#[test]
fn one_instance_too_many_is_an_instance_limit_error() {
    let two = Runtime::with_config(Config::new().max_instances(2)).unwrap();
    let a = two.new_queue().unwrap();
    let b = two.new_queue().unwrap();
    let e = sandbox(two.new_queue());
    assert_eq!(e.kind(), SandboxErrorKind::InstanceLimit);
    assert!(!e.kills_instance());
    // The two that run are unharmed, and a slot frees when one ends.
    assert!(a.dead().is_none() && b.dead().is_none());
    a.manager()
        .unwrap()
        .create_job("a", JobType::Download)
        .unwrap();
    drop(a);
    let c = two.new_queue().unwrap();
    c.manager().expect("a working instance");
}
