//! Contract §4 (docs/contract.md) Jobs: properties at creation, string limits in UTF-16 code units,
//! `add-file` and `add-file-set` rules, progress.

use bits_queue_host::{
    ErrorCode, FileInfo, Job, JobManager, JobPriority, JobState, JobType, Progress, QueueLimits,
};
use bits_queue_tests::{Snapshot, fresh, local_of_units, refusal, remote_of_units, units};

/// A valid file, numbered.
fn file(n: usize) -> FileInfo {
    FileInfo::new(
        format!("https://example.com/files/{n}"),
        format!("/srv/files/{n}"),
    )
}

fn download(manager: &JobManager) -> Job {
    manager.create_job("download", JobType::Download).unwrap()
}

#[test]
fn a_new_job_has_the_creation_properties() {
    let (_queue, manager) = fresh();
    for job_type in JobType::ALL.iter().copied() {
        let name = format!("a {job_type} job");
        let job = manager.create_job(&name, job_type).unwrap();
        let s = Snapshot::of(&job);
        assert_eq!(s.job_type, job_type);
        assert_eq!(s.state, JobState::Suspended);
        assert_eq!(s.display_name, name);
        assert_eq!(s.description, "");
        assert_eq!(s.priority, JobPriority::Normal);
        assert_eq!(s.files, Vec::<FileInfo>::new());
        assert_eq!(
            s.progress,
            Progress {
                bytes_total: 0,
                bytes_transferred: 0,
                files_total: 0,
                files_transferred: 0,
            }
        );
    }
}

#[test]
fn the_type_never_changes() {
    let (_queue, manager) = fresh();
    for job_type in JobType::ALL.iter().copied() {
        let job = manager.create_job("typed", job_type).unwrap();
        job.set_display_name("other").unwrap();
        job.set_priority(JobPriority::Low).unwrap();
        job.add_file("https://example.com/a", "/tmp/a").unwrap();
        job.resume().unwrap();
        job.suspend().unwrap();
        assert_eq!(job.job_type().unwrap(), job_type);
        job.cancel().unwrap();
        assert_eq!(job.job_type().unwrap(), job_type);
    }
}

#[test]
fn an_empty_display_name_is_allowed_and_names_need_not_be_unique() {
    let (_queue, manager) = fresh();
    let empty = manager.create_job("", JobType::Download).unwrap();
    assert_eq!(empty.display_name().unwrap(), "");
    let twin_a = manager.create_job("twin", JobType::Download).unwrap();
    let twin_b = manager.create_job("twin", JobType::Download).unwrap();
    assert_ne!(twin_a.id().unwrap(), twin_b.id().unwrap());
    assert_eq!(manager.jobs().unwrap().len(), 3);
    // Setting a name to empty, or to another job's name, is fine too.
    twin_a.set_display_name("").unwrap();
    assert_eq!(twin_a.display_name().unwrap(), "");
    empty.set_display_name("twin").unwrap();
    assert_eq!(empty.display_name().unwrap(), "twin");
}

/// Strings of exactly `limit` units and of `limit + 1` or `limit + 2`
/// units, in ASCII, in "é" (one unit, two bytes), in "€" (one unit, three
/// bytes) and in "😀" (two units, four bytes). A byte count would refuse the
/// multibyte strings at the limit; a char count would accept the emoji ones
/// over it.
fn at_and_over(limit: usize) -> (Vec<String>, Vec<String>) {
    let at = vec![
        units("a", limit),
        units("é", limit),
        units("€", limit),
        units("😀", limit),
        format!("{}😀", units("é", limit - 2)),
    ];
    let over = vec![
        units("a", limit + 1),
        units("é", limit + 1),
        units("€", limit + 1),
        units("😀", limit + 2),
        format!("{}a", units("😀", limit)),
        format!("{}😀", units("a", limit - 1)),
    ];
    (at, over)
}

#[test]
fn create_job_takes_256_units_and_refuses_257_with_invalid_argument() {
    let (_queue, manager) = fresh();
    let (at, over) = at_and_over(256);
    for name in &at {
        let job = manager.create_job(name, JobType::Download).unwrap();
        assert_eq!(&job.display_name().unwrap(), name);
    }
    for name in &over {
        assert_eq!(
            refusal(manager.create_job(name, JobType::Download)),
            ErrorCode::InvalidArgument,
            "{} chars",
            name.chars().count()
        );
    }
    // Only the accepted ones were created.
    assert_eq!(manager.jobs().unwrap().len(), at.len());
}

#[test]
fn set_display_name_takes_256_units_and_refuses_257_with_string_too_long() {
    let (_queue, manager) = fresh();
    let job = manager.create_job("before", JobType::Upload).unwrap();
    let (at, over) = at_and_over(256);
    for name in &at {
        job.set_display_name(name).unwrap();
        assert_eq!(&job.display_name().unwrap(), name);
    }
    job.set_display_name("kept").unwrap();
    for name in &over {
        assert_eq!(
            refusal(job.set_display_name(name)),
            ErrorCode::StringTooLong
        );
        assert_eq!(job.display_name().unwrap(), "kept");
    }
}

#[test]
fn set_description_takes_1024_units_and_refuses_1025_with_string_too_long() {
    let (_queue, manager) = fresh();
    let job = manager
        .create_job("described", JobType::UploadReply)
        .unwrap();
    let (at, over) = at_and_over(1024);
    for text in &at {
        job.set_description(text).unwrap();
        assert_eq!(&job.description().unwrap(), text);
    }
    job.set_description("kept").unwrap();
    for text in &over {
        assert_eq!(refusal(job.set_description(text)), ErrorCode::StringTooLong);
        assert_eq!(job.description().unwrap(), "kept");
    }
    job.set_description("").unwrap();
    assert_eq!(job.description().unwrap(), "");
}

#[test]
fn every_priority_can_be_set() {
    let (_queue, manager) = fresh();
    let job = download(&manager);
    for priority in JobPriority::ALL.iter().copied() {
        job.set_priority(priority).unwrap();
        assert_eq!(job.priority().unwrap(), priority);
    }
}

#[test]
fn files_are_kept_in_the_order_they_were_added() {
    let (_queue, manager) = fresh();
    let job = download(&manager);
    job.add_file(&file(0).remote_name, &file(0).local_name)
        .unwrap();
    job.add_file_set(&[file(1), file(2), file(3)]).unwrap();
    job.add_file(&file(4).remote_name, &file(4).local_name)
        .unwrap();
    job.add_file_set(&[file(5)]).unwrap();
    let want: Vec<FileInfo> = (0..6).map(file).collect();
    assert_eq!(job.files().unwrap(), want);
}

#[test]
fn remote_names_are_http_https_or_file_urls_in_any_case() {
    let (_queue, manager) = fresh();
    let job = download(&manager);
    let accepted = [
        "http://example.com/a",
        "https://example.com/a",
        "file:///C:/data/a",
        "file://server/share/a",
        "HTTP://EXAMPLE.COM/A",
        "HTTPS://example.com/a",
        "FILE:///tmp/a",
        "hTtP://example.com/a",
        "HtTpS://example.com:8443/a?b=c#d",
        "File://server/a",
    ];
    for (i, remote) in accepted.iter().enumerate() {
        job.add_file(remote, &format!("/tmp/{i}")).unwrap();
    }
    let remotes: Vec<String> = job
        .files()
        .unwrap()
        .into_iter()
        .map(|f| f.remote_name)
        .collect();
    assert_eq!(remotes, accepted);

    let refused = [
        "",
        "example.com/a",
        "//example.com/a",
        "ftp://example.com/a",
        "httpx://example.com/a",
        "htp://example.com/a",
        "http:/example.com/a",
        "http:example.com/a",
        "https//example.com/a",
        "mailto:someone@example.com",
        "/tmp/local",
        "C:\\local",
        " http://example.com/a",
    ];
    for remote in refused {
        assert_eq!(
            refusal(job.add_file(remote, "/tmp/x")),
            ErrorCode::InvalidArgument,
            "{remote:?}"
        );
    }
    assert_eq!(job.files().unwrap().len(), accepted.len());
}

#[test]
fn remote_names_are_at_most_2200_units() {
    let (_queue, manager) = fresh();
    let job = download(&manager);
    for unit in ["a", "é", "€"] {
        let at = remote_of_units(unit, 2200);
        job.add_file(&at, "/tmp/x").unwrap();
        let over = remote_of_units(unit, 2201);
        assert_eq!(
            refusal(job.add_file(&over, "/tmp/x")),
            ErrorCode::InvalidArgument
        );
    }
    // "😀" is two units: 2,200 units accepted, 2,202 (1,091 chars) refused.
    let head = "https://example.com/";
    let at = format!("{head}{}", units("😀", 2200 - head.len()));
    job.add_file(&at, "/tmp/x").unwrap();
    let over = format!("{head}{}", units("😀", 2202 - head.len()));
    assert_eq!(
        refusal(job.add_file(&over, "/tmp/x")),
        ErrorCode::InvalidArgument
    );
    assert_eq!(job.files().unwrap().len(), 4);
}

#[test]
fn local_names_are_absolute_paths() {
    let (_queue, manager) = fresh();
    let job = download(&manager);
    let accepted = [
        "/x",
        "/",
        "/var/tmp/a b.iso",
        "C:\\x",
        "C:/x",
        "c:\\x",
        "Z:/dir/sub/file.txt",
        "D:\\dir\\é😀.txt",
    ];
    for (i, local) in accepted.iter().enumerate() {
        job.add_file(&format!("https://example.com/{i}"), local)
            .unwrap();
    }
    let locals: Vec<String> = job
        .files()
        .unwrap()
        .into_iter()
        .map(|f| f.local_name)
        .collect();
    assert_eq!(locals, accepted);

    let refused = [
        "",
        "x",
        "x/y",
        "./x",
        "../x",
        "~/x",
        "C:",
        "C:x",
        "CC:\\x",
        "1:\\x",
        ":\\x",
        "C\\x",
        "\\x",
        "\\\\server\\share\\x",
        "https://example.com/x",
    ];
    for local in refused {
        assert_eq!(
            refusal(job.add_file("https://example.com/r", local)),
            ErrorCode::InvalidArgument,
            "{local:?}"
        );
    }
    assert_eq!(job.files().unwrap().len(), accepted.len());
}

#[test]
fn local_names_have_no_wildcards() {
    let (_queue, manager) = fresh();
    let job = download(&manager);
    for local in [
        "/tmp/*",
        "/tmp/a*.iso",
        "C:\\a?.iso",
        "C:/?",
        "/*/x",
        "/tmp/a?b*c",
    ] {
        assert_eq!(
            refusal(job.add_file("https://example.com/r", local)),
            ErrorCode::InvalidArgument,
            "{local:?}"
        );
    }
    assert!(job.files().unwrap().is_empty());
}

#[test]
fn local_names_are_at_most_260_units() {
    let (_queue, manager) = fresh();
    let job = download(&manager);
    for unit in ["a", "é", "€", "😀"] {
        let at = local_of_units(unit, 260);
        job.add_file("https://example.com/r", &at).unwrap();
        let over = if unit == "😀" {
            local_of_units(unit, 262)
        } else {
            local_of_units(unit, 261)
        };
        assert_eq!(
            refusal(job.add_file("https://example.com/r", &over)),
            ErrorCode::InvalidArgument,
            "{unit}"
        );
    }
    // A drive path at the limit, and one over.
    job.add_file("https://example.com/r", &format!("C:\\{}", units("x", 257)))
        .unwrap();
    assert_eq!(
        refusal(job.add_file("https://example.com/r", &format!("C:\\{}", units("x", 258)))),
        ErrorCode::InvalidArgument
    );
    assert_eq!(job.files().unwrap().len(), 5);
}

#[test]
fn upload_jobs_hold_exactly_one_file() {
    let (_queue, manager) = fresh();
    for job_type in [JobType::Upload, JobType::UploadReply] {
        let job = manager.create_job("up", job_type).unwrap();
        job.add_file("https://example.com/in", "/tmp/out").unwrap();
        assert_eq!(
            refusal(job.add_file("https://example.com/2", "/tmp/2")),
            ErrorCode::TooManyFiles,
            "{job_type}"
        );
        assert_eq!(
            refusal(job.add_file_set(&[file(2)])),
            ErrorCode::TooManyFiles
        );
        assert_eq!(
            job.files().unwrap(),
            vec![FileInfo::new("https://example.com/in", "/tmp/out")]
        );
        assert_eq!(job.progress().unwrap().files_total, 1);
    }
}

#[test]
fn add_file_set_on_an_upload_job_adds_nothing_if_it_would_make_more_than_one() {
    let (_queue, manager) = fresh();
    for job_type in [JobType::Upload, JobType::UploadReply] {
        let job = manager.create_job("up", job_type).unwrap();
        assert_eq!(
            refusal(job.add_file_set(&[file(0), file(1)])),
            ErrorCode::TooManyFiles,
            "{job_type}"
        );
        assert!(job.files().unwrap().is_empty());
        assert_eq!(job.progress().unwrap(), Progress::default());
        // One file in a set is fine.
        job.add_file_set(&[file(7)]).unwrap();
        assert_eq!(job.files().unwrap(), vec![file(7)]);
    }
}

#[test]
fn download_jobs_hold_up_to_max_files_per_job_200_by_default() {
    let (_queue, manager) = fresh();
    let job = download(&manager);
    for n in 0..200 {
        let f = file(n);
        job.add_file(&f.remote_name, &f.local_name).unwrap();
    }
    assert_eq!(
        refusal(job.add_file("https://example.com/201", "/tmp/201")),
        ErrorCode::TooManyFilesInJob
    );
    assert_eq!(
        refusal(job.add_file_set(&[file(201)])),
        ErrorCode::TooManyFilesInJob
    );
    assert_eq!(job.files().unwrap(), (0..200).map(file).collect::<Vec<_>>());
}

#[test]
fn more_than_max_files_per_job_is_too_many_files_in_job() {
    let (queue, manager) = fresh();
    queue
        .set_limits(QueueLimits {
            max_jobs: 300,
            max_files_per_job: 3,
        })
        .unwrap();
    let job = download(&manager);
    job.add_file_set(&[file(0), file(1)]).unwrap();
    // A set that would make four adds none of its files.
    assert_eq!(
        refusal(job.add_file_set(&[file(2), file(3)])),
        ErrorCode::TooManyFilesInJob
    );
    assert_eq!(job.files().unwrap(), vec![file(0), file(1)]);
    job.add_file(&file(2).remote_name, &file(2).local_name)
        .unwrap();
    assert_eq!(
        refusal(job.add_file(&file(3).remote_name, &file(3).local_name)),
        ErrorCode::TooManyFilesInJob
    );
    assert_eq!(job.files().unwrap(), vec![file(0), file(1), file(2)]);
    // A set bigger than the limit on an empty job.
    let other = download(&manager);
    assert_eq!(
        refusal(other.add_file_set(&(0..4).map(file).collect::<Vec<_>>())),
        ErrorCode::TooManyFilesInJob
    );
    assert!(other.files().unwrap().is_empty());
    other
        .add_file_set(&(0..3).map(file).collect::<Vec<_>>())
        .unwrap();
}

#[test]
fn add_file_set_is_all_or_nothing() {
    let (_queue, manager) = fresh();
    let job = download(&manager);
    job.add_file_set(&[file(0)]).unwrap();
    let before = Snapshot::of(&job);
    let bad_sets: [Vec<FileInfo>; 4] = [
        vec![
            file(1),
            file(2),
            FileInfo::new("https://example.com/x", "relative"),
        ],
        vec![FileInfo::new("gopher://example.com/x", "/tmp/x"), file(1)],
        vec![
            file(1),
            FileInfo::new("https://example.com/x", "/tmp/*"),
            file(2),
        ],
        vec![file(1), FileInfo::new(remote_of_units("a", 2201), "/tmp/x")],
    ];
    for set in &bad_sets {
        assert_eq!(refusal(job.add_file_set(set)), ErrorCode::InvalidArgument);
        assert_eq!(Snapshot::of(&job), before);
    }
    // The same on upload jobs: an invalid entry adds nothing.
    for job_type in [JobType::Upload, JobType::UploadReply] {
        let up = manager.create_job("up", job_type).unwrap();
        assert_eq!(
            refusal(up.add_file_set(&[FileInfo::new("https://example.com/x", "x")])),
            ErrorCode::InvalidArgument
        );
        assert!(up.files().unwrap().is_empty());
    }
}

#[test]
fn adding_to_a_cancelled_or_acknowledged_job_is_invalid_state() {
    let (_queue, manager) = fresh();
    let cancelled = download(&manager);
    cancelled.cancel().unwrap();
    let acknowledged = download(&manager);
    acknowledged.complete().unwrap();
    for job in [&cancelled, &acknowledged] {
        assert_eq!(
            refusal(job.add_file("https://example.com/a", "/tmp/a")),
            ErrorCode::InvalidState
        );
        assert_eq!(
            refusal(job.add_file_set(&[file(0)])),
            ErrorCode::InvalidState
        );
        assert!(job.files().unwrap().is_empty());
    }
}

#[test]
fn progress_counts_files_and_is_size_unknown_once_a_file_is_added() {
    let (_queue, manager) = fresh();
    let job = download(&manager);
    assert_eq!(job.progress().unwrap(), Progress::default());
    job.add_file("https://example.com/a", "/tmp/a").unwrap();
    assert_eq!(
        job.progress().unwrap(),
        Progress {
            bytes_total: 18_446_744_073_709_551_615,
            bytes_transferred: 0,
            files_total: 1,
            files_transferred: 0,
        }
    );
    assert_eq!(Progress::SIZE_UNKNOWN, u64::MAX);
    job.add_file_set(&[file(1), file(2)]).unwrap();
    assert_eq!(
        job.progress().unwrap(),
        Progress {
            bytes_total: u64::MAX,
            bytes_transferred: 0,
            files_total: 3,
            files_transferred: 0,
        }
    );
    // A refused add changes no count.
    assert_eq!(
        refusal(job.add_file("bad", "/tmp/b")),
        ErrorCode::InvalidArgument
    );
    assert_eq!(job.progress().unwrap().files_total, 3);
    // Nothing transfers without a network: still nothing arrived after resume.
    job.resume().unwrap();
    let p = job.progress().unwrap();
    assert_eq!((p.bytes_transferred, p.files_transferred), (0, 0));
    // An upload job's one file counts the same way.
    let up = manager.create_job("up", JobType::Upload).unwrap();
    up.add_file("https://example.com/u", "C:\\u").unwrap();
    assert_eq!(
        up.progress().unwrap(),
        Progress {
            bytes_total: u64::MAX,
            bytes_transferred: 0,
            files_total: 1,
            files_transferred: 0,
        }
    );
}
