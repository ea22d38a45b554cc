//! Where a queue's pending Cancel-Sessions wait (contract §14.6): a
//! cancelled upload's open session is ended on its server with
//! Cancel-Session, tried again every `retry-delay` until `until`. The
//! component hands each one over once (`take-session-cancels`); the host
//! keeps it here until it ends, so a failed attempt, a one-shot `cancel`
//! or a service that stops leaves it for a later attempt rather than
//! forgetting it. Keyed by job: a job has at most one session.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bits_queue_host::{Datetime, Guid, HttpSettings, SessionCancel, UploadProtocol};

use crate::error::StoreError;
use crate::secrets::{beside_queue, io, owner_only_directory, owner_only_file};

/// A store of pending Cancel-Sessions, keyed by job.
pub trait Cancels: Send + Sync {
    /// Keeps `cancels` (replacing a job's earlier one).
    fn keep(&self, cancels: &[SessionCancel]) -> Result<(), StoreError>;

    /// Every pending cancel.
    fn pending(&self) -> Result<Vec<SessionCancel>, StoreError>;

    /// Forgets the cancel of `job` for `session_id` (it ended, or its time
    /// ran out); a newer one of the job stays.
    fn ended(&self, job: Guid, session_id: &str) -> Result<(), StoreError>;
}

/// Pending cancels in memory, for a queue in memory.
#[derive(Default)]
pub struct MemoryCancels(Mutex<HashMap<Guid, SessionCancel>>);

impl Cancels for MemoryCancels {
    fn keep(&self, cancels: &[SessionCancel]) -> Result<(), StoreError> {
        let mut kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for cancel in cancels {
            kept.insert(cancel.job, cancel.clone());
        }
        Ok(())
    }

    fn pending(&self) -> Result<Vec<SessionCancel>, StoreError> {
        let kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        Ok(kept.values().cloned().collect())
    }

    fn ended(&self, job: Guid, session_id: &str) -> Result<(), StoreError> {
        let mut kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if kept.get(&job).is_some_and(|c| c.session_id == session_id) {
            kept.remove(&job);
        }
        Ok(())
    }
}

/// Pending cancels in a directory beside a queue file (`QUEUE.cancels`,
/// mode 0700): one file per job (mode 0600) of one line, tab-separated:
/// the protocol, the job, the target URL, the session id and the custom
/// headers in base64, `until` in seconds and the retry delay. Only what
/// Cancel-Session sends is kept: secrets stay in the secret store.
pub struct FileCancels {
    directory: PathBuf,
}

impl FileCancels {
    /// The pending cancels of the queue file `queue`.
    pub fn beside(queue: &Path) -> Self {
        FileCancels {
            directory: beside_queue(queue, ".cancels"),
        }
    }

    fn file(&self, job: Guid) -> PathBuf {
        self.directory.join(job.to_string())
    }

    fn read(&self, path: &Path) -> Result<SessionCancel, StoreError> {
        let text = fs::read_to_string(path).map_err(|e| io(path, e))?;
        parse(text.trim_end())
            .ok_or_else(|| StoreError::new(format!("{} cannot be read", path.display())))
    }
}

impl Cancels for FileCancels {
    fn keep(&self, cancels: &[SessionCancel]) -> Result<(), StoreError> {
        if cancels.is_empty() {
            return Ok(());
        }
        owner_only_directory(&self.directory)?;
        for cancel in cancels {
            let path = self.file(cancel.job);
            let temporary = path.with_extension("new");
            let mut file = owner_only_file(&temporary).map_err(|e| io(&temporary, e))?;
            file.write_all(format!("{}\n", line(cancel)).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| io(&temporary, e))?;
            fs::rename(&temporary, &path).map_err(|e| io(&path, e))?;
        }
        Ok(())
    }

    fn pending(&self) -> Result<Vec<SessionCancel>, StoreError> {
        let entries = match fs::read_dir(&self.directory) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&self.directory, e)),
        };
        let mut cancels = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| io(&self.directory, e))?.path();
            // A file being written (`.new`) is not one yet.
            if path.extension().is_none() {
                cancels.push(self.read(&path)?);
            }
        }
        Ok(cancels)
    }

    fn ended(&self, job: Guid, session_id: &str) -> Result<(), StoreError> {
        let path = self.file(job);
        match self.read(&path) {
            Ok(cancel) if cancel.session_id == session_id => match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(&path, e)),
                _ => Ok(()),
            },
            // Gone already, or a newer session's.
            _ => Ok(()),
        }
    }
}

/// A cancel as its file's line.
fn line(cancel: &SessionCancel) -> String {
    let headers = cancel.http.custom_headers.as_deref().unwrap_or("");
    [
        cancel.protocol.wit_name().to_owned(),
        cancel.job.to_string(),
        STANDARD.encode(&cancel.target_url),
        STANDARD.encode(&cancel.session_id),
        STANDARD.encode(headers),
        cancel.until.seconds.to_string(),
        cancel.retry_delay.to_string(),
    ]
    .join("\t")
}

/// A file's line as a cancel, or `None` when it is not one.
fn parse(line: &str) -> Option<SessionCancel> {
    let text = |b64: &str| {
        STANDARD
            .decode(b64)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
    };
    let fields: Vec<&str> = line.split('\t').collect();
    let [protocol, job, url, session, headers, until, delay] = fields[..] else {
        return None;
    };
    let headers = text(headers)?;
    Some(SessionCancel {
        job: job.parse().ok()?,
        protocol: protocol.parse::<UploadProtocol>().ok()?,
        target_url: text(url)?,
        session_id: text(session)?,
        http: HttpSettings {
            custom_headers: (!headers.is_empty()).then_some(headers),
            ..HttpSettings::default()
        },
        until: Datetime::from_seconds(until.parse().ok()?),
        retry_delay: delay.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cancel(job: u8, session: &str) -> SessionCancel {
        SessionCancel {
            job: Guid::from_bytes([job; 16]),
            protocol: UploadProtocol::Bits,
            target_url: "http://127.0.0.1:1/up/a.bin".into(),
            session_id: session.into(),
            http: HttpSettings {
                custom_headers: Some("X-A: 1\nX-B: 2".into()),
                ..HttpSettings::default()
            },
            until: Datetime::from_seconds(1_800_000_600),
            retry_delay: 30,
        }
    }

    #[test]
    fn a_file_keeps_a_cancel_until_its_session_ended() {
        let dir = std::env::temp_dir().join(format!("bitsq-cancels-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let cancels = FileCancels::beside(&dir.join("queue.db"));
        assert_eq!(cancels.pending().unwrap(), vec![]);
        cancels
            .keep(&[cancel(1, "{s1}"), cancel(2, "{s2}")])
            .unwrap();
        let mut pending = cancels.pending().unwrap();
        pending.sort_by_key(|c| c.session_id.clone());
        assert_eq!(pending, vec![cancel(1, "{s1}"), cancel(2, "{s2}")]);
        // Another session's end leaves it; its own ends it.
        cancels.ended(Guid::from_bytes([1; 16]), "{other}").unwrap();
        assert_eq!(cancels.pending().unwrap().len(), 2);
        cancels.ended(Guid::from_bytes([1; 16]), "{s1}").unwrap();
        assert_eq!(cancels.pending().unwrap(), vec![cancel(2, "{s2}")]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
