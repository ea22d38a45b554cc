//! A file's remote name changed between attempts (docs/contract.md §16.5):
//! the next attempt asks the new server from the same offset, with
//! `If-Range`, and the file arrives byte for byte.

use bits_queue_host::JobState;
use bits_queue_tests::http_server::{Fault, TestServer, test_bytes};

use crate::transfers::Setup;

#[test]
fn a_moved_file_resumes_from_its_new_server() {
    let mut s = Setup::new();
    let mirror = TestServer::start();
    let bytes = test_bytes(400_000, 61);
    s.server.put("/moved.bin", bytes.clone());
    mirror.put("/moved.bin", bytes.clone());
    s.server.fault("/moved.bin", Fault::DropAfter(150_000));
    let job = s.download(&s.server.url("/moved.bin"), "moved.bin");
    s.wait(&job, JobState::TransientError);
    let old = s.server.url("/");
    let new = mirror.url("/");
    assert!(job.replace_remote_prefix(&old, &new).unwrap());
    assert_eq!(
        job.files().unwrap()[0].remote_name,
        mirror.url("/moved.bin")
    );
    s.retry();
    s.wait(&job, JobState::Transferred);
    let asked = mirror.requests("/moved.bin");
    assert_eq!(asked.len(), 1, "{asked:?}");
    let range = asked[0].range.as_deref().unwrap();
    assert!(
        range.starts_with("bytes=") && range != "bytes=0-",
        "{range}"
    );
    assert_eq!(asked[0].if_range.as_deref(), Some("\"v1\""));
    assert_eq!(s.server.requests("/moved.bin").len(), 1, "the old one once");
    s.complete(&job);
    assert_eq!(std::fs::read(s.local("moved.bin")).unwrap(), bytes);
}
