//! The benches' peers, the same command in every bench that compares with
//! them: curl downloading a URL to a file, as is and made durable, curl
//! uploading a file with a plain HTTP PUT, and the disk's floor (the same
//! bytes written and synced with no network).

use std::path::Path;
use std::process::Command;

/// `curl -s -o FILE URL`.
pub fn curl(out: &Path, url: &str) -> Command {
    let mut command = Command::new("curl");
    command.args(["-s", "-o"]).arg(out).arg(url);
    command
}

/// `curl -s -o FILE URL && sync FILE`: as durable as a finished bitsq
/// transfer.
pub fn curl_then_sync(out: &Path, url: &str) -> Command {
    let mut command = Command::new("sh");
    command
        .args(["-c", "curl -s -o \"$1\" \"$2\" && sync \"$1\"", "sh"])
        .arg(out)
        .arg(url);
    command
}

/// `dd if=/dev/zero of=FILE bs=1M count=MIB conv=fsync`: the bytes written
/// from memory and synced, no network at all. A durable download can be no
/// faster than this: the disk's floor.
pub fn write_then_sync(out: &Path, mib: usize) -> Command {
    let mut command = Command::new("dd");
    command
        .args(["if=/dev/zero", "bs=1M", "conv=fsync", "status=none"])
        .arg(format!("count={mib}"))
        .arg(format!("of={}", out.display()));
    command
}

/// `curl -s -o /dev/null -T FILE URL`: a plain HTTP PUT of `file`.
pub fn curl_put(file: &Path, url: &str) -> Command {
    let mut command = Command::new("curl");
    command
        .args(["-s", "-f", "-o", "/dev/null", "-T"])
        .arg(file)
        .arg(url);
    command
}

/// Installs Debian's curl if the machine has none (the benches compare
/// with it).
pub fn ensure_curl() {
    if Command::new("curl").arg("--version").output().is_ok() {
        return;
    }
    eprintln!("installing Debian's curl for the comparison");
    let install = Command::new("sh")
        .args(["-c", "apt-get update -qq && apt-get install -y -qq curl"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status();
    assert!(
        install.is_ok_and(|s| s.success()),
        "curl could not be installed"
    );
}
