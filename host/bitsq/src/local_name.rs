//! What bitsq refuses as a LOCAL name before the queue sees it. The
//! queue's rules (contract §4) are about the text of the name; these are
//! about what the name points at now: a download ends as a regular file at
//! its local name, so a name that is a directory (or can only be one) or a
//! special file (a device, a FIFO, a socket) could never take it, and
//! would lose the bytes at `complete` or replace the special file.

use std::fs;

/// Why `local` cannot be a download's local name, if it cannot.
pub fn refusal(local: &str) -> Option<String> {
    if local.ends_with('/') || local.ends_with('\\') {
        return Some(format!(
            "LOCAL `{local}` ends in a path separator: it must name a file, not a directory"
        ));
    }
    // Followed through symbolic links: the file a rename would replace.
    let meta = fs::metadata(local).ok()?;
    if meta.is_dir() {
        return Some(format!(
            "LOCAL `{local}` is an existing directory: name a file inside it"
        ));
    }
    if !meta.is_file() {
        return Some(format!(
            "LOCAL `{local}` is a special file (a device, FIFO or socket), which a download never replaces"
        ));
    }
    None
}

/// Why `local` is bitsadmin's job type flag in the place of a LOCAL name
/// (`bitsadmin /transfer NAME /download URL FILE` typed as `bitsq transfer
/// NAME /download URL FILE`), if it is: said with the order bitsq takes,
/// rather than refusing `NAME` as a remote name without a word.
pub fn bitsadmin_order(local: &str) -> Option<String> {
    ["/download", "/upload", "/upload-reply"]
        .iter()
        .any(|flag| local.eq_ignore_ascii_case(flag))
        .then(|| {
            format!(
                "LOCAL `{local}` is bitsadmin's job type, in bitsadmin's order (transfer NAME \
                 /download URL FILE); bitsq takes `transfer --name NAME URL FILE` (with --upload \
                 for an upload)"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::{bitsadmin_order, refusal};

    #[test]
    fn bitsadmins_order_is_recognised() {
        assert!(
            bitsadmin_order("/download")
                .unwrap()
                .contains("--name NAME")
        );
        assert!(bitsadmin_order("/UPLOAD").is_some());
        assert!(bitsadmin_order("/tmp/download").is_none());
    }

    #[test]
    fn directories_separators_and_special_files_are_refused() {
        assert!(refusal("/tmp/").is_some());
        assert!(refusal("C:\\dir\\").is_some());
        assert!(refusal("/tmp").unwrap().contains("directory"));
        assert!(refusal("/dev/null").unwrap().contains("special"));
        assert!(refusal("/nonexistent/bitsq/file").is_none());
    }
}
