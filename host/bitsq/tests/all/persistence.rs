//! The stored queue across bitsq invocations (docs/contract.md §11): one
//! command per process, as bitsadmin is used; `bitsq service` transferring
//! what other invocations resume; a service killed mid-transfer resuming
//! from the stored offset; and a process killed at random moments never
//! losing a job or a change it reported.

use crate::stored;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use stored::{Service, bitsq, ok, range_start, text, wait_for, wait_for_stored_bytes};

use bits_queue_tests::http_server::{Fault, TestServer, test_bytes};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bitsq-persist-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_job_created_in_one_process_is_listed_by_the_next() {
    let dir = scratch("list");
    let queue = dir.join("queue.sqlite3");
    let id = ok(bitsq(&queue, &["create", "Nightly backup"]));
    let id = id.trim();
    assert!(id.starts_with('{') && id.len() == 38, "{id}");
    let listed = ok(bitsq(&queue, &["list"]));
    assert!(
        listed.contains(id) && listed.contains("Nightly backup"),
        "{listed}"
    );
    // By display name, as bitsadmin allows.
    ok(bitsq(
        &queue,
        &[
            "addfile",
            "Nightly backup",
            "https://example.com/a",
            "/tmp/a",
        ],
    ));
    ok(bitsq(&queue, &["setdescription", "Nightly backup", "kept"]));
    let info = ok(bitsq(&queue, &["info", id]));
    assert!(info.contains("description:  kept"), "{info}");
    assert!(info.contains("files:        0 of 1 transferred"), "{info}");
    // An ambiguous name lists its jobs.
    ok(bitsq(&queue, &["create", "Nightly backup"]));
    let ambiguous = bitsq(&queue, &["resume", "Nightly backup"]);
    assert_eq!(ambiguous.status.code(), Some(1));
    let stderr = text(&ambiguous.stderr);
    assert!(
        stderr.contains("2 jobs are named `Nightly backup`") && stderr.contains(id),
        "{stderr}"
    );
    // A refusal exits 1, bad words 2.
    assert_eq!(bitsq(&queue, &["resume", "nobody"]).status.code(), Some(1));
    assert_eq!(bitsq(&queue, &["resume"]).status.code(), Some(2));
    ok(bitsq(&queue, &["cancel", id]));
    assert!(!ok(bitsq(&queue, &["list"])).contains(id));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_service_transfers_what_other_invocations_resume() {
    let server = TestServer::start();
    let dir = scratch("service");
    let queue = dir.join("queue.sqlite3");
    let bytes = test_bytes(300_000, 41);
    server.put("/s.bin", bytes.clone());
    let mut service = Service::start(&queue, &[]);
    let second = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .arg("--queue")
        .arg(&queue)
        .arg("service")
        .output()
        .unwrap();
    // 4: the queue's store is held (not a usage error).
    assert_eq!(second.status.code(), Some(4), "one service per queue");
    assert!(
        text(&second.stderr).contains("another bitsq service"),
        "{}",
        text(&second.stderr)
    );
    let local = dir.join("s.bin");
    let id = ok(bitsq(&queue, &["create", "download"]));
    let id = id.trim();
    ok(bitsq(
        &queue,
        &[
            "addfile",
            id,
            &server.url("/s.bin"),
            local.to_str().unwrap(),
        ],
    ));
    ok(bitsq(&queue, &["resume", id]));
    wait_for(&queue, id, "state:        transferred");
    assert!(!local.exists(), "not before complete");
    ok(bitsq(&queue, &["complete", id]));
    assert_eq!(
        std::fs::read(&local).unwrap(),
        bytes,
        "complete put the file in place"
    );
    service.signal(libc::SIGTERM);
    let status = service.0.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_service_killed_mid_transfer_resumes_from_the_stored_offset() {
    let server = TestServer::start();
    let dir = scratch("killed");
    let queue = dir.join("queue.sqlite3");
    let bytes = test_bytes(2 << 20, 42);
    server.put("/k.bin", bytes.clone());
    server.fault("/k.bin", Fault::Stall(1 << 20, Duration::from_secs(30)));
    let local = dir.join("k.bin");
    let id = ok(bitsq(&queue, &["create", "killed"]));
    let id = id.trim().to_string();
    ok(bitsq(
        &queue,
        &[
            "addfile",
            &id,
            &server.url("/k.bin"),
            local.to_str().unwrap(),
        ],
    ));
    ok(bitsq(&queue, &["resume", &id]));
    let mut first = Service::start(&queue, &[]);
    wait_for(&queue, &id, "state:        transferring");
    let stored = wait_for_stored_bytes(&queue, &id);
    first.signal(libc::SIGKILL);
    first.0.wait().unwrap();
    let _second = Service::start(&queue, &[]);

    wait_for(&queue, &id, "state:        transferred");
    let requests = server.requests("/k.bin");
    let resumed = requests.last().unwrap();
    let range = resumed.range.as_deref().expect("a Range request");
    let offset = range_start(range);
    assert!(offset >= stored, "resumed at {offset}, stored {stored}");
    assert_eq!(resumed.status, 206);
    ok(bitsq(&queue, &["complete", &id]));
    assert_eq!(std::fs::read(&local).unwrap(), bytes);
    std::fs::remove_dir_all(dir).unwrap();
}

/// 50 times: a shell creating and changing jobs is killed (SIGKILL) at a
/// seeded random moment; the store then opens, and every job whose
/// creation the shell reported is there with every change it reported.
#[test]
fn fifty_kills_lose_nothing_that_was_reported() {
    let dir = scratch("crash");
    let queue = dir.join("queue.sqlite3");
    let mut random = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        random
    };
    // Many jobs, no files: limits a default sandbox can serve (bitsq
    // refuses 3000 jobs of 200 files of the longest names).
    ok(bitsq(&queue, &["limits", "3000", "1"]));
    // What the shells reported, across all kills: GUID → description.
    let mut reported: Vec<(String, Option<String>)> = Vec::new();
    for kill in 0..50 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bitsq"))
            .arg("--queue")
            .arg(&queue)
            .args(["shell", "--no-transfer"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        let mut script = String::new();
        for n in 0..20 {
            script += &format!("create crash-{kill}-{n}\n");
        }
        // The descriptions are set by name, each reported on its own line.
        for n in 0..20 {
            script += &format!(
                "setdescription crash-{kill}-{n} described-{kill}-{n}\ninfo crash-{kill}-{n}\n"
            );
        }
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(script.as_bytes());
        });
        // The kill comes after a seeded number of reported lines (at least
        // one creation), not after a time: on a loaded machine a time may
        // pass before anything is reported, and the test would prove
        // nothing. Where in the shell's work the kill lands stays random.
        let kill_after = 1 + next() % 60;
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut current: Option<String> = None;
        for _ in 0..kill_after {
            let Some(Ok(line)) = lines.next() else { break };
            if line.len() == 38 && line.starts_with('{') {
                reported.push((line, None));
            } else if let Some(id) = line.strip_prefix("guid:         ") {
                current = Some(id.to_string());
            } else if let Some(description) = line.strip_prefix("description:  ")
                && let Some(id) = current.take()
                && let Some(entry) = reported.iter_mut().find(|(g, _)| *g == id)
            {
                entry.1 = Some(description.to_string());
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        let _ = writer.join();

        // The store opens, and holds all that was reported: one shell reads
        // every job back.
        let mut check = Command::new(env!("CARGO_BIN_EXE_bitsq"))
            .arg("--queue")
            .arg(&queue)
            .args(["shell", "--no-transfer"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let questions: String = reported
            .iter()
            .map(|(id, _)| format!("info {id}\n"))
            .collect();
        check
            .stdin
            .take()
            .unwrap()
            .write_all(questions.as_bytes())
            .unwrap();
        let answers = check.wait_with_output().unwrap();
        assert_eq!(
            answers.status.code(),
            Some(0),
            "kill {kill}: the store opens"
        );
        assert!(
            answers.stderr.is_empty(),
            "kill {kill}: {}",
            text(&answers.stderr)
        );
        let answers = text(&answers.stdout);
        for (id, description) in &reported {
            let at = answers
                .find(&format!("guid:         {id}"))
                .unwrap_or_else(|| panic!("kill {kill}: {id} lost"));
            if let Some(description) = description {
                assert!(
                    answers[at..].contains(&format!("description:  {description}\n")),
                    "kill {kill}: {id} lost its description"
                );
            }
        }
    }
    assert!(
        reported.len() >= 50,
        "every kill came after a reported creation: {}",
        reported.len()
    );
    std::fs::remove_dir_all(dir).unwrap();
}
