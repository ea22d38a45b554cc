//! A PostgreSQL server that takes TCP connections over TLS only, for the
//! TLS tests: a throw-away cluster of this process's own (never the shared
//! one `BITSQ_TEST_POSTGRES` names, whose settings CI does not change),
//! with a certificate for `localhost` and `127.0.0.1` signed by a CA made
//! for the process.

use std::path::PathBuf;
use std::sync::OnceLock;

use super::cluster;
use crate::tls_server::TestCa;

/// The TLS-only server and the CA files a client may trust.
pub struct TlsServer {
    /// `postgres://postgres@127.0.0.1:PORT/postgres`, no TLS parameter.
    pub url: String,
    /// The CA that signed the server's certificate, in PEM.
    pub ca_file: PathBuf,
    /// Another CA, which signed nothing the server shows.
    pub other_ca_file: PathBuf,
}

/// The process's TLS-only server, started once; `None` when PostgreSQL's
/// server programs are not installed (outside CI: under CI they are, as
/// `.ci/postgres.sh` installs them, and their absence fails the test).
pub fn server() -> Option<&'static TlsServer> {
    static SERVER: OnceLock<Option<TlsServer>> = OnceLock::new();
    SERVER.get_or_init(start).as_ref()
}

fn start() -> Option<TlsServer> {
    let Some(bin) = cluster::server_programs() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "no PostgreSQL server programs under CI for the TLS tests"
        );
        return None;
    };
    let ca = TestCa::new();
    let identity = ca.server(&["localhost", "127.0.0.1"]);
    let (chain_pem, key_pem) = identity.pem_parts();
    // Held by a static (through SERVER): its watchdog ends it with the
    // process.
    static CLUSTER: OnceLock<cluster::Cluster> = OnceLock::new();
    let cluster = CLUSTER
        .get_or_init(|| cluster::start_with(&bin, Some(cluster::ServerTls { chain_pem, key_pem })));
    let dir = crate::scratch_dir("postgres-tls");
    let ca_file = dir.join("ca.pem");
    let other_ca_file = dir.join("other-ca.pem");
    std::fs::write(&ca_file, ca.pem()).expect("the CA file");
    std::fs::write(&other_ca_file, TestCa::new().pem()).expect("the other CA file");
    Some(TlsServer {
        url: cluster.admin_url.clone(),
        ca_file,
        other_ca_file,
    })
}
