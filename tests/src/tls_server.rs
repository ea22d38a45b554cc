//! An HTTPS server inside the test process, on 127.0.0.1 only, with a
//! certificate authority made for the test (rcgen): the transfers under
//! test meet a real TLS handshake with a real chain, trusted only when
//! they are given the CA (contract §15.5).
//!
//! Each connection answers one GET with `200` and the server's bytes,
//! whatever the path, then closes; or, in front of a plain HTTP server of
//! the test (the BITS upload server), passes each request to it and its
//! answer back, over one connection as long as the client keeps it. Only
//! requests that get through the handshake are counted, so a test can see
//! that a refused certificate never reached HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use crate::loopback::Listener;

/// A certificate authority made for one test.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A certificate chain and its key, as a server presents them.
pub struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivatePkcs8KeyDer<'static>,
    /// The same chain and key in PEM, as a server that reads files (such
    /// as PostgreSQL's `ssl_cert_file`, `ssl_key_file`) takes them.
    pem: (String, String),
}

impl Identity {
    /// The chain and the key in PEM.
    pub fn pem(&self) -> (&str, &str) {
        (&self.pem.0, &self.pem.1)
    }
}

impl TestCa {
    /// A new CA, its key made now.
    pub fn new() -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "bits-queue test CA");
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("a CA key");
        TestCa {
            issuer: CertifiedIssuer::self_signed(params, key).expect("a CA certificate"),
        }
    }

    /// The CA's certificate in PEM, as a CA file holds it.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate for `names` (DNS names or IP addresses)
    /// signed by this CA, with the chain a server sends.
    pub fn server(&self, names: &[&str]) -> Identity {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).expect("server parameters");
        params
            .distinguished_name
            .push(DnType::CommonName, "bits-queue test server");
        let key = KeyPair::generate().expect("a server key");
        let cert = params.signed_by(&key, &self.issuer).expect("signed");
        Identity {
            chain: vec![cert.der().clone(), self.issuer.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
            pem: (cert.pem() + &self.issuer.pem(), key.serialize_pem()),
        }
    }

    /// The CA's own certificate and key presented as a server's (a CA
    /// used as an end entity, which a client must refuse).
    pub fn as_server(&self) -> Identity {
        Identity {
            chain: vec![self.issuer.der().clone()],
            key: PrivatePkcs8KeyDer::from(self.issuer.key().serialize_der()),
            pem: (self.issuer.pem(), self.issuer.key().serialize_pem()),
        }
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

/// The server; it stops when dropped.
pub struct TlsServer {
    listener: Listener,
    served: Arc<AtomicUsize>,
}

impl TlsServer {
    /// Serves `body` over HTTPS as `identity` on 127.0.0.1 and a free port.
    pub fn start(identity: Identity, body: Vec<u8>) -> TlsServer {
        let config = server_config(identity);
        let body = Arc::new(body);
        let served = Arc::new(AtomicUsize::new(0));
        let counter = served.clone();
        let listener = Listener::start(move |stream| {
            if serve(stream, config.clone(), &body) {
                counter.fetch_add(1, Ordering::AcqRel);
            }
        });
        TlsServer { listener, served }
    }

    /// Serves HTTPS as `identity` on 127.0.0.1 and a free port, passing
    /// each request to the plain HTTP server at 127.0.0.1:`backend` (one
    /// connection to it per request; both sides give `Content-Length`).
    pub fn in_front_of(identity: Identity, backend: u16) -> TlsServer {
        let config = server_config(identity);
        let served = Arc::new(AtomicUsize::new(0));
        let counter = served.clone();
        let listener = Listener::start(move |stream| {
            let Ok(connection) = ServerConnection::new(config.clone()) else {
                return;
            };
            let mut tls = BufReader::new(StreamOwned::new(connection, stream));
            while relay_one(&mut tls, backend).is_some() {
                counter.fetch_add(1, Ordering::AcqRel);
            }
        });
        TlsServer { listener, served }
    }

    /// The https URL of `path` (which starts with `/`) at 127.0.0.1.
    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.listener.port())
    }

    /// Requests answered (each past the handshake).
    pub fn served(&self) -> usize {
        self.served.load(Ordering::Acquire)
    }
}

fn server_config(identity: Identity) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(identity.chain, PrivateKeyDer::Pkcs8(identity.key))
        .expect("a server identity");
    Arc::new(config)
}

/// One request read from `tls`, passed to the backend, and its answer
/// written back; `None` when the client is done or anything failed.
fn relay_one(
    tls: &mut BufReader<StreamOwned<ServerConnection, TcpStream>>,
    backend: u16,
) -> Option<()> {
    let request = read_message(tls)?;
    let mut upstream = TcpStream::connect(("127.0.0.1", backend)).ok()?;
    upstream.write_all(&request).ok()?;
    let answer = read_message(&mut BufReader::new(upstream))?;
    let tls = tls.get_mut();
    tls.write_all(&answer).ok()?;
    tls.flush().ok()
}

/// A whole HTTP message (head and a body of its `Content-Length`).
fn read_message(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut message = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = Vec::new();
        reader
            .read_until(b'\n', &mut line)
            .ok()
            .filter(|&n| n > 0)?;
        let text = String::from_utf8_lossy(&line).to_ascii_lowercase();
        if let Some(value) = text.strip_prefix("content-length:") {
            length = value.trim().parse().ok()?;
        }
        message.extend_from_slice(&line);
        if line == b"\r\n" {
            break;
        }
    }
    let start = message.len();
    message.resize(start + length, 0);
    reader.read_exact(&mut message[start..]).ok()?;
    Some(message)
}

/// Answers one request on `stream`; whether one got through the handshake.
fn serve(stream: TcpStream, config: Arc<ServerConfig>, body: &[u8]) -> bool {
    let Ok(connection) = ServerConnection::new(config) else {
        return false;
    };
    let mut tls = StreamOwned::new(connection, stream);
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match tls.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return false,
        }
    }
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = tls.write_all(answer.as_bytes());
    let _ = tls.write_all(body);
    let _ = tls.flush();
    tls.conn.send_close_notify();
    let _ = tls.flush();
    let _ = tls.sock.shutdown(Shutdown::Both);
    true
}
