//! Components built for older versions of the contract keep working with
//! this host: the fixture is the component as first built for contract
//! §1–§7 alone (tests/fixtures/README.md says how), kept byte for byte.

use std::path::Path;

use bits_queue_host::{Config, ErrorCode, JobState, JobType, Runtime, SandboxErrorKind};

fn fixture() -> Runtime {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bits-queue-0.1.0-base.wasm");
    Runtime::from_file(&path, Config::new()).expect("the §1–§7 component loads")
}

#[test]
fn the_host_runs_the_component_built_for_sections_1_to_7() {
    let runtime = fixture();
    assert!(
        runtime
            .imports()
            .iter()
            .all(|name| name.starts_with("wasi:random/random@0.2")),
        "{:?}",
        runtime.imports()
    );
    let queue = runtime.new_queue_seeded(7).expect("instantiate");
    let manager = queue.manager().expect("manager");
    let job = manager
        .create_job("old build", JobType::Download)
        .expect("create");
    assert_eq!(job.state().unwrap(), JobState::Suspended);
    assert_eq!(job.resume().unwrap_err().code(), Some(ErrorCode::Empty));
    job.add_file("https://example.com/a", "/tmp/a").unwrap();
    job.resume().unwrap();
    let again = manager.get_job(job.id().unwrap()).unwrap();
    assert_eq!(again.state().unwrap(), JobState::Queued);
    assert_eq!(queue.hresult(ErrorCode::NotFound).unwrap(), 0x8020_0001);
    job.cancel().unwrap();
    assert!(manager.jobs().unwrap().is_empty());
}

/// The host finds at load which of the later additions the old component
/// lacks (all of them: the engine and the new job methods), runs the rest,
/// and a caller who needs a missing one gets an error naming it, while the
/// instance goes on working.
#[test]
fn the_old_component_lacks_the_additions_and_says_which() {
    let runtime = fixture();
    let missing = runtime.missing_exports();
    for function in [
        "bits:queue/engine@0.1.0#poll",
        "bits:queue/engine@0.1.0#report-progress",
        "bits:queue/manager@0.1.0#[method]job.get-times",
        "bits:queue/manager@0.1.0#[method]job.set-notify-flags",
    ] {
        assert!(
            missing.iter().any(|m| m == function),
            "{function} in {missing:?}"
        );
    }
    assert!(
        !missing.iter().any(|m| m.contains("create-job")),
        "the first release's functions are all there: {missing:?}"
    );

    let queue = runtime.new_queue().expect("instantiate");
    let e = queue.poll().unwrap_err();
    assert_eq!(e.sandbox_kind(), Some(SandboxErrorKind::NotExported), "{e}");
    assert!(
        e.to_string()
            .contains("`poll` of `bits:queue/engine@0.1.0`"),
        "{e}"
    );
    let job = queue
        .manager()
        .unwrap()
        .create_job("old", JobType::Download)
        .unwrap();
    let e = job.times().unwrap_err();
    assert_eq!(e.sandbox_kind(), Some(SandboxErrorKind::NotExported), "{e}");
    assert!(e.to_string().contains("get-times"), "{e}");
    assert!(!e.sandbox().unwrap().kills_instance());
    // The instance goes on working.
    assert!(queue.dead().is_none());
    assert_eq!(job.state().unwrap(), JobState::Suspended);
}

/// The embedded component has every function of the contract.
#[test]
fn the_embedded_component_lacks_nothing() {
    assert_eq!(
        Runtime::new().unwrap().missing_exports(),
        Vec::<String>::new()
    );
}
