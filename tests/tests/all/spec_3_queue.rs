//! Contract §3 (docs/contract.md) The queue: one per instance, shared by every manager; jobs belong to
//! the queue, not to handles; `enum-jobs` order; leaving the queue; unknown
//! GUIDs.

use bits_queue_host::{ErrorCode, FileInfo, Guid, Job, JobPriority, JobState, JobType, Progress};
use bits_queue_tests::{Snapshot, fresh, refusal};

fn ids(jobs: &[Job]) -> Vec<Guid> {
    jobs.iter().map(|j| j.id().unwrap()).collect()
}

#[test]
fn every_manager_of_an_instance_sees_the_same_jobs() {
    let (queue, first) = fresh();
    let second = queue.manager().unwrap();
    let a = first
        .create_job("from the first", JobType::Download)
        .unwrap();
    let b = second
        .create_job("from the second", JobType::Upload)
        .unwrap();
    // A manager opened after the jobs were created sees them too.
    let third = queue.manager().unwrap();
    let want = vec![a.id().unwrap(), b.id().unwrap()];
    for manager in [&first, &second, &third] {
        assert_eq!(ids(&manager.jobs().unwrap()), want);
        assert_eq!(
            manager.get_job(want[0]).unwrap().display_name().unwrap(),
            "from the first"
        );
        assert_eq!(
            manager.get_job(want[1]).unwrap().display_name().unwrap(),
            "from the second"
        );
    }
    // A change through one manager's handle is seen through another's.
    third
        .get_job(want[1])
        .unwrap()
        .set_priority(JobPriority::Low)
        .unwrap();
    assert_eq!(
        first.get_job(want[1]).unwrap().priority().unwrap(),
        JobPriority::Low
    );
}

#[test]
fn another_instance_has_a_queue_of_its_own() {
    let (_q1, one) = fresh();
    let (_q2, other) = fresh();
    let job = one.create_job("only here", JobType::Download).unwrap();
    assert_eq!(
        refusal(other.get_job(job.id().unwrap())),
        ErrorCode::NotFound
    );
    assert!(other.jobs().unwrap().is_empty());
}

#[test]
fn dropping_a_job_handle_neither_removes_nor_cancels_the_job() {
    let (_queue, manager) = fresh();
    let job = manager.create_job("kept", JobType::Download).unwrap();
    job.add_file("https://example.com/a", "/tmp/a").unwrap();
    job.resume().unwrap();
    let before = Snapshot::of(&job);
    drop(job);
    let again = manager.get_job(before.id).unwrap();
    assert_eq!(Snapshot::of(&again), before);
    assert_eq!(again.state().unwrap(), JobState::Queued);
    assert_eq!(ids(&manager.jobs().unwrap()), vec![before.id]);
}

#[test]
fn dropping_a_manager_neither_removes_nor_cancels_its_jobs() {
    let (queue, manager) = fresh();
    let created: Vec<Snapshot> = (0..3)
        .map(|i| {
            Snapshot::of(
                &manager
                    .create_job(&format!("job {i}"), JobType::Download)
                    .unwrap(),
            )
        })
        .collect();
    drop(manager);
    let other = queue.manager().unwrap();
    let listed: Vec<Snapshot> = other.jobs().unwrap().iter().map(Snapshot::of).collect();
    assert_eq!(listed, created);
    assert!(listed.iter().all(|s| s.state == JobState::Suspended));
}

#[test]
fn get_job_gives_a_new_handle_each_time_and_all_see_the_current_job() {
    let (_queue, manager) = fresh();
    let original = manager.create_job("shared", JobType::Download).unwrap();
    let id = original.id().unwrap();
    let handles: Vec<Job> = (0..10).map(|_| manager.get_job(id).unwrap()).collect();

    // Each handle makes a change; every other handle sees all of them.
    handles[1].set_display_name("renamed").unwrap();
    handles[2].set_description("described").unwrap();
    handles[3].set_priority(JobPriority::Foreground).unwrap();
    handles[4]
        .add_file("https://example.com/1", "/tmp/1")
        .unwrap();
    handles[5]
        .add_file_set(&[FileInfo::new("http://example.com/2", "C:\\2")])
        .unwrap();
    handles[6].resume().unwrap();

    let want = Snapshot {
        id,
        job_type: JobType::Download,
        state: JobState::Queued,
        display_name: "renamed".into(),
        description: "described".into(),
        priority: JobPriority::Foreground,
        progress: Progress {
            bytes_total: Progress::SIZE_UNKNOWN,
            bytes_transferred: 0,
            files_total: 2,
            files_transferred: 0,
        },
        files: vec![
            FileInfo::new("https://example.com/1", "/tmp/1"),
            FileInfo::new("http://example.com/2", "C:\\2"),
        ],
    };
    assert_eq!(Snapshot::of(&original), want);
    for handle in &handles {
        assert_eq!(Snapshot::of(handle), want);
    }
    // Dropping most handles changes nothing for the rest.
    let last = handles.into_iter().last().unwrap();
    assert_eq!(Snapshot::of(&last), want);
}

#[test]
fn enum_jobs_lists_the_queue_in_creation_order() {
    let (_queue, manager) = fresh();
    let types = [JobType::Upload, JobType::Download, JobType::UploadReply];
    let created: Vec<Job> = (0..12)
        .map(|i| {
            manager
                .create_job(&format!("job {i:02}"), types[i % 3])
                .unwrap()
        })
        .collect();
    let listed = manager.jobs().unwrap();
    assert_eq!(ids(&listed), ids(&created));
    for (i, job) in listed.iter().enumerate() {
        assert_eq!(job.display_name().unwrap(), format!("job {i:02}"));
        assert_eq!(job.job_type().unwrap(), types[i % 3]);
    }
    // The order is creation order, not GUID order (12 random GUIDs are
    // sorted by chance with probability 1/12!).
    let mut sorted = ids(&created);
    sorted.sort();
    assert_ne!(sorted, ids(&created));
}

#[test]
fn enum_jobs_is_a_list_of_the_moment_jobs_created_later_are_not_in_it() {
    let (_queue, manager) = fresh();
    let a = manager.create_job("a", JobType::Download).unwrap();
    let b = manager.create_job("b", JobType::Download).unwrap();
    let listed = manager.jobs().unwrap();
    let c = manager.create_job("c", JobType::Download).unwrap();
    assert_eq!(ids(&listed), vec![a.id().unwrap(), b.id().unwrap()]);
    // A fresh call does include it.
    assert_eq!(
        ids(&manager.jobs().unwrap()),
        vec![a.id().unwrap(), b.id().unwrap(), c.id().unwrap()]
    );
}

#[test]
fn enum_jobs_of_an_empty_queue_is_empty() {
    let (_queue, manager) = fresh();
    assert!(manager.jobs().unwrap().is_empty());
}

#[test]
fn cancelled_and_acknowledged_jobs_leave_the_queue() {
    let (_queue, manager) = fresh();
    let created: Vec<Job> = (0..5)
        .map(|i| {
            manager
                .create_job(&format!("{i}"), JobType::Download)
                .unwrap()
        })
        .collect();
    let all = ids(&created);
    created[1].cancel().unwrap();
    created[3].complete().unwrap();
    assert_eq!(refusal(manager.get_job(all[1])), ErrorCode::NotFound);
    assert_eq!(refusal(manager.get_job(all[3])), ErrorCode::NotFound);
    // The rest keep their creation order.
    assert_eq!(ids(&manager.jobs().unwrap()), vec![all[0], all[2], all[4]]);
    for id in [all[0], all[2], all[4]] {
        assert_eq!(manager.get_job(id).unwrap().id().unwrap(), id);
    }
}

/// Every call that would change a job, on one handle: each must give
/// `invalid-state` once the job has left the queue.
fn assert_every_mutation_is_invalid_state(job: &Job) {
    let before = Snapshot::of(job);
    let calls: [(&str, bits_queue_host::Result<()>); 9] = [
        ("set-display-name", job.set_display_name("new")),
        ("set-description", job.set_description("new")),
        ("set-priority", job.set_priority(JobPriority::High)),
        ("add-file", job.add_file("https://example.com/x", "/tmp/x")),
        (
            "add-file-set",
            job.add_file_set(&[FileInfo::new("https://example.com/y", "/tmp/y")]),
        ),
        ("suspend", job.suspend()),
        ("resume", job.resume()),
        ("cancel", job.cancel()),
        ("complete", job.complete()),
    ];
    for (name, result) in calls {
        assert_eq!(refusal(result), ErrorCode::InvalidState, "{name}");
    }
    assert_eq!(Snapshot::of(job), before, "a refused call changed the job");
}

#[test]
fn handles_of_a_cancelled_job_report_it_and_refuse_every_change() {
    let (_queue, manager) = fresh();
    let job = manager.create_job("going", JobType::Download).unwrap();
    job.set_description("last words").unwrap();
    job.set_priority(JobPriority::High).unwrap();
    job.add_file("https://example.com/a", "/tmp/a").unwrap();
    let id = job.id().unwrap();
    let other = manager.get_job(id).unwrap();
    let listed = manager.jobs().unwrap();
    job.cancel().unwrap();

    for handle in [&job, &other, &listed[0]] {
        let s = Snapshot::of(handle);
        assert_eq!(s.id, id);
        assert_eq!(s.state, JobState::Cancelled);
        assert_eq!(s.job_type, JobType::Download);
        assert_eq!(s.display_name, "going");
        assert_eq!(s.description, "last words");
        assert_eq!(s.priority, JobPriority::High);
        assert_eq!(
            s.files,
            vec![FileInfo::new("https://example.com/a", "/tmp/a")]
        );
        assert_eq!(s.progress.files_total, 1);
        assert_every_mutation_is_invalid_state(handle);
    }
    assert_eq!(refusal(manager.get_job(id)), ErrorCode::NotFound);
    assert!(manager.jobs().unwrap().is_empty());
}

#[test]
fn handles_of_an_acknowledged_job_report_it_and_refuse_every_change() {
    let (_queue, manager) = fresh();
    let job = manager.create_job("done", JobType::Download).unwrap();
    job.add_file("https://example.com/a", "/tmp/a").unwrap();
    job.resume().unwrap();
    let id = job.id().unwrap();
    let other = manager.get_job(id).unwrap();
    other.complete().unwrap();

    for handle in [&job, &other] {
        assert_eq!(handle.state().unwrap(), JobState::Acknowledged);
        assert_eq!(handle.id().unwrap(), id);
        assert_eq!(handle.display_name().unwrap(), "done");
        assert_eq!(handle.files().unwrap().len(), 1);
        assert_every_mutation_is_invalid_state(handle);
    }
    assert_eq!(refusal(manager.get_job(id)), ErrorCode::NotFound);
    assert!(manager.jobs().unwrap().is_empty());
}

#[test]
fn get_job_with_a_guid_never_issued_is_not_found() {
    let (queue, manager) = fresh();
    let live = manager.create_job("live", JobType::Download).unwrap();
    let live_id = live.id().unwrap();

    assert_eq!(refusal(manager.get_job(Guid::NIL)), ErrorCode::NotFound);
    let nil = queue
        .parse_guid("{00000000-0000-0000-0000-000000000000}")
        .unwrap();
    assert_eq!(refusal(manager.get_job(nil)), ErrorCode::NotFound);
    // The spec's example, a version-1 GUID no queue issues.
    let example = queue
        .parse_guid("{6B29FC40-CA47-1067-B31D-00DD010662DA}")
        .unwrap();
    assert_eq!(refusal(manager.get_job(example)), ErrorCode::NotFound);
    // A live job's GUID with one bit changed.
    let mut near = live_id;
    near.data4[7] ^= 1;
    assert_eq!(refusal(manager.get_job(near)), ErrorCode::NotFound);
    // All ones.
    let ones = Guid {
        data1: u32::MAX,
        data2: u16::MAX,
        data3: u16::MAX,
        data4: [0xFF; 8],
    };
    assert_eq!(refusal(manager.get_job(ones)), ErrorCode::NotFound);
    // The live job is still found.
    assert_eq!(manager.get_job(live_id).unwrap().id().unwrap(), live_id);
}
