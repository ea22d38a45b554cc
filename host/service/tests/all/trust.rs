//! HTTPS against a server whose certificate a CA made in the test signed
//! (contract §15.5, §15.8): trusted when the transport is given the CA,
//! and otherwise a fatal `tls` failure with ERROR_WINHTTP_SECURE_FAILURE
//! and a description in words, never a transient "cannot connect".

use std::time::Duration;

use bits_queue_host::{JobErrorContext, JobState};
use bits_queue_service::{HttpTransport, Trust};
use bits_queue_tests::http_server::test_bytes;
use bits_queue_tests::tls_server::{TestCa, TlsServer};

use crate::transfers::Setup;

/// ERROR_WINHTTP_SECURE_FAILURE as an HRESULT.
const SECURE_FAILURE: u32 = 0x8007_2F8F;

/// A setup whose HTTPS trusts only `ca` (or nothing).
fn trusting(ca: Option<&TestCa>) -> Setup {
    let trust = match ca {
        Some(ca) => {
            let file = bits_queue_tests::scratch_dir("trust").join("ca.pem");
            std::fs::write(&file, ca.pem()).unwrap();
            Trust::none().with_ca_file(&file).unwrap()
        }
        None => Trust::none(),
    };
    Setup::with_transport(HttpTransport::with_trust(trust, Duration::from_secs(30)))
}

/// The job's error after it failed: (hresult, context, description).
fn refused(s: &Setup, server: &TlsServer, name: &str) -> (u32, JobErrorContext, String) {
    let job = s.download(&server.url("/file.bin"), name);
    s.wait(&job, JobState::Error);
    let error = job.error().unwrap().unwrap();
    (error.hresult, error.context, error.description)
}

#[test]
fn a_server_signed_by_a_trusted_ca_file_is_downloaded() {
    let ca = TestCa::new();
    let bytes = test_bytes(100_000, 31);
    let server = TlsServer::start(ca.server(&["127.0.0.1"]), bytes.clone());
    let mut s = trusting(Some(&ca));
    let job = s.download(&server.url("/file.bin"), "file.bin");
    s.wait(&job, JobState::Transferred);
    s.complete(&job);
    assert_eq!(std::fs::read(s.local("file.bin")).unwrap(), bytes);
}

#[test]
fn an_unknown_ca_is_fatal_with_the_secure_failure_and_words() {
    let ca = TestCa::new();
    let server = TlsServer::start(ca.server(&["127.0.0.1"]), vec![1; 10]);
    let s = trusting(None);
    let (hresult, context, description) = refused(&s, &server, "unknown.bin");
    assert_eq!(hresult, SECURE_FAILURE, "{description}");
    assert_eq!(context, JobErrorContext::RemoteFile);
    assert!(
        description.contains("not signed by a certificate authority this host trusts"),
        "{description}"
    );
    assert!(!description.contains("UnknownIssuer"), "{description}");
    assert_eq!(server.served(), 0, "no request got past the handshake");
}

#[test]
fn a_certificate_for_another_name_is_fatal() {
    let ca = TestCa::new();
    let server = TlsServer::start(ca.server(&["elsewhere.example"]), vec![1; 10]);
    let s = trusting(Some(&ca));
    let (hresult, _, description) = refused(&s, &server, "name.bin");
    assert_eq!(hresult, SECURE_FAILURE, "{description}");
    assert!(
        description.contains("not valid for the server's name"),
        "{description}"
    );
}

#[test]
fn a_ca_certificate_used_as_the_servers_is_fatal_in_words() {
    let ca = TestCa::new();
    let server = TlsServer::start(ca.as_server(), vec![1; 10]);
    let s = trusting(Some(&ca));
    let (hresult, _, description) = refused(&s, &server, "ca.bin");
    assert_eq!(hresult, SECURE_FAILURE, "{description}");
    assert!(
        description.contains("is a certificate authority's, not a server's"),
        "{description}"
    );
    assert!(!description.contains("CaUsedAsEndEntity"), "{description}");
}

#[test]
fn a_ca_file_without_certificates_is_refused_naming_it() {
    let dir = bits_queue_tests::scratch_dir("trust-bad");
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let why = Trust::none().with_ca_file(&empty).unwrap_err().to_string();
    assert!(
        why.contains("empty.pem") && why.contains("no PEM certificate"),
        "{why}"
    );
    let missing = dir.join("missing.pem");
    let why = Trust::none()
        .with_ca_file(&missing)
        .unwrap_err()
        .to_string();
    assert!(
        why.contains("missing.pem") && why.contains("cannot read"),
        "{why}"
    );
}
