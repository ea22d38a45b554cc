//! Issue 21 case 11 through the real binary: a queue that cannot be
//! written can still be read. A reading verb opens it read-only and says
//! that nothing is changed; a changing verb is refused as before.
//!
//! Two honest ways to make a queue unwritable: permissions (0444 file,
//! 0555 directory), which bind only a user who is not root, and a
//! read-only bind mount (EROFS), which binds root too and needs only a
//! user namespace (`unshare -rm`). Each test runs what this machine
//! allows and says what it skipped.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::stored::{bitsq, ok, scratch, text};

/// A queue in `dir` holding one job named `kept`.
fn queue_with_a_job(dir: &Path) -> PathBuf {
    let queue = dir.join("queue.sqlite3");
    ok(bitsq(&queue, &["create", "kept"]));
    queue
}

/// `list` and `info kept` worked, said read-only, and `create` was refused.
fn reads_but_does_not_change(run: impl Fn(&[&str]) -> Output) {
    for args in [&["list"][..], &["info", "kept"][..]] {
        let out = run(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(text(&out.stdout).contains("kept"), "{args:?}");
        assert!(
            stderr.contains("opened read-only") && stderr.contains("changes nothing"),
            "{args:?}: {stderr}"
        );
    }
    let refused = run(&["create", "new"]);
    assert_ne!(refused.status.code(), Some(0), "a change is refused");
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe extern "C" {
        safe fn geteuid() -> u32;
    }
    geteuid() == 0
}

#[test]
fn a_read_only_file_and_directory_can_be_listed() {
    if is_root() {
        eprintln!(
            "skipped: root is not bound by file permissions (the bind-mount test covers root)"
        );
        return;
    }
    let dir = scratch("ro-modes");
    let queue = queue_with_a_job(&dir);
    std::fs::set_permissions(&queue, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    reads_but_does_not_change(|args| bitsq(&queue, args));
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_queue_on_a_read_only_mount_can_be_listed() {
    let probe = Command::new("unshare").args(["-rm", "true"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!(
            "skipped: `unshare -rm` (user namespaces) is not available for a read-only mount"
        );
        return;
    }
    let dir = scratch("ro-mount");
    let queue = queue_with_a_job(&dir);
    reads_but_does_not_change(|args| {
        Command::new("unshare")
            .args(["-rm", "sh", "-c"])
            .arg(
                r#"mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$0" "$@""#,
            )
            .arg(env!("CARGO_BIN_EXE_bitsq"))
            .arg(&dir)
            .arg("--queue")
            .arg(&queue)
            .args(args)
            .output()
            .unwrap()
    });
    std::fs::remove_dir_all(dir).unwrap();
}
