//! TLS to the server, as libpq's `sslmode` and `sslrootcert` say (URL
//! parameters, else `PGSSLMODE` and `PGSSLROOTCERT`), over rustls:
//!
//! | `sslmode` | encrypted | the server's certificate |
//! |---|---|---|
//! | `disable` | never | — |
//! | `prefer` (default) | when the server offers it | not checked |
//! | `require` | always | not checked; with `sslrootcert` given, its chain is (as libpq) |
//! | `verify-ca` | always | signed by a trusted root |
//! | `verify-full` | always | signed by a trusted root and names the host |
//!
//! The trusted roots are `sslrootcert`'s PEM file, else the system's
//! (rustls-native-certs: `SSL_CERT_FILE`, `SSL_CERT_DIR`, the OS store).
//! The `postgres` crate's URL parser knows neither `verify-*` nor
//! `sslrootcert`: both are taken out of the URL before it reads it.

use std::path::PathBuf;
use std::sync::Arc;

use postgres::config::SslMode as Encrypt;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres_rustls::MakeRustlsConnect;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str, from: &str) -> Result<Self, String> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            // libpq's `allow` (plain first, TLS if refused) is not offered.
            other => {
                return Err(format!(
                    "{from} `{other}` is not an sslmode: use disable, prefer, require, \
                     verify-ca or verify-full"
                ));
            }
        })
    }
}

/// What a location asks of TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    pub mode: SslMode,
    /// `sslrootcert`: a PEM file of the roots to trust.
    pub root: Option<PathBuf>,
}

/// `url` without its `sslmode` and `sslrootcert` parameters, and the TLS
/// they (or `PGSSLMODE`, `PGSSLROOTCERT`) ask for.
pub fn split(url: &str) -> Result<(String, Tls), String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    split_with(url, env("PGSSLMODE"), env("PGSSLROOTCERT"))
}

fn split_with(
    url: &str,
    env_mode: Option<String>,
    env_root: Option<String>,
) -> Result<(String, Tls), String> {
    let (rest, mut mode, mut root) = take_parameters(url);
    let mode = match (mode.take(), env_mode) {
        (Some(value), _) => SslMode::parse(&value, "sslmode")?,
        (None, Some(value)) => SslMode::parse(&value, "PGSSLMODE")?,
        (None, None) => SslMode::Prefer,
    };
    let root = root.take().or(env_root).map(PathBuf::from);
    Ok((rest, Tls { mode, root }))
}

/// Takes `sslmode` and `sslrootcert` out of a URL's query
/// (`postgres://…?sslmode=require`) or a `key=value` string
/// (`host=… sslmode=require`), values percent-decoded in a URL.
fn take_parameters(url: &str) -> (String, Option<String>, Option<String>) {
    let (mut mode, mut root) = (None, None);
    let mut take = |key: &str, value: String| match key {
        "sslmode" => {
            mode = Some(value);
            true
        }
        "sslrootcert" => {
            root = Some(value);
            true
        }
        _ => false,
    };
    let rest = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        match url.split_once('?') {
            Some((head, query)) => {
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|pair| {
                        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                        let value = percent_encoding::percent_decode_str(value)
                            .decode_utf8_lossy()
                            .into_owned();
                        !take(key, value)
                    })
                    .collect();
                if kept.is_empty() {
                    head.to_string()
                } else {
                    format!("{head}?{}", kept.join("&"))
                }
            }
            None => url.to_string(),
        }
    } else {
        url.split_whitespace()
            .filter(|word| {
                let (key, value) = word.split_once('=').unwrap_or((word, ""));
                !take(key.trim(), value.trim_matches('\'').to_string())
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    (rest, mode, root)
}

impl Tls {
    /// What the `postgres` crate is told: whether to ask for TLS, and
    /// whether to go on in plain text when the server offers none.
    pub fn encrypt(&self) -> Encrypt {
        match self.mode {
            SslMode::Disable => Encrypt::Disable,
            SslMode::Prefer => Encrypt::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => Encrypt::Require,
        }
    }

    /// The connector: rustls with the verifier the mode asks for. An
    /// unreadable `sslrootcert` is an error naming it.
    pub fn connector(&self) -> Result<MakeRustlsConnect, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?;
        // As libpq: `require` with a root file given checks the chain.
        let check = match self.mode {
            SslMode::Require if self.root.is_some() => SslMode::VerifyCa,
            mode => mode,
        };
        let verifier: Arc<dyn ServerCertVerifier> = match check {
            SslMode::Disable | SslMode::Prefer | SslMode::Require => {
                Arc::new(Unchecked(provider.clone()))
            }
            SslMode::VerifyCa | SslMode::VerifyFull => {
                let chain = WebPkiServerVerifier::builder_with_provider(
                    Arc::new(self.roots()?),
                    provider.clone(),
                )
                .build()
                .map_err(|e| format!("TLS: {e}"))?;
                if check == SslMode::VerifyCa {
                    Arc::new(ChainOnly(chain))
                } else {
                    chain
                }
            }
        };
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(MakeRustlsConnect::new(config))
    }

    /// The roots to trust: `sslrootcert`'s, else the system's.
    fn roots(&self) -> Result<RootCertStore, String> {
        let mut roots = RootCertStore::empty();
        match &self.root {
            Some(path) => {
                let shown = path.display();
                let certs = CertificateDer::pem_file_iter(path)
                    .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| format!("sslrootcert `{shown}`: cannot read it: {e}"))?;
                if certs.is_empty() {
                    return Err(format!("sslrootcert `{shown}`: holds no PEM certificate"));
                }
                for cert in certs {
                    roots
                        .add(cert)
                        .map_err(|e| format!("sslrootcert `{shown}`: {e}"))?;
                }
            }
            None => {
                let found = rustls_native_certs::load_native_certs();
                roots.add_parsable_certificates(found.certs);
                if roots.is_empty() {
                    return Err(
                        "no trusted roots: the system has none; name a PEM file with sslrootcert"
                            .into(),
                    );
                }
            }
        }
        Ok(roots)
    }
}

/// Why the TLS handshake of a failed connection failed, if rustls failed
/// it: the server's certificate refused (not signed by a trusted root, not
/// for this host, expired…), or a handshake the two sides could not agree
/// on. Neither heals by waiting, unlike a server out of reach, so such a
/// connection is a refusal, not a lost connection to wait out.
///
/// The handshake's error reaches the `postgres` crate as an `io::Error`
/// wrapping rustls' own; an `io::Error`'s `source` skips what it wraps,
/// so each one in the chain is opened by hand.
pub fn refusal(e: &postgres::Error) -> Option<String> {
    let mut cause = std::error::Error::source(e);
    while let Some(below) = cause {
        let wrapped = below
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>());
        if let Some(tls) = wrapped.or_else(|| below.downcast_ref::<rustls::Error>()) {
            return Some(match tls {
                rustls::Error::InvalidCertificate(_) => {
                    format!("the server's TLS certificate was refused: {tls}")
                }
                _ => format!("the TLS handshake failed: {tls}"),
            });
        }
        cause = below.source();
    }
    None
}

/// `prefer` and `require`: encrypted, the certificate taken as it comes
/// (as libpq does), the handshake's signatures still checked.
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain to a trusted root is checked, the name in the
/// certificate is not.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::{SslMode, Tls, split_with};
    use std::path::PathBuf;

    fn split(url: &str) -> Result<(String, Tls), String> {
        split_with(url, None, None)
    }

    #[test]
    fn the_parameters_leave_the_url_and_say_the_mode() {
        let (rest, tls) = split(
            "postgres://u@h/db?sslmode=verify-full&application_name=x&sslrootcert=%2Ftmp%2Fca.pem",
        )
        .unwrap();
        assert_eq!(rest, "postgres://u@h/db?application_name=x");
        assert_eq!(tls.mode, SslMode::VerifyFull);
        assert_eq!(tls.root, Some(PathBuf::from("/tmp/ca.pem")));
        let (rest, tls) = split("postgres://u@h/db").unwrap();
        assert_eq!(rest, "postgres://u@h/db");
        assert_eq!(tls.mode, SslMode::Prefer);
        let (rest, tls) = split("host=h user=u sslmode=disable").unwrap();
        assert_eq!(rest, "host=h user=u");
        assert_eq!(tls.mode, SslMode::Disable);
    }

    #[test]
    fn the_url_wins_over_the_environment() {
        let env = |mode: &str| Some(mode.to_string());
        let (_, tls) = split_with("postgres://h/db", env("require"), env("/r.pem")).unwrap();
        assert_eq!(tls.mode, SslMode::Require);
        assert_eq!(tls.root, Some(PathBuf::from("/r.pem")));
        let (_, tls) = split_with("postgres://h/db?sslmode=disable", env("require"), None).unwrap();
        assert_eq!(tls.mode, SslMode::Disable);
    }

    #[test]
    fn an_unknown_mode_is_named() {
        let e = split("postgres://h/db?sslmode=allow").unwrap_err();
        assert!(e.contains("sslmode `allow` is not an sslmode"), "{e}");
        let e = split_with("postgres://h/db", Some("strict".into()), None).unwrap_err();
        assert!(e.contains("PGSSLMODE `strict`"), "{e}");
    }

    #[test]
    fn an_unreadable_root_file_is_named() {
        let tls = Tls {
            mode: SslMode::VerifyFull,
            root: Some(PathBuf::from("/nonexistent/root.pem")),
        };
        let e = tls.connector().err().expect("refused");
        assert!(
            e.starts_with("sslrootcert `/nonexistent/root.pem`: cannot read it"),
            "{e}"
        );
    }
}
