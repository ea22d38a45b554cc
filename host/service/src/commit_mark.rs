//! The mark a `commit` leaves on the file it delivers, so that the same
//! `complete` made again knows whether the local file is its own.
//!
//! A commit renames each temporary file to its local name before the
//! call's changes are stored (contract §10); if the store then fails (a
//! lost connection, a crash), the job stays `transferred` and `complete`
//! is made again, finding the temporary file gone and the local file
//! there. That is success only if this very commit put the local file
//! there: an older copy at the local name, while the bytes sit on another
//! host's disk (hosts that do not share the file system of the local
//! names), must never be acknowledged, or the job leaves the queue and the
//! bytes are stranded. So before the rename the temporary file gets an
//! extended attribute naming its temporary name (`user.bitsq.commit`),
//! which the rename carries to the local name; a temporary name is
//! unique to its job and file (a hash of the job's GUID and the index, in
//! the local name's directory).
//!
//! Where the file system keeps no user attributes (or off Linux), nothing
//! is marked, and a `complete` made again after a lost answer fails
//! saying it cannot find the file, leaving the job `transferred` (the
//! bytes are at the local name: `cancel` then ends the job without
//! touching them). Refusing is the safe side: it never claims a file it
//! did not find.

use std::path::Path;

/// The attribute's name.
#[cfg(target_os = "linux")]
const NAME: &str = "user.bitsq.commit";

/// Marks `file` as the temporary file of `temporary` about to take its
/// local name. A file system that keeps no user attributes keeps no mark
/// (see above): the commit goes on.
pub(crate) fn mark(file: &Path, temporary: &Path) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let _ = rustix::fs::setxattr(
            file,
            NAME,
            temporary.as_os_str().as_bytes(),
            rustix::fs::XattrFlags::empty(),
        );
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, temporary);
}

/// Whether `local` is the file a commit of `temporary` delivered.
pub(crate) fn committed(local: &Path, temporary: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let want = temporary.as_os_str().as_bytes();
        let mut found = vec![0u8; want.len() + 1];
        match rustix::fs::getxattr(local, NAME, &mut found[..]) {
            Ok(length) => &found[..length] == want,
            Err(_) => false,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (local, temporary);
        false
    }
}
