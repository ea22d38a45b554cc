//! A BITS upload server ([MC-BUP], contract §14.3) inside the test process,
//! on 127.0.0.1 only: real HTTP/1.1 over sockets, the server side of the
//! protocol as IIS's BITS extension speaks it, with faults to inject.
//!
//! `BITS_POST` packets: `Ping`; `Create-Session` (only the BITS 1.5
//! protocol, `{7df0354d-249b-430f-820d-3d2a9bef4931}`); `Fragment` with
//! `Content-Range`, acknowledged with `BITS-Received-Content-Range`, a gap
//! answered `416`; `Close-Session`, which files the upload under its path;
//! `Cancel-Session`. Sessions outlive connections. Errors carry
//! `BITS-Error-Code` and `BITS-Error-Context` in hex. An optional size cap
//! answers BG_E_TOO_LARGE, and an optional reply gives upload-reply's
//! `BITS-Reply-URL` and serves the reply's bytes to a GET.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use crate::loopback::Listener;

/// The one upload protocol: BITS 1.5.
pub const BITS_PROTOCOL: &str = "{7df0354d-249b-430f-820d-3d2a9bef4931}";
/// BG_E_SESSION_NOT_FOUND.
pub const SESSION_NOT_FOUND: u32 = 0x8020_001F;
/// BG_E_TOO_LARGE.
pub const TOO_LARGE: u32 = 0x8020_0020;
/// BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH.
pub const PROTOCOL_MISMATCH: u32 = 0x8020_0022;
/// `BITS-Error-Context` of an error about the remote file.
pub const CONTEXT_REMOTE_FILE: u32 = 0x5;

/// What the next packet meets instead of the plain answer (one fault, one
/// packet, in order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BitsFault {
    /// No fault: the plain answer (to place a fault at a later packet).
    Pass,
    /// A Fragment's connection closes after half its body arrived; the
    /// half is not kept.
    DropFragmentHalfway,
    /// The packet's session is forgotten before it is handled.
    ForgetSession,
    /// This status, with no Ack (500 then success: one fault).
    Status(u16),
    /// Silence for this long, then the plain answer.
    Stall(Duration),
    /// The packet's session keeps only its first bytes, this many, before
    /// the packet is handled (a server that lost what it acknowledged:
    /// the next Fragment meets a 416).
    Rewind(u64),
    /// This status with this `BITS-Error-Code` (context: the remote file).
    Error(u16, u32),
    /// This status with `Retry-After: SECONDS`, with no Ack (a busy
    /// server, contract §15.8).
    RetryAfter(u16, u32),
}

/// One packet, as the server saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    /// `BITS-Packet-Type`, or the method for anything else.
    pub packet_type: String,
    /// The path.
    pub path: String,
    /// `BITS-Session-Id`, if sent.
    pub session: Option<String>,
    /// `Content-Range`, if sent.
    pub range: Option<String>,
    /// The status answered (0: the connection was dropped).
    pub status: u16,
    /// The body bytes that reached the server (half the body of a dropped
    /// Fragment): what the client's retries cost on the wire.
    pub received: u64,
}

struct Session {
    path: String,
    bytes: Vec<u8>,
}

#[derive(Default)]
struct State {
    sessions: HashMap<String, Session>,
    /// Closed uploads by path.
    files: HashMap<String, Vec<u8>>,
    faults: VecDeque<BitsFault>,
    log: Vec<Packet>,
    size_cap: Option<u64>,
    /// Upload-reply's reply: its path on this server and its bytes.
    reply: Option<(String, Vec<u8>)>,
    next_session: u32,
}

/// The server; it stops when dropped.
pub struct BitsServer {
    listener: Listener,
    state: Arc<Mutex<State>>,
}

impl BitsServer {
    /// Starts a server on 127.0.0.1 and a free port.
    pub fn start() -> BitsServer {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let listener = Listener::start(move |stream| serve(stream, &shared));
        BitsServer { listener, state }
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.listener.port())
    }

    /// Its port on 127.0.0.1 (for a TLS front, tls_server.rs).
    pub fn port(&self) -> u16 {
        self.listener.port()
    }

    /// Faults for the next packets, one each, in order.
    pub fn fault(&self, faults: impl IntoIterator<Item = BitsFault>) {
        self.lock().faults.extend(faults);
    }

    /// Refuses uploads larger than `bytes` with BG_E_TOO_LARGE.
    pub fn size_cap(&self, bytes: u64) {
        self.lock().size_cap = Some(bytes);
    }

    /// Gives upload-reply's reply: `BITS-Reply-URL` names `path`, and a GET
    /// of it answers `body`.
    pub fn reply(&self, path: &str, body: &[u8]) {
        self.lock().reply = Some((path.into(), body.to_vec()));
    }

    /// The bytes of the upload closed under `path`, if any.
    pub fn file(&self, path: &str) -> Option<Vec<u8>> {
        self.lock().files.get(path).cloned()
    }

    /// The size of the upload closed under `path`, if any (no copy of a
    /// large one).
    pub fn file_len(&self, path: &str) -> Option<usize> {
        self.lock().files.get(path).map(Vec::len)
    }

    /// The bytes an open session holds.
    pub fn session_bytes(&self, session: &str) -> Option<usize> {
        self.lock().sessions.get(session).map(|s| s.bytes.len())
    }

    /// Every packet so far.
    pub fn log(&self) -> Vec<Packet> {
        self.lock().log.clone()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One request's head (the PUT sink reads heads the same way).
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    headers: HashMap<String, String>,
}

impl Request {
    /// A header's value, its name matched in any case.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// An answer: status, headers, body.
struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn ack(status: u16) -> Answer {
        Answer {
            status,
            headers: vec![("BITS-Packet-Type", "Ack".into())],
            body: Vec::new(),
        }
    }

    fn error(status: u16, code: u32) -> Answer {
        let mut answer = Answer::ack(status);
        answer
            .headers
            .push(("BITS-Error-Code", format!("0x{code:08X}")));
        answer
            .headers
            .push(("BITS-Error-Context", format!("0x{CONTEXT_REMOTE_FILE:X}")));
        answer
    }
}

/// Serves requests on one connection until it closes.
fn serve(stream: TcpStream, state: &Mutex<State>) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Some(request) = read_head(&mut reader) {
        let length: usize = request
            .header("Content-Length")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
        let fault = if request.method == "BITS_POST" {
            lock().faults.pop_front()
        } else {
            None
        };
        let mut packet = Packet {
            packet_type: request
                .header("BITS-Packet-Type")
                .unwrap_or(&request.method)
                .to_owned(),
            path: request.path.clone(),
            session: request.header("BITS-Session-Id").map(str::to_owned),
            range: request.header("Content-Range").map(str::to_owned),
            status: 0,
            received: 0,
        };
        if fault == Some(BitsFault::DropFragmentHalfway) {
            let mut half = vec![0; length / 2];
            if reader.read_exact(&mut half).is_ok() {
                packet.received = half.len() as u64;
            }
            lock().log.push(packet);
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        packet.received = body.len() as u64;
        let answer = match fault {
            Some(BitsFault::Status(status)) => Answer {
                status,
                headers: Vec::new(),
                body: b"fault".to_vec(),
            },
            Some(BitsFault::RetryAfter(status, seconds)) => Answer {
                status,
                headers: vec![("Retry-After", seconds.to_string())],
                body: b"busy".to_vec(),
            },
            Some(BitsFault::Stall(pause)) => {
                thread::sleep(pause);
                handle(&mut lock(), &request, &body)
            }
            Some(BitsFault::Error(status, code)) => Answer::error(status, code),
            Some(BitsFault::Rewind(keep)) => {
                let mut state = lock();
                if let Some(session) = packet
                    .session
                    .as_ref()
                    .and_then(|id| state.sessions.get_mut(id))
                {
                    session
                        .bytes
                        .truncate(usize::try_from(keep).unwrap_or(usize::MAX));
                }
                handle(&mut state, &request, &body)
            }
            Some(BitsFault::ForgetSession) => {
                let mut state = lock();
                if let Some(id) = &packet.session {
                    state.sessions.remove(id);
                }
                handle(&mut state, &request, &body)
            }
            _ => handle(&mut lock(), &request, &body),
        };
        packet.status = answer.status;
        lock().log.push(packet);
        if write_answer(&mut writer, &answer).is_err() {
            return;
        }
    }
}

/// Reads a request line and its headers; `None` at the end of the
/// connection or on a malformed head.
pub(crate) fn read_head(reader: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok().filter(|&n| n > 0)?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?;
    // An absolute URI names the path after its authority.
    let path = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |at| &rest[at..]).to_owned(),
        None => target.to_owned(),
    };
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok().filter(|&n| n > 0)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    Some(Request {
        method,
        path,
        headers,
    })
}

fn write_answer(writer: &mut TcpStream, answer: &Answer) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} BITS\r\n", answer.status);
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", answer.body.len()));
    writer.write_all(head.as_bytes())?;
    writer.write_all(&answer.body)?;
    writer.flush()
}

/// The server side of one packet.
fn handle(state: &mut State, request: &Request, body: &[u8]) -> Answer {
    if request.method == "GET" {
        return match &state.reply {
            Some((path, bytes)) if *path == request.path => Answer {
                status: 200,
                headers: Vec::new(),
                body: bytes.clone(),
            },
            _ => Answer {
                status: 404,
                headers: Vec::new(),
                body: Vec::new(),
            },
        };
    }
    if request.method != "BITS_POST" {
        return Answer {
            status: 405,
            headers: Vec::new(),
            body: Vec::new(),
        };
    }
    let packet = request.header("BITS-Packet-Type").unwrap_or("");
    if packet.eq_ignore_ascii_case("Ping") {
        return Answer::ack(200);
    }
    if packet.eq_ignore_ascii_case("Create-Session") {
        let offered = request
            .header("BITS-Supported-Protocols")
            .unwrap_or("")
            .split_whitespace()
            .any(|p| p.eq_ignore_ascii_case(BITS_PROTOCOL));
        if !offered {
            return Answer::error(400, PROTOCOL_MISMATCH);
        }
        state.next_session += 1;
        let id = format!("{{{:08X}-0000-4000-8000-000000000000}}", state.next_session);
        state.sessions.insert(
            id.clone(),
            Session {
                path: request.path.clone(),
                bytes: Vec::new(),
            },
        );
        let mut answer = Answer::ack(201);
        answer.headers.push(("BITS-Protocol", BITS_PROTOCOL.into()));
        answer.headers.push(("BITS-Session-Id", id));
        return answer;
    }
    let Some(id) = request.header("BITS-Session-Id").map(str::to_owned) else {
        return Answer::error(400, SESSION_NOT_FOUND);
    };
    if packet.eq_ignore_ascii_case("Cancel-Session") {
        state.sessions.remove(&id);
        return Answer::ack(200);
    }
    if !state.sessions.contains_key(&id) {
        return Answer::error(400, SESSION_NOT_FOUND);
    }
    if packet.eq_ignore_ascii_case("Close-Session") {
        let session = state.sessions.remove(&id).expect("checked above");
        state.files.insert(session.path, session.bytes);
        return Answer::ack(200);
    }
    if packet.eq_ignore_ascii_case("Fragment") {
        return fragment(state, &id, request.header("Content-Range"), body);
    }
    Answer::error(400, PROTOCOL_MISMATCH)
}

/// `bytes a-b/total` or `bytes */0`: the first byte, the last and the
/// total (`None` for the empty range of a zero-byte file).
fn parse_range(range: &str) -> Option<(Option<(u64, u64)>, u64)> {
    let rest = range.strip_prefix("bytes ")?;
    let (span, total) = rest.split_once('/')?;
    let total = total.parse().ok()?;
    if span == "*" {
        return Some((None, total));
    }
    let (first, last) = span.split_once('-')?;
    let (first, last) = (first.parse().ok()?, last.parse().ok()?);
    (first <= last && last < total).then_some((Some((first, last)), total))
}

fn fragment(state: &mut State, id: &str, range: Option<&str>, body: &[u8]) -> Answer {
    let Some((span, total)) = range.and_then(parse_range) else {
        return Answer::error(400, PROTOCOL_MISMATCH);
    };
    if state.size_cap.is_some_and(|cap| total > cap) {
        return Answer::error(413, TOO_LARGE);
    }
    let session = state.sessions.get_mut(id).expect("checked by the caller");
    let received = session.bytes.len() as u64;
    let mut answer = match span {
        None if total == 0 && body.is_empty() => Answer::ack(200),
        None => return Answer::error(400, PROTOCOL_MISMATCH),
        Some((first, last)) => {
            if last - first + 1 != body.len() as u64 {
                return Answer::error(400, PROTOCOL_MISMATCH);
            }
            if first > received {
                // A gap: say where the server is.
                let mut gap = Answer::ack(416);
                gap.headers
                    .push(("BITS-Received-Content-Range", received.to_string()));
                return gap;
            }
            // Bytes the server already has are skipped, the rest kept.
            let skip = usize::try_from(received - first).unwrap_or(usize::MAX);
            if let Some(new) = body.get(skip..) {
                session.bytes.extend_from_slice(new);
            }
            Answer::ack(200)
        }
    };
    let received = session.bytes.len() as u64;
    answer
        .headers
        .push(("BITS-Received-Content-Range", received.to_string()));
    if received == total
        && let Some((path, _)) = &state.reply
    {
        answer.headers.push(("BITS-Reply-URL", path.clone()));
    }
    answer
}
