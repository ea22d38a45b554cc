//! Issue 21 case 16 through the real binary: a refused `transfer` names
//! the argument and why (not a bare E_INVALIDARG), bitsadmin's order is
//! recognised, and an `error` line shows no time left.

use std::process::Command;

use crate::stored::text;
use bits_queue_tests::http_server::TestServer;

fn transfer(args: &[&str]) -> (Option<i32>, String, String) {
    let dir = std::env::temp_dir().join(format!("bitsq-messages-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bitsq"))
        .arg("transfer")
        .args(args)
        .current_dir(&dir)
        .output()
        .unwrap();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn a_refused_remote_is_named_with_why() {
    let (code, _, stderr) = transfer(&["ftp://x/y", "./y"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("E_INVALIDARG")
            && stderr.contains("REMOTE `ftp://x/y`")
            && stderr.contains("http://, https:// or file://"),
        "{stderr}"
    );
}

#[test]
fn bitsadmins_order_is_named() {
    let (code, stdout, stderr) =
        transfer(&["myjob", "/download", "http://127.0.0.1:9/f", "/tmp/f"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("LOCAL `/download`") && stderr.contains("--name NAME URL FILE"),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "no job was made: {stdout}");
}

#[test]
fn an_error_line_shows_no_time_left() {
    let server = TestServer::start();
    let (code, stdout, stderr) = transfer(&[&server.url("/missing.bin"), "./missing.bin"]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    let error_line = stdout
        .lines()
        .find(|line| line.starts_with("error"))
        .unwrap_or_else(|| panic!("an error line: {stdout}"));
    assert!(!error_line.contains("left"), "{error_line}");
}
