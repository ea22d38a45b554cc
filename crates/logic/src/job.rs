//! One job (contract §4, §5): its properties, its files and its state machine.
//!
//! A [`Job`] knows nothing of the queue it sits in: leaving the queue, and
//! reading the queue's limits, are [`crate::queue`]'s business. Every method
//! that can fail checks everything first and changes nothing unless it
//! succeeds.

use alloc::string::String;
use alloc::vec::Vec;

use bits_queue_contract::{ErrorCode, FileInfo, Guid, JobPriority, JobState, JobType, Progress};

use crate::validate;

/// `BG_SIZE_UNKNOWN`: the `bytes-total` of a job with a file of unknown size.
pub const BG_SIZE_UNKNOWN: u64 = Progress::SIZE_UNKNOWN;

/// A file and what the transfer has learnt about it.
#[derive(Clone, Debug)]
struct FileEntry {
    info: FileInfo,
    /// `None` until the transfer learns it; files added through the API
    /// never come with a size.
    size: Option<u64>,
}

/// One job: identity, properties, files and state.
#[derive(Clone, Debug)]
pub struct Job {
    id: Guid,
    job_type: JobType,
    state: JobState,
    display_name: String,
    description: String,
    priority: JobPriority,
    files: Vec<FileEntry>,
    /// Files transfer in order (BITS is first in, first out), so the first
    /// `files_transferred` files are the ones that have arrived.
    files_transferred: usize,
    /// Bytes of the arrived files, saturating.
    bytes_transferred: u64,
    /// Files whose size is still unknown; `bytes-total` is unknown while > 0.
    sizes_unknown: usize,
    /// Sum of the known sizes, saturating.
    bytes_known: u64,
}

impl Job {
    /// A new job as `create-job` makes it: suspended, empty description,
    /// normal priority, no files. The caller has checked `display_name`.
    pub(crate) fn new(id: Guid, job_type: JobType, display_name: String) -> Job {
        Job {
            id,
            job_type,
            state: JobState::Suspended,
            display_name,
            description: String::new(),
            priority: JobPriority::Normal,
            files: Vec::new(),
            files_transferred: 0,
            bytes_transferred: 0,
            sizes_unknown: 0,
            bytes_known: 0,
        }
    }

    /// The GUID `create-job` gave the job.
    pub fn id(&self) -> Guid {
        self.id
    }

    /// The type given at creation.
    pub fn job_type(&self) -> JobType {
        self.job_type
    }

    /// The current state.
    pub fn state(&self) -> JobState {
        self.state
    }

    /// The display name.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// The description.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The priority.
    pub fn priority(&self) -> JobPriority {
        self.priority
    }

    /// The files in the order they were added.
    pub fn files(&self) -> impl ExactSizeIterator<Item = &FileInfo> {
        self.files.iter().map(|entry| &entry.info)
    }

    /// How many files the job holds.
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// Bytes and files added and arrived (contract §4): `bytes-total` is 0 with no
    /// files, [`BG_SIZE_UNKNOWN`] while any file's size is unknown, else the
    /// sum of the sizes.
    pub fn progress(&self) -> Progress {
        let bytes_total = if self.files.is_empty() {
            0
        } else if self.sizes_unknown > 0 {
            BG_SIZE_UNKNOWN
        } else {
            self.bytes_known
        };
        Progress {
            bytes_total,
            bytes_transferred: self.bytes_transferred,
            // The limit on files is a u32, so these fit; saturate regardless.
            files_total: saturate_u32(self.files.len()),
            files_transferred: saturate_u32(self.files_transferred),
        }
    }

    /// `invalid-state` in a final state: every change checks this first.
    fn check_not_final(&self) -> Result<(), ErrorCode> {
        if self.state.is_final() {
            Err(ErrorCode::InvalidState)
        } else {
            Ok(())
        }
    }

    /// Sets the display name: at most 256 UTF-16 units, else
    /// `string-too-long`.
    pub fn set_display_name(&mut self, name: impl Into<String>) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        let name = name.into();
        validate::display_name(&name)?;
        self.display_name = name;
        Ok(())
    }

    /// Sets the description: at most 1,024 UTF-16 units, else
    /// `string-too-long`.
    pub fn set_description(&mut self, description: impl Into<String>) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        let description = description.into();
        validate::description(&description)?;
        self.description = description;
        Ok(())
    }

    /// Sets the priority.
    pub fn set_priority(&mut self, priority: JobPriority) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        self.priority = priority;
        Ok(())
    }

    /// Adds `files` in order, all or none (contract §4).
    ///
    /// Checks, in order: a final state → `invalid-state`; any bad name →
    /// `invalid-argument`; an upload job ending up with more than one file →
    /// `too-many-files`; more than `max_files_per_job` files →
    /// `too-many-files-in-job`. An empty list changes nothing and succeeds
    /// in any non-final state, even over a lowered limit (it adds no work).
    ///
    /// Adding a file to a `transferred` job puts it back to `queued`: it has
    /// something to transfer again, and `transferred` means every file has
    /// arrived.
    pub fn add_files(
        &mut self,
        files: Vec<FileInfo>,
        max_files_per_job: u32,
    ) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        for file in &files {
            validate::file(&file.remote_name, &file.local_name)?;
        }
        if files.is_empty() {
            return Ok(());
        }
        // An overflowing sum is certainly over every limit.
        let total = self.files.len().checked_add(files.len());
        if self.job_type.is_upload() && total != Some(1) {
            return Err(ErrorCode::TooManyFiles);
        }
        let max = usize::try_from(max_files_per_job).unwrap_or(usize::MAX);
        if total.is_none_or(|total| total > max) {
            return Err(ErrorCode::TooManyFilesInJob);
        }
        self.sizes_unknown = self.sizes_unknown.saturating_add(files.len());
        self.files
            .extend(files.into_iter().map(|info| FileEntry { info, size: None }));
        if self.state == JobState::Transferred {
            self.state = JobState::Queued;
        }
        Ok(())
    }

    /// Adds one file: [`Job::add_files`] with a list of one.
    pub fn add_file(
        &mut self,
        remote_name: impl Into<String>,
        local_name: impl Into<String>,
        max_files_per_job: u32,
    ) -> Result<(), ErrorCode> {
        let file = FileInfo::new(remote_name, local_name);
        self.add_files(alloc::vec![file], max_files_per_job)
    }

    /// Whether some file has not arrived yet.
    fn has_files_to_transfer(&self) -> bool {
        self.files_transferred < self.files.len()
    }

    /// Pauses the job (contract §5): any non-final state → `suspended`.
    pub fn suspend(&mut self) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        self.state = JobState::Suspended;
        Ok(())
    }

    /// Queues the job (contract §5): `empty` without files still to transfer;
    /// `suspended`, `error`, `transient-error` → `queued`; `queued`,
    /// `connecting`, `transferring` stay as they are.
    pub fn resume(&mut self) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        if !self.has_files_to_transfer() {
            return Err(ErrorCode::Empty);
        }
        self.state = match self.state {
            JobState::Queued | JobState::Connecting | JobState::Transferring => self.state,
            // `transferred` with a file still to transfer cannot happen
            // (adding one re-queues the job); were it to, queue it.
            JobState::Suspended
            | JobState::Error
            | JobState::TransientError
            | JobState::Transferred => JobState::Queued,
            JobState::Acknowledged | JobState::Cancelled => return Err(ErrorCode::InvalidState),
        };
        Ok(())
    }

    /// Cancels the job (contract §5): any non-final state → `cancelled`. Leaving
    /// the queue is the queue's part.
    pub fn cancel(&mut self) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        self.state = JobState::Cancelled;
        Ok(())
    }

    /// Acknowledges the job (contract §5): a download job from any non-final
    /// state, an upload or upload-reply job only from `transferred`, else
    /// `invalid-state`. Leaving the queue is the queue's part.
    pub fn complete(&mut self) -> Result<(), ErrorCode> {
        self.check_not_final()?;
        if self.job_type.is_upload() && self.state != JobState::Transferred {
            return Err(ErrorCode::InvalidState);
        }
        self.state = JobState::Acknowledged;
        Ok(())
    }
}

/// The transfer side of the state machine.
///
/// Nothing in the component calls these: it has no network, so no job moves
/// past `queued` on its own. They are what a transfer engine would call, and
/// what the tests use to reach `connecting`, `transferring`, `error`,
/// `transient-error` and `transferred`. Each refuses, with `invalid-state`, a
/// move the BITS life cycle does not make.
impl Job {
    /// The scheduler picks the job: `queued` → `connecting`.
    pub fn connect(&mut self) -> Result<(), ErrorCode> {
        self.transition(&[JobState::Queued], JobState::Connecting)
    }

    /// The server answered: `connecting` → `transferring`.
    pub fn start_transfer(&mut self) -> Result<(), ErrorCode> {
        self.transition(&[JobState::Connecting], JobState::Transferring)
    }

    /// The next file arrived, `size` bytes long (now known). Only while
    /// `transferring`; `empty` if every file has arrived. When the last file
    /// arrives the job becomes `transferred`.
    pub fn file_transferred(&mut self, size: u64) -> Result<(), ErrorCode> {
        if self.state != JobState::Transferring {
            return Err(ErrorCode::InvalidState);
        }
        let Some(entry) = self.files.get_mut(self.files_transferred) else {
            return Err(ErrorCode::Empty);
        };
        if entry.size.is_none() {
            self.sizes_unknown = self.sizes_unknown.saturating_sub(1);
            self.bytes_known = self.bytes_known.saturating_add(size);
        }
        entry.size = Some(size);
        self.bytes_transferred = self.bytes_transferred.saturating_add(size);
        self.files_transferred += 1;
        if !self.has_files_to_transfer() {
            self.state = JobState::Transferred;
        }
        Ok(())
    }

    /// A recoverable error (the server is unreachable, say): `queued`,
    /// `connecting` or `transferring` → `transient-error`.
    pub fn transient_error(&mut self) -> Result<(), ErrorCode> {
        self.transition(
            &[
                JobState::Queued,
                JobState::Connecting,
                JobState::Transferring,
            ],
            JobState::TransientError,
        )
    }

    /// A fatal error (access denied, say), or a transient one that lasted
    /// too long: `queued`, `connecting`, `transferring` or `transient-error`
    /// → `error`.
    pub fn fatal_error(&mut self) -> Result<(), ErrorCode> {
        self.transition(
            &[
                JobState::Queued,
                JobState::Connecting,
                JobState::Transferring,
                JobState::TransientError,
            ],
            JobState::Error,
        )
    }

    fn transition(&mut self, from: &[JobState], to: JobState) -> Result<(), ErrorCode> {
        if from.contains(&self.state) {
            self.state = to;
            Ok(())
        } else {
            Err(ErrorCode::InvalidState)
        }
    }
}

/// `n` as a u32, saturating (only reachable with more than 4 billion files).
fn saturate_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;
    use alloc::vec;

    const LIMIT: u32 = 200;

    fn job(job_type: JobType) -> Job {
        Job::new(Guid::new_v4([7; 16]), job_type, "name".to_string())
    }

    fn file(n: usize) -> FileInfo {
        FileInfo::new(
            format!("https://example.com/{n}"),
            format!("C:\\tmp\\{n}.bin"),
        )
    }

    /// One move of the state machine, public or transfer-side.
    type Step = fn(&mut Job) -> Result<(), ErrorCode>;

    /// Every state, with a job of `job_type` holding one file brought there
    /// through the public and transfer-side methods.
    fn in_state(job_type: JobType, state: JobState) -> Job {
        let mut job = job(job_type);
        job.add_files(vec![file(0)], LIMIT).unwrap();
        let steps: &[Step] = match state {
            JobState::Suspended => &[],
            JobState::Queued => &[Job::resume],
            JobState::Connecting => &[Job::resume, Job::connect],
            JobState::Transferring => &[Job::resume, Job::connect, Job::start_transfer],
            JobState::TransientError => &[Job::resume, Job::connect, Job::transient_error],
            JobState::Error => &[Job::resume, Job::connect, Job::fatal_error],
            JobState::Transferred => &[Job::resume, Job::connect, Job::start_transfer, |j| {
                j.file_transferred(10)
            }],
            JobState::Acknowledged => &[
                Job::resume,
                Job::connect,
                Job::start_transfer,
                |j| j.file_transferred(10),
                Job::complete,
            ],
            JobState::Cancelled => &[Job::cancel],
        };
        for step in steps {
            step(&mut job).unwrap();
        }
        assert_eq!(job.state(), state);
        job
    }

    const ALL_STATES: [JobState; 9] = [
        JobState::Queued,
        JobState::Connecting,
        JobState::Transferring,
        JobState::Suspended,
        JobState::Error,
        JobState::TransientError,
        JobState::Transferred,
        JobState::Acknowledged,
        JobState::Cancelled,
    ];

    const ALL_TYPES: [JobType; 3] = [JobType::Download, JobType::Upload, JobType::UploadReply];

    /// §4: the properties at creation.
    #[test]
    fn new_job_defaults() {
        let job = job(JobType::Upload);
        assert_eq!(job.state(), JobState::Suspended);
        assert_eq!(job.job_type(), JobType::Upload);
        assert_eq!(job.display_name(), "name");
        assert_eq!(job.description(), "");
        assert_eq!(job.priority(), JobPriority::Normal);
        assert_eq!(job.files().count(), 0);
        assert_eq!(job.progress(), Progress::default());
        assert_eq!(
            job.progress(),
            Progress {
                bytes_total: 0,
                bytes_transferred: 0,
                files_total: 0,
                files_transferred: 0
            }
        );
    }

    #[test]
    fn final_states() {
        for state in ALL_STATES {
            assert_eq!(
                state.is_final(),
                matches!(state, JobState::Acknowledged | JobState::Cancelled)
            );
        }
    }

    /// §4: set-display-name over 256 → string-too-long, 256 fine, empty fine.
    #[test]
    fn set_display_name_limits() {
        let mut job = job(JobType::Download);
        assert_eq!(job.set_display_name("😀".repeat(128)), Ok(()));
        assert_eq!(job.display_name(), "😀".repeat(128));
        assert_eq!(
            job.set_display_name(format!("{}é", "😀".repeat(128))),
            Err(ErrorCode::StringTooLong)
        );
        assert_eq!(job.display_name(), "😀".repeat(128), "unchanged");
        assert_eq!(job.set_display_name(""), Ok(()));
        assert_eq!(job.display_name(), "");
    }

    /// §4: description over 1,024 → string-too-long.
    #[test]
    fn set_description_limits() {
        let mut job = job(JobType::Download);
        assert_eq!(job.set_description("é".repeat(1024)), Ok(()));
        assert_eq!(job.description().chars().count(), 1024);
        assert_eq!(
            job.set_description("é".repeat(1025)),
            Err(ErrorCode::StringTooLong)
        );
        assert_eq!(job.description(), "é".repeat(1024), "unchanged");
        assert_eq!(
            job.set_description(format!("{}😀", "a".repeat(1023))),
            Err(ErrorCode::StringTooLong)
        );
    }

    #[test]
    fn set_priority_any_value() {
        let mut job = job(JobType::Download);
        for priority in [
            JobPriority::Foreground,
            JobPriority::High,
            JobPriority::Low,
            JobPriority::Normal,
        ] {
            assert_eq!(job.set_priority(priority), Ok(()));
            assert_eq!(job.priority(), priority);
        }
    }

    /// §4: files are kept in order; progress counts them; bytes-total is
    /// BG_SIZE_UNKNOWN once any size is unknown.
    #[test]
    fn add_files_in_order_and_progress() {
        let mut job = job(JobType::Download);
        job.add_file("http://a/1", "/1", LIMIT).unwrap();
        assert_eq!(
            job.progress(),
            Progress {
                bytes_total: u64::MAX,
                bytes_transferred: 0,
                files_total: 1,
                files_transferred: 0
            }
        );
        job.add_files(vec![file(2), file(3)], LIMIT).unwrap();
        let names: Vec<_> = job.files().map(|f| f.remote_name.as_str()).collect();
        assert_eq!(
            names,
            [
                "http://a/1",
                "https://example.com/2",
                "https://example.com/3"
            ]
        );
        assert_eq!(job.progress().files_total, 3);
        assert_eq!(job.progress().bytes_total, 18_446_744_073_709_551_615);
        assert_eq!(job.file_count(), 3);
    }

    /// §4: a bad entry anywhere refuses the whole set.
    #[test]
    fn add_file_set_is_all_or_nothing() {
        let mut job = job(JobType::Download);
        job.add_files(vec![file(0)], LIMIT).unwrap();
        for bad in [
            FileInfo::new("ftp://x/y", "/y"),
            FileInfo::new("http://x/y", "y"),
            FileInfo::new("http://x/y", "/y*"),
            FileInfo::new("http://x/y", format!("/{}", "a".repeat(260))),
        ] {
            let set = vec![file(1), file(2), bad];
            assert_eq!(job.add_files(set, LIMIT), Err(ErrorCode::InvalidArgument));
            assert_eq!(job.file_count(), 1, "nothing added");
        }
        // Too many for the limit: none added.
        assert_eq!(
            job.add_files(vec![file(1), file(2), file(3)], 3),
            Err(ErrorCode::TooManyFilesInJob)
        );
        assert_eq!(job.file_count(), 1);
        assert_eq!(job.add_files(vec![file(1), file(2)], 3), Ok(()));
        assert_eq!(job.file_count(), 3);
    }

    /// §4: max-files-per-job → too-many-files-in-job, exactly at it is fine.
    #[test]
    fn max_files_per_job() {
        let mut job = job(JobType::Download);
        for n in 0..5 {
            job.add_files(vec![file(n)], 5).unwrap();
        }
        assert_eq!(
            job.add_files(vec![file(5)], 5),
            Err(ErrorCode::TooManyFilesInJob)
        );
        assert_eq!(job.file_count(), 5);
        // §6: lowering the limit removes nothing, refuses new files; an empty
        // set adds no work and is fine.
        assert_eq!(
            job.add_files(vec![file(5)], 2),
            Err(ErrorCode::TooManyFilesInJob)
        );
        assert_eq!(job.add_files(Vec::new(), 2), Ok(()));
        assert_eq!(job.file_count(), 5);
        assert_eq!(job.add_files(vec![file(5)], 6), Ok(()));
    }

    /// §4: upload and upload-reply jobs hold exactly one file.
    #[test]
    fn upload_jobs_hold_one_file() {
        for job_type in [JobType::Upload, JobType::UploadReply] {
            let mut job = job(job_type);
            assert_eq!(
                job.add_files(vec![file(0), file(1)], LIMIT),
                Err(ErrorCode::TooManyFiles)
            );
            assert_eq!(job.file_count(), 0);
            assert_eq!(job.add_files(Vec::new(), LIMIT), Ok(()));
            assert_eq!(job.add_file("http://a/b", "/b", LIMIT), Ok(()));
            assert_eq!(
                job.add_file("http://a/c", "/c", LIMIT),
                Err(ErrorCode::TooManyFiles)
            );
            assert_eq!(
                job.add_files(vec![file(2)], LIMIT),
                Err(ErrorCode::TooManyFiles)
            );
            assert_eq!(job.add_files(Vec::new(), LIMIT), Ok(()));
            assert_eq!(job.file_count(), 1);
            // A bad name is reported before the file count.
            assert_eq!(
                job.add_file("gopher://a/c", "/c", LIMIT),
                Err(ErrorCode::InvalidArgument)
            );
        }
        // too-many-files comes before too-many-files-in-job.
        let mut job = job(JobType::Upload);
        job.add_file("http://a/b", "/b", 1).unwrap();
        assert_eq!(
            job.add_file("http://a/c", "/c", 1),
            Err(ErrorCode::TooManyFiles)
        );
        // The limit applies to uploads too.
        let mut job = self::job(JobType::Upload);
        assert_eq!(
            job.add_files(vec![file(0)], 0),
            Err(ErrorCode::TooManyFilesInJob)
        );
    }

    /// §5: check order — final state before argument validation.
    #[test]
    fn final_state_is_checked_before_arguments() {
        for state in [JobState::Acknowledged, JobState::Cancelled] {
            let mut job = in_state(JobType::Download, state);
            assert_eq!(
                job.set_display_name("x".repeat(300)),
                Err(ErrorCode::InvalidState)
            );
            assert_eq!(
                job.set_description("x".repeat(2000)),
                Err(ErrorCode::InvalidState)
            );
            assert_eq!(job.set_display_name("ok"), Err(ErrorCode::InvalidState));
            assert_eq!(job.set_description("ok"), Err(ErrorCode::InvalidState));
            assert_eq!(
                job.set_priority(JobPriority::High),
                Err(ErrorCode::InvalidState)
            );
            assert_eq!(
                job.add_file("bad", "bad", LIMIT),
                Err(ErrorCode::InvalidState)
            );
            assert_eq!(
                job.add_file("http://a/b", "/b", LIMIT),
                Err(ErrorCode::InvalidState)
            );
            assert_eq!(
                job.add_files(Vec::new(), LIMIT),
                Err(ErrorCode::InvalidState)
            );
            assert_eq!(job.suspend(), Err(ErrorCode::InvalidState));
            assert_eq!(job.resume(), Err(ErrorCode::InvalidState));
            assert_eq!(job.cancel(), Err(ErrorCode::InvalidState));
            assert_eq!(job.complete(), Err(ErrorCode::InvalidState));
            // Nothing changed: getters still report the final state.
            assert_eq!(job.state(), state);
            assert_eq!(job.display_name(), "name");
            assert_eq!(job.description(), "");
            assert_eq!(job.priority(), JobPriority::Normal);
            assert_eq!(job.file_count(), 1);
        }
    }

    /// §5 resume: no files still to transfer → empty, state unchanged.
    #[test]
    fn resume_without_files_is_empty() {
        let mut job = job(JobType::Download);
        assert_eq!(job.resume(), Err(ErrorCode::Empty));
        assert_eq!(job.state(), JobState::Suspended);
        // All files transferred: also empty, in every state that allows it.
        let mut job = in_state(JobType::Download, JobState::Transferred);
        assert_eq!(job.resume(), Err(ErrorCode::Empty));
        assert_eq!(job.state(), JobState::Transferred);
        job.suspend().unwrap();
        assert_eq!(job.resume(), Err(ErrorCode::Empty));
        assert_eq!(job.state(), JobState::Suspended);
    }

    /// §5: the whole table, for every state and every type.
    #[test]
    fn state_table() {
        use JobState::*;
        for job_type in ALL_TYPES {
            for from in ALL_STATES {
                let final_ = from.is_final();

                // resume
                let mut job = in_state(job_type, from);
                let expected = match from {
                    Acknowledged | Cancelled => Err(ErrorCode::InvalidState),
                    Transferred => Err(ErrorCode::Empty),
                    _ => Ok(()),
                };
                assert_eq!(job.resume(), expected, "resume from {from:?}");
                let after = match from {
                    Suspended | Error | TransientError => Queued,
                    other => other,
                };
                assert_eq!(job.state(), after, "resume from {from:?}");

                // suspend
                let mut job = in_state(job_type, from);
                if final_ {
                    assert_eq!(job.suspend(), Err(ErrorCode::InvalidState));
                    assert_eq!(job.state(), from);
                } else {
                    assert_eq!(job.suspend(), Ok(()), "suspend from {from:?}");
                    assert_eq!(job.state(), Suspended);
                }

                // cancel
                let mut job = in_state(job_type, from);
                if final_ {
                    assert_eq!(job.cancel(), Err(ErrorCode::InvalidState));
                    assert_eq!(job.state(), from);
                } else {
                    assert_eq!(job.cancel(), Ok(()), "cancel from {from:?}");
                    assert_eq!(job.state(), Cancelled);
                }

                // complete
                let mut job = in_state(job_type, from);
                let allowed = !final_ && (job_type == JobType::Download || from == Transferred);
                if allowed {
                    assert_eq!(job.complete(), Ok(()), "{job_type:?} from {from:?}");
                    assert_eq!(job.state(), Acknowledged);
                } else {
                    assert_eq!(
                        job.complete(),
                        Err(ErrorCode::InvalidState),
                        "{job_type:?} from {from:?}"
                    );
                    assert_eq!(job.state(), from);
                }

                // Property setters: allowed in every non-final state.
                let mut job = in_state(job_type, from);
                let expected = if final_ {
                    Err(ErrorCode::InvalidState)
                } else {
                    Ok(())
                };
                assert_eq!(job.set_display_name("n"), expected);
                assert_eq!(job.set_description("d"), expected);
                assert_eq!(job.set_priority(JobPriority::Low), expected);
                assert_eq!(job.state(), from, "setters never move the state");
            }
        }
    }

    /// Suspending an already suspended job is fine and changes nothing.
    #[test]
    fn suspend_twice() {
        let mut job = job(JobType::Download);
        assert_eq!(job.suspend(), Ok(()));
        assert_eq!(job.suspend(), Ok(()));
        assert_eq!(job.state(), JobState::Suspended);
    }

    /// Resume from an action state is ok and leaves it alone.
    #[test]
    fn resume_in_action_states_is_a_no_op() {
        for state in [
            JobState::Queued,
            JobState::Connecting,
            JobState::Transferring,
        ] {
            let mut job = in_state(JobType::Download, state);
            assert_eq!(job.resume(), Ok(()));
            assert_eq!(job.resume(), Ok(()));
            assert_eq!(job.state(), state);
        }
    }

    /// The transfer side: moves the BITS life cycle makes, and only those.
    #[test]
    fn transfer_side_transitions() {
        use JobState::*;
        for from in ALL_STATES {
            let mut job = in_state(JobType::Download, from);
            let ok = from == Queued;
            assert_eq!(job.connect().is_ok(), ok, "connect from {from:?}");
            assert_eq!(job.state(), if ok { Connecting } else { from });

            let mut job = in_state(JobType::Download, from);
            let ok = from == Connecting;
            assert_eq!(job.start_transfer().is_ok(), ok, "start from {from:?}");
            assert_eq!(job.state(), if ok { Transferring } else { from });

            let mut job = in_state(JobType::Download, from);
            let ok = matches!(from, Queued | Connecting | Transferring);
            assert_eq!(job.transient_error().is_ok(), ok, "{from:?}");
            assert_eq!(job.state(), if ok { TransientError } else { from });

            let mut job = in_state(JobType::Download, from);
            let ok = matches!(from, Queued | Connecting | Transferring | TransientError);
            assert_eq!(job.fatal_error().is_ok(), ok, "{from:?}");
            assert_eq!(job.state(), if ok { Error } else { from });

            let mut job = in_state(JobType::Download, from);
            let expected = match from {
                Transferring => Ok(()),
                _ => Err(ErrorCode::InvalidState),
            };
            assert_eq!(job.file_transferred(1), expected, "{from:?}");
        }
    }

    /// Progress follows the transfer; bytes-total becomes known once every
    /// size is.
    #[test]
    fn progress_through_a_transfer() {
        let mut job = job(JobType::Download);
        job.add_files(vec![file(0), file(1)], LIMIT).unwrap();
        job.resume().unwrap();
        job.connect().unwrap();
        job.start_transfer().unwrap();
        job.file_transferred(100).unwrap();
        assert_eq!(
            job.progress(),
            Progress {
                bytes_total: u64::MAX,
                bytes_transferred: 100,
                files_total: 2,
                files_transferred: 1
            }
        );
        assert_eq!(job.state(), JobState::Transferring);
        job.file_transferred(23).unwrap();
        assert_eq!(
            job.progress(),
            Progress {
                bytes_total: 123,
                bytes_transferred: 123,
                files_total: 2,
                files_transferred: 2
            }
        );
        assert_eq!(job.state(), JobState::Transferred);
        assert_eq!(job.file_transferred(1), Err(ErrorCode::InvalidState));

        // A new file makes the total unknown again and re-queues the job.
        job.add_file("http://a/2", "/2", LIMIT).unwrap();
        assert_eq!(job.state(), JobState::Queued);
        assert_eq!(
            job.progress(),
            Progress {
                bytes_total: u64::MAX,
                bytes_transferred: 123,
                files_total: 3,
                files_transferred: 2
            }
        );
        // Sizes saturate rather than overflow.
        job.connect().unwrap();
        job.start_transfer().unwrap();
        job.file_transferred(u64::MAX).unwrap();
        assert_eq!(job.progress().bytes_total, u64::MAX);
        assert_eq!(job.progress().bytes_transferred, u64::MAX);
        assert_eq!(job.state(), JobState::Transferred);
    }

    /// Resume from error and transient-error re-queues (the retry path).
    #[test]
    fn resume_after_errors() {
        for from in [JobState::Error, JobState::TransientError] {
            let mut job = in_state(JobType::Upload, from);
            assert_eq!(job.resume(), Ok(()));
            assert_eq!(job.state(), JobState::Queued);
            // An upload job still cannot complete until transferred.
            assert_eq!(job.complete(), Err(ErrorCode::InvalidState));
        }
    }
}
