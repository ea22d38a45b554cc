//! Custom headers and credentials (docs/contract.md §15.1–§15.3), natively:
//! what each call accepts, the secret-store operations it gives, and that
//! no secret ever reaches a journal record.

use bits_queue_contract::{
    AuthScheme, AuthTarget, CallError, Change, CredentialSlot, Credentials, Datetime, FileRef,
    SecretOp, SecretSlot,
};
use bits_queue_logic::clock::ManualClock;
use bits_queue_logic::queue::{JobRef, QueueState};
use bits_queue_logic::random::SplitMix64;
use bits_queue_logic::{ErrorCode, JobType};

const PASSWORD: &str = "pa55-WORD";

pub(crate) fn queue() -> QueueState {
    QueueState::with_clock(
        SplitMix64::new(7),
        ManualClock::at(Datetime::from_seconds(1_700_000_000)),
    )
}

pub(crate) fn download(queue: &QueueState) -> JobRef {
    let job = queue.create_job("d", JobType::Download).unwrap();
    job.add_file("https://example.com/d", "/data/d").unwrap();
    job
}

fn credentials(target: AuthTarget, scheme: AuthScheme, user: &str, pw: &str) -> Credentials {
    Credentials {
        target,
        scheme,
        user_name: user.into(),
        password: pw.into(),
    }
}

/// Sets the server's basic credential: ann, [`PASSWORD`].
fn set_basic(job: &JobRef) {
    job.set_credentials(credentials(
        AuthTarget::Server,
        AuthScheme::Basic,
        "ann",
        PASSWORD,
    ))
    .unwrap();
}

/// Every record's bytes the queue gave since the last call.
/// A fresh queue that applied `bytes` as job `id`'s record, or its refusal.
pub(crate) fn read_back(
    id: bits_queue_contract::Guid,
    bytes: Vec<u8>,
) -> Result<QueueState, ErrorCode> {
    let other = queue();
    other.apply(&[Change::Put(bits_queue_contract::JobRecord { id, bytes })])?;
    Ok(other)
}

pub(crate) fn records(queue: &QueueState) -> Vec<Vec<u8>> {
    queue
        .take_changes()
        .into_iter()
        .filter_map(|c| match c {
            Change::Put(r) => Some(r.bytes),
            _ => None,
        })
        .collect()
}

fn holds(bytes: &[u8], secret: &str) -> bool {
    bytes.windows(secret.len()).any(|w| w == secret.as_bytes())
}

#[test]
fn a_credential_leaves_as_a_secret_op_and_never_enters_a_record() {
    let queue = queue();
    let job = download(&queue);
    queue.take_changes();
    set_basic(&job);
    let slot = CredentialSlot {
        target: AuthTarget::Server,
        scheme: AuthScheme::Basic,
    };
    let ops = queue.take_secret_ops();
    let [SecretOp::Put(secret)] = ops.as_slice() else {
        panic!("{ops:?}");
    };
    assert_eq!(secret.slot, SecretSlot::Credential(slot));
    assert_eq!(
        (secret.user_name.as_str(), secret.value.as_str()),
        ("ann", PASSWORD)
    );
    assert!(queue.take_secret_ops().is_empty(), "each op is given once");
    let stored = records(&queue);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0][0], 3, "written as version 3");
    assert!(!holds(&stored[0], PASSWORD) && !holds(&stored[0], "ann"));

    // Another instance reads the record: the slot is set, the secret is not there.
    let other = self::queue();
    other
        .apply(&[Change::Put(bits_queue_contract::JobRecord {
            id: job.id(),
            bytes: stored[0].clone(),
        })])
        .unwrap();
    let copy = other.get_job(&job.id()).unwrap();
    assert_eq!(
        copy.remove_credentials(AuthTarget::Server, AuthScheme::Basic),
        Ok(true)
    );
    assert_eq!(
        other.take_secret_ops(),
        vec![SecretOp::Delete(job.id(), SecretSlot::Credential(slot))]
    );
    assert_eq!(
        copy.remove_credentials(AuthTarget::Server, AuthScheme::Basic),
        Ok(false)
    );
    assert!(other.take_secret_ops().is_empty());
}

#[test]
fn credentials_are_checked_lengths_first_then_syntax() {
    let queue = queue();
    let job = download(&queue);
    let set = |c| job.set_credentials(c);
    use AuthScheme::*;
    use AuthTarget::*;
    assert_eq!(
        set(credentials(Server, Basic, &"u".repeat(301), "p")),
        Err(CallError::UsernameTooLarge)
    );
    assert_eq!(
        set(credentials(Server, Basic, "u", &"p".repeat(65_536))),
        Err(CallError::PasswordTooLarge)
    );
    for bad in [
        credentials(Server, Basic, "a:b", "p"),
        credentials(Server, Basic, "a", "p\r\n"),
        credentials(Proxy, Bearer, "", "tok"),
        credentials(Server, Bearer, "ann", "tok"),
        credentials(Server, Bearer, "", "not a token"),
    ] {
        assert_eq!(set(bad), Err(CallError::InvalidArgument));
    }
    assert_eq!(
        job.remove_credentials(Proxy, Bearer),
        Err(CallError::InvalidArgument)
    );
    assert!(
        queue.take_secret_ops().is_empty(),
        "a refused call gives nothing"
    );
    set(credentials(Server, Bearer, "", "abc.DEF-1~+/==")).unwrap();
    job.cancel().unwrap();
    assert_eq!(
        job.set_credentials(credentials(Server, Digest, "u", "p")),
        Err(CallError::InvalidState)
    );
}

#[test]
fn headers_are_readable_until_write_only_then_a_secret() {
    let queue = queue();
    let job = download(&queue);
    assert_eq!(job.custom_headers(), Ok(None));
    job.set_custom_headers(Some("X-A: 1\r\nX-B: two\r\n"))
        .unwrap();
    assert_eq!(
        job.custom_headers().unwrap().as_deref(),
        Some("X-A: 1\r\nX-B: two\r\n")
    );
    assert!(
        queue.take_secret_ops().is_empty(),
        "readable headers stay in the record"
    );
    for bad in [
        "X-A: 1",
        "Host: h\r\n",
        "bits-packet-type: x\r\n",
        "X A: 1\r\n",
    ] {
        assert_eq!(
            job.set_custom_headers(Some(bad)),
            Err(CallError::InvalidArgument)
        );
    }
    let long = format!("X-A: {}\r\n", "v".repeat(16_400));
    assert_eq!(
        job.set_custom_headers(Some(&long)),
        Err(CallError::StringTooLong)
    );

    queue.take_changes();
    job.make_custom_headers_write_only().unwrap();
    assert_eq!(job.custom_headers(), Err(CallError::AccessDenied));
    let ops = queue.take_secret_ops();
    let [SecretOp::Put(secret)] = ops.as_slice() else {
        panic!("{ops:?}");
    };
    assert_eq!(secret.slot, SecretSlot::CustomHeaders);
    assert_eq!(secret.value, "X-A: 1\r\nX-B: two\r\n");
    assert!(records(&queue).iter().all(|r| !holds(r, "X-B")));
    // Removing write-only headers deletes the secret.
    job.set_custom_headers(None).unwrap();
    assert_eq!(
        queue.take_secret_ops(),
        vec![SecretOp::Delete(job.id(), SecretSlot::CustomHeaders)]
    );
}

#[test]
fn a_header_naming_a_secret_header_is_write_only_at_once() {
    let queue = queue();
    let job = download(&queue);
    queue.take_changes();
    job.set_custom_headers(Some(&format!("authorization: Bearer {PASSWORD}\r\n")))
        .unwrap();
    assert_eq!(job.custom_headers(), Err(CallError::AccessDenied));
    assert_eq!(queue.take_secret_ops().len(), 1);
    assert!(records(&queue).iter().all(|r| !holds(r, PASSWORD)));
}

#[test]
fn urls_with_user_information_are_refused() {
    let queue = queue();
    let job = queue.create_job("d", JobType::Download).unwrap();
    assert_eq!(
        job.add_file(format!("https://ann:{PASSWORD}@example.com/d"), "/data/d"),
        Err(ErrorCode::InvalidArgument)
    );
    job.add_file("https://example.com/a@b", "/data/d").unwrap();
}

#[test]
fn orders_carry_the_slots_and_wait_for_a_declaring_host() {
    let queue = queue();
    let job = download(&queue);
    set_basic(&job);
    job.resume().unwrap();
    assert!(
        queue
            .poll()
            .iter()
            .all(|a| !matches!(a, bits_queue_contract::Action::Start(_))),
        "an undeclared host starts only what a §8 order describes"
    );
    queue.declare_order_details();
    assert!(
        queue
            .poll()
            .iter()
            .any(|a| matches!(a, bits_queue_contract::Action::Start(_))),
    );
    let details = queue
        .order_details(FileRef {
            job: job.id(),
            file_index: 0,
        })
        .unwrap();
    assert_eq!(
        details.http.credentials,
        vec![CredentialSlot {
            target: AuthTarget::Server,
            scheme: AuthScheme::Basic,
        }]
    );
}
