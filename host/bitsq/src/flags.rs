//! The sandbox flags' ranges, checked as they are parsed, so a value out
//! of range gets a message in the flag's own terms instead of whatever
//! the sandbox makes of it later ("module memory does not fit", a byte
//! count of 0xffffffffffffffff).

use std::path::PathBuf;

use bits_queue_contract::limits::{MAX_LOCAL_NAME, MAX_REMOTE_NAME};
use bits_queue_host::Config;

use crate::input::thousands;

/// The least `--memory-limit`, in MiB: the component's own memory at
/// start is about 1 MiB, and a queue needs room for its jobs.
pub const MIN_MEMORY_MIB: usize = 4;
/// The most: a 32-bit WebAssembly memory holds at most 4 GiB.
pub const MAX_MEMORY_MIB: usize = 4096;
/// The least `--timeout`, in milliseconds: the clock's tick.
pub const MIN_TIMEOUT_MS: u64 = Config::TICK.as_millis() as u64;
/// The most: an hour is far beyond any call of the queue.
pub const MAX_TIMEOUT_MS: u64 = 3_600_000;
/// The most `--max-instances`: each reserves address space up front.
pub const MAX_INSTANCES: u32 = 1_000;
/// The longest single argument of the contract: `add-file`'s URL and path
/// at their longest, three UTF-8 bytes a UTF-16 unit (7,380 bytes).
const LONGEST_ARGUMENT_BYTES: u64 = 3 * (MAX_REMOTE_NAME + MAX_LOCAL_NAME) as u64;
/// The least `--max-argument-bytes`: above the longest single argument.
pub const MIN_ARGUMENT_BYTES: usize = 16 << 10;
/// The most: a call cannot pass more than the component's memory.
pub const MAX_ARGUMENT_BYTES: usize = 1 << 30;

/// A whole number from `min` to `max`, or a message saying so.
fn number<T>(text: &str, min: T, max: T, unit: &str, why: &str) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + Copy + Into<u64>,
{
    let range = || {
        format!(
            "must be a whole number of {unit} from {} to {}",
            thousands(min.into()),
            thousands(max.into())
        )
    };
    match text.trim().parse::<T>() {
        Ok(value) if value >= min && value <= max => Ok(value),
        Ok(_) => Err(format!("{} {why}", range())),
        Err(_) if !text.is_empty() && text.trim().bytes().all(|b| b.is_ascii_digit()) => {
            Err(format!("{} {why}", range()))
        }
        Err(_) => Err(range()),
    }
}

/// `--compile-cache DIR|off`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompileCache {
    Off,
    Dir(PathBuf),
}

/// `--compile-cache DIR|off`: `off`, or a directory named by a non-empty path.
pub fn compile_cache(text: &str) -> Result<CompileCache, String> {
    match text {
        "off" => Ok(CompileCache::Off),
        "" => Err("give a directory, or `off` for no compile cache".to_string()),
        dir => Ok(CompileCache::Dir(PathBuf::from(dir))),
    }
}

/// `--memory-limit MIB`.
pub fn memory_limit(text: &str) -> Result<usize, String> {
    number::<u64>(
        text,
        MIN_MEMORY_MIB as u64,
        MAX_MEMORY_MIB as u64,
        "MiB",
        "(the component needs a few MiB to start; a WebAssembly memory holds at most 4 GiB)",
    )
    .map(|v| v as usize)
}

/// `--timeout MS`.
pub fn timeout(text: &str) -> Result<u64, String> {
    number(
        text,
        MIN_TIMEOUT_MS,
        MAX_TIMEOUT_MS,
        "milliseconds",
        "(deadlines are counted in ticks of 10 ms)",
    )
}

/// `--max-instances N`.
pub fn max_instances(text: &str) -> Result<u32, String> {
    number(
        text,
        1,
        MAX_INSTANCES,
        "instances",
        "(bitsq runs one; each reserves address space)",
    )
}

/// `--max-argument-bytes BYTES`.
pub fn max_argument_bytes(text: &str) -> Result<usize, String> {
    number::<u64>(
        text,
        MIN_ARGUMENT_BYTES as u64,
        MAX_ARGUMENT_BYTES as u64,
        "bytes",
        &format!(
            "(the longest single argument of the queue is {} bytes)",
            thousands(LONGEST_ARGUMENT_BYTES)
        ),
    )
    .map(|v| v as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_values_are_named_in_the_flags_terms() {
        let memory = memory_limit("0").unwrap_err();
        assert!(memory.starts_with("must be a whole number of MiB from 4 to 4,096"));
        assert!(memory_limit("lots").unwrap_err().starts_with("must be"));
        assert_eq!(memory_limit("64"), Ok(64));
        assert!(timeout("0").unwrap_err().contains("from 10 to 3,600,000"));
        assert!(timeout("9").is_err());
        assert_eq!(timeout("10"), Ok(10));
        assert!(max_instances("0").unwrap_err().contains("from 1 to 1,000"));
        assert!(
            max_argument_bytes("0")
                .unwrap_err()
                .contains("from 16,384 to")
        );
        assert!(max_argument_bytes("99999999999999999999999").is_err());
        assert!(
            max_argument_bytes("1")
                .unwrap_err()
                .ends_with("(the longest single argument of the queue is 7,380 bytes)")
        );
        assert!(LONGEST_ARGUMENT_BYTES < MIN_ARGUMENT_BYTES as u64);
    }
}
