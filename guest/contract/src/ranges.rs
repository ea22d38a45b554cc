//! File ranges (contract §16.4) and file validation (§16.6): the limits,
//! the HRESULTs of the errors they cause, and the arithmetic both sides of
//! the boundary share. A ranged file's temporary file holds its ranges
//! packed one after the other in the order given, so a transfer's offset
//! is a count of packed bytes; the component sizes the file from it, and a
//! host finds from it the range to ask for next.

use crate::FileRange;

/// `BG_LENGTH_TO_EOF`: a range's length that means "to the remote end".
pub const LENGTH_TO_EOF: u64 = u64::MAX;

/// The most ranges one file holds: Windows' MaxRangesPerFile default, fixed
/// because the queue's limits cannot grow.
pub const MAX_RANGES_PER_FILE: usize = 500;

/// `BG_E_INVALID_RANGE`: a range lies outside the remote file (the job's
/// error), or is malformed (a call's refusal).
pub const INVALID_RANGE: u32 = 0x8020_002B;

/// `BG_E_VALIDATION_FAILED`: the client found a completed file invalid.
pub const VALIDATION_FAILED: u32 = 0x8020_0053;

/// Whether `range` runs to the remote end.
pub const fn is_to_eof(range: &FileRange) -> bool {
    range.length == LENGTH_TO_EOF
}

/// How many bytes of the remote file `range` covers when it is `size` bytes
/// long, if known: its length, or for a range to the end what lies past
/// its offset (`None` while the size is unknown).
pub fn length_in(range: &FileRange, size: Option<u64>) -> Option<u64> {
    if is_to_eof(range) {
        size.map(|size| size.saturating_sub(range.offset))
    } else {
        Some(range.length)
    }
}

/// The size of the packed file: the sum of the lengths, `None` while a
/// range to the end waits for the remote size. (Saturating: checked ranges
/// never overflow, and a count past u64 is unknowable anyway.)
pub fn packed_size(ranges: &[FileRange], remote_size: Option<u64>) -> Option<u64> {
    ranges.iter().try_fold(0u64, |sum, range| {
        Some(sum.saturating_add(length_in(range, remote_size)?))
    })
}

/// Where a transfer that holds `packed` bytes goes on: the index of the
/// range not yet complete and how many of its bytes are held; `None` when
/// every range is complete. A range to the end of unknown extent is never
/// complete.
pub fn locate(ranges: &[FileRange], remote_size: Option<u64>, packed: u64) -> Option<(usize, u64)> {
    let mut before = 0u64;
    for (index, range) in ranges.iter().enumerate() {
        let held = packed.saturating_sub(before);
        match length_in(range, remote_size) {
            Some(length) if held >= length => before = before.saturating_add(length),
            _ => return Some((index, held)),
        }
    }
    None
}

/// Whether a range lies outside a remote file of `size` bytes: it starts at
/// or past the end, or (not to the end) ends past it.
pub fn outside(range: &FileRange, size: u64) -> bool {
    range.offset >= size || (!is_to_eof(range) && range.offset + range.length > size)
}

/// Why a list of ranges is refused (contract §16.4's checks 1–4, in order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangesFault {
    /// No range at all (`invalid-argument`).
    Empty,
    /// A length of 0, an offset of u64 max, or an end past u64
    /// (`invalid-range`).
    InvalidRange,
    /// Two ranges overlap, or one repeats another; a range to the end
    /// overlaps everything after it (`overlapping-ranges`).
    Overlapping,
    /// More than [`MAX_RANGES_PER_FILE`] (`too-many-ranges-in-file`).
    TooMany,
}

/// The first of §16.4's checks `ranges` fails, if any. Sorting is by
/// offset, on a copy: the file keeps the order given.
pub fn ranges_fault(ranges: &[FileRange]) -> Option<RangesFault> {
    if ranges.is_empty() {
        return Some(RangesFault::Empty);
    }
    let malformed = ranges.iter().any(|range| {
        range.length == 0
            || range.offset == u64::MAX
            || (!is_to_eof(range) && range.offset.checked_add(range.length).is_none())
    });
    if malformed {
        return Some(RangesFault::InvalidRange);
    }
    let mut sorted: alloc::vec::Vec<FileRange> = ranges.to_vec();
    sorted.sort_unstable_by_key(|range| range.offset);
    let overlap = sorted
        .windows(2)
        .any(|pair| is_to_eof(&pair[0]) || pair[0].offset + pair[0].length > pair[1].offset);
    if overlap {
        return Some(RangesFault::Overlapping);
    }
    (ranges.len() > MAX_RANGES_PER_FILE).then_some(RangesFault::TooMany)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(offset: u64, length: u64) -> FileRange {
        FileRange { offset, length }
    }

    #[test]
    fn packed_sizes_and_locations() {
        let ranges = [r(10, 5), r(0, 3), r(20, LENGTH_TO_EOF)];
        assert_eq!(packed_size(&ranges, None), None);
        assert_eq!(packed_size(&ranges, Some(30)), Some(18));
        assert_eq!(packed_size(&ranges[..2], None), Some(8));
        assert_eq!(locate(&ranges, Some(30), 0), Some((0, 0)));
        assert_eq!(locate(&ranges, Some(30), 6), Some((1, 1)));
        assert_eq!(locate(&ranges, Some(30), 8), Some((2, 0)));
        assert_eq!(locate(&ranges, None, 12), Some((2, 4)));
        assert_eq!(locate(&ranges, Some(30), 18), None);
        assert!(outside(&r(30, LENGTH_TO_EOF), 30));
        assert!(outside(&r(25, 6), 30));
        assert!(!outside(&r(25, 5), 30));
    }

    #[test]
    fn the_checks_in_order() {
        assert_eq!(ranges_fault(&[]), Some(RangesFault::Empty));
        assert_eq!(ranges_fault(&[r(0, 0)]), Some(RangesFault::InvalidRange));
        assert_eq!(
            ranges_fault(&[r(u64::MAX, 1)]),
            Some(RangesFault::InvalidRange)
        );
        assert_eq!(
            ranges_fault(&[r(u64::MAX - 1, 2)]),
            Some(RangesFault::InvalidRange)
        );
        assert_eq!(ranges_fault(&[r(u64::MAX - 1, LENGTH_TO_EOF)]), None);
        assert_eq!(
            ranges_fault(&[r(5, 5), r(0, 6)]),
            Some(RangesFault::Overlapping)
        );
        assert_eq!(
            ranges_fault(&[r(5, 5), r(5, 5)]),
            Some(RangesFault::Overlapping)
        );
        assert_eq!(
            ranges_fault(&[r(0, LENGTH_TO_EOF), r(100, 1)]),
            Some(RangesFault::Overlapping)
        );
        assert_eq!(ranges_fault(&[r(5, 5), r(0, 5)]), None);
        let many: alloc::vec::Vec<_> = (0..=500).map(|i| r(i * 2, 1)).collect();
        assert_eq!(ranges_fault(&many), Some(RangesFault::TooMany));
        assert_eq!(ranges_fault(&many[..500]), None);
    }
}
