//! The contract's numbers (contract §4, §6): string lengths in UTF-16 code
//! units, as Windows counts characters, and the default queue limits.

/// Most UTF-16 code units in a display name.
pub const MAX_DISPLAY_NAME: usize = 256;
/// Most UTF-16 code units in a description.
pub const MAX_DESCRIPTION: usize = 1024;
/// Most UTF-16 code units in a remote name (URL).
pub const MAX_REMOTE_NAME: usize = 2200;
/// Most UTF-16 code units in a local name (`MAX_PATH`).
pub const MAX_LOCAL_NAME: usize = 260;

/// Default `max-jobs`: the BITS `MaxJobsPerUser` group policy.
pub const DEFAULT_MAX_JOBS: u32 = 300;
/// Default `max-files-per-job`: the BITS `MaxFilesPerJob` group policy.
pub const DEFAULT_MAX_FILES_PER_JOB: u32 = 200;

/// Default `minimum-retry-delay`, in seconds (contract §9).
pub const DEFAULT_MINIMUM_RETRY_DELAY: u32 = 600;
/// The least `minimum-retry-delay`: a smaller value becomes this.
pub const LEAST_MINIMUM_RETRY_DELAY: u32 = 5;
/// Default `no-progress-timeout`, in seconds: 14 days (contract §9).
pub const DEFAULT_NO_PROGRESS_TIMEOUT: u32 = 1_209_600;
/// Background jobs one instance transfers at once by default (contract §10).
pub const DEFAULT_BACKGROUND_SLOTS: u32 = 1;
/// Most `notify` actions the component keeps for a host that does not poll;
/// the oldest go first (contract §10).
pub const MAX_PENDING_NOTIFICATIONS: usize = 1024;
