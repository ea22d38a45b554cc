//! Strings of an exact length in UTF-16 code units, the unit the contract
//! counts in (§4): "é" is one unit in two UTF-8 bytes, "😀" two units in four.

/// `count` UTF-16 code units made of repeats of `unit`, whose own length in
/// code units must divide `count` (so the string lands exactly on it).
pub fn units(unit: &str, count: usize) -> String {
    let each: usize = unit.chars().map(char::len_utf16).sum();
    assert!(
        each > 0 && count.is_multiple_of(each),
        "{count} units cannot be made of {unit:?}"
    );
    unit.repeat(count / each)
}

/// An `https://` URL exactly `count` UTF-16 units long, its path padded with
/// `unit`.
pub fn remote_of_units(unit: &str, count: usize) -> String {
    let head = "https://example.com/";
    format!("{head}{}", units(unit, count - head.len()))
}

/// An absolute local path exactly `count` UTF-16 units long, padded with
/// `unit`.
pub fn local_of_units(unit: &str, count: usize) -> String {
    let head = "/data/";
    format!("{head}{}", units(unit, count - head.len()))
}
