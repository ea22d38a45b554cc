//! `file://` downloads: copying a local file, resumed at the offset, its
//! size and modification time standing in for HTTP's Content-Length and
//! validator.

use std::fs::{File, Metadata};
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::UNIX_EPOCH;

use bits_queue_host::{TransferFailure, TransferOrder};

use crate::transport::{Context, Outcome, Sink, TempFile, Transport, has_scheme};

/// `file://` URLs on this machine (`file:///path` or `file://localhost/path`).
#[derive(Clone, Copy, Debug, Default)]
pub struct FileTransport;

impl FileTransport {
    fn transfer(
        &self,
        order: &TransferOrder,
        context: &Context,
        sink: &mut Sink,
    ) -> Result<(), Outcome> {
        if !context.auth.ranges().is_empty() {
            // Only `http` and `https` files take ranges (contract §16.4);
            // a detail this transport cannot honour is never ignored.
            return Err(TransferFailure::Unsupported("file ranges of a file:// URL".into()).into());
        }
        let path = local_path(&order.remote_name)?;
        // Missing and not allowed read the same: nothing outside the
        // allowed directories can be probed.
        let path = context
            .confinement
            .check_read(&path)
            .ok_or(TransferFailure::RemoteMissing)?;
        let mut source = File::open(&path).map_err(|_| TransferFailure::RemoteMissing)?;
        let meta = source
            .metadata()
            .map_err(|_| TransferFailure::RemoteMissing)?;
        if !meta.is_file() {
            return Err(TransferFailure::RemoteMissing.into());
        }
        let validator = modified(&meta);
        let size = meta.len();
        let mut temp = TempFile::open(order, &context.confinement)?;
        // The copy is no more readable than its source (issue 21 case 14:
        // a 0640 file does not arrive 0644), nor than the umask let the
        // temporary file be made.
        temp.narrow_mode(&meta)?;
        let offset = sink.connected_holding(Some(size), validator.clone(), temp.held())?;
        source
            .seek(SeekFrom::Start(offset))
            .map_err(|e| TransferFailure::Interrupted(e.to_string()))?;
        temp.restart_at(offset)?;
        // Never more than the size reported: the component refuses a count
        // above it. A source that grows, shrinks or is rewritten while it
        // is copied ends this attempt (contract §10, "a source that
        // changes"): the retry reports its new size and time, and the
        // component starts the file again from 0.
        let remaining = size.saturating_sub(offset);
        let written = offset + temp.copy_from(&mut (&mut source).take(remaining), sink)?;
        let grew = source
            .read(&mut [0u8; 1])
            .map_err(|e| TransferFailure::Interrupted(e.to_string()))?
            > 0;
        let now = source.metadata().ok();
        let rewritten = now.as_ref().map(modified) != Some(validator);
        if written != size || grew || rewritten {
            let now = now.map_or(String::from("unknown"), |m| m.len().to_string());
            return Err(TransferFailure::Interrupted(format!(
                "{} changed while it was copied (it held {size} bytes, now {now})",
                path.display()
            ))
            .into());
        }
        temp.sync()?;
        Ok(())
    }
}

impl Transport for FileTransport {
    fn serves(&self, url: &str) -> bool {
        has_scheme(url, "file")
    }

    fn run(&self, order: &TransferOrder, context: &Context, sink: &mut Sink) -> Outcome {
        match self.transfer(order, context, sink) {
            Ok(()) => Outcome::Done,
            Err(outcome) => outcome,
        }
    }
}

/// A file's modification time, the validator of a `file://` source.
fn modified(meta: &Metadata) -> Option<String> {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|t| format!("mtime {}.{:09}", t.as_secs(), t.subsec_nanos()))
}

/// The path a `file://` URL names, percent-decoded. A host other than
/// `localhost` (a network share) is not supported here.
fn local_path(url: &str) -> Result<PathBuf, TransferFailure> {
    let rest = &url["file://".len()..];
    let path = match rest.find('/') {
        Some(0) => rest,
        Some(at) if rest[..at].eq_ignore_ascii_case("localhost") => &rest[at..],
        _ => {
            return Err(TransferFailure::Unsupported(format!(
                "{url}: file URLs with a host other than localhost"
            )));
        }
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let bytes = percent_decode(path)
        .ok_or_else(|| TransferFailure::Unsupported(format!("{url}: bad percent-encoding")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| TransferFailure::Unsupported(format!("{url}: not UTF-8 once decoded")))?;
    Ok(PathBuf::from(text))
}

fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next()?, bytes.next()?];
            out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            out.push(b);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_name_local_paths() {
        assert_eq!(
            local_path("file:///tmp/a%20b").unwrap(),
            PathBuf::from("/tmp/a b")
        );
        assert_eq!(
            local_path("FILE://localhost/x").unwrap(),
            PathBuf::from("/x")
        );
        assert_eq!(local_path("file:///x?y#z").unwrap(), PathBuf::from("/x"));
        assert!(matches!(
            local_path("file://server/share/x"),
            Err(TransferFailure::Unsupported(_))
        ));
        assert!(local_path("file:///bad%zz").is_err());
    }
}
