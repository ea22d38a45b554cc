//! A BITS upload server nobody on this project wrote: the vendored Python
//! BITSServer (`tests/vendor/BITSServer`, see its VENDORED.md), run by
//! `python3` on 127.0.0.1 and a free port, keeping uploads in a scratch
//! directory. Stopped and its directory removed when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The running server.
pub struct ForeignBitsServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl ForeignBitsServer {
    /// Starts it, or says why it cannot: `Err` only when `python3` is
    /// missing. Under CI (`CI` set) a missing `python3` panics instead,
    /// since `.ci/run` installs it.
    pub fn start() -> Result<ForeignBitsServer, String> {
        if Command::new("python3").arg("--version").output().is_err() {
            let why = "python3 is not installed: the vendored BITS server cannot run".to_owned();
            assert!(
                std::env::var_os("CI").is_none(),
                "{why} (CI must install it)"
            );
            return Err(why);
        }
        let dir = crate::scratch_dir("foreign-bits");
        let launcher = Path::new(env!("CARGO_MANIFEST_DIR")).join("vendor/bitsserver_loopback.py");
        let log = std::fs::File::create(dir.join("server.log")).expect("a log file");
        let uploads = dir.join("uploads");
        std::fs::create_dir_all(&uploads).expect("the uploads directory");
        // -B: no __pycache__ written into the vendored tree.
        let mut child = Command::new("python3")
            .arg("-B")
            .arg(&launcher)
            .arg(&uploads)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("python3 starts");
        let mut first = String::new();
        let read = BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut first)
            .is_ok();
        let port = first.trim().parse().ok().filter(|_| read);
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            panic!("the vendored BITS server did not start: {log}");
        };
        Ok(ForeignBitsServer { child, port, dir })
    }

    /// The URL of `path` (one segment: the server makes no directories).
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The bytes the server wrote for `path`, if any.
    pub fn file(&self, path: &str) -> Option<Vec<u8>> {
        std::fs::read(self.dir.join("uploads").join(path.trim_start_matches('/'))).ok()
    }

    /// What the server logged so far (one line per request).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }
}

impl Drop for ForeignBitsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
