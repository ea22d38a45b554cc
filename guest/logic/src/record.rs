//! A job as the journal stores it (contract §11): the component's own
//! compact encoding, opaque to hosts, with a format version in every
//! record.
//!
//! Layout, version 1 (integers are LEB128 varints unless said otherwise;
//! a string is its byte length then UTF-8 bytes; an option is a byte 0 or
//! 1 then the value; a time is seconds then nanoseconds):
//!
//! ```text
//! version (byte, 1)   sequence   id (16 bytes, RFC 9562 order)
//! type, state, priority (a byte each, WIT case order)
//! display name   description
//! minimum retry delay   no-progress timeout   notify flags
//! creation   modification   option<transfer completion>
//! option<error: context (byte), hresult, option<file index>, description>
//! option<retry at>   option<stalled since>   option<last run>
//! file count, then per file: remote, local, option<size>, transferred,
//!                            completed (byte), option<validator>
//! ```
//!
//!
//! Version 2 is version 1 followed by what contract §14 added, and is
//! written only for a job that needs it (the oldest version that holds a
//! record is the one written, so older components keep reading the rest):
//!
//! ```text
//! has been resumed (byte)   upload protocol, phase (a byte each)
//! option<session id>   session closed (byte)
//! option<host id>   option<fallback seconds>   option<fallback since>
//! option<reply URL>   option<reply file name>   option<reply size>
//! option<reply validator>   reply bytes kept   reply connected (byte)
//! reply done (byte)   option<reply data>
//! ```
//!
//! A version-1 record reads with the upload state at its defaults, and its
//! job has been resumed unless it is `suspended` and never started.
//!
//! Version 3 is version 2 followed by what contract §15 added, written only
//! for a job that holds custom headers or credentials. No secret is in it:
//! write-only headers and credentials are the host's (§15.2), and the
//! record keeps only that they are set:
//!
//! ```text
//! option<readable custom headers>   flags (byte: 1 write-only, 2 headers in
//! the secret store)   credential slots (byte: bit target * 3 + scheme)
//! ```
//!
//! Version 4 is version 3 followed by the proxy settings of §15.6, written
//! only for a job whose settings are not the default (`preconfig`, no
//! lists):
//!
//! ```text
//! usage (byte: proxy-usage case)   proxy list (text)   bypass list (text)
//! ```
//!
//! Version 5 is version 4 followed by what contract §16.1 added, written
//! only for a job that has a notify command line or a run of it pending:
//!
//! ```text
//! option<command line: program, parameters>
//! option<run: event (byte, WIT case order), due, running (byte)>
//! ```
//!
//! Version 6 is version 5 followed by the HTTP method of §15.7, written
//! only for a download job whose method is not GET:
//!
//! ```text
//! option<method (text)>
//! ```
//!
//! Version 7 is version 6 followed by contract §15.4–§15.5's security
//! flags and client-certificate reference (never a key), written only for
//! a job that holds either:
//!
//! ```text
//! security flags   option<certificate: store (text), id kind (byte: 0
//! SHA-1 then 20 bytes, 1 subject then text)>
//! ```
//!
//! Version 8 is version 7 followed by what contract §16.2, §16.3, §16.7
//! and §16.8 added, written only for a job where one of them is not the
//! default (so every job that has run or failed):
//!
//! ```text
//! maximum download time   time used   option<count running since>
//! error count   maximum download size   dynamic content (byte)
//! ```
//!
//! Version 9 is version 8 followed by what contract §16.4 and §16.6 added,
//! per file, written only for a job with a ranged file, a file found valid,
//! or a file fetched again after the ones after it (found invalid):
//!
//! ```text
//! per file: range count, then offset and length per range
//!           option<remote size>   valid (byte)
//! ```
//!
//! A ranged file's `size` and `transferred` count packed bytes (§16.4);
//! only from version 9 may a completed file follow one that is not.
//!
//! Version 10 is version 9 followed by contract §15.4's mark on files a
//! redirect report moved to another origin (their orders carry no server
//! credentials or custom headers), written only for a job with such a
//! file.
//!
//! ```text
//! count of marked files, then each one's index, ascending
//! ```
//!
//! Decoding checks everything a job could not hold (a bad enum case, a
//! name over its limit or malformed, an unfinished file before a finished
//! one, more bytes than a known size, trailing bytes…) and refuses the
//! record as a whole, so `apply` can check every record before it applies
//! any.

use alloc::string::String;
use alloc::vec::Vec;

use bits_queue_contract::upload::MAX_REPLY_DATA;
use bits_queue_contract::{
    Datetime, FileInfo, FileRange, Guid, JobError, JobErrorContext, JobPriority, JobState,
    JobTimes, JobType, NotifyCmdLine, NotifyEvent, ProxySettings, ProxyUsage, UploadPhase,
    UploadProtocol,
};

use bits_queue_contract::{CertificateId, ClientCertificate, headers, security};

use crate::download_limits::DownloadLimits;
use crate::http::HttpState;
use crate::job::{FileEntry, Job};
use crate::notify::NotifyRun;
use crate::trust::TrustState;
use crate::upload::{self, UploadState};
use crate::validate;

/// The first record format: everything up to contract §12.
pub const VERSION: u8 = 1;

/// The record format with contract §14's upload state, written only for a
/// job a version-1 record cannot hold.
pub const VERSION_UPLOAD: u8 = 2;

/// The record format with contract §15's headers and credential slots,
/// written only for a job a version-2 record cannot hold.
pub const VERSION_HTTP: u8 = 3;

/// The record format with contract §15.6's proxy settings, written only for
/// a job a version-3 record cannot hold.
pub const VERSION_PROXY: u8 = 4;

/// The record format with contract §16.1's notify command line and its
/// run, written only for a job a version-4 record cannot hold.
pub const VERSION_NOTIFY: u8 = 5;

/// The record format with contract §15.7's HTTP method, written only for
/// a job a version-5 record cannot hold.
pub const VERSION_METHOD: u8 = 6;

/// The record format with contract §15.4–§15.5's security flags and
/// client certificate, written only for a job a version-6 record cannot
/// hold.
pub const VERSION_TRUST: u8 = 7;

/// The record format with contract §16.2–§16.8's job properties, written
/// only for a job a version-7 record cannot hold.
pub const VERSION_LIMITS: u8 = 8;

/// The record format with contract §16.4's file ranges and §16.6's
/// validation state, written only for a job a version-8 record cannot
/// hold.
pub const VERSION_RANGES: u8 = 9;

/// The record format with contract §15.4's files moved to another origin
/// by a redirect report, written only for a job a version-9 record cannot
/// hold.
pub const VERSION_ORIGIN: u8 = 10;

/// Why a record could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unreadable;

/// `job`, whose place in creation order is `sequence`, as record bytes.
pub fn encode(job: &Job, sequence: u64) -> Vec<u8> {
    let mut out = Writer(Vec::with_capacity(96 + job.files.len() * 64));
    let origin = job.files.iter().any(|f| f.foreign_origin);
    let ranges = origin || needs_ranges_version(job);
    let limits = ranges || !job.limits.is_default();
    let trust = limits || !job.trust.is_default();
    let method = trust || job.http.method.is_some();
    let notify = method || job.notify_cmd.is_some() || job.notify_run.is_some();
    let proxy = notify || job.http.proxy != ProxySettings::default();
    let http = proxy || !job.http.is_default();
    let extended = http || !job.upload.is_default() || job.resumed != resumed_in_version_1(job);
    out.byte(if origin {
        VERSION_ORIGIN
    } else if ranges {
        VERSION_RANGES
    } else if limits {
        VERSION_LIMITS
    } else if trust {
        VERSION_TRUST
    } else if method {
        VERSION_METHOD
    } else if notify {
        VERSION_NOTIFY
    } else if proxy {
        VERSION_PROXY
    } else if http {
        VERSION_HTTP
    } else if extended {
        VERSION_UPLOAD
    } else {
        VERSION
    });
    out.varint(sequence);
    out.0.extend_from_slice(&job.id.to_bytes());
    out.byte(job.job_type as u8);
    out.byte(job.state as u8);
    out.byte(job.priority as u8);
    out.text(&job.display_name);
    out.text(&job.description);
    out.varint(job.minimum_retry_delay.into());
    out.varint(job.no_progress_timeout.into());
    out.varint(job.notify_flags.into());
    out.time(job.times.creation);
    out.time(job.times.modification);
    out.option(job.times.transfer_completion, Writer::time);
    out.option(job.error.as_ref(), |out, error| {
        out.byte(error.context as u8);
        out.varint(error.hresult.into());
        out.option(error.file_index, |out, i| out.varint(i.into()));
        out.text(&error.description);
    });
    out.option(job.retry_at, Writer::time);
    out.option(job.stalled_since, Writer::time);
    out.option(job.last_run, Writer::time);
    out.varint(job.files.len() as u64);
    for file in &job.files {
        out.text(&file.info.remote_name);
        out.text(&file.info.local_name);
        out.option(file.size, Writer::varint);
        out.varint(file.transferred);
        out.byte(u8::from(file.completed));
        out.option(file.validator.as_deref(), Writer::text);
    }
    if extended {
        encode_upload(&mut out, job);
    }
    if http {
        encode_http(&mut out, &job.http);
    }
    if proxy {
        out.byte(job.http.proxy.usage as u8);
        out.text(&job.http.proxy.proxy_list);
        out.text(&job.http.proxy.bypass_list);
    }
    if notify {
        encode_notify(&mut out, job);
    }
    if method {
        encode_method(&mut out, job);
    }
    if trust {
        encode_trust(&mut out, &job.trust);
    }
    if limits {
        encode_limits(&mut out, &job.limits);
    }
    if ranges {
        encode_ranges(&mut out, job);
    }
    if origin {
        encode_origin(&mut out, job);
    }
    out.0
}

/// Whether only a version-9 record holds `job`: a ranged file, a file
/// found valid, or a completed file after one that is not.
fn needs_ranges_version(job: &Job) -> bool {
    job.next_file != job.files_transferred
        || job.files.iter().any(|file| file.is_ranged() || file.valid)
}

/// Version 9's addition.
fn encode_ranges(out: &mut Writer, job: &Job) {
    for file in &job.files {
        out.varint(file.ranges.len() as u64);
        for range in &file.ranges {
            out.varint(range.offset);
            out.varint(range.length);
        }
        out.option(file.remote_size, Writer::varint);
        out.byte(u8::from(file.valid));
    }
}

/// Version 9's addition, checked and put in `files`: ranges
/// `add-file-with-ranges` accepts, of an `http`/`https` file of a download
/// job; a remote size only for a ranged file; valid only when completed.
fn decode_ranges(
    input: &mut Reader<'_>,
    job_type: JobType,
    files: &mut [FileEntry],
) -> Result<(), Unreadable> {
    for file in files.iter_mut() {
        let count = input.varint()?;
        // Each range takes at least 2 bytes: a count past that is a lie.
        if count > input.0.len() as u64 / 2 {
            return Err(Unreadable);
        }
        let mut ranges = Vec::with_capacity(count as usize);
        for _ in 0..count {
            ranges.push(FileRange {
                offset: input.varint()?,
                length: input.varint()?,
            });
        }
        let remote_size = input.option(Reader::varint)?;
        let valid = input.flag()?;
        let ranged = !ranges.is_empty();
        let sound = if ranged {
            job_type == JobType::Download
                && bits_queue_contract::ranges::ranges_fault(&ranges).is_none()
                && crate::ranges::is_http_name(&file.info.remote_name)
        } else {
            remote_size.is_none()
        };
        if !sound || (valid && !file.completed) {
            return Err(Unreadable);
        }
        file.ranges = ranges;
        file.remote_size = remote_size;
        file.valid = valid;
    }
    Ok(())
}

/// Version 10's addition.
fn encode_origin(out: &mut Writer, job: &Job) {
    let marked = job.files.iter().filter(|f| f.foreign_origin).count();
    out.varint(marked as u64);
    for (index, _) in job
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.foreign_origin)
    {
        out.varint(index as u64);
    }
}

/// Version 10's addition, checked: indexes of files the job has, strictly
/// ascending, of a download job (only a download's name is moved by a
/// redirect report). `exact`: the record is version 10, which is written
/// only when a file is marked. Marks `files`.
fn decode_origin(
    input: &mut Reader<'_>,
    exact: bool,
    job_type: JobType,
    files: &mut [FileEntry],
) -> Result<(), Unreadable> {
    let count = input.varint()?;
    if count > files.len() as u64
        || (exact && count == 0)
        || (count > 0 && job_type != JobType::Download)
    {
        return Err(Unreadable);
    }
    let mut next = 0;
    for _ in 0..count {
        let index = usize::try_from(input.varint()?).map_err(|_| Unreadable)?;
        let file = files.get_mut(index).filter(|_| index >= next);
        let file = file.ok_or(Unreadable)?;
        file.foreign_origin = true;
        next = index + 1;
    }
    Ok(())
}

/// Version 6's addition.
fn encode_method(out: &mut Writer, job: &Job) {
    out.option(job.http.method.as_deref(), Writer::text);
}

/// Version 6's addition, checked: a method `set-http-method` accepts, other
/// than GET, on a download job in the foreground. `exact`: the record is
/// version 6, which is written only for a method other than GET (a later
/// version may carry none).
fn decode_method(
    input: &mut Reader<'_>,
    exact: bool,
    job_type: JobType,
    priority: JobPriority,
) -> Result<Option<String>, Unreadable> {
    let method = input.option(Reader::text)?;
    let valid = match method.as_deref() {
        None => !exact,
        Some(method) => {
            crate::method::check_method(method).is_ok()
                && method != crate::method::DEFAULT_METHOD
                && job_type == JobType::Download
                && priority == JobPriority::Foreground
        }
    };
    if !valid {
        return Err(Unreadable);
    }
    Ok(method)
}

/// Version 7's addition.
fn encode_trust(out: &mut Writer, trust: &TrustState) {
    out.varint(trust.security_flags.into());
    out.option(trust.client_certificate.as_ref(), |out, cert| {
        out.text(&cert.store);
        match &cert.id {
            CertificateId::Sha1(hash) => {
                out.byte(0);
                out.0.extend_from_slice(hash);
            }
            CertificateId::Subject(subject) => {
                out.byte(1);
                out.text(subject);
            }
        }
    });
}

/// Version 7's addition, checked as the setters check it. `exact`: the
/// record is version 7, which is written only for trust other than the
/// default (a later version may carry the default).
fn decode_trust(input: &mut Reader<'_>, exact: bool) -> Result<TrustState, Unreadable> {
    let security_flags = input.u32()?;
    let client_certificate = input.option(|input| {
        let store = input.text()?;
        let id = match input.byte()? {
            0 => CertificateId::Sha1(input.array::<{ security::SHA1_LEN }>()?.to_vec()),
            1 => CertificateId::Subject(input.text()?),
            _ => return Err(Unreadable),
        };
        Ok(ClientCertificate { store, id })
    })?;
    let trust = TrustState {
        security_flags,
        client_certificate,
    };
    let valid = (!exact || !trust.is_default())
        && crate::trust::check_security_flags(trust.security_flags).is_ok()
        && trust
            .client_certificate
            .as_ref()
            .is_none_or(|cert| crate::trust::check_client_certificate(cert).is_ok());
    if !valid {
        return Err(Unreadable);
    }
    Ok(trust)
}

/// Version 8's addition.
fn encode_limits(out: &mut Writer, limits: &DownloadLimits) {
    out.varint(limits.max_time.into());
    out.varint(limits.time_used);
    out.option(limits.counting_since, Writer::time);
    out.varint(limits.error_count.into());
    out.varint(limits.max_size);
    out.byte(u8::from(limits.dynamic));
}

/// Version 8's addition, checked: a count runs only while the job is
/// `connecting` or `transferring`, and only a download job has a maximum
/// size or dynamic content.
fn decode_limits(
    input: &mut Reader<'_>,
    job_type: JobType,
    state: JobState,
) -> Result<DownloadLimits, Unreadable> {
    let limits = DownloadLimits {
        max_time: input.u32()?,
        time_used: input.varint()?,
        counting_since: input.option(Reader::time)?,
        error_count: input.u32()?,
        max_size: input.varint()?,
        dynamic: input.flag()?,
    };
    let running = matches!(state, JobState::Connecting | JobState::Transferring);
    let download = job_type == JobType::Download;
    let valid = (running || limits.counting_since.is_none())
        && (download || (limits.max_size == 0 && !limits.dynamic));
    if !valid {
        return Err(Unreadable);
    }
    Ok(limits)
}

/// Version 5's addition.
fn encode_notify(out: &mut Writer, job: &Job) {
    out.option(job.notify_cmd.as_ref(), |out, command| {
        out.text(&command.program);
        out.text(&command.parameters);
    });
    out.option(job.notify_run.as_ref(), |out, run| {
        out.byte(run.event as u8);
        out.time(run.due);
        out.byte(u8::from(run.running));
    });
}

/// Version 4's addition, checked: a command line a job could hold, and a
/// run only with one, of an event that runs it.
fn decode_notify(
    input: &mut Reader<'_>,
) -> Result<(Option<NotifyCmdLine>, Option<NotifyRun>), Unreadable> {
    let command = input.option(|input| {
        Ok(NotifyCmdLine {
            program: input.text()?,
            parameters: input.text()?,
        })
    })?;
    let run = input.option(|input| {
        let event = case(&NOTIFY_EVENTS, input.byte()?)?;
        let due = input.time()?;
        let running = match input.byte()? {
            0 => false,
            1 => true,
            _ => return Err(Unreadable),
        };
        Ok(NotifyRun {
            event,
            due,
            running,
        })
    })?;
    let valid = command
        .as_ref()
        .is_none_or(|c| crate::notify::check_cmd_line(c).is_ok())
        && run.is_none_or(|run| {
            (command.is_some() || run.running) && crate::notify::state_of(run.event).is_some()
        });
    if !valid {
        return Err(Unreadable);
    }
    Ok((command, run))
}

/// `notify-event`'s cases in WIT order.
const NOTIFY_EVENTS: [NotifyEvent; 3] = [
    NotifyEvent::Transferred,
    NotifyEvent::Error,
    NotifyEvent::Modification,
];

/// Whether a version-1 record's job counts as resumed (contract §14.1):
/// unless it is `suspended` and no transfer of it ever started.
fn resumed_in_version_1(job: &Job) -> bool {
    !(job.state == JobState::Suspended && job.last_run.is_none())
}

/// Version 2's addition.
fn encode_upload(out: &mut Writer, job: &Job) {
    let upload = &job.upload;
    out.byte(u8::from(job.resumed));
    out.byte(upload.protocol as u8);
    out.byte(upload.phase as u8);
    out.option(upload.session_id.as_deref(), Writer::text);
    out.byte(u8::from(upload.session_closed));
    out.option(upload.host_id.as_deref(), Writer::text);
    out.option(upload.host_id_fallback, |out, s| out.varint(s.into()));
    out.option(upload.fallback_since, Writer::time);
    out.option(upload.reply_url.as_deref(), Writer::text);
    out.option(upload.reply_file_name.as_deref(), Writer::text);
    out.option(upload.reply_size, Writer::varint);
    out.option(upload.reply_validator.as_deref(), Writer::text);
    out.varint(upload.reply_transferred);
    out.byte(u8::from(upload.reply_connected));
    out.byte(u8::from(upload.reply_done));
    out.option(upload.reply_data.as_deref(), |out, data| {
        out.varint(data.len() as u64);
        out.0.extend_from_slice(data);
    });
}

/// Version 3's addition.
fn encode_http(out: &mut Writer, http: &HttpState) {
    out.option(http.custom_headers.as_deref(), Writer::text);
    out.byte(u8::from(http.write_only) | u8::from(http.secret_headers) << 1);
    out.byte(crate::http::record::slot_bits(&http.credentials));
}

/// Version 3's addition, checked: headers a job could hold, and no secret
/// ones in the clear.
fn decode_http(input: &mut Reader<'_>) -> Result<HttpState, Unreadable> {
    let custom_headers = input.option(Reader::text)?;
    let flags = input.byte()?;
    let credentials = crate::http::record::slots_of(input.byte()?).ok_or(Unreadable)?;
    let http = HttpState {
        write_only: flags & 1 != 0,
        secret_headers: flags & 2 != 0,
        custom_headers,
        credentials,
        proxy: ProxySettings::default(),
        method: None,
    };
    let headers_fit = http.custom_headers.as_deref().is_none_or(|text| {
        validate::fits_utf16(text, headers::MAX_CUSTOM_HEADERS)
            && headers::parse(text)
                .is_some_and(|pairs| !pairs.iter().any(|(n, _)| headers::is_secret_name(n)))
    });
    let valid = flags >> 2 == 0
        && headers_fit
        && (!http.write_only || http.custom_headers.is_none())
        && (!http.secret_headers || http.write_only);
    if !valid {
        return Err(Unreadable);
    }
    Ok(http)
}

/// Version 4's addition, checked as `set-proxy-settings` checks it.
/// `exact`: the record is version 4, which is written only for settings
/// other than the default (a later version carries the default too).
fn decode_proxy(input: &mut Reader<'_>, exact: bool) -> Result<ProxySettings, Unreadable> {
    let usage = *ProxyUsage::ALL
        .get(usize::from(input.byte()?))
        .ok_or(Unreadable)?;
    let settings = ProxySettings {
        usage,
        proxy_list: input.text()?,
        bypass_list: input.text()?,
    };
    let needless = exact && settings == ProxySettings::default();
    if needless || crate::http::check_proxy_settings(&settings).is_err() {
        return Err(Unreadable);
    }
    Ok(settings)
}

/// Version 2's addition, checked: what a job of `job_type` could hold.
fn decode_upload(
    input: &mut Reader<'_>,
    job_type: JobType,
) -> Result<(bool, UploadState), Unreadable> {
    let resumed = input.flag()?;
    let upload = UploadState {
        protocol: case(&UploadProtocol::ALL, input.byte()?)?,
        phase: case(&UploadPhase::ALL, input.byte()?)?,
        session_id: input.option(Reader::text)?,
        session_closed: input.flag()?,
        host_id: input.option(Reader::text)?,
        host_id_fallback: input.option(Reader::u32)?,
        fallback_since: input.option(Reader::time)?,
        reply_url: input.option(Reader::text)?,
        reply_file_name: input.option(Reader::text)?,
        reply_size: input.option(Reader::varint)?,
        reply_validator: input.option(Reader::text)?,
        reply_transferred: input.varint()?,
        reply_connected: input.flag()?,
        reply_done: input.flag()?,
        reply_data: input.option(|input| {
            let len = usize::try_from(input.varint()?).map_err(|_| Unreadable)?;
            let (bytes, rest) = input.0.split_at_checked(len).ok_or(Unreadable)?;
            input.0 = rest;
            Ok(bytes.to_vec())
        })?,
    };
    let reply_only = job_type == JobType::UploadReply
        || (upload.reply_url.is_none()
            && upload.reply_file_name.is_none()
            && upload.reply_transferred == 0
            && upload.reply_data.is_none()
            && upload.phase != UploadPhase::Reply);
    let valid = (job_type.is_upload() || upload.is_default())
        && reply_only
        && upload
            .session_id
            .as_deref()
            .is_none_or(upload::is_session_id)
        && upload.host_id.as_deref().is_none_or(upload::is_host_id)
        && upload.reply_url.as_deref().is_none_or(upload::is_reply_url)
        && upload
            .reply_file_name
            .as_deref()
            .is_none_or(validate::is_local_name)
        && upload
            .reply_size
            .is_none_or(|size| upload.reply_transferred <= size)
        && upload.reply_data.as_ref().is_none_or(|data| {
            data.len() as u64 == upload.reply_transferred
                && upload.reply_transferred <= MAX_REPLY_DATA
        });
    if !valid {
        return Err(Unreadable);
    }
    Ok((resumed, upload))
}

/// The job and its sequence a record holds, checked.
pub fn decode(bytes: &[u8]) -> Result<(Job, u64), Unreadable> {
    let mut input = Reader(bytes);
    let version = input.byte()?;
    if !(VERSION..=VERSION_ORIGIN).contains(&version) {
        return Err(Unreadable);
    }
    let sequence = input.varint()?;
    let id = Guid::from_bytes(input.array()?);
    let job_type = case(&JobType::ALL, input.byte()?)?;
    let state = case(&JobState::ALL, input.byte()?)?;
    let priority = case(&JobPriority::ALL, input.byte()?)?;
    let display_name = input.text()?;
    let description = input.text()?;
    validate::display_name(&display_name).map_err(|_| Unreadable)?;
    validate::description(&description).map_err(|_| Unreadable)?;
    let minimum_retry_delay = input.u32()?;
    let no_progress_timeout = input.u32()?;
    let notify_flags = input.u32()?;
    let times = JobTimes {
        creation: input.time()?,
        modification: input.time()?,
        transfer_completion: input.option(Reader::time)?,
    };
    let error = input.option(|input| {
        Ok(JobError {
            context: case(&JobErrorContext::ALL, input.byte()?)?,
            hresult: input.u32()?,
            file_index: input.option(Reader::u32)?,
            description: input.text()?,
        })
    })?;
    let retry_at = input.option(Reader::time)?;
    let stalled_since = input.option(Reader::time)?;
    let last_run = input.option(Reader::time)?;
    let count = input.varint()?;
    // Each file takes at least 6 bytes: a count past that is a lie.
    if count > input.0.len() as u64 / 6 {
        return Err(Unreadable);
    }
    let mut files = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let info = FileInfo {
            remote_name: input.text()?,
            local_name: input.text()?,
        };
        validate::file(&info.remote_name, &info.local_name).map_err(|_| Unreadable)?;
        let size = input.option(Reader::varint)?;
        let transferred = input.varint()?;
        let completed = match input.byte()? {
            0 => false,
            1 => true,
            _ => return Err(Unreadable),
        };
        let validator = input.option(Reader::text)?;
        let fits = size.is_none_or(|size| transferred <= size);
        let whole = !completed || size == Some(transferred);
        if !fits || !whole {
            return Err(Unreadable);
        }
        files.push(FileEntry {
            info,
            size,
            transferred,
            completed,
            validator,
            foreign_origin: false,
            ranges: Vec::new(),
            remote_size: None,
            valid: false,
        });
    }
    let extension = if version >= VERSION_UPLOAD {
        Some(decode_upload(&mut input, job_type)?)
    } else {
        None
    };
    let mut http = if version >= VERSION_HTTP {
        decode_http(&mut input)?
    } else {
        HttpState::default()
    };
    if version >= VERSION_PROXY {
        http.proxy = decode_proxy(&mut input, version == VERSION_PROXY)?;
    }
    let (notify_cmd, notify_run) = if version >= VERSION_NOTIFY {
        decode_notify(&mut input)?
    } else {
        (None, None)
    };
    if version >= VERSION_METHOD {
        http.method = decode_method(&mut input, version == VERSION_METHOD, job_type, priority)?;
    }
    let trust = if version >= VERSION_TRUST {
        decode_trust(&mut input, version == VERSION_TRUST)?
    } else {
        TrustState::default()
    };
    let limits = if version >= VERSION_LIMITS {
        decode_limits(&mut input, job_type, state)?
    } else {
        DownloadLimits::default()
    };
    if version >= VERSION_RANGES {
        decode_ranges(&mut input, job_type, &mut files)?;
    }
    if version >= VERSION_ORIGIN {
        decode_origin(&mut input, version == VERSION_ORIGIN, job_type, &mut files)?;
    }
    if !input.0.is_empty() {
        return Err(Unreadable);
    }
    // Files arrive in order: the completed ones come first, but for one
    // found invalid and fetched again (version 9).
    let next_file = files
        .iter()
        .position(|f| !f.completed)
        .unwrap_or(files.len());
    let files_transferred = files.iter().filter(|f| f.completed).count();
    let consistent = (version >= VERSION_RANGES || next_file == files_transferred)
        && (!job_type.is_upload() || files.len() <= 1)
        && (state != JobState::Transferred || files_transferred == files.len())
        && notify_flags & !bits_queue_contract::notify_flags::ALL == 0;
    if !consistent {
        return Err(Unreadable);
    }
    let mut job = Job {
        id,
        job_type,
        state,
        display_name,
        description,
        priority,
        files,
        files_transferred,
        next_file,
        times,
        error,
        minimum_retry_delay,
        no_progress_timeout,
        notify_flags,
        retry_at,
        stalled_since,
        last_run,
        resumed: false,
        upload: UploadState::default(),
        may_lower: crate::job::AttemptFlag(false),
        http,
        trust,
        notify_cmd,
        notify_run,
        limits,
    };
    match extension {
        Some((resumed, upload)) => {
            job.resumed = resumed;
            job.upload = upload;
        }
        None => job.resumed = resumed_in_version_1(&job),
    }
    // Version 9 is written only for a job that needs it, and a ranged file
    // excludes dynamic content and a custom method (§16.4).
    let excluded = job.has_ranges() && (job.dynamic_content() || job.has_custom_method());
    if excluded || (version == VERSION_RANGES && !needs_ranges_version(&job)) {
        return Err(Unreadable);
    }
    Ok((job, sequence))
}

/// The enum case a byte names.
fn case<T: Copy>(all: &[T], byte: u8) -> Result<T, Unreadable> {
    all.get(usize::from(byte)).copied().ok_or(Unreadable)
}

struct Writer(Vec<u8>);

impl Writer {
    fn byte(&mut self, b: u8) {
        self.0.push(b);
    }

    fn varint(&mut self, mut n: u64) {
        loop {
            let low = (n & 0x7F) as u8;
            n >>= 7;
            if n == 0 {
                self.0.push(low);
                return;
            }
            self.0.push(low | 0x80);
        }
    }

    fn text(&mut self, text: &str) {
        self.varint(text.len() as u64);
        self.0.extend_from_slice(text.as_bytes());
    }

    fn time(&mut self, at: Datetime) {
        self.varint(at.seconds);
        self.varint(at.nanoseconds.into());
    }

    fn option<T>(&mut self, value: Option<T>, write: impl FnOnce(&mut Writer, T)) {
        match value {
            None => self.byte(0),
            Some(value) => {
                self.byte(1);
                write(self, value);
            }
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, Unreadable> {
        let (&first, rest) = self.0.split_first().ok_or(Unreadable)?;
        self.0 = rest;
        Ok(first)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Unreadable> {
        let (head, rest) = self.0.split_at_checked(N).ok_or(Unreadable)?;
        self.0 = rest;
        head.try_into().map_err(|_| Unreadable)
    }

    /// A LEB128 u64; overlong or overflowing encodings are refused.
    fn varint(&mut self) -> Result<u64, Unreadable> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let part = u64::from(b & 0x7F);
            if shift == 63 && part > 1 {
                return Err(Unreadable);
            }
            value |= part << shift;
            if b & 0x80 == 0 {
                // The shortest form only: a trailing zero group is padding.
                if part == 0 && shift > 0 {
                    return Err(Unreadable);
                }
                return Ok(value);
            }
        }
        Err(Unreadable)
    }

    fn flag(&mut self) -> Result<bool, Unreadable> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Unreadable),
        }
    }

    fn u32(&mut self) -> Result<u32, Unreadable> {
        u32::try_from(self.varint()?).map_err(|_| Unreadable)
    }

    fn text(&mut self) -> Result<String, Unreadable> {
        let len = usize::try_from(self.varint()?).map_err(|_| Unreadable)?;
        let (bytes, rest) = self.0.split_at_checked(len).ok_or(Unreadable)?;
        self.0 = rest;
        String::from_utf8(bytes.to_vec()).map_err(|_| Unreadable)
    }

    fn time(&mut self) -> Result<Datetime, Unreadable> {
        let seconds = self.varint()?;
        let nanoseconds = self.u32()?;
        if nanoseconds >= 1_000_000_000 {
            return Err(Unreadable);
        }
        Ok(Datetime {
            seconds,
            nanoseconds,
        })
    }

    fn option<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T, Unreadable>,
    ) -> Result<Option<T>, Unreadable> {
        match self.byte()? {
            0 => Ok(None),
            1 => read(self).map(Some),
            _ => Err(Unreadable),
        }
    }
}
