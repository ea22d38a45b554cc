//! Issue 21 through the real binary: no success is claimed for a file
//! that is not at its local name (a LOCAL that is a directory, a rename
//! that fails at `complete`), and no special file is ever replaced.

use std::path::PathBuf;
use std::process::Command;

use crate::stored::{Service, bitsq, ok, text, wait_for};
use bits_queue_tests::http_server::{TestServer, test_bytes};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bitsq-robust-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn transfer_to_a_directory_is_refused_before_anything_moves() {
    let server = TestServer::start();
    server.put("/d.bin", test_bytes(10_000, 50));
    let dir = scratch("transfer-dir");
    for local in [dir.display().to_string(), format!("{}/sub/", dir.display())] {
        let out = Command::new(env!("CARGO_BIN_EXE_bitsq"))
            .args(["transfer", &server.url("/d.bin"), &local])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{local}: {}", text(&out.stdout));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("E_INVALIDARG") && stderr.contains("LOCAL"),
            "{stderr}"
        );
        assert!(!text(&out.stdout).contains("transferred"), "{local}");
    }
    assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));
    assert!(server.requests("/d.bin").is_empty(), "nothing was fetched");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn addfile_refuses_directories_separators_and_special_files() {
    let dir = scratch("addfile");
    let queue = dir.join("queue.sqlite3");
    ok(bitsq(&queue, &["create", "j"]));
    let socket = dir.join("socket");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    for local in [
        dir.display().to_string(),
        format!("{}/", dir.join("new").display()),
        "/dev/null".to_string(),
        socket.display().to_string(),
    ] {
        let out = bitsq(&queue, &["addfile", "j", "http://127.0.0.1:9/x", &local]);
        assert_eq!(out.status.code(), Some(1), "{local}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("E_INVALIDARG") && stderr.contains(&format!("LOCAL `{local}`")),
            "{stderr}"
        );
    }
    let files = ok(bitsq(&queue, &["files", "j"]));
    assert!(!files.contains("127.0.0.1:9"), "nothing was added: {files}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_complete_whose_rename_fails_keeps_the_job_and_can_be_retried() {
    let server = TestServer::start();
    let bytes = test_bytes(50_000, 51);
    server.put("/r.bin", bytes.clone());
    let dir = scratch("rename");
    let queue = dir.join("queue.sqlite3");
    let local = dir.join("out").join("r.bin");
    std::fs::create_dir_all(local.parent().unwrap()).unwrap();
    let id = ok(bitsq(&queue, &["create", "r"])).trim().to_string();
    ok(bitsq(
        &queue,
        &[
            "addfile",
            &id,
            &server.url("/r.bin"),
            local.to_str().unwrap(),
        ],
    ));
    ok(bitsq(&queue, &["resume", &id]));
    {
        let _service = Service::start(&queue, &[]);
        wait_for(&queue, &id, "state:        transferred");
    }
    // Something now stands at the local name that no rename replaces.
    std::fs::create_dir_all(local.join("inside")).unwrap();
    let refused = bitsq(&queue, &["complete", &id]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stdout));
    assert!(!text(&refused.stdout).contains("acknowledged"));
    assert!(
        text(&refused.stderr).contains("r.bin"),
        "{}",
        text(&refused.stderr)
    );
    let info = ok(bitsq(&queue, &["info", &id]));
    assert!(info.contains("state:        transferred"), "{info}");
    // Fixed, the same command completes it, and the bytes arrive.
    std::fs::remove_dir_all(&local).unwrap();
    let done = ok(bitsq(&queue, &["complete", &id]));
    assert!(done.contains("acknowledged"), "{done}");
    assert_eq!(std::fs::read(&local).unwrap(), bytes);
    assert_eq!(entries(local.parent().unwrap()), ["r.bin"]);
    std::fs::remove_dir_all(dir).unwrap();
}

/// `create` whose GUID cannot be printed: the job is stored, so bitsq
/// says so and exits 6 (never 0, which loses the GUID, nor 1, which a
/// retrying script takes for "nothing happened").
#[test]
fn a_change_whose_output_cannot_be_written_exits_6() {
    use std::os::unix::process::CommandExt;
    let dir = scratch("unreported");
    let queue = dir.join("queue.sqlite3");
    let full = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .arg("--queue")
        .arg(&queue)
        .args(["create", "to-full"])
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(full.status.code(), Some(6), "{}", text(&full.stderr));
    assert!(text(&full.stderr).contains("the queue was changed"));
    let mut closed = Command::new(env!("CARGO_BIN_EXE_bitsq"));
    closed
        .arg("--queue")
        .arg(&queue)
        .args(["create", "to-closed"]);
    // SAFETY: only close(2) runs in the child before exec.
    unsafe {
        closed.pre_exec(|| {
            libc::close(1);
            Ok(())
        });
    }
    let closed = closed
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(closed.status.code(), Some(6), "{}", text(&closed.stderr));
    let listed = ok(bitsq(&queue, &["list"]));
    assert!(
        listed.contains("to-full") && listed.contains("to-closed"),
        "{listed}"
    );
    // A reading command that cannot print changed nothing: 1, as before.
    let read = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .arg("--queue")
        .arg(&queue)
        .arg("list")
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(read.status.code(), Some(1), "{}", text(&read.stderr));
    std::fs::remove_dir_all(dir).unwrap();
}

/// A changing one-shot command on `memory:` says that nothing is kept; a
/// reading one says nothing.
#[test]
fn a_one_shot_change_on_memory_warns_that_nothing_is_kept() {
    let created = bitsq("memory:", &["create", "x"]);
    assert_eq!(created.status.code(), Some(0));
    assert!(
        text(&created.stderr).contains("keeps nothing"),
        "{}",
        text(&created.stderr)
    );
    let listed = bitsq("memory:", &["list"]);
    assert!(listed.stderr.is_empty(), "{}", text(&listed.stderr));
}

/// `--retry-delay 1` is raised by the queue to its least delay: said.
#[test]
fn a_raised_retry_delay_is_said() {
    let server = TestServer::start();
    server.put("/rd.bin", test_bytes(1000, 52));
    let dir = scratch("retry-delay");
    let out = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .args(["transfer", "--retry-delay", "1", &server.url("/rd.bin")])
        .arg(dir.join("rd.bin"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--retry-delay 1 is below the least retry delay; 5 s"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// One transfer host per queue file, whatever path names it: a service
/// through a symbolic link finds the lock held, and a shell that finds a
/// service runs no transfers of its own and says so.
#[test]
fn one_transfer_host_per_queue_file_whatever_names_it() {
    let dir = scratch("one-host");
    let queue = dir.join("queue.sqlite3");
    ok(bitsq(&queue, &["list"]));
    let link = dir.join("link.sqlite3");
    std::os::unix::fs::symlink(&queue, &link).unwrap();
    let _service = Service::start(&queue, &[]);
    let second = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .arg("--queue")
        .arg(&link)
        .arg("service")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let second = crate::common::collect(second);
    assert_eq!(second.code(), Some(4), "{}", second.stdout);
    let mut shell = Command::new(env!("CARGO_BIN_EXE_bitsq"));
    shell.arg("--queue").arg(&link).arg("shell");
    let shell = crate::common::feed(shell, b"list\n".to_vec());
    assert_eq!(shell.code(), Some(0), "{}", shell.stderr);
    assert!(
        shell.stderr.contains("runs no transfers of its own"),
        "{}",
        shell.stderr
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// A relative `XDG_DATA_HOME` is ignored (the XDG specification says so):
/// the queue goes under `$HOME/.local/share`, not under the directory
/// bitsq happens to run in.
#[test]
fn a_relative_xdg_data_home_is_ignored() {
    let dir = scratch("xdg");
    let home = dir.join("home");
    let work = dir.join("work");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .args(["create", "x"])
        .env_remove("BITSQ_QUEUE")
        .env("XDG_DATA_HOME", "relative/data")
        .env("HOME", &home)
        .current_dir(&work)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !work.join("relative").exists(),
        "nothing under the working directory"
    );
    assert!(home.join(".local/share/bitsq/queue.sqlite3").exists());
    std::fs::remove_dir_all(dir).unwrap();
}
