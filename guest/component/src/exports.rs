//! The WIT world's exports, each handed to the queue logic: the instance's
//! one queue, and one resource type per WIT resource. No rule of the
//! contract lives here; conversions are in convert.rs.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::OnceCell;

use bits_queue_contract::{self as contract, guid};
use bits_queue_logic::queue::{JobRef, QueueState};
use bits_queue_logic::random::GetRandom;

use crate::bindings::export;
use crate::bindings::exports::bits::queue::engine::{
    self, Action, FailureDetail, FileRef, NotifyCommand, OrderDetails, SecretOp, SessionCancel,
    TransferFailure,
};
use crate::bindings::exports::bits::queue::journal::{self, Change};
use crate::bindings::exports::bits::queue::manager::{self, GuestJob, GuestJobManager};
use crate::bindings::exports::bits::queue::types::{
    self, AuthScheme, AuthTarget, CallError, Credentials, Datetime, ErrorCode, FileInfo,
    FileProgress, Guid, JobError, JobPriority, JobState, JobTimes, JobType, NotifyCmdLine,
    Progress, QueueLimits, UploadProtocol,
};
use crate::bindings::wasi::clocks::wall_clock;

/// The instance's one queue (contract §3), made on first use.
///
/// A `static` must be `Sync`, and `QueueState` (full of `Rc` and `RefCell`) is
/// not. Sharing it is sound here because nothing can reach it from two
/// threads: wasm32-wasip2 code runs on the single thread of its instance
/// (the crate is not built with the `atomics` feature, so it could not
/// spawn one), and the component model does not re-enter an instance while
/// one of its exports is running. This wrapper is private to the wasm32
/// build, where that holds.
struct InstanceQueue(OnceCell<QueueState>);

// SAFETY: see `InstanceQueue`: one thread per instance, no re-entry.
unsafe impl Sync for InstanceQueue {}

static QUEUE: InstanceQueue = InstanceQueue(OnceCell::new());

/// The instance's queue, drawing GUIDs from the host's `wasi:random` and
/// reading the time from its `wasi:clocks/wall-clock`.
fn queue() -> &'static QueueState {
    QUEUE
        .0
        .get_or_init(|| QueueState::with_clock(GetRandom, || wall_clock::now().into()))
}

struct Component;

impl types::Guest for Component {
    fn hresult(code: ErrorCode) -> u32 {
        contract::ErrorCode::from(code).hresult()
    }

    fn guid_to_string(id: Guid) -> String {
        guid::to_string(&id.into())
    }

    fn parse_guid(text: String) -> Result<Guid, ErrorCode> {
        Ok(guid::parse(&text)?.into())
    }

    fn call_hresult(code: CallError) -> u32 {
        contract::CallError::from(code).hresult()
    }
}

impl manager::Guest for Component {
    type Job = JobResource;
    type JobManager = JobManagerResource;

    fn set_limits(limits: QueueLimits) -> Result<(), ErrorCode> {
        Ok(queue().set_limits(limits.into())?)
    }

    fn get_limits() -> QueueLimits {
        queue().limits().into()
    }
}

/// A `job-manager`: holds nothing, since every manager sees the instance's
/// one queue.
struct JobManagerResource;

impl GuestJobManager for JobManagerResource {
    fn new() -> JobManagerResource {
        JobManagerResource
    }

    fn create_job(
        &self,
        display_name: String,
        job_type: JobType,
    ) -> Result<manager::Job, ErrorCode> {
        let job = queue().create_job(display_name, job_type.into())?;
        Ok(manager::Job::new(JobResource(job)))
    }

    fn get_job(&self, job_id: Guid) -> Result<manager::Job, ErrorCode> {
        let job = queue().get_job(&job_id.into())?;
        Ok(manager::Job::new(JobResource(job)))
    }

    fn enum_jobs(&self) -> Vec<manager::Job> {
        queue()
            .jobs()
            .into_iter()
            .map(|job| manager::Job::new(JobResource(job)))
            .collect()
    }
}

/// A `job` handle: one more [`JobRef`] to the job. Dropping it drops the
/// reference, never the job.
struct JobResource(JobRef);

impl GuestJob for JobResource {
    fn get_id(&self) -> Guid {
        self.0.id().into()
    }

    fn get_type(&self) -> JobType {
        self.0.job_type().into()
    }

    fn get_state(&self) -> JobState {
        self.0.state().into()
    }

    fn get_display_name(&self) -> String {
        self.0.display_name()
    }

    fn set_display_name(&self, name: String) -> Result<(), ErrorCode> {
        Ok(self.0.set_display_name(name)?)
    }

    fn get_description(&self) -> String {
        self.0.description()
    }

    fn set_description(&self, description: String) -> Result<(), ErrorCode> {
        Ok(self.0.set_description(description)?)
    }

    fn get_priority(&self) -> JobPriority {
        self.0.priority().into()
    }

    fn set_priority(&self, priority: JobPriority) -> Result<(), ErrorCode> {
        Ok(self.0.set_priority(priority.into())?)
    }

    fn get_progress(&self) -> Progress {
        self.0.progress().into()
    }

    fn add_file(&self, remote_name: String, local_name: String) -> Result<(), ErrorCode> {
        Ok(self.0.add_file(remote_name, local_name)?)
    }

    fn add_file_set(&self, files: Vec<FileInfo>) -> Result<(), ErrorCode> {
        Ok(self
            .0
            .add_files(files.into_iter().map(Into::into).collect())?)
    }

    fn enum_files(&self) -> Vec<FileInfo> {
        self.0.files().into_iter().map(Into::into).collect()
    }

    fn suspend(&self) -> Result<(), ErrorCode> {
        Ok(self.0.suspend()?)
    }

    fn resume(&self) -> Result<(), ErrorCode> {
        Ok(self.0.resume()?)
    }

    fn cancel(&self) -> Result<(), ErrorCode> {
        Ok(self.0.cancel()?)
    }

    fn complete(&self) -> Result<(), ErrorCode> {
        Ok(self.0.complete()?)
    }

    fn get_times(&self) -> JobTimes {
        self.0.times().into()
    }

    fn get_error(&self) -> Option<JobError> {
        self.0.error().map(Into::into)
    }

    fn get_file_progress(&self) -> Vec<FileProgress> {
        self.0.file_progress().into_iter().map(Into::into).collect()
    }

    fn get_minimum_retry_delay(&self) -> u32 {
        self.0.minimum_retry_delay()
    }

    fn set_minimum_retry_delay(&self, seconds: u32) -> Result<(), ErrorCode> {
        Ok(self.0.set_minimum_retry_delay(seconds)?)
    }

    fn get_no_progress_timeout(&self) -> u32 {
        self.0.no_progress_timeout()
    }

    fn set_no_progress_timeout(&self, seconds: u32) -> Result<(), ErrorCode> {
        Ok(self.0.set_no_progress_timeout(seconds)?)
    }

    fn get_notify_flags(&self) -> u32 {
        self.0.notify_flags()
    }

    fn set_notify_flags(&self, value: u32) -> Result<(), ErrorCode> {
        Ok(self.0.set_notify_flags(value)?)
    }

    fn get_reply_file_name(&self) -> Result<Option<String>, CallError> {
        Ok(self.0.reply_file_name()?)
    }

    fn set_reply_file_name(&self, name: String) -> Result<(), CallError> {
        Ok(self.0.set_reply_file_name(&name)?)
    }

    fn get_reply_progress(&self) -> Result<FileProgress, CallError> {
        Ok(self.0.reply_progress()?.into())
    }

    fn get_reply_data(&self) -> Result<Option<Vec<u8>>, CallError> {
        Ok(self.0.reply_data()?)
    }

    fn get_upload_protocol(&self) -> UploadProtocol {
        self.0.upload_protocol().into()
    }

    fn set_upload_protocol(&self, protocol: UploadProtocol) -> Result<(), CallError> {
        Ok(self.0.set_upload_protocol(protocol.into())?)
    }

    fn get_custom_headers(&self) -> Result<Option<String>, CallError> {
        Ok(self.0.custom_headers()?)
    }

    fn set_custom_headers(&self, headers: Option<String>) -> Result<(), CallError> {
        Ok(self.0.set_custom_headers(headers.as_deref())?)
    }

    fn make_custom_headers_write_only(&self) -> Result<(), CallError> {
        Ok(self.0.make_custom_headers_write_only()?)
    }

    fn set_credentials(&self, credentials: Credentials) -> Result<(), CallError> {
        Ok(self.0.set_credentials(credentials.into())?)
    }

    fn remove_credentials(
        &self,
        target: AuthTarget,
        scheme: AuthScheme,
    ) -> Result<bool, CallError> {
        Ok(self.0.remove_credentials(target.into(), scheme.into())?)
    }

    fn get_notify_cmd_line(&self) -> Option<NotifyCmdLine> {
        self.0.notify_cmd_line().map(Into::into)
    }

    fn set_notify_cmd_line(&self, command: Option<NotifyCmdLine>) -> Result<(), CallError> {
        Ok(self.0.set_notify_cmd_line(command.map(Into::into))?)
    }

    fn get_maximum_download_time(&self) -> u32 {
        self.0.maximum_download_time()
    }

    fn set_maximum_download_time(&self, seconds: u32) -> Result<(), CallError> {
        Ok(self.0.set_maximum_download_time(seconds)?)
    }

    fn get_error_count(&self) -> u32 {
        self.0.error_count()
    }

    fn get_maximum_download_size(&self) -> u64 {
        self.0.maximum_download_size()
    }

    fn set_maximum_download_size(&self, bytes: u64) -> Result<(), CallError> {
        Ok(self.0.set_maximum_download_size(bytes)?)
    }

    fn get_dynamic_content(&self) -> bool {
        self.0.dynamic_content()
    }

    fn set_dynamic_content(&self, enabled: bool) -> Result<(), CallError> {
        Ok(self.0.set_dynamic_content(enabled)?)
    }

    fn set_remote_name(&self, file_index: u32, remote_name: String) -> Result<(), CallError> {
        Ok(self.0.set_remote_name(file_index, &remote_name)?)
    }

    fn replace_remote_prefix(
        &self,
        old_prefix: String,
        new_prefix: String,
    ) -> Result<bool, CallError> {
        Ok(self.0.replace_remote_prefix(&old_prefix, &new_prefix)?)
    }

    fn add_file_with_ranges(
        &self,
        remote_name: String,
        local_name: String,
        ranges: Vec<types::FileRange>,
    ) -> Result<(), CallError> {
        let ranges = ranges.into_iter().map(Into::into).collect();
        Ok(self
            .0
            .add_file_with_ranges(&remote_name, &local_name, ranges)?)
    }

    fn get_file_ranges(&self, file_index: u32) -> Result<Vec<types::FileRange>, CallError> {
        let ranges = self.0.file_ranges(file_index)?;
        Ok(ranges.into_iter().map(Into::into).collect())
    }

    fn get_file_validation_state(&self, file_index: u32) -> Result<bool, CallError> {
        Ok(self.0.file_validation_state(file_index)?)
    }

    fn set_file_validation_state(&self, file_index: u32, valid: bool) -> Result<(), CallError> {
        Ok(self.0.set_file_validation_state(file_index, valid)?)
    }

    fn get_proxy_settings(&self) -> types::ProxySettings {
        self.0.proxy_settings().into()
    }

    fn set_proxy_settings(&self, settings: types::ProxySettings) -> Result<(), CallError> {
        Ok(self.0.set_proxy_settings(settings.into())?)
    }

    fn get_http_method(&self) -> String {
        self.0.http_method()
    }

    fn set_http_method(&self, method: String) -> Result<(), CallError> {
        Ok(self.0.set_http_method(&method)?)
    }

    fn get_security_flags(&self) -> u32 {
        self.0.security_flags()
    }

    fn set_security_flags(&self, value: u32) -> Result<(), CallError> {
        Ok(self.0.set_security_flags(value)?)
    }

    fn get_client_certificate(&self) -> Option<types::ClientCertificate> {
        self.0.client_certificate().map(Into::into)
    }

    fn set_client_certificate(
        &self,
        certificate: Option<types::ClientCertificate>,
    ) -> Result<(), CallError> {
        Ok(self.0.set_client_certificate(certificate.map(Into::into))?)
    }
}

impl journal::Guest for Component {
    fn take_changes() -> Vec<Change> {
        queue().take_changes().into_iter().map(Into::into).collect()
    }

    fn apply(changes: Vec<Change>) -> Result<(), ErrorCode> {
        let changes: Vec<contract::Change> = changes.into_iter().map(Into::into).collect();
        Ok(queue().apply(&changes)?)
    }
}

impl engine::Guest for Component {
    fn poll() -> Vec<Action> {
        queue().poll().into_iter().map(Into::into).collect()
    }

    fn take_file_actions() -> Vec<Action> {
        queue()
            .take_file_actions()
            .into_iter()
            .map(Into::into)
            .collect()
    }

    fn next_wake() -> Option<Datetime> {
        queue().next_wake().map(Into::into)
    }

    fn set_background_slots(slots: u32) -> Result<(), ErrorCode> {
        Ok(queue().set_background_slots(slots)?)
    }

    fn report_connected(
        file: FileRef,
        size: Option<u64>,
        validator: Option<String>,
    ) -> Result<(), ErrorCode> {
        Ok(queue().report_connected(file.into(), size, validator)?)
    }

    fn report_progress(file: FileRef, bytes_transferred: u64) -> Result<(), ErrorCode> {
        Ok(queue().report_progress(file.into(), bytes_transferred)?)
    }

    fn report_done(file: FileRef) -> Result<(), ErrorCode> {
        Ok(queue().report_done(file.into())?)
    }

    fn report_failure(file: FileRef, failure: TransferFailure) -> Result<(), ErrorCode> {
        Ok(queue().report_failure(file.into(), &failure.into())?)
    }

    fn report_lost(file: FileRef) -> Result<(), ErrorCode> {
        Ok(queue().report_lost(file.into())?)
    }

    fn decline(file: FileRef) -> Result<(), ErrorCode> {
        Ok(queue().decline(file.into())?)
    }

    fn declare_order_details() {
        queue().declare_order_details();
    }

    fn get_order_details(file: FileRef) -> Option<OrderDetails> {
        queue().order_details(file.into()).map(Into::into)
    }

    fn report_failure_detail(file: FileRef, failure: FailureDetail) -> Result<(), ErrorCode> {
        Ok(queue().report_failure_detail(file.into(), &failure.into())?)
    }

    fn report_disk_full(file: FileRef, why: String) -> Result<(), ErrorCode> {
        Ok(queue().report_disk_full(file.into(), &why)?)
    }

    fn report_session(
        file: FileRef,
        session_id: String,
        host_id: Option<String>,
        host_id_fallback: Option<u32>,
    ) -> Result<(), ErrorCode> {
        Ok(queue().report_session(
            file.into(),
            &session_id,
            host_id.as_deref(),
            host_id_fallback,
        )?)
    }

    fn report_reply_url(file: FileRef, url: String) -> Result<(), ErrorCode> {
        Ok(queue().report_reply_url(file.into(), &url)?)
    }

    fn report_reply_connected(
        file: FileRef,
        size: Option<u64>,
        validator: Option<String>,
        offset: u64,
    ) -> Result<(), ErrorCode> {
        Ok(queue().report_reply_connected(file.into(), size, validator, offset)?)
    }

    fn report_reply_progress(file: FileRef, bytes_transferred: u64) -> Result<(), ErrorCode> {
        Ok(queue().report_reply_progress(file.into(), bytes_transferred)?)
    }

    fn report_reply_done(file: FileRef, data: Option<Vec<u8>>) -> Result<(), ErrorCode> {
        Ok(queue().report_reply_done(file.into(), data)?)
    }

    fn take_session_cancels() -> Vec<SessionCancel> {
        queue()
            .take_session_cancels()
            .into_iter()
            .map(Into::into)
            .collect()
    }

    fn take_secret_ops() -> Vec<SecretOp> {
        queue()
            .take_secret_ops()
            .into_iter()
            .map(Into::into)
            .collect()
    }

    fn take_notify_commands() -> Vec<NotifyCommand> {
        queue()
            .take_notify_commands()
            .into_iter()
            .map(Into::into)
            .collect()
    }

    fn report_command_exit(
        job: Guid,
        event: engine::NotifyEvent,
        exit_code: Option<i32>,
    ) -> Result<(), ErrorCode> {
        Ok(queue().report_command_exit(job.into(), event.into(), exit_code)?)
    }

    fn report_redirected(file: FileRef, url: String) -> Result<(), ErrorCode> {
        Ok(queue().report_redirected(file.into(), &url)?)
    }
}

export!(Component with_types_in crate::bindings);
