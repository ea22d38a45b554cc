//! `pgbench`, the floor the PostgreSQL benches measure against: its
//! built-in simple-update script, one small committed transaction per
//! call on rows that do not collide, with as many clients as the bench
//! has hosts, on the same server in the same run.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// `pgbench` beside the server (/usr/lib/postgresql/*/bin), or on PATH.
pub fn path() -> Option<PathBuf> {
    let beside = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|dirs| {
            dirs.filter_map(|d| d.ok())
                .map(|d| d.path().join("bin/pgbench"))
                .find(|p| p.exists())
        });
    beside.or_else(|| {
        Command::new("pgbench")
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|_| PathBuf::from("pgbench"))
    })
}

/// Fills the database at `url` with pgbench's tables (scale 4).
pub fn init(pgbench: &PathBuf, url: &str) {
    let init = Command::new(pgbench)
        .args(["-i", "-q", "-s", "4"])
        .arg(url)
        .output()
        .expect("pgbench -i runs");
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
}

/// Simple-update transactions per second with `clients` clients (one
/// thread each) for `window` (whole seconds: pgbench's `-T`).
pub fn tps(pgbench: &PathBuf, url: &str, clients: usize, window: Duration) -> f64 {
    let out = Command::new(pgbench)
        .args(["-n", "-b", "simple-update", "-c"])
        .arg(clients.to_string())
        .arg("-j")
        .arg(clients.to_string())
        .arg("-T")
        .arg(window.as_secs().max(1).to_string())
        .arg(url)
        .output()
        .expect("pgbench runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "pgbench: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("pgbench printed its tps")
}
