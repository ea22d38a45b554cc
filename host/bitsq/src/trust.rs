//! `--ca-file`: which certificate authorities the transfers of `bitsq
//! service`, `bitsq shell` and `bitsq transfer` trust (contract §15.5, a
//! host setting, never stored in the queue). The system's trust store, or
//! `SSL_CERT_FILE`/`SSL_CERT_DIR` instead of it as OpenSSL and curl read
//! them, plus each `--ca-file`; the CRLs of `--crl-file` (security flag
//! 0x0001, §15.4) and the client-certificate stores of
//! `--client-cert-dir` (§15.5).

use std::thread::JoinHandle;

use bits_queue_service::{Transports, Trust};

use crate::cli::TlsArgs;

/// The transports that trust the system's roots and `tls`'s files, or a
/// message naming the argument or variable that cannot be used.
pub fn transports(tls: &TlsArgs) -> Result<Transports, String> {
    let mut trust = Trust::system().map_err(|e| e.to_string())?;
    for file in &tls.ca_file {
        trust = trust
            .with_ca_file(file)
            .map_err(|e| format!("--ca-file {e}"))?;
    }
    for file in &tls.crl_file {
        trust = trust
            .with_crl_file(file)
            .map_err(|e| format!("--crl-file {e}"))?;
    }
    if let Some(dir) = &tls.client_cert_dir {
        trust = trust
            .with_client_cert_dir(dir)
            .map_err(|e| format!("--client-cert-dir {e}"))?;
    }
    Ok(Transports::trusting(trust))
}

/// [`transports`] being made on a thread of its own, started before the
/// component loads so that the two overlap.
pub struct Early(JoinHandle<Result<Transports, String>>);

/// Starts [`transports`] for `tls` on a thread of its own.
pub fn read_early(tls: TlsArgs) -> Early {
    Early(std::thread::spawn(move || transports(&tls)))
}

impl Early {
    /// What [`transports`] answered.
    pub fn take(self) -> Result<Transports, String> {
        self.0
            .join()
            .unwrap_or_else(|_| Err("reading the trusted certificate authorities failed".into()))
    }
}
