//! The benches' peers, the same command in every bench that compares with
//! them: curl downloading a URL to a file, as is and made durable.

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
