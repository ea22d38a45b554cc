//! `apply` on any bytes (docs/contract.md §11), through the component: a
//! record is either refused with `invalid-argument`, changing nothing, or
//! read; garbage never traps. A record that reads back makes a job whose
//! record, taken again and applied to a fresh instance, gives an equal job.

#![no_main]

use std::sync::OnceLock;

use bits_queue_host::{Change, Error, ErrorCode, Guid, JobRecord, Runtime};
use libfuzzer_sys::fuzz_target;

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime::new().expect("the embedded component loads"))
}

fuzz_target!(|input: (Vec<u8>, [u8; 16])| {
    let (bytes, id) = input;
    let id = Guid::from_bytes(id);
    let queue = runtime().new_queue_seeded(1).expect("an instance");
    let put = [Change::Put(JobRecord { id, bytes })];
    match queue.apply(&put) {
        Err(Error::Queue(code)) => {
            assert_eq!(code, ErrorCode::InvalidArgument);
            assert!(queue.manager().unwrap().jobs().unwrap().is_empty(), "nothing applied");
        }
        Err(Error::Sandbox(e)) => panic!("apply trapped on garbage: {e}"),
        Ok(()) => {
            // Read: the job is there; its record round-trips exactly.
            let job = queue.manager().unwrap().get_job(id).expect("the job applied");
            job.set_description(&job.description().unwrap()).unwrap();
            let changes = queue.take_changes().unwrap();
            let fresh = runtime().new_queue_seeded(2).expect("an instance");
            fresh.apply(&changes).expect("its own record reads back");
            let again = fresh.manager().unwrap().get_job(id).unwrap();
            assert_eq!(again.state().unwrap(), job.state().unwrap());
            assert_eq!(again.display_name().unwrap(), job.display_name().unwrap());
            assert_eq!(again.files().unwrap(), job.files().unwrap());
            assert_eq!(again.file_progress().unwrap(), job.file_progress().unwrap());
            assert_eq!(again.times().unwrap(), job.times().unwrap());
            assert_eq!(again.error().unwrap(), job.error().unwrap());
        }
    }
});
