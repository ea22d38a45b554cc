//! Which certificate authorities the HTTPS transport trusts (contract
//! §15.5): a host setting, never journaled, because trust anchors are
//! deployment policy.
//!
//! The roots are the system's trust store, found as OpenSSL finds it
//! (Debian's `/etc/ssl/certs`), or, when `SSL_CERT_FILE` or `SSL_CERT_DIR`
//! is set, the certificates those name instead of the system's (as
//! OpenSSL and curl replace their defaults with them); plus any extra CA
//! files the host is given (`bitsq --ca-file`). `rustls-native-certs`
//! finds and reads the store; `rustls-pki-types` parses the PEM.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use ureq::tls::{Certificate, RootCerts, TlsConfig};

/// The environment variables that replace the system's roots.
const TRUST_VARIABLES: [&str; 2] = ["SSL_CERT_FILE", "SSL_CERT_DIR"];

/// The certificate authorities a transport trusts.
#[derive(Clone, Debug)]
pub struct Trust {
    roots: Arc<Vec<Certificate<'static>>>,
}

/// Why the trusted roots could not be loaded: each names the file or
/// variable at fault.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// The system store, or what `SSL_CERT_FILE`/`SSL_CERT_DIR` names,
    /// could not be read.
    #[error("cannot read the trusted certificates{}: {why}", from_env())]
    System {
        /// What went wrong, file by file.
        why: String,
    },
    /// An extra CA file could not be read.
    #[error("{}: cannot read it: {source}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
    /// An extra CA file holds no usable CA certificate.
    #[error("{}: {why}", path.display())]
    NotCertificates {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
}

/// " (SSL_CERT_FILE=…)" for the variables that are set, so an error says
/// where the certificates were looked for.
fn from_env() -> String {
    let set: Vec<String> = TRUST_VARIABLES
        .iter()
        .filter_map(|name| {
            std::env::var_os(name).map(|value| format!("{name}={}", value.to_string_lossy()))
        })
        .collect();
    if set.is_empty() {
        String::new()
    } else {
        format!(" ({})", set.join(", "))
    }
}

impl Trust {
    /// The system's roots, or those `SSL_CERT_FILE` and `SSL_CERT_DIR`
    /// name when either is set. A store that cannot be read at all is an
    /// error; so is any unreadable file the variables name, since the
    /// user asked for exactly those.
    pub fn system() -> Result<Trust, TrustError> {
        let loaded = rustls_native_certs::load_native_certs();
        let explicit = TRUST_VARIABLES
            .iter()
            .any(|name| std::env::var_os(name).is_some());
        if !loaded.errors.is_empty() && (explicit || loaded.certs.is_empty()) {
            let why = loaded
                .errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            return Err(TrustError::System { why });
        }
        let roots = loaded
            .certs
            .iter()
            .map(|der| Certificate::from_der(der).to_owned())
            .collect();
        Ok(Trust {
            roots: Arc::new(roots),
        })
    }

    /// The system's roots if they can be read, else none: every HTTPS
    /// server is then refused as signed by an unknown authority, which is
    /// what the transfers report.
    pub fn system_or_none() -> Trust {
        Trust::system().unwrap_or_else(|_| Trust::none())
    }

    /// No root at all (tests, and a host that trusts only its CA files).
    pub fn none() -> Trust {
        Trust {
            roots: Arc::new(Vec::new()),
        }
    }

    /// These roots and the CA certificates in the PEM file at `path`. The
    /// file must hold at least one certificate, and each must be usable as
    /// a trust anchor; anything else is an error that names the file.
    pub fn with_ca_file(self, path: &Path) -> Result<Trust, TrustError> {
        let pem = std::fs::read(path).map_err(|source| TrustError::Unreadable {
            path: path.to_owned(),
            source,
        })?;
        let not_certificates = |why: String| TrustError::NotCertificates {
            path: path.to_owned(),
            why,
        };
        let mut added = Vec::new();
        for (n, der) in CertificateDer::pem_slice_iter(&pem).enumerate() {
            let der = der.map_err(|e| {
                not_certificates(format!("certificate {} is not valid PEM: {e}", n + 1))
            })?;
            // The check rustls makes of a root, made now so a bad file is
            // refused at start rather than skipped without a word.
            let mut check = rustls::RootCertStore::empty();
            check.add(der.clone()).map_err(|e| {
                not_certificates(format!(
                    "certificate {} cannot be a trusted root: {}",
                    n + 1,
                    crate::tls_failure::rustls_words(&e)
                ))
            })?;
            added.push(Certificate::from_der(&der).to_owned());
        }
        if added.is_empty() {
            return Err(not_certificates(
                "holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
            ));
        }
        let mut roots = (*self.roots).clone();
        roots.extend(added);
        Ok(Trust {
            roots: Arc::new(roots),
        })
    }

    /// How many roots it holds.
    pub fn len(&self) -> usize {
        self.roots.len()
    }

    /// Whether it holds no root.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// ureq's TLS settings for these roots.
    pub(crate) fn tls_config(&self) -> TlsConfig {
        TlsConfig::builder()
            .root_certs(RootCerts::Specific(self.roots.clone()))
            .build()
    }
}
