//! Security flags and client certificates (docs/contract.md §15.4–§15.5),
//! natively: what each setter accepts and refuses (a refusal changes
//! nothing), that a final job refuses and still answers, that setting the
//! flags restarts no file, that both survive a record as version 7 while a
//! job without them keeps its older version, and that orders carry them
//! only to a host that declared it reads details.

use bits_queue_contract::{
    Action, CallError, CertificateId, Change, ClientCertificate, FileRef, JobRecord, NotifyCmdLine,
};
use bits_queue_logic::queue::QueueState;
use bits_queue_logic::{ErrorCode, JobState};

use crate::credentials::{download, queue, records};

fn thumbprint(n: usize) -> ClientCertificate {
    ClientCertificate {
        store: "MY".into(),
        id: CertificateId::Sha1(vec![0xAB; n]),
    }
}

fn subject(store: &str, subject: &str) -> ClientCertificate {
    ClientCertificate {
        store: store.into(),
        id: CertificateId::Subject(subject.into()),
    }
}

fn last_record(queue: &QueueState) -> Vec<u8> {
    records(queue).pop().expect("a record")
}

/// A new queue holding the record `bytes` of job `id`, if it reads.
fn put(id: bits_queue_contract::Guid, bytes: Vec<u8>) -> Result<QueueState, ErrorCode> {
    let queue = queue();
    queue.apply(&[Change::Put(JobRecord { id, bytes })])?;
    Ok(queue)
}

#[test]
fn flags_are_windows_bits_and_bad_combinations_are_refused() {
    let queue = queue();
    let job = download(&queue);
    assert_eq!(job.security_flags(), 0, "a new job's");
    for good in [
        0x0001, 0x001F, 0x0100, 0x0200, 0x0800, 0x0900, 0x091F, 0x021F,
    ] {
        job.set_security_flags(good).unwrap();
        assert_eq!(job.security_flags(), good);
    }
    job.set_security_flags(0x000C).unwrap();
    for bad in [0x0020, 0x0400, 0x1000, 0x0300, 0x0A00, 0x0B1F, 0x8000_0000] {
        assert_eq!(
            job.set_security_flags(bad),
            Err(CallError::InvalidArgument),
            "{bad:#x}"
        );
    }
    assert_eq!(job.security_flags(), 0x000C, "a refusal changes nothing");
    job.cancel().unwrap();
    assert_eq!(job.set_security_flags(0), Err(CallError::InvalidState));
    assert_eq!(
        job.security_flags(),
        0x000C,
        "getters answer in a final state"
    );
}

#[test]
fn certificate_references_are_checked_lengths_first_then_syntax() {
    let queue = queue();
    let job = download(&queue);
    assert_eq!(job.client_certificate(), None);
    job.set_client_certificate(Some(thumbprint(20))).unwrap();
    assert_eq!(job.client_certificate(), Some(thumbprint(20)));
    let long = "x".repeat(256);
    let refused = [
        (subject(&long, "CN=a"), CallError::StringTooLong),
        (subject("MY", &long), CallError::StringTooLong),
        // Length before syntax: a long store with a bad thumbprint.
        (
            ClientCertificate {
                store: long.clone(),
                id: CertificateId::Sha1(vec![1; 3]),
            },
            CallError::StringTooLong,
        ),
        (thumbprint(19), CallError::InvalidArgument),
        (thumbprint(21), CallError::InvalidArgument),
        (subject("", "CN=a"), CallError::InvalidArgument),
        (subject("M/Y", "CN=a"), CallError::InvalidArgument),
        (subject("MY", ""), CallError::InvalidArgument),
    ];
    for (bad, error) in refused {
        assert_eq!(
            job.set_client_certificate(Some(bad.clone())),
            Err(error),
            "{bad:?}"
        );
    }
    assert_eq!(job.client_certificate(), Some(thumbprint(20)), "unchanged");
    let named = subject("client.certs_2-x", &"é".repeat(255));
    job.set_client_certificate(Some(named.clone())).unwrap();
    assert_eq!(job.client_certificate(), Some(named));
    job.set_client_certificate(None).unwrap();
    assert_eq!(job.client_certificate(), None, "none removes it");
    job.set_client_certificate(Some(thumbprint(20))).unwrap();
    job.complete().ok();
    job.cancel().ok();
    assert_eq!(
        job.set_client_certificate(None),
        Err(CallError::InvalidState)
    );
    assert_eq!(job.client_certificate(), Some(thumbprint(20)));
}

#[test]
fn setting_the_flags_restarts_no_file() {
    let queue = queue();
    let job = download(&queue);
    job.set_security_flags(0x0008).unwrap();
    job.resume().unwrap();
    queue.declare_order_details();
    assert!(queue.poll().iter().any(|a| matches!(a, Action::Start(_))));
    let file = FileRef {
        job: job.id(),
        file_index: 0,
    };
    queue.report_connected(file, Some(100), None).unwrap();
    queue.report_progress(file, 40).unwrap();
    job.set_security_flags(0x0001).unwrap();
    assert_eq!(job.file_progress()[0].bytes_transferred, 40);
    assert_eq!(job.state(), JobState::Transferring);
    assert!(
        !queue.poll().iter().any(|a| matches!(a, Action::Stop(_))),
        "nothing stops the transfer"
    );
}

#[test]
fn flags_and_certificate_survive_a_record_as_version_7() {
    let queue = queue();
    let job = download(&queue);
    assert!(last_record(&queue)[0] < 7, "the default needs no version 7");
    job.set_notify_cmd_line(Some(NotifyCmdLine {
        program: "/bin/true".into(),
        parameters: String::new(),
    }))
    .unwrap();
    assert_eq!(last_record(&queue)[0], 5);
    job.set_security_flags(0x0912).unwrap();
    job.set_client_certificate(Some(thumbprint(20))).unwrap();
    let bytes = last_record(&queue);
    assert_eq!(bytes[0], 7);
    let other = put(job.id(), bytes.clone()).unwrap();
    let restored = other.get_job(&job.id()).unwrap();
    assert_eq!(restored.security_flags(), 0x0912);
    assert_eq!(restored.client_certificate(), Some(thumbprint(20)));
    assert!(restored.notify_cmd_line().is_some(), "version 5's part too");

    // A subject alone, without a notify command line, is version 7 too.
    job.set_notify_cmd_line(None).unwrap();
    job.set_security_flags(0).unwrap();
    job.set_client_certificate(Some(subject("MY", "CN=ann")))
        .unwrap();
    let subject_only = last_record(&queue);
    assert_eq!(subject_only[0], 7);
    put(job.id(), subject_only).unwrap();

    // Back to the defaults: the job leaves version 7.
    job.set_client_certificate(None).unwrap();
    assert!(last_record(&queue)[0] < 7);

    // A record holding what a call would refuse is unreadable: a flag
    // outside 0x0B1F, a thumbprint's kind byte that names nothing, and a
    // version 7 that holds only defaults.
    let flags_at = bytes.len() - (1 + 1 + 2 + 1 + 20) - 2;
    assert_eq!(&bytes[flags_at..flags_at + 2], &[0x92, 0x12]);
    let mut forged = bytes.clone();
    forged[flags_at + 1] = 0x14; // 0x0A12: https → http with DISALLOW
    assert!(put(job.id(), forged).is_err());
    let mut forged = bytes.clone();
    let kind_at = bytes.len() - 21;
    assert_eq!(bytes[kind_at], 0);
    forged[kind_at] = 2;
    assert!(put(job.id(), forged).is_err());
    let mut forged = bytes[..flags_at].to_vec();
    forged.extend([0, 0]);
    assert!(put(job.id(), forged).is_err(), "a needless version 7");
}

#[test]
fn orders_carry_flags_and_certificate_for_a_declaring_host() {
    let queue = queue();
    let job = download(&queue);
    job.set_security_flags(0x0004).unwrap();
    job.set_client_certificate(Some(subject("MY", "CN=ann")))
        .unwrap();
    job.resume().unwrap();
    assert!(
        !queue.poll().iter().any(|a| matches!(a, Action::Start(_))),
        "an undeclared host starts only what a §8 order describes"
    );
    queue.declare_order_details();
    assert!(queue.poll().iter().any(|a| matches!(a, Action::Start(_))));
    let details = queue
        .order_details(FileRef {
            job: job.id(),
            file_index: 0,
        })
        .unwrap();
    assert_eq!(details.http.security_flags, 0x0004);
    assert_eq!(
        details.http.client_certificate,
        Some(subject("MY", "CN=ann"))
    );
}
