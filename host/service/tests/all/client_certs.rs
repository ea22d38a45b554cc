//! Client certificates (contract §15.5, §15.8) against an HTTPS server that
//! demands one signed by its client CA: the job's certificate, found in
//! the host's store directory by subject or SHA-1 thumbprint, gets the file
//! through byte-exact; none set is `client-certificate-needed`; one from
//! another CA is refused; one the stores lack is
//! `client-certificate-missing` (CRYPT_E_NOT_FOUND, `local-file`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use bits_queue_host::{CertificateId, ClientCertificate, JobErrorContext};
use bits_queue_service::{HttpTransport, Trust};
use bits_queue_tests::http_server::test_bytes;
use bits_queue_tests::tls_server::{TestCa, TlsServer};

use crate::transfers::Setup;

/// A store directory `MY` holding `files` (name, PEM).
fn stores(files: &[(&str, &str)]) -> PathBuf {
    let dir = bits_queue_tests::scratch_dir("client-certs");
    std::fs::create_dir_all(dir.join("MY")).unwrap();
    for (name, pem) in files {
        std::fs::write(dir.join("MY").join(name), pem).unwrap();
    }
    dir
}

/// A setup trusting `server_ca`, with the certificate stores at `dir`.
fn setup(server_ca: &TestCa, dir: &Path) -> Setup {
    let file = dir.join("ca.pem");
    std::fs::write(&file, server_ca.pem()).unwrap();
    let trust = Trust::none()
        .with_ca_file(&file)
        .unwrap()
        .with_client_cert_dir(dir)
        .unwrap();
    Setup::with_transport(HttpTransport::with_trust(trust, Duration::from_secs(30)))
}

fn subject(text: &str) -> ClientCertificate {
    ClientCertificate {
        store: "my".into(),
        id: CertificateId::Subject(text.into()),
    }
}

/// The download of `server`'s file with `cert`: the bytes, or the job's
/// (hresult, context, description).
fn fetch(
    s: &Setup,
    server: &TlsServer,
    cert: Option<ClientCertificate>,
    name: &str,
) -> Result<Vec<u8>, (u32, JobErrorContext, String)> {
    let job = s.download_with(&server.url("/f.bin"), name, |job| {
        job.set_client_certificate(cert.as_ref()).unwrap();
    });
    s.ended(&job, name)
}

#[test]
fn the_jobs_certificate_gets_the_file_through() {
    let server_ca = TestCa::new();
    let client_ca = TestCa::new();
    let ann = client_ca.client("Ann Example");
    let dir = stores(&[("ann.pem", &ann.pem())]);
    let s = setup(&server_ca, &dir);
    let bytes = test_bytes(70_000, 9);
    let server = TlsServer::requiring_clients_of(
        &client_ca,
        server_ca.server(&["127.0.0.1"]),
        bytes.clone(),
    );
    let by_subject = fetch(&s, &server, Some(subject("cn=ann example")), "s.bin");
    assert_eq!(by_subject.as_ref().ok(), Some(&bytes), "{by_subject:?}");
    let thumbprint = ClientCertificate {
        store: "MY".into(),
        id: CertificateId::Sha1(sha1(ann.der())),
    };
    let by_hash = fetch(&s, &server, Some(thumbprint), "h.bin");
    assert_eq!(by_hash.as_ref().ok(), Some(&bytes), "{by_hash:?}");
    assert_eq!(server.served(), 2);
}

#[test]
fn without_a_certificate_the_server_asks_for_one() {
    let server_ca = TestCa::new();
    let client_ca = TestCa::new();
    let s = setup(&server_ca, &stores(&[]));
    let server =
        TlsServer::requiring_clients_of(&client_ca, server_ca.server(&["127.0.0.1"]), vec![1; 9]);
    let (hresult, context, why) = fetch(&s, &server, None, "n.bin").expect_err("refused");
    assert_eq!(hresult, 0x8007_2F0C, "{why}");
    assert_eq!(context, JobErrorContext::RemoteFile);
    assert_eq!(server.served(), 0);
}

#[test]
fn a_certificate_of_another_ca_is_refused() {
    let server_ca = TestCa::new();
    let client_ca = TestCa::new();
    let stranger = TestCa::new().client("Ann Example");
    let s = setup(&server_ca, &stores(&[("ann.pem", &stranger.pem())]));
    let server =
        TlsServer::requiring_clients_of(&client_ca, server_ca.server(&["127.0.0.1"]), vec![1; 9]);
    let (hresult, _, why) = fetch(&s, &server, Some(subject("Ann")), "o.bin").expect_err("refused");
    assert_eq!(hresult, 0x8007_2F0C, "{why}");
    assert!(why.contains("refused the client certificate"), "{why}");
    assert_eq!(server.served(), 0);
}

#[test]
fn a_certificate_the_stores_lack_is_missing_locally() {
    let server_ca = TestCa::new();
    let client_ca = TestCa::new();
    let ann = client_ca.client("Ann Example");
    let s = setup(&server_ca, &stores(&[("ann.pem", &ann.pem())]));
    let server =
        TlsServer::requiring_clients_of(&client_ca, server_ca.server(&["127.0.0.1"]), vec![1; 9]);
    for (n, cert) in [
        subject("CN=Bob"),
        ClientCertificate {
            store: "OTHER".into(),
            id: CertificateId::Subject("Ann".into()),
        },
        ClientCertificate {
            store: "MY".into(),
            id: CertificateId::Sha1(vec![0; 20]),
        },
    ]
    .into_iter()
    .enumerate()
    {
        let (hresult, context, why) =
            fetch(&s, &server, Some(cert), &format!("m{n}.bin")).expect_err("missing");
        assert_eq!(hresult, 0x8009_2004, "{why}");
        assert_eq!(context, JobErrorContext::LocalFile);
        assert!(!why.contains("PRIVATE KEY"), "{why}");
    }
    assert_eq!(server.served(), 0);
}

/// A certificate's SHA-1 thumbprint, as Windows shows it.
fn sha1(der: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der)
        .as_ref()
        .to_vec()
}
