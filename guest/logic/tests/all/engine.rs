//! The engine's rules (docs/contract.md §9, §10, §12), natively, with a
//! clock the tests set: no test waits for a delay to pass.

use bits_queue_contract::{
    Action, Datetime, FileMove, FileRef, Guid, JobErrorContext, NotifyEvent, TransferFailure,
    TransferOrder, notify_flags,
};
use bits_queue_logic::clock::ManualClock;
use bits_queue_logic::queue::{JobRef, QueueState};
use bits_queue_logic::random::SplitMix64;
use bits_queue_logic::{ErrorCode, JobPriority, JobState, JobType};

const T0: Datetime = Datetime::from_seconds(1_700_000_000);

fn queue() -> (QueueState, ManualClock) {
    let clock = ManualClock::at(T0);
    (
        QueueState::with_clock(SplitMix64::new(7), clock.clone()),
        clock,
    )
}

/// A resumed download job of `files` files under /data/NAME/.
fn job(queue: &QueueState, name: &str, files: usize, priority: JobPriority) -> JobRef {
    let job = queue.create_job(name, JobType::Download).unwrap();
    for i in 0..files {
        job.add_file(
            format!("https://example.com/{name}/{i}"),
            format!("/data/{name}/{i}.bin"),
        )
        .unwrap();
    }
    job.set_priority(priority).unwrap();
    job.resume().unwrap();
    job
}

fn starts(actions: &[Action]) -> Vec<TransferOrder> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Start(order) => Some(order.clone()),
            _ => None,
        })
        .collect()
}

/// The files the actions stop.
pub(crate) fn stops(actions: &[Action]) -> Vec<FileRef> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Stop(file) => Some(*file),
            _ => None,
        })
        .collect()
}

fn notices(actions: &[Action], event: NotifyEvent) -> Vec<Guid> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Notify(id, e) if *e == event => Some(*id),
            _ => None,
        })
        .collect()
}

fn file(job: &JobRef, index: u32) -> FileRef {
    FileRef {
        job: job.id(),
        file_index: index,
    }
}

/// Polls and returns the one start order, which must be for `job`.
fn start_of(queue: &QueueState, job: &JobRef) -> TransferOrder {
    let actions = queue.poll();
    let started = starts(&actions);
    assert_eq!(started.len(), 1, "{actions:?}");
    assert_eq!(started[0].file.job, job.id());
    started[0].clone()
}

/// §10: a whole transfer: the order, the states, the times, the notice.
#[test]
fn a_transfer_from_start_to_transferred() {
    let (queue, clock) = queue();
    let job = job(&queue, "one", 2, JobPriority::Normal);
    let order = start_of(&queue, &job);
    assert_eq!(order.file, file(&job, 0));
    assert_eq!(order.job_type, JobType::Download);
    assert_eq!(order.remote_name, "https://example.com/one/0");
    assert_eq!(order.local_name, "/data/one/0.bin");
    let temporary = order.temporary_name.strip_prefix("/data/one/BIT").unwrap();
    assert!(
        temporary.ends_with(".tmp") && temporary.len() == 12,
        "{temporary}"
    );
    assert_eq!((order.offset, order.size, order.validator), (0, None, None));
    assert_eq!(job.state(), JobState::Connecting);
    assert!(
        queue.poll().iter().all(|a| !matches!(a, Action::Start(_))),
        "one start"
    );

    clock.advance(5);
    queue
        .report_connected(order.file, Some(1000), Some("\"v1\"".into()))
        .unwrap();
    assert_eq!(job.state(), JobState::Transferring);
    queue.report_progress(order.file, 400).unwrap();
    assert_eq!(job.progress().bytes_transferred, 400);
    assert_eq!(job.times().modification, T0.plus_seconds(5));
    queue.report_done(order.file).unwrap();
    assert_eq!(job.state(), JobState::Queued, "on to file 1");

    let second = start_of(&queue, &job);
    assert_eq!(second.file, file(&job, 1));
    assert_ne!(second.temporary_name, order.temporary_name);
    clock.advance(5);
    queue.report_connected(second.file, None, None).unwrap();
    queue.report_progress(second.file, 24).unwrap();
    queue.report_done(second.file).unwrap();
    assert_eq!(job.state(), JobState::Transferred);
    let times = job.times();
    assert_eq!(times.creation, T0);
    assert_eq!(times.transfer_completion, Some(T0.plus_seconds(10)));
    let progress = job.progress();
    assert_eq!(
        (
            progress.bytes_total,
            progress.bytes_transferred,
            progress.files_transferred
        ),
        (1024, 1024, 2)
    );
    // Default flags (0x3): transferred notifies, modifications do not.
    let actions = queue.poll();
    assert_eq!(notices(&actions, NotifyEvent::Transferred), [job.id()]);
    assert!(notices(&actions, NotifyEvent::Modification).is_empty());
}

/// §10: every row of the failure table, end to end: the state, the error
/// (HRESULT, context, file) and the notice.
#[test]
fn every_failure_ends_as_the_table_says() {
    use JobErrorContext::*;
    let rows: [(TransferFailure, JobState, u32, JobErrorContext); 10] = [
        (
            TransferFailure::HttpStatus(404),
            JobState::Error,
            0x8019_0194,
            RemoteFile,
        ),
        (
            TransferFailure::HttpStatus(403),
            JobState::Error,
            0x8019_0193,
            RemoteFile,
        ),
        (
            TransferFailure::HttpStatus(503),
            JobState::TransientError,
            0x8019_01F7,
            RemoteFile,
        ),
        (
            TransferFailure::HttpStatus(408),
            JobState::TransientError,
            0x8019_0198,
            RemoteFile,
        ),
        (
            TransferFailure::ConnectFailed("refused".into()),
            JobState::TransientError,
            0x8020_002D,
            GeneralTransport,
        ),
        (
            TransferFailure::Interrupted("reset".into()),
            JobState::TransientError,
            0x8020_002E,
            GeneralTransport,
        ),
        (
            TransferFailure::RangeUnsupported,
            JobState::Error,
            0x8020_0013,
            RemoteFile,
        ),
        (
            TransferFailure::SizeUnknown,
            JobState::Error,
            0x8020_0011,
            RemoteFile,
        ),
        (
            TransferFailure::RemoteMissing,
            JobState::Error,
            0x8007_0002,
            RemoteFile,
        ),
        (
            TransferFailure::LocalIo("read-only".into()),
            JobState::Error,
            0x8007_0005,
            LocalFile,
        ),
    ];
    let mut rows = rows.to_vec();
    // §15.10 amendment 1: a 429 without Retry-After is transient, not
    // among §10's fatal 410–499.
    rows.push((
        TransferFailure::HttpStatus(429),
        JobState::TransientError,
        0x8019_01AD,
        RemoteFile,
    ));
    rows.push((
        TransferFailure::Unsupported("upload".into()),
        JobState::Error,
        0x8000_4001,
        GeneralTransport,
    ));
    for (failure, state, hresult, context) in rows {
        let (queue, _) = queue();
        let job = job(&queue, "failing", 2, JobPriority::Normal);
        let order = start_of(&queue, &job);
        queue.report_failure(order.file, &failure).unwrap();
        assert_eq!(job.state(), state, "{failure:?}");
        let error = job.error().expect("an error in error or transient-error");
        assert_eq!(
            (error.hresult, error.context),
            (hresult, context),
            "{failure:?}"
        );
        assert_eq!(error.file_index, Some(0));
        assert!(!error.description.is_empty());
        let actions = queue.poll();
        let expected: &[Guid] = if state == JobState::Error {
            &[job.id()]
        } else {
            &[]
        };
        assert_eq!(
            notices(&actions, NotifyEvent::Error),
            expected,
            "{failure:?}"
        );
        assert!(
            starts(&actions).is_empty(),
            "no start while it waits or failed"
        );
    }
}

/// §9, §10: a transient failure is retried `minimum-retry-delay` after it,
/// and not before; a delay under 5 seconds becomes 5.
#[test]
fn retry_comes_at_the_minimum_retry_delay() {
    let (queue, clock) = queue();
    let job = job(&queue, "retry", 1, JobPriority::Normal);
    assert_eq!(job.minimum_retry_delay(), 600, "the default");
    job.set_minimum_retry_delay(60).unwrap();
    let order = start_of(&queue, &job);
    queue
        .report_failure(order.file, &TransferFailure::ConnectFailed("down".into()))
        .unwrap();
    assert_eq!(job.state(), JobState::TransientError);
    assert_eq!(queue.next_wake(), Some(T0.plus_seconds(60)));
    clock.advance(59);
    assert!(starts(&queue.poll()).is_empty(), "not before the delay");
    assert_eq!(job.state(), JobState::TransientError);
    clock.advance(1);
    let again = start_of(&queue, &job);
    assert_eq!(again.file, order.file);
    assert!(
        job.error().is_none(),
        "no error outside error and transient-error"
    );

    job.set_minimum_retry_delay(2).unwrap();
    assert_eq!(job.minimum_retry_delay(), 5);
    job.set_minimum_retry_delay(0).unwrap();
    assert_eq!(job.minimum_retry_delay(), 5);
}

/// §9, §10: the no-progress deadline runs from the first transient error,
/// through retries, and ends the job in `error` when it passes; a byte
/// that arrives resets it.
#[test]
fn the_no_progress_timeout_runs_from_the_first_transient_error() {
    let (queue, clock) = queue();
    let job = job(&queue, "stalled", 1, JobPriority::Normal);
    job.set_minimum_retry_delay(30).unwrap();
    job.set_no_progress_timeout(100).unwrap();
    let interrupted = TransferFailure::Interrupted("reset".into());

    let order = start_of(&queue, &job);
    queue.report_failure(order.file, &interrupted).unwrap(); // t0: deadline t0+100
    clock.advance(30);
    let order = start_of(&queue, &job); // t0+30
    queue.report_failure(order.file, &interrupted).unwrap();
    assert_eq!(job.state(), JobState::TransientError);
    assert_eq!(queue.next_wake(), Some(T0.plus_seconds(60)), "the retry");
    clock.advance(30);
    let order = start_of(&queue, &job); // t0+60, connecting
    assert_eq!(
        queue.next_wake(),
        Some(T0.plus_seconds(100)),
        "the deadline"
    );
    clock.advance(40);
    let actions = queue.poll(); // t0+100: the deadline passes while connecting
    assert_eq!(job.state(), JobState::Error);
    assert_eq!(stops(&actions), [order.file], "its transfer stops");
    assert_eq!(notices(&actions, NotifyEvent::Error), [job.id()]);
    assert_eq!(
        job.error().unwrap().hresult,
        0x8020_002E,
        "the last error stays"
    );
    assert_eq!(queue.next_wake(), None, "nothing waits on the clock");

    // Progress resets the deadline.
    let (queue, clock) = self::queue();
    let job = self::job(&queue, "progressing", 1, JobPriority::Normal);
    job.set_minimum_retry_delay(30).unwrap();
    job.set_no_progress_timeout(100).unwrap();
    let order = start_of(&queue, &job);
    queue.report_failure(order.file, &interrupted).unwrap(); // t0
    clock.advance(90);
    let order = start_of(&queue, &job);
    queue.report_connected(order.file, None, None).unwrap();
    queue.report_progress(order.file, 10).unwrap(); // a byte: no deadline
    queue.report_failure(order.file, &interrupted).unwrap(); // t0+90: new deadline t0+190
    clock.advance(60);
    let order = start_of(&queue, &job); // t0+150, past the old deadline
    assert_eq!(job.state(), JobState::Connecting);
    assert_eq!(order.offset, 10, "progress kept");
}

/// §9, §10: a no-progress timeout of 0, or one below the retry delay,
/// makes the first transient error fatal.
#[test]
fn a_timeout_of_zero_or_below_the_delay_is_fatal_at_once() {
    for (timeout, delay) in [(0, 600), (59, 60)] {
        let (queue, _) = queue();
        let job = job(&queue, "fatal", 1, JobPriority::Normal);
        job.set_no_progress_timeout(timeout).unwrap();
        job.set_minimum_retry_delay(delay).unwrap();
        let order = start_of(&queue, &job);
        queue
            .report_failure(order.file, &TransferFailure::HttpStatus(503))
            .unwrap();
        assert_eq!(
            job.state(),
            JobState::Error,
            "timeout {timeout}, delay {delay}"
        );
        assert_eq!(notices(&queue.poll(), NotifyEvent::Error), [job.id()]);
        assert_eq!(queue.next_wake(), None);
    }
    // Equal is not below: a retry.
    let (queue, _) = queue();
    let job = job(&queue, "retried", 1, JobPriority::Normal);
    job.set_no_progress_timeout(60).unwrap();
    job.set_minimum_retry_delay(60).unwrap();
    let order = start_of(&queue, &job);
    queue
        .report_failure(order.file, &TransferFailure::HttpStatus(503))
        .unwrap();
    assert_eq!(job.state(), JobState::TransientError);
}

/// §10: every foreground job runs at once and takes no slot; background
/// jobs share the slots, high before normal before low.
#[test]
fn foreground_jobs_run_at_once_and_background_ones_by_priority() {
    let (queue, _) = queue();
    let low = job(&queue, "low", 1, JobPriority::Low);
    let normal = job(&queue, "normal", 1, JobPriority::Normal);
    let high = job(&queue, "high", 1, JobPriority::High);
    let fg1 = job(&queue, "fg1", 1, JobPriority::Foreground);
    let fg2 = job(&queue, "fg2", 1, JobPriority::Foreground);
    let started: Vec<Guid> = starts(&queue.poll()).iter().map(|o| o.file.job).collect();
    assert_eq!(
        started,
        [fg1.id(), fg2.id(), high.id()],
        "one background slot"
    );
    assert_eq!(normal.state(), JobState::Queued);
    assert_eq!(low.state(), JobState::Queued);

    queue.set_background_slots(2).unwrap();
    let started: Vec<Guid> = starts(&queue.poll()).iter().map(|o| o.file.job).collect();
    assert_eq!(started, [normal.id()]);
    assert_eq!(
        queue.set_background_slots(0),
        Err(ErrorCode::InvalidArgument)
    );

    // When high finishes, low gets its slot.
    let high_file = file(&high, 0);
    queue.report_connected(high_file, Some(1), None).unwrap();
    queue.report_done(high_file).unwrap();
    let started: Vec<Guid> = starts(&queue.poll()).iter().map(|o| o.file.job).collect();
    assert_eq!(started, [low.id()]);
}

/// §10: among equals the job that ran least recently goes first; one that
/// never ran counts as least recent, and among those creation order.
#[test]
fn equals_run_least_recently_run_first() {
    let (queue, clock) = queue();
    let a = job(&queue, "a", 2, JobPriority::Normal);
    let b = job(&queue, "b", 2, JobPriority::Normal);
    let first = start_of(&queue, &a);
    clock.advance(1);
    queue.report_connected(first.file, Some(1), None).unwrap();
    queue.report_done(first.file).unwrap();
    // a ran, b never did: b first, though a was created first.
    let second = start_of(&queue, &b);
    clock.advance(1);
    queue.report_connected(second.file, Some(1), None).unwrap();
    queue.report_done(second.file).unwrap();
    // Both ran; a ran longer ago.
    let third = start_of(&queue, &a);
    assert_eq!(third.file, file(&a, 1));
}

/// §10: a higher-priority job that finds the slot busy pre-empts the lower
/// one with `stop`; the stopped one is queued again and keeps its progress.
#[test]
fn a_higher_priority_job_pre_empts_and_progress_is_kept() {
    let (queue, _) = queue();
    let normal = job(&queue, "normal", 1, JobPriority::Normal);
    let order = start_of(&queue, &normal);
    queue.report_connected(order.file, Some(100), None).unwrap();
    queue.report_progress(order.file, 40).unwrap();

    let high = job(&queue, "high", 1, JobPriority::High);
    let actions = queue.poll();
    assert_eq!(stops(&actions), [order.file]);
    assert_eq!(starts(&actions)[0].file.job, high.id());
    let stop_at = actions.iter().position(|a| matches!(a, Action::Stop(_)));
    let start_at = actions.iter().position(|a| matches!(a, Action::Start(_)));
    assert!(stop_at < start_at, "the slot is freed before it is taken");
    assert_eq!(normal.state(), JobState::Queued);
    assert_eq!(normal.progress().bytes_transferred, 40);
    // A report about the stopped transfer is refused.
    assert_eq!(
        queue.report_progress(order.file, 50),
        Err(ErrorCode::InvalidState)
    );
    // Equal priority never pre-empts.
    let other_high = job(&queue, "high2", 1, JobPriority::High);
    assert!(stops(&queue.poll()).is_empty());
    assert_eq!(other_high.state(), JobState::Queued);

    let high_file = file(&high, 0);
    queue.report_connected(high_file, None, None).unwrap();
    queue.report_done(high_file).unwrap();
    queue.set_background_slots(2).unwrap();
    let resumed = starts(&queue.poll());
    let normal_order = resumed.iter().find(|o| o.file.job == normal.id()).unwrap();
    assert_eq!(normal_order.offset, 40, "resumed where it stopped");
    assert_eq!(normal_order.size, Some(100));
}

/// §10: the same file with another validator or another size has changed:
/// it restarts from 0. A validator that appears where there was none is
/// kept, and the order carries the latest size and validator.
#[test]
fn a_changed_file_restarts_from_zero() {
    for (size, validator, restarts) in [
        (Some(1000), Some("\"v2\""), true),
        (Some(999), Some("\"v1\""), true),
        (Some(1000), None, true),
        (None, Some("\"v1\""), false),
        (Some(1000), Some("\"v1\""), false),
    ] {
        let (queue, _) = queue();
        let job = job(&queue, "changing", 1, JobPriority::Normal);
        let order = start_of(&queue, &job);
        queue
            .report_connected(order.file, Some(1000), Some("\"v1\"".into()))
            .unwrap();
        queue.report_progress(order.file, 500).unwrap();
        queue.report_lost(order.file).unwrap();
        let order = start_of(&queue, &job);
        assert_eq!(order.offset, 500);
        assert_eq!(order.validator.as_deref(), Some("\"v1\""));
        queue
            .report_connected(order.file, size, validator.map(Into::into))
            .unwrap();
        let kept = job.file_progress()[0].bytes_transferred;
        assert_eq!(
            kept,
            if restarts { 0 } else { 500 },
            "{size:?} {validator:?}"
        );
        assert_eq!(job.progress().bytes_transferred, kept);
    }
    // A validator where there was none is kept, not a change.
    let (queue, _) = queue();
    let job = job(&queue, "new-validator", 1, JobPriority::Normal);
    let order = start_of(&queue, &job);
    queue.report_connected(order.file, None, None).unwrap();
    queue.report_progress(order.file, 5).unwrap();
    queue.report_lost(order.file).unwrap();
    let order = start_of(&queue, &job);
    queue
        .report_connected(order.file, None, Some("\"e\"".into()))
        .unwrap();
    assert_eq!(job.progress().bytes_transferred, 5);
}

/// §10: a report about a file not in flight is `invalid-state`, about a
/// job not in the queue `not-found`; neither changes anything.
#[test]
fn reports_about_files_not_in_flight_are_refused() {
    let (queue, _) = queue();
    let job = job(&queue, "refused", 2, JobPriority::Normal);
    let waiting = file(&job, 0);
    let before = job.snapshot();
    assert_eq!(
        queue.report_connected(waiting, None, None),
        Err(ErrorCode::InvalidState)
    );
    assert_eq!(
        queue.report_progress(waiting, 1),
        Err(ErrorCode::InvalidState)
    );
    assert_eq!(queue.report_done(waiting), Err(ErrorCode::InvalidState));
    assert_eq!(queue.report_lost(waiting), Err(ErrorCode::InvalidState));
    assert_eq!(
        queue.report_failure(waiting, &TransferFailure::RemoteMissing),
        Err(ErrorCode::InvalidState)
    );
    assert_eq!(job.snapshot(), before);
    let order = start_of(&queue, &job);
    assert_eq!(
        queue.report_progress(file(&job, 1), 1),
        Err(ErrorCode::InvalidState),
        "another file of the job"
    );
    let stranger = FileRef {
        job: Guid::from_bytes([9; 16]),
        file_index: 0,
    };
    assert_eq!(queue.report_done(stranger), Err(ErrorCode::NotFound));
    job.cancel().unwrap();
    assert_eq!(queue.report_done(order.file), Err(ErrorCode::NotFound));
}

/// §10: `report-lost` queues the job again at once with its progress and
/// no error.
#[test]
fn a_lost_transfer_is_queued_again_with_its_progress() {
    let (queue, _) = queue();
    let job = job(&queue, "lost", 1, JobPriority::Normal);
    let order = start_of(&queue, &job);
    queue.report_connected(order.file, Some(10), None).unwrap();
    queue.report_progress(order.file, 7).unwrap();
    queue.report_lost(order.file).unwrap();
    assert_eq!(job.state(), JobState::Queued);
    assert!(job.error().is_none());
    assert_eq!(start_of(&queue, &job).offset, 7);
}

/// §10: `complete` stops the transfer in flight, commits every fully
/// arrived file and discards the other temporary files; `cancel` stops and
/// discards every one; both are due at once through `take-file-actions`,
/// returned once.
#[test]
fn complete_commits_and_cancel_discards() {
    let (queue, _) = queue();
    let job = job(&queue, "done", 3, JobPriority::Normal);
    let first = start_of(&queue, &job);
    queue.report_connected(first.file, Some(1), None).unwrap();
    queue.report_done(first.file).unwrap();
    let second = start_of(&queue, &job);
    queue.report_connected(second.file, Some(9), None).unwrap();
    queue.report_progress(second.file, 3).unwrap();
    job.complete().unwrap();
    let file_actions = queue.take_file_actions();
    assert_eq!(
        file_actions,
        [
            Action::Commit(vec![FileMove {
                temporary_name: first.temporary_name.clone(),
                local_name: first.local_name.clone(),
            }]),
            Action::Discard(vec![second.temporary_name.clone()]),
        ],
        "file 2 never started: it has no temporary file"
    );
    assert!(queue.take_file_actions().is_empty(), "returned once");
    let actions = queue.poll();
    assert_eq!(
        stops(&actions),
        [second.file],
        "the stop comes through poll"
    );
    assert!(!actions.iter().any(Action::is_file_action));

    let (queue, _) = self::queue();
    let job = self::job(&queue, "cancelled", 2, JobPriority::Normal);
    let first = start_of(&queue, &job);
    queue.report_connected(first.file, Some(1), None).unwrap();
    queue.report_done(first.file).unwrap();
    let second = start_of(&queue, &job);
    job.cancel().unwrap();
    let actions = queue.poll();
    assert_eq!(stops(&actions), [second.file]);
    assert!(actions.contains(&Action::Discard(vec![
        first.temporary_name,
        second.temporary_name
    ])));
    // A job that never ran leaves nothing to do.
    let idle = self::job(&queue, "idle", 2, JobPriority::Normal);
    idle.suspend().unwrap();
    idle.cancel().unwrap();
    assert!(queue.take_file_actions().is_empty());
}

/// §5, §10: suspending stops the transfer and keeps the bytes; resuming
/// starts again where it stopped.
#[test]
fn suspend_stops_and_resume_continues() {
    let (queue, _) = queue();
    let job = job(&queue, "paused", 1, JobPriority::Normal);
    let order = start_of(&queue, &job);
    queue.report_connected(order.file, Some(10), None).unwrap();
    queue.report_progress(order.file, 6).unwrap();
    job.suspend().unwrap();
    let actions = queue.poll();
    assert_eq!(stops(&actions), [order.file]);
    assert!(starts(&actions).is_empty());
    job.resume().unwrap();
    assert_eq!(start_of(&queue, &job).offset, 6);
}

/// §9: get-error is cleared by resume, and says nothing outside error and
/// transient-error.
#[test]
fn resume_clears_the_error() {
    let (queue, _) = queue();
    let job = job(&queue, "error", 1, JobPriority::Normal);
    let order = start_of(&queue, &job);
    queue
        .report_failure(order.file, &TransferFailure::HttpStatus(404))
        .unwrap();
    assert!(job.error().is_some());
    job.suspend().unwrap();
    assert!(job.error().is_none(), "suspended: no error to give");
    job.resume().unwrap();
    assert!(job.error().is_none());
    let order = start_of(&queue, &job);
    queue
        .report_failure(order.file, &TransferFailure::HttpStatus(500))
        .unwrap();
    assert_eq!(
        job.error().unwrap().hresult,
        0x8019_01F4,
        "the new error only"
    );
}

/// §9, §12: the notify flags: which events notify, disable, bad bits,
/// final jobs; modifications of one job merge; no `error` notice for a
/// transient error.
#[test]
fn notify_flags_choose_the_notices() {
    let (queue, _) = queue();
    let job = job(&queue, "noisy", 1, JobPriority::Normal);
    assert_eq!(job.notify_flags(), 0x3);
    assert_eq!(job.set_notify_flags(0x10), Err(ErrorCode::InvalidArgument));
    assert_eq!(job.notify_flags(), 0x3, "unchanged");
    job.set_notify_flags(notify_flags::ALL & !notify_flags::DISABLE)
        .unwrap();
    let order = starts(&queue.poll()).pop().unwrap();
    job.set_description("a").unwrap();
    job.set_description("b").unwrap();
    let actions = queue.poll();
    assert_eq!(
        notices(&actions, NotifyEvent::Modification).len(),
        1,
        "consecutive modifications merge: {actions:?}"
    );
    queue
        .report_failure(order.file, &TransferFailure::Interrupted("x".into()))
        .unwrap();
    assert!(
        notices(&queue.poll(), NotifyEvent::Error).is_empty(),
        "transient: no error notice"
    );

    job.set_notify_flags(notify_flags::ALL).unwrap();
    job.set_description("c").unwrap();
    assert!(
        queue
            .poll()
            .iter()
            .all(|a| !matches!(a, Action::Notify(..))),
        "disable silences everything"
    );
    job.cancel().unwrap();
    assert_eq!(job.set_notify_flags(0x1), Err(ErrorCode::InvalidState));
    assert_eq!(
        job.set_minimum_retry_delay(10),
        Err(ErrorCode::InvalidState)
    );
    assert_eq!(
        job.set_no_progress_timeout(10),
        Err(ErrorCode::InvalidState)
    );
}

/// §10: at most 1,024 notices wait for a host that never polls; the oldest
/// go first.
#[test]
fn at_most_1024_notices_wait() {
    let (queue, _) = queue();
    let a = queue.create_job("a", JobType::Download).unwrap();
    let b = queue.create_job("b", JobType::Download).unwrap();
    a.set_notify_flags(notify_flags::MODIFICATION).unwrap();
    b.set_notify_flags(notify_flags::MODIFICATION).unwrap();
    for i in 0..1500 {
        // Alternating jobs, so no two notices in a row merge.
        let job = if i % 2 == 0 { &a } else { &b };
        job.set_description(format!("{i}")).unwrap();
    }
    let notified = notices(&queue.poll(), NotifyEvent::Modification);
    assert_eq!(notified.len(), 1024);
    assert_eq!(notified.last(), Some(&b.id()), "the newest kept");
}

/// §9: times: creation at create-job, modification at every change,
/// transfer completion at `transferred` only.
#[test]
fn job_times_follow_the_clock() {
    let (queue, clock) = queue();
    let job = queue.create_job("timed", JobType::Download).unwrap();
    assert_eq!(job.times().creation, T0);
    assert_eq!(job.times().modification, T0);
    assert_eq!(job.times().transfer_completion, None);
    clock.advance(3);
    job.set_priority(JobPriority::High).unwrap();
    assert_eq!(job.times().modification, T0.plus_seconds(3));
    clock.advance(3);
    assert_eq!(
        job.set_display_name("x".repeat(300)),
        Err(ErrorCode::StringTooLong)
    );
    assert_eq!(
        job.times().modification,
        T0.plus_seconds(3),
        "a refused call changes nothing"
    );
    assert_eq!(job.times().creation, T0);
}

/// Issue 23, defect 7: a host that may not write a file declines it; the
/// job is queued again as it was (no error, its bytes kept), this
/// instance's slot goes to a job it can take and it never orders the
/// declined file again, while another instance sharing the queue does.
#[test]
fn a_declined_file_goes_to_another_instance_and_its_slot_to_another_job() {
    let (queue, clock) = queue();
    let elsewhere = job(&queue, "elsewhere", 1, JobPriority::High);
    let here = job(&queue, "here", 1, JobPriority::Normal);
    let order = start_of(&queue, &elsewhere);
    // Only the instance that ordered a start may decline it.
    assert_eq!(queue.decline(file(&here, 0)), Err(ErrorCode::InvalidState));
    queue.decline(order.file).unwrap();
    assert_eq!(elsewhere.state(), JobState::Queued);
    assert!(elsewhere.error().is_none());
    // The slot is free for the job this host can take, though it ranks
    // lower, and the declined file is never ordered here again.
    let mine = start_of(&queue, &here);
    queue.report_connected(mine.file, Some(1), None).unwrap();
    queue.report_progress(mine.file, 1).unwrap();
    queue.report_done(mine.file).unwrap();
    clock.advance(3_600);
    assert!(starts(&queue.poll()).is_empty());
    assert_eq!(elsewhere.state(), JobState::Queued);
    // Another instance, restored from the journal, takes it.
    let other = QueueState::with_clock(SplitMix64::new(8), clock.clone());
    other.apply(&queue.take_changes()).unwrap();
    let taken = starts(&other.poll());
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].file, order.file);
}
