//! The task that serves one client: it moves frames from the
//! [`Connection`] into the [`Session`] and the session's actions back out,
//! and is the one place where timeouts and shutdown meet the I/O.
//!
//! Each client is served by one task doing one thing at a time: read a
//! frame, handle it, write the replies, read the next. That sequence *is*
//! the backpressure: while a write waits for a client that is not reading,
//! nothing is read from that client, so a client can never make the server
//! buffer more than one frame's replies for it.
//!
//! Every wait (for input, or for the client to take output) races the
//! server's shutdown token and the idle timeout, so a client that stops
//! reading or writing cannot hold its task, or a graceful shutdown, forever.

use std::future::Future;
use std::io;
use std::time::Duration;

use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::sync::CancellationToken;
use tracing::{info, trace};

use super::connection::Connection;
use super::session::{Action, GREETING, Session};

/// Why a connection ended other than by the client's wish.
#[derive(Debug, Error)]
pub enum ConnectionError {
    /// The server is shutting down.
    #[error("server shutting down")]
    Shutdown,
    /// The client neither sent nor accepted anything for this long.
    #[error("idle for {} s", .0.as_secs())]
    Idle(Duration),
    /// The socket failed, typically because the client vanished.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// How a connection ended normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// The client said goodbye (a quit word, `/quit`, Ctrl-C, Ctrl-D).
    Quit,
    /// The client closed its side of the connection.
    Eof,
}

/// Serves one client until it leaves, fails, idles out, or the server stops.
pub struct Handler<S> {
    pub(super) connection: Connection<S>,
    pub(super) session: Session,
    pub(super) shutdown: CancellationToken,
    pub(super) idle_timeout: Option<Duration>,
    pub(super) goodbye_timeout: Duration,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Handler<S> {
    /// Runs the conversation to its end and says goodbye as fitting.
    /// Nothing here can fail the server: every outcome is logged and the
    /// connection dropped.
    pub async fn run(mut self) {
        let outcome = self.serve().await;
        let parting = match &outcome {
            Err(ConnectionError::Shutdown) => Some("server shutting down".to_string()),
            Err(ConnectionError::Idle(d)) => Some(format!(
                "error: idle for {} s, closing the connection",
                d.as_secs()
            )),
            _ => None,
        };
        if let Some(line) = parting {
            let goodbye = async {
                self.connection.write_line(&line).await?;
                self.connection.close().await
            };
            // Best effort: a client that does not take it in time loses it.
            let _ = tokio::time::timeout(self.goodbye_timeout, goodbye).await;
        }
        match outcome {
            Ok(ended) => info!(?ended, "connection closed"),
            Err(ConnectionError::Io(e)) => info!(error = %e, "connection lost"),
            Err(e) => info!(reason = %e, "connection closed"),
        }
    }

    async fn serve(&mut self) -> Result<Ended, ConnectionError> {
        let (shutdown, idle) = (&self.shutdown, self.idle_timeout);
        guarded(shutdown, idle, self.connection.write_line(GREETING)).await?;
        let mut actions = Vec::new();
        loop {
            let frame = guarded(shutdown, idle, self.connection.read_frame()).await?;
            let Some(frame) = frame else {
                // Every reply was flushed before the end of input was seen.
                let _ = tokio::time::timeout(self.goodbye_timeout, self.connection.close()).await;
                return Ok(Ended::Eof);
            };
            trace!(?frame, "frame");
            self.session.handle(frame, &mut actions);
            for action in actions.drain(..) {
                match action {
                    Action::Send(line) => {
                        guarded(shutdown, idle, self.connection.write_line(&line)).await?;
                    }
                    Action::Telnet(bytes) => {
                        guarded(shutdown, idle, self.connection.write_raw(&bytes)).await?;
                    }
                    Action::Close => {
                        let close = self.connection.close();
                        let _ = tokio::time::timeout(self.goodbye_timeout, close).await;
                        return Ok(Ended::Quit);
                    }
                }
            }
        }
    }
}

/// Runs one I/O step unless the server shuts down or the client stays idle
/// for `idle` first. Shutdown wins ties, so a busy client cannot delay it.
async fn guarded<T>(
    shutdown: &CancellationToken,
    idle: Option<Duration>,
    step: impl Future<Output = io::Result<T>>,
) -> Result<T, ConnectionError> {
    let idle_timer = async {
        match idle {
            Some(limit) => tokio::time::sleep(limit).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        biased;
        () = shutdown.cancelled() => Err(ConnectionError::Shutdown),
        result = step => Ok(result?),
        () = idle_timer => Err(ConnectionError::Idle(idle.unwrap_or_default())),
    }
}
