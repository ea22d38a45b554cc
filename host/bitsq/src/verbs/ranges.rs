//! File ranges and file validation (contract §16.4, §16.6): bitsadmin's
//! `/AddFileWithRanges` with its range syntax (`OFFSET:LENGTH` pairs
//! separated by commas, LENGTH a number or `eof`), and, named after it
//! since bitsadmin has none, `getfileranges` and the validation verbs of
//! BITS' IBackgroundCopyFile3.

use bits_queue_host::ranges::{LENGTH_TO_EOF, MAX_RANGES_PER_FILE, RangesFault, ranges_fault};
use bits_queue_host::{Error, ErrorCode, FileRange, Job};

use crate::input::thousands;
use crate::output::{Shown, cut, say};
use crate::verbs::args::{exactly, number};
use crate::verbs::job_name::job;
use crate::verbs::{Call, Failure};

/// `JOB REMOTE LOCAL RANGES`: the ranges are checked here first, so a bad
/// list is told by what is wrong with it; a refused name as `addfile`
/// tells it.
pub fn addfilewithranges(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id, remote, local, ranges] = exactly(args)?;
    let ranges = parse(ranges)?;
    if let Some(fault) = ranges_fault(&ranges) {
        return Err(Failure::Bad(format!("RANGES {}", fault_text(fault))));
    }
    let http = ["http://", "https://"].iter().any(|scheme| {
        remote
            .get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
    });
    if !http {
        return Err(Failure::Bad(
            "REMOTE must be an http:// or https:// URL: only those are fetched in ranges".into(),
        ));
    }
    let job = job(call, id)?;
    if let Some(why) = crate::local_name::refusal(local) {
        return Err(Failure::refused_because(
            ErrorCode::InvalidArgument,
            Some(why),
        ));
    }
    match job.add_file_with_ranges(remote, local, &ranges) {
        Err(Error::Call(bits_queue_host::CallError::InvalidArgument)) => {
            return Err(Failure::refused_because(
                ErrorCode::InvalidArgument,
                crate::explain::file(remote, local),
            ));
        }
        other => other?,
    }
    say!("{}: {} file(s)", job.id()?, job.progress()?.files_total);
    Ok(())
}

/// `JOB FILE_INDEX`.
pub fn getfileranges(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id, index] = exactly(args)?;
    let job = job(call, id)?;
    let index = file_index(&job, index)?;
    let ranges = job.file_ranges(index)?;
    if ranges.is_empty() {
        say!("{}: file {index} is whole (no ranges)", job.id()?);
    } else {
        say!("{}: file {index} ranges {}", job.id()?, text(&ranges));
    }
    Ok(())
}

/// `JOB FILE_INDEX TRUE|FALSE`: FALSE discards the file's bytes and puts
/// the job in error; `resume` fetches the file again.
pub fn setvalidationstate(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id, index, value] = exactly(args)?;
    let valid = crate::verbs::args::true_or_false(value)?;
    let job = job(call, id)?;
    let index = file_index(&job, index)?;
    job.set_file_validation_state(index, valid)?;
    show_validation(&job, index)
}

/// `JOB FILE_INDEX`.
pub fn getvalidationstate(call: &Call<'_>, args: &[String]) -> Result<(), Failure> {
    let [id, index] = exactly(args)?;
    let job = job(call, id)?;
    let index = file_index(&job, index)?;
    show_validation(&job, index)
}

fn show_validation(job: &Job, index: u32) -> Result<(), Failure> {
    let valid = if job.file_validation_state(index)? {
        "valid"
    } else {
        "not validated"
    };
    say!("{}: file {index} {valid}", job.id()?);
    Ok(())
}

/// FILE_INDEX as a number naming one of `job`'s files.
fn file_index(job: &Job, text: &str) -> Result<u32, Failure> {
    let index = number("FILE_INDEX", text, 0)?;
    let files = job.files()?.len();
    if usize::try_from(index).map_or(true, |i| i >= files) {
        return Err(Failure::Bad(format!(
            "FILE_INDEX must name one of the job's {files} file(s), from 0, not {index}"
        )));
    }
    Ok(index)
}

/// bitsadmin's range list: `OFFSET:LENGTH` pairs separated by commas,
/// LENGTH a number or `eof` (to the remote end).
fn parse(list: &str) -> Result<Vec<FileRange>, Failure> {
    let bad = || {
        Failure::Bad(format!(
            "RANGES must be OFFSET:LENGTH pairs separated by commas, LENGTH a number \
             or eof (0:100,500:eof), not `{}`",
            Shown(&cut(list, 60))
        ))
    };
    list.split(',')
        .map(|pair| {
            let (offset, length) = pair.trim().split_once(':').ok_or_else(&bad)?;
            let offset = offset.trim().parse::<u64>().map_err(|_| bad())?;
            let length = match length.trim() {
                eof if eof.eq_ignore_ascii_case("eof") => LENGTH_TO_EOF,
                number => number.parse::<u64>().map_err(|_| bad())?,
            };
            Ok(FileRange { offset, length })
        })
        .collect()
}

/// What is wrong with a list of ranges, in words.
fn fault_text(fault: RangesFault) -> String {
    match fault {
        RangesFault::Empty => "must hold at least one range".into(),
        RangesFault::InvalidRange => format!(
            "hold a range of length 0, or one that starts at {} or ends past it",
            thousands(u64::MAX)
        ),
        RangesFault::Overlapping => "overlap (a range to eof overlaps every range after it)".into(),
        RangesFault::TooMany => format!(
            "may hold at most {} ranges",
            thousands(MAX_RANGES_PER_FILE as u64)
        ),
    }
}

/// Ranges as bitsadmin writes them: `0:100,500:eof`.
pub fn text(ranges: &[FileRange]) -> String {
    ranges
        .iter()
        .map(|r| {
            if r.length == LENGTH_TO_EOF {
                format!("{}:eof", r.offset)
            } else {
                format!("{}:{}", r.offset, r.length)
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitsadmin_range_lists_read_and_write_back() {
        let ranges = parse("0:100, 500:EOF,7:1").ok().unwrap();
        assert_eq!(text(&ranges), "0:100,500:eof,7:1");
        for bad in ["", "0", "0:", ":5", "a:1", "1:b", "0:100,", "-1:5"] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
