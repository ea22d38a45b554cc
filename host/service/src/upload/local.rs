//! The local file of an upload: read only where the service may read
//! (`--allow-read`, as `file://` sources), and watched for changes: its
//! size and modification time are compared before each fragment
//! (contract §14.2, §14.3 item 1).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use bits_queue_host::{FailureDetail, TransferFailure};

use crate::confine::Confinement;
use crate::transport::{Outcome, local_io};

/// What the component is told of the file, and what must not change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Snapshot {
    pub(super) size: u64,
    /// `mtime:` and the modification time in nanoseconds since the epoch.
    pub(super) validator: String,
}

/// The open local file.
pub(super) struct LocalFile {
    path: PathBuf,
    file: File,
}

impl LocalFile {
    /// Opens `name` if the confinement lets it be read. A file that may
    /// not be read is reported as missing, like a `file://` source, so
    /// nothing outside the allowed directories can be probed.
    pub(super) fn open(name: &str, confinement: &Confinement) -> Result<LocalFile, Outcome> {
        let Some(path) = confinement.check_read(Path::new(name)) else {
            return Err(TransferFailure::LocalIo(format!(
                "{name} does not exist or may not be read by this service"
            ))
            .into());
        };
        let file = File::open(&path).map_err(|e| local_io(&path, &e))?;
        Ok(LocalFile { path, file })
    }

    /// The file's size and validator now.
    pub(super) fn snapshot(&self) -> Result<Snapshot, Outcome> {
        let meta = std::fs::metadata(&self.path).map_err(|e| local_io(&self.path, &e))?;
        let nanos = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        Ok(Snapshot {
            size: meta.len(),
            validator: format!("mtime:{nanos}"),
        })
    }

    /// Fails with `local-file-changed` unless the file is still as `was`.
    pub(super) fn unchanged(&self, was: &Snapshot) -> Result<(), Outcome> {
        if self.snapshot()? == *was {
            Ok(())
        } else {
            Err(Outcome::FailedDetail(FailureDetail::LocalFileChanged))
        }
    }

    /// `count` bytes from `offset`.
    pub(super) fn read_at(&mut self, offset: u64, count: u64) -> Result<Vec<u8>, Outcome> {
        let mut bytes = vec![0; usize::try_from(count).unwrap_or(usize::MAX)];
        self.file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.file.read_exact(&mut bytes))
            .map_err(|e| local_io(&self.path, &e))?;
        Ok(bytes)
    }
}
