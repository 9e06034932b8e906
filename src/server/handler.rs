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
//! member's stop token (cancelled by the server's shutdown or the chat
//! hub's kick) and the idle timeout, so a client that stops reading or
//! writing cannot hold its task, or a graceful shutdown, forever.
//!
//! Between frames, `Pacing` keeps a client that computes without pause
//! from taking the CPU from the others (its per-connection share is in
//! [`cpu_share`](super::cpu_share)).
//!
//! A command may leave work pending (a store operation, a password hash,
//! a throttle's pause; see the session's module docs). The handler does
//! it right after the frame's replies, under the same guards as any wait,
//! writing relayed chat lines meanwhile so that a member's inbox does not
//! fill while it waits, and reads the client's next frame only after the
//! session has been resumed with the outcome and its replies written.
//!
//! Chat adds a second source of output: lines other members send, which
//! arrive in the member's bounded [`Inbox`]. While waiting for the next
//! frame, the handler also waits for those, and writes them as they come.
//! The inbox goes first (`biased`): a client's own next line is read only
//! when nothing relayed is waiting, so a member who floods a busy room is
//! slowed by its own incoming traffic instead of letting its inbox grow.
//! Every line queued before a frame is read is written before that frame's
//! replies: a client sees what the room said before its own line was
//! answered, in that order. The client's own replies keep the rule above
//! (written before the next frame is read). If the client does not read,
//! its writes wait, its inbox fills, and the hub drops it and cancels
//! [`Inbox::kicked`], which ends whatever wait the handler is in.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, Sleep};
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};
use tracing::{info, trace};

use super::chat::{Departure, Inbox};
use super::codec::Frame;
use super::connection::Connection;
use super::cpu_share::CpuShare;
use super::session::{Action, GREETING, Mode, Pending, Resume, Session};
use super::stats::Stats;
use crate::spare;

/// A frame that takes at least this long is heavy (see [`Pacing`]). Cheap
/// lines take a few microseconds.
const HEAVY_FRAME: Duration = Duration::from_micros(50);

/// Frames' time is charged to the connection's [`CpuShare`] once at least
/// this much has added up (a heavy frame at once). Charging every frame
/// was a tenth of the server's own instructions on pipelined `1+2`; this
/// leaves at most 50 µs of a connection's time uncharged, next to its
/// 100 ms burst.
const BILLING_BATCH: Duration = HEAVY_FRAME;

/// A step that finishes without waiting skips looking at the stop token,
/// except every this many steps (see [`Guards::run`]).
const STOP_CHECK_INTERVAL: u32 = 16;

/// The same for [`Guards::ready_now`], which costs far less than a step,
/// so that looking at the token (a lock) stays a small part of it. Tokio's
/// cooperative budget makes a task yield about this often, too.
const FAST_STOP_CHECK_INTERVAL: u32 = 128;

thread_local! {
    /// An empty list for a frame's actions, for the next frame handled on
    /// this thread (see `crate::spare`).
    static SPARE_ACTIONS: Cell<Vec<Action>> = const { Cell::new(Vec::new()) };
}

/// The longest action list kept for the next frame (most frames have one
/// action; `/help` has a few dozen, and its list is freed).
const MAX_SPARE_ACTIONS: usize = 16;

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
    /// See [`CpuShare`]; 100 or more: no limit.
    pub(super) cpu_share_percent: u32,
    pub(super) stats: Arc<Stats>,
    /// The connection's span (`conn{id, peer}`): every event the handler
    /// logs names it as its parent. The task is not `instrument`ed with it:
    /// entering and leaving a span on every poll cost more than serving a
    /// pipelined `1+2` (the subscriber's registry and filter run each
    /// time), for events that are logged a few times per connection.
    pub(super) span: tracing::Span,
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
            Ok(ended) => info!(parent: &self.span, ?ended, "connection closed"),
            Err(ConnectionError::Io(e)) => {
                info!(parent: &self.span, error = %e, "connection lost");
            }
            Err(e) => info!(parent: &self.span, reason = %e, "connection closed"),
        }
    }

    async fn serve(&mut self) -> Result<Ended, ConnectionError> {
        // Built once per connection and kept across waits (see `Guards`).
        let mut guards = Guards {
            shutdown: &self.shutdown,
            stop: &self.inbox.kicked,
            stopped: pin!(self.inbox.kicked.cancelled()),
            stop_registered: false,
            idle_timer: pin!(tokio::time::sleep(
                self.idle_timeout.unwrap_or(Duration::ZERO)
            )),
            idle_timer_armed: false,
            idle: self.idle_timeout,
            recent: None,
            steps_unchecked: 0,
            looks_unchecked: 0,
        };
        let relayed = &mut self.inbox.messages;
        let span = &self.span;
        guards.send_line(&mut self.connection, GREETING).await?;
        let mut pacing = Pacing::new(self.cpu_share_percent);
        loop {
            // Until a session has chatted, no line can have been relayed
            // to it: its channel is not looked at.
            let relayed_now = self.session.has_chatted().then_some(&mut *relayed);
            let next = match guards.ready_now(relayed_now, &mut self.connection)? {
                Some(next) => next,
                None => {
                    // Only members in chat mode are sent lines; for the
                    // others, not waiting on the inbox saves registering
                    // with it for every wait. (What a member was sent
                    // before it left chat, `ready_now` still delivers.)
                    let chatting = self.session.mode() == Mode::Chat;
                    // Input is only read here, not decoded: the frame is
                    // taken by `ready_now` on the next turn, after any line
                    // queued for the member meanwhile. So a line the hub
                    // queued before the client sent its next frame goes out
                    // before that frame's reply, even if it came between
                    // this look at the inbox and the read.
                    let relayed_line = guards
                        .run(async {
                            tokio::select! {
                                biased;
                                // `None` (the hub let go of this member)
                                // disables the branch; `kicked` says why.
                                Some(line) = relayed.recv(), if chatting => Ok(Some(line)),
                                read = self.connection.read_more() => read.map(|()| None),
                            }
                        })
                        .await?;
                    match relayed_line {
                        Some(line) => Next::Relayed(line),
                        None => continue,
                    }
                }
            };
            let frame = match next {
                Next::Relayed(line) => {
                    if !self.connection.queue_relayed_line(&line) {
                        guards.send_line(&mut self.connection, &line).await?;
                    }
                    continue;
                }
                Next::Frame(frame) => frame,
            };
            let Some(frame) = frame else {
                // Every reply was flushed before the end of input was seen.
                let _ = tokio::time::timeout(self.goodbye_timeout, self.connection.close()).await;
                return Ok(Ended::Eof);
            };
            trace!(
                parent: span,
                frame = ?Logged {
                    frame: &frame,
                    secret: self.session.expects_secret()
                },
                "frame"
            );
            // A frame that follows the last without a wait in between is
            // timed from where that one ended: a clock read less per
            // pipelined line, and the connection is charged for the work
            // in between (writing the last replies, decoding this frame).
            let started = guards.recent.unwrap_or_else(Instant::now);
            let mut actions = spare::take(&SPARE_ACTIONS);
            let offloaded = if pacing.offload_next() {
                self.session.take_evaluation(frame)
            } else {
                Err(frame)
            };
            match offloaded {
                Ok(mut evaluation) => {
                    // Boxed: kept in line, this rare wait's state would make
                    // every connection's task bigger.
                    let done = Box::pin(guards.run(async {
                        tokio::task::spawn_blocking(move || {
                            super::cpu_share::in_background(|| evaluation.run());
                            evaluation
                        })
                        .await
                        .map_err(io::Error::other)
                    }))
                    .await?;
                    self.session.finish_evaluation(done, &mut actions);
                }
                Err(frame) => self.session.handle(frame, &mut actions),
            }
            let spent = pacing.finish(started);
            guards.recent = Some(pacing.finished);
            loop {
                for action in actions.drain(..) {
                    match action {
                        Action::Send(line) => {
                            guards.send_line(&mut self.connection, &line).await?;
                            // Most replies are written in the request's own
                            // buffer (the calculator's result, the echo).
                            super::codec::recycle_line(line);
                        }
                        Action::Telnet(bytes) => {
                            guards.run(self.connection.write_raw(&bytes)).await?;
                        }
                        Action::Prompt(text) => {
                            guards
                                .run(self.connection.write_raw(text.as_bytes()))
                                .await?;
                        }
                        Action::Close => {
                            let close = self.connection.close();
                            let _ = tokio::time::timeout(self.goodbye_timeout, close).await;
                            return Ok(Ended::Quit);
                        }
                    }
                }
                let Some(pending) = self.session.take_pending() else {
                    break;
                };
                let chatting = self.session.mode() == Mode::Chat;
                let relayed_now = chatting.then_some(&mut *relayed);
                // Boxed, like the offloaded evaluation: kept in line, this
                // wait's state would make every connection's task bigger.
                let resume = Box::pin(finish(
                    pending,
                    &mut guards,
                    &mut self.connection,
                    relayed_now,
                ))
                .await?;
                self.session.resume(resume, &mut actions);
            }
            spare::give_vec(&SPARE_ACTIONS, actions, MAX_SPARE_ACTIONS);
            // Frames already in the read buffer decode without touching the
            // socket, so a client pipelining chat lines could run for
            // thousands of lines before tokio makes this task yield, while
            // the recipients it woke wait (tokio runs a task woken by this
            // one on this worker, next). Taking a unit of tokio's budget per
            // frame makes it yield every 128 or so, so the recipients drain
            // their queues in step instead of overflowing them.
            guards.consume_budget().await;
            match pacing.after(spent) {
                Pace::Go => {}
                Pace::Yield => {
                    tokio::task::yield_now().await;
                    guards.note_wait();
                }
                Pace::Pause(pause) => {
                    self.stats.record_cpu_pause();
                    // This client's replies go out now; its next line waits.
                    guards.run(self.connection.flush()).await?;
                    guards
                        .run(async {
                            tokio::time::sleep(pause).await;
                            Ok(())
                        })
                        .await?;
                }
            }
        }
    }
}

/// Does the work a command left pending, under the guards, writing the
/// member's relayed lines (if `relayed`) while it waits; returns what to
/// resume the session with.
async fn finish<S: AsyncRead + AsyncWrite + Unpin>(
    pending: Pending,
    guards: &mut Guards<'_, '_>,
    connection: &mut Connection<S>,
    relayed: Option<&mut super::chat::Incoming>,
) -> Result<Resume, ConnectionError> {
    // What the command said so far goes out before the wait (a throttle
    // says how long it will be).
    guards.run(connection.flush()).await?;
    let work = async move {
        match pending {
            Pending::Wait(future) => Ok(future.await),
            Pending::Sleep(pause, resume) => {
                tokio::time::sleep(pause).await;
                Ok(resume)
            }
            Pending::Blocking { admission, job } => {
                let turn = admission.turn().await;
                // The permit goes with the job: if this wait is abandoned
                // (shutdown, idle), the job still holds its core's place
                // until it ends.
                tokio::task::spawn_blocking(move || {
                    let _turn = turn;
                    super::cpu_share::in_background(job)
                })
                .await
                .map_err(io::Error::other)
            }
        }
    };
    guards
        .run(async move {
            let mut work = pin!(work);
            let Some(relayed) = relayed else {
                return work.await;
            };
            loop {
                tokio::select! {
                    biased;
                    done = &mut work => return done,
                    Some(line) = relayed.recv() => connection.write_line(&line).await?,
                }
            }
        })
        .await
}

/// A frame as the trace log shows it: never a password, neither the
/// answer to a prompt nor the arguments of a command that may carry one.
struct Logged<'a> {
    frame: &'a Frame,
    /// The frame answers a password prompt.
    secret: bool,
}

impl std::fmt::Debug for Logged<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.frame {
            Frame::Line(_) if self.secret => f.write_str("Line(<a password, not shown>)"),
            Frame::Line(text) => {
                let command = text
                    .trim_start()
                    .strip_prefix('/')
                    .map(|rest| rest.split(char::is_whitespace).next().unwrap_or_default());
                match command {
                    Some(name) if super::commands::carries_password(name) => {
                        write!(f, "Line({:?} <arguments not shown>)", format!("/{name}"))
                    }
                    _ => self.frame.fmt(f),
                }
            }
            _ => self.frame.fmt(f),
        }
    }
}

/// How a connection's computing is kept from hurting the others: where a
/// frame runs, and what the task does after it.
///
/// The calculator's limits bound one line (the slowest 4 KiB line takes
/// about half a millisecond); these rules bound a client that sends such
/// lines without pause, so that the others keep their latency (the
/// hostile-client benchmark in BENCHMARKS.md):
///
/// * a frame that took [`HEAVY_FRAME`] or more makes the task yield, so the
///   other clients on its worker go first (tokio's cooperative budget alone
///   would let it run ~128 such frames, tens of milliseconds);
/// * a calculator line that follows a heavy frame is evaluated on a thread
///   of tokio's blocking pool ([`Session::take_evaluation`]), and the task
///   waits for it like for I/O: the other clients on its thread do not
///   wait behind it at all (one heavy frame predicts the next well: an
///   attack is a stream of them, a person types one at a time);
/// * the time each frame took is charged to the connection's [`CpuShare`];
///   over it, the connection pauses.
struct Pacing {
    cpu_share: Option<CpuShare>,
    last_was_heavy: bool,
    /// When the last frame's handling ended. tokio's clock, not std's, as
    /// the idle deadlines (which count from it) are tokio timers: under a
    /// paused clock (the tests' `start_paused`) the two differ.
    finished: Instant,
    /// Time spent and not yet charged to `cpu_share` (see [`BILLING_BATCH`]).
    unbilled: Duration,
}

/// What a connection does after a frame (see [`Pacing`]).
enum Pace {
    Go,
    Yield,
    Pause(Duration),
}

impl Pacing {
    fn new(cpu_share_percent: u32) -> Pacing {
        let now = Instant::now();
        Pacing {
            cpu_share: CpuShare::new(cpu_share_percent, now.into_std()),
            last_was_heavy: false,
            finished: now,
            unbilled: Duration::ZERO,
        }
    }

    /// Whether the next calculator line should be evaluated away from the
    /// connection's thread: the last frame was heavy.
    fn offload_next(&self) -> bool {
        self.last_was_heavy
    }

    /// Ends a frame's handling that began at `started`; returns its time.
    fn finish(&mut self, started: Instant) -> Duration {
        self.finished = Instant::now();
        let spent = self.finished.saturating_duration_since(started);
        self.last_was_heavy = spent >= HEAVY_FRAME;
        spent
    }

    /// What to do after a frame that took `spent`.
    fn after(&mut self, spent: Duration) -> Pace {
        if let Some(budget) = self.cpu_share.as_mut() {
            self.unbilled += spent;
            if self.unbilled >= BILLING_BATCH
                && let Some(pause) =
                    budget.charge(std::mem::take(&mut self.unbilled), self.finished.into_std())
            {
                return Pace::Pause(pause);
            }
        }
        if self.last_was_heavy {
            Pace::Yield
        } else {
            Pace::Go
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

/// What can interrupt any wait of a connection: the member's stop token
/// (cancelled by the server's shutdown or by the chat hub's kick, see
/// [`ChatHub::register_within`](super::chat::ChatHub::register_within)) and
/// the idle timeout.
///
/// Both futures live as long as the connection instead of being made anew
/// for each wait. A fresh `cancelled()` future registers with its token's
/// waiter list and a fresh `sleep` with tokio's timer wheel, both behind
/// locks, and unregisters when dropped: two waits per request made that the
/// largest part of the server's CPU under load (a quarter of its samples,
/// much of it contention on the one shutdown token every connection
/// shared). Kept, a future that is already registered is only polled again.
struct Guards<'a, 'f> {
    shutdown: &'a CancellationToken,
    /// The member's stop token, which `stopped` waits on.
    stop: &'a CancellationToken,
    stopped: Pin<&'f mut WaitForCancellationFuture<'a>>,
    /// `stopped` has been polled and is registered with the token (see
    /// [`Self::stop_reason`]).
    stop_registered: bool,
    /// Armed at most once per `idle` period: it may fire early (for an
    /// earlier wait's deadline), and is then moved to the current wait's.
    idle_timer: Pin<&'f mut Sleep>,
    /// `idle_timer` has been polled since it was last set, so it is in
    /// tokio's timer wheel with this task's waker, for a deadline no later
    /// than any wait's from now on (see [`Self::run`]).
    idle_timer_armed: bool,
    idle: Option<Duration>,
    /// When the last frame's handling ended, until the task waits: the
    /// next frame's start and the next wait's idle deadline count from it,
    /// a clock read less for each. `None` once the task has waited.
    recent: Option<Instant>,
    /// Steps since the stop token was last looked at.
    steps_unchecked: u32,
    /// Looks for work ready at once ([`Self::ready_now`]) since one last
    /// looked at the stop token.
    looks_unchecked: u32,
}

impl Guards<'_, '_> {
    /// What the handler does next, if it can without waiting: a relayed
    /// chat line (if the member may have any: `relayed` is `None` for a
    /// session that never chatted, which saves looking at its channel),
    /// else a complete frame in the read buffer, or the end of input.
    ///
    /// Every frame is taken here, after the inbox: the `select!` of
    /// [`Handler::serve`] only waits for a relayed line or more input.
    /// Most frames of a pipelining client are in the buffer already, and
    /// looking for them first is cheaper than that `select!`, which
    /// registers the task with the inbox and the socket each time (about 6%
    /// of the server's CPU on pipelined `1+2`). One in every
    /// [`FAST_STOP_CHECK_INTERVAL`] looks at the stop token first.
    fn ready_now<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        relayed: Option<&mut super::chat::Incoming>,
        connection: &mut Connection<S>,
    ) -> Result<Option<Next>, ConnectionError> {
        if counted_to(&mut self.looks_unchecked, FAST_STOP_CHECK_INTERVAL)
            && self.stop.is_cancelled()
        {
            return Err(self.stop_cause());
        }
        if let Some(relayed) = relayed
            && let Ok(line) = relayed.try_recv()
        {
            return Ok(Some(Next::Relayed(line)));
        }
        Ok(match connection.buffered_frame()? {
            Some(frame) => Some(Next::Frame(Some(frame))),
            None if connection.at_end() => Some(Next::Frame(None)),
            None => None,
        })
    }

    /// Takes a unit of tokio's cooperative budget (yielding when it is
    /// spent), noting the yield as a wait.
    async fn consume_budget(&mut self) {
        let mut budget = pin!(tokio::task::coop::consume_budget());
        std::future::poll_fn(|cx| {
            let poll = budget.as_mut().poll(cx);
            if poll.is_pending() {
                self.note_wait();
            }
            poll
        })
        .await
    }

    /// Queues `line` for the client, and waits (as a step, see
    /// [`Self::run`]) only when the reply buffer must be sent first: most
    /// replies are a copy, without a step's bookkeeping.
    async fn send_line<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        connection: &mut Connection<S>,
        line: &str,
    ) -> Result<(), ConnectionError> {
        if connection.queue_line(line) {
            return Ok(());
        }
        self.run(connection.write_line(line)).await
    }

    /// The task is about to wait (or just did, for a yield): what it knew
    /// of the time is now out of date.
    fn note_wait(&mut self) {
        self.recent = None;
    }

    /// The deadline of a wait that starts now (see [`Self::recent`]).
    fn idle_deadline(&self, limit: Duration) -> Instant {
        self.recent.unwrap_or_else(Instant::now) + limit
    }

    /// Runs one I/O step unless the server shuts down, the chat hub drops
    /// the member, or the client stays idle for `idle` first. Shutdown wins
    /// ties on every [`STOP_CHECK_INTERVAL`]-th step, so a busy client
    /// cannot delay it by more than that many steps.
    ///
    /// Written out instead of a `select!` to do less for the steps that
    /// finish on their first poll, which are most of them (a reply fits the
    /// write buffer, a pipelined frame is already read): the clock is read
    /// only when a step has to wait, and the stop token is looked at only
    /// then or every [`STOP_CHECK_INTERVAL`] steps. Under pipelined load
    /// those two were a fifth of the server's CPU.
    async fn run<T>(
        &mut self,
        step: impl Future<Output = io::Result<T>>,
    ) -> Result<T, ConnectionError> {
        let mut step = pin!(step);
        let mut deadline = None;
        let mut stop_first = counted_to(&mut self.steps_unchecked, STOP_CHECK_INTERVAL);
        std::future::poll_fn(|cx| {
            // The stop token is looked at before the step on every
            // STOP_CHECK_INTERVAL-th step; otherwise only when the step has
            // to wait. Looking costs a lock, and most steps finish at once,
            // even when woken up (by the socket, far more often than by the
            // token).
            let stop_first = std::mem::take(&mut stop_first);
            if stop_first && let Some(stop) = self.stop_reason(cx) {
                return Poll::Ready(Err(stop));
            }
            if let Poll::Ready(result) = step.as_mut().poll(cx) {
                return Poll::Ready(result.map_err(ConnectionError::from));
            }
            if !stop_first && let Some(stop) = self.stop_reason(cx) {
                return Poll::Ready(Err(stop));
            }
            if let Some(limit) = self.idle {
                let deadline = *deadline.get_or_insert_with(|| self.idle_deadline(limit));
                // An armed timer that has not fired will wake the task when
                // it does, and its deadline is no later than this wait's:
                // nothing to do (polling it takes the task's budget and
                // re-registers the waker, on every wait).
                if !self.idle_timer_armed || self.idle_timer.is_elapsed() {
                    while self.idle_timer.as_mut().poll(cx).is_ready() {
                        if Instant::now() >= deadline {
                            return Poll::Ready(Err(ConnectionError::Idle(limit)));
                        }
                        // Armed by an earlier wait: move it to this one's
                        // deadline, and poll again to register the new time.
                        self.idle_timer.as_mut().reset(deadline);
                    }
                    self.idle_timer_armed = true;
                }
            }
            self.note_wait();
            Poll::Pending
        })
        .await
    }

    /// Why the connection must stop, if it must; otherwise makes sure the
    /// task will be woken when it must.
    ///
    /// `stopped` needs polling only once: from then on it stays registered
    /// with the token (a connection's task keeps its waker) and wakes the
    /// task when the token is cancelled, so looking at the token's flag
    /// tells the rest. Polling it again each time would take a second lock.
    fn stop_reason(&mut self, cx: &mut Context<'_>) -> Option<ConnectionError> {
        let stopped = if self.stop_registered {
            self.stop.is_cancelled()
        } else {
            let ready = self.stopped.as_mut().poll(cx).is_ready();
            self.stop_registered = !ready;
            ready
        };
        stopped.then(|| self.stop_cause())
    }

    /// Why the stop token was cancelled.
    fn stop_cause(&self) -> ConnectionError {
        if self.shutdown.is_cancelled() {
            ConnectionError::Shutdown
        } else {
            ConnectionError::Kicked
        }
    }
}

/// Counts one more into `counter`; true (and back to zero) on every
/// `interval`-th.
fn counted_to(counter: &mut u32, interval: u32) -> bool {
    *counter += 1;
    let due = *counter >= interval;
    if due {
        *counter = 0;
    }
    due
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use super::*;
    use crate::calc::Limits;
    use crate::server::chat::{ChatConfig, ChatHub, ChatMember, RoomName};

    /// What the scripted client does when the handler next reads.
    enum Step {
        /// Something happens elsewhere in the server first.
        Meanwhile(Box<dyn FnOnce() + Send>),
        /// The read returns these bytes.
        Send(&'static [u8]),
    }

    /// A client whose reads follow a script (and then never end), and
    /// whose writes are kept in `written`.
    struct ScriptedClient {
        script: VecDeque<Step>,
        written: Arc<Mutex<Vec<u8>>>,
    }

    impl AsyncRead for ScriptedClient {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            while let Some(step) = self.script.pop_front() {
                match step {
                    Step::Meanwhile(happen) => happen(),
                    Step::Send(bytes) => {
                        buf.put_slice(bytes);
                        return Poll::Ready(Ok(()));
                    }
                }
            }
            // The test ends the handler through the shutdown token.
            Poll::Pending
        }
    }

    impl AsyncWrite for ScriptedClient {
        fn poll_write(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            bytes: &[u8],
        ) -> Poll<io::Result<usize>> {
            let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
            written.extend_from_slice(bytes);
            Poll::Ready(Ok(bytes.len()))
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn passwords_never_reach_the_frame_log() {
        let logged = |text: &str, secret: bool| {
            let frame = Frame::Line(text.into());
            format!(
                "{:?}",
                Logged {
                    frame: &frame,
                    secret
                }
            )
        };
        assert_eq!(logged("hunter2222", true), "Line(<a password, not shown>)");
        for line in [
            "/login bob hunter2222",
            " /LOGIN bob hunter2222",
            "/register bob hunter2222",
            "/passwd hunter2222 hunter3333",
            "/unregister hunter2222",
        ] {
            let shown = logged(line, false);
            assert!(!shown.contains("hunter"), "{shown}");
            assert!(shown.contains("<arguments not shown>"), "{shown}");
        }
        assert_eq!(logged("1+2", false), "Line(\"1+2\")");
        assert_eq!(logged("/nick bob", false), "Line(\"/nick bob\")");
    }

    /// The race behind a rare failure of the chat flood test: the handler
    /// waits with nothing relayed, the client's next line arrives, and
    /// another member's line is queued just before the handler reads it.
    /// The line was queued first, so it goes out first.
    #[tokio::test]
    async fn a_line_queued_before_a_frame_is_read_goes_out_before_its_reply() {
        let hub = ChatHub::new(ChatConfig::default());
        let shutdown = CancellationToken::new();
        let (member, inbox) = hub.register_within(&shutdown);
        let (mut other, _other_inbox) = hub.register();
        other.set_nick("bob").expect("nick");
        other
            .join(RoomName::parse("#r").expect("room"))
            .expect("join");
        // Kept to the end: bob leaving would be relayed to ann too.
        let other: Arc<Mutex<ChatMember>> = Arc::new(Mutex::new(other));
        let speaker = Arc::clone(&other);
        let written = Arc::new(Mutex::new(Vec::new()));
        let client = ScriptedClient {
            script: VecDeque::from([
                Step::Send(b"/nick ann\n/chat #r\n"),
                Step::Meanwhile(Box::new(move || {
                    let mut bob = speaker.lock().unwrap_or_else(|e| e.into_inner());
                    drop(bob.say("hi").expect("say"));
                })),
                Step::Send(b"/echo done\n"),
            ]),
            written: Arc::clone(&written),
        };
        let stats = Arc::new(Stats::new());
        let handler = Handler {
            connection: Connection::new(client, 4096),
            session: Session::new(Limits::default(), Arc::clone(&stats), member),
            inbox,
            shutdown: shutdown.clone(),
            idle_timeout: None,
            goodbye_timeout: Duration::from_millis(10),
            cpu_share_percent: 100,
            stats,
            span: tracing::Span::none(),
        };
        let lines = || {
            let written = written.lock().unwrap_or_else(|e| e.into_inner());
            String::from_utf8_lossy(&written)
                .split("\r\n")
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        let ask_to_stop = async {
            for _ in 0..10_000 {
                if lines().iter().any(|line| line == "done") {
                    break;
                }
                tokio::task::yield_now().await;
            }
            shutdown.cancel();
        };
        tokio::join!(handler.run(), ask_to_stop);
        let lines = lines();
        let position = |wanted: &str| lines.iter().position(|line| line == wanted);
        let relayed = position("<bob> hi").unwrap_or_else(|| panic!("relayed: {lines:?}"));
        let reply = position("done").unwrap_or_else(|| panic!("reply: {lines:?}"));
        assert!(relayed < reply, "{lines:?}");
    }
}
