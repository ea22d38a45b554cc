//! Where a Linux host keeps the client certificates jobs name (contract
//! §15.5). Windows names a certificate by a store (`MY`…) and a SHA-1
//! thumbprint or a subject; here a store is a directory of PEM files:
//!
//! ```text
//! DIR/                 the host's --client-cert-dir
//!   MY/                a store: its name matched without regard to case
//!     ann.pem          a certificate, its chain after it, and its key
//! ```
//!
//! Each `.pem` file holds the client certificate first, then any
//! intermediates, and its private key (PKCS#8, PKCS#1 or SEC1). A SHA-1
//! reference matches the certificate whose DER hashes to it (Windows'
//! thumbprint); a subject matches, without regard to case, within the
//! certificate's RFC 4514 subject. Files are tried in name order; the
//! first that matches and is valid for client authentication now (an
//! extended key usage, if any, naming it) is used. The key is read at
//! each start and given to rustls only: it is never printed, journaled
//! or kept by the service.

use std::path::{Path, PathBuf};

use bits_queue_host::{CertificateId, ClientCertificate};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// A certificate found for a job: its chain and key, for rustls.
pub(crate) struct ClientIdentity {
    pub(crate) chain: Vec<CertificateDer<'static>>,
    pub(crate) key: PrivateKeyDer<'static>,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("ClientIdentity")
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

/// The reference as words: the store and the thumbprint in hex or the
/// subject.
pub(crate) fn describe(cert: &ClientCertificate) -> String {
    match &cert.id {
        CertificateId::Sha1(hash) => {
            let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
            format!("store {} thumbprint {hex}", cert.store)
        }
        CertificateId::Subject(subject) => format!("store {} subject {subject:?}", cert.store),
    }
}

/// The certificate `cert` names in the stores under `dir`, or why there is
/// none (the words of a `client-certificate-missing`).
pub(crate) fn resolve(
    dir: Option<&Path>,
    cert: &ClientCertificate,
) -> Result<ClientIdentity, String> {
    let missing = |why: &str| format!("the client certificate ({}) {why}", describe(cert));
    let Some(dir) = dir else {
        return Err(missing(
            "cannot be found: this host has no certificate stores (bitsq --client-cert-dir)",
        ));
    };
    let store = find_store(dir, &cert.store).ok_or_else(|| {
        missing(&format!(
            "cannot be found: {} has no store {}",
            dir.display(),
            cert.store
        ))
    })?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&store)
        .map_err(|e| missing(&format!("cannot be read from {}: {e}", store.display())))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "pem"))
        .collect();
    files.sort();
    files
        .iter()
        .find_map(|path| identity(path).filter(|found| matches(found, &cert.id)))
        .ok_or_else(|| {
            missing(&format!(
                "is not in {} (or not valid for client authentication now)",
                store.display()
            ))
        })
}

/// The store directory named `name`, compared without regard to case.
fn find_store(dir: &Path, name: &str) -> Option<PathBuf> {
    let mut stores: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().is_dir())
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .eq_ignore_ascii_case(name)
        })
        .map(|entry| entry.path())
        .collect();
    stores.sort();
    stores.into_iter().next()
}

/// A file's certificate chain and key, if it holds both and its
/// certificate may authenticate a client now.
fn identity(path: &Path) -> Option<ClientIdentity> {
    let pem = std::fs::read(path).ok()?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .ok()?;
    let key = PrivateKeyDer::from_pem_slice(&pem).ok()?;
    let fields = crate::cert_fields::read(chain.first()?)?;
    (fields.for_clients && fields.current).then_some(ClientIdentity { chain, key })
}

/// Whether `found`'s certificate is the one `id` names.
fn matches(found: &ClientIdentity, id: &CertificateId) -> bool {
    let leaf = &found.chain[0];
    match id {
        CertificateId::Sha1(hash) => {
            ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, leaf).as_ref()
                == hash.as_slice()
        }
        CertificateId::Subject(wanted) => crate::cert_fields::read(leaf)
            .is_some_and(|f| f.subject.to_lowercase().contains(&wanted.to_lowercase())),
    }
}
