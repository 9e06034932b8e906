//! The TLS listener's half of the work: the certificate and key, their
//! reload, and the handshake that turns an accepted TCP connection into an
//! encrypted stream for the same [`Handler`](super::handler::Handler) the
//! plain listener uses.
//!
//! * **Crypto.** rustls with its *ring* provider, TLS 1.2 and 1.3 only,
//!   rustls's safe default cipher suites and no client certificates. *ring*
//!   builds with a C compiler alone (aws-lc-rs, rustls's default, also
//!   wants CMake and, on some targets, NASM), so a plain `cargo build`
//!   works on a fresh machine and in CI.
//! * **Reload.** Every handshake asks a [`CertificateStore`] (rustls's
//!   `ResolvesServerCert`) for the current pair, an `Arc` behind a lock
//!   held for a pointer copy. [`CertificateStore::reload`] reads and checks
//!   both files *before* swapping, so a reload that fails keeps the old
//!   pair, and established connections never notice a reload: their keys
//!   were agreed in their own handshake.
//! * **Handshakes cannot hurt anyone else** (see `Handshakes`): each one
//!   holds a connection permit, has a deadline, waits for a slot among a
//!   bounded number before computing anything, and ends quietly when it
//!   fails.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{ServerConfig, pki_types};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use thiserror::Error;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;

/// Where the server's certificate chain and private key live (PEM files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFiles {
    /// The certificate chain: the server's certificate first, then any
    /// intermediates.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Why a certificate or key could not be used. Each message names the file
/// and what to do about it.
#[derive(Debug, Error)]
pub enum TlsError {
    /// The certificate file is missing, unreadable or not PEM.
    #[error("cannot read the certificate {}: {source}", path.display())]
    ReadCertificate {
        path: PathBuf,
        #[source]
        source: pki_types::pem::Error,
    },
    /// The certificate file holds no certificate.
    #[error(
        "{} holds no certificate (expected PEM blocks 'BEGIN CERTIFICATE'; `safecalc cert` makes a pair)",
        path.display()
    )]
    NoCertificate { path: PathBuf },
    /// The key file is missing, unreadable, not PEM, or holds no key.
    #[error("cannot read the private key {}: {source}", path.display())]
    ReadKey {
        path: PathBuf,
        #[source]
        source: pki_types::pem::Error,
    },
    /// The key is of a kind rustls cannot sign with.
    #[error("cannot use the private key {}: {source}", path.display())]
    UnusableKey {
        path: PathBuf,
        #[source]
        source: rustls::Error,
    },
    /// The certificate is not a valid X.509 certificate.
    #[error("cannot use the certificate {}: {source}", path.display())]
    UnusableCertificate {
        path: PathBuf,
        #[source]
        source: rustls::Error,
    },
    /// The key is not the certificate's.
    #[error(
        "the private key {} does not belong to the certificate {} (was one of them replaced?)",
        key.display(),
        cert.display()
    )]
    Mismatch { cert: PathBuf, key: PathBuf },
    /// rustls refused the configuration (should not happen with the
    /// provider's own defaults).
    #[error("cannot configure TLS: {0}")]
    Config(#[source] rustls::Error),
}

/// The crypto provider every TLS configuration of safecalc uses (see the
/// [module docs](self)).
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads the certificate chain and key named by `files` and checks that
/// they belong together.
pub fn load_certified_key(
    files: &CertificateFiles,
    provider: &CryptoProvider,
) -> Result<CertifiedKey, TlsError> {
    let chain = read_chain(&files.cert)?;
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|source| TlsError::ReadKey {
        path: files.key.clone(),
        source,
    })?;
    let signing_key = provider
        .key_provider
        .load_private_key(key)
        .map_err(|source| TlsError::UnusableKey {
            path: files.key.clone(),
            source,
        })?;
    let certified = CertifiedKey::new(chain, signing_key);
    match certified.keys_match() {
        // A key whose public half rustls cannot compute is checked by the
        // first handshake instead; the ring provider computes all of them.
        Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {
            Ok(certified)
        }
        Err(rustls::Error::InconsistentKeys(_)) => Err(TlsError::Mismatch {
            cert: files.cert.clone(),
            key: files.key.clone(),
        }),
        Err(source) => Err(TlsError::UnusableCertificate {
            path: files.cert.clone(),
            source,
        }),
    }
}

/// Every certificate in a PEM file, in order; at least one.
pub fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let read_error = |source| TlsError::ReadCertificate {
        path: path.to_path_buf(),
        source,
    };
    let chain = CertificateDer::pem_file_iter(path)
        .map_err(read_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_error)?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_path_buf(),
        });
    }
    Ok(chain)
}

/// The certificate and key the next handshake will use, and the files
/// they come from (see the [module docs](self) on reloading).
pub struct CertificateStore {
    files: CertificateFiles,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl fmt::Debug for CertificateStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateStore")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

impl CertificateStore {
    /// Loads the pair; an error here is the server's start failing.
    pub fn load(
        files: CertificateFiles,
        provider: Arc<CryptoProvider>,
    ) -> Result<CertificateStore, TlsError> {
        let current = load_certified_key(&files, &provider)?;
        Ok(CertificateStore {
            files,
            provider,
            current: RwLock::new(Arc::new(current)),
        })
    }

    /// Reads both files again and, if they make a valid pair, uses them
    /// for every handshake from now on. On an error the pair in use stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let fresh = Arc::new(load_certified_key(&self.files, &self.provider)?);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        Ok(())
    }

    /// The files the pair is read from.
    pub fn files(&self) -> &CertificateFiles {
        &self.files
    }

    /// The pair in use.
    pub fn current(&self) -> Arc<CertifiedKey> {
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }
}

impl ResolvesServerCert for CertificateStore {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

/// What can be done to a running TLS listener from outside: reloading its
/// certificate (what SIGHUP does).
#[derive(Debug, Clone)]
pub struct TlsReloader(Arc<CertificateStore>);

impl TlsReloader {
    /// See [`CertificateStore::reload`].
    pub fn reload(&self) -> Result<(), TlsError> {
        self.0.reload()
    }

    /// The files a reload reads.
    pub fn files(&self) -> &CertificateFiles {
        self.0.files()
    }
}

/// The TLS side of a server: its rustls configuration and certificate.
#[derive(Clone)]
pub struct TlsSetup {
    acceptor: TlsAcceptor,
    store: Arc<CertificateStore>,
}

impl fmt::Debug for TlsSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSetup")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl TlsSetup {
    /// Loads the certificate and key and builds the rustls configuration.
    pub fn load(files: CertificateFiles) -> Result<TlsSetup, TlsError> {
        let provider = crypto_provider();
        let store = Arc::new(CertificateStore::load(files, Arc::clone(&provider))?);
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(TlsError::Config)?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(&store) as Arc<dyn ResolvesServerCert>);
        Ok(TlsSetup {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            store,
        })
    }

    /// The handle that reloads the certificate.
    pub fn reloader(&self) -> TlsReloader {
        TlsReloader(Arc::clone(&self.store))
    }

    pub(super) fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }
}

/// Why a handshake did not give an encrypted connection. Only logged (at
/// debug level): the client gets nothing but the closed connection.
#[derive(Debug, Error)]
pub enum HandshakeError {
    /// The whole handshake, waiting for a slot included, took too long.
    #[error("no handshake within {} s", .0.as_secs_f64())]
    Timeout(Duration),
    /// The server is shutting down.
    #[error("server shutting down")]
    Shutdown,
    /// The client closed the connection, or sent something that is not a
    /// TLS handshake (rustls's error is inside).
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// The rules every handshake follows, shared by the TLS listener's tasks.
///
/// * **A connection permit.** The listener takes the connection's permit
///   before the handshake starts, so handshakes in progress count toward
///   `--max-connections` like any client.
/// * **A deadline** (`--tls-handshake-timeout`, default 10 s) for
///   everything from the accept to the end of the handshake, so a client
///   that stalls anywhere in it holds its permit no longer than that.
/// * **A bounded number computing** (`--tls-max-handshakes`, default 16):
///   a handshake takes a slot of this semaphore when the client's first
///   bytes arrive, and keeps it to the end. Past the bound, a new
///   connection *waits* for a slot (within its deadline) instead of being
///   refused: a burst of honest clients is then served in turn rather
///   than turned away, and the connection cap and the deadline already
///   bound how many wait, and for how long. What the bound buys: on an
///   event loop, every handshake that is ready to compute runs before the
///   established clients queued behind it get their turn; a full
///   handshake's server side is a signature and a key exchange (on the
///   order of 0.1-0.2 ms), so at most 16 of them add a few milliseconds
///   to what an established client waits in the worst case, whatever the
///   rate of new connections. A client that connects and sends nothing
///   holds no slot: only a connection permit, like a silent plain client.
/// * **Quiet failures.** Plaintext on the TLS port, garbage, a truncated
///   ClientHello, a staller: the connection is closed (rustls may send an
///   alert first) and the reason logged at debug level; nothing else is
///   affected.
#[derive(Debug, Clone)]
pub(super) struct Handshakes {
    pub(super) setup: TlsSetup,
    pub(super) slots: Arc<Semaphore>,
    pub(super) timeout: Duration,
}

impl Handshakes {
    pub(super) fn new(setup: TlsSetup, max_handshakes: usize, timeout: Duration) -> Handshakes {
        Handshakes {
            setup,
            slots: Arc::new(Semaphore::new(max_handshakes.max(1))),
            timeout,
        }
    }

    /// Runs the server side of the handshake on `stream` under the rules
    /// above.
    pub(super) async fn handshake(
        &self,
        stream: TcpStream,
        shutdown: &CancellationToken,
    ) -> Result<TlsStream<TcpStream>, HandshakeError> {
        let handshake = async {
            // Nothing is computed for a client that has sent nothing yet.
            stream.readable().await?;
            let _slot = self
                .slots
                .acquire()
                .await
                .map_err(|_| HandshakeError::Shutdown)?;
            Ok::<_, HandshakeError>(self.setup.acceptor().accept(stream).await?)
        };
        tokio::select! {
            () = shutdown.cancelled() => Err(HandshakeError::Shutdown),
            done = tokio::time::timeout(self.timeout, handshake) => {
                done.map_err(|_| HandshakeError::Timeout(self.timeout))?
            }
        }
    }
}
