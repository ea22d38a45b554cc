//! A real HTTP proxy inside the test process, on 127.0.0.1 only (contract
//! §15.6): it tunnels `CONNECT host:port` and forwards absolute-form
//! requests (`GET http://host:port/path`), to 127.0.0.1 and `localhost`
//! only, and logs every request it gets, so a test can tell whether a
//! transfer went through it. It can demand a `Proxy-Authorization`,
//! answering 407 with a basic challenge without it, or a digest answer
//! (RFC 7616, its hash checked against the password), answering 407 with
//! digest challenges without one.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::digest_demand::DigestDemand;
use crate::loopback::Listener;

/// One request the proxy got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyLogged {
    /// `CONNECT`, `GET`…
    pub method: String,
    /// `host:port` for CONNECT, the absolute URL otherwise.
    pub target: String,
    /// The `Proxy-Authorization` header, if any.
    pub proxy_authorization: Option<String>,
    /// Whether it was forwarded (else refused: 407, or 502 for a target
    /// off this machine or unreachable).
    pub forwarded: bool,
}

#[derive(Default)]
struct State {
    /// The `Proxy-Authorization` value it accepts, when it demands one.
    accepted: Option<String>,
    /// The digest answer it demands, when it demands one.
    digest: Option<DigestDemand>,
    log: Vec<ProxyLogged>,
}

/// The proxy; it stops when dropped.
pub struct TestProxy {
    listener: Listener,
    state: Arc<Mutex<State>>,
}

impl TestProxy {
    /// A proxy that forwards every request.
    pub fn start() -> TestProxy {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let listener = Listener::start(move |stream| serve(stream, &shared));
        TestProxy { listener, state }
    }

    /// A proxy that forwards only requests carrying basic credentials
    /// `user`:`password`, answering 407 to the others.
    pub fn start_demanding(user: &str, password: &str) -> TestProxy {
        let proxy = Self::start();
        let basic = STANDARD.encode(format!("{user}:{password}"));
        lock(&proxy.state).accepted = Some(format!("Basic {basic}"));
        proxy
    }

    /// A proxy that forwards only requests carrying a digest answer
    /// `demand` accepts (for `CONNECT`, to its `host:port`), answering 407
    /// with `demand`'s challenges to the others.
    pub fn start_demanding_digest(demand: DigestDemand) -> TestProxy {
        let proxy = Self::start();
        lock(&proxy.state).digest = Some(demand);
        proxy
    }

    /// `127.0.0.1:PORT`, as a proxy list names it.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.listener.port())
    }

    /// Every request so far, in arrival order.
    pub fn log(&self) -> Vec<ProxyLogged> {
        lock(&self.state).log.clone()
    }

    /// How many requests it forwarded.
    pub fn forwarded(&self) -> usize {
        self.log().iter().filter(|r| r.forwarded).count()
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

fn serve(stream: TcpStream, state: &Mutex<State>) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut client = stream;
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 {
            return;
        }
        let header = header.trim_end().to_owned();
        if header.is_empty() {
            break;
        }
        headers.push(header);
    }
    let proxy_authorization = headers.iter().find_map(|h| {
        let (name, value) = h.split_once(':')?;
        name.eq_ignore_ascii_case("proxy-authorization")
            .then(|| value.trim().to_owned())
    });
    let (accepted, digest) = {
        let state = lock(state);
        (state.accepted.clone(), state.digest.clone())
    };
    let allowed = match &digest {
        Some(demand) => demand.accepts(&method, &target, proxy_authorization.as_deref()),
        None => accepted.is_none() || accepted == proxy_authorization,
    };
    let authority = if method == "CONNECT" {
        Some(target.clone())
    } else {
        target
            .strip_prefix("http://")
            .map(|rest| rest.split('/').next().unwrap_or_default().to_owned())
    };
    let upstream = authority
        .as_deref()
        .filter(|a| a.starts_with("127.0.0.1:") || a.starts_with("localhost:"))
        .filter(|_| allowed)
        .and_then(|a| TcpStream::connect(a).ok());
    lock(state).log.push(ProxyLogged {
        method: method.clone(),
        target: target.clone(),
        proxy_authorization,
        forwarded: upstream.is_some(),
    });
    let Some(mut upstream) = upstream else {
        let answer = if allowed {
            "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into()
        } else {
            let challenges = match &digest {
                Some(demand) => demand.challenges(),
                None => vec!["Basic realm=\"test proxy\"".into()],
            };
            let mut answer = String::from("HTTP/1.1 407 Proxy Authentication Required\r\n");
            for challenge in challenges {
                answer.push_str(&format!("Proxy-Authenticate: {challenge}\r\n"));
            }
            answer.push_str("Content-Length: 0\r\nConnection: close\r\n\r\n");
            answer
        };
        let _ = client.write_all(answer.as_bytes());
        return;
    };
    if method == "CONNECT" {
        let _ = client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n");
    } else {
        // Origin-form upstream, without the proxy's own headers; one
        // request per connection.
        let path = target
            .strip_prefix("http://")
            .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
            .unwrap_or("/");
        let mut head = format!("{method} {path} HTTP/1.1\r\n");
        for header in &headers {
            let name = header.split(':').next().unwrap_or_default();
            let own = ["proxy-authorization", "proxy-connection", "connection"];
            if !own.iter().any(|o| name.eq_ignore_ascii_case(o)) {
                head.push_str(header);
                head.push_str("\r\n");
            }
        }
        head.push_str("Connection: close\r\n\r\n");
        if upstream.write_all(head.as_bytes()).is_err() {
            return;
        }
    }
    // Whatever the client sent past the head, then both ways until closed.
    let _ = upstream.write_all(reader.buffer());
    let (Ok(mut up_read), Ok(mut client_write)) = (upstream.try_clone(), client.try_clone()) else {
        return;
    };
    let down = thread::spawn(move || {
        let _ = std::io::copy(&mut up_read, &mut client_write);
        let _ = client_write.shutdown(Shutdown::Write);
    });
    let mut client_read = reader.into_inner();
    let _ = std::io::copy(&mut client_read, &mut upstream);
    let _ = upstream.shutdown(Shutdown::Write);
    let _ = down.join();
}
