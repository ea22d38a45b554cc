//! The checks every store passes alike (memory, SQLite, PostgreSQL): the
//! same suite, run against each by `persistence.rs` and `postgres.rs`.

#![allow(dead_code)] // each test binary uses the part it needs

use bits_queue_host::{FileInfo, JobPriority, JobState, JobType, Queue, QueueLimits, QueueOptions};
use bits_queue_store::{PersistentQueue, Store};
use bits_queue_tests::runtime;

/// Opens a new handle on one queue, as another host or a restart would.
pub trait Backing {
    fn store(&self) -> Box<dyn Store>;
}

impl<F: Fn() -> Box<dyn Store>> Backing for F {
    fn store(&self) -> Box<dyn Store> {
        self()
    }
}

pub fn open(store: Box<dyn Store>) -> (PersistentQueue, Vec<String>) {
    PersistentQueue::open(runtime(), QueueOptions::new(), store, Box::new(|_| {})).unwrap()
}

/// Everything a client can read about every job, in order.
#[derive(Debug, PartialEq)]
pub struct Seen {
    pub id: String,
    pub name: String,
    pub description: String,
    pub state: JobState,
    pub priority: JobPriority,
    pub job_type: JobType,
    pub files: Vec<FileInfo>,
    pub retry: u32,
    pub timeout: u32,
    pub flags: u32,
    pub created: (u64, u32),
}

pub fn seen(queue: &Queue) -> bits_queue_host::Result<(Vec<Seen>, QueueLimits)> {
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
pub fn fill(queue: &PersistentQueue) {
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

/// The display names of every job, in order.
pub fn names(queue: &PersistentQueue) -> Vec<String> {
    queue
        .read(|q| {
            q.manager()?
                .jobs()?
                .iter()
                .map(|j| j.display_name())
                .collect::<bits_queue_host::Result<Vec<_>>>()
        })
        .unwrap()
}

/// What one host committed, a restart reads back exactly.
pub fn a_restart_reads_back_every_job_exactly(backing: &dyn Backing) {
    let before = {
        let (queue, warnings) = open(backing.store());
        assert!(warnings.is_empty());
        fill(&queue);
        queue.read(seen).unwrap()
    };
    assert_eq!(before.0.len(), 4);
    let (again, warnings) = open(backing.store());
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(again.read(seen).unwrap(), before);
}

/// Two hosts on one queue read each other's changes, and list the jobs in
/// one creation order.
pub fn two_hosts_see_each_others_changes(backing: &dyn Backing) {
    let (a, _) = open(backing.store());
    let (b, _) = open(backing.store());
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
    assert_eq!(names(&a), ["from a", "from b", "a again"]);
    assert_eq!(names(&b), names(&a));
    // A job one host cancels leaves the other's queue.
    a.change(|q| q.manager()?.get_job(id)?.cancel()).unwrap();
    let gone = b.read(|q| q.manager()?.get_job(id).map(drop));
    assert!(gone.is_err());
}

/// A call that ends refused still stores what it changed before.
pub fn a_call_stores_what_changed_even_when_it_ends_refused(backing: &dyn Backing) {
    let (queue, _) = open(backing.store());
    let refused = queue.change(|q| {
        let job = q.manager()?.create_job("x", JobType::Download)?;
        job.resume() // empty: refused, after a create that succeeded
    });
    assert!(refused.is_err());
    // The create in the same call was a change: it is stored.
    let (again, _) = open(backing.store());
    assert_eq!(again.read(|q| Ok(q.manager()?.jobs()?.len())).unwrap(), 1);
}

/// A store larger than one call's argument limit (1 MiB by default) opens
/// whole: it is applied in parts, every job once, in creation order.
pub fn a_store_larger_than_one_call_opens_whole(backing: &dyn Backing, jobs: u32) {
    {
        let (queue, _) = open(backing.store());
        queue
            .change(|q| {
                q.set_limits(QueueLimits {
                    max_jobs: jobs,
                    max_files_per_job: 1,
                })?;
                let manager = q.manager()?;
                for i in 0..jobs {
                    let job = manager.create_job(&format!("job {i}"), JobType::Download)?;
                    job.set_description(&"d".repeat(100))?;
                }
                Ok(())
            })
            .unwrap();
    }
    let (reopened, warnings) = open(backing.store());
    assert!(warnings.is_empty(), "{warnings:?}");
    let names = names(&reopened);
    assert_eq!(names.len(), jobs as usize);
    assert!(
        names
            .iter()
            .enumerate()
            .all(|(i, n)| *n == format!("job {i}"))
    );
}
