//! Handle release: every handle the host drops is released in the guest, so
//! a long-running program that makes and drops handles does not grow the
//! instance's memory; and a `Queue` dropped while handles live leaves them
//! working.

use bits_queue_host::{JobManager, JobState, JobType, Queue};
use bits_queue_tests::{fresh, runtime};

/// One cycle: create a job, get it back by GUID, cancel it (max-jobs is 300,
/// and a cancelled job leaves the queue), drop both handles.
fn cycle(manager: &JobManager) {
    let job = manager.create_job("cycled", JobType::Download).unwrap();
    let again = manager.get_job(job.id().unwrap()).unwrap();
    again.cancel().unwrap();
}

#[test]
fn a_million_create_get_cancel_drop_cycles_do_not_grow_memory() {
    let (queue, manager) = fresh();
    // Warm-up: let the allocator reach its working size.
    for _ in 0..5_000 {
        cycle(&manager);
    }
    let warm = queue.memory_bytes();
    assert!(warm > 0, "the instance reports its memory");
    for i in 0..1_000_000 {
        cycle(&manager);
        if i % 100_000 == 0 {
            assert!(queue.memory_bytes() <= warm, "grew by cycle {i}");
        }
    }
    assert_eq!(
        queue.memory_bytes(),
        warm,
        "memory grew over a million cycles"
    );
    assert!(manager.jobs().unwrap().is_empty());
    assert!(queue.dead().is_none());
}

#[test]
fn handles_of_live_jobs_are_released_too() {
    // Jobs stay; only the handles come and go: get-job and enum-jobs on a
    // full queue, over and over.
    let (queue, manager) = fresh();
    let ids: Vec<_> = (0..300)
        .map(|i| {
            let job = manager
                .create_job(&format!("{i}"), JobType::Download)
                .unwrap();
            job.id().unwrap()
        })
        .collect();
    let round = |manager: &JobManager| {
        for id in &ids {
            drop(manager.get_job(*id).unwrap());
        }
        assert_eq!(manager.jobs().unwrap().len(), 300);
    };
    for _ in 0..20 {
        round(&manager);
    }
    let warm = queue.memory_bytes();
    for _ in 0..300 {
        round(&manager);
    }
    assert_eq!(queue.memory_bytes(), warm);
}

#[test]
fn many_manager_constructor_drop_cycles_do_not_grow_memory_or_lose_jobs() {
    let (queue, manager) = fresh();
    let kept = manager.create_job("kept", JobType::Upload).unwrap();
    let id = kept.id().unwrap();
    drop(kept);
    drop(manager);
    for _ in 0..5_000 {
        drop(queue.manager().unwrap());
    }
    let warm = queue.memory_bytes();
    for _ in 0..100_000 {
        drop(queue.manager().unwrap());
    }
    assert_eq!(queue.memory_bytes(), warm);
    let manager = queue.manager().unwrap();
    let jobs = manager.jobs().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].id().unwrap(), id);
    assert_eq!(jobs[0].state().unwrap(), JobState::Suspended);
}

#[test]
fn dropping_the_queue_leaves_its_handles_working() {
    let queue: Queue = runtime().new_queue().unwrap();
    let manager = queue.manager().unwrap();
    let job = manager
        .create_job("outlives the queue", JobType::Download)
        .unwrap();
    let id = job.id().unwrap();
    drop(queue);

    job.set_description("still here").unwrap();
    job.add_file("https://example.com/a", "/tmp/a").unwrap();
    job.resume().unwrap();
    assert_eq!(job.state().unwrap(), JobState::Queued);
    let again = manager.get_job(id).unwrap();
    assert_eq!(again.description().unwrap(), "still here");
    let second = manager
        .create_job("after the queue", JobType::Upload)
        .unwrap();
    assert_eq!(manager.jobs().unwrap().len(), 2);
    // The manager alone keeps the instance; the job handles outlive it too.
    drop(manager);
    assert_eq!(second.display_name().unwrap(), "after the queue");
    second.cancel().unwrap();
    assert_eq!(again.state().unwrap(), JobState::Queued);
}

#[test]
fn a_fresh_queue_after_many_cycles_is_unaffected() {
    // A queue's handle churn is its own: another instance starts empty and
    // at its own initial size.
    let (first, manager) = fresh();
    let initial = first.memory_bytes();
    for _ in 0..1_000 {
        cycle(&manager);
    }
    let (second, other) = fresh();
    assert!(other.jobs().unwrap().is_empty());
    assert_eq!(second.memory_bytes(), initial);
}
