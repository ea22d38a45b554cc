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
//! Decoding checks everything a job could not hold (a bad enum case, a
//! name over its limit or malformed, an unfinished file before a finished
//! one, more bytes than a known size, trailing bytes…) and refuses the
//! record as a whole, so `apply` can check every record before it applies
//! any.

use alloc::string::String;
use alloc::vec::Vec;

use bits_queue_contract::{
    Datetime, FileInfo, Guid, JobError, JobErrorContext, JobPriority, JobState, JobTimes, JobType,
};

use crate::job::{FileEntry, Job};
use crate::validate;

/// The record format this component writes.
pub const VERSION: u8 = 1;

/// Why a record could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unreadable;

/// `job`, whose place in creation order is `sequence`, as record bytes.
pub fn encode(job: &Job, sequence: u64) -> Vec<u8> {
    let mut out = Writer(Vec::with_capacity(96 + job.files.len() * 64));
    out.byte(VERSION);
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
    out.0
}

/// The job and its sequence a record holds, checked.
pub fn decode(bytes: &[u8]) -> Result<(Job, u64), Unreadable> {
    let mut input = Reader(bytes);
    if input.byte()? != VERSION {
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
        });
    }
    if !input.0.is_empty() {
        return Err(Unreadable);
    }
    // Files arrive in order: the completed ones come first.
    let files_transferred = files.iter().take_while(|f| f.completed).count();
    let consistent = files[files_transferred..].iter().all(|f| !f.completed)
        && (!job_type.is_upload() || files.len() <= 1)
        && (state != JobState::Transferred || files_transferred == files.len())
        && notify_flags & !bits_queue_contract::notify_flags::ALL == 0;
    if !consistent {
        return Err(Unreadable);
    }
    let job = Job {
        id,
        job_type,
        state,
        display_name,
        description,
        priority,
        files,
        files_transferred,
        times,
        error,
        minimum_retry_delay,
        no_progress_timeout,
        notify_flags,
        retry_at,
        stalled_since,
        last_run,
    };
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
