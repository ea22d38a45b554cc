//! Job identities (contract §2): the Windows `GUID` layout, version-4 generation,
//! and the registry string form `{6B29FC40-CA47-1067-B31D-00DD010662DA}`.
//!
//! Parsing and formatting are written out by hand rather than through
//! `uuid`'s parser or `core::fmt`: the contract accepts exactly one shape (which
//! `uuid` is more lenient about), and `core::fmt`'s integer formatting would
//! cost the component several kilobytes.

use alloc::string::String;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::str::FromStr;

use crate::error::ErrorCode;

/// A job's identity, laid out like the Windows `GUID` struct.
///
/// `data1`..`data3` are the first three groups of the string form read as
/// big-endian numbers, `data4` the last eight bytes in string order; so
/// [`Guid::to_bytes`] is the RFC 9562 byte order of the same UUID.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Guid {
    /// First group: 8 hex digits.
    pub data1: u32,
    /// Second group: 4 hex digits.
    pub data2: u16,
    /// Third group: 4 hex digits; its high nibble is the UUID version.
    pub data3: u16,
    /// The last 2 + 6 bytes; the top bits of the first are the variant.
    pub data4: [u8; 8],
}

/// Length of the registry form with braces: `{` 8-4-4-4-12 `}`.
pub const REGISTRY_FORM_LEN: usize = 38;

/// Length of the form without braces: 32 hex digits and 4 dashes.
const BARE_LEN: usize = 36;

/// Where the dashes sit in the form without braces.
const DASHES: [usize; 4] = [8, 13, 18, 23];

impl Guid {
    /// The all-zero GUID (`GUID_NULL`); never issued to a job.
    pub const NIL: Guid = Guid::from_bytes([0; 16]);

    /// The GUID whose string form spells `bytes` in order (RFC 9562 order).
    pub const fn from_bytes(bytes: [u8; 16]) -> Guid {
        let [
            a0,
            a1,
            a2,
            a3,
            b0,
            b1,
            c0,
            c1,
            d0,
            d1,
            d2,
            d3,
            d4,
            d5,
            d6,
            d7,
        ] = bytes;
        Guid {
            data1: u32::from_be_bytes([a0, a1, a2, a3]),
            data2: u16::from_be_bytes([b0, b1]),
            data3: u16::from_be_bytes([c0, c1]),
            data4: [d0, d1, d2, d3, d4, d5, d6, d7],
        }
    }

    /// The sixteen bytes in string order (RFC 9562 order).
    pub const fn to_bytes(&self) -> [u8; 16] {
        let [a0, a1, a2, a3] = self.data1.to_be_bytes();
        let [b0, b1] = self.data2.to_be_bytes();
        let [c0, c1] = self.data3.to_be_bytes();
        let [d0, d1, d2, d3, d4, d5, d6, d7] = self.data4;
        [
            a0, a1, a2, a3, b0, b1, c0, c1, d0, d1, d2, d3, d4, d5, d6, d7,
        ]
    }

    /// A version-4 (random) UUID made by `uuid` from sixteen random bytes:
    /// 122 of them are kept, the version nibble becomes 4 and the variant
    /// bits `10`.
    pub fn new_v4(random: [u8; 16]) -> Guid {
        Guid::from(uuid::Builder::from_random_bytes(random).into_uuid())
    }

    /// The UUID version: the high nibble of `data3` (4 for every job's GUID).
    pub const fn version(&self) -> u8 {
        // The shift leaves 4 bits, so the cast cannot truncate.
        (self.data3 >> 12) as u8
    }

    /// Whether the variant bits (the top two of `data4[0]`) are `10`, the
    /// RFC 9562 variant.
    pub const fn is_rfc9562_variant(&self) -> bool {
        self.data4[0] & 0xC0 == 0x80
    }
}

impl From<uuid::Uuid> for Guid {
    fn from(id: uuid::Uuid) -> Guid {
        Guid::from_bytes(id.into_bytes())
    }
}

impl From<Guid> for uuid::Uuid {
    fn from(id: Guid) -> uuid::Uuid {
        uuid::Uuid::from_bytes(id.to_bytes())
    }
}

/// One 128-bit write instead of the derive's four field writes plus a length
/// prefix: `get-job` hashes a GUID on every call. Consistent with `Eq`, which
/// compares the same 128 bits field by field.
impl Hash for Guid {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u128(u128::from_be_bytes(self.to_bytes()));
    }
}

/// The hasher for maps keyed by [`Guid`] (use it through
/// `core::hash::BuildHasherDefault<GuidHasher>`).
///
/// A GUID hashes as one 128-bit write (see `impl Hash for Guid`), which this
/// folds with one wide multiply: the mixing of foldhash's core, without its
/// per-process seeding, which would cost the component about a kilobyte. The
/// keys of the queue's map are drawn from the host's random source, so no
/// caller picks them; lookups with arbitrary GUIDs cannot flood the map.
#[derive(Clone, Copy, Debug)]
pub struct GuidHasher {
    state: u64,
}

/// Arbitrary odd constants (the fractional bits of pi), to keep zero bits
/// from multiplying to zero.
const HASH_SEEDS: [u64; 2] = [0x243F_6A88_85A3_08D3, 0x1319_8A2E_0370_7344];

/// The high and low halves of the full product, folded together.
const fn folded_multiply(a: u64, b: u64) -> u64 {
    let full = (a as u128) * (b as u128);
    (full as u64) ^ ((full >> 64) as u64)
}

impl Default for GuidHasher {
    fn default() -> GuidHasher {
        GuidHasher {
            state: HASH_SEEDS[0],
        }
    }
}

impl Hasher for GuidHasher {
    fn write_u128(&mut self, value: u128) {
        let (high, low) = ((value >> 64) as u64, value as u64);
        self.state = folded_multiply(low ^ self.state, high ^ HASH_SEEDS[1]);
    }

    /// Anything but a GUID: byte by byte. Correct, not fast; unused by the
    /// queue.
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.state = folded_multiply(self.state ^ u64::from(byte), HASH_SEEDS[1]);
        }
    }

    fn finish(&self) -> u64 {
        self.state
    }
}

/// Upper-case hex digits, indexed by nibble.
const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";

/// The registry form as ASCII bytes: `{6B29FC40-CA47-1067-B31D-00DD010662DA}`.
fn registry_form(id: &Guid) -> [u8; REGISTRY_FORM_LEN] {
    let mut out = [0u8; REGISTRY_FORM_LEN];
    out[0] = b'{';
    out[REGISTRY_FORM_LEN - 1] = b'}';
    let mut bytes = id.to_bytes().into_iter();
    // Walk the 36 positions between the braces, filling dashes in place and
    // two hex digits per byte elsewhere; every group has an even length, so
    // a byte never straddles a dash.
    let mut pos = 0;
    while pos < BARE_LEN {
        if DASHES.contains(&pos) {
            out[pos + 1] = b'-';
            pos += 1;
        } else if let Some(byte) = bytes.next() {
            out[pos + 1] = HEX_DIGITS[usize::from(byte >> 4)];
            out[pos + 2] = HEX_DIGITS[usize::from(byte & 0x0F)];
            pos += 2;
        } else {
            break;
        }
    }
    out
}

/// The Windows registry form: braces and upper-case hex, as
/// `{6B29FC40-CA47-1067-B31D-00DD010662DA}`.
pub fn to_string(id: &Guid) -> String {
    let mut text = String::with_capacity(REGISTRY_FORM_LEN);
    // Every byte of the form is ASCII, so each is one char.
    text.extend(registry_form(id).into_iter().map(char::from));
    text
}

/// The value of one hex digit in either case.
const fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Reads the registry form, with or without braces, in any case.
///
/// Exactly `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX` (optionally inside one pair
/// of braces) is accepted; anything else — other lengths, a lone brace,
/// spaces, misplaced dashes, non-hex or non-ASCII characters — is
/// [`ErrorCode::InvalidArgument`]. It works on bytes, never slicing the
/// `str`, so no input can land a slice inside a multibyte character.
pub fn parse(text: &str) -> Result<Guid, ErrorCode> {
    let body = match text.as_bytes() {
        [b'{', body @ .., b'}'] => body,
        bare => bare,
    };
    if body.len() != BARE_LEN {
        return Err(ErrorCode::InvalidArgument);
    }
    let mut bytes = [0u8; 16];
    let mut filled = 0;
    let mut pos = 0;
    while pos < BARE_LEN {
        if DASHES.contains(&pos) {
            if body.get(pos) != Some(&b'-') {
                return Err(ErrorCode::InvalidArgument);
            }
            pos += 1;
            continue;
        }
        let high = body.get(pos).copied().and_then(hex_value);
        let low = body.get(pos + 1).copied().and_then(hex_value);
        let (Some(high), Some(low), Some(slot)) = (high, low, bytes.get_mut(filled)) else {
            return Err(ErrorCode::InvalidArgument);
        };
        *slot = (high << 4) | low;
        filled += 1;
        pos += 2;
    }
    Ok(Guid::from_bytes(bytes))
}

impl fmt::Display for Guid {
    /// The registry form, as [`to_string`] gives it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let form = registry_form(self);
        // Always ASCII; the fallback only keeps this free of `unwrap`.
        f.write_str(core::str::from_utf8(&form).unwrap_or_default())
    }
}

impl FromStr for Guid {
    type Err = ErrorCode;

    /// As [`parse`].
    fn from_str(text: &str) -> Result<Guid, ErrorCode> {
        parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;
    use alloc::vec::Vec;

    const SAMPLE: Guid = Guid {
        data1: 0x6B29_FC40,
        data2: 0xCA47,
        data3: 0x1067,
        data4: [0xB3, 0x1D, 0x00, 0xDD, 0x01, 0x06, 0x62, 0xDA],
    };
    const SAMPLE_TEXT: &str = "{6B29FC40-CA47-1067-B31D-00DD010662DA}";

    /// §2: the contract's own example, both ways.
    #[test]
    fn registry_form_of_the_spec_example() {
        assert_eq!(to_string(&SAMPLE), SAMPLE_TEXT);
        assert_eq!(SAMPLE.to_string(), SAMPLE_TEXT);
        assert_eq!(parse(SAMPLE_TEXT), Ok(SAMPLE));
    }

    /// §2: data1..data3 are the first groups read big-endian, data4 the rest
    /// in string order.
    #[test]
    fn field_layout_is_the_windows_guid_struct() {
        let id = Guid::from_bytes([
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD,
            0xEE, 0xFF,
        ]);
        assert_eq!(id.data1, 0x0011_2233);
        assert_eq!(id.data2, 0x4455);
        assert_eq!(id.data3, 0x6677);
        assert_eq!(id.data4, [0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF]);
        assert_eq!(to_string(&id), "{00112233-4455-6677-8899-AABBCCDDEEFF}");
        assert_eq!(
            Guid::from_bytes(id.to_bytes()),
            id,
            "to_bytes inverts from_bytes"
        );
        // The same layout as uuid's fields, so `uuid` and this agree.
        let uuid = uuid::Uuid::from(id);
        let (d1, d2, d3, d4) = uuid.as_fields();
        assert_eq!((d1, d2, d3, *d4), (id.data1, id.data2, id.data3, id.data4));
        assert_eq!(
            format!("{{{}}}", uuid.hyphenated()).to_uppercase(),
            to_string(&id)
        );
        assert_eq!(Guid::from(uuid), id);
    }

    /// §2: version nibble 4 in data3, variant bits 10 in data4[0], every
    /// other bit as drawn.
    #[test]
    fn new_v4_sets_version_and_variant_and_keeps_the_rest() {
        let id = Guid::new_v4([0xFF; 16]);
        assert_eq!(id.data3, 0x4FFF);
        assert_eq!(id.data4[0], 0xBF);
        assert_eq!(id.version(), 4);
        assert!(id.is_rfc9562_variant());
        assert_eq!(to_string(&id), "{FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF}");

        let id = Guid::new_v4([0x00; 16]);
        assert_eq!(to_string(&id), "{00000000-0000-4000-8000-000000000000}");
        assert_eq!(id.version(), 4);
        assert!(id.is_rfc9562_variant());

        let id = Guid::new_v4([
            0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE, 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB,
            0xCD, 0xEF,
        ]);
        assert_eq!(to_string(&id), "{10325476-98BA-4CFE-8123-456789ABCDEF}");
    }

    #[test]
    fn nil_is_all_zero() {
        assert_eq!(
            to_string(&Guid::NIL),
            "{00000000-0000-0000-0000-000000000000}"
        );
        assert_eq!(Guid::NIL, Guid::default());
        assert_eq!(Guid::NIL.version(), 0);
        assert!(!Guid::NIL.is_rfc9562_variant());
    }

    /// §2: with or without braces, any case.
    #[test]
    fn parse_accepts_braces_or_none_in_any_case() {
        for text in [
            "{6B29FC40-CA47-1067-B31D-00DD010662DA}",
            "6B29FC40-CA47-1067-B31D-00DD010662DA",
            "{6b29fc40-ca47-1067-b31d-00dd010662da}",
            "6b29fc40-ca47-1067-b31d-00dd010662da",
            "{6b29Fc40-cA47-1067-B31d-00Dd010662dA}",
        ] {
            assert_eq!(parse(text), Ok(SAMPLE), "{text}");
            assert_eq!(text.parse::<Guid>(), Ok(SAMPLE), "{text}");
        }
    }

    /// §2: anything but the exact shape is invalid-argument.
    #[test]
    fn parse_rejects_every_other_shape() {
        let bad = [
            "",
            "{}",
            "{",
            "}",
            // Unbalanced or doubled braces.
            "{6B29FC40-CA47-1067-B31D-00DD010662DA",
            "6B29FC40-CA47-1067-B31D-00DD010662DA}",
            "{{6B29FC40-CA47-1067-B31D-00DD010662DA}}",
            "}6B29FC40-CA47-1067-B31D-00DD010662DA{",
            "(6B29FC40-CA47-1067-B31D-00DD010662DA)",
            // Surrounding or inner spaces.
            " {6B29FC40-CA47-1067-B31D-00DD010662DA}",
            "{6B29FC40-CA47-1067-B31D-00DD010662DA} ",
            " 6B29FC40-CA47-1067-B31D-00DD010662DA",
            "6B29FC40-CA47-1067-B31D-00DD010662DA ",
            "{ 6B29FC40-CA47-1067-B31D-00DD010662DA }",
            "6B29FC40 CA47-1067-B31D-00DD010662DA",
            "\t6B29FC40-CA47-1067-B31D-00DD010662DA",
            // Wrong lengths.
            "6B29FC40-CA47-1067-B31D-00DD010662D",
            "6B29FC40-CA47-1067-B31D-00DD010662DAA",
            "{6B29FC40-CA47-1067-B31D-00DD010662D}",
            "{6B29FC40-CA47-1067-B31D-00DD010662DAA}",
            // No dashes, other UUID spellings.
            "6B29FC40CA471067B31D00DD010662DA",
            "{6B29FC40CA471067B31D00DD010662DA}",
            "urn:uuid:6B29FC40-CA47-1067-B31D-00DD010662DA",
            // Misplaced dashes (same length).
            "6B29FC4-0CA47-1067-B31D-00DD010662DA",
            "6B29FC40-CA471-067-B31D-00DD010662DA",
            "6B29FC40-CA47-1067B-31D-00DD010662DA",
            "6B29FC40-CA47-1067-B31D0-0DD010662DA",
            "6B29FC40-CA47-1067-B31D-00DD-10662DA",
            "-6B29FC40CA47-1067-B31D-00DD010662DA",
            // Bad hex.
            "6B29FC4G-CA47-1067-B31D-00DD010662DA",
            "6B29FC40-CA47-1067-B31D-00DD010662DZ",
            "{6B29FC40-CA47-1067-B31D-00DD010662D_}",
            "+B29FC40-CA47-1067-B31D-00DD010662DA",
            "0x29FC40-CA47-1067-B31D-00DD010662DA",
            // NUL.
            "6B29FC40-CA47-1067-B31D-00DD010662D\0",
        ];
        for text in bad {
            assert_eq!(parse(text), Err(ErrorCode::InvalidArgument), "{text:?}");
        }
    }

    /// §2: non-ASCII input, including multibyte characters whose bytes make
    /// the total length 36 or 38, or sit where a brace, dash or digit is
    /// expected. Must be refused, never panic.
    #[test]
    fn parse_rejects_multibyte_text_without_panicking() {
        // (text, its length in bytes): the lengths are the ones the shape
        // check accepts, so only the per-byte checks can refuse these.
        let same_length = [
            // 34 ASCII + "é" (2 bytes).
            ("6B29FC40-CA47-1067-B31D-00DD010662é", 36),
            // "é" straddles the first dash's position.
            ("6B29FC4éCA47-1067-B31D-00DD010662DA", 36),
            // A 4-byte emoji in the last group.
            ("6B29FC40-CA47-1067-B31D-00DD0106😀", 36),
            // Full-width digit: 38 bytes without braces.
            ("６B29FC40-CA47-1067-B31D-00DD010662DA", 38),
            // "€" (3 bytes) just before the closing brace.
            ("{6B29FC40-CA47-1067-B31D-00DD01066€}", 38),
            // Multibyte right after the opening brace and right before the close.
            ("{é6B29FC40-CA47-1067-B31D-00DD0106DA}", 38),
            ("{6B29FC40-CA47-1067-B31D-00DD0106DAé}", 38),
        ];
        for (text, len) in same_length {
            assert_eq!(text.len(), len, "{text:?}");
            assert_eq!(parse(text), Err(ErrorCode::InvalidArgument), "{text:?}");
        }
        for text in ["｛6B29FC40-CA47-1067-B31D-00DD010662DA｝", "é", "{é}"] {
            assert_eq!(parse(text), Err(ErrorCode::InvalidArgument), "{text:?}");
        }
        // Every prefix and suffix split of a multibyte-laden string, at every
        // char boundary: a wide sweep over lengths near 36 and 38.
        let noisy = "{6B29FC40-é€😀-1067-B31D-00DD010662DA}";
        for (i, _) in noisy.char_indices() {
            assert_eq!(parse(&noisy[i..]), Err(ErrorCode::InvalidArgument));
            assert_eq!(parse(&noisy[..i]), Err(ErrorCode::InvalidArgument));
        }
    }

    /// Round trip: parse(to_string(g)) == g, and to_string(parse(s)) is s
    /// upper-cased with braces, over many GUIDs.
    #[test]
    fn round_trip() {
        let mut state = 0x0123_4567_89AB_CDEFu64;
        let mut seen = Vec::new();
        for _ in 0..1000 {
            let mut bytes = [0u8; 16];
            for chunk in bytes.chunks_mut(8) {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                chunk.copy_from_slice(&state.to_le_bytes());
            }
            let id = Guid::from_bytes(bytes);
            let text = to_string(&id);
            assert_eq!(text.len(), REGISTRY_FORM_LEN);
            assert_eq!(parse(&text), Ok(id));
            let bare = &text[1..REGISTRY_FORM_LEN - 1];
            assert_eq!(parse(bare), Ok(id));
            assert_eq!(parse(&bare.to_lowercase()), Ok(id));
            assert_eq!(to_string(&parse(&text.to_lowercase()).unwrap()), text);
            seen.push(id);
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 1000);
    }

    /// The map hasher spreads GUIDs that differ in a single bit, in either
    /// half, over distinct hashes, in both the low bits (bucket) and the top
    /// seven (hashbrown's tag).
    #[test]
    fn guid_hasher_spreads_near_keys() {
        use core::hash::BuildHasher;
        let build = core::hash::BuildHasherDefault::<GuidHasher>::default();
        let base = Guid::new_v4([0; 16]);
        let mut hashes = Vec::new();
        for bit in 0..128 {
            let bytes = u128::from_be_bytes(base.to_bytes()) ^ (1u128 << bit);
            hashes.push(build.hash_one(Guid::from_bytes(bytes.to_be_bytes())));
        }
        hashes.push(build.hash_one(base));
        let mut sorted = hashes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 129, "no two equal");
        let mut tags: Vec<u64> = hashes.iter().map(|h| h >> 57).collect();
        tags.sort_unstable();
        tags.dedup();
        assert!(tags.len() > 64, "top 7 bits vary: {}", tags.len());
        let mut buckets: Vec<u64> = hashes.iter().map(|h| h & 0xFF).collect();
        buckets.sort_unstable();
        buckets.dedup();
        assert!(buckets.len() > 64, "low 8 bits vary: {}", buckets.len());
        // Same GUID, same hash.
        assert_eq!(build.hash_one(base), build.hash_one(Guid::new_v4([0; 16])));
    }

    #[test]
    fn display_matches_to_string() {
        let id = Guid::new_v4([0xA5; 16]);
        assert_eq!(format!("{id}"), to_string(&id));
    }
}
