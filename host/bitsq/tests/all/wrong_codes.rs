//! Issue 21 case 9 through the real binary: a full disk is ERROR_DISK_FULL
//! (0x80070070), not E_ACCESSDENIED, and a remote name whose server part
//! is no `host[:port]` is refused when it is added, naming why.

use std::process::Command;

use crate::stored::{bitsq, ok, scratch, text};
use bits_queue_tests::http_server::{TestServer, test_bytes};

#[test]
fn a_malformed_server_part_is_refused_at_addfile() {
    let dir = scratch("codes-authority");
    let queue = dir.join("queue.sqlite3");
    ok(bitsq(&queue, &["create", "j"]));
    for remote in ["http://[::1", "http://h:port/x", "http://::1/x"] {
        let out = bitsq(&queue, &["addfile", "j", remote, "/tmp/x"]);
        assert_eq!(out.status.code(), Some(1), "{remote}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("E_INVALIDARG") && stderr.contains("server part is not host[:port]"),
            "{remote}: {stderr}"
        );
    }
    let files = ok(bitsq(&queue, &["files", "j"]));
    assert!(!files.contains("http://"), "nothing was added: {files}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A download into a 64 KiB tmpfs: a real full disk (ENOSPC). The tmpfs
/// is mounted by `unshare --user --map-root-user --mount`, which needs no
/// privilege where user namespaces are allowed; where they are not, the
/// test says so and checks nothing.
#[test]
fn a_full_disk_is_error_disk_full() {
    let probe = Command::new("unshare").args(["-rm", "true"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: `unshare -rm` (user namespaces) is not available to mount a tmpfs");
        return;
    }
    let server = TestServer::start();
    server.put("/big.bin", test_bytes(1 << 20, 53));
    let dir = scratch("codes-full");
    let out = Command::new("unshare")
        .args(["-rm", "sh", "-c"])
        .arg(r#"mount -t tmpfs -o size=64k none "$1" && exec "$2" transfer "$3" "$1/big.bin""#)
        .arg("sh")
        .arg(&dir)
        .arg(env!("CARGO_BIN_EXE_bitsq"))
        .arg(server.url("/big.bin"))
        .output()
        .unwrap();
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains("0x80070070") && !all.contains("0x80070005"),
        "{all}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
