//! A plain HTTP PUT server on 127.0.0.1, the peer of the upload bench:
//! what `curl -T FILE URL` sends to, kept in memory like the BITS test
//! server keeps an upload, so both sides of the comparison do the same
//! work per byte. Answers `Expect: 100-continue` at once (as a web server
//! does) so curl does not wait for it.

use std::collections::HashMap;
use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use crate::bits_server::read_head;
use crate::loopback::Listener;

/// The server; it stops when dropped.
pub struct PutSink {
    listener: Listener,
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

impl PutSink {
    /// Starts one on 127.0.0.1 and a free port.
    pub fn start() -> PutSink {
        let files = Arc::new(Mutex::new(HashMap::new()));
        let shared = files.clone();
        let listener = Listener::start(move |stream| serve(stream, &shared));
        PutSink { listener, files }
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.listener.port())
    }

    /// How many bytes the last PUT to `path` stored, if any.
    pub fn stored(&self, path: &str) -> Option<usize> {
        let files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files.get(path).map(Vec::len)
    }
}

fn serve(stream: TcpStream, files: &Mutex<HashMap<String, Vec<u8>>>) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Some(request) = read_head(&mut reader) {
        let length: u64 = request
            .header("Content-Length")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let status = if request.method == "PUT" {
            let continues = request
                .header("Expect")
                .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));
            if continues && writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err() {
                return;
            }
            let mut body = Vec::new();
            match (&mut reader).take(length).read_to_end(&mut body) {
                Ok(n) if n as u64 == length => {}
                _ => return,
            }
            let mut files = files.lock().unwrap_or_else(|e| e.into_inner());
            files.insert(request.path, body);
            201
        } else {
            405
        };
        let answer = format!("HTTP/1.1 {status} PUT sink\r\nContent-Length: 0\r\n\r\n");
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}
