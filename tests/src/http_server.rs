//! A real HTTP/1.1 server inside the test process, on 127.0.0.1 only, with
//! faults to inject: the transfers under test talk to it over real sockets.
//!
//! It serves files held in memory (each with an ETag that changes when the
//! file does), answers `Range` requests (`bytes=a-` and `bytes=a-b`) with
//! `206`, or `416` when they start past the end, and honours `If-Range`,
//! and logs every request. A path can be given a queue of faults, each used
//! by one request: a connection dropped after N bytes, a stall, a status, a
//! `200` to a range, a wrong `Content-Range`, no `Content-Length`. A path
//! can demand an `Authorization` (contract §15.2), answering 401 without it:
//! an exact value, or a digest answer it checks (digest_demand.rs).

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use crate::digest_demand::DigestDemand;
use crate::loopback::Listener;

/// What one request to a path meets instead of the plain answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The headers promise the whole answer; the connection closes after
    /// this many bytes of body.
    DropAfter(u64),
    /// This many bytes of body, then silence for the duration, then close.
    Stall(u64, Duration),
    /// Silence for the duration before the headers, then close.
    StallBeforeHeaders(Duration),
    /// This many bytes of body, then silence for the duration, then the
    /// rest.
    Pause(u64, Duration),
    /// This status, with a short body.
    Status(u16),
    /// This status with one more header line (`Location: /b`,
    /// `Retry-After: 3600`), with a short body.
    StatusWith(u16, String),
    /// The whole file with `200`, whatever the `Range`.
    IgnoreRange,
    /// A `206` whose `Content-Range` starts one byte after the one asked.
    WrongRange,
    /// A `206` of at most this many bytes of the range asked, its
    /// `Content-Range` saying so: a part that ends early.
    ShortRange(u64),
    /// The answer without `Content-Length`, closed at its end.
    NoLength,
    /// `200` with these header lines (each ending in `\r\n`) and no body,
    /// then close: a head that is not valid HTTP (`Content-Length: -5`).
    RawHead(String),
}

/// One request, as the server saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logged {
    /// The request's method.
    pub method: String,
    /// The path asked for.
    pub path: String,
    /// The `Range` header, if any.
    pub range: Option<String>,
    /// The `If-Range` header, if any.
    pub if_range: Option<String>,
    /// The status answered.
    pub status: u16,
    /// Body bytes sent.
    pub body_bytes: u64,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// Every header as `name: value`, in the order sent.
    pub headers: Vec<String>,
}

/// What a path demands before it answers (contract §15.2): requests
/// without an `Authorization` it accepts get a 401 with its challenges.
#[derive(Clone, Debug)]
enum Demand {
    /// Exactly `accepted`, after one challenge.
    Exact { challenge: String, accepted: String },
    /// A digest answer computed with the demand's password.
    Digest(DigestDemand),
}

impl Demand {
    /// The challenges of the 401 to a request of `method` `target`, or
    /// none when its `authorization` is accepted.
    fn refuses(
        &self,
        method: &str,
        target: &str,
        authorization: Option<&str>,
    ) -> Option<Vec<String>> {
        match self {
            Demand::Exact {
                challenge,
                accepted,
            } => (authorization != Some(accepted.as_str())).then(|| vec![challenge.clone()]),
            Demand::Digest(digest) => {
                (!digest.accepts(method, target, authorization)).then(|| digest.challenges())
            }
        }
    }
}

struct File {
    bytes: Arc<Vec<u8>>,
    version: u32,
}

#[derive(Default)]
struct State {
    files: HashMap<String, File>,
    faults: HashMap<String, VecDeque<Fault>>,
    demands: HashMap<String, Demand>,
    log: Vec<Logged>,
}

/// The server; it stops when dropped.
pub struct TestServer {
    listener: Listener,
    state: Arc<Mutex<State>>,
}

impl TestServer {
    /// Starts a server on 127.0.0.1 and a free port; it closes each
    /// connection after one answer.
    pub fn start() -> TestServer {
        Self::start_with(false)
    }

    /// Starts a server that keeps each connection open for the next
    /// request (HTTP/1.1 keep-alive), as most servers do; an answer with
    /// a fault still closes its connection.
    pub fn start_keep_alive() -> TestServer {
        Self::start_with(true)
    }

    fn start_with(keep_alive: bool) -> TestServer {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let listener = Listener::start(move |stream| serve(stream, &shared, keep_alive));
        TestServer { listener, state }
    }

    /// The URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.listener.port())
    }

    /// Serves `bytes` at `path` (a new version if it was there).
    pub fn put(&self, path: &str, bytes: Vec<u8>) {
        let mut state = lock(&self.state);
        let version = state.files.get(path).map_or(1, |f| f.version + 1);
        state.files.insert(
            path.to_string(),
            File {
                bytes: Arc::new(bytes),
                version,
            },
        );
    }

    /// The next request to `path` meets `fault` (after those queued before).
    pub fn fault(&self, path: &str, fault: Fault) {
        lock(&self.state)
            .faults
            .entry(path.to_string())
            .or_default()
            .push_back(fault);
    }

    /// Requests to `path` must carry `Authorization: accepted`; the others
    /// get a 401 with `WWW-Authenticate: challenge`.
    pub fn demand(&self, path: &str, challenge: &str, accepted: &str) {
        lock(&self.state).demands.insert(
            path.to_string(),
            Demand::Exact {
                challenge: challenge.into(),
                accepted: accepted.into(),
            },
        );
    }

    /// Requests to `path` must carry a digest answer that `demand`
    /// accepts (its response hash checked with the password); the others
    /// get a 401 with its challenges, one `WWW-Authenticate` each.
    pub fn demand_digest(&self, path: &str, demand: DigestDemand) {
        lock(&self.state)
            .demands
            .insert(path.to_string(), Demand::Digest(demand));
    }

    /// Every request so far.
    pub fn log(&self) -> Vec<Logged> {
        lock(&self.state).log.clone()
    }

    /// The requests for `path` so far.
    pub fn requests(&self, path: &str) -> Vec<Logged> {
        self.log().into_iter().filter(|r| r.path == path).collect()
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// A pseudo-random file of `len` bytes, the same for the same `seed`.
pub fn test_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// A `Range: bytes=a-` or `bytes=a-b` as (a, b).
fn parse_range(value: &str) -> Option<(u64, Option<u64>)> {
    let (first, last) = value.strip_prefix("bytes=")?.split_once('-')?;
    let first = first.parse().ok()?;
    let last = match last {
        "" => None,
        last => Some(last.parse().ok()?),
    };
    Some((first, last))
}

/// Answers the requests on `stream` (one, unless `keep_alive`), then
/// closes it.
fn serve(stream: TcpStream, state: &Mutex<State>, keep_alive: bool) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut out = stream;
    if keep_alive {
        // The head and the body go out as separate writes: without this,
        // Nagle's algorithm holds the body's last segment back until the
        // client acknowledges (a delayed ACK, up to 40 ms per answer).
        let _ = out.set_nodelay(true);
    }
    while serve_one(&mut reader, &mut out, state, keep_alive) {}
    let _ = out.shutdown(Shutdown::Both);
}

/// Answers one request; `true` if the connection stays open for another.
fn serve_one(
    reader: &mut BufReader<TcpStream>,
    out: &mut TcpStream,
    state: &Mutex<State>,
    keep_alive: bool,
) -> bool {
    let mut request_line = String::new();
    if !matches!(reader.read_line(&mut request_line), Ok(n) if n > 0) {
        return false;
    }
    let mut words = request_line.split_whitespace();
    let method = words.next().unwrap_or("").to_string();
    let path = words.next().unwrap_or("/").to_string();
    let (mut range, mut if_range, mut authorization) = (None, None, None);
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return false,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
        if let Some((name, value)) = line.split_once(':') {
            let value = value.trim().to_string();
            headers.push(format!("{}: {value}", name.trim()));
            match name.trim().to_ascii_lowercase().as_str() {
                "range" => range = Some(value),
                "if-range" => if_range = Some(value),
                "authorization" => authorization = Some(value),
                _ => {}
            }
        }
    }
    let (file, fault, refused) = {
        let mut state = lock(state);
        let refused = state
            .demands
            .get(&path)
            .and_then(|d| d.refuses(&method, &path, authorization.as_deref()));
        let fault = state.faults.get_mut(&path).and_then(VecDeque::pop_front);
        let file = state
            .files
            .get(&path)
            .map(|f| (f.bytes.clone(), format!("\"v{}\"", f.version)));
        (file, fault, refused)
    };
    // A faulty answer always closes: what follows it is not HTTP.
    let keep = keep_alive && fault.is_none() && refused.is_none();
    let (status, sent) = match refused {
        Some(challenges) => {
            let lines: String = challenges
                .iter()
                .map(|c| format!("WWW-Authenticate: {c}\r\n"))
                .collect();
            let _ = write!(
                out,
                "HTTP/1.1 401 Unauthorized\r\n{lines}\
                 Content-Length: 0\r\nConnection: close\r\n\r\n"
            );
            (401, 0)
        }
        None => answer(
            out,
            file,
            fault,
            range.as_deref(),
            if_range.as_deref(),
            keep,
        ),
    };
    lock(state).log.push(Logged {
        method,
        path,
        range,
        if_range,
        status,
        body_bytes: sent,
        authorization,
        headers,
    });
    keep
}

/// Writes the answer; returns its status and the body bytes sent.
fn answer(
    out: &mut TcpStream,
    file: Option<(Arc<Vec<u8>>, String)>,
    fault: Option<Fault>,
    range: Option<&str>,
    if_range: Option<&str>,
    keep: bool,
) -> (u16, u64) {
    if let Some(Fault::StallBeforeHeaders(pause)) = &fault {
        thread::sleep(*pause);
        return (0, 0);
    }
    let connection = if keep { "keep-alive" } else { "close" };
    let status_with = match &fault {
        Some(Fault::Status(status)) => Some((*status, String::new())),
        Some(Fault::StatusWith(status, header)) => Some((*status, format!("{header}\r\n"))),
        _ => None,
    };
    if let Some(Fault::RawHead(head)) = &fault {
        let _ = write!(out, "HTTP/1.1 200 OK\r\n{head}Connection: close\r\n\r\n");
        return (200, 0);
    }
    if let Some((status, header)) = status_with {
        let body = format!("status {status}\n");
        let _ = write!(
            out,
            "HTTP/1.1 {status} Test\r\n{header}Content-Length: {}\r\nConnection: {connection}\r\n\r\n{body}",
            body.len()
        );
        return (status, body.len() as u64);
    }
    let Some((bytes, etag)) = file else {
        let _ = write!(
            out,
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: {connection}\r\n\r\n"
        );
        return (404, 0);
    };
    let total = bytes.len() as u64;
    let wanted = range.and_then(parse_range);
    let same_file = if_range.is_none_or(|v| v == etag);
    let partial = match (wanted, &fault) {
        (_, Some(Fault::IgnoreRange)) => None,
        (Some(asked), _) if same_file => Some(asked),
        _ => None,
    };
    // Past the end (or, with a last byte, at it): not satisfiable.
    if let Some((start, last)) = partial
        && (start > total || (last.is_some() && start >= total))
    {
        let _ = write!(
            out,
            "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{total}\r\n\
             Content-Length: 0\r\nConnection: {connection}\r\n\r\n"
        );
        return (416, 0);
    }
    let (status, start, mut end) = match partial {
        Some((start, last)) => (
            206,
            start,
            last.map_or(total, |l| l.saturating_add(1).min(total)),
        ),
        None => (200, 0, total),
    };
    if let Some(Fault::ShortRange(most)) = fault {
        end = end.min(start.saturating_add(most));
    }
    let body = &bytes[usize::try_from(start).unwrap_or(0)..usize::try_from(end).unwrap_or(0)];
    let mut head =
        format!("HTTP/1.1 {status} Test\r\nETag: {etag}\r\nConnection: {connection}\r\n");
    if fault != Some(Fault::NoLength) {
        head += &format!("Content-Length: {}\r\n", body.len());
    }
    if status == 206 {
        let shown = if fault == Some(Fault::WrongRange) {
            start + 1
        } else {
            start
        };
        head += &format!(
            "Content-Range: bytes {shown}-{}/{total}\r\n",
            end.saturating_sub(1)
        );
    }
    head += "\r\n";
    if out.write_all(head.as_bytes()).is_err() {
        return (status, 0);
    }
    let (limit, stall) = match fault {
        Some(Fault::DropAfter(n)) => (n.min(body.len() as u64), None),
        Some(Fault::Stall(n, pause)) => (n.min(body.len() as u64), Some(pause)),
        Some(Fault::Pause(n, pause)) => (n.min(body.len() as u64), Some(pause)),
        _ => (body.len() as u64, None),
    };
    let mut sent = 0u64;
    for chunk in body[..usize::try_from(limit).unwrap_or(0)].chunks(16 << 10) {
        if out.write_all(chunk).is_err() {
            return (status, sent);
        }
        sent += chunk.len() as u64;
    }
    let _ = out.flush();
    if let Some(pause) = stall {
        thread::sleep(pause);
    }
    if let Some(Fault::Pause(..)) = fault {
        for chunk in body[usize::try_from(limit).unwrap_or(0)..].chunks(16 << 10) {
            if out.write_all(chunk).is_err() {
                return (status, sent);
            }
            sent += chunk.len() as u64;
        }
        let _ = out.flush();
    }
    (status, sent)
}
