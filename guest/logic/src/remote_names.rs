//! Changing a file's remote name after it was added (contract §16.5):
//! `set-remote-name` for one file, `replace-remote-prefix` for all. The
//! file keeps its offset, size and validator, so the next attempt asks the
//! new URL with `If-Range` and §10 decides whether the file starts over.

use alloc::string::String;
use alloc::vec::Vec;

use bits_queue_contract::{CallError, JobState, JobType};

use crate::job::Job;
use crate::validate;

/// Whether `url` may be a file's remote name: §4's rules and §15.3's (no
/// user information, a server part a request can go to); a ranged file's
/// only `http` or `https` (§16.4).
pub(crate) fn acceptable(url: &str, ranged: bool) -> bool {
    validate::is_remote_name(url)
        && !validate::has_userinfo(url)
        && !validate::has_bad_authority(url)
        && (!ranged || crate::ranges::is_http_name(url))
}

impl Job {
    /// `set-remote-name`: download jobs only, any state that is not final,
    /// a completed file too (it is not fetched again). A name §4 or §15.3
    /// refuses (over 2,200 UTF-16 units among them, as for `add-file` and
    /// in Windows), or an index that names no file, is `invalid-argument`.
    pub(crate) fn set_remote_name(&mut self, index: u32, url: &str) -> Result<(), CallError> {
        self.check_rename()?;
        let index = usize::try_from(index)
            .ok()
            .filter(|&i| i < self.files.len())
            .ok_or(CallError::InvalidArgument)?;
        if !acceptable(url, self.files[index].is_ranged()) {
            return Err(CallError::InvalidArgument);
        }
        let in_flight = self.in_flight_file() == Some(index);
        self.files[index].info.remote_name = String::from(url);
        // A client named it: its credentials and headers apply again
        // (contract §15.4, redirects.rs).
        self.files[index].foreign_origin = false;
        if in_flight {
            self.requeue_renamed();
        }
        Ok(())
    }

    /// `replace-remote-prefix`: download jobs only; an empty `old` is
    /// `invalid-argument`. Every remote name that starts with `old` (bytes
    /// compared, case kept) has it replaced by `new`; if any new name would
    /// be refused, none changes (`invalid-argument`). Whether any matched.
    pub(crate) fn replace_remote_prefix(
        &mut self,
        old: &str,
        new: &str,
    ) -> Result<bool, CallError> {
        self.check_rename()?;
        if old.is_empty() {
            return Err(CallError::InvalidArgument);
        }
        let renamed: Vec<(usize, String)> = self
            .files
            .iter()
            .enumerate()
            .filter_map(|(index, file)| {
                let rest = file.info.remote_name.strip_prefix(old)?;
                let mut name = String::with_capacity(new.len() + rest.len());
                name.push_str(new);
                name.push_str(rest);
                Some((index, name))
            })
            .collect();
        if renamed
            .iter()
            .any(|(index, name)| !acceptable(name, self.files[*index].is_ranged()))
        {
            return Err(CallError::InvalidArgument);
        }
        let in_flight = self.in_flight_file();
        let mut moved = false;
        let matched = !renamed.is_empty();
        for (index, name) in renamed {
            moved |= in_flight == Some(index);
            self.files[index].info.remote_name = name;
            self.files[index].foreign_origin = false;
        }
        if moved {
            self.requeue_renamed();
        }
        Ok(matched)
    }

    /// The checks both calls share: not final, a download job.
    fn check_rename(&self) -> Result<(), CallError> {
        self.check_not_final()?;
        if self.job_type != JobType::Download {
            return Err(CallError::NotImplemented);
        }
        Ok(())
    }

    /// The file in flight was renamed: the job is `queued` again at once,
    /// its progress kept, and the next `poll` stops the old transfer.
    fn requeue_renamed(&mut self) {
        self.state = JobState::Queued;
    }
}
