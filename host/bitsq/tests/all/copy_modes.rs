//! Issue 21 case 14 through the real binary: a `file://` copy arrives no
//! more readable than its source, and within the umask.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::stored::{scratch, text};

/// `bitsq transfer file://SOURCE TARGET` under `umask`; the mode TARGET
/// arrives with.
fn copied_mode(dir: &Path, source_mode: u32, umask: &str) -> u32 {
    let source = dir.join(format!("source-{source_mode:o}-{umask}"));
    std::fs::write(&source, b"secret bytes").unwrap();
    std::fs::set_permissions(&source, std::fs::Permissions::from_mode(source_mode)).unwrap();
    let target = dir.join(format!("copy-{source_mode:o}-{umask}"));
    let out = Command::new("sh")
        .args([
            "-c",
            r#"umask "$1" && exec "$2" transfer "file://$3" "$4""#,
            "sh",
        ])
        .arg(umask)
        .arg(env!("CARGO_BIN_EXE_bitsq"))
        .arg(&source)
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::metadata(&target).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_file_copy_is_never_more_readable_than_its_source() {
    let dir = scratch("modes-source");
    for source_mode in [0o640, 0o600, 0o444] {
        let mode = copied_mode(&dir, source_mode, "022");
        assert_eq!(
            mode & !(source_mode | 0o200),
            0,
            "a {source_mode:o} source arrived as {mode:o}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_file_copy_stays_within_the_umask() {
    let dir = scratch("modes-umask");
    let mode = copied_mode(&dir, 0o644, "077");
    assert_eq!(mode & 0o077, 0, "under umask 077 the copy is {mode:o}");
    std::fs::remove_dir_all(dir).unwrap();
}
