//! Accepting clients: the connection cap, accept errors, and shutdown.
//!
//! [`Server::run`] is the accept loop. Each accepted client gets a task
//! (a [`Handler`]) that owns everything about it. Three mechanisms hold the
//! whole together:
//!
//! * A [`Semaphore`] with one permit per allowed connection. The handler
//!   task holds its permit, so the permit comes back when the task ends,
//!   however it ends. When none is left, the client is told
//!   `error: server full` and closed, rather than queued silently (what
//!   Redis does at `maxclients`).
//! * A [`CancellationToken`], given to every handler: cancelling it makes
//!   the accept loop stop and each handler say `server shutting down`.
//! * A [`TaskTracker`] holding every task the server spawned, so that
//!   shutdown can wait for all of them to finish (with a time limit).
//!
//! A server may also listen for TLS ([`Server::with_tls`]). The one loop
//! accepts on both sockets, and both kinds of client take their permit
//! from the same semaphore and share the stats and the chat hub, so the
//! cap, `/stats` and the rooms are the server's, not a listener's. A TLS
//! client's task first runs the handshake (see [`super::tls`]) and then
//! the same [`Handler`], over the encrypted stream.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpSocket, TcpStream, ToSocketAddrs, lookup_host};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, info_span, warn};

use super::accounts::Accounts;
use super::chat::ChatHub;
use super::config::Config;
use super::connection::Connection;
use super::handler::Handler;
use super::session::{Peer, Session};
use super::stats::{ConnectionGuard, Stats};
use super::store::{OpenError, StoreLocation};
use super::tls::{Handshakes, TlsReloader, TlsSetup};

/// The line a client gets when `max_connections` are already served.
pub const SERVER_FULL: &str = "error: server full";

/// Refusals (`server full`) delivered at once, each in its own short task.
/// Past this, a refused client gets the line only if the socket takes it
/// immediately, so a flood of connections cannot spawn tasks without bound.
const MAX_REFUSALS_IN_FLIGHT: usize = 64;

/// First pause after a failed `accept` (e.g. out of file descriptors); it
/// doubles on each further failure, up to [`MAX_ACCEPT_BACKOFF`].
const FIRST_ACCEPT_BACKOFF: Duration = Duration::from_millis(5);
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// How long a server with a shared chat waits for Redis before it listens.
const SHARED_CHAT_START_WAIT: Duration = Duration::from_secs(5);

/// Length of the kernel's queue of connections not yet accepted.
///
/// The protocol is "server speaks first": a client connects and waits for
/// the greeting without sending anything. If a burst of connections
/// overflows the accept queue, Linux drops the handshake's last ACK; with
/// SYN cookies in use nobody retransmits it, and such a client waits for
/// ever on a connection the server never saw. The usual default of 128 is
/// easily overflowed by a few hundred clients connecting at once; the kernel
/// caps this value at `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 4096;

/// Binds and listens on one address.
fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // Restarting the server must not fail while old connections linger in
    // TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Why the server could not start.
#[derive(Debug, Error)]
pub enum ServerError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: io::Error,
    },
    /// The bound socket has no address (should not happen on TCP).
    #[error("cannot read the listening address: {0}")]
    LocalAddr(#[source] io::Error),
    /// The chat's store could not be opened.
    #[error(transparent)]
    Store(#[from] OpenError),
}

/// A bound, not yet running, safecalc server.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    config: Config,
    stats: Arc<Stats>,
    chat: Arc<ChatHub>,
    accounts: Arc<Accounts>,
    /// The TLS listener, if any.
    tls: Option<TlsListener>,
}

/// The TLS listening socket and what its handshakes need.
#[derive(Debug)]
struct TlsListener {
    listener: TcpListener,
    handshakes: Handshakes,
}

impl Server {
    /// Like [`Server::bind`], with the chat's data at `store` (opened
    /// first, so a store that cannot be used stops the start before the
    /// port is taken).
    pub async fn bind_with_store(
        addr: impl ToSocketAddrs + std::fmt::Display,
        config: Config,
        store: &StoreLocation,
    ) -> Result<Server, ServerError> {
        let chat = ChatHub::open(config.chat.clone(), store)?;
        // A shared chat (Redis) gets a moment to connect, so that a server
        // that starts with Redis up serves chat from its first client; if
        // Redis does not answer, the server starts anyway (calc and echo
        // need nothing) and the chat comes up when it does.
        if let Some(directory) = chat.directory()
            && !directory.wait_available(SHARED_CHAT_START_WAIT).await
        {
            warn!(
                "the shared chat (Redis) does not answer yet; serving without chat until it does"
            );
        }
        Server::bind_with_hub(addr, config, chat).await
    }

    /// Like [`Server::bind`], serving the chat hub `chat` (for tests that
    /// keep a handle on its store).
    pub async fn bind_with_hub(
        addr: impl ToSocketAddrs + std::fmt::Display,
        config: Config,
        chat: Arc<ChatHub>,
    ) -> Result<Server, ServerError> {
        let mut server = Server::bind(addr, config).await?;
        server.chat = chat;
        Ok(server)
    }

    /// Binds the listening socket. Binding is separate from [`Server::run`]
    /// so that the caller can learn the address (port 0) before serving.
    ///
    /// The socket is made by hand rather than with `TcpListener::bind`, to
    /// ask for a deeper accept queue than its 128 (see `LISTEN_BACKLOG`).
    pub async fn bind(
        addr: impl ToSocketAddrs + std::fmt::Display,
        config: Config,
    ) -> Result<Server, ServerError> {
        let bind_error = |source| ServerError::Bind {
            addr: addr.to_string(),
            source,
        };
        let mut last_error = None;
        for candidate in lookup_host(&addr).await.map_err(bind_error)? {
            match listen(candidate) {
                Ok(listener) => return Ok(Server::from_listener(listener, config)),
                Err(e) => last_error = Some(e),
            }
        }
        let none = || io::Error::new(io::ErrorKind::AddrNotAvailable, "no address to listen on");
        Err(bind_error(last_error.unwrap_or_else(none)))
    }

    /// Binds `addr` as well, for TLS with `setup`'s certificate: the same
    /// service, over encrypted connections (see the [module docs](self)).
    pub async fn with_tls(
        mut self,
        addr: impl ToSocketAddrs + std::fmt::Display,
        setup: TlsSetup,
    ) -> Result<Server, ServerError> {
        let other = Server::bind(addr, self.config.clone()).await?;
        let handshakes = Handshakes::new(
            setup,
            self.config.tls_max_handshakes,
            self.config.tls_handshake_timeout,
        );
        self.tls = Some(TlsListener {
            listener: other.listener,
            handshakes,
        });
        Ok(self)
    }

    /// The address the TLS listener listens on, if there is one.
    pub fn tls_local_addr(&self) -> Option<Result<SocketAddr, ServerError>> {
        let tls = self.tls.as_ref()?;
        Some(tls.listener.local_addr().map_err(ServerError::LocalAddr))
    }

    /// The handle that reloads the TLS certificate (SIGHUP), if there is a
    /// TLS listener.
    pub fn tls_reloader(&self) -> Option<TlsReloader> {
        Some(self.tls.as_ref()?.handshakes.setup.reloader())
    }

    /// Serves on an already bound listener, with the chat's data in
    /// memory (see [`Server::bind_with_store`]).
    pub fn from_listener(listener: TcpListener, config: Config) -> Server {
        Server {
            listener,
            chat: ChatHub::new(config.chat.clone()),
            accounts: Arc::new(Accounts::new(config.accounts)),
            config,
            stats: Arc::new(Stats::new()),
            tls: None,
        }
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> Result<SocketAddr, ServerError> {
        self.listener.local_addr().map_err(ServerError::LocalAddr)
    }

    /// The server's counters (the same ones `/stats` shows).
    pub fn stats(&self) -> Arc<Stats> {
        Arc::clone(&self.stats)
    }

    /// The server's chat hub (shared by every connection).
    pub fn chat(&self) -> Arc<ChatHub> {
        Arc::clone(&self.chat)
    }

    /// Accepts and serves clients until `shutdown` is cancelled, then
    /// closes the listening socket, tells every client `server shutting
    /// down`, and returns once all of them are closed or
    /// [`Config::shutdown_timeout`] has passed.
    pub async fn run(self, shutdown: CancellationToken) {
        let Server {
            listener,
            config,
            stats,
            chat,
            tls,
            accounts,
        } = self;
        let serving = Arc::new(Serving {
            config: config.clone(),
            stats: Arc::clone(&stats),
            chat: Arc::clone(&chat),
            accounts,
            shutdown: shutdown.clone(),
        });
        let accepting = Accepting {
            connections: Arc::new(Semaphore::new(config.max_connections)),
            refusals: Arc::new(Semaphore::new(MAX_REFUSALS_IN_FLIGHT)),
            tracker: TaskTracker::new(),
            shutdown,
            config,
            stats,
            chat,
            serving,
            next_id: 0,
        };
        match listener.local_addr() {
            Ok(addr) => info!(%addr, "listening"),
            Err(e) => warn!(error = %e, "listening on an unknown address"),
        }
        if let Some(tls) = &tls {
            match tls.listener.local_addr() {
                Ok(addr) => info!(%addr, "listening for TLS"),
                Err(e) => warn!(error = %e, "listening for TLS on an unknown address"),
            }
        }
        accepting.run(listener, tls).await;
    }
}

/// The server's shared parts a connection's handler is made from: made
/// once, and shared by the connection tasks through an `Arc`, so that
/// accepting a client does not copy the configuration.
struct Serving {
    config: Config,
    stats: Arc<Stats>,
    chat: Arc<ChatHub>,
    accounts: Arc<Accounts>,
    shutdown: CancellationToken,
}

impl Serving {
    /// A handler for a client at `peer` on `stream`, registered with the
    /// chat hub from now on, and the guard that counts it as open until
    /// dropped.
    fn handler<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        stream: S,
        peer: Peer,
        span: tracing::Span,
    ) -> (Handler<S>, ConnectionGuard) {
        let open = self.stats.connection_opened();
        // Every client is a chat member (with a guest nick) from the
        // start; the member leaves the hub when the handler drops it.
        let (member, inbox) = self.chat.register_within(&self.shutdown);
        let handler = Handler {
            connection: Connection::new(stream, self.config.max_line_bytes),
            session: Session::new(self.config.limits, Arc::clone(&self.stats), member)
                .with_peer(peer)
                .with_accounts(Arc::clone(&self.accounts)),
            inbox,
            shutdown: self.shutdown.clone(),
            idle_timeout: self.config.idle_timeout,
            goodbye_timeout: self.config.goodbye_timeout,
            cpu_share_percent: self.config.cpu_share_percent,
            stats: Arc::clone(&self.stats),
            span,
        };
        (handler, open)
    }
}

/// The accept loop's state.
struct Accepting {
    connections: Arc<Semaphore>,
    refusals: Arc<Semaphore>,
    tracker: TaskTracker,
    shutdown: CancellationToken,
    config: Config,
    stats: Arc<Stats>,
    chat: Arc<ChatHub>,
    /// What each connection's handler is made from.
    serving: Arc<Serving>,
    next_id: u64,
}

/// Which listener a connection came from.
enum Transport {
    Plain,
    Tls,
}

/// The next connection on `listener`; never, without one.
async fn accept_on(listener: Option<&TcpListener>) -> io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => listener.accept().await,
        None => std::future::pending().await,
    }
}

impl Accepting {
    async fn run(mut self, listener: TcpListener, tls: Option<TlsListener>) {
        let mut backoff = FIRST_ACCEPT_BACKOFF;
        let tls_listener = tls.as_ref().map(|tls| &tls.listener);
        let handshakes = tls.as_ref().map(|tls| &tls.handshakes);
        loop {
            // Without `biased`, a flood on one listener cannot starve the
            // other; shutdown is looked at first on every turn instead.
            if self.shutdown.is_cancelled() {
                break;
            }
            let accepted = tokio::select! {
                () = self.shutdown.cancelled() => break,
                accepted = listener.accept() => accepted.map(|a| (a, Transport::Plain)),
                accepted = accept_on(tls_listener) => accepted.map(|a| (a, Transport::Tls)),
            };
            match accepted {
                Ok(((stream, peer), Transport::Plain)) => {
                    backoff = FIRST_ACCEPT_BACKOFF;
                    self.admit(stream, peer);
                }
                Ok(((stream, peer), Transport::Tls)) => {
                    backoff = FIRST_ACCEPT_BACKOFF;
                    if let Some(handshakes) = handshakes {
                        self.admit_tls(stream, peer, handshakes);
                    }
                }
                Err(e) => {
                    // Running out of file descriptors or memory is
                    // temporary; a pause lets connections finish instead
                    // of spinning on the error.
                    warn!(error = %e, ?backoff, "accept failed; retrying");
                    tokio::select! {
                        () = self.shutdown.cancelled() => break,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(MAX_ACCEPT_BACKOFF);
                }
            }
        }
        // Stop accepting: from here on, connection attempts are refused by
        // the kernel instead of waiting in the backlog.
        drop(listener);
        drop(tls);
        self.tracker.close();
        info!(connections = self.stats.open_connections(), "shutting down");
        let waited = tokio::time::timeout(self.config.shutdown_timeout, self.tracker.wait()).await;
        if waited.is_err() {
            warn!(
                tasks = self.tracker.len(),
                "shutdown timed out; dropping the remaining connections"
            );
        }
        // What the connections left queued (read markers) reaches the disk.
        let flushed =
            tokio::time::timeout(self.config.shutdown_timeout, self.chat.store().close()).await;
        if !matches!(flushed, Ok(Ok(()))) {
            warn!("the store did not confirm its last writes");
        }
        info!("stopped");
    }

    /// Starts serving a new client, or refuses it if the server is full.
    fn admit(&mut self, stream: TcpStream, peer: SocketAddr) {
        // Replies are written in whole batches already (see Connection), so
        // Nagle's algorithm would only add latency.
        let _ = stream.set_nodelay(true);
        let Ok(permit) = Arc::clone(&self.connections).try_acquire_owned() else {
            self.refuse(stream, peer);
            return;
        };
        let span = self.span(peer);
        let (handler, open) = self.serving().handler(stream, Peer::plain(peer), span);
        debug!(parent: &handler.span, "connected");
        self.tracker.spawn(async move {
            handler.run().await;
            // Both go back only when the task is done with the client.
            drop(open);
            drop(permit);
        });
    }

    /// Starts the handshake of a new TLS client and then serves it, or
    /// closes the connection if the server is full (a TLS client could not
    /// read the plain `server full` line).
    fn admit_tls(&mut self, stream: TcpStream, peer: SocketAddr, handshakes: &Handshakes) {
        let _ = stream.set_nodelay(true);
        let Ok(permit) = Arc::clone(&self.connections).try_acquire_owned() else {
            info!(%peer, "server full; TLS connection closed");
            return;
        };
        let span = self.span(peer);
        let serving = self.serving();
        let handshakes = handshakes.clone();
        self.tracker.spawn(async move {
            // The permit is held from here: a handshake in progress counts
            // toward the connection cap.
            match handshakes.handshake(stream, &serving.shutdown).await {
                Ok(stream) => {
                    let peer = Peer {
                        addr: Some(peer),
                        encrypted: true,
                    };
                    let (handler, open) = serving.handler(stream, peer, span);
                    debug!(parent: &handler.span, "connected over TLS");
                    handler.run().await;
                    drop(open);
                }
                Err(e) => debug!(parent: &span, error = %e, "TLS handshake failed"),
            }
            drop(permit);
        });
    }

    /// The span of a new connection's events.
    fn span(&mut self, peer: SocketAddr) -> tracing::Span {
        self.next_id += 1;
        info_span!("conn", id = self.next_id, %peer)
    }

    /// What a connection's task needs from the server to start serving.
    fn serving(&self) -> Arc<Serving> {
        Arc::clone(&self.serving)
    }

    /// Tells a client the server is full and closes the connection.
    fn refuse(&self, stream: TcpStream, peer: SocketAddr) {
        info!(%peer, "server full; connection refused");
        let line = format!("{SERVER_FULL}\r\n");
        let Ok(slot) = Arc::clone(&self.refusals).try_acquire_owned() else {
            // Too many refusals in flight: one non-blocking try, then drop.
            let _ = stream.try_write(line.as_bytes());
            return;
        };
        let timeout = self.config.goodbye_timeout;
        self.tracker.spawn(async move {
            let mut connection = Connection::new(stream, 1);
            let goodbye = async {
                connection.write_raw(line.as_bytes()).await?;
                connection.close().await
            };
            let _ = tokio::time::timeout(timeout, goodbye).await;
            drop(slot);
        });
    }
}
