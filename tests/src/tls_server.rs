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
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CertifiedIssuer, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams,
    SerialNumber,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};

use crate::loopback::Listener;

/// rcgen, for tests that change a certificate's parameters
/// ([`TestCa::server_with`]).
pub use rcgen;

/// A certificate authority made for one test.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A certificate chain and its key, as a server (or a client) presents
/// them.
pub struct Identity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivatePkcs8KeyDer<'static>,
    /// The same chain and key in PEM, as a server that reads files (such
    /// as PostgreSQL's `ssl_cert_file`, `ssl_key_file`) takes them.
    pem: (String, String),
}

impl Identity {
    /// The chain and the key in PEM, apart.
    pub fn pem_parts(&self) -> (&str, &str) {
        (&self.pem.0, &self.pem.1)
    }

    /// The chain then the key, in PEM, as one file holds them (a
    /// client-certificate store's file, contract §15.5).
    pub fn pem(&self) -> String {
        format!("{}{}", self.pem.0, self.pem.1)
    }

    /// The certificate's DER (its SHA-1 is the thumbprint).
    pub fn der(&self) -> &[u8] {
        &self.chain[0]
    }
}

impl TestCa {
    /// A new CA, its key made now.
    pub fn new() -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        // Each CA its own name: a chain must not find another test's CA
        // as its issuer by name alone.
        static MADE: AtomicUsize = AtomicUsize::new(0);
        let n = MADE.fetch_add(1, Ordering::Relaxed);
        params.distinguished_name.push(
            DnType::CommonName,
            format!("bits-queue test CA {} {n}", std::process::id()),
        );
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
        self.server_with(names, |_| {})
    }

    /// A server certificate as [`TestCa::server`] makes it, with `change`
    /// made to its parameters first (dates, usage, serial number).
    pub fn server_with(
        &self,
        names: &[&str],
        change: impl FnOnce(&mut CertificateParams),
    ) -> Identity {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).expect("server parameters");
        params
            .distinguished_name
            .push(DnType::CommonName, "bits-queue test server");
        change(&mut params);
        self.sign(params)
    }

    /// A client certificate for `common_name`, for client authentication
    /// only, signed by this CA.
    pub fn client(&self, common_name: &str) -> Identity {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("client parameters");
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "bits-queue tests");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.sign(params)
    }

    fn sign(&self, params: CertificateParams) -> Identity {
        let key = KeyPair::generate().expect("a key");
        let cert = params.signed_by(&key, &self.issuer).expect("signed");
        Identity {
            chain: vec![cert.der().clone(), self.issuer.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
            pem: (cert.pem() + &self.issuer.pem(), key.serialize_pem()),
        }
    }

    /// A revocation list of this CA in PEM, valid from yesterday to
    /// tomorrow, that revokes the certificates with `serials`.
    pub fn crl(&self, serials: &[u64]) -> String {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("a clock after 1970");
        let now = rcgen::date_time_ymd(2000, 1, 1) + (since_epoch - ymd_2000());
        let day = std::time::Duration::from_secs(86_400);
        let params = CertificateRevocationListParams {
            this_update: now - day,
            next_update: now + day,
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: serials
                .iter()
                .map(|serial| RevokedCertParams {
                    serial_number: SerialNumber::from(*serial),
                    revocation_time: now - day,
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        params
            .signed_by(&self.issuer)
            .expect("a revocation list")
            .pem()
            .expect("PEM")
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

/// From the epoch to 2000-01-01.
fn ymd_2000() -> std::time::Duration {
    std::time::Duration::from_secs(946_684_800)
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

/// What the server answers to every request.
enum Answer {
    /// `200` and these bytes.
    Body(Vec<u8>),
    /// `302` to this location.
    Redirect(String),
}

impl TlsServer {
    /// Serves `body` over HTTPS as `identity` on 127.0.0.1 and a free port.
    pub fn start(identity: Identity, body: Vec<u8>) -> TlsServer {
        Self::serving(identity, Answer::Body(body), None)
    }

    /// Answers every request with a `302` to `location`.
    pub fn redirecting(identity: Identity, location: &str) -> TlsServer {
        Self::serving(identity, Answer::Redirect(location.to_owned()), None)
    }

    /// Serves `body` as [`TlsServer::start`] does, only to clients that
    /// present a certificate `clients` signed.
    pub fn requiring_clients_of(clients: &TestCa, identity: Identity, body: Vec<u8>) -> TlsServer {
        Self::serving(identity, Answer::Body(body), Some(clients))
    }

    fn serving(identity: Identity, answer: Answer, clients: Option<&TestCa>) -> TlsServer {
        let config = server_config(identity, clients);
        let answer = Arc::new(answer);
        let served = Arc::new(AtomicUsize::new(0));
        let counter = served.clone();
        let listener = Listener::start(move |stream| {
            if serve(stream, config.clone(), &answer) {
                counter.fetch_add(1, Ordering::AcqRel);
            }
        });
        TlsServer { listener, served }
    }

    /// Serves HTTPS as `identity` on 127.0.0.1 and a free port, passing
    /// each request to the plain HTTP server at 127.0.0.1:`backend` (one
    /// connection to it per request; both sides give `Content-Length`).
    pub fn in_front_of(identity: Identity, backend: u16) -> TlsServer {
        Self::relaying(identity, backend, None)
    }

    /// A front as [`TlsServer::in_front_of`] makes it, only for clients
    /// that present a certificate `clients` signed.
    pub fn in_front_of_requiring_clients_of(
        clients: &TestCa,
        identity: Identity,
        backend: u16,
    ) -> TlsServer {
        Self::relaying(identity, backend, Some(clients))
    }

    fn relaying(identity: Identity, backend: u16, clients: Option<&TestCa>) -> TlsServer {
        let config = server_config(identity, clients);
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

/// A server's TLS settings: `identity`, and when `clients` is given, a
/// demand for a client certificate that CA signed.
fn server_config(identity: Identity, clients: Option<&TestCa>) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("TLS versions");
    let builder = match clients {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            roots.add(ca.issuer.der().clone()).expect("a client CA");
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .expect("a client verifier");
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = builder
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
fn serve(stream: TcpStream, config: Arc<ServerConfig>, answer: &Answer) -> bool {
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
    let (head, body): (String, &[u8]) = match answer {
        Answer::Body(body) => (
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            ),
            body,
        ),
        Answer::Redirect(location) => (
            format!(
                "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\
                 Connection: close\r\n\r\n"
            ),
            &[],
        ),
    };
    let _ = tls.write_all(head.as_bytes());
    let _ = tls.write_all(body);
    let _ = tls.flush();
    tls.conn.send_close_notify();
    let _ = tls.flush();
    let _ = tls.sock.shutdown(Shutdown::Both);
    true
}
