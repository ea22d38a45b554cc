//! Typed handles to the guest's resources. Each wraps a `ResourceAny` that
//! users never see, and releases it in the guest when dropped, so a program
//! that makes and drops handles forever does not grow the handle table.

use std::fmt;
use std::sync::Arc;

use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::bindings::wit;
use crate::convert::{call_result, queue_result};
use crate::exports::Guest;
use crate::instance::Instance;
use crate::instance_state::InstanceState;
use crate::{
    AuthScheme, AuthTarget, ClientCertificate, Credentials, FileInfo, FileProgress, FileRange,
    Guid, JobError, JobPriority, JobState, JobTimes, JobType, NotifyCmdLine, Progress,
    ProxySettings, Result, UploadProtocol,
};

/// An owned guest handle: released in the guest by [`Owned::release`], or
/// when dropped. A release that fails (a hostile destructor) kills the
/// instance: `release` returns the error, and after a drop every later call
/// on the instance reports it as the cause.
struct Owned {
    instance: Arc<Instance>,
    raw: ResourceAny,
    released: bool,
}

impl Owned {
    fn new(instance: Arc<Instance>, raw: ResourceAny) -> Self {
        Owned {
            instance,
            raw,
            released: false,
        }
    }

    fn release(mut self) -> Result<()> {
        self.released = true;
        self.instance.release(self.raw)
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        if !self.released {
            // Not lost: a failure kills the instance, and its next call
            // says why (`Instance::release`).
            let _ = self.instance.release(self.raw);
        }
    }
}

/// A client's view of the instance's one queue (`job-manager`).
pub struct JobManager {
    owned: Owned,
}

impl JobManager {
    pub(crate) fn new(instance: Arc<Instance>, raw: ResourceAny) -> Self {
        JobManager {
            owned: Owned::new(instance, raw),
        }
    }

    /// Creates a suspended job with a new version-4 GUID (`create-job`).
    /// A display name over 256 UTF-16 code units is `InvalidArgument`.
    pub fn create_job(&self, display_name: &str, job_type: JobType) -> Result<Job> {
        let Owned { instance, raw, .. } = &self.owned;
        instance.check_argument_bytes(display_name.len())?;
        let r = instance
            .call(|store, guest| guest.create_job(store, *raw, display_name, job_type.into()))?;
        queue_result::<_, ResourceAny>(r).map(|raw| Job::new(instance.clone(), raw))
    }

    /// A new handle to the queued job with `id` (`get-job`), else `NotFound`.
    pub fn get_job(&self, id: Guid) -> Result<Job> {
        let Owned { instance, raw, .. } = &self.owned;
        let r = instance.call(|store, guest| guest.get_job(store, *raw, id.into()))?;
        queue_result::<_, ResourceAny>(r).map(|raw| Job::new(instance.clone(), raw))
    }

    /// Releases the handle in the guest now, returning what dropping it
    /// would only record: a failure of the guest's destructor.
    pub fn release(self) -> Result<()> {
        self.owned.release()
    }

    /// A handle to every queued job, in creation order (`enum-jobs`).
    pub fn jobs(&self) -> Result<Vec<Job>> {
        let Owned { instance, raw, .. } = &self.owned;
        let raws = instance.call(|store, guest| guest.enum_jobs(store, *raw))?;
        Ok(raws
            .into_iter()
            .map(|raw| Job::new(instance.clone(), raw))
            .collect())
    }
}

impl fmt::Debug for JobManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobManager").finish_non_exhaustive()
    }
}

/// A handle to one job (`job`). The job belongs to the queue: dropping the
/// handle neither removes nor cancels it. Handles of a job that has left the
/// queue still answer getters with its final state.
pub struct Job {
    owned: Owned,
}

/// Generates a `Job` method that calls one guest method on this handle.
macro_rules! job_call {
    ($(#[$doc:meta])* $name:ident => $call:ident -> result) => {
        $(#[$doc])*
        pub fn $name(&self) -> Result<()> {
            queue_result(self.call(|guest, store, raw| guest.$call(store, raw))?)
        }
    };
    ($(#[$doc:meta])* $name:ident => $call:ident -> $ret:ty) => {
        $(#[$doc])*
        pub fn $name(&self) -> Result<$ret> {
            self.call(|guest, store, raw| guest.$call(store, raw)).map(<$ret>::from)
        }
    };
}

impl Job {
    fn new(instance: Arc<Instance>, raw: ResourceAny) -> Self {
        Job {
            owned: Owned::new(instance, raw),
        }
    }

    fn call<R>(
        &self,
        f: impl FnOnce(Guest<'_>, &mut Store<InstanceState>, ResourceAny) -> wasmtime::Result<R>,
    ) -> Result<R> {
        let raw = self.owned.raw;
        self.owned
            .instance
            .call(|store, guest| f(guest, store, raw))
    }

    job_call!(
        /// The GUID `create-job` gave this job (`get-id`).
        id => get_id -> Guid
    );
    job_call!(
        /// The type given at creation (`get-type`).
        job_type => get_type -> JobType
    );
    job_call!(
        /// The current state (`get-state`).
        state => get_state -> JobState
    );
    job_call!(
        /// The display name (`get-display-name`).
        display_name => get_display_name -> String
    );
    job_call!(
        /// The description (`get-description`).
        description => get_description -> String
    );
    job_call!(
        /// The priority (`get-priority`).
        priority => get_priority -> JobPriority
    );
    job_call!(
        /// Bytes and files added and transferred (`get-progress`).
        progress => get_progress -> Progress
    );
    job_call!(
        /// Creation, last modification and transfer completion
        /// (`get-times`).
        times => get_times -> JobTimes
    );
    job_call!(
        /// The retry delay after a transient error, in seconds
        /// (`get-minimum-retry-delay`; default 600).
        minimum_retry_delay => get_minimum_retry_delay -> u32
    );
    job_call!(
        /// Seconds without progress, from the first transient error, before
        /// the job is in `error` (`get-no-progress-timeout`; default 14 days).
        no_progress_timeout => get_no_progress_timeout -> u32
    );
    job_call!(
        /// The notify flags (`get-notify-flags`; default 0x3).
        notify_flags => get_notify_flags -> u32
    );
    job_call!(
        /// Pauses the job (`suspend`).
        suspend => suspend -> result
    );
    job_call!(
        /// Queues the job for transfer (`resume`); `Empty` without files.
        resume => resume -> result
    );
    job_call!(
        /// Cancels the job (`cancel`): final, it leaves the queue.
        cancel => cancel -> result
    );
    job_call!(
        /// Acknowledges the job (`complete`): final, it leaves the queue.
        complete => complete -> result
    );

    /// The instance and the raw guest handle, for the call gate's tests.
    #[cfg(test)]
    pub(crate) fn parts(&self) -> (Arc<Instance>, ResourceAny) {
        (self.owned.instance.clone(), self.owned.raw)
    }

    /// Releases the handle in the guest now, returning what dropping it
    /// would only record: a failure of the guest's destructor. The job stays
    /// in the queue.
    pub fn release(self) -> Result<()> {
        self.owned.release()
    }

    /// The job's files in the order they were added (`enum-files`).
    pub fn files(&self) -> Result<Vec<FileInfo>> {
        let files = self.call(|guest, store, raw| guest.enum_files(store, raw))?;
        Ok(files.into_iter().map(FileInfo::from).collect())
    }

    /// Sets the display name (`set-display-name`); over 256 UTF-16 code
    /// units is `StringTooLong`.
    pub fn set_display_name(&self, name: &str) -> Result<()> {
        self.owned.instance.check_argument_bytes(name.len())?;
        queue_result(self.call(|guest, store, raw| guest.set_display_name(store, raw, name))?)
    }

    /// Sets the description (`set-description`); over 1,024 UTF-16 code
    /// units is `StringTooLong`.
    pub fn set_description(&self, description: &str) -> Result<()> {
        self.owned
            .instance
            .check_argument_bytes(description.len())?;
        queue_result(self.call(|guest, store, raw| guest.set_description(store, raw, description))?)
    }

    /// The last error while the job is in `error` or `transient-error`
    /// (`get-error`); `None` otherwise.
    pub fn error(&self) -> Result<Option<JobError>> {
        let error = self.call(|guest, store, raw| guest.get_error(store, raw))?;
        Ok(error.map(JobError::from))
    }

    /// An upload-reply job's reply file name (`get-reply-file-name`,
    /// contract §14.5); none before it has a file.
    pub fn reply_file_name(&self) -> Result<Option<String>> {
        call_result(self.call(|guest, store, raw| guest.get_reply_file_name(store, raw))?)
    }

    /// Sets the reply file name (`set-reply-file-name`): "" for the
    /// generated one.
    pub fn set_reply_file_name(&self, name: &str) -> Result<()> {
        self.owned.instance.check_argument_bytes(name.len())?;
        call_result(self.call(|guest, store, raw| guest.set_reply_file_name(store, raw, name))?)
    }

    /// The reply's progress (`get-reply-progress`).
    pub fn reply_progress(&self) -> Result<FileProgress> {
        call_result(self.call(|guest, store, raw| guest.get_reply_progress(store, raw))?)
    }

    /// The reply's bytes once transferred (`get-reply-data`): none for an
    /// empty reply.
    pub fn reply_data(&self) -> Result<Option<Vec<u8>>> {
        call_result(self.call(|guest, store, raw| guest.get_reply_data(store, raw))?)
    }

    /// The upload protocol (`get-upload-protocol`).
    pub fn upload_protocol(&self) -> Result<UploadProtocol> {
        self.call(|guest, store, raw| guest.get_upload_protocol(store, raw))
            .map(UploadProtocol::from)
    }

    /// Sets the upload protocol (`set-upload-protocol`): upload jobs only,
    /// before the first resume.
    pub fn set_upload_protocol(&self, protocol: UploadProtocol) -> Result<()> {
        call_result(
            self.call(|guest, store, raw| guest.set_upload_protocol(store, raw, protocol.into()))?,
        )
    }

    /// The custom headers (`get-custom-headers`): none when there are none;
    /// `access-denied` once write-only.
    pub fn custom_headers(&self) -> Result<Option<String>> {
        call_result(self.call(|guest, store, raw| guest.get_custom_headers(store, raw))?)
    }

    /// Sets the custom headers (`set-custom-headers`): lines of
    /// `name: value` + CRLF; none or "" removes them.
    pub fn set_custom_headers(&self, headers: Option<&str>) -> Result<()> {
        self.owned
            .instance
            .check_argument_bytes(headers.map_or(0, str::len))?;
        call_result(self.call(|guest, store, raw| {
            guest.set_custom_headers(store, raw, headers.map(String::from))
        })?)
    }

    /// Makes the custom headers write-only for good
    /// (`make-custom-headers-write-only`).
    pub fn make_custom_headers_write_only(&self) -> Result<()> {
        call_result(
            self.call(|guest, store, raw| guest.make_custom_headers_write_only(store, raw))?,
        )
    }

    /// Sets one credential (`set-credentials`); the secret comes back only
    /// through `take-secret-ops`.
    pub fn set_credentials(&self, credentials: &Credentials) -> Result<()> {
        self.owned
            .instance
            .check_argument_bytes(credentials.user_name.len() + credentials.password.len())?;
        let wit = wit::Credentials::from(credentials.clone());
        call_result(self.call(|guest, store, raw| guest.set_credentials(store, raw, wit))?)
    }

    /// The notify program (`get-notify-cmd-line`, contract §16.1).
    pub fn notify_cmd_line(&self) -> Result<Option<NotifyCmdLine>> {
        self.call(|guest, store, raw| guest.get_notify_cmd_line(store, raw))
            .map(|command| command.map(NotifyCmdLine::from))
    }

    /// Sets the notify program (`set-notify-cmd-line`); none removes it.
    pub fn set_notify_cmd_line(&self, command: Option<&NotifyCmdLine>) -> Result<()> {
        self.owned
            .instance
            .check_argument_bytes(command.map_or(0, |c| c.program.len() + c.parameters.len()))?;
        let wit = command.cloned().map(wit::NotifyCmdLine::from);
        call_result(self.call(|guest, store, raw| guest.set_notify_cmd_line(store, raw, wit))?)
    }

    /// Removes one credential (`remove-credentials`): whether one was set.
    pub fn remove_credentials(&self, target: AuthTarget, scheme: AuthScheme) -> Result<bool> {
        call_result(self.call(|guest, store, raw| {
            guest.remove_credentials(store, raw, target.into(), scheme.into())
        })?)
    }

    /// The proxy settings (`get-proxy-settings`, contract §15.6).
    pub fn proxy_settings(&self) -> Result<ProxySettings> {
        let settings = self.call(|guest, store, raw| guest.get_proxy_settings(store, raw))?;
        Ok(settings.into())
    }

    /// Sets the proxy settings (`set-proxy-settings`): `preconfig`,
    /// `no-proxy`, or `override` with space-delimited lists.
    pub fn set_proxy_settings(&self, settings: &ProxySettings) -> Result<()> {
        self.owned
            .instance
            .check_argument_bytes(settings.proxy_list.len() + settings.bypass_list.len())?;
        let wit = wit::ProxySettings::from(settings.clone());
        call_result(self.call(|guest, store, raw| guest.set_proxy_settings(store, raw, wit))?)
    }

    /// The HTTP method (`get-http-method`, contract §15.7): GET or the one
    /// set for a download job, BITS_POST for an upload job.
    pub fn http_method(&self) -> Result<String> {
        self.call(|guest, store, raw| guest.get_http_method(store, raw))
    }

    /// Sets a download job's HTTP method (`set-http-method`) before its
    /// first resume; "GET" restores the default.
    pub fn set_http_method(&self, method: &str) -> Result<()> {
        self.owned.instance.check_argument_bytes(method.len())?;
        call_result(self.call(|guest, store, raw| guest.set_http_method(store, raw, method))?)
    }

    /// The security flags (`get-security-flags`, contract §15.4).
    pub fn security_flags(&self) -> Result<u32> {
        self.call(|guest, store, raw| guest.get_security_flags(store, raw))
    }

    /// Sets the security flags (`set-security-flags`): Windows' bits.
    pub fn set_security_flags(&self, flags: u32) -> Result<()> {
        call_result(self.call(|guest, store, raw| guest.set_security_flags(store, raw, flags))?)
    }

    /// The client certificate reference (`get-client-certificate`,
    /// contract §15.5).
    pub fn client_certificate(&self) -> Result<Option<ClientCertificate>> {
        let cert = self.call(|guest, store, raw| guest.get_client_certificate(store, raw))?;
        Ok(cert.map(Into::into))
    }

    /// Sets (or with none removes) the client certificate reference
    /// (`set-client-certificate`): a store and a SHA-1 thumbprint or a
    /// subject, resolved by the host at each start.
    pub fn set_client_certificate(&self, cert: Option<&ClientCertificate>) -> Result<()> {
        if let Some(cert) = cert {
            let id = match &cert.id {
                crate::CertificateId::Sha1(hash) => hash.len(),
                crate::CertificateId::Subject(subject) => subject.len(),
            };
            self.owned
                .instance
                .check_argument_bytes(cert.store.len() + id)?;
        }
        let wit = cert.cloned().map(wit::ClientCertificate::from);
        call_result(self.call(|guest, store, raw| guest.set_client_certificate(store, raw, wit))?)
    }

    /// Seconds the job may spend connecting and transferring since its
    /// last resume (`get-maximum-download-time`, contract §16.2); 0 is no
    /// limit.
    pub fn maximum_download_time(&self) -> Result<u32> {
        self.call(|guest, store, raw| guest.get_maximum_download_time(store, raw))
    }

    /// Sets the maximum download time (`set-maximum-download-time`).
    pub fn set_maximum_download_time(&self, seconds: u32) -> Result<()> {
        call_result(
            self.call(|guest, store, raw| guest.set_maximum_download_time(store, raw, seconds))?,
        )
    }

    /// Failures the job has met (`get-error-count`, contract §16.3).
    pub fn error_count(&self) -> Result<u32> {
        self.call(|guest, store, raw| guest.get_error_count(store, raw))
    }

    /// The most bytes the job's files may hold
    /// (`get-maximum-download-size`, contract §16.7); 0 is no limit.
    pub fn maximum_download_size(&self) -> Result<u64> {
        self.call(|guest, store, raw| guest.get_maximum_download_size(store, raw))
    }

    /// Sets the maximum download size (`set-maximum-download-size`):
    /// download jobs only, before the first resume.
    pub fn set_maximum_download_size(&self, bytes: u64) -> Result<()> {
        call_result(
            self.call(|guest, store, raw| guest.set_maximum_download_size(store, raw, bytes))?,
        )
    }

    /// Whether every attempt fetches the files whole from byte 0
    /// (`get-dynamic-content`, contract §16.8).
    pub fn dynamic_content(&self) -> Result<bool> {
        self.call(|guest, store, raw| guest.get_dynamic_content(store, raw))
    }

    /// Sets dynamic content (`set-dynamic-content`): download jobs only,
    /// before the first resume.
    pub fn set_dynamic_content(&self, enabled: bool) -> Result<()> {
        call_result(self.call(|guest, store, raw| guest.set_dynamic_content(store, raw, enabled))?)
    }

    /// Fetches file `index` from `remote_name` from now on
    /// (`set-remote-name`, contract §16.5): download jobs only; the file
    /// keeps what has arrived.
    pub fn set_remote_name(&self, index: u32, remote_name: &str) -> Result<()> {
        self.owned
            .instance
            .check_argument_bytes(remote_name.len())?;
        call_result(
            self.call(|guest, store, raw| guest.set_remote_name(store, raw, index, remote_name))?,
        )
    }

    /// Adds one file of which only `ranges` are fetched, packed into the
    /// local file in the order given (`add-file-with-ranges`, contract
    /// §16.4): download jobs, `http` and `https` names only; a length of
    /// [`ranges::LENGTH_TO_EOF`](crate::ranges::LENGTH_TO_EOF) runs to the
    /// remote end.
    pub fn add_file_with_ranges(
        &self,
        remote_name: &str,
        local_name: &str,
        ranges: &[FileRange],
    ) -> Result<()> {
        self.owned
            .instance
            .check_argument_bytes(remote_name.len() + local_name.len() + ranges.len() * 16)?;
        let ranges: Vec<wit::FileRange> = ranges.iter().copied().map(Into::into).collect();
        call_result(self.call(|guest, store, raw| {
            guest.add_file_with_ranges(store, raw, remote_name, local_name, &ranges)
        })?)
    }

    /// File `index`'s ranges in the order given, empty for a whole file
    /// (`get-file-ranges`).
    pub fn file_ranges(&self, index: u32) -> Result<Vec<FileRange>> {
        let ranges: Vec<wit::FileRange> =
            call_result(self.call(|guest, store, raw| guest.get_file_ranges(store, raw, index))?)?;
        Ok(ranges.into_iter().map(Into::into).collect())
    }

    /// Whether the client said file `index` is valid
    /// (`get-file-validation-state`, contract §16.6).
    pub fn file_validation_state(&self, index: u32) -> Result<bool> {
        call_result(
            self.call(|guest, store, raw| guest.get_file_validation_state(store, raw, index))?,
        )
    }

    /// Says whether completed file `index` is valid
    /// (`set-file-validation-state`): false discards its bytes and puts the
    /// job in `error`, and `resume` fetches it again; `pending` before the
    /// file is complete.
    pub fn set_file_validation_state(&self, index: u32, valid: bool) -> Result<()> {
        call_result(
            self.call(|guest, store, raw| {
                guest.set_file_validation_state(store, raw, index, valid)
            })?,
        )
    }

    /// Replaces `old` by `new` at the start of every remote name that has
    /// it (`replace-remote-prefix`): whether any had.
    pub fn replace_remote_prefix(&self, old: &str, new: &str) -> Result<bool> {
        self.owned
            .instance
            .check_argument_bytes(old.len() + new.len())?;
        call_result(
            self.call(|guest, store, raw| guest.replace_remote_prefix(store, raw, old, new))?,
        )
    }

    /// Each file's progress, in order (`get-file-progress`).
    pub fn file_progress(&self) -> Result<Vec<FileProgress>> {
        let files = self.call(|guest, store, raw| guest.get_file_progress(store, raw))?;
        Ok(files.into_iter().map(FileProgress::from).collect())
    }

    /// Sets the retry delay in seconds (`set-minimum-retry-delay`); under 5
    /// becomes 5.
    pub fn set_minimum_retry_delay(&self, seconds: u32) -> Result<()> {
        queue_result(
            self.call(|guest, store, raw| guest.set_minimum_retry_delay(store, raw, seconds))?,
        )
    }

    /// Sets the no-progress timeout in seconds (`set-no-progress-timeout`);
    /// 0 makes the first transient error fatal.
    pub fn set_no_progress_timeout(&self, seconds: u32) -> Result<()> {
        queue_result(
            self.call(|guest, store, raw| guest.set_no_progress_timeout(store, raw, seconds))?,
        )
    }

    /// Sets the notify flags (`set-notify-flags`): transferred 0x1, error
    /// 0x2, disable 0x4, modification 0x8; any other bit is refused.
    pub fn set_notify_flags(&self, value: u32) -> Result<()> {
        queue_result(self.call(|guest, store, raw| guest.set_notify_flags(store, raw, value))?)
    }

    /// Sets the priority (`set-priority`).
    pub fn set_priority(&self, priority: JobPriority) -> Result<()> {
        queue_result(
            self.call(|guest, store, raw| guest.set_priority(store, raw, priority.into()))?,
        )
    }

    /// Adds one file (`add-file`): an http(s):// or file:// URL and an
    /// absolute local path. Upload jobs hold exactly one file.
    pub fn add_file(&self, remote_name: &str, local_name: &str) -> Result<()> {
        self.owned
            .instance
            .check_argument_bytes(remote_name.len() + local_name.len())?;
        queue_result(
            self.call(|guest, store, raw| guest.add_file(store, raw, remote_name, local_name))?,
        )
    }

    /// Adds several files, all or none (`add-file-set`).
    pub fn add_file_set(&self, files: &[FileInfo]) -> Result<()> {
        // Each entry also costs the guest two string headers.
        let bytes = files
            .iter()
            .map(|f| f.remote_name.len() + f.local_name.len() + 16)
            .sum();
        self.owned.instance.check_argument_bytes(bytes)?;
        let files: Vec<wit::FileInfo> = files.iter().cloned().map(wit::FileInfo::from).collect();
        queue_result(self.call(|guest, store, raw| guest.add_file_set(store, raw, &files))?)
    }
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job").finish_non_exhaustive()
    }
}
