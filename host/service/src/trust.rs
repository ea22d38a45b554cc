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
//!
//! Two more host settings live here because only TLS reads them: the CRL
//! files a job's revocation check uses (`--crl-file`, §15.4), and the
//! directory of client-certificate stores (`--client-cert-dir`, §15.5,
//! client_certs.rs).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, TrustAnchor};
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use webpki::{CertRevocationList, OwnedCertRevocationList};

/// The environment variables that replace the system's roots.
const TRUST_VARIABLES: [&str; 2] = ["SSL_CERT_FILE", "SSL_CERT_DIR"];

/// The certificate authorities a transport trusts.
#[derive(Clone, Debug)]
pub struct Trust {
    roots: Arc<Vec<Certificate<'static>>>,
    /// Each CRL's DER, checked when it was added.
    crls: Arc<Vec<Vec<u8>>>,
    client_cert_dir: Option<PathBuf>,
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
    /// A CRL file holds no usable certificate revocation list.
    #[error("{}: {why}", path.display())]
    NotRevocationLists {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// The client-certificate directory is not a directory.
    #[error("{}: not a directory of certificate stores: {why}", path.display())]
    NotCertificateStores {
        /// The directory.
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
        Ok(Trust::of(roots))
    }

    /// `roots`, and neither CRLs nor client certificates.
    fn of(roots: Vec<Certificate<'static>>) -> Trust {
        Trust {
            roots: Arc::new(roots),
            crls: Arc::new(Vec::new()),
            client_cert_dir: None,
        }
    }

    /// The system's roots if they can be read, else none: every HTTPS
    /// server is then refused as signed by an unknown authority, which is
    /// what the transfers report.
    pub fn system_or_none() -> Trust {
        Trust::system().unwrap_or_else(|_| Trust::none())
    }

    /// No root at all (tests, and a host that trusts only its CA files).
    pub fn none() -> Trust {
        Trust::of(Vec::new())
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
            ..self
        })
    }

    /// These settings and the certificate revocation lists in the PEM file
    /// at `path` (`-----BEGIN X509 CRL-----`), which a job's revocation
    /// check (security flag 0x1) reads. The file must hold at least one,
    /// each well-formed; anything else is an error that names the file.
    pub fn with_crl_file(self, path: &Path) -> Result<Trust, TrustError> {
        let pem = std::fs::read(path).map_err(|source| TrustError::Unreadable {
            path: path.to_owned(),
            source,
        })?;
        let bad = |why: String| TrustError::NotRevocationLists {
            path: path.to_owned(),
            why,
        };
        let mut added = Vec::new();
        for (n, der) in CertificateRevocationListDer::pem_slice_iter(&pem).enumerate() {
            let der = der.map_err(|e| bad(format!("list {} is not valid PEM: {e}", n + 1)))?;
            OwnedCertRevocationList::from_der(&der)
                .map_err(|e| bad(format!("list {} is not a revocation list: {e}", n + 1)))?;
            added.push(der.to_vec());
        }
        if added.is_empty() {
            return Err(bad(
                "holds no PEM revocation list (-----BEGIN X509 CRL-----)".into(),
            ));
        }
        let mut crls = (*self.crls).clone();
        crls.extend(added);
        Ok(Trust {
            crls: Arc::new(crls),
            ..self
        })
    }

    /// These settings with `dir` as the directory of client-certificate
    /// stores (client_certs.rs). It must be a directory that can be read.
    pub fn with_client_cert_dir(self, dir: &Path) -> Result<Trust, TrustError> {
        std::fs::read_dir(dir).map_err(|e| TrustError::NotCertificateStores {
            path: dir.to_owned(),
            why: e.to_string(),
        })?;
        Ok(Trust {
            client_cert_dir: Some(dir.to_owned()),
            ..self
        })
    }

    /// The directory of client-certificate stores, if the host has one.
    pub(crate) fn client_cert_dir(&self) -> Option<&Path> {
        self.client_cert_dir.as_deref()
    }

    /// The roots as webpki's trust anchors (those it cannot read are left
    /// out, as rustls leaves them out of its own root store).
    pub(crate) fn anchors(&self) -> Arc<Vec<TrustAnchor<'static>>> {
        let anchors = self
            .roots
            .iter()
            .filter_map(|root| {
                let der = CertificateDer::from(root.der());
                webpki::anchor_from_trusted_cert(&der)
                    .ok()
                    .map(|anchor| anchor.to_owned())
            })
            .collect();
        Arc::new(anchors)
    }

    /// The CRLs the host was given.
    pub(crate) fn crls(&self) -> Arc<Vec<CertRevocationList<'static>>> {
        let lists = self
            .crls
            .iter()
            .filter_map(|der| OwnedCertRevocationList::from_der(der).ok())
            .map(CertRevocationList::from)
            .collect();
        Arc::new(lists)
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
