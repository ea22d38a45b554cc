//! Job properties of contract §16.2, §16.3, §16.7 and §16.8 that bound a
//! download: the maximum download time and size, their defaults and the
//! HRESULTs of the errors they cause.

/// The default maximum download time: 90 days, in seconds (0 is no limit).
pub const DEFAULT_MAXIMUM_DOWNLOAD_TIME: u32 = 7_776_000;

/// `BG_E_MAXDOWNLOAD_TIMEOUT`: the job used up its maximum download time.
pub const MAXDOWNLOAD_TIMEOUT: u32 = 0x8020_0054;

/// `BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED`: the job's files are larger than
/// its maximum download size.
pub const MAX_DOWNLOAD_SIZE_LIMIT_REACHED: u32 = 0x8020_0064;
