//! A queue kept in a store (docs/contract.md §11): what one instance
//! committed, another (a restart, another host on the same file) reads
//! back exactly; a record the component cannot read leaves the others
//! loaded and is named.

use std::path::PathBuf;

use bits_queue_host::{FileInfo, JobPriority, JobState, JobType, Queue, QueueLimits, QueueOptions};
use bits_queue_store::{MemoryStore, PersistentQueue, SqliteStore, Store};
use bits_queue_tests::{runtime, scratch_dir};

/// A fresh directory of its own.
fn scratch() -> PathBuf {
    scratch_dir("store")
}

fn open(store: Box<dyn Store>) -> (PersistentQueue, Vec<String>) {
    PersistentQueue::open(runtime(), QueueOptions::new(), store, Box::new(|_| {})).unwrap()
}

/// Everything a client can read about every job, in order.
#[derive(Debug, PartialEq)]
struct Seen {
    id: String,
    name: String,
    description: String,
    state: JobState,
    priority: JobPriority,
    job_type: JobType,
    files: Vec<FileInfo>,
    retry: u32,
    timeout: u32,
    flags: u32,
    created: (u64, u32),
}

fn seen(queue: &Queue) -> bits_queue_host::Result<(Vec<Seen>, QueueLimits)> {
    let mut all = Vec::new();
    for job in queue.manager()?.jobs()? {
        let times = job.times()?;
        all.push(Seen {
            id: job.id()?.to_string(),
            name: job.display_name()?,
            description: job.description()?,
            state: job.state()?,
            priority: job.priority()?,
            job_type: job.job_type()?,
            files: job.files()?,
            retry: job.minimum_retry_delay()?,
            timeout: job.no_progress_timeout()?,
            flags: job.notify_flags()?,
            created: (times.creation.seconds, times.creation.nanoseconds),
        });
    }
    Ok((all, queue.limits()?))
}

/// Jobs of every kind, made through `queue`.
fn fill(queue: &PersistentQueue) {
    queue
        .change(|q| {
            q.set_limits(QueueLimits {
                max_jobs: 40,
                max_files_per_job: 6,
            })
        })
        .unwrap();
    for i in 0..5 {
        queue
            .change(|q| {
                let job = q
                    .manager()?
                    .create_job(&format!("job {i} é"), JobType::ALL[i % 3])?;
                job.add_file(&format!("https://example.com/{i}"), &format!("/data/{i}"))?;
                job.set_description(&format!("described {i}"))?;
                job.set_priority(JobPriority::ALL[i % 4])?;
                job.set_minimum_retry_delay(30 + i as u32)?;
                job.set_notify_flags(0x9)?;
                if i % 2 == 0 {
                    job.resume()?;
                }
                Ok(())
            })
            .unwrap();
    }
    // One leaves the queue.
    queue
        .change(|q| q.manager()?.jobs()?.remove(1).cancel())
        .unwrap();
}

#[test]
fn a_restart_reads_back_every_job_exactly() {
    let dir = scratch();
    let path = dir.join("queue.sqlite3");
    let before = {
        let (queue, warnings) = open(Box::new(SqliteStore::open(&path).unwrap()));
        assert!(warnings.is_empty());
        fill(&queue);
        queue.read(seen).unwrap()
    };
    assert_eq!(before.0.len(), 4);
    let (again, warnings) = open(Box::new(SqliteStore::open(&path).unwrap()));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(again.read(seen).unwrap(), before);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn two_hosts_on_one_file_see_each_others_changes() {
    let dir = scratch();
    let path = dir.join("shared.sqlite3");
    let (a, _) = open(Box::new(SqliteStore::open(&path).unwrap()));
    let (b, _) = open(Box::new(SqliteStore::open(&path).unwrap()));
    let id = a
        .change(|q| q.manager()?.create_job("from a", JobType::Download)?.id())
        .unwrap();
    // b reads what a committed, and changes it.
    let name = b
        .read(|q| q.manager()?.get_job(id)?.display_name())
        .unwrap();
    assert_eq!(name, "from a");
    b.change(|q| q.manager()?.get_job(id)?.set_description("changed by b"))
        .unwrap();
    let description = a.read(|q| q.manager()?.get_job(id)?.description()).unwrap();
    assert_eq!(description, "changed by b");
    // Both create: creation order is the same from both.
    b.change(|q| q.manager()?.create_job("from b", JobType::Upload).map(drop))
        .unwrap();
    a.change(|q| {
        q.manager()?
            .create_job("a again", JobType::Upload)
            .map(drop)
    })
    .unwrap();
    let names = |q: &PersistentQueue| {
        q.read(|q| {
            q.manager()?
                .jobs()?
                .iter()
                .map(|j| j.display_name())
                .collect::<bits_queue_host::Result<Vec<_>>>()
        })
        .unwrap()
    };
    assert_eq!(names(&a), ["from a", "from b", "a again"]);
    assert_eq!(names(&b), names(&a));
    // A job one host cancels leaves the other's queue.
    a.change(|q| q.manager()?.get_job(id)?.cancel()).unwrap();
    let gone = b.read(|q| q.manager()?.get_job(id).map(drop));
    assert!(gone.is_err());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_damaged_record_is_left_out_and_named() {
    let dir = scratch();
    let path = dir.join("damaged.sqlite3");
    let (queue, _) = open(Box::new(SqliteStore::open(&path).unwrap()));
    fill(&queue);
    let (jobs, _) = queue.read(seen).unwrap();
    drop(queue);
    let victim: bits_queue_host::Guid = jobs[2].id.parse().unwrap();
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute(
            "UPDATE jobs SET record = x'01020304' WHERE id = ?1",
            [&victim.to_bytes()[..]],
        )
        .unwrap();
    drop(connection);
    let (reopened, warnings) = open(Box::new(SqliteStore::open(&path).unwrap()));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains(&victim.to_string()), "{}", warnings[0]);
    let (left, _) = reopened.read(seen).unwrap();
    let expected: Vec<&Seen> = jobs.iter().filter(|j| j.id != victim.to_string()).collect();
    assert_eq!(
        left.iter().collect::<Vec<_>>(),
        expected,
        "the others, untouched"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_memory_store_keeps_nothing_past_the_process_but_shares_within_it() {
    let store = MemoryStore::new();
    let (a, _) = open(Box::new(store.clone()));
    let (b, _) = open(Box::new(store));
    a.change(|q| {
        q.manager()?
            .create_job("shared", JobType::Download)
            .map(drop)
    })
    .unwrap();
    let count = b.read(|q| Ok(q.manager()?.jobs()?.len())).unwrap();
    assert_eq!(count, 1);
    assert_eq!(a.location(), "memory:");
}

#[test]
fn a_call_stores_what_changed_even_when_it_ends_refused() {
    let dir = scratch();
    let path = dir.join("refused.sqlite3");
    let (queue, _) = open(Box::new(SqliteStore::open(&path).unwrap()));
    let refused = queue.change(|q| {
        let job = q.manager()?.create_job("x", JobType::Download)?;
        job.resume() // empty: refused, after a create that succeeded
    });
    assert!(refused.is_err());
    // The create in the same call was a change: it is stored.
    let (again, _) = open(Box::new(SqliteStore::open(&path).unwrap()));
    assert_eq!(again.read(|q| Ok(q.manager()?.jobs()?.len())).unwrap(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A store larger than one call's argument limit (1 MiB by default) opens
/// whole: it is applied in parts, every job once, in creation order.
#[test]
fn a_store_larger_than_one_call_opens_whole() {
    let dir = scratch();
    let path = dir.join("large.sqlite3");
    const JOBS: u32 = 12_000;
    {
        let (queue, _) = open(Box::new(SqliteStore::open(&path).unwrap()));
        queue
            .change(|q| {
                q.set_limits(QueueLimits {
                    max_jobs: JOBS,
                    max_files_per_job: 1,
                })?;
                let manager = q.manager()?;
                for i in 0..JOBS {
                    let job = manager.create_job(&format!("job {i}"), JobType::Download)?;
                    job.set_description(&"d".repeat(100))?;
                }
                Ok(())
            })
            .unwrap();
    }
    let (reopened, warnings) = open(Box::new(SqliteStore::open(&path).unwrap()));
    assert!(warnings.is_empty(), "{warnings:?}");
    let names = reopened
        .read(|q| {
            q.manager()?
                .jobs()?
                .iter()
                .map(|j| j.display_name())
                .collect::<bits_queue_host::Result<Vec<_>>>()
        })
        .unwrap();
    assert_eq!(names.len(), JOBS as usize);
    assert!(
        names
            .iter()
            .enumerate()
            .all(|(i, n)| *n == format!("job {i}"))
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// A store that cannot be written is a distinct error to the caller; the
/// call's changes are not kept in memory either (the queue is the store's),
/// and once the store can be written again, calls go on.
#[test]
fn a_store_that_cannot_be_written_is_a_distinct_error_and_changes_nothing() {
    let dir = scratch();
    let path = dir.join("locked.sqlite3");
    let store = SqliteStore::open_waiting(&path, std::time::Duration::from_millis(100)).unwrap();
    let (queue, _) = open(Box::new(store));
    // Another process holds the file's write lock.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let refused = queue.change(|q| {
        q.manager()?
            .create_job("blocked", JobType::Download)
            .map(drop)
    });
    match refused {
        Err(bits_queue_store::PersistError::Store(e)) => {
            assert!(e.to_string().contains("locked"), "{e}")
        }
        other => panic!("a store error, not {other:?}"),
    }
    other.execute_batch("ROLLBACK").unwrap();
    let count = queue.read(|q| Ok(q.manager()?.jobs()?.len())).unwrap();
    assert_eq!(count, 0, "nothing happened in memory either");
    queue
        .change(|q| {
            q.manager()?
                .create_job("later", JobType::Download)
                .map(drop)
        })
        .unwrap();
    let (again, _) = open(Box::new(SqliteStore::open(&path).unwrap()));
    assert_eq!(again.read(|q| Ok(q.manager()?.jobs()?.len())).unwrap(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}
