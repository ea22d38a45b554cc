//! Contract §16.5: `set-remote-name` and `replace-remote-prefix`, natively.

use bits_queue_contract::{Action, CallError, Datetime, FileRef, TransferOrder};
use bits_queue_logic::clock::ManualClock;
use bits_queue_logic::queue::{JobRef, QueueState};
use bits_queue_logic::random::SplitMix64;
use bits_queue_logic::{JobState, JobType};

fn queue() -> QueueState {
    let clock = ManualClock::at(Datetime::from_seconds(1_700_000_000));
    QueueState::with_clock(SplitMix64::new(20), clock)
}

fn download(queue: &QueueState) -> JobRef {
    let job = queue.create_job("renamed", JobType::Download).unwrap();
    job.add_file("https://old.example/a", "/data/a").unwrap();
    job.add_file("https://old.example/b", "/data/b").unwrap();
    job.add_file("https://other.example/c", "/data/c").unwrap();
    job
}

fn remotes(job: &JobRef) -> Vec<String> {
    job.files().into_iter().map(|f| f.remote_name).collect()
}

fn actions(queue: &QueueState) -> (Vec<TransferOrder>, Vec<FileRef>) {
    let mut starts = Vec::new();
    let mut stops = Vec::new();
    for action in queue.poll() {
        match action {
            Action::Start(order) => starts.push(order),
            Action::Stop(file) => stops.push(file),
            _ => {}
        }
    }
    (starts, stops)
}

/// The checks, in the contract's order; a refusal changes nothing.
#[test]
fn set_remote_name_checks() {
    let queue = queue();
    let upload = queue.create_job("u", JobType::Upload).unwrap();
    upload.add_file("https://h/u", "/data/u").unwrap();
    assert_eq!(
        upload.set_remote_name(0, "https://h/v"),
        Err(CallError::NotImplemented)
    );
    let job = download(&queue);
    let long = format!("https://h/{}", "a".repeat(2200));
    for (index, url) in [
        (0, long.as_str()),
        (3, "https://h/x"),
        (0, "ftp://h/x"),
        (0, "https://user@h/x"),
        (0, "https://h:99999/x"),
    ] {
        assert_eq!(
            job.set_remote_name(index, url),
            Err(CallError::InvalidArgument),
            "{index} {url}"
        );
    }
    assert_eq!(remotes(&job)[0], "https://old.example/a");
    job.set_remote_name(1, "https://new.example/b").unwrap();
    assert_eq!(remotes(&job)[1], "https://new.example/b");
    job.cancel().unwrap();
    assert_eq!(
        job.set_remote_name(0, "https://h/x"),
        Err(CallError::InvalidState)
    );
}

/// A prefix replaced in every name it starts, case-sensitively; none when
/// any result would be refused; false when none matched.
#[test]
fn replace_remote_prefix_is_all_or_nothing() {
    let queue = queue();
    let job = download(&queue);
    assert_eq!(
        job.replace_remote_prefix("", "https://x"),
        Err(CallError::InvalidArgument)
    );
    assert_eq!(
        job.replace_remote_prefix("https://old.example/", "gopher://old/"),
        Err(CallError::InvalidArgument)
    );
    assert_eq!(remotes(&job)[0], "https://old.example/a", "none changed");
    assert_eq!(
        job.replace_remote_prefix("HTTPS://OLD.example/", "https://new/"),
        Ok(false),
        "case-sensitive"
    );
    assert_eq!(
        job.replace_remote_prefix("https://old.example/", "https://new.example/v2/"),
        Ok(true)
    );
    assert_eq!(
        remotes(&job),
        [
            "https://new.example/v2/a",
            "https://new.example/v2/b",
            "https://other.example/c"
        ]
    );
}

/// A file in flight that is renamed sends the job back to `queued` with
/// its progress and validator; the next poll stops the old transfer and
/// starts the new URL from the same offset. A completed file keeps its
/// progress and is not fetched again.
#[test]
fn renaming_the_file_in_flight_requeues_the_job() {
    let queue = queue();
    let job = download(&queue);
    job.resume().unwrap();
    let (starts, _) = actions(&queue);
    let first = starts[0].file;
    queue.report_connected(first, Some(10), None).unwrap();
    queue.report_progress(first, 10).unwrap();
    queue.report_done(first).unwrap();
    let (starts, _) = actions(&queue);
    let second = starts[0].file;
    queue
        .report_connected(second, Some(100), Some("\"v1\"".into()))
        .unwrap();
    queue.report_progress(second, 40).unwrap();
    job.set_remote_name(0, "https://elsewhere/a").unwrap();
    assert_eq!(job.state(), JobState::Transferring, "a completed file");
    job.set_remote_name(1, "https://mirror.example/b").unwrap();
    assert_eq!(job.state(), JobState::Queued);
    let (starts, stops) = actions(&queue);
    assert_eq!(stops, [second]);
    assert_eq!(starts.len(), 1);
    assert_eq!(starts[0].remote_name, "https://mirror.example/b");
    assert_eq!(starts[0].offset, 40);
    assert_eq!(starts[0].validator.as_deref(), Some("\"v1\""));
    assert_eq!(job.progress().files_transferred, 1);
}
