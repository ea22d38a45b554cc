//! The notify program (docs/contract.md §16.1) end to end: `bitsq
//! setnotifycmdline` stores it, and `bitsq service` runs it once, with no
//! shell, with the parameters the client wrote (the job's GUID among them)
//! and the job's GUID and event in its environment, after the job is
//! `transferred`. The program is a tiny script that appends one line per
//! run to a file.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::stored::{PATIENCE, Service, bitsq, ok, text, wait_for};

use bits_queue_tests::http_server::{TestServer, test_bytes};

/// The lines the script has written so far.
fn lines(out: &Path) -> Vec<String> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Waits until the script has written `count` lines.
fn wait_for_lines(out: &Path, count: usize) -> Vec<String> {
    let started = Instant::now();
    loop {
        let now = lines(out);
        if now.len() >= count {
            return now;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "{count} run(s) never came: {now:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A download job of `url` whose notify program is `script`, given the
/// job's own GUID and a quoted argument; its GUID.
fn job(queue: &Path, url: &str, local: &Path, script: &Path) -> String {
    let id = ok(bitsq(queue, &["create", "notified"])).trim().to_string();
    ok(bitsq(
        queue,
        &["addfile", &id, url, local.to_str().unwrap()],
    ));
    ok(bitsq(queue, &["setnotifyflags", &id, "1"]));
    let parameters = format!("notify.sh {id} \"two words\"");
    let set = ok(bitsq(
        queue,
        &[
            "setnotifycmdline",
            &id,
            script.to_str().unwrap(),
            &parameters,
        ],
    ));
    assert!(set.contains(&parameters), "{set}");
    let got = ok(bitsq(queue, &["getnotifycmdline", &id]));
    assert_eq!(set, got);
    id
}

#[test]
fn the_notify_program_runs_once_with_the_jobs_guid_after_transferred() {
    let server = TestServer::start();
    server.put("/a.bin", test_bytes(10_000, 1));
    server.put("/b.bin", test_bytes(10_000, 2));
    let dir = std::env::temp_dir().join(format!("bitsq-notify-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("runs.txt");
    let script = dir.join("notify.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s|%s|%s|%s\\n' \"$*\" \"$BITSQ_JOB_ID\" \"$BITSQ_JOB_EVENT\" \
             \"$(pwd)\" >> '{}'\n",
            out.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let queue = dir.join("queue.sqlite3");

    // A command line that is not an absolute path is refused, naming it.
    let id = ok(bitsq(&queue, &["create", "refused"])).trim().to_string();
    let refused = bitsq(&queue, &["setnotifycmdline", &id, "notify.sh"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("PROGRAM must be an absolute path"));
    ok(bitsq(&queue, &["cancel", &id]));

    let first = job(&queue, &server.url("/a.bin"), &dir.join("a.bin"), &script);
    ok(bitsq(&queue, &["resume", &first]));
    let mut service = Service::start(&queue, &[]);
    wait_for(&queue, &first, "state:        transferred");
    let ran = wait_for_lines(&out, 1);
    service.signal(libc::SIGTERM);
    service.0.wait().unwrap();

    // A second service on the same queue: had the first run not ended (or
    // not been marked as taken), it would come again before this job's,
    // since a service takes every due run at once.
    let second = job(&queue, &server.url("/b.bin"), &dir.join("b.bin"), &script);
    ok(bitsq(&queue, &["resume", &second]));
    let mut service = Service::start(&queue, &[]);
    wait_for(&queue, &second, "state:        transferred");
    let all = wait_for_lines(&out, 2);
    service.signal(libc::SIGTERM);
    service.0.wait().unwrap();

    assert_eq!(ran, [format!("{first} two words|{first}|transferred|/")]);
    assert_eq!(
        all,
        [
            format!("{first} two words|{first}|transferred|/"),
            format!("{second} two words|{second}|transferred|/"),
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
