//! A job's security flags against HTTPS servers whose certificates a CA
//! made in the test signed (contract §15.4, §15.8): each ignore-flag
//! forgives exactly its own certificate fault and no other; without it
//! the job fails with ERROR_WINHTTP_SECURE_FAILURE. The revocation flag
//! checks the host's CRL files, and fails as `revocation-unchecked`
//! without one. The redirect policy: DISALLOW refuses the first redirect
//! with HRESULT_FROM_WIN32(status), ALLOW_HTTPS_TO_HTTP lets a downgrade
//! through, and ALLOW_REPORT follows and makes the URL the redirects led
//! to the file's remote name (DISALLOW makes it the refused location).

use std::time::Duration;

use bits_queue_host::{Job, JobErrorContext, security};
use bits_queue_service::{HttpTransport, Trust};
use bits_queue_tests::http_server::{Fault, test_bytes};
use bits_queue_tests::tls_server::{Identity, TestCa, TlsServer, rcgen};

use crate::transfers::Setup;

/// ERROR_WINHTTP_SECURE_FAILURE as an HRESULT.
const SECURE_FAILURE: u32 = 0x8007_2F8F;

/// A setup whose HTTPS trusts only `ca`, with the CRLs in `crls` if any.
fn trusting(ca: &TestCa, crls: Option<String>) -> Setup {
    let dir = bits_queue_tests::scratch_dir("security-flags");
    let file = dir.join("ca.pem");
    std::fs::write(&file, ca.pem()).unwrap();
    let mut trust = Trust::none().with_ca_file(&file).unwrap();
    if let Some(crls) = crls {
        let file = dir.join("crl.pem");
        std::fs::write(&file, crls).unwrap();
        trust = trust.with_crl_file(&file).unwrap();
    }
    Setup::with_transport(HttpTransport::with_trust(trust, Duration::from_secs(30)))
}

/// How a download of `server` with `flags` ended: `Ok` with the bytes, or
/// the job's (hresult, description).
fn fetch(s: &Setup, server: &TlsServer, flags: u32, name: &str) -> Result<Vec<u8>, (u32, String)> {
    let job = s.download_with(&server.url("/f.bin"), name, |job| {
        job.set_security_flags(flags).unwrap();
    });
    ended(s, &job, name)
}

fn ended(s: &Setup, job: &Job, name: &str) -> Result<Vec<u8>, (u32, String)> {
    s.ended(job, name)
        .map_err(|(hresult, _, why)| (hresult, why))
}

/// The four certificate faults, each with the flag that forgives it and
/// the words its failure names.
fn faults(ca: &TestCa, other: &TestCa) -> Vec<(&'static str, Identity, u32, &'static str)> {
    let here = ["127.0.0.1"];
    vec![
        (
            "a wrong name",
            ca.server(&["elsewhere.example"]),
            security::IGNORE_CERT_CN_INVALID,
            "not valid for the server's name",
        ),
        (
            "an expired certificate",
            ca.server_with(&here, |p| {
                p.not_before = rcgen::date_time_ymd(2020, 1, 1);
                p.not_after = rcgen::date_time_ymd(2021, 1, 1);
            }),
            security::IGNORE_CERT_DATE_INVALID,
            "has expired",
        ),
        (
            "an unknown CA",
            other.server(&here),
            security::IGNORE_UNKNOWN_CA,
            "not signed by a certificate authority this host trusts",
        ),
        (
            "a client-only certificate",
            ca.server_with(&here, |p| {
                p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
            }),
            security::IGNORE_CERT_WRONG_USAGE,
            "not for server authentication",
        ),
    ]
}

#[test]
fn each_ignore_flag_forgives_exactly_its_fault() {
    let ca = TestCa::new();
    let other = TestCa::new();
    let s = trusting(&ca, None);
    let flags = [
        security::IGNORE_CERT_CN_INVALID,
        security::IGNORE_CERT_DATE_INVALID,
        security::IGNORE_UNKNOWN_CA,
        security::IGNORE_CERT_WRONG_USAGE,
    ];
    for (n, (fault, identity, forgiving, words)) in faults(&ca, &other).into_iter().enumerate() {
        let bytes = test_bytes(20_000, n as u64);
        let server = TlsServer::start(identity, bytes.clone());
        let name = format!("none-{n}.bin");
        match fetch(&s, &server, 0, &name) {
            Err((hresult, why)) => {
                assert_eq!(hresult, SECURE_FAILURE, "{fault}: {why}");
                assert!(why.contains(words), "{fault}: {why}");
            }
            Ok(_) => panic!("{fault} passed without a flag"),
        }
        for flag in flags {
            let name = format!("f{n}-{flag:x}.bin");
            let got = fetch(&s, &server, flag, &name);
            if flag == forgiving {
                assert_eq!(got.as_ref().ok(), Some(&bytes), "{fault} with {flag:#x}");
            } else {
                let (hresult, why) = got.expect_err(&format!("{fault} passed with {flag:#x}"));
                assert_eq!(hresult, SECURE_FAILURE, "{fault} with {flag:#x}: {why}");
                assert!(why.contains(words), "{fault} with {flag:#x}: {why}");
            }
        }
    }
}

#[test]
fn a_forgiven_fault_leaves_the_others_checked() {
    let ca = TestCa::new();
    let s = trusting(&ca, None);
    // Expired and for another name: forgiving the date still finds the
    // name; forgiving both passes.
    let identity = || {
        ca.server_with(&["elsewhere.example"], |p| {
            p.not_before = rcgen::date_time_ymd(2020, 1, 1);
            p.not_after = rcgen::date_time_ymd(2021, 1, 1);
        })
    };
    let server = TlsServer::start(identity(), vec![5; 100]);
    let (hresult, why) = fetch(&s, &server, security::IGNORE_CERT_DATE_INVALID, "a.bin")
        .expect_err("the name is still wrong");
    assert_eq!(hresult, SECURE_FAILURE);
    assert!(why.contains("not valid for the server's name"), "{why}");
    let both = security::IGNORE_CERT_DATE_INVALID | security::IGNORE_CERT_CN_INVALID;
    assert_eq!(fetch(&s, &server, both, "b.bin"), Ok(vec![5; 100]));
}

#[test]
fn the_revocation_flag_checks_the_hosts_crl_files() {
    let ca = TestCa::new();
    let serial = |n: u64| move |p: &mut rcgen::CertificateParams| p.serial_number = Some(n.into());
    let revoked = TlsServer::start(ca.server_with(&["127.0.0.1"], serial(7)), vec![1; 10]);
    let good = TlsServer::start(ca.server_with(&["127.0.0.1"], serial(8)), vec![2; 10]);
    let check = security::ENABLE_CRL_CHECK;

    // No CRL: the check cannot be made, and the job says so.
    let s = trusting(&ca, None);
    let (hresult, why) = fetch(&s, &good, check, "unchecked.bin").expect_err("no CRL");
    assert_eq!(hresult, 0x8007_2F19, "{why}");
    assert!(why.contains("cannot be checked"), "{why}");
    assert_eq!(
        fetch(&s, &good, 0, "plain.bin"),
        Ok(vec![2; 10]),
        "no flag, no check"
    );

    let s = trusting(&ca, Some(ca.crl(&[7])));
    let (hresult, why) = fetch(&s, &revoked, check, "revoked.bin").expect_err("revoked");
    assert_eq!(hresult, 0x8007_2F8A, "{why}");
    assert!(why.contains("revoked"), "{why}");
    assert_eq!(fetch(&s, &good, check, "good.bin"), Ok(vec![2; 10]));
    assert_eq!(
        fetch(&s, &revoked, 0, "unasked.bin"),
        Ok(vec![1; 10]),
        "without the flag a revoked certificate is not looked for"
    );
}

#[test]
fn disallow_refuses_the_first_redirect_with_its_status() {
    let s = Setup::new();
    s.server.put("/there.bin", vec![3; 10]);
    s.server.fault(
        "/here.bin",
        Fault::StatusWith(302, "Location: /there.bin".into()),
    );
    let job = s.download_with(&s.server.url("/here.bin"), "here.bin", |job| {
        job.set_security_flags(security::REDIRECT_POLICY_DISALLOW)
            .unwrap();
    });
    let (hresult, why) = ended(&s, &job, "here.bin").expect_err("refused");
    assert_eq!(hresult, 0x8007_012E, "{why}");
    assert_eq!(
        job.error().unwrap().unwrap().context,
        JobErrorContext::RemoteFile
    );
    assert!(s.server.requests("/there.bin").is_empty(), "not followed");
    assert!(why.contains(&s.server.url("/there.bin")), "{why}");
    assert_eq!(
        job.files().unwrap()[0].remote_name,
        s.server.url("/there.bin"),
        "as in Windows, the name becomes the location"
    );
}

#[test]
fn allow_report_makes_the_final_url_the_remote_name() {
    let s = Setup::new();
    s.server.put("/there.bin", vec![3; 10]);
    s.server.fault(
        "/here.bin",
        Fault::StatusWith(302, "Location: /there.bin".into()),
    );
    s.server.put("/direct.bin", vec![4; 10]);
    let report = security::REDIRECT_POLICY_ALLOW_REPORT;
    let job = s.download_with(&s.server.url("/here.bin"), "here.bin", |job| {
        job.set_security_flags(report).unwrap();
    });
    assert_eq!(ended(&s, &job, "here.bin"), Ok(vec![3; 10]));
    assert_eq!(
        job.files().unwrap()[0].remote_name,
        s.server.url("/there.bin"),
        "reported before report-connected"
    );
    let job = s.download_with(&s.server.url("/direct.bin"), "direct.bin", |job| {
        job.set_security_flags(report).unwrap();
    });
    assert_eq!(ended(&s, &job, "direct.bin"), Ok(vec![4; 10]));
    assert_eq!(
        job.files().unwrap()[0].remote_name,
        s.server.url("/direct.bin"),
        "nothing to report"
    );
    // ALLOW_SILENT (the default) follows and keeps the name.
    s.server.fault(
        "/silent.bin",
        Fault::StatusWith(302, "Location: /there.bin".into()),
    );
    let job = s.download(&s.server.url("/silent.bin"), "silent.bin");
    assert_eq!(ended(&s, &job, "silent.bin"), Ok(vec![3; 10]));
    assert_eq!(
        job.files().unwrap()[0].remote_name,
        s.server.url("/silent.bin")
    );
}

#[test]
fn https_to_http_passes_only_with_its_flag() {
    let ca = TestCa::new();
    let s = trusting(&ca, None);
    s.server.put("/plain.bin", vec![9; 10]);
    let server = TlsServer::redirecting(ca.server(&["127.0.0.1"]), &s.server.url("/plain.bin"));
    let (hresult, why) = fetch(&s, &server, 0, "down.bin").expect_err("a downgrade");
    assert_eq!(hresult, 0x8007_2F7C, "{why}");
    assert!(why.contains("https to http"), "{why}");
    let allow = security::REDIRECT_POLICY_ALLOW_HTTPS_TO_HTTP;
    assert_eq!(fetch(&s, &server, allow, "allowed.bin"), Ok(vec![9; 10]));
}
