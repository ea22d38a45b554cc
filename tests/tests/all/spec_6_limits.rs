//! Contract §6 (docs/contract.md) Limits: defaults, setting and reading, zero refused, too-many-jobs,
//! and lowering a limit below what is there.

use bits_queue_host::{ErrorCode, FileInfo, Job, JobState, JobType, QueueLimits};
use bits_queue_tests::{Snapshot, fresh, refusal};

fn limits(max_jobs: u32, max_files_per_job: u32) -> QueueLimits {
    QueueLimits {
        max_jobs,
        max_files_per_job,
    }
}

fn file(n: usize) -> FileInfo {
    FileInfo::new(format!("http://example.com/{n}"), format!("C:/files/{n}"))
}

#[test]
fn defaults_are_300_jobs_and_200_files_per_job() {
    let (queue, _manager) = fresh();
    assert_eq!(queue.limits().unwrap(), limits(300, 200));
    assert_eq!(QueueLimits::default(), limits(300, 200));
}

#[test]
fn set_limits_sets_what_get_limits_reads_for_this_instance_only() {
    let (queue, _manager) = fresh();
    let (other, _other_manager) = fresh();
    for l in [
        limits(1, 1),
        limits(7, 3),
        limits(u32::MAX, u32::MAX),
        limits(300, 200),
    ] {
        queue.set_limits(l).unwrap();
        assert_eq!(queue.limits().unwrap(), l);
    }
    queue.set_limits(limits(12, 34)).unwrap();
    assert_eq!(queue.limits().unwrap(), limits(12, 34));
    assert_eq!(other.limits().unwrap(), limits(300, 200));
}

#[test]
fn a_zero_limit_is_invalid_argument_and_changes_nothing() {
    let (queue, _manager) = fresh();
    queue.set_limits(limits(5, 6)).unwrap();
    for l in [
        limits(0, 6),
        limits(5, 0),
        limits(0, 0),
        limits(0, u32::MAX),
    ] {
        assert_eq!(
            refusal(queue.set_limits(l)),
            ErrorCode::InvalidArgument,
            "{l:?}"
        );
        assert_eq!(queue.limits().unwrap(), limits(5, 6));
    }
}

#[test]
fn creating_a_job_beyond_300_is_too_many_jobs() {
    let (_queue, manager) = fresh();
    let jobs: Vec<Job> = (0..300)
        .map(|i| {
            manager
                .create_job(&format!("{i}"), JobType::Download)
                .unwrap()
        })
        .collect();
    for job_type in JobType::ALL.iter().copied() {
        assert_eq!(
            refusal(manager.create_job("one more", job_type)),
            ErrorCode::TooManyJobs
        );
    }
    assert_eq!(manager.jobs().unwrap().len(), 300);
    // The limit counts jobs in the queue: one leaving makes room for one.
    jobs[0].cancel().unwrap();
    manager.create_job("room", JobType::Download).unwrap();
    assert_eq!(
        refusal(manager.create_job("full", JobType::Download)),
        ErrorCode::TooManyJobs
    );
    jobs[1].complete().unwrap();
    manager.create_job("room again", JobType::Upload).unwrap();
    assert_eq!(
        refusal(manager.create_job("full", JobType::Download)),
        ErrorCode::TooManyJobs
    );
    assert_eq!(manager.jobs().unwrap().len(), 300);
}

#[test]
fn creating_a_job_beyond_a_set_max_jobs_is_too_many_jobs() {
    let (queue, manager) = fresh();
    queue.set_limits(limits(2, 200)).unwrap();
    let _a = manager.create_job("a", JobType::Download).unwrap();
    let _b = manager.create_job("b", JobType::Download).unwrap();
    assert_eq!(
        refusal(manager.create_job("c", JobType::Download)),
        ErrorCode::TooManyJobs
    );
    // Dropping handles does not make room: the jobs are still queued.
    drop((_a, _b));
    assert_eq!(
        refusal(manager.create_job("c", JobType::Download)),
        ErrorCode::TooManyJobs
    );
    // Raising the limit does.
    queue.set_limits(limits(3, 200)).unwrap();
    manager.create_job("c", JobType::Download).unwrap();
    assert_eq!(manager.jobs().unwrap().len(), 3);
}

#[test]
fn lowering_max_jobs_below_the_queue_removes_nothing_and_refuses_new_jobs() {
    let (queue, manager) = fresh();
    let jobs: Vec<Job> = (0..5)
        .map(|i| {
            manager
                .create_job(&format!("{i}"), JobType::Download)
                .unwrap()
        })
        .collect();
    jobs[2].add_file("https://example.com/a", "/tmp/a").unwrap();
    jobs[2].resume().unwrap();
    let before: Vec<Snapshot> = jobs.iter().map(Snapshot::of).collect();

    queue.set_limits(limits(2, 200)).unwrap();
    assert_eq!(queue.limits().unwrap(), limits(2, 200));
    let listed: Vec<Snapshot> = manager.jobs().unwrap().iter().map(Snapshot::of).collect();
    assert_eq!(listed, before);
    assert_eq!(
        refusal(manager.create_job("new", JobType::Download)),
        ErrorCode::TooManyJobs
    );
    // The jobs already there keep working.
    jobs[0].set_description("still mine").unwrap();
    jobs[2].suspend().unwrap();

    // Room comes back only once the queue is under the new limit.
    jobs[0].cancel().unwrap();
    jobs[1].cancel().unwrap();
    jobs[2].complete().unwrap();
    assert_eq!(manager.jobs().unwrap().len(), 2);
    assert_eq!(
        refusal(manager.create_job("new", JobType::Download)),
        ErrorCode::TooManyJobs
    );
    jobs[3].cancel().unwrap();
    manager.create_job("new", JobType::Download).unwrap();
    assert_eq!(
        refusal(manager.create_job("newer", JobType::Download)),
        ErrorCode::TooManyJobs
    );
}

#[test]
fn lowering_max_files_per_job_below_a_job_removes_none_of_its_files() {
    let (queue, manager) = fresh();
    let job = manager.create_job("many files", JobType::Download).unwrap();
    let five: Vec<FileInfo> = (0..5).map(file).collect();
    job.add_file_set(&five).unwrap();

    queue.set_limits(limits(300, 2)).unwrap();
    assert_eq!(job.files().unwrap(), five);
    assert_eq!(job.progress().unwrap().files_total, 5);
    assert_eq!(
        refusal(job.add_file("https://example.com/6", "/tmp/6")),
        ErrorCode::TooManyFilesInJob
    );
    assert_eq!(
        refusal(job.add_file_set(&[file(6)])),
        ErrorCode::TooManyFilesInJob
    );
    assert_eq!(job.files().unwrap(), five);
    // The job itself is unaffected otherwise.
    job.resume().unwrap();
    assert_eq!(job.state().unwrap(), JobState::Queued);
    // A new job may hold up to the new limit.
    let other = manager.create_job("few files", JobType::Download).unwrap();
    other.add_file_set(&[file(0), file(1)]).unwrap();
    assert_eq!(
        refusal(other.add_file_set(&[file(2)])),
        ErrorCode::TooManyFilesInJob
    );
}
