//! A bits:queue component that misbehaves in exactly one call, chosen by a
//! cargo feature (see Cargo.toml); every other call is an honest, minimal
//! queue, so a host reaches the hostile call the way it would in real use.

use std::cell::RefCell;
use std::rc::Rc;

wit_bindgen::generate!({
    path: "../../../wit",
    world: "queue",
    additional_derives: [PartialEq],
});

use exports::bits::queue::manager::{self, GuestJob, GuestJobManager};
use exports::bits::queue::types::{
    self, ErrorCode, FileInfo, Guid, JobPriority, JobState, JobType, Progress, QueueLimits,
};

/// How much the `huge-getter` build's getter returns: far over any memory
/// limit a host would give one instance.
const HUGE_BYTES: usize = 300 << 20;

/// The `alias-list` build's `enum-files`: this many entries, each of whose
/// two strings is the same buffer of `ALIASED_BYTES` — 512 MiB once copied
/// out, from 4 MiB of guest memory.
const ALIASES: usize = 64;
const ALIASED_BYTES: usize = 4 << 20;

/// File infos whose strings all alias one buffer. Never dropped here: the
/// canonical ABI hands them to the host and frees them after the call,
/// which no honest component would let happen twice to one buffer — this
/// one is hostile on purpose.
fn aliased_files() -> Vec<FileInfo> {
    let mut buffer = std::mem::ManuallyDrop::new("x".repeat(ALIASED_BYTES));
    let (ptr, len, cap) = (buffer.as_mut_ptr(), buffer.len(), buffer.capacity());
    // SAFETY: none — the aliases are the point; see above.
    let alias = || unsafe { String::from_raw_parts(ptr, len, cap) };
    (0..ALIASES)
        .map(|_| FileInfo {
            remote_name: alias(),
            local_name: alias(),
        })
        .collect()
}

/// Runs until the host interrupts it.
fn never_return() -> ! {
    let mut spins = 0u64;
    loop {
        spins = std::hint::black_box(spins.wrapping_add(1));
    }
}

/// Allocates (and touches) memory until the host stops it.
fn grow_without_bound() -> ! {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(vec![0xA5; 1 << 20]);
        std::hint::black_box(&hoard);
    }
}

struct JobData {
    id: Guid,
    job_type: JobType,
    name: String,
    description: String,
    priority: JobPriority,
    state: JobState,
    files: Vec<FileInfo>,
}

type Shared = Rc<RefCell<JobData>>;

thread_local! {
    static JOBS: RefCell<Vec<Shared>> = const { RefCell::new(Vec::new()) };
    static NEXT: RefCell<u32> = const { RefCell::new(1) };
    static LIMITS: RefCell<QueueLimits> =
        const { RefCell::new(QueueLimits { max_jobs: 300, max_files_per_job: 200 }) };
}

/// Serial GUIDs with the version-4 and variant bits set: this component is
/// about misbehaving, not about randomness.
fn next_id() -> Guid {
    let n = NEXT.with(|n| {
        let mut n = n.borrow_mut();
        *n += 1;
        *n
    });
    Guid {
        data1: n,
        data2: 0,
        data3: 0x4000,
        data4: (0x80, 0, 0, 0, 0, 0, 0, 0),
    }
}

fn is_final(state: JobState) -> bool {
    matches!(state, JobState::Cancelled | JobState::Acknowledged)
}

struct Component;

impl types::Guest for Component {
    fn hresult(code: ErrorCode) -> u32 {
        match code {
            ErrorCode::NotFound => 0x8020_0001,
            ErrorCode::InvalidState => 0x8020_0002,
            ErrorCode::Empty => 0x8020_0003,
            ErrorCode::InvalidArgument => 0x8007_0057,
            ErrorCode::StringTooLong => 0x8020_0021,
            ErrorCode::TooManyFiles => 0x8020_001C,
            ErrorCode::TooManyFilesInJob => 0x8020_0051,
            ErrorCode::TooManyJobs => 0x8020_0049,
        }
    }

    fn guid_to_string(id: Guid) -> String {
        let d = id.data4;
        format!(
            "{{{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}}}",
            id.data1, id.data2, id.data3, d.0, d.1, d.2, d.3, d.4, d.5, d.6, d.7
        )
    }

    fn parse_guid(_text: String) -> Result<Guid, ErrorCode> {
        Err(ErrorCode::InvalidArgument)
    }
}

impl manager::Guest for Component {
    type Job = JobResource;
    type JobManager = JobManagerResource;

    fn set_limits(limits: QueueLimits) -> Result<(), ErrorCode> {
        if limits.max_jobs == 0 || limits.max_files_per_job == 0 {
            return Err(ErrorCode::InvalidArgument);
        }
        LIMITS.with(|l| *l.borrow_mut() = limits);
        Ok(())
    }

    fn get_limits() -> QueueLimits {
        LIMITS.with(|l| *l.borrow())
    }
}

struct JobManagerResource;

impl GuestJobManager for JobManagerResource {
    fn new() -> Self {
        if cfg!(feature = "ctor-loop") {
            never_return();
        }
        JobManagerResource
    }

    fn create_job(
        &self,
        display_name: String,
        job_type: JobType,
    ) -> Result<manager::Job, ErrorCode> {
        if cfg!(feature = "loop-method") {
            never_return();
        }
        if cfg!(feature = "grow-memory") {
            grow_without_bound();
        }
        if cfg!(feature = "panic") {
            panic!("hostile component: create-job panics");
        }
        if JOBS.with(|j| j.borrow().len()) >= Self::max_jobs() {
            return Err(ErrorCode::TooManyJobs);
        }
        let job = Rc::new(RefCell::new(JobData {
            id: next_id(),
            job_type,
            name: display_name,
            description: String::new(),
            priority: JobPriority::Normal,
            state: JobState::Suspended,
            files: Vec::new(),
        }));
        JOBS.with(|j| j.borrow_mut().push(job.clone()));
        Ok(manager::Job::new(JobResource(job)))
    }

    fn get_job(&self, job_id: Guid) -> Result<manager::Job, ErrorCode> {
        JOBS.with(|j| {
            j.borrow()
                .iter()
                .find(|job| job.borrow().id == job_id)
                .map(|job| manager::Job::new(JobResource(job.clone())))
                .ok_or(ErrorCode::NotFound)
        })
    }

    fn enum_jobs(&self) -> Vec<manager::Job> {
        JOBS.with(|j| {
            j.borrow()
                .iter()
                .map(|job| manager::Job::new(JobResource(job.clone())))
                .collect()
        })
    }
}

impl JobManagerResource {
    fn max_jobs() -> usize {
        LIMITS.with(|l| l.borrow().max_jobs as usize)
    }
}

struct JobResource(Shared);

impl JobResource {
    /// Runs `change` unless the job is in a final state.
    fn change(&self, change: impl FnOnce(&mut JobData)) -> Result<(), ErrorCode> {
        let mut job = self.0.borrow_mut();
        if is_final(job.state) {
            return Err(ErrorCode::InvalidState);
        }
        change(&mut job);
        Ok(())
    }

    /// Moves the job to a final state; it leaves the queue.
    fn finish(&self, state: JobState) -> Result<(), ErrorCode> {
        self.change(|job| job.state = state)?;
        JOBS.with(|j| j.borrow_mut().retain(|job| !Rc::ptr_eq(job, &self.0)));
        Ok(())
    }
}

impl GuestJob for JobResource {
    fn get_id(&self) -> Guid {
        self.0.borrow().id
    }

    fn get_type(&self) -> JobType {
        self.0.borrow().job_type
    }

    fn get_state(&self) -> JobState {
        self.0.borrow().state
    }

    fn get_display_name(&self) -> String {
        if cfg!(feature = "huge-getter") {
            return "x".repeat(HUGE_BYTES);
        }
        self.0.borrow().name.clone()
    }

    fn set_display_name(&self, name: String) -> Result<(), ErrorCode> {
        self.change(|job| job.name = name)
    }

    fn get_description(&self) -> String {
        self.0.borrow().description.clone()
    }

    fn set_description(&self, description: String) -> Result<(), ErrorCode> {
        self.change(|job| job.description = description)
    }

    fn get_priority(&self) -> JobPriority {
        self.0.borrow().priority
    }

    fn set_priority(&self, priority: JobPriority) -> Result<(), ErrorCode> {
        self.change(|job| job.priority = priority)
    }

    fn get_progress(&self) -> Progress {
        let files = self.0.borrow().files.len() as u32;
        Progress {
            bytes_total: if files == 0 { 0 } else { u64::MAX },
            bytes_transferred: 0,
            files_total: files,
            files_transferred: 0,
        }
    }

    fn add_file(&self, remote_name: String, local_name: String) -> Result<(), ErrorCode> {
        self.add_file_set(vec![FileInfo {
            remote_name,
            local_name,
        }])
    }

    fn add_file_set(&self, files: Vec<FileInfo>) -> Result<(), ErrorCode> {
        self.change(|job| job.files.extend(files))
    }

    fn enum_files(&self) -> Vec<FileInfo> {
        if cfg!(feature = "alias-list") {
            return aliased_files();
        }
        self.0.borrow().files.clone()
    }

    fn suspend(&self) -> Result<(), ErrorCode> {
        self.change(|job| job.state = JobState::Suspended)
    }

    fn resume(&self) -> Result<(), ErrorCode> {
        if self.0.borrow().files.is_empty() && !is_final(self.0.borrow().state) {
            return Err(ErrorCode::Empty);
        }
        self.change(|job| job.state = JobState::Queued)
    }

    fn cancel(&self) -> Result<(), ErrorCode> {
        self.finish(JobState::Cancelled)
    }

    fn complete(&self) -> Result<(), ErrorCode> {
        self.finish(JobState::Acknowledged)
    }
}

export!(Component);
