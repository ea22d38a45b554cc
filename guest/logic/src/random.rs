//! Where GUIDs get their randomness (contract §2).
//!
//! The queue draws through [`RandomSource`], so the component can hand it the
//! host's `wasi:random` (through `getrandom`) while native tests and
//! benchmarks hand it a fixed, repeatable stream.

use core::fmt;

/// The random source failed to give bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RandomUnavailable;

impl fmt::Display for RandomUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the random source gave no bytes")
    }
}

impl core::error::Error for RandomUnavailable {}

/// Sixteen random bytes per draw, for one GUID.
pub trait RandomSource {
    /// Fills `bytes`, or says the source failed (the queue then draws again,
    /// up to its limit).
    fn fill(&mut self, bytes: &mut [u8; 16]) -> Result<(), RandomUnavailable>;
}

/// Any `FnMut(&mut [u8; 16])` is an infallible source:
/// `QueueState::new(|bytes: &mut [u8; 16]| bytes.fill(7))`.
impl<F: FnMut(&mut [u8; 16])> RandomSource for F {
    fn fill(&mut self, bytes: &mut [u8; 16]) -> Result<(), RandomUnavailable> {
        self(bytes);
        Ok(())
    }
}

/// `low`'s little-endian bytes, then `high`'s.
fn join(low: u64, high: u64) -> [u8; 16] {
    ((u128::from(high) << 64) | u128::from(low)).to_le_bytes()
}

/// The platform's source through `getrandom`: on wasm32-wasip2 the host's
/// `wasi:random/random`, natively the OS.
///
/// Each draw is two `getrandom::u64` calls, the first giving bytes 0..8 and
/// the second 8..16, little-endian. On wasip2 that is exactly two host
/// `get-random-u64` calls per draw, whatever the stack alignment (filling a
/// `[u8; 16]` directly may take three and drop bytes), so the same host
/// stream always gives the same GUIDs.
#[derive(Clone, Copy, Debug, Default)]
pub struct GetRandom;

impl RandomSource for GetRandom {
    fn fill(&mut self, bytes: &mut [u8; 16]) -> Result<(), RandomUnavailable> {
        let low = getrandom::u64().map_err(|_| RandomUnavailable)?;
        let high = getrandom::u64().map_err(|_| RandomUnavailable)?;
        *bytes = join(low, high);
        Ok(())
    }
}

/// A repeatable stream from a seed (SplitMix64): for tests and benchmarks
/// that need the same GUIDs every run. Not for anything that needs
/// unpredictable GUIDs.
#[derive(Clone, Copy, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A stream that starts from `seed`.
    pub const fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl RandomSource for SplitMix64 {
    fn fill(&mut self, bytes: &mut [u8; 16]) -> Result<(), RandomUnavailable> {
        let low = self.next_u64();
        let high = self.next_u64();
        *bytes = join(low, high);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_mix_is_repeatable_and_matches_the_reference() {
        // Reference values of SplitMix64 seeded with 0.
        let mut stream = SplitMix64::new(0);
        assert_eq!(stream.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(stream.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        let mut a = SplitMix64::new(42);
        let mut b = SplitMix64::new(42);
        let (mut x, mut y) = ([0; 16], [0; 16]);
        for _ in 0..10 {
            a.fill(&mut x).unwrap();
            b.fill(&mut y).unwrap();
            assert_eq!(x, y);
        }
    }

    #[test]
    fn join_orders_low_then_high() {
        assert_eq!(
            join(0x0706_0504_0302_0100, 0x0F0E_0D0C_0B0A_0908),
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
        );
    }

    #[test]
    fn closures_are_sources() {
        let mut counter = 0u8;
        let mut source = |bytes: &mut [u8; 16]| {
            counter += 1;
            bytes.fill(counter);
        };
        let mut bytes = [0; 16];
        source.fill(&mut bytes).unwrap();
        assert_eq!(bytes, [1; 16]);
        source.fill(&mut bytes).unwrap();
        assert_eq!(bytes, [2; 16]);
    }

    /// The OS source works natively and does not give the same bytes twice.
    #[test]
    fn getrandom_gives_bytes() {
        let (mut a, mut b) = ([0; 16], [0; 16]);
        GetRandom.fill(&mut a).unwrap();
        GetRandom.fill(&mut b).unwrap();
        assert_ne!(a, b);
    }
}
