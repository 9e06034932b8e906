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
//! server's shutdown token, the member's chat kick token and the idle
//! timeout, so a client that stops reading or writing cannot hold its task,
//! or a graceful shutdown, forever.
//!
//! Chat adds a second source of output: lines other members send, which
//! arrive in the member's bounded [`Inbox`]. While waiting for the next
//! frame, the handler also waits for those, and writes them as they come.
//! The inbox goes first (`biased`): a client's own next line is read only
//! when nothing relayed is waiting, so a member who floods a busy room is
//! slowed by its own incoming traffic instead of letting its inbox grow.
//! The client's own replies keep the rule above (written before the next
//! frame is read). If the client does not read, its writes wait, its inbox
//! fills, and the hub drops it and cancels [`Inbox::kicked`], which ends
//! whatever wait the handler is in.

use std::future::Future;
use std::io;
use std::time::{Duration, Instant};

use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::sync::CancellationToken;
use tracing::{info, trace};

use super::chat::{Departure, Inbox};
use super::connection::Connection;
use super::session::{Action, GREETING, Session};

/// Handling a frame that takes at least this long makes the task yield
/// (see the end of the serve loop). Cheap lines take a few microseconds.
const HEAVY_FRAME: Duration = Duration::from_micros(50);

/// Why a connection ended other than by the client's wish.
#[derive(Debug, Error)]
pub enum ConnectionError {
    /// The server is shutting down.
    #[error("server shutting down")]
    Shutdown,
    /// The client neither sent nor accepted anything for this long.
    #[error("idle for {} s", .0.as_secs())]
    Idle(Duration),
    /// The chat hub dropped the client: its inbox overflowed.
    #[error("not reading chat lines")]
    Kicked,
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
    pub(super) inbox: Inbox,
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
        // Leave the chat first, so the room hears of it at once, not after
        // the goodbye below has had its chance.
        self.session.depart(match &outcome {
            Ok(Ended::Quit) => Departure::Quit,
            Ok(Ended::Eof) => Departure::Closed,
            Err(ConnectionError::Shutdown) => Departure::Shutdown,
            Err(ConnectionError::Idle(_)) => Departure::Idle,
            Err(ConnectionError::Kicked) => Departure::Overflow,
            Err(ConnectionError::Io(_)) => Departure::Lost,
        });
        let parting = match &outcome {
            Err(ConnectionError::Shutdown) => Some("server shutting down".to_string()),
            Err(ConnectionError::Idle(d)) => Some(format!(
                "error: idle for {} s, closing the connection",
                d.as_secs()
            )),
            // On its own line: a relayed line may have been cut short.
            Err(ConnectionError::Kicked) => Some(format!(
                "\r\nerror: disconnected: more than {} chat lines were waiting for you to read",
                self.session.chat().hub().config().queue
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
        let guards = Guards {
            shutdown: &self.shutdown,
            kicked: &self.inbox.kicked,
            idle: self.idle_timeout,
        };
        let relayed = &mut self.inbox.messages;
        guards.run(self.connection.write_line(GREETING)).await?;
        let mut actions = Vec::new();
        loop {
            let next = guards
                .run(async {
                    tokio::select! {
                        biased;
                        // `None` (the hub let go of this member) disables
                        // the branch; `kicked` says why.
                        Some(line) = relayed.recv() => Ok(Next::Relayed(line)),
                        frame = self.connection.read_frame() => frame.map(Next::Frame),
                    }
                })
                .await?;
            let frame = match next {
                Next::Relayed(line) => {
                    guards.run(self.connection.write_line(&line)).await?;
                    continue;
                }
                Next::Frame(frame) => frame,
            };
            let Some(frame) = frame else {
                // Every reply was flushed before the end of input was seen.
                let _ = tokio::time::timeout(self.goodbye_timeout, self.connection.close()).await;
                return Ok(Ended::Eof);
            };
            trace!(?frame, "frame");
            let started = Instant::now();
            self.session.handle(frame, &mut actions);
            let heavy = started.elapsed() >= HEAVY_FRAME;
            for action in actions.drain(..) {
                match action {
                    Action::Send(line) => {
                        guards.run(self.connection.write_line(&line)).await?;
                    }
                    Action::Telnet(bytes) => {
                        guards.run(self.connection.write_raw(&bytes)).await?;
                    }
                    Action::Close => {
                        let close = self.connection.close();
                        let _ = tokio::time::timeout(self.goodbye_timeout, close).await;
                        return Ok(Ended::Quit);
                    }
                }
            }
            // Frames already in the read buffer decode without touching the
            // socket, so a client pipelining chat lines could run for
            // thousands of lines before tokio makes this task yield, while
            // the recipients it woke wait (tokio runs a task woken by this
            // one on this worker, next). Taking a unit of tokio's budget per
            // frame makes it yield every 128 or so, so the recipients drain
            // their queues in step instead of overflowing them.
            tokio::task::coop::consume_budget().await;
            // A frame that took real CPU (a worst-case 4 KiB expression
            // takes up to half a millisecond) gives the worker back at
            // once: with the budget alone, a client pipelining such lines
            // would hold its worker for ~128 of them (tens of ms) while
            // the other clients on it wait, which is what the hostile-client
            // benchmark measured.
            if heavy {
                tokio::task::yield_now().await;
            }
        }
    }
}

/// What the handler waits for between steps.
enum Next {
    /// A chat line from another member.
    Relayed(super::chat::Line),
    /// The client's next frame, or `None` at its end of input.
    Frame(Option<super::codec::Frame>),
}

/// What can interrupt any wait of a connection.
struct Guards<'a> {
    shutdown: &'a CancellationToken,
    kicked: &'a CancellationToken,
    idle: Option<Duration>,
}

impl Guards<'_> {
    /// Runs one I/O step unless the server shuts down, the chat hub drops
    /// the member, or the client stays idle for `idle` first. Shutdown wins
    /// ties, so a busy client cannot delay it.
    async fn run<T>(
        &self,
        step: impl Future<Output = io::Result<T>>,
    ) -> Result<T, ConnectionError> {
        let idle = self.idle;
        let idle_timer = async {
            match idle {
                Some(limit) => tokio::time::sleep(limit).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            () = self.shutdown.cancelled() => Err(ConnectionError::Shutdown),
            () = self.kicked.cancelled() => Err(ConnectionError::Kicked),
            result = step => Ok(result?),
            () = idle_timer => Err(ConnectionError::Idle(idle.unwrap_or_default())),
        }
    }
}
