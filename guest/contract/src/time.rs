//! Time as the component reads it from `wasi:clocks/wall-clock`: seconds
//! and nanoseconds since the Unix epoch (contract §9).

/// A point in time: the WIT `datetime`. Ordered by seconds, then
/// nanoseconds (`nanoseconds` is below 1,000,000,000).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Datetime {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    pub seconds: u64,
    /// Nanoseconds past `seconds`.
    pub nanoseconds: u32,
}

impl Datetime {
    /// The Unix epoch.
    pub const EPOCH: Datetime = Datetime {
        seconds: 0,
        nanoseconds: 0,
    };

    /// `seconds` whole seconds since the epoch.
    pub const fn from_seconds(seconds: u64) -> Datetime {
        Datetime {
            seconds,
            nanoseconds: 0,
        }
    }

    /// This time plus `seconds`, saturating at the end of time.
    pub const fn plus_seconds(self, seconds: u64) -> Datetime {
        Datetime {
            seconds: self.seconds.saturating_add(seconds),
            nanoseconds: self.nanoseconds,
        }
    }

    /// Nanoseconds since the epoch, saturating.
    pub const fn as_nanos(self) -> u128 {
        self.seconds as u128 * 1_000_000_000 + self.nanoseconds as u128
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_seconds_then_nanoseconds() {
        let a = Datetime {
            seconds: 1,
            nanoseconds: 999_999_999,
        };
        let b = Datetime::from_seconds(2);
        assert!(a < b);
        assert_eq!(b.plus_seconds(3), Datetime::from_seconds(5));
        assert_eq!(
            Datetime::from_seconds(u64::MAX).plus_seconds(1).seconds,
            u64::MAX
        );
        assert_eq!(a.as_nanos(), 1_999_999_999);
    }
}
