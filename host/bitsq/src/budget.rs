//! What the sandbox must grant for the queue to reach its own limits, and
//! the limits a given sandbox can serve.
//!
//! A full queue is `max-jobs` jobs of `max-files-per-job` files, every
//! string at its longest (contract §4) and every character three UTF-8
//! bytes (one UTF-16 unit each, the worst case). bitsq's default
//! `--memory-limit` and `--max-argument-bytes` are sized from the default
//! limits, so under default settings every limit can be reached; `limits`
//! refuses values the sandbox could not serve, instead of letting the
//! queue run out of memory, or `list` run out of handles, later.

use bits_queue_contract::QueueLimits;
use bits_queue_contract::limits::{
    DEFAULT_MAX_FILES_PER_JOB, DEFAULT_MAX_JOBS, MAX_DESCRIPTION, MAX_DISPLAY_NAME, MAX_LOCAL_NAME,
    MAX_REMOTE_NAME,
};

use crate::input::thousands;

const MIB: u64 = 1 << 20;

/// UTF-8 bytes of a string of `units` UTF-16 units, at worst.
const fn utf8_bytes(units: usize) -> u64 {
    3 * units as u64
}

/// A file in a job record: both names with their lengths, its size,
/// progress, completion and a validator's option byte.
const FILE_RECORD_BYTES: u64 = utf8_bytes(MAX_REMOTE_NAME) + utf8_bytes(MAX_LOCAL_NAME) + 32;

/// A job record without its files: names, times, error, settings. The
/// error's description is the component's own text, well under 1 KiB.
const JOB_RECORD_BYTES: u64 = utf8_bytes(MAX_DISPLAY_NAME) + utf8_bytes(MAX_DESCRIPTION) + 1024;

/// A file held in the component: its names in their own allocations
/// (with the allocator's header and rounding), and its entry in the job.
const FILE_HELD_BYTES: u64 = utf8_bytes(MAX_REMOTE_NAME) + utf8_bytes(MAX_LOCAL_NAME) + 160;

/// A job held in the component, without its files.
const JOB_HELD_BYTES: u64 = utf8_bytes(MAX_DISPLAY_NAME) + utf8_bytes(MAX_DESCRIPTION) + 1024;

/// The component's own memory before any job (code data, stack, tables).
const BASE_BYTES: u64 = 4 * MIB;

/// Handles the host hands one instance (wasmtime's store-wide default).
pub const HANDLE_LIMIT: u64 = 100_000;

/// Handles bitsq holds besides one per job in a `list`: the manager, the
/// borrows of a call, the transfer service's.
const SPARE_HANDLES: u64 = 1_000;

/// The most jobs a queue may be allowed: `list` takes a handle for each.
pub const MAX_JOBS_SERVED: u64 = HANDLE_LIMIT - SPARE_HANDLES;

/// Bytes of the largest record a job of `files` files can have: the host
/// passes it back into the component when it loads the queue.
pub fn record_bytes(files: u32) -> u64 {
    JOB_RECORD_BYTES + u64::from(files) * FILE_RECORD_BYTES
}

/// Linear memory a queue full to `limits` can need: what it holds, plus
/// the copies one call makes of the largest job (its record for the store,
/// its file list), and a quarter more for the allocator's fragmentation.
pub fn memory_bytes(limits: QueueLimits) -> u64 {
    let files = u64::from(limits.max_files_per_job);
    let held = u64::from(limits.max_jobs)
        .saturating_mul(JOB_HELD_BYTES.saturating_add(files.saturating_mul(FILE_HELD_BYTES)));
    let transient = record_bytes(limits.max_files_per_job).saturating_mul(4);
    let total = held.saturating_add(transient).saturating_add(BASE_BYTES);
    total.saturating_add(total / 4)
}

/// The default `--memory-limit`, in MiB: what the default limits need.
pub fn default_memory_mib() -> usize {
    usize::try_from(memory_bytes(default_limits()).div_ceil(MIB)).unwrap_or(usize::MAX)
}

/// The default `--max-argument-bytes`: the largest record of a job at the
/// default limit, rounded up to MiB (and never under the host's 1 MiB).
pub fn default_argument_bytes() -> usize {
    let bytes = record_bytes(DEFAULT_MAX_FILES_PER_JOB).div_ceil(MIB).max(1) * MIB;
    usize::try_from(bytes).unwrap_or(usize::MAX)
}

fn default_limits() -> QueueLimits {
    QueueLimits {
        max_jobs: DEFAULT_MAX_JOBS,
        max_files_per_job: DEFAULT_MAX_FILES_PER_JOB,
    }
}

/// What the sandbox grants the queue.
#[derive(Clone, Copy, Debug)]
pub struct Grant {
    /// `--memory-limit`, in bytes.
    pub memory_bytes: u64,
    /// `--max-argument-bytes`.
    pub argument_bytes: u64,
}

/// Why the sandbox cannot serve `limits`, in the words of the flags to
/// change; `None` when it can.
pub fn refusal(limits: QueueLimits, grant: Grant) -> Option<String> {
    if u64::from(limits.max_jobs) > MAX_JOBS_SERVED {
        return Some(format!(
            "max-jobs may be at most {}: the host gives a queue {} handles, and `list` \
             takes one for every job",
            thousands(MAX_JOBS_SERVED),
            thousands(HANDLE_LIMIT)
        ));
    }
    let record = record_bytes(limits.max_files_per_job);
    if record > grant.argument_bytes {
        return Some(format!(
            "a job of {} files can take {} bytes, over --max-argument-bytes ({}), so the \
             store could not load it back; lower max-files-per-job or raise \
             --max-argument-bytes",
            thousands(limits.max_files_per_job.into()),
            thousands(record),
            thousands(grant.argument_bytes)
        ));
    }
    let memory = memory_bytes(limits);
    if memory > grant.memory_bytes {
        return Some(format!(
            "a queue full to these limits can need {} MiB of memory, over --memory-limit \
             ({} MiB); lower the limits or raise --memory-limit",
            thousands(memory.div_ceil(MIB)),
            thousands(grant.memory_bytes / MIB)
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> Grant {
        Grant {
            memory_bytes: default_memory_mib() as u64 * MIB,
            argument_bytes: default_argument_bytes() as u64,
        }
    }

    /// Issue 13 case 1: the defaults serve the default limits.
    #[test]
    fn the_defaults_serve_the_default_limits() {
        assert_eq!(refusal(default_limits(), grant()), None);
        // Sized from the worst case: not a byte to spare is needed, but the
        // figure follows the formula.
        assert!(memory_bytes(default_limits()) <= default_memory_mib() as u64 * MIB);
    }

    /// Issue 13 case 6: limits the host cannot serve are refused.
    #[test]
    fn limits_the_host_cannot_serve_are_refused() {
        let huge = QueueLimits {
            max_jobs: u32::MAX,
            max_files_per_job: u32::MAX,
        };
        assert!(
            refusal(huge, grant())
                .unwrap()
                .contains("max-jobs may be at most")
        );
        let many_files = QueueLimits {
            max_jobs: 1,
            max_files_per_job: 100_000,
        };
        assert!(
            refusal(many_files, grant())
                .unwrap()
                .contains("--max-argument-bytes")
        );
        let many_jobs = QueueLimits {
            max_jobs: 90_000,
            max_files_per_job: 200,
        };
        assert!(
            refusal(many_jobs, grant())
                .unwrap()
                .contains("--memory-limit")
        );
        let few = QueueLimits {
            max_jobs: 10,
            max_files_per_job: 20,
        };
        assert_eq!(refusal(few, grant()), None);
    }
}
