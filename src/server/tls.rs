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
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{ServerConfig, pki_types};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_util::sync::{CancellationToken, PollSemaphore};

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
///   a handshake holds a slot of this semaphore only while it has the
///   client's bytes to process ([`SlotStream`]), and gives it back as soon
///   as it has to wait for the client again. What the bound buys: on an
///   event loop, every handshake that is ready to compute runs before the
///   established clients queued behind it get their turn; a full
///   handshake's server side is a signature and a key exchange (on the
///   order of 0.1-0.2 ms), so at most 16 of them add a few milliseconds
///   to what an established client waits in the worst case, whatever the
///   rate of new connections. Past the bound, a handshake whose bytes have
///   arrived *waits* for a slot instead of being refused, so a burst of
///   honest clients is served in turn. A client that stalls, before its
///   first byte or in the middle of its handshake, holds no slot while it
///   stalls: stallers cannot keep honest clients out, however many there
///   are (up to the connection cap, and each only until its deadline).
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
    ) -> Result<TlsStream<SlotStream>, HandshakeError> {
        let handshake = async {
            let stream = SlotStream::new(stream, Arc::clone(&self.slots));
            let mut encrypted = self.setup.acceptor().accept(stream).await?;
            encrypted.get_mut().0.handshake_done();
            Ok::<_, HandshakeError>(encrypted)
        };
        tokio::select! {
            () = shutdown.cancelled() => Err(HandshakeError::Shutdown),
            done = tokio::time::timeout(self.timeout, handshake) => {
                done.map_err(|_| HandshakeError::Timeout(self.timeout))?
            }
        }
    }
}

/// A TLS client's TCP stream, which holds one of the listener's computing
/// slots (`Handshakes`) only while its handshake has input to process.
///
/// rustls computes (the key exchange, the signature) right after a read
/// has handed it the client's bytes, then writes its answer and reads
/// again, until a read or a write would block. So a read first waits for
/// the socket to be readable *without* a slot, then takes a slot before it
/// reads, and the slot is given back the moment the stream has to wait
/// again. A client that sends half a ClientHello, or a whole one and then
/// nothing, therefore holds no slot while it stalls, and what the bound
/// limits is the number of handshakes computing at once.
///
/// Once the handshake is done (`SlotStream::handshake_done`) the stream is a
/// plain pass-through: reads never wait for a slot again.
pub struct SlotStream {
    inner: TcpStream,
    /// The listener's slots, while the handshake runs.
    slots: Option<PollSemaphore>,
    /// The slot held, between a read that found input and the next wait.
    slot: Option<OwnedSemaphorePermit>,
}

impl SlotStream {
    fn new(inner: TcpStream, slots: Arc<Semaphore>) -> SlotStream {
        SlotStream {
            inner,
            slots: Some(PollSemaphore::new(slots)),
            slot: None,
        }
    }

    /// The handshake is over: give the slot back, and never take one
    /// again.
    fn handshake_done(&mut self) {
        self.slots = None;
        self.slot = None;
    }

    /// Gives the slot back when the stream has to wait.
    fn waiting<T>(&mut self, poll: Poll<T>) -> Poll<T> {
        if poll.is_pending() {
            self.slot = None;
        }
        poll
    }
}

impl fmt::Debug for SlotStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlotStream")
            .field("inner", &self.inner)
            .field("in_handshake", &self.slots.is_some())
            .field("holds_slot", &self.slot.is_some())
            .finish()
    }
}

impl AsyncRead for SlotStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(slots) = &mut this.slots
            && this.slot.is_none()
        {
            // Nothing to process yet: wait without a slot.
            ready!(this.inner.poll_read_ready(cx))?;
            match ready!(slots.poll_acquire(cx)) {
                Some(slot) => this.slot = Some(slot),
                // The semaphore is never closed; if it were, the
                // handshake could not go on.
                None => return Poll::Ready(Err(io::Error::other("no handshake slots"))),
            }
        }
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        this.waiting(poll)
    }
}

impl AsyncWrite for SlotStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.waiting(poll)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.waiting(poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_flush(cx);
        this.waiting(poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.waiting(poll)
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    /// A connected pair: the client's end, and the server's in a
    /// [`SlotStream`] drawing on `slots`.
    async fn pair(slots: &Arc<Semaphore>) -> (TcpStream, SlotStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (client, SlotStream::new(server, Arc::clone(slots)))
    }

    /// Waits until `stream` has bytes to read (without reading them).
    async fn readable(stream: &SlotStream) {
        stream.inner.readable().await.unwrap();
    }

    #[tokio::test]
    async fn a_slot_is_held_only_between_input_and_the_next_wait() {
        let slots = Arc::new(Semaphore::new(1));
        let (mut a_client, mut a) = pair(&slots).await;
        let (mut b_client, mut b) = pair(&slots).await;
        let mut buf = [0u8; 16];
        // Waiting for input holds no slot.
        assert!(a.read(&mut buf).now_or_never().is_none());
        assert_eq!(slots.available_permits(), 1);
        // Input arrives: reading it takes the slot, and keeps it while the
        // handshake would compute.
        a_client.write_all(b"hello").await.unwrap();
        readable(&a).await;
        assert_eq!(a.read(&mut buf).await.unwrap(), 5);
        assert_eq!(slots.available_permits(), 0);
        // Another stream with input waits for the slot...
        b_client.write_all(b"hi").await.unwrap();
        readable(&b).await;
        assert!(b.read(&mut buf).now_or_never().is_none());
        // ...until the first has to wait for its client again, which
        // hands the slot on.
        assert!(a.read(&mut buf).now_or_never().is_none());
        assert_eq!(b.read(&mut buf).await.unwrap(), 2);
        assert_eq!(slots.available_permits(), 0);
        // After the handshake, reads never take a slot.
        b.handshake_done();
        assert_eq!(slots.available_permits(), 1);
        a.handshake_done();
        a_client.write_all(b"data").await.unwrap();
        readable(&a).await;
        assert_eq!(a.read(&mut buf).await.unwrap(), 4);
        assert_eq!(slots.available_permits(), 1);
    }
}
