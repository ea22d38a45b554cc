//! Many hosts, one queue: bitsq processes on one PostgreSQL queue
//! (`BITSQ_TEST_POSTGRES`; see tests/src/postgres.rs). Processes creating
//! at once get distinct jobs that every process lists in one order; two
//! services share the downloads, each file transferred exactly once (the
//! server's log says so); a service killed mid-transfer leaves its file to
//! the other once its lease runs out, resumed from the stored offset.

use crate::stored;

use std::ffi::OsStr;
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use stored::{Service, bitsq, ok, range_start, text, wait_for, wait_for_stored_bytes};

use bits_queue_tests::http_server::{Fault, TestServer, test_bytes};
use bits_queue_tests::postgres::TestDatabase;

/// The test's own database, or the test passes saying it was skipped.
macro_rules! database {
    ($name:expr) => {
        match TestDatabase::create($name) {
            Some(db) => db,
            None => return,
        }
    };
}

/// `bitsq shell --no-transfer` fed `lines`, as one process.
pub fn shell(url: &str, lines: String) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .args(["--queue", url, "shell", "--no-transfer"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bitsq shell starts");
    let mut stdin = child.stdin.take().unwrap();
    std::thread::spawn(move || {
        let _ = stdin.write_all(lines.as_bytes());
    });
    child
}

/// The GUIDs and names `bitsq list` prints, in its order.
fn listed(url: &str) -> Vec<(String, String)> {
    ok(bitsq(url, &["list"]))
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| {
            let id = l.split_whitespace().next().unwrap().to_string();
            let name = l.split_whitespace().last().unwrap().to_string();
            (id, name)
        })
        .collect()
}

/// `processes` shells at once, each creating `jobs` jobs named `pP-N`;
/// then every process's list is the same, and holds them all.
fn processes_create_at_once(url: &str, processes: usize, jobs: usize) {
    let children: Vec<Child> = (0..processes)
        .map(|p| {
            let lines: String = (0..jobs).map(|n| format!("create p{p}-{n}\n")).collect();
            shell(url, lines)
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let created = text(&out.stdout)
            .lines()
            .filter(|l| l.starts_with('{'))
            .count();
        assert_eq!(created, jobs, "{}", text(&out.stderr));
    }
    let lists: Vec<_> = (0..4).map(|_| listed(url)).collect();
    let first = &lists[0];
    assert_eq!(first.len(), processes * jobs);
    let ids: std::collections::BTreeSet<_> = first.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), processes * jobs, "distinct GUIDs");
    for list in &lists[1..] {
        assert_eq!(list, first, "one creation order from every process");
    }
    for p in 0..processes {
        let mine: Vec<_> = first
            .iter()
            .filter(|(_, name)| name.starts_with(&format!("p{p}-")))
            .map(|(_, name)| name.clone())
            .collect();
        let made: Vec<_> = (0..jobs).map(|n| format!("p{p}-{n}")).collect();
        assert_eq!(mine, made, "each process's jobs in the order it made them");
    }
}

#[test]
fn four_processes_creating_fifty_each_get_200_jobs_in_one_order() {
    let db = database!("four_by_fifty");
    processes_create_at_once(db.url(), 4, 50);
}

#[test]
fn four_processes_creating_a_thousand_each_with_limits_raised() {
    let db = database!("four_by_thousand");
    // One file a job: a queue full to these limits fits bitsq's memory.
    ok(bitsq(db.url(), &["limits", "5000", "1"]));
    processes_create_at_once(db.url(), 4, 1_000);
}

#[test]
fn every_verb_works_on_a_postgres_queue() {
    let db = database!("verbs");
    let url = db.url();
    let id = ok(bitsq(url, &["create", "Nightly"]));
    let id = id.trim();
    ok(bitsq(
        url,
        &["addfile", id, "https://example.com/a", "/tmp/a"],
    ));
    ok(bitsq(url, &["setdescription", id, "kept"]));
    ok(bitsq(url, &["setpriority", id, "high"]));
    ok(bitsq(url, &["setdisplayname", id, "Renamed"]));
    ok(bitsq(url, &["setminretrydelay", id, "60"]));
    ok(bitsq(url, &["setnoprogresstimeout", id, "600"]));
    ok(bitsq(url, &["setnotifyflags", id, "3"]));
    let info = ok(bitsq(url, &["info", "Renamed"]));
    assert!(info.contains("kept"), "{info}");
    assert!(ok(bitsq(url, &["files", id])).contains("https://example.com/a"));
    ok(bitsq(url, &["geterror", id]));
    ok(bitsq(url, &["gettimes", id]));
    ok(bitsq(url, &["resume", id]));
    ok(bitsq(url, &["suspend", id]));
    ok(bitsq(url, &["limits"]));
    ok(bitsq(url, &["cancel", id]));
    assert!(listed(url).is_empty());
    // A URL that names no server is a clear error, with the exit status
    // of a store that cannot be opened.
    let nowhere = bitsq("postgres://nobody@127.0.0.1:1/none", &["list"]);
    assert_eq!(nowhere.status.code(), Some(4));
    let stderr = text(&nowhere.stderr);
    assert!(stderr.contains("cannot connect"), "{stderr}");
}

/// A `bitsq service` on `url` whose leases last `lease_seconds`, writing
/// only below `write_dir`.
fn service(url: &str, lease_seconds: u32, write_dir: &std::path::Path) -> Service {
    let lease = lease_seconds.to_string();
    let extra: [&OsStr; 4] = [
        "--lease".as_ref(),
        lease.as_ref(),
        "--allow-write".as_ref(),
        write_dir.as_os_str(),
    ];
    Service::start(url, &extra)
}

fn scratch(name: &str) -> std::path::PathBuf {
    bits_queue_tests::scratch_dir(&format!("bitsq-pg-{name}"))
}

/// A job downloading `remote` to `local`, resumed.
fn download(url: &str, name: &str, remote: &str, local: &std::path::Path) -> String {
    let id = ok(bitsq(url, &["create", name])).trim().to_string();
    ok(bitsq(
        url,
        &["addfile", &id, remote, local.to_str().unwrap()],
    ));
    ok(bitsq(url, &["resume", &id]));
    id
}

#[test]
fn two_services_transfer_each_of_twenty_files_exactly_once() {
    let db = database!("two_services");
    let url = db.url();
    let server = TestServer::start();
    let dir = scratch("two-services");
    // Background jobs take one slot per host: two services share them.
    let _a = service(url, 30, &dir);
    let _b = service(url, 30, &dir);
    let mut jobs = Vec::new();
    for n in 0..20 {
        let path = format!("/f{n}.bin");
        let bytes = test_bytes(200_000 + n * 1_000, n as u64);
        server.put(&path, bytes.clone());
        let local = dir.join(format!("f{n}.bin"));
        let id = download(url, &format!("file{n}"), &server.url(&path), &local);
        jobs.push((id, path, local, bytes));
    }
    for (id, _, _, _) in &jobs {
        wait_for(url, id, "state:        transferred");
        ok(bitsq(url, &["complete", id]));
    }
    for (_, path, local, bytes) in &jobs {
        let requests = server.requests(path);
        assert_eq!(requests.len(), 1, "{path}: {requests:?}");
        assert_eq!(requests[0].body_bytes, bytes.len() as u64, "{path}");
        assert_eq!(&std::fs::read(local).unwrap(), bytes, "{path}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_killed_service_leaves_its_transfer_to_another_after_its_lease() {
    let db = database!("killed_service");
    let url = db.url();
    let server = TestServer::start();
    let dir = scratch("killed");
    let bytes = test_bytes(2 << 20, 7);
    server.put("/k.bin", bytes.clone());
    // Half the file, then silence: the first service is mid-transfer.
    server.fault("/k.bin", Fault::Stall(1 << 20, Duration::from_secs(60)));
    let local = dir.join("k.bin");
    let id = download(url, "killed", &server.url("/k.bin"), &local);
    let mut first = service(url, 2, &dir);
    wait_for(url, &id, "state:        transferring");
    let stored = wait_for_stored_bytes(url, &id);
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    // The second service finds the file in flight under a lease that has
    // not run out yet: it waits for it, then resumes from the stored bytes.
    let _second = service(url, 2, &dir);
    wait_for(url, &id, "state:        transferred");
    // The server logs a request when its answer ends: the first one still
    // stalls, so the one logged is the second service's resume.
    let requests = server.requests("/k.bin");
    let resumed = requests.last().expect("the resumed request");
    let range = resumed.range.as_deref().expect("a Range request");
    let offset = range_start(range);
    assert!(offset >= stored, "resumed at {offset}, stored {stored}");
    assert_eq!(resumed.status, 206);
    assert_eq!(resumed.body_bytes, bytes.len() as u64 - offset);
    ok(bitsq(url, &["complete", &id]));
    assert_eq!(std::fs::read(&local).unwrap(), bytes);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Issue 23, defect 7: hosts that may write disjoint directories share
/// one queue. A host takes only the files it may write and leaves the
/// others queued, untouched, to the host that may: every job ends
/// transferred, each file fetched once. (Before, the first host to poll
/// claimed a file it could not write and failed the job for good.)
#[test]
fn hosts_with_disjoint_allow_write_finish_every_job() {
    let db = database!("disjoint");
    let url = db.url();
    let server = TestServer::start();
    let (a, b) = (scratch("disjoint-a"), scratch("disjoint-b"));
    // Host A alone first, with jobs for both directories.
    let _host_a = service(url, 30, &a);
    let mut jobs = Vec::new();
    for n in 0..10 {
        let path = format!("/d{n}.bin");
        let bytes = test_bytes(20_000 + n * 100, n as u64);
        server.put(&path, bytes.clone());
        let dir = if n % 2 == 0 { &a } else { &b };
        let local = dir.join(format!("d{n}.bin"));
        let id = download(url, &format!("disjoint{n}"), &server.url(&path), &local);
        jobs.push((id, path, local, bytes));
    }
    for (id, _, _, _) in jobs.iter().step_by(2) {
        wait_for(url, id, "state:        transferred");
    }
    // A has polled past B's jobs: they wait, untouched, for a host that
    // may write them.
    for (id, path, _, _) in jobs.iter().skip(1).step_by(2) {
        let info = ok(bitsq(url, &["info", id]));
        assert!(info.contains("state:        queued"), "{info}");
        assert!(server.requests(path).is_empty(), "{path}");
    }
    assert_eq!(std::fs::read_dir(&b).unwrap().count(), 0);
    let _host_b = service(url, 30, &b);
    for (id, _, _, _) in &jobs {
        wait_for(url, id, "state:        transferred");
        ok(bitsq(url, &["complete", id]));
    }
    for (_, path, local, bytes) in &jobs {
        assert_eq!(server.requests(path).len(), 1, "{path}");
        assert_eq!(&std::fs::read(local).unwrap(), bytes, "{path}");
    }
    std::fs::remove_dir_all(a).unwrap();
    std::fs::remove_dir_all(b).unwrap();
}

/// Issue 23: a location names its queue (`?queue=NAME`); a name that
/// cannot be a queue's is refused naming `queue` and why, before anything
/// is read or written, and without the password.
#[test]
fn a_queue_name_is_checked_and_queues_keep_apart() {
    let db = database!("queue_names");
    let url = db.url();
    let ann = format!("{url}?queue=ann");
    let id = ok(bitsq(&ann, &["create", "ann's"])).trim().to_string();
    assert!(ok(bitsq(&ann, &["list"])).contains(&id));
    assert!(ok(bitsq(url, &["list"])).contains("no jobs"));
    let with_password = url.replacen("://", "://nobody:s3cretPW@", 1);
    for (name, why) in [
        ("a%2Fb", "holds '%'"),
        ("", "it is empty"),
        (&"q".repeat(49)[..], "at most 48"),
    ] {
        let bad = format!("{with_password}?queue={name}");
        let refused = bitsq(&bad, &["create", "never"]);
        let said = text(&refused.stderr);
        assert_ne!(refused.status.code(), Some(0), "{said}");
        assert!(said.contains("`queue`") && said.contains(why), "{said}");
        assert!(!said.contains("s3cretPW"), "{said}");
    }
    let rows: i64 = db
        .client()
        .query_one("SELECT count(*) FROM bitsq_jobs", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 1, "only ann's job");
}
