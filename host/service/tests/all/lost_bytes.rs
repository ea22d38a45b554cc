//! A temporary file that holds fewer bytes than the queue counts (a
//! cleaner deleted it while the job was suspended, a crash lost unsynced
//! bytes): the transfer goes on from the bytes it holds, reporting them
//! right after `report-connected` (contract §17.3), and the file arrives
//! byte-exact instead of failing for good.

use bits_queue_host::JobState;
use bits_queue_tests::http_server::{Fault, test_bytes};

use crate::transfers::{Setup, temporaries};

#[test]
fn a_temporary_file_deleted_while_suspended_restarts_from_zero() {
    let mut s = Setup::new();
    let bytes = test_bytes(400_000, 61);
    s.server.put("/gone.bin", bytes.clone());
    s.server.fault("/gone.bin", Fault::DropAfter(200_000));
    let job = s.download(&s.server.url("/gone.bin"), "gone.bin");
    s.wait(&job, JobState::TransientError);
    assert!(job.progress().unwrap().bytes_transferred > 0);
    job.suspend().unwrap();
    let names = s.files();
    assert_eq!(temporaries(&names), 1, "{names:?}");
    for name in names {
        std::fs::remove_file(s.dir.join(name)).unwrap();
    }
    job.resume().unwrap();
    s.service().wake();
    s.wait(&job, JobState::Transferred);
    let requests = s.server.requests("/gone.bin");
    assert_eq!(requests.last().unwrap().range, None, "{requests:?}");
    s.complete(&job);
    assert_eq!(std::fs::read(s.local("gone.bin")).unwrap(), bytes);
}

#[test]
fn a_temporary_file_cut_short_resumes_from_the_bytes_it_holds() {
    let mut s = Setup::new();
    let bytes = test_bytes(400_000, 62);
    s.server.put("/short.bin", bytes.clone());
    s.server.fault("/short.bin", Fault::DropAfter(300_000));
    let job = s.download(&s.server.url("/short.bin"), "short.bin");
    s.wait(&job, JobState::TransientError);
    job.suspend().unwrap();
    let temporary = s
        .files()
        .into_iter()
        .find(|n| n.starts_with("BIT"))
        .unwrap();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(s.dir.join(&temporary))
        .unwrap();
    file.set_len(100_000).unwrap();
    drop(file);
    job.resume().unwrap();
    s.service().wake();
    s.wait(&job, JobState::Transferred);
    let requests = s.server.requests("/short.bin");
    assert_eq!(
        requests.last().unwrap().range.as_deref(),
        Some("bytes=100000-"),
        "{requests:?}"
    );
    s.complete(&job);
    assert_eq!(std::fs::read(s.local("short.bin")).unwrap(), bytes);
}
