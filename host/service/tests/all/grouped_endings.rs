//! Ending reports grouped with the next `poll` in one stored call
//! (`Backend::end_then_poll`, host/service/src/endings.rs): each report of
//! a group lands in the store on its own, and one the queue refuses loses
//! none of the others. Called directly on a SQLite queue, so the group is
//! exactly the one the test makes, whatever the machine's timing.

use std::sync::Arc;

use bits_queue_host::{
    Action, FileRef, JobPriority, JobState, JobType, Queue, QueueOptions, TransferFailure,
};
use bits_queue_service::{Backend, Ending};
use bits_queue_store::{PersistError, PersistentQueue, SqliteStore};
use bits_queue_tests::{runtime, scratch_dir};

fn open(path: &std::path::Path) -> Arc<PersistentQueue> {
    let store = SqliteStore::open(path).unwrap();
    let (queue, warnings) = PersistentQueue::open(
        runtime(),
        QueueOptions::new(),
        Box::new(store),
        Box::new(|_| {}),
    )
    .unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    Arc::new(queue)
}

/// Starts a foreground job of one file per name, each connected: every
/// file is in flight.
fn in_flight(queue: &Arc<PersistentQueue>, names: &[&str]) -> Vec<FileRef> {
    queue
        .change(|q: &Queue| {
            for name in names {
                let job = q.manager()?.create_job(name, JobType::Download)?;
                job.add_file(
                    &format!("https://example.com/{name}"),
                    &format!("/tmp/grouped/{name}"),
                )?;
                job.set_priority(JobPriority::Foreground)?;
                job.resume()?;
            }
            Ok(())
        })
        .unwrap();
    let started: Vec<FileRef> = Backend::poll(queue)
        .unwrap()
        .into_iter()
        .filter_map(|a| match a {
            Action::Start(order) => Some(order.file),
            _ => None,
        })
        .collect();
    assert_eq!(started.len(), names.len(), "every foreground job starts");
    for file in &started {
        queue
            .change(|q| q.report_connected(*file, Some(5), None))
            .unwrap();
    }
    started
}

fn state(queue: &Arc<PersistentQueue>, file: FileRef) -> JobState {
    queue
        .read(|q| q.manager()?.get_job(file.job)?.state())
        .unwrap()
}

#[test]
fn each_report_of_a_group_lands_and_a_refused_one_loses_no_other() {
    let dir = scratch_dir("grouped-endings");
    let path = dir.join("queue.sqlite3");
    let queue = open(&path);
    let files = in_flight(&queue, &["done", "failed", "lost"]);
    let [done, failed, lost] = files[..] else {
        unreachable!()
    };
    // A file no job has, in the middle of the group: the queue refuses it.
    let unknown = FileRef {
        job: done.job,
        file_index: 7,
    };
    let (answers, _actions) = queue
        .end_then_poll(&[
            (done, Ending::Done),
            (unknown, Ending::Done),
            (failed, Ending::Failed(TransferFailure::HttpStatus(404))),
            (lost, Ending::Lost),
        ])
        .unwrap();
    assert!(answers[0].is_ok(), "{:?}", answers[0]);
    assert!(
        matches!(answers[1], Err(PersistError::Queue(_))),
        "{:?}",
        answers[1]
    );
    assert!(answers[2].is_ok(), "{:?}", answers[2]);
    assert!(answers[3].is_ok(), "{:?}", answers[3]);

    // In the store, not only in this instance: a fresh one reads them.
    drop(queue);
    let reopened = open(&path);
    assert_eq!(state(&reopened, done), JobState::Transferred);
    assert_eq!(state(&reopened, failed), JobState::Error);
    // Lost: queued again (or, polled since, started again); not in error,
    // not transferred.
    assert!(
        matches!(
            state(&reopened, lost),
            JobState::Queued | JobState::Connecting
        ),
        "{:?}",
        state(&reopened, lost)
    );
    let _ = std::fs::remove_dir_all(dir);
}
