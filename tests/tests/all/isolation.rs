//! Tenants: many instances side by side. The jobs of one are never visible
//! to another, and a dead instance harms no other.

use std::collections::HashSet;
use std::thread;

use bits_queue_host::{
    Config, ErrorCode, FileInfo, Guid, JobManager, JobType, Queue, Runtime, SandboxErrorKind,
};
use bits_queue_tests::{fresh, refusal, runtime};

const TENANTS: usize = 8;
const JOBS_EACH: usize = 5;

/// Each tenant's queue, manager and the GUIDs of the jobs it made.
fn tenants() -> Vec<(Queue, JobManager, Vec<Guid>)> {
    (0..TENANTS)
        .map(|t| {
            let (queue, manager) = fresh();
            let ids = (0..JOBS_EACH)
                .map(|j| {
                    let job = manager
                        .create_job(&format!("tenant {t} job {j}"), JobType::Download)
                        .expect("create-job");
                    job.id().expect("get-id")
                })
                .collect();
            (queue, manager, ids)
        })
        .collect()
}

fn listed(manager: &JobManager) -> Vec<Guid> {
    manager
        .jobs()
        .expect("enum-jobs")
        .iter()
        .map(|j| j.id().expect("get-id"))
        .collect()
}

#[test]
fn no_tenant_sees_another_tenants_jobs() {
    let tenants = tenants();
    let all: HashSet<Guid> = tenants.iter().flat_map(|(_, _, ids)| ids.clone()).collect();
    assert_eq!(
        all.len(),
        TENANTS * JOBS_EACH,
        "GUIDs are unique across tenants too"
    );
    for (t, (_, manager, own)) in tenants.iter().enumerate() {
        assert_eq!(
            &listed(manager),
            own,
            "tenant {t} lists exactly its own jobs"
        );
        for (other, (_, _, theirs)) in tenants.iter().enumerate().filter(|(o, _)| *o != t) {
            for id in theirs {
                assert_eq!(
                    refusal(manager.get_job(*id)),
                    ErrorCode::NotFound,
                    "tenant {t} looked up tenant {other}'s job {id}"
                );
            }
        }
    }
}

#[test]
fn one_tenants_changes_and_limits_stay_its_own() {
    let (queue_a, a) = fresh();
    let (queue_b, b) = fresh();
    queue_a
        .set_limits(bits_queue_host::QueueLimits {
            max_jobs: 1,
            max_files_per_job: 1,
        })
        .expect("set-limits");
    let job = a.create_job("a", JobType::Download).expect("create-job");
    job.add_file("https://example.com/a", "/a")
        .expect("add-file");
    job.cancel().expect("cancel");
    assert_eq!(queue_b.limits().expect("get-limits"), Default::default());
    for n in 0..3 {
        b.create_job(&format!("b{n}"), JobType::Download)
            .expect("tenant b is not bound by tenant a's max-jobs");
    }
    assert_eq!(listed(&b).len(), 3);
    assert!(listed(&a).is_empty());
}

/// A tenant killed by the memory limit (a caller sends more than its memory
/// holds) dies alone; its neighbours in the same runtime keep their jobs and
/// keep working, and a new tenant starts clean.
#[test]
fn a_dead_tenant_harms_no_other() {
    let runtime = Runtime::with_config(
        Config::new()
            .memory_limit(4 << 20)
            .max_argument_bytes(16 << 20),
    )
    .expect("load");
    let neighbours: Vec<(Queue, JobManager, Guid)> = (0..4)
        .map(|n| {
            let queue = runtime.new_queue().expect("instantiate");
            let manager = queue.manager().expect("constructor");
            let id = manager
                .create_job(&format!("neighbour {n}"), JobType::Upload)
                .expect("create-job")
                .id()
                .expect("get-id");
            (queue, manager, id)
        })
        .collect();

    let victim = runtime.new_queue().expect("instantiate");
    let manager = victim.manager().expect("constructor");
    let job = manager
        .create_job("victim", JobType::Download)
        .expect("create-job");
    let e = job.set_description(&"x".repeat(8 << 20)).unwrap_err();
    assert_eq!(e.sandbox_kind(), Some(SandboxErrorKind::OutOfMemory), "{e}");
    assert_eq!(
        manager.jobs().unwrap_err().sandbox_kind(),
        Some(SandboxErrorKind::Dead)
    );

    for (queue, manager, id) in &neighbours {
        assert!(queue.dead().is_none());
        let job = manager
            .get_job(*id)
            .expect("the neighbour's job is still there");
        job.add_file("https://example.com/up", "C:\\up.bin")
            .expect("add-file");
        assert_eq!(listed(manager), [*id]);
    }
    let newcomer = runtime.new_queue().expect("a fresh instance");
    let fresh_manager = newcomer.manager().expect("constructor");
    assert!(
        listed(&fresh_manager).is_empty(),
        "a new tenant starts empty"
    );
}

/// Tenants on threads at once: each sees only its own jobs, whatever the
/// others do meanwhile.
#[test]
fn tenants_on_threads_stay_apart() {
    let threads: Vec<_> = (0..TENANTS)
        .map(|t| {
            thread::spawn(move || {
                let queue = runtime().new_queue().expect("instantiate");
                let manager = queue.manager().expect("constructor");
                let mut mine = Vec::new();
                for j in 0..20 {
                    let job = manager
                        .create_job(&format!("{t}/{j}"), JobType::Download)
                        .expect("create-job");
                    job.add_file_set(&[FileInfo::new("file:///x", "/x")])
                        .expect("add-file-set");
                    if j % 3 == 0 {
                        job.cancel().expect("cancel");
                    } else {
                        mine.push(job.id().expect("get-id"));
                    }
                }
                assert_eq!(listed(&manager), mine, "tenant {t}");
                mine
            })
        })
        .collect();
    let mut seen = HashSet::new();
    for thread in threads {
        for id in thread.join().expect("tenant thread") {
            assert!(seen.insert(id), "{id} issued to two tenants");
        }
    }
}
