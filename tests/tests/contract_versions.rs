//! Components built for older versions of the contract keep working with
//! this host: the fixture is the component as first built for contract
//! §1–§7 alone (tests/fixtures/README.md says how), kept byte for byte.

use std::path::Path;

use bits_queue_host::{Config, ErrorCode, JobState, JobType, Runtime};

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
