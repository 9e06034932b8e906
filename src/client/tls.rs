//! The client's TLS configuration: whom it trusts.
//!
//! * By default, the system's roots: the operating system's trust store,
//!   read at start by rustls-native-certs (on Debian, `/etc/ssl/certs`,
//!   kept by the `ca-certificates` package). They are what every other
//!   program on the machine trusts, they are updated with the system, and a
//!   private CA an administrator added is included. (webpki-roots, the
//!   alternative, compiles Mozilla's list into the binary: the same on
//!   every machine, but as old as the build and blind to local CAs.)
//! * `--ca FILE`: only the certificates in FILE, e.g. the self-signed one
//!   `safecalc cert` made.
//! * `--insecure`: no verification of the certificate at all (the
//!   handshake's signatures are still checked, so the session is encrypted,
//!   but to whoever answered). The caller warns the user.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use thiserror::Error;

use crate::server::tls::{TlsError, crypto_provider, read_chain};

/// Whom the client trusts (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust<'a> {
    /// The operating system's root certificates.
    SystemRoots,
    /// Only the certificates in this PEM file.
    CaFile(&'a Path),
    /// Anyone: no certificate verification.
    Insecure,
}

/// Why the client's TLS configuration could not be made.
#[derive(Debug, Error)]
pub enum ClientTlsError {
    /// The `--ca` file could not be used.
    #[error(transparent)]
    Ca(#[from] TlsError),
    /// A certificate of the `--ca` file is not a usable trust anchor.
    #[error("cannot trust the certificate in {path}: {source}")]
    BadCa {
        path: String,
        #[source]
        source: rustls::Error,
    },
    /// The system has no root certificates rustls can read.
    #[error(
        "no system root certificates found ({detail}); install the ca-certificates package, or give the server's CA with --ca FILE"
    )]
    NoSystemRoots { detail: String },
    /// rustls refused the configuration.
    #[error("cannot configure TLS: {0}")]
    Config(#[source] rustls::Error),
}

/// A rustls client configuration that trusts `trust`, for TLS 1.2 and 1.3.
pub fn client_config(trust: Trust<'_>) -> Result<ClientConfig, ClientTlsError> {
    let provider = crypto_provider();
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(ClientTlsError::Config)?;
    let config = match trust {
        Trust::Insecure => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
            .with_no_client_auth(),
        Trust::CaFile(path) => {
            let mut roots = RootCertStore::empty();
            for cert in read_chain(path)? {
                roots.add(cert).map_err(|source| ClientTlsError::BadCa {
                    path: path.display().to_string(),
                    source,
                })?;
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        Trust::SystemRoots => {
            let found = rustls_native_certs::load_native_certs();
            let mut roots = RootCertStore::empty();
            // Certificates the system holds but rustls cannot parse are
            // skipped, as browsers do; none at all is an error.
            let (_added, _ignored) = roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                let detail = match found.errors.first() {
                    Some(e) => e.to_string(),
                    None => "the trust store is empty".to_string(),
                };
                return Err(ClientTlsError::NoSystemRoots { detail });
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
    };
    Ok(config)
}

/// `--insecure`: accepts any certificate, but still checks that the server
/// signed the handshake with the key of the certificate it sent.
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
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
