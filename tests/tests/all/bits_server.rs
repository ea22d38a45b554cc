//! The BITS upload server of the test support code ([MC-BUP], contract
//! §14.3), spoken to in raw HTTP over a socket: the packets, their Acks and
//! errors, sessions across connections, and each fault switch.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use bits_queue_tests::bits_server::{BITS_PROTOCOL, BitsFault, BitsServer};

/// One answer: status and headers (names lower-cased), and the body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A client connection.
struct Client(BufReader<TcpStream>);

impl Client {
    fn connect(server: &BitsServer) -> Client {
        let url = server.url("/");
        let address = url.trim_start_matches("http://").trim_end_matches('/');
        Client(BufReader::new(TcpStream::connect(address).unwrap()))
    }

    /// Sends a packet; `None` when the server closed without answering.
    fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Option<Answer> {
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let stream = self.0.get_mut();
        stream.write_all(request.as_bytes()).ok()?;
        stream.write_all(body).ok()?;
        let mut line = String::new();
        if self.0.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let status = line.split_whitespace().nth(1)?.parse().ok()?;
        let mut headers = Vec::new();
        loop {
            let mut header = String::new();
            self.0.read_line(&mut header).ok()?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':')?;
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("Content-Length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        self.0.read_exact(&mut body).ok()?;
        Some(Answer {
            status,
            headers,
            body,
        })
    }

    fn packet(
        &mut self,
        path: &str,
        kind: &str,
        extra: &[(&str, &str)],
        body: &[u8],
    ) -> Option<Answer> {
        let mut headers = vec![("BITS-Packet-Type", kind)];
        headers.extend_from_slice(extra);
        self.send("BITS_POST", path, &headers, body)
    }

    fn create(&mut self, path: &str) -> String {
        let ack = self
            .packet(
                path,
                "Create-Session",
                &[("BITS-Supported-Protocols", BITS_PROTOCOL)],
                b"",
            )
            .unwrap();
        assert_eq!(ack.status, 201);
        assert_eq!(ack.header("BITS-Packet-Type"), Some("Ack"));
        assert_eq!(ack.header("BITS-Protocol"), Some(BITS_PROTOCOL));
        ack.header("BITS-Session-Id").unwrap().to_owned()
    }

    fn fragment(
        &mut self,
        path: &str,
        session: &str,
        first: u64,
        bytes: &[u8],
        total: u64,
    ) -> Option<Answer> {
        let range = format!("bytes {first}-{}/{total}", first + bytes.len() as u64 - 1);
        self.packet(
            path,
            "Fragment",
            &[("BITS-Session-Id", session), ("Content-Range", &range)],
            bytes,
        )
    }
}

/// Ping, Create-Session, Fragments (one over two connections), Close:
/// the file is byte-exact, every Ack names the received offset.
#[test]
fn an_upload_in_fragments_across_connections() {
    let server = BitsServer::start();
    let data: Vec<u8> = (0..100u8).collect();
    let mut client = Client::connect(&server);
    assert_eq!(
        client.packet("/up/a", "Ping", &[], b"").unwrap().status,
        200
    );
    let session = client.create("/up/a");
    let ack = client
        .fragment("/up/a", &session, 0, &data[..40], 100)
        .unwrap();
    assert_eq!(
        (ack.status, ack.header("BITS-Received-Content-Range")),
        (200, Some("40"))
    );
    let mut other = Client::connect(&server);
    let ack = other
        .fragment("/up/a", &session, 40, &data[40..], 100)
        .unwrap();
    assert_eq!(ack.header("BITS-Received-Content-Range"), Some("100"));
    let ack = other
        .packet(
            "/up/a",
            "Close-Session",
            &[("BITS-Session-Id", &session)],
            b"",
        )
        .unwrap();
    assert_eq!(ack.status, 200);
    assert_eq!(server.file("/up/a"), Some(data));
}

/// A gap is 416 with the offset; an overlap keeps only new bytes.
#[test]
fn gaps_and_overlaps() {
    let server = BitsServer::start();
    let mut client = Client::connect(&server);
    let session = client.create("/g");
    client.fragment("/g", &session, 0, b"abcd", 8).unwrap();
    let gap = client.fragment("/g", &session, 6, b"gh", 8).unwrap();
    assert_eq!(
        (gap.status, gap.header("BITS-Received-Content-Range")),
        (416, Some("4"))
    );
    let ack = client.fragment("/g", &session, 2, b"cdefgh", 8).unwrap();
    assert_eq!(ack.header("BITS-Received-Content-Range"), Some("8"));
    client.packet("/g", "Close-Session", &[("BITS-Session-Id", &session)], b"");
    assert_eq!(server.file("/g").as_deref(), Some(&b"abcdefgh"[..]));
}

/// Errors carry BITS-Error-Code and -Context: an unknown session, another
/// protocol, the size cap.
#[test]
fn errors_name_their_code() {
    let server = BitsServer::start();
    server.size_cap(10);
    let mut client = Client::connect(&server);
    let lost = client.fragment("/e", "{nope}", 0, b"x", 1).unwrap();
    assert_eq!(lost.status, 400);
    assert_eq!(lost.header("BITS-Error-Code"), Some("0x8020001F"));
    assert_eq!(lost.header("BITS-Error-Context"), Some("0x5"));
    let other = client
        .packet(
            "/e",
            "Create-Session",
            &[(
                "BITS-Supported-Protocols",
                "{00000000-0000-0000-0000-000000000000}",
            )],
            b"",
        )
        .unwrap();
    assert_eq!(other.header("BITS-Error-Code"), Some("0x80200022"));
    let session = client.create("/e");
    let big = client.fragment("/e", &session, 0, b"x", 11).unwrap();
    assert_eq!(
        (big.status, big.header("BITS-Error-Code")),
        (413, Some("0x80200020"))
    );
}

/// The fault switches: a fragment dropped halfway keeps nothing of it, a
/// forgotten session, 500 then success; and Cancel-Session.
#[test]
fn faults_and_cancel() {
    let server = BitsServer::start();
    let mut client = Client::connect(&server);
    let session = client.create("/f");
    server.fault([BitsFault::DropFragmentHalfway]);
    assert!(client.fragment("/f", &session, 0, b"abcdef", 6).is_none());
    assert_eq!(server.session_bytes(&session), Some(0));
    let mut client = Client::connect(&server);
    server.fault([BitsFault::Status(500)]);
    assert_eq!(
        client
            .fragment("/f", &session, 0, b"abcdef", 6)
            .unwrap()
            .status,
        500
    );
    let ack = client.fragment("/f", &session, 0, b"abcdef", 6).unwrap();
    assert_eq!(ack.header("BITS-Received-Content-Range"), Some("6"));
    server.fault([BitsFault::ForgetSession]);
    let lost = client
        .packet("/f", "Close-Session", &[("BITS-Session-Id", &session)], b"")
        .unwrap();
    assert_eq!(lost.header("BITS-Error-Code"), Some("0x8020001F"));
    let session = client.create("/f");
    let ack = client
        .packet(
            "/f",
            "Cancel-Session",
            &[("BITS-Session-Id", &session)],
            b"",
        )
        .unwrap();
    assert_eq!(ack.status, 200);
    assert_eq!(server.session_bytes(&session), None);
    let kinds: Vec<String> = server.log().into_iter().map(|p| p.packet_type).collect();
    assert!(kinds.contains(&"Cancel-Session".to_owned()), "{kinds:?}");
}

/// Upload-reply: the completing Ack names the reply, which a GET fetches.
#[test]
fn the_reply_url_and_body() {
    let server = BitsServer::start();
    server.reply("/reply/1", b"the answer");
    let mut client = Client::connect(&server);
    let session = client.create("/r");
    let first = client.fragment("/r", &session, 0, b"ab", 4).unwrap();
    assert_eq!(first.header("BITS-Reply-URL"), None);
    let last = client.fragment("/r", &session, 2, b"cd", 4).unwrap();
    assert_eq!(last.header("BITS-Reply-URL"), Some("/reply/1"));
    let reply = client.send("GET", "/reply/1", &[], b"").unwrap();
    assert_eq!((reply.status, reply.body), (200, b"the answer".to_vec()));
}
