//! A throw-away PostgreSQL cluster of this test process's own, made the way
//! `.ci/postgres.sh` makes one: `initdb -A trust` into a fresh temporary
//! directory, a server on 127.0.0.1 only, on a free port, with its unix
//! socket in that directory and `max_connections=200`; as the unprivileged
//! `postgres` user when the process runs as root (PostgreSQL refuses to
//! run as root), as the process's own user otherwise.
//!
//! The cluster must not outlive the process, however the process ends. A
//! static is never dropped, and an `atexit` hook runs only on a normal exit
//! (not when a test aborts, the process is killed, or Ctrl-C ends `cargo
//! test`); the postmaster has no parent-death option of its own. So a
//! watchdog goes first: a small `sh` whose stdin is a pipe whose only
//! writer is this process (std opens it close-on-exec, so no child inherits
//! it). However this process ends, the kernel closes that pipe; the
//! watchdog's `cat` then reads end of file, and it stops the server
//! (`pg_ctl stop -m immediate`: nothing in it is worth keeping) and deletes
//! the directory. It ignores SIGINT, SIGTERM and SIGHUP so that a Ctrl-C
//! sent to the terminal's process group reaches the tests, not it; `pg_ctl
//! start` already puts the postmaster in a session of its own.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running cluster; the URL of its `postgres` database as the superuser
/// `postgres`.
pub struct Cluster {
    pub admin_url: String,
    /// Held until the process ends, with its stdin, whose closing stops
    /// the cluster. Never waited for: it outlives this process, and init
    /// reaps it.
    _watchdog: Child,
}

/// Where PostgreSQL's server programs are: Debian's newest
/// `/usr/lib/postgresql/<version>/bin`, else the directory of `initdb` on
/// `PATH` if `pg_ctl` and `postgres` sit beside it; `None` when the server
/// is not installed.
pub fn server_programs() -> Option<PathBuf> {
    let complete = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|p| dir.join(p).is_file())
    };
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| complete(bin))
        .max_by_key(|(version, _)| *version)
        .map(|(_, bin)| bin);
    debian.or_else(|| {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|dir| dir.join("initdb"))
            .find(|initdb| initdb.is_file())
            // initdb may be a link into the real directory (Debian links
            // some into /usr/bin); its target's directory holds the rest.
            .and_then(|initdb| std::fs::canonicalize(initdb).ok())
            .and_then(|initdb| initdb.parent().map(Path::to_path_buf))
            .filter(|dir| complete(dir))
    })
}

/// A server certificate chain and its key, in PEM: a cluster started
/// with one serves TLS and takes TCP connections over TLS only
/// (`hostssl`; a plain one is rejected).
pub struct ServerTls<'a> {
    pub chain_pem: &'a str,
    pub key_pem: &'a str,
}

/// Makes and starts a cluster with the server programs in `bin`; panics,
/// with PostgreSQL's own log, if it cannot.
pub fn start(bin: &Path) -> Cluster {
    start_with(bin, None)
}

/// [`start`], serving TLS only when `tls` is given.
pub fn start_with(bin: &Path, tls: Option<ServerTls<'_>>) -> Cluster {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let as_root = unsafe { libc::geteuid() } == 0;
    let dir = fresh_dir();
    // As root the directory must belong to `postgres`, which runs initdb
    // and the server; `runuser` switches to it, as .ci/postgres.sh does.
    let run_as: Vec<String> = if as_root {
        run(
            Command::new("chown").arg("postgres").arg(&dir),
            &dir,
            "chown",
        );
        ["runuser", "-u", "postgres", "--"]
            .map(String::from)
            .to_vec()
    } else {
        Vec::new()
    };
    let pg = |program: &str| {
        let mut command = match run_as.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(bin.join(program));
                c
            }
            None => Command::new(bin.join(program)),
        };
        command.env_remove("PGDATA");
        command
    };

    let watchdog = watchdog(&dir, &pg("pg_ctl"));
    let data = dir.join("data");
    run(
        pg("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8"]),
        &dir,
        "initdb",
    );
    require_passwords(&data);
    let tls_options = tls
        .map(|tls| serve_tls(&dir, &data, &tls, as_root))
        .unwrap_or_default();
    // The free port is free when asked, not necessarily a moment later:
    // another process may take it first, so a failed start tries another.
    let mut tries = 0;
    let port = loop {
        let port = free_port();
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c max_connections=200{tls_options}",
            dir.display()
        );
        let started = pg("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("server.log"))
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .stdin(Stdio::null())
            .stdout(log_file(&dir, "pg_ctl.log"))
            .stderr(log_file(&dir, "pg_ctl.log"))
            .status()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.join("pg_ctl").display()));
        if started.success() {
            break port;
        }
        tries += 1;
        if tries == 3 {
            panic!(
                "PostgreSQL in {} did not start ({started}):\n{}\n{}",
                dir.display(),
                read(&dir.join("pg_ctl.log")),
                read(&dir.join("server.log"))
            );
        }
    };
    Cluster {
        admin_url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        _watchdog: watchdog,
    }
}

/// The roles that log in with a password (members of
/// [`PASSWORD_LOGIN`](super::PASSWORD_LOGIN)) must give it, over TCP: the
/// first line of `pg_hba.conf` says so before initdb's `trust` lines, so
/// the password tests see a server that checks it. `.ci/postgres.sh` does
/// the same.
fn require_passwords(data: &Path) {
    let hba = data.join("pg_hba.conf");
    let rest = std::fs::read_to_string(&hba)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", hba.display()));
    let line = format!(
        "host all +{} 127.0.0.1/32 scram-sha-256\n",
        super::PASSWORD_LOGIN
    );
    std::fs::write(&hba, line + &rest)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", hba.display()));
}

/// Writes `tls`'s chain and key into `dir` (the key readable by the
/// server's user only, as PostgreSQL demands), and puts two lines first in
/// `pg_hba.conf`: TCP over TLS is trusted, plain TCP is rejected. The
/// server's options that turn TLS on.
fn serve_tls(dir: &Path, data: &Path, tls: &ServerTls<'_>, as_root: bool) -> String {
    use std::os::unix::fs::PermissionsExt;
    let cert = dir.join("server.crt");
    let key = dir.join("server.key");
    std::fs::write(&cert, tls.chain_pem).expect("the server certificate written");
    std::fs::write(&key, tls.key_pem).expect("the server key written");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))
        .expect("the server key made private");
    if as_root {
        run(
            Command::new("chown").arg("postgres").arg(&cert).arg(&key),
            dir,
            "chown",
        );
    }
    let hba = data.join("pg_hba.conf");
    let rest = std::fs::read_to_string(&hba)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", hba.display()));
    let lines = "hostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n";
    std::fs::write(&hba, lines.to_owned() + &rest)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", hba.display()));
    format!(
        " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
        cert.display(),
        key.display()
    )
}

/// Starts the watchdog that, once this process has ended, stops the server
/// in `dir` with `pg_ctl` (as `pg_ctl` runs it) and deletes `dir`.
fn watchdog(dir: &Path, pg_ctl: &Command) -> Child {
    const SCRIPT: &str = r#"dir=$1; shift
trap '' INT TERM HUP
cat >/dev/null
"$@" -D "$dir/data" -m immediate -w stop
rm -rf "$dir""#;
    Command::new("sh")
        .args(["-c", SCRIPT, "bitsq-postgres-watchdog"])
        .arg(dir)
        .arg(pg_ctl.get_program())
        .args(pg_ctl.get_args())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sh starts (the PostgreSQL watchdog)")
}

/// A new directory under the system's temporary directory that nobody else
/// uses: this process's id and the time, so that a directory a dead
/// process's watchdog is still deleting is never reused.
fn fresh_dir() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("bitsq-postgres-{}-{nanos}", std::process::id()));
    std::fs::create_dir(&dir).unwrap_or_else(|e| panic!("cannot make {}: {e}", dir.display()));
    dir
}

/// A port on 127.0.0.1 that nothing listened on a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port on 127.0.0.1")
}

/// Runs `command`, its output to `<dir>/<what>.log`; panics with that log
/// if it fails.
fn run(command: &mut Command, dir: &Path, what: &str) {
    let log = dir.join(format!("{what}.log"));
    let status = command
        .stdin(Stdio::null())
        .stdout(log_file(dir, &format!("{what}.log")))
        .stderr(log_file(dir, &format!("{what}.log")))
        .status()
        .unwrap_or_else(|e| panic!("cannot run {what} for the test PostgreSQL server: {e}"));
    assert!(
        status.success(),
        "{what} for the test PostgreSQL server failed ({status}):\n{}",
        read(&log)
    );
}

/// `<dir>/<name>`, opened for appending (created if missing).
fn log_file(dir: &Path, name: &str) -> File {
    File::options()
        .create(true)
        .append(true)
        .open(dir.join(name))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", dir.join(name).display()))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}
