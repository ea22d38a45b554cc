//! The benches' peers, the same command in every bench that compares with
//! them: curl downloading a URL to a file, as is and made durable, and
//! curl uploading a file with a plain HTTP PUT.

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
