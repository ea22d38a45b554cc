//! The journal (docs/contract.md §11), natively: what `take-changes`
//! gives, and `apply` restoring a queue exactly, refusing any record it
//! cannot read without changing anything.

use bits_queue_contract::{
    Action, Change, Datetime, ErrorCode, Guid, JobRecord, QueueLimits, TransferFailure,
};
use bits_queue_logic::clock::ManualClock;
use bits_queue_logic::queue::{JobRef, QueueState};
use bits_queue_logic::random::SplitMix64;
use bits_queue_logic::{Job, JobPriority, JobState, JobType};

fn queue(seed: u64) -> (QueueState, ManualClock) {
    let clock = ManualClock::at(Datetime {
        seconds: 1_700_000_000,
        nanoseconds: 5,
    });
    (
        QueueState::with_clock(SplitMix64::new(seed), clock.clone()),
        clock,
    )
}

/// Every job of `queue` as it is, in creation order.
fn snapshot(queue: &QueueState) -> Vec<Job> {
    queue.jobs().iter().map(JobRef::snapshot).collect()
}

/// A queue with jobs in many states, with files, progress, errors, times
/// and settings.
fn busy_queue() -> QueueState {
    let (queue, clock) = queue(1);
    queue
        .set_limits(QueueLimits {
            max_jobs: 50,
            max_files_per_job: 7,
        })
        .unwrap();
    let plain = queue.create_job("plain é😀", JobType::Upload).unwrap();
    plain.set_description("a description").unwrap();
    let moving = queue.create_job("moving", JobType::Download).unwrap();
    for i in 0..3 {
        moving
            .add_file(format!("https://example.com/{i}"), format!("/data/{i}"))
            .unwrap();
    }
    moving.set_priority(JobPriority::High).unwrap();
    moving.set_notify_flags(0xB).unwrap();
    moving.set_minimum_retry_delay(60).unwrap();
    moving.resume().unwrap();
    let failing = queue.create_job("failing", JobType::Download).unwrap();
    failing.add_file("file:///x", "C:\\x").unwrap();
    failing.set_priority(JobPriority::Foreground).unwrap();
    failing.resume().unwrap();
    clock.advance(10);
    let mut orders = Vec::new();
    for action in queue.poll() {
        if let Action::Start(order) = action {
            orders.push(order);
        }
    }
    let (first, second) = (orders[0].file, orders[1].file);
    queue
        .report_connected(first, Some(3), Some("\"x\"".into()))
        .unwrap();
    queue.report_done(first).unwrap();
    queue
        .report_connected(second, Some(100), Some("\"e\"".into()))
        .unwrap();
    queue.report_progress(second, 40).unwrap();
    clock.advance(10);
    queue
        .report_failure(second, &TransferFailure::Interrupted("reset".into()))
        .unwrap();
    queue.poll();
    queue
}

#[test]
fn a_queue_restored_from_its_changes_is_the_same_queue() {
    let original = busy_queue();
    let changes = original.take_changes();
    assert!(original.take_changes().is_empty(), "taken once");
    let (restored, _) = queue(99);
    restored.apply(&changes).unwrap();
    assert_eq!(snapshot(&restored), snapshot(&original));
    assert_eq!(restored.limits(), original.limits());
    assert!(
        restored.take_changes().is_empty(),
        "apply produces no changes"
    );
    // Creation order holds whatever order the records come in.
    let mut reversed = changes.clone();
    reversed.reverse();
    let (again, _) = queue(98);
    again.apply(&reversed).unwrap();
    let ids = |q: &QueueState| q.jobs().iter().map(JobRef::id).collect::<Vec<_>>();
    assert_eq!(ids(&again), ids(&original));
    // New jobs go after the restored ones.
    let newer = again.create_job("newer", JobType::Download).unwrap();
    assert_eq!(again.jobs().last().unwrap().id(), newer.id());
}

#[test]
fn states_are_kept_as_stored() {
    let (queue_a, _) = queue(2);
    let job = queue_a.create_job("in flight", JobType::Download).unwrap();
    job.add_file("https://example.com/f", "/f").unwrap();
    job.resume().unwrap();
    let order = match queue_a.poll().first() {
        Some(Action::Start(order)) => order.clone(),
        other => panic!("{other:?}"),
    };
    queue_a
        .report_connected(order.file, Some(10), None)
        .unwrap();
    queue_a.report_progress(order.file, 4).unwrap();
    let (queue_b, _) = queue(3);
    queue_b.apply(&queue_a.take_changes()).unwrap();
    let restored = queue_b.get_job(&job.id()).unwrap();
    assert_eq!(
        restored.state(),
        JobState::Transferring,
        "not moved by apply"
    );
    assert!(
        queue_b
            .poll()
            .iter()
            .all(|a| !matches!(a, Action::Start(_))),
        "another host may be transferring it"
    );
    // The host whose transfer died says so; the job is queued with its bytes.
    queue_b.report_lost(order.file).unwrap();
    assert_eq!(restored.state(), JobState::Queued);
    let resumed = queue_b.poll();
    assert!(
        matches!(&resumed[0], Action::Start(o) if o.offset == 4),
        "{resumed:?}"
    );
}

#[test]
fn only_changes_are_recorded_and_a_job_that_leaves_is_removed() {
    let (queue, _) = queue(4);
    assert!(queue.take_changes().is_empty());
    let job = queue.create_job("a", JobType::Download).unwrap();
    let created = queue.take_changes();
    assert!(matches!(created.as_slice(), [Change::Put(r)] if r.id == job.id()));
    // A refused call changes nothing, so records nothing.
    assert!(job.set_display_name("x".repeat(300)).is_err());
    assert!(job.resume().is_err());
    assert!(queue.take_changes().is_empty());
    job.cancel().unwrap();
    let changes = queue.take_changes();
    let [Change::Put(last), Change::Remove(id)] = changes.as_slice() else {
        panic!("{changes:?}");
    };
    assert_eq!(*id, job.id());
    // The final record, then the removal: a host that applies them sees the
    // job leave in its final state.
    let (other, _) = self::queue(5);
    other.apply(&created).unwrap();
    let handle = other.get_job(&job.id()).unwrap();
    assert_eq!(handle.state(), JobState::Suspended);
    // A final record alone is refused: it never stands in a store.
    let alone = [Change::Put(last.clone())];
    assert_eq!(other.apply(&alone), Err(ErrorCode::InvalidArgument));
    other.apply(&changes).unwrap();
    assert!(other.is_empty());
    assert_eq!(handle.state(), JobState::Cancelled, "its final state");
    assert_eq!(
        queue.set_limits(QueueLimits {
            max_jobs: 9,
            max_files_per_job: 9
        }),
        Ok(())
    );
    assert_eq!(
        queue.take_changes(),
        [Change::Limits(QueueLimits {
            max_jobs: 9,
            max_files_per_job: 9
        })]
    );
}

#[test]
fn an_unreadable_record_changes_nothing() {
    let original = busy_queue();
    let changes = original.take_changes();
    let (target, _) = queue(6);
    target.apply(&changes[..1]).unwrap();
    let before = snapshot(&target);
    let Change::Put(good) = &changes[1] else {
        panic!("a put");
    };
    let mut bad_records: Vec<JobRecord> = Vec::new();
    // Every truncation of a good record.
    for len in 0..good.bytes.len() {
        bad_records.push(JobRecord {
            id: good.id,
            bytes: good.bytes[..len].to_vec(),
        });
    }
    // Another format version; trailing bytes; another GUID.
    let mut version = good.bytes.clone();
    version[0] = 2;
    let mut trailing = good.bytes.clone();
    trailing.push(0);
    bad_records.push(JobRecord {
        id: good.id,
        bytes: version,
    });
    bad_records.push(JobRecord {
        id: good.id,
        bytes: trailing,
    });
    bad_records.push(JobRecord {
        id: Guid::from_bytes([1; 16]),
        bytes: good.bytes.clone(),
    });
    for bad in bad_records {
        // A good change first: it must not be applied either.
        let batch = [changes[1].clone(), Change::Put(bad)];
        assert_eq!(target.apply(&batch), Err(ErrorCode::InvalidArgument));
        assert_eq!(snapshot(&target), before);
    }
    let zero = [Change::Limits(QueueLimits {
        max_jobs: 0,
        max_files_per_job: 1,
    })];
    assert_eq!(target.apply(&zero), Err(ErrorCode::InvalidArgument));
}

/// What a fuzzer would do, natively and repeatably: bytes flipped, cut and
/// spliced never panic; a record either reads back to a job that encodes
/// to the same bytes, or is refused.
#[test]
fn garbage_never_panics_and_what_reads_back_is_exact() {
    let original = busy_queue();
    let records: Vec<JobRecord> = original
        .take_changes()
        .into_iter()
        .filter_map(|c| match c {
            Change::Put(r) => Some(r),
            _ => None,
        })
        .collect();
    let mut random = SplitMix64::new(77);
    let (target, _) = queue(7);
    let mut accepted = 0;
    for round in 0..20_000 {
        let base = &records[round % records.len()];
        let mut bytes = base.bytes.clone();
        for _ in 0..1 + random.next_u64() % 4 {
            let at = (random.next_u64() as usize) % bytes.len().max(1);
            match random.next_u64() % 3 {
                0 if !bytes.is_empty() => bytes[at] ^= 1 << (random.next_u64() % 8),
                1 => bytes.truncate(at),
                _ => bytes.insert(at.min(bytes.len()), random.next_u64() as u8),
            }
        }
        let record = JobRecord { id: base.id, bytes };
        if target.apply(&[Change::Put(record.clone())]).is_ok() {
            accepted += 1;
            // Encoded again, it is the same record.
            let job = target.get_job(&base.id).unwrap();
            job.set_description(job.description()).unwrap();
            let again = target.take_changes();
            let Some(Change::Put(stored)) = again.first() else {
                panic!("{again:?}");
            };
            let (reread, _) = bits_queue_logic::record::decode(&stored.bytes).unwrap();
            assert_eq!(reread, job.snapshot());
        }
    }
    assert!(accepted > 0, "some mutations still make sense");
}

/// Recording starts with the first `take-changes`: a queue whose host
/// never persists keeps no journal (nothing piles up), and the first call
/// gives every job there is, and the limits set.
#[test]
fn the_journal_starts_with_the_first_take_changes() {
    let (queue, _) = queue(8);
    for i in 0..1000 {
        let job = queue
            .create_job(format!("gone {i}"), JobType::Download)
            .unwrap();
        job.cancel().unwrap();
    }
    let kept = queue.create_job("kept", JobType::Download).unwrap();
    queue
        .set_limits(QueueLimits {
            max_jobs: 10,
            max_files_per_job: 10,
        })
        .unwrap();
    let first = queue.take_changes();
    assert_eq!(
        first.len(),
        2,
        "the live job and the limits, not 1,000 leavers"
    );
    assert!(matches!(&first[0], Change::Put(r) if r.id == kept.id()));
    assert!(matches!(first[1], Change::Limits(_)));
    kept.set_description("now recorded").unwrap();
    assert_eq!(queue.take_changes().len(), 1);
}
