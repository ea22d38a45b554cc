//! Issue 21 case 9: a failure is reported as what it is. A server whose
//! head is not valid HTTP gave an invalid answer
//! (BG_E_INVALID_SERVER_RESPONSE, fatal), not a connection that could not
//! be made (a transient BG_E_CONNECT_FAILURE retried for good).

use bits_queue_host::{JobErrorContext, JobState, JobType};
use bits_queue_tests::http_server::{Fault, test_bytes};

use crate::transfers::{PATIENCE, Setup};

/// BG_E_INVALID_SERVER_RESPONSE.
const INVALID_SERVER_RESPONSE: u32 = 0x8020_001B;

#[test]
fn a_negative_content_length_is_an_invalid_response() {
    let s = Setup::new();
    s.server.put("/minus.bin", test_bytes(1000, 23));
    s.server.fault(
        "/minus.bin",
        Fault::RawHead("Content-Length: -5\r\n".into()),
    );
    let job = s
        .queue
        .manager()
        .unwrap()
        .create_job("minus", JobType::Download)
        .unwrap();
    job.add_file(
        &s.server.url("/minus.bin"),
        s.local("minus.bin").to_str().unwrap(),
    )
    .unwrap();
    job.resume().unwrap();
    s.service().wake();
    // Fatal at once: `error`, not a `transient-error` retried for good
    // (which a connect failure is).
    let ended = s
        .service()
        .wait_for(
            job.id().unwrap(),
            |state| matches!(state, JobState::Error | JobState::TransientError),
            PATIENCE,
        )
        .unwrap();
    assert_eq!(ended, JobState::Error, "{:?}", job.error().unwrap());
    let error = job.error().unwrap().unwrap();
    assert_eq!(
        error.hresult, INVALID_SERVER_RESPONSE,
        "not {:#x}: {}",
        error.hresult, error.description
    );
    assert_eq!(error.context, JobErrorContext::RemoteFile);
}
