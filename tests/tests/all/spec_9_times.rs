//! Contract §9 (docs/contract.md) through the real component: job times
//! from the host's clock, retry settings, notify flags, errors, per-file
//! progress, and the engine's reports (§10) across the sandbox boundary.

use std::time::Duration;

use bits_queue_host::{
    Action, Datetime, ErrorCode, FileProgress, FileRef, JobErrorContext, JobState, JobType,
    ManualClock, NotifyEvent, QueueOptions, TransferFailure, notify_flags,
};
use bits_queue_tests::{refusal, runtime};

const T0: Datetime = Datetime {
    seconds: 1_750_000_000,
    nanoseconds: 250,
};

fn queue() -> (bits_queue_host::Queue, ManualClock) {
    let clock = ManualClock::at(T0);
    let queue = runtime()
        .new_queue_with(QueueOptions::new().seed(9).clock(clock.clone()))
        .unwrap();
    (queue, clock)
}

#[test]
fn times_come_from_the_hosts_clock() {
    let (queue, clock) = queue();
    let job = queue
        .manager()
        .unwrap()
        .create_job("timed", JobType::Download)
        .unwrap();
    let times = job.times().unwrap();
    assert_eq!((times.creation, times.modification), (T0, T0));
    assert_eq!(times.transfer_completion, None);
    clock.advance(Duration::from_secs(90));
    job.set_description("changed").unwrap();
    assert_eq!(
        job.times().unwrap().modification,
        Datetime {
            seconds: T0.seconds + 90,
            nanoseconds: 250
        }
    );
    assert_eq!(job.times().unwrap().creation, T0);
}

#[test]
fn settings_have_their_defaults_floors_and_refusals() {
    let (queue, _) = queue();
    let job = queue
        .manager()
        .unwrap()
        .create_job("settings", JobType::Download)
        .unwrap();
    assert_eq!(job.minimum_retry_delay().unwrap(), 600);
    assert_eq!(job.no_progress_timeout().unwrap(), 1_209_600);
    assert_eq!(job.notify_flags().unwrap(), 0x3);
    job.set_minimum_retry_delay(4).unwrap();
    assert_eq!(job.minimum_retry_delay().unwrap(), 5);
    job.set_no_progress_timeout(0).unwrap();
    assert_eq!(job.no_progress_timeout().unwrap(), 0);
    assert_eq!(
        refusal(job.set_notify_flags(0x20)),
        ErrorCode::InvalidArgument
    );
    job.set_notify_flags(notify_flags::ALL).unwrap();
    assert_eq!(job.notify_flags().unwrap(), 0xF);
    job.cancel().unwrap();
    assert_eq!(
        refusal(job.set_minimum_retry_delay(60)),
        ErrorCode::InvalidState
    );
    assert_eq!(
        refusal(job.set_no_progress_timeout(60)),
        ErrorCode::InvalidState
    );
    assert_eq!(refusal(job.set_notify_flags(0x1)), ErrorCode::InvalidState);
    assert_eq!(
        refusal(queue.set_background_slots(0)),
        ErrorCode::InvalidArgument
    );
}

/// The engine across the sandbox: an order, reports, an error with every
/// field, per-file progress, notifications and the file actions.
#[test]
fn the_engine_works_through_the_component() {
    let (queue, clock) = queue();
    let job = queue
        .manager()
        .unwrap()
        .create_job("engine", JobType::Download)
        .unwrap();
    job.add_file("https://example.com/a", "/data/a.bin")
        .unwrap();
    job.add_file("https://example.com/b", "/data/b.bin")
        .unwrap();
    job.set_minimum_retry_delay(30).unwrap();
    job.resume().unwrap();
    let actions = queue.poll().unwrap();
    let Some(Action::Start(order)) = actions.first() else {
        panic!("a start order: {actions:?}");
    };
    assert_eq!(
        order.file,
        FileRef {
            job: job.id().unwrap(),
            file_index: 0
        }
    );
    assert!(
        order.temporary_name.starts_with("/data/BIT"),
        "{}",
        order.temporary_name
    );
    assert_eq!(job.state().unwrap(), JobState::Connecting);
    queue
        .report_connected(order.file, Some(10), Some("\"etag\""))
        .unwrap();
    queue.report_progress(order.file, 4).unwrap();
    assert_eq!(
        job.file_progress().unwrap(),
        [
            FileProgress {
                bytes_total: 10,
                bytes_transferred: 4,
                completed: false
            },
            FileProgress {
                bytes_total: u64::MAX,
                bytes_transferred: 0,
                completed: false
            }
        ]
    );
    queue
        .report_failure(order.file, &TransferFailure::HttpStatus(503))
        .unwrap();
    let error = job.error().unwrap().expect("transient-error has an error");
    assert_eq!(error.hresult, 0x8019_01F7);
    assert_eq!(error.context, JobErrorContext::RemoteFile);
    assert_eq!(error.file_index, Some(0));
    assert!(error.description.contains("503"), "{}", error.description);
    assert_eq!(
        queue.next_wake().unwrap(),
        Some(Datetime {
            seconds: T0.seconds + 30,
            nanoseconds: 250
        })
    );
    clock.advance(Duration::from_secs(30));
    let retried = queue.poll().unwrap();
    let Some(Action::Start(again)) = retried.iter().find(|a| matches!(a, Action::Start(_))) else {
        panic!("retried: {retried:?}");
    };
    assert_eq!(
        (again.offset, again.validator.as_deref()),
        (4, Some("\"etag\""))
    );
    queue
        .report_connected(again.file, Some(10), Some("\"etag\""))
        .unwrap();
    queue.report_done(again.file).unwrap();
    let second = queue.poll().unwrap();
    let Some(Action::Start(second)) = second.first() else {
        panic!("the second file");
    };
    queue.report_connected(second.file, None, None).unwrap();
    queue.report_done(second.file).unwrap();
    assert_eq!(job.state().unwrap(), JobState::Transferred);
    let notices = queue.poll().unwrap();
    assert!(
        notices.contains(&Action::Notify(job.id().unwrap(), NotifyEvent::Transferred)),
        "{notices:?}"
    );
    job.complete().unwrap();
    let files = queue.take_file_actions().unwrap();
    let Some(Action::Commit(moves)) = files.first() else {
        panic!("a commit: {files:?}");
    };
    assert_eq!(moves.len(), 2);
    assert_eq!(moves[0].local_name, "/data/a.bin");
    // Reports about a job that left the queue are not-found.
    assert_eq!(refusal(queue.report_done(second.file)), ErrorCode::NotFound);
}
