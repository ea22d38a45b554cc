//! A file's end and the `poll` after it, in a store one host runs alone
//! (`PersistentQueue::end_and_poll`, issue 22 goal 1): stored coalesced
//! while the job goes on with its next file, at once when the job leaves
//! flight; and never a job left waiting in flight for a transfer nobody
//! makes when its coalesced end is dropped for another process's change.

use std::path::Path;

use bits_queue_host::{Action, FileRef, Guid, JobState, JobType, Queue, TransferOrder};
use bits_queue_store::{PersistentQueue, ReportKind, SqliteStore};
use bits_queue_tests::scratch_dir;

use crate::suite::open;

const SIZE: u64 = 10;

fn sqlite(path: &Path) -> PersistentQueue {
    open(Box::new(SqliteStore::open(path).unwrap())).0
}

/// A job of `files` files, resumed; its id.
fn job_of(queue: &PersistentQueue, files: usize) -> Guid {
    queue
        .change(|q: &Queue| {
            let job = q.manager()?.create_job("settling", JobType::Download)?;
            for i in 0..files {
                job.add_file(
                    &format!("http://127.0.0.1:9/{i}"),
                    &format!("/tmp/settling-{i}"),
                )?;
            }
            job.resume()?;
            job.id()
        })
        .unwrap()
}

/// The `start` orders among `actions`.
fn starts(actions: &[Action]) -> Vec<TransferOrder> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Start(order) => Some(order.clone()),
            _ => None,
        })
        .collect()
}

/// Transfers `file` whole, as a transferring host reports it, and ends it
/// with the poll after it; the poll's `start` orders.
fn transfer(queue: &PersistentQueue, file: FileRef) -> Vec<TransferOrder> {
    queue
        .report(file, ReportKind::Connected, |q| {
            q.report_connected(file, Some(SIZE), None)
        })
        .unwrap();
    queue
        .report(file, ReportKind::Progress, |q| {
            q.report_progress(file, SIZE)
        })
        .unwrap();
    let actions = queue
        .end_and_poll(|q| {
            q.report_done(file)?;
            q.poll()
        })
        .unwrap();
    starts(&actions)
}

/// What a fresh instance on the file reads: the job's state and which of
/// its files are complete.
fn stored(path: &Path, id: Guid) -> (JobState, Vec<bool>) {
    sqlite(path)
        .read(|q| {
            let job = q.manager()?.get_job(id)?;
            let done = job.file_progress()?.iter().map(|f| f.completed).collect();
            Ok((job.state()?, done))
        })
        .unwrap()
}

#[test]
fn a_files_end_is_stored_coalesced_while_its_job_goes_on_and_at_once_when_it_ends() {
    let dir = scratch_dir("settling");
    let path = dir.join("queue.sqlite3");
    let queue = sqlite(&path);
    let id = job_of(&queue, 2);
    let first = starts(&queue.poll().unwrap());
    assert_eq!(first.len(), 1);
    let next = transfer(&queue, first[0].file);
    assert_eq!(next.len(), 1, "the job's second file starts");
    assert_eq!(next[0].file.file_index, 1);

    // The first file's end waits with the second's start.
    assert_eq!(
        stored(&path, id),
        (JobState::Connecting, vec![false, false])
    );

    // Stored at the latest by the flush that tends the loop every second.
    queue.flush().unwrap();
    assert_eq!(stored(&path, id).1, vec![true, false]);

    // The last file's end moves the job out of flight: stored at once.
    let after = transfer(&queue, next[0].file);
    assert!(after.is_empty());
    assert_eq!(stored(&path, id), (JobState::Transferred, vec![true, true]));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_crash_before_a_coalesced_end_is_stored_fetches_that_file_again() {
    let dir = scratch_dir("settling");
    let path = dir.join("queue.sqlite3");
    let queue = sqlite(&path);
    let id = job_of(&queue, 2);
    let first = starts(&queue.poll().unwrap());
    let next = transfer(&queue, first[0].file);
    assert_eq!(next[0].file.file_index, 1);
    // The host dies before its coalescing second is up.
    drop(queue);

    // The store shows the first file in flight, never complete; the next
    // service takes it back and fetches it again from the progress
    // stored, and the job goes on from there.
    assert_eq!(
        stored(&path, id),
        (JobState::Connecting, vec![false, false])
    );
    let restarted = sqlite(&path);
    assert_eq!(restarted.recover_lost(true).unwrap(), vec![first[0].file]);
    let again = starts(&restarted.poll().unwrap());
    assert_eq!(again.len(), 1);
    assert_eq!(
        again[0].file, first[0].file,
        "the first file is fetched again"
    );
    let last = transfer(&restarted, again[0].file);
    assert_eq!(last[0].file.file_index, 1);
    assert!(transfer(&restarted, last[0].file).is_empty());
    assert_eq!(stored(&path, id), (JobState::Transferred, vec![true, true]));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_coalesced_end_dropped_for_another_change_leaves_no_job_in_flight_for_nobody() {
    let dir = scratch_dir("settling");
    let path = dir.join("queue.sqlite3");
    let service = sqlite(&path);
    let id = job_of(&service, 3);
    let first = starts(&service.poll().unwrap());
    let second = transfer(&service, first[0].file);
    assert_eq!(second[0].file.file_index, 1);

    // Another process (a client) changes the job meanwhile: its record,
    // stored before the first file's end, wins over the coalesced one.
    sqlite(&path)
        .change(|q| {
            q.manager()?
                .get_job(id)?
                .set_description("changed meanwhile")
        })
        .unwrap();

    // The transfer of the second file is refused (it is not the file the
    // stored record has in flight); the first is queued again, not left
    // `connecting` with no transfer behind it.
    let refused = service.report(second[0].file, ReportKind::Progress, |q| {
        q.report_progress(second[0].file, 1)
    });
    assert!(refused.is_err(), "{refused:?}");
    let again = starts(&service.poll().unwrap());
    assert_eq!(
        again.iter().map(|o| o.file).collect::<Vec<_>>(),
        vec![first[0].file],
        "the file whose end was dropped starts again"
    );
    let description = sqlite(&path)
        .read(|q| q.manager()?.get_job(id)?.description())
        .unwrap();
    assert_eq!(description, "changed meanwhile");
    std::fs::remove_dir_all(dir).unwrap();
}
