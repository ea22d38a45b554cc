//! [`Guid`]: a job's identity, laid out as the Windows `GUID` struct.

use std::fmt;
use std::str::FromStr;

use bits_queue_guest::guid as logic;

use crate::ErrorCode;

/// A job's identity, laid out as the Windows `GUID` struct: `data1`..`data3`
/// are the first three groups of the registry form read as big-endian
/// numbers, `data4` the last eight bytes in string order.
///
/// `Display` gives the registry form (`{6B29FC40-CA47-1067-B31D-00DD010662DA}`);
/// `FromStr` takes it with or without braces, in any case, by the same rules
/// as the component's `parse-guid` (it runs the same code, natively).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Guid {
    /// First group: 8 hex digits.
    pub data1: u32,
    /// Second group: 4 hex digits.
    pub data2: u16,
    /// Third group: 4 hex digits; its high nibble is the UUID version.
    pub data3: u16,
    /// The last 2 + 6 bytes.
    pub data4: [u8; 8],
}

impl Guid {
    /// The all-zero GUID (`GUID_NULL`), which no job ever has.
    pub const NIL: Guid = Guid {
        data1: 0,
        data2: 0,
        data3: 0,
        data4: [0; 8],
    };

    /// The UUID version: 4 for every GUID the queue issues.
    pub fn version(&self) -> u8 {
        (self.data3 >> 12) as u8
    }

    pub(crate) fn to_logic(self) -> logic::Guid {
        logic::Guid {
            data1: self.data1,
            data2: self.data2,
            data3: self.data3,
            data4: self.data4,
        }
    }

    pub(crate) fn from_logic(g: logic::Guid) -> Self {
        Guid {
            data1: g.data1,
            data2: g.data2,
            data3: g.data3,
            data4: g.data4,
        }
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_logic(), f)
    }
}

impl FromStr for Guid {
    type Err = ErrorCode;

    /// The registry form with or without braces, in any case; anything else
    /// is [`ErrorCode::InvalidArgument`], as `parse-guid` says.
    fn from_str(s: &str) -> Result<Self, ErrorCode> {
        logic::parse(s)
            .map(Guid::from_logic)
            .map_err(|_| ErrorCode::InvalidArgument)
    }
}

impl From<uuid::Uuid> for Guid {
    fn from(u: uuid::Uuid) -> Self {
        let (data1, data2, data3, data4) = u.as_fields();
        Guid {
            data1,
            data2,
            data3,
            data4: *data4,
        }
    }
}

impl From<Guid> for uuid::Uuid {
    fn from(g: Guid) -> Self {
        uuid::Uuid::from_fields(g.data1, g.data2, g.data3, &g.data4)
    }
}
