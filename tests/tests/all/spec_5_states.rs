//! Contract §5 (docs/contract.md) States: every transition the contract lets a host reach without a
//! network (`queued`, `suspended`, `cancelled`, `acknowledged`), the final
//! states, the order of checks, and "a call that fails changes nothing".
//!
//! `connecting`, `transferring`, `transferred`, `error` and `transient-error`
//! are entered only by the transfer engine, which this component does not
//! run, so no call through the contract reaches them.

use bits_queue_host::{
    ErrorCode, FileInfo, Job, JobManager, JobPriority, JobState, JobType, QueueLimits,
};
use bits_queue_tests::{Snapshot, fresh, refusal, units};

fn with_file(manager: &JobManager, job_type: JobType) -> Job {
    let job = manager.create_job("job", job_type).unwrap();
    job.add_file("https://example.com/a", "/tmp/a").unwrap();
    job
}

#[test]
fn new_jobs_are_suspended() {
    let (_queue, manager) = fresh();
    for job_type in JobType::ALL.iter().copied() {
        let job = manager.create_job("new", job_type).unwrap();
        assert_eq!(job.state().unwrap(), JobState::Suspended, "{job_type}");
    }
}

#[test]
fn resume_without_files_is_empty_and_leaves_the_state() {
    let (_queue, manager) = fresh();
    for job_type in JobType::ALL.iter().copied() {
        let job = manager.create_job("empty", job_type).unwrap();
        let before = Snapshot::of(&job);
        assert_eq!(refusal(job.resume()), ErrorCode::Empty, "{job_type}");
        assert_eq!(Snapshot::of(&job), before);
        assert_eq!(job.state().unwrap(), JobState::Suspended);
    }
}

#[test]
fn resume_from_suspended_queues_the_job() {
    let (_queue, manager) = fresh();
    for job_type in JobType::ALL.iter().copied() {
        let job = with_file(&manager, job_type);
        job.resume().unwrap();
        assert_eq!(job.state().unwrap(), JobState::Queued, "{job_type}");
    }
}

#[test]
fn resume_on_a_queued_job_is_ok_and_leaves_it_queued() {
    let (_queue, manager) = fresh();
    let job = with_file(&manager, JobType::Download);
    job.resume().unwrap();
    let before = Snapshot::of(&job);
    job.resume().unwrap();
    job.resume().unwrap();
    assert_eq!(Snapshot::of(&job), before);
    assert_eq!(job.state().unwrap(), JobState::Queued);
}

#[test]
fn suspend_moves_to_suspended_and_is_ok_when_already_suspended() {
    let (_queue, manager) = fresh();
    let job = with_file(&manager, JobType::Upload);
    // Already suspended (a new job): ok, unchanged.
    let before = Snapshot::of(&job);
    job.suspend().unwrap();
    assert_eq!(Snapshot::of(&job), before);
    // Even without files.
    let empty = manager.create_job("empty", JobType::Download).unwrap();
    empty.suspend().unwrap();
    assert_eq!(empty.state().unwrap(), JobState::Suspended);
    // queued → suspended → queued → suspended.
    for _ in 0..3 {
        job.resume().unwrap();
        assert_eq!(job.state().unwrap(), JobState::Queued);
        job.suspend().unwrap();
        assert_eq!(job.state().unwrap(), JobState::Suspended);
    }
}

#[test]
fn cancel_from_any_reachable_state_cancels_and_the_job_leaves() {
    let (_queue, manager) = fresh();
    for job_type in JobType::ALL.iter().copied() {
        let suspended = manager.create_job("s", job_type).unwrap();
        let queued = with_file(&manager, job_type);
        queued.resume().unwrap();
        for job in [&suspended, &queued] {
            let id = job.id().unwrap();
            job.cancel().unwrap();
            assert_eq!(job.state().unwrap(), JobState::Cancelled);
            assert_eq!(refusal(manager.get_job(id)), ErrorCode::NotFound);
        }
    }
    assert!(manager.jobs().unwrap().is_empty());
}

#[test]
fn complete_acknowledges_a_download_job_in_any_reachable_state() {
    let (_queue, manager) = fresh();
    let no_files = manager.create_job("no files", JobType::Download).unwrap();
    let suspended = with_file(&manager, JobType::Download);
    let queued = with_file(&manager, JobType::Download);
    queued.resume().unwrap();
    for job in [&no_files, &suspended, &queued] {
        let id = job.id().unwrap();
        job.complete().unwrap();
        assert_eq!(job.state().unwrap(), JobState::Acknowledged);
        assert_eq!(refusal(manager.get_job(id)), ErrorCode::NotFound);
    }
    assert!(manager.jobs().unwrap().is_empty());
}

#[test]
fn complete_on_an_upload_job_that_is_not_transferred_is_invalid_state() {
    let (_queue, manager) = fresh();
    for job_type in [JobType::Upload, JobType::UploadReply] {
        let empty = manager.create_job("empty", job_type).unwrap();
        let suspended = with_file(&manager, job_type);
        let queued = with_file(&manager, job_type);
        queued.resume().unwrap();
        for job in [&empty, &suspended, &queued] {
            let before = Snapshot::of(job);
            assert_eq!(
                refusal(job.complete()),
                ErrorCode::InvalidState,
                "{job_type}"
            );
            assert_eq!(Snapshot::of(job), before);
            // Still in the queue, still usable.
            assert_eq!(manager.get_job(before.id).unwrap().id().unwrap(), before.id);
            job.set_priority(JobPriority::High).unwrap();
        }
        // And it can still be cancelled.
        queued.cancel().unwrap();
        assert_eq!(queued.state().unwrap(), JobState::Cancelled);
    }
}

/// Every call on a job in a final state gives `invalid-state`, and the job
/// stays in that state.
fn assert_final(job: &Job, state: JobState) {
    let before = Snapshot::of(job);
    assert_eq!(before.state, state);
    assert_eq!(refusal(job.resume()), ErrorCode::InvalidState);
    assert_eq!(refusal(job.suspend()), ErrorCode::InvalidState);
    assert_eq!(refusal(job.cancel()), ErrorCode::InvalidState);
    assert_eq!(refusal(job.complete()), ErrorCode::InvalidState);
    assert_eq!(refusal(job.set_display_name("x")), ErrorCode::InvalidState);
    assert_eq!(refusal(job.set_description("x")), ErrorCode::InvalidState);
    assert_eq!(
        refusal(job.set_priority(JobPriority::Low)),
        ErrorCode::InvalidState
    );
    assert_eq!(
        refusal(job.add_file("https://example.com/b", "/tmp/b")),
        ErrorCode::InvalidState
    );
    assert_eq!(
        refusal(job.add_file_set(&[FileInfo::new("https://example.com/c", "/tmp/c")])),
        ErrorCode::InvalidState
    );
    assert_eq!(Snapshot::of(job), before, "a job left its final state");
}

#[test]
fn a_cancelled_job_never_leaves_cancelled() {
    let (_queue, manager) = fresh();
    for job_type in JobType::ALL.iter().copied() {
        let suspended = with_file(&manager, job_type);
        suspended.cancel().unwrap();
        assert_final(&suspended, JobState::Cancelled);
        let queued = with_file(&manager, job_type);
        queued.resume().unwrap();
        queued.cancel().unwrap();
        assert_final(&queued, JobState::Cancelled);
        // Resume, the call that would re-queue it, in particular — even
        // though the job has a file waiting.
        assert_eq!(refusal(queued.resume()), ErrorCode::InvalidState);
        assert_eq!(queued.state().unwrap(), JobState::Cancelled);
    }
}

#[test]
fn an_acknowledged_job_never_leaves_acknowledged() {
    let (_queue, manager) = fresh();
    let suspended = with_file(&manager, JobType::Download);
    suspended.complete().unwrap();
    assert_final(&suspended, JobState::Acknowledged);
    let queued = with_file(&manager, JobType::Download);
    queued.resume().unwrap();
    queued.complete().unwrap();
    assert_final(&queued, JobState::Acknowledged);
}

/// On a job in a final state, a call with a bad argument is refused for the
/// state, not the argument: the final-state check runs first.
#[test]
fn final_state_is_checked_before_arguments() {
    let (_queue, manager) = fresh();
    let cancelled = manager.create_job("c", JobType::Download).unwrap();
    cancelled.cancel().unwrap();
    let acknowledged = manager.create_job("a", JobType::Download).unwrap();
    acknowledged.complete().unwrap();
    let long_name = units("n", 257);
    let long_description = units("d", 1025);
    for job in [&cancelled, &acknowledged] {
        let before = Snapshot::of(job);
        assert_eq!(
            refusal(job.set_display_name(&long_name)),
            ErrorCode::InvalidState
        );
        assert_eq!(
            refusal(job.set_description(&long_description)),
            ErrorCode::InvalidState
        );
        assert_eq!(
            refusal(job.add_file("ftp://bad", "relative")),
            ErrorCode::InvalidState
        );
        assert_eq!(
            refusal(job.add_file("https://example.com/a", "/tmp/*")),
            ErrorCode::InvalidState
        );
        assert_eq!(
            refusal(job.add_file_set(&[FileInfo::new("bad", "bad")])),
            ErrorCode::InvalidState
        );
        assert_eq!(Snapshot::of(job), before);
    }
}

/// Argument validation runs before the rest (the one-file rule of upload
/// jobs, max-files-per-job, max-jobs).
#[test]
fn arguments_are_checked_before_the_rest() {
    let (queue, manager) = fresh();
    // An upload job that already holds its one file.
    let up = with_file(&manager, JobType::Upload);
    assert_eq!(
        refusal(up.add_file("ftp://bad", "/tmp/x")),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        refusal(up.add_file("https://example.com/x", "x")),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        refusal(up.add_file_set(&[FileInfo::new("https://example.com/x", "/tmp/?")])),
        ErrorCode::InvalidArgument
    );
    // An empty upload job given two files, one of them invalid.
    let empty_up = manager.create_job("up", JobType::UploadReply).unwrap();
    assert_eq!(
        refusal(empty_up.add_file_set(&[
            FileInfo::new("https://example.com/1", "/tmp/1"),
            FileInfo::new("https://example.com/2", "2"),
        ])),
        ErrorCode::InvalidArgument
    );
    // A download job at max-files-per-job.
    queue
        .set_limits(QueueLimits {
            max_jobs: 300,
            max_files_per_job: 1,
        })
        .unwrap();
    let full = with_file(&manager, JobType::Download);
    assert_eq!(
        refusal(full.add_file("mailto:x", "/tmp/x")),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        refusal(full.add_file("https://example.com/x", "/tmp/x")),
        ErrorCode::TooManyFilesInJob
    );
    // A queue at max-jobs: an overlong name is still an invalid argument.
    let jobs = manager.jobs().unwrap().len() as u32;
    queue
        .set_limits(QueueLimits {
            max_jobs: jobs,
            max_files_per_job: 1,
        })
        .unwrap();
    assert_eq!(
        refusal(manager.create_job(&units("n", 257), JobType::Download)),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        refusal(manager.create_job("fine", JobType::Download)),
        ErrorCode::TooManyJobs
    );
}

#[test]
fn a_call_that_fails_changes_nothing() {
    let (queue, manager) = fresh();
    let job = with_file(&manager, JobType::Upload);
    job.set_display_name("named").unwrap();
    job.set_description("described").unwrap();
    job.set_priority(JobPriority::Foreground).unwrap();
    let before = Snapshot::of(&job);
    let refused: Vec<(&str, ErrorCode)> = vec![
        (
            "set-display-name",
            refusal(job.set_display_name(&units("😀", 258))),
        ),
        (
            "set-description",
            refusal(job.set_description(&units("é", 1025))),
        ),
        (
            "add-file one too many",
            refusal(job.add_file("https://example.com/2", "/tmp/2")),
        ),
        (
            "add-file invalid",
            refusal(job.add_file("https://example.com/2", "rel")),
        ),
        (
            "add-file-set",
            refusal(job.add_file_set(&[
                FileInfo::new("https://example.com/2", "/tmp/2"),
                FileInfo::new("https://example.com/3", "/tmp/3"),
            ])),
        ),
        ("complete", refusal(job.complete())),
    ];
    assert_eq!(
        refused.iter().map(|(_, c)| *c).collect::<Vec<_>>(),
        [
            ErrorCode::StringTooLong,
            ErrorCode::StringTooLong,
            ErrorCode::TooManyFiles,
            ErrorCode::InvalidArgument,
            ErrorCode::TooManyFiles,
            ErrorCode::InvalidState,
        ]
    );
    assert_eq!(Snapshot::of(&job), before);
    // Nor does a refused create-job or set-limits change the queue.
    let limits = queue.limits().unwrap();
    assert_eq!(
        refusal(queue.set_limits(QueueLimits {
            max_jobs: 0,
            max_files_per_job: 5
        })),
        ErrorCode::InvalidArgument
    );
    assert_eq!(queue.limits().unwrap(), limits);
    assert_eq!(
        refusal(manager.create_job(&units("a", 300), JobType::Download)),
        ErrorCode::InvalidArgument
    );
    assert_eq!(manager.jobs().unwrap().len(), 1);
}
