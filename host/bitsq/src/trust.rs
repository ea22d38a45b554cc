//! `--ca-file`: which certificate authorities the transfers of `bitsq
//! service`, `bitsq shell` and `bitsq transfer` trust (contract §15.5, a
//! host setting, never stored in the queue). The system's trust store, or
//! `SSL_CERT_FILE`/`SSL_CERT_DIR` instead of it as OpenSSL and curl read
//! them, plus each `--ca-file`.

use std::path::PathBuf;

use bits_queue_service::{Transports, Trust};

/// The transports that trust the system's roots and `ca_files`, or a
/// message naming the argument or variable that cannot be used.
pub fn transports(ca_files: &[PathBuf]) -> Result<Transports, String> {
    let mut trust = Trust::system().map_err(|e| e.to_string())?;
    for file in ca_files {
        trust = trust
            .with_ca_file(file)
            .map_err(|e| format!("--ca-file {e}"))?;
    }
    Ok(Transports::trusting(trust))
}
