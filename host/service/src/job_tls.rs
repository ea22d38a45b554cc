//! TLS for a job whose security flags or client certificate differ from
//! the default (contract §15.4–§15.5): its own rustls configuration — the
//! host's roots checked by [`FlagVerifier`], the job's client certificate
//! presented with `with_client_auth_cert` — in an agent of its own, since
//! ureq's TLS settings take neither a verifier nor a per-request identity.
//!
//! The connector chain is ureq's default one (CONNECT proxy, TCP) with
//! this TLS step at its end, and our CONNECT step (proxy_connect.rs) in
//! place of ureq's. A job that holds proxy credentials has an agent of
//! its own too, for that CONNECT step.

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::{ClientConfig, ClientConnection, StreamOwned};
use rustls_pki_types::ServerName;
use ureq::Agent;
use ureq::config::Config;
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, RustlsConnector,
    TcpConnector, Transport, TransportAdapter,
};

use bits_queue_host::{ClientCertificate, FailureDetail, TlsFailure, TransferFailure, security};

use crate::client_certs::ClientIdentity;
use crate::proxy_connect::{ProxyConnect, ProxyCredentials};
use crate::transport::Outcome;
use crate::trust::Trust;
use crate::verifier::FlagVerifier;

/// The agent a job's requests need: `None` when its security `flags`
/// (only the TLS ones count), client certificate `cert` and proxy
/// credentials `proxy` are the default, and the shared agent serves; else
/// one with `config` of its own. A certificate the host's stores lack, or
/// whose key rustls refuses, is `client-certificate-missing` (contract
/// §15.5).
pub(crate) fn agent_for_job(
    config: &Config,
    trust: &Trust,
    flags: u32,
    cert: Option<&ClientCertificate>,
    proxy: &ProxyCredentials,
) -> Result<Option<Agent>, Outcome> {
    let flags = flags & security::TLS_FLAGS;
    if flags == 0 && cert.is_none() {
        if proxy.is_empty() {
            return Ok(None);
        }
        // The host's TLS (ureq's, from `config`), the job's CONNECT.
        let connector =
            ().chain(ProxyConnect::new(config.clone(), proxy.clone()))
                .chain(TcpConnector::default())
                .chain(RustlsConnector::default());
        return Ok(Some(Agent::with_parts(
            config.clone(),
            connector,
            DefaultResolver::default(),
        )));
    }
    let identity = match cert {
        Some(cert) => Some(
            crate::client_certs::resolve(trust.client_cert_dir(), cert)
                .map_err(|why| FailureDetail::Tls(TlsFailure::ClientCertificateMissing, why))?,
        ),
        None => None,
    };
    agent(config.clone(), trust, flags, identity, proxy.clone())
        .map(Some)
        .map_err(|e| {
            let why = format!(
                "the job's TLS settings cannot be used: {}",
                crate::tls_failure::rustls_words(&e)
            );
            // Only a certificate (its key) can make the settings unusable.
            match cert {
                Some(_) => FailureDetail::Tls(TlsFailure::ClientCertificateMissing, why).into(),
                None => TransferFailure::Unsupported(why).into(),
            }
        })
}

/// An agent with `config` whose https connections check the server as
/// `flags` say and present `identity`, if any, and whose CONNECT answers a
/// proxy's challenge with `proxy`.
fn agent(
    config: Config,
    trust: &Trust,
    flags: u32,
    identity: Option<ClientIdentity>,
    proxy: ProxyCredentials,
) -> Result<Agent, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = FlagVerifier::new(
        trust.anchors(),
        trust.crls(),
        flags,
        provider.signature_verification_algorithms,
    );
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let tls = match identity {
        Some(identity) => builder.with_client_auth_cert(identity.chain, identity.key)?,
        None => builder.with_no_client_auth(),
    };
    let connector =
        ().chain(ProxyConnect::new(config.clone(), proxy))
            .chain(TcpConnector::default())
            .chain(JobTlsConnector {
                config: Arc::new(tls),
            });
    Ok(Agent::with_parts(
        config,
        connector,
        DefaultResolver::default(),
    ))
}

/// The TLS step: wraps a plain connection to an https URL in rustls with
/// the job's configuration.
#[derive(Debug)]
struct JobTlsConnector {
    config: Arc<ClientConfig>,
}

impl<In: Transport> Connector<In> for JobTlsConnector {
    type Out = Either<In, JobTlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Ok(None);
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let host = details
            .uri
            .host()
            .ok_or(ureq::Error::Tls("an https URL without a host"))?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let name = ServerName::try_from(bare.to_owned())
            .map_err(|_| ureq::Error::Tls("the server's name cannot be checked by TLS"))?;
        let mut connection = ClientConnection::new(self.config.clone(), name)?;
        let mut socket = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        socket.set_timeout(details.timeout);
        connection.complete_io(&mut socket)?;
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(Either::B(JobTlsTransport {
            buffers,
            stream: StreamOwned::new(connection, socket),
        })))
    }
}

/// A connection the job's TLS wraps.
struct JobTlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl std::fmt::Debug for JobTlsTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobTlsTransport").finish_non_exhaustive()
    }
}

impl Transport for JobTlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        self.stream.write_all(output)?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}
