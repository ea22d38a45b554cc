//! Where a queue's secrets live (contract §15.2): credentials and
//! write-only custom headers never reach the journal. The component gives
//! them to the host through `take-secret-ops`; the host keeps them here,
//! keyed by (job, slot), readable by the queue's owner only, and forgets a
//! job's when it stores the job's removal.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bits_queue_host::{AuthScheme, AuthTarget, CredentialSlot, Guid, Secret, SecretOp, SecretSlot};

use crate::error::StoreError;

/// A store of secrets keyed by (job, slot).
pub trait Secrets: Send + Sync {
    /// Carries out the ops, in order.
    fn apply(&self, ops: &[SecretOp]) -> Result<(), StoreError>;

    /// Forgets every secret of `job` (it left the queue).
    fn forget(&self, job: Guid) -> Result<(), StoreError>;

    /// The secret in `slot` of `job`, if one is kept.
    fn get(&self, job: Guid, slot: SecretSlot) -> Result<Option<Secret>, StoreError>;
}

/// A slot's name in a secrets file: `server-basic`, `custom-headers`, …
pub fn slot_name(slot: SecretSlot) -> String {
    match slot {
        SecretSlot::Credential(c) => format!("{}-{}", c.target.wit_name(), c.scheme.wit_name()),
        SecretSlot::CustomHeaders => "custom-headers".into(),
    }
}

pub(crate) fn slot_named(name: &str) -> Option<SecretSlot> {
    if name == "custom-headers" {
        return Some(SecretSlot::CustomHeaders);
    }
    let (target, scheme) = name.split_once('-')?;
    Some(SecretSlot::Credential(CredentialSlot {
        target: target.parse::<AuthTarget>().ok()?,
        scheme: scheme.parse::<AuthScheme>().ok()?,
    }))
}

/// Secrets in memory, for a queue in memory.
#[derive(Default)]
pub struct MemorySecrets(Mutex<HashMap<(Guid, SecretSlot), Secret>>);

impl Secrets for MemorySecrets {
    fn apply(&self, ops: &[SecretOp]) -> Result<(), StoreError> {
        let mut kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for op in ops {
            match op {
                SecretOp::Put(secret) => {
                    kept.insert((secret.job, secret.slot), secret.clone());
                }
                SecretOp::Delete(job, slot) => {
                    kept.remove(&(*job, *slot));
                }
            }
        }
        Ok(())
    }

    fn forget(&self, job: Guid) -> Result<(), StoreError> {
        let mut kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        kept.retain(|(id, _), _| *id != job);
        Ok(())
    }

    fn get(&self, job: Guid, slot: SecretSlot) -> Result<Option<Secret>, StoreError> {
        let kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        Ok(kept.get(&(job, slot)).cloned())
    }
}

/// Secrets in a directory beside a queue file (`QUEUE.secrets`, mode
/// 0700): one file per job (mode 0600), a line per slot holding the slot's
/// name, then the user name and the value in base64, tab-separated.
/// Written under the queue's write lock, each file replaced whole.
pub struct FileSecrets {
    directory: PathBuf,
}

impl FileSecrets {
    /// The secrets of the queue file `queue`.
    pub fn beside(queue: &Path) -> Self {
        FileSecrets {
            directory: beside_queue(queue, ".secrets"),
        }
    }

    fn file(&self, job: Guid) -> PathBuf {
        self.directory.join(job.to_string())
    }

    fn read(&self, job: Guid) -> Result<Vec<Secret>, StoreError> {
        let path = self.file(job);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&path, e)),
        };
        let unreadable = || StoreError::new(format!("{} cannot be read", path.display()));
        let field = |b64: &str| {
            STANDARD
                .decode(b64)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
        };
        text.lines()
            .map(|line| {
                let mut parts = line.split('\t');
                let (Some(slot), Some(user), Some(value), None) =
                    (parts.next(), parts.next(), parts.next(), parts.next())
                else {
                    return Err(unreadable());
                };
                Ok(Secret {
                    job,
                    slot: slot_named(slot).ok_or_else(unreadable)?,
                    user_name: field(user).ok_or_else(unreadable)?,
                    value: field(value).ok_or_else(unreadable)?,
                })
            })
            .collect()
    }

    fn write(&self, job: Guid, secrets: &[Secret]) -> Result<(), StoreError> {
        let path = self.file(job);
        if secrets.is_empty() {
            return match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(&path, e)),
                _ => Ok(()),
            };
        }
        owner_only_directory(&self.directory)?;
        let mut text = String::new();
        for s in secrets {
            text.push_str(&slot_name(s.slot));
            text.push('\t');
            text.push_str(&STANDARD.encode(&s.user_name));
            text.push('\t');
            text.push_str(&STANDARD.encode(&s.value));
            text.push('\n');
        }
        let temporary = path.with_extension("new");
        let mut file = owner_only_file(&temporary).map_err(|e| io(&temporary, e))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| io(&temporary, e))?;
        fs::rename(&temporary, &path).map_err(|e| io(&path, e))
    }
}

impl Secrets for FileSecrets {
    fn apply(&self, ops: &[SecretOp]) -> Result<(), StoreError> {
        let mut jobs: Vec<Guid> = Vec::new();
        for op in ops {
            let job = match op {
                SecretOp::Put(s) => s.job,
                SecretOp::Delete(job, _) => *job,
            };
            if !jobs.contains(&job) {
                jobs.push(job);
            }
        }
        for job in jobs {
            let mut kept = self.read(job)?;
            for op in ops {
                match op {
                    SecretOp::Put(s) if s.job == job => {
                        kept.retain(|k| k.slot != s.slot);
                        kept.push(s.clone());
                    }
                    SecretOp::Delete(id, slot) if *id == job => kept.retain(|k| k.slot != *slot),
                    _ => {}
                }
            }
            self.write(job, &kept)?;
        }
        Ok(())
    }

    fn forget(&self, job: Guid) -> Result<(), StoreError> {
        self.write(job, &[])
    }

    fn get(&self, job: Guid, slot: SecretSlot) -> Result<Option<Secret>, StoreError> {
        Ok(self.read(job)?.into_iter().find(|s| s.slot == slot))
    }
}

/// The directory `QUEUE` + `suffix` beside the queue file `queue`.
pub(crate) fn beside_queue(queue: &Path, suffix: &str) -> PathBuf {
    let mut directory = queue.as_os_str().to_owned();
    directory.push(suffix);
    directory.into()
}

pub(crate) fn io(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::new(format!("{}: {e}", path.display())).caused_by(e)
}

/// Creates `directory` readable by its owner only (0700 on Unix).
pub(crate) fn owner_only_directory(directory: &Path) -> Result<(), StoreError> {
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(directory) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(io(directory, e)),
        _ => Ok(()),
    }
}

/// Creates (truncating) `path` readable by its owner only (0600 on Unix).
pub(crate) fn owner_only_file(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}
