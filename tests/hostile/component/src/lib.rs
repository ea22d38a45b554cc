//! A bits:queue component that misbehaves in exactly one call, chosen by a
//! cargo feature (see Cargo.toml); every other call is an honest, minimal
//! queue, so a host reaches the hostile call the way it would in real use.

use std::cell::RefCell;
use std::rc::Rc;

#[cfg(not(feature = "alias-list"))]
wit_bindgen::generate!({
    path: "../../../wit",
    world: "queue",
    additional_derives: [PartialEq],
    generate_all,
});

// The `alias-list` build writes `enum-files`' export by hand (see
// `alias_list` below), so wit-bindgen must not generate it: no trait method,
// no export, no post-return. `skip` matches a WIT function's full name, which
// for a resource method is `[method]<resource>.<method>`. The component's
// type (embedded from the whole world) is unchanged.
#[cfg(feature = "alias-list")]
wit_bindgen::generate!({
    path: "../../../wit",
    world: "queue",
    additional_derives: [PartialEq],
    skip: ["[method]job.enum-files"],
    generate_all,
});

// The contract's facts (HRESULTs, the registry form, default limits, final
// states) come from the contract crate, as in the real component.
bits_queue_contract::wit_conversions! {
    types: crate::exports::bits::queue::types,
    clocks: crate::wasi::clocks::wall_clock,
    engine: crate::exports::bits::queue::engine,
    journal: crate::exports::bits::queue::journal,
}

use bits_queue_contract as contract;
use exports::bits::queue::engine::{self, Action, FileRef, TransferFailure};
use exports::bits::queue::manager::{self, GuestJob, GuestJobManager};
use exports::bits::queue::types::{
    self, Datetime, ErrorCode, FileInfo, FileProgress, Guid, JobError, JobPriority, JobState,
    JobTimes, JobType, Progress, QueueLimits,
};

/// How much the `huge-getter` build's getter returns: far over any memory
/// limit a host would give one instance.
const HUGE_BYTES: usize = 300 << 20;

/// The `alias-list` build's `enum-files`: this many entries, each of whose
/// two strings is the same buffer of `ALIASED_BYTES` — 512 MiB once copied
/// out, from 4 MiB of guest memory.
#[cfg(feature = "alias-list")]
const ALIASES: usize = 64;
#[cfg(feature = "alias-list")]
const ALIASED_BYTES: usize = 4 << 20;

/// The `alias-list` build's `enum-files`, written as the raw canonical-ABI
/// export, because no Rust value can describe what it returns: a
/// `list<file-info>` whose `2 * ALIASES` strings all point at one buffer.
/// (Building that as `Vec<FileInfo>` would need many `String`s owning the
/// same allocation — undefined behaviour — and wit-bindgen's post-return
/// would then free that allocation over and over.)
///
/// It is sound because Rust never sees an alias as an owner: the buffer, the
/// list's elements and the return area are plain integers in memory this
/// module owns and never frees or writes again once built; only the host
/// reads them, after the call. The export has no post-return (the canonical
/// ABI makes it optional), so nothing frees what the host read — it is built
/// once and every call returns the same memory.
#[cfg(feature = "alias-list")]
mod alias_list {
    use super::{ALIASED_BYTES, ALIASES};
    use std::sync::OnceLock;

    /// A `string` or a `list` as the canonical ABI lays it out in memory:
    /// (pointer, length), pointer-sized (`u32` on wasm32), as wit-bindgen
    /// writes them.
    type Slice = [usize; 2];

    /// One `file-info`: `remote-name` then `local-name` (16 bytes, align 4
    /// on wasm32), i.e. the element layout of `list<file-info>`.
    type FileInfoElement = [usize; 4];

    /// The return area: the returned list's (pointer, length).
    static RETURN_AREA: OnceLock<Slice> = OnceLock::new();

    /// Builds the aliased list once and returns its (pointer, length).
    fn aliased_list() -> Slice {
        let buffer: &'static [u8] = vec![b'x'; ALIASED_BYTES].leak();
        let [ptr, len] = [buffer.as_ptr().expose_provenance(), buffer.len()];
        let files: &'static [FileInfoElement] = vec![[ptr, len, ptr, len]; ALIASES].leak();
        [files.as_ptr().expose_provenance(), files.len()]
    }

    /// `bits:queue/manager@0.1.0#[method]job.enum-files` with the signature
    /// wit-bindgen gives it: the `job` handle's rep in, a pointer to the
    /// return area out (`(param i32) (result i32)` on wasm32). The job is
    /// not looked at: every job lists the same aliased files.
    #[unsafe(export_name = "bits:queue/manager@0.1.0#[method]job.enum-files")]
    extern "C" fn enum_files(_job: *mut u8) -> *mut u8 {
        // What every generated export does first.
        wit_bindgen::rt::run_ctors_once();
        let area: &'static Slice = RETURN_AREA.get_or_init(aliased_list);
        // Read-only use: the host reads the area and nothing ever writes it.
        std::ptr::from_ref(area).cast_mut().cast()
    }
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
    static LIMITS: RefCell<QueueLimits> = RefCell::new(contract::QueueLimits::default().into());
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
    contract::JobState::from(state).is_final()
}

struct Component;

impl types::Guest for Component {
    fn hresult(code: ErrorCode) -> u32 {
        contract::ErrorCode::from(code).hresult()
    }

    fn guid_to_string(id: Guid) -> String {
        contract::guid::to_string(&id.into())
    }

    fn parse_guid(_text: String) -> Result<Guid, ErrorCode> {
        Err(ErrorCode::InvalidArgument)
    }

    fn call_hresult(code: types::CallError) -> u32 {
        contract::CallError::from(code).hresult()
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

    // The `alias-list` build exports `enum-files` from `alias_list` instead.
    #[cfg(not(feature = "alias-list"))]
    fn enum_files(&self) -> Vec<FileInfo> {
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

    // Times, errors and transfer settings: honest minimal answers. This
    // component never transfers, so its jobs have no error and no progress.

    fn get_times(&self) -> JobTimes {
        let now = wasi::clocks::wall_clock::now();
        JobTimes {
            creation: now,
            modification: now,
            transfer_completion: None,
        }
    }

    fn get_error(&self) -> Option<JobError> {
        None
    }

    fn get_file_progress(&self) -> Vec<FileProgress> {
        Vec::new()
    }

    fn get_minimum_retry_delay(&self) -> u32 {
        contract::limits::DEFAULT_MINIMUM_RETRY_DELAY
    }

    fn set_minimum_retry_delay(&self, _seconds: u32) -> Result<(), ErrorCode> {
        self.change(|_| ())
    }

    fn get_no_progress_timeout(&self) -> u32 {
        contract::limits::DEFAULT_NO_PROGRESS_TIMEOUT
    }

    fn set_no_progress_timeout(&self, _seconds: u32) -> Result<(), ErrorCode> {
        self.change(|_| ())
    }

    fn get_notify_flags(&self) -> u32 {
        contract::notify_flags::DEFAULT
    }

    fn set_notify_flags(&self, _value: u32) -> Result<(), ErrorCode> {
        self.change(|_| ())
    }

    // Uploads (contract §14): this component has none to offer.
    fn get_reply_file_name(&self) -> Result<Option<String>, types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn set_reply_file_name(&self, _name: String) -> Result<(), types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn get_reply_progress(&self) -> Result<FileProgress, types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn get_reply_data(&self) -> Result<Option<Vec<u8>>, types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn get_upload_protocol(&self) -> types::UploadProtocol {
        types::UploadProtocol::Bits
    }

    fn set_upload_protocol(
        &self,
        _protocol: types::UploadProtocol,
    ) -> Result<(), types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    // Headers and credentials (contract §15): none offered either.
    fn get_custom_headers(&self) -> Result<Option<String>, types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn set_custom_headers(&self, _headers: Option<String>) -> Result<(), types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn make_custom_headers_write_only(&self) -> Result<(), types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn set_credentials(&self, _credentials: types::Credentials) -> Result<(), types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn remove_credentials(
        &self,
        _target: types::AuthTarget,
        _scheme: types::AuthScheme,
    ) -> Result<bool, types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn get_notify_cmd_line(&self) -> Option<types::NotifyCmdLine> {
        None
    }

    fn set_notify_cmd_line(
        &self,
        _command: Option<types::NotifyCmdLine>,
    ) -> Result<(), types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn get_proxy_settings(&self) -> types::ProxySettings {
        types::ProxySettings {
            usage: types::ProxyUsage::Preconfig,
            proxy_list: String::new(),
            bypass_list: String::new(),
        }
    }

    fn set_proxy_settings(&self, _settings: types::ProxySettings) -> Result<(), types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn get_http_method(&self) -> String {
        String::from("GET")
    }

    fn set_http_method(&self, _method: String) -> Result<(), types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn get_security_flags(&self) -> u32 {
        0
    }

    fn set_security_flags(&self, _value: u32) -> Result<(), types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn get_client_certificate(&self) -> Option<types::ClientCertificate> {
        None
    }

    fn set_client_certificate(
        &self,
        _certificate: Option<types::ClientCertificate>,
    ) -> Result<(), types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn get_maximum_download_time(&self) -> u32 {
        0
    }

    fn set_maximum_download_time(&self, _seconds: u32) -> Result<(), types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn get_error_count(&self) -> u32 {
        0
    }

    fn get_maximum_download_size(&self) -> u64 {
        0
    }

    fn set_maximum_download_size(&self, _bytes: u64) -> Result<(), types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn get_dynamic_content(&self) -> bool {
        false
    }

    fn set_dynamic_content(&self, _enabled: bool) -> Result<(), types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn set_remote_name(&self, _index: u32, _remote_name: String) -> Result<(), types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn replace_remote_prefix(&self, _old: String, _new: String) -> Result<bool, types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn add_file_with_ranges(
        &self,
        _remote_name: String,
        _local_name: String,
        _ranges: Vec<types::FileRange>,
    ) -> Result<(), types::CallError> {
        Err(types::CallError::NotImplemented)
    }

    fn get_file_ranges(&self, _index: u32) -> Result<Vec<types::FileRange>, types::CallError> {
        Ok(Vec::new())
    }

    fn get_file_validation_state(&self, _index: u32) -> Result<bool, types::CallError> {
        Ok(false)
    }

    fn set_file_validation_state(&self, _index: u32, _valid: bool) -> Result<(), types::CallError> {
        Err(types::CallError::NotImplemented)
    }
}

/// The journal of a queue that keeps nothing: no changes, and no record it
/// can read.
impl exports::bits::queue::journal::Guest for Component {
    fn take_changes() -> Vec<exports::bits::queue::journal::Change> {
        Vec::new()
    }

    fn apply(changes: Vec<exports::bits::queue::journal::Change>) -> Result<(), ErrorCode> {
        if changes.is_empty() {
            Ok(())
        } else {
            Err(ErrorCode::InvalidArgument)
        }
    }
}

/// The engine of a queue that never transfers: nothing to do, and every
/// report is about a file that is not in flight.
impl engine::Guest for Component {
    fn poll() -> Vec<Action> {
        Vec::new()
    }

    fn take_file_actions() -> Vec<Action> {
        Vec::new()
    }

    fn next_wake() -> Option<Datetime> {
        None
    }

    fn set_background_slots(slots: u32) -> Result<(), ErrorCode> {
        if slots == 0 {
            Err(ErrorCode::InvalidArgument)
        } else {
            Ok(())
        }
    }

    fn report_connected(
        _file: FileRef,
        _size: Option<u64>,
        _validator: Option<String>,
    ) -> Result<(), ErrorCode> {
        Err(ErrorCode::InvalidState)
    }

    fn report_progress(_file: FileRef, _bytes: u64) -> Result<(), ErrorCode> {
        Err(ErrorCode::InvalidState)
    }

    fn report_done(_file: FileRef) -> Result<(), ErrorCode> {
        Err(ErrorCode::InvalidState)
    }

    fn report_failure(_file: FileRef, _failure: TransferFailure) -> Result<(), ErrorCode> {
        Err(ErrorCode::InvalidState)
    }

    fn report_lost(_file: FileRef) -> Result<(), ErrorCode> {
        Err(ErrorCode::InvalidState)
    }

    fn decline(_file: FileRef) -> Result<(), ErrorCode> {
        Err(ErrorCode::InvalidState)
    }

    fn declare_order_details() {}

    fn get_order_details(_file: FileRef) -> Option<engine::OrderDetails> {
        None
    }

    fn report_failure_detail(
        _file: FileRef,
        _failure: engine::FailureDetail,
    ) -> Result<(), ErrorCode> {
        Err(ErrorCode::InvalidState)
    }

    fn report_disk_full(_file: FileRef, _why: String) -> Result<(), ErrorCode> {
        Err(ErrorCode::InvalidState)
    }

    fn report_session(
        _file: FileRef,
        _session_id: String,
        _host_id: Option<String>,
        _host_id_fallback: Option<u32>,
    ) -> Result<(), ErrorCode> {
        Err(ErrorCode::InvalidState)
    }

    fn report_reply_url(_file: FileRef, _url: String) -> Result<(), ErrorCode> {
        Err(ErrorCode::InvalidState)
    }

    fn report_reply_connected(
        _file: FileRef,
        _size: Option<u64>,
        _validator: Option<String>,
        _offset: u64,
    ) -> Result<(), ErrorCode> {
        Err(ErrorCode::InvalidState)
    }

    fn report_reply_progress(_file: FileRef, _bytes: u64) -> Result<(), ErrorCode> {
        Err(ErrorCode::InvalidState)
    }

    fn report_reply_done(_file: FileRef, _data: Option<Vec<u8>>) -> Result<(), ErrorCode> {
        Err(ErrorCode::InvalidState)
    }

    fn take_session_cancels() -> Vec<engine::SessionCancel> {
        Vec::new()
    }

    fn take_secret_ops() -> Vec<engine::SecretOp> {
        Vec::new()
    }

    fn take_notify_commands() -> Vec<engine::NotifyCommand> {
        Vec::new()
    }

    fn report_command_exit(
        _job: types::Guid,
        _event: engine::NotifyEvent,
        _exit_code: Option<i32>,
    ) -> Result<(), types::ErrorCode> {
        Err(types::ErrorCode::NotFound)
    }

    fn report_redirected(_file: FileRef, _url: String) -> Result<(), types::ErrorCode> {
        Err(types::ErrorCode::InvalidState)
    }
}

export!(Component);
