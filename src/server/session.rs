//! One client's conversation: modes, dispatch and replies.
//!
//! A [`Session`] is a pure state machine. It takes [`Frame`]s (what the
//! codec made of the client's bytes) and answers with [`Action`]s (lines to
//! send, telnet bytes to send, "close"); it never touches a socket, a timer
//! or the tokio runtime. That keeps every protocol rule testable without a
//! network, lets [`super::simulate`] (and a fuzz target) drive codec and
//! session from raw bytes, and keeps I/O concerns (flushing, timeouts,
//! shutdown) in one place, the connection handler.
//!
//! The rules, in the order [`Session::handle`] applies them to a line:
//!
//! 1. a blank line gets no reply (in echo mode it is echoed);
//! 2. a line holding only Ctrl-D, a quit word (`fin`, `quit`, `exit`), or
//!    Python's way out (`exit()`, `quit()`) ends the session with `bye`, in
//!    every mode;
//! 3. a line starting with `/` is a command (see [`super::commands`]);
//! 4. in calc mode, `help` or `help()` alone is `/help` (what a Python user
//!    types; in echo and chat mode it is text like any other, since there
//!    it may well be meant: echoed, or asked of the room);
//! 5. anything else goes to the current [`Mode`].
//!
//! Whitespace around the line is ignored for 1 to 4 (a stray space before
//! `quit` or `/help` still counts), and a command's arguments are trimmed;
//! a line for the mode keeps it (echo mode sends back what was typed).
//!
//! Chat mode (issue 4) is a [`Mode`] variant, an arm in
//! `Session::handle_text` and command rows. Lines for *other* connections
//! do not pass through [`Action`]s: the session's [`ChatMember`] hands them
//! to the shared [`ChatHub`](super::chat::ChatHub) in a synchronous call,
//! which queues them for their recipients' handlers. So the session stays
//! free of sockets and `.await`s, and a test can build a hub and a few
//! sessions and talk between them without a network. (The one impurity is
//! the flood limit reading the clock.)
//!
//! # Work that must be waited for
//!
//! Some commands need work the session cannot do itself: a store operation
//! (the SQLite store answers from its own thread), a password hash (tens of
//! milliseconds, on the blocking pool), a throttle's pause. Such a command
//! leaves a [`Pending`] in the session instead of its reply. The connection
//! handler takes it ([`Session::take_pending`]), does the work under its
//! usual guards (shutdown, idle timeout, kick), and gives the session what
//! the work produced, a [`Resume`], which writes the reply and may leave
//! the next step pending (a login is look up, hash, then read the mailbox).
//! Meanwhile the handler reads no further frame, so replies stay in order
//! and backpressure holds, as with [`Session::take_evaluation`].
//!
//! A store future that is ready at once (the memory store's always are)
//! is resolved on the spot, with no round trip through the handler: an
//! ephemeral server relays a chat line within the sender's own call, as
//! before there was a store. Without a runtime ([`super::simulate`], the
//! fuzz target), [`Pending::resolve_now`] does the work in place.
//!
//! # Chat lines in flight
//!
//! A plain chat line is the one exception to "wait before the next
//! frame": its sender gets no reply, so the session hands it to the store
//! and goes on, keeping the store's future ([`MAX_LINES_IN_FLIGHT`] at
//! most; one more waits for the oldest). The store commits a connection's
//! lines in the order given, so they still reach the room in the order
//! sent, and only once stored. Any other frame (a command, a calculation)
//! first waits for every line in flight, and reports a line the store
//! refused (`error: history unavailable`) before its own reply, so what
//! the sender does next (a nick change, a `/history`) never overtakes its
//! lines. Without this, each sender's lines went one commit at a time,
//! and a room of 100 with 10 senders delivered about half the lines per
//! second the memory store did (BENCHMARKS.md).
//!
//! # Passwords
//!
//! `/login NAME` without the password asks for it (`Session::prompt`):
//! `IAC WILL ECHO` so that telnet stops echoing what is typed, the prompt,
//! and the next line is the answer, handed to the command's continuation
//! as a [`Secret`]: it is never taken as a command or an expression, and
//! the handler does not log it ([`Session::expects_secret`]). The answer
//! is followed by `IAC WONT ECHO` and the line break the client did not
//! echo.

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;

use crate::calc;

use super::accounts::{Accounts, AccountsConfig, Admission, Secret};
use super::chat::{ChatMember, Departure};
use super::codec::{Frame, WILL_ECHO, WONT_ECHO, WONT_TIMING_MARK};
use super::commands;
use super::stats::Stats;
use super::store::{StoreError, StoreFuture};

/// What the session is doing with plain lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Each line is evaluated by the calculator.
    Calc,
    /// Each line is sent back as it is.
    Echo,
    /// Each line is a message to the chat room (the room is kept by the
    /// hub).
    Chat,
}

/// Something the connection must do, in order, for the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this text as one line (the connection adds CR LF).
    Send(String),
    /// Send these telnet negotiation bytes as they are.
    Telnet([u8; 3]),
    /// Send this text without a line end: a prompt, answered on the same
    /// line.
    Prompt(String),
    /// Deliver everything sent so far, then close the connection.
    Close,
}

/// Words that end the session, in every mode, compared without case.
pub const QUIT_WORDS: [&str; 3] = ["fin", "quit", "exit"];

/// Python's own ways out, `exit()` and `quit()`, which end the session
/// too: called like this, with no arguments (spaces allowed, as Python
/// allows them), compared without case.
pub const PYTHON_QUIT_CALLS: [&str; 2] = ["exit", "quit"];

/// The one line a client gets when it connects.
pub const GREETING: &str = concat!(
    "safecalc ",
    env!("CARGO_PKG_VERSION"),
    " ready (calc mode): type an expression like 2**100, /help for commands, quit to leave"
);

/// Who is at the other end of a connection, as far as the server can tell.
///
/// The session needs it for decisions that depend on the transport rather
/// than on what the client typed: a password is only taken from a client
/// on loopback or over an encrypted connection, and throttles count per
/// client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    /// The client's address; `None` for a connection without a socket
    /// ([`super::simulate`], unit tests).
    pub addr: Option<SocketAddr>,
    /// The bytes cross the network encrypted (a TLS listener).
    pub encrypted: bool,
}

impl Peer {
    /// A client on a plain TCP connection from `addr`.
    pub fn plain(addr: SocketAddr) -> Peer {
        Peer {
            addr: Some(addr),
            encrypted: false,
        }
    }

    /// No socket at all: a simulated or test connection.
    pub fn unknown() -> Peer {
        Peer {
            addr: None,
            encrypted: false,
        }
    }

    /// Whether the client is on this machine (a loopback address).
    pub fn is_loopback(&self) -> bool {
        self.addr.is_some_and(|a| a.ip().is_loopback())
    }
}

/// Chat lines a session may have given the store and not yet seen stored
/// (see the [module docs](self)).
pub const MAX_LINES_IN_FLIGHT: usize = 32;

/// What a session is given back once its [`Pending`] work is done: the
/// rest of the command, which writes its reply (and may leave more work
/// pending).
pub type Resume = Box<dyn FnOnce(&mut Session, &mut Vec<Action>) + Send>;

/// What a prompt does with its answer.
type Answer = Box<dyn FnOnce(&mut Session, Secret, &mut Vec<Action>) + Send>;

/// Work a command left for the connection handler (see the [module
/// docs](self)).
pub enum Pending {
    /// Wait for this (a store operation).
    Wait(BoxFuture<'static, Resume>),
    /// Once admitted to a core, run `job` on the blocking pool (a password
    /// hash), then resume with what it returns.
    Blocking {
        admission: Admission,
        job: Box<dyn FnOnce() -> Resume + Send>,
    },
    /// Wait this long (a login throttle), then resume.
    Sleep(Duration, Resume),
}

impl fmt::Debug for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Pending::Wait(_) => "Pending::Wait",
            Pending::Blocking { .. } => "Pending::Blocking",
            Pending::Sleep(..) => "Pending::Sleep",
        })
    }
}

impl Pending {
    /// Awaits a [`Pending::Wait`] (tests only; the handler does this with
    /// its guards).
    #[cfg(test)]
    async fn await_for_test(self) -> Resume {
        match self {
            Pending::Wait(future) => future.await,
            other => other.resolve_now(),
        }
    }

    /// Does the work here and now, without a runtime: a future must be
    /// ready when polled (the memory store's are; one that is not counts as
    /// the store failing), a job runs on this thread, a sleep is skipped.
    /// For [`super::simulate`] and the fuzz target.
    pub fn resolve_now(self) -> Resume {
        match self {
            Pending::Wait(mut future) => {
                let mut cx = Context::from_waker(Waker::noop());
                match future.as_mut().poll(&mut cx) {
                    Poll::Ready(resume) => resume,
                    Poll::Pending => Box::new(|session, out| {
                        session.error(out, StoreError::Unavailable);
                    }),
                }
            }
            Pending::Blocking { job, .. } => job(),
            Pending::Sleep(_, resume) => resume,
        }
    }
}

/// The accounts service a session uses unless given one: OWASP hashing, no
/// plaintext passwords from other machines.
fn default_accounts() -> Arc<Accounts> {
    static DEFAULT: OnceLock<Arc<Accounts>> = OnceLock::new();
    Arc::clone(DEFAULT.get_or_init(|| Arc::new(Accounts::new(AccountsConfig::default()))))
}

/// The state of one client's conversation (see the [module docs](self)).
pub struct Session {
    pub(super) mode: Mode,
    pub(super) calc: calc::Session,
    pub(super) stats: Arc<Stats>,
    /// This connection's membership of the chat hub (every connection has
    /// one; it receives lines only in chat mode).
    pub(super) chat: ChatMember,
    /// The session has ended; further input is ignored.
    closed: bool,
    /// The session has been in chat mode (see [`Self::has_chatted`]).
    chatted: bool,
    /// The other end of the connection (see [`Peer`]).
    peer: Peer,
    pub(super) accounts: Arc<Accounts>,
    /// Work the handler must do before the next frame.
    pending: Option<Pending>,
    /// The next line answers a password prompt.
    prompt: Option<Answer>,
    /// Chat lines given to the store and not yet known to be stored, in
    /// order (see the [module docs](self)).
    in_flight: std::collections::VecDeque<StoreFuture<()>>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("mode", &self.mode)
            .field("closed", &self.closed)
            .field("peer", &self.peer)
            .field("pending", &self.pending)
            .field("prompt", &self.prompt.is_some())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A new session in calc mode whose calculator uses `limits`, chatting
    /// as `chat` (see [`ChatHub::register`](super::chat::ChatHub::register)).
    pub fn new(limits: calc::Limits, stats: Arc<Stats>, chat: ChatMember) -> Session {
        Session {
            mode: Mode::Calc,
            calc: calc::Session::with_limits(limits),
            stats,
            chat,
            closed: false,
            chatted: false,
            peer: Peer::unknown(),
            accounts: default_accounts(),
            pending: None,
            prompt: None,
            in_flight: std::collections::VecDeque::new(),
        }
    }

    /// The same session, using `accounts` for the account commands.
    pub fn with_accounts(mut self, accounts: Arc<Accounts>) -> Session {
        self.accounts = accounts;
        self
    }

    /// The work the last frame (or resumption) left for the handler, if
    /// any (see the [module docs](self)).
    pub fn take_pending(&mut self) -> Option<Pending> {
        self.pending.take()
    }

    /// Whether work is pending.
    pub fn has_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Continues the command whose work is done.
    pub fn resume(&mut self, resume: Resume, out: &mut Vec<Action>) {
        resume(self, out);
    }

    /// Whether the next line is a password (so it must not be logged).
    pub fn expects_secret(&self) -> bool {
        self.prompt.is_some()
    }

    /// Continues with `then` once `future` is done: at once if it is ready
    /// now, otherwise by leaving it pending for the handler.
    pub(super) fn wait<T: Send + 'static>(
        &mut self,
        future: StoreFuture<T>,
        then: impl FnOnce(&mut Session, Result<T, StoreError>, &mut Vec<Action>) + Send + 'static,
        out: &mut Vec<Action>,
    ) {
        let mut future = future;
        let mut cx = Context::from_waker(Waker::noop());
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(result) => then(self, result, out),
            Poll::Pending => {
                let resume = future.map(|result| -> Resume {
                    Box::new(move |session: &mut Session, out: &mut Vec<Action>| {
                        then(session, result, out)
                    })
                });
                self.pending = Some(Pending::Wait(Box::pin(resume)));
            }
        }
    }

    /// Leaves `job` to run on the blocking pool once `admission` gets a
    /// core.
    pub(super) fn run_blocking(
        &mut self,
        admission: Admission,
        job: impl FnOnce() -> Resume + Send + 'static,
    ) {
        self.pending = Some(Pending::Blocking {
            admission,
            job: Box::new(job),
        });
    }

    /// Continues with `then` after `pause`.
    pub(super) fn sleep(&mut self, pause: Duration, then: Resume) {
        self.pending = Some(Pending::Sleep(pause, then));
    }

    /// Asks for a password: echo off, `text` (no line end), and the next
    /// line goes to `then` as a [`Secret`].
    pub(super) fn prompt(
        &mut self,
        text: String,
        then: impl FnOnce(&mut Session, Secret, &mut Vec<Action>) + Send + 'static,
        out: &mut Vec<Action>,
    ) {
        out.push(Action::Telnet(WILL_ECHO));
        out.push(Action::Prompt(text));
        self.prompt = Some(Box::new(then));
    }

    /// Ends a prompt: echo back on, and the line break the client did not
    /// echo.
    fn end_prompt(&mut self, out: &mut Vec<Action>) -> Option<Answer> {
        let answer = self.prompt.take()?;
        out.push(Action::Telnet(WONT_ECHO));
        out.push(Action::Send(String::new()));
        Some(answer)
    }

    /// A frame while a prompt waits for its answer.
    fn answer_prompt(&mut self, frame: Frame, out: &mut Vec<Action>) {
        match frame {
            Frame::Telnet(bytes) => out.push(Action::Telnet(bytes)),
            Frame::Line(text) => {
                self.stats.record_request();
                if let Some(answer) = self.end_prompt(out) {
                    if text.is_empty() {
                        drop(Secret::new(text));
                        self.error(out, super::accounts::AccountError::Cancelled);
                    } else {
                        answer(self, Secret::new(text), out);
                    }
                }
            }
            other => {
                // Ctrl-C, a line too long or not UTF-8: the prompt is
                // abandoned, then the frame is handled as usual.
                self.end_prompt(out);
                self.handle(other, out);
            }
        }
    }

    /// The same session, told who is at the other end of its connection.
    pub fn with_peer(mut self, peer: Peer) -> Session {
        self.peer = peer;
        self
    }

    /// Who is at the other end of the connection.
    pub fn peer(&self) -> Peer {
        self.peer
    }

    /// This session's chat membership.
    pub fn chat(&self) -> &ChatMember {
        &self.chat
    }

    /// Switches to `mode`; leaving chat mode leaves the room.
    pub(super) fn switch_mode(&mut self, mode: Mode) {
        if self.mode == Mode::Chat && mode != Mode::Chat {
            self.chat.part();
        }
        self.mode = mode;
        self.chatted |= mode == Mode::Chat;
    }

    /// Whether the session has ever been in chat mode. Until it has, no
    /// line can have been relayed to it: the hub delivers only to members
    /// in a room, and only chat mode is in one.
    pub fn has_chatted(&self) -> bool {
        self.chatted
    }

    /// Leaves the chat hub for good, telling the room `why` (the connection
    /// is ending). Without this call, dropping the session does the same
    /// with [`Departure::Lost`].
    pub fn depart(&mut self, why: Departure) {
        self.chat.depart(why);
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// True once the session has asked for the connection to close.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Handles one frame, appending what to do to `out`.
    ///
    /// Every non-blank line gets at least one reply line, in the order the
    /// frames arrive, which is what makes pipelining work.
    pub fn handle(&mut self, frame: Frame, out: &mut Vec<Action>) {
        if self.closed {
            return;
        }
        if self.prompt.is_some() {
            return self.answer_prompt(frame, out);
        }
        if !self.in_flight.is_empty() && !self.is_chat_line(&frame) {
            // Every line in flight is stored (or refused) before this
            // frame is handled.
            let lines = futures_util::future::join_all(self.in_flight.drain(..));
            let then = move |session: &mut Session,
                             outcomes: Vec<Result<(), StoreError>>,
                             out: &mut Vec<Action>| {
                for outcome in outcomes {
                    session.after_publish(outcome, out);
                }
                session.handle(frame, out);
            };
            self.wait(
                lines.map(Ok).boxed(),
                move |s, all, out| {
                    if let Ok(outcomes) = all {
                        then(s, outcomes, out);
                    }
                },
                out,
            );
            return;
        }
        match frame {
            Frame::Telnet(bytes) => out.push(Action::Telnet(bytes)),
            Frame::Interrupt => {
                // Telnet follows `IAC IP` with `IAC DO TIMING-MARK` and then
                // hides our output until that is answered. We are about to
                // close, so answer it now, ahead of the `bye`; a client that
                // did not ask ignores a `WONT` for an option that is off.
                out.push(Action::Telnet(WONT_TIMING_MARK));
                self.bye(out);
            }
            Frame::TooLong { max } => {
                self.stats.record_request();
                self.error(out, format_args!("line too long (max {max} bytes)"));
            }
            Frame::InvalidUtf8 => {
                self.stats.record_request();
                self.error(out, "invalid UTF-8 (lines must be UTF-8 text)");
            }
            Frame::Line(text) => self.handle_line(text, out),
        }
    }

    fn handle_line(&mut self, text: String, out: &mut Vec<Action>) {
        let kind = LineKind::of(&text);
        if kind != LineKind::Blank {
            self.stats.record_request();
        }
        match kind {
            LineKind::Blank => {
                if self.mode == Mode::Echo {
                    out.push(Action::Send(text));
                }
            }
            LineKind::Quit => self.bye(out),
            LineKind::Command { name, args } => {
                let secret = commands::carries_password(name);
                if let Err(e) = commands::dispatch(self, name, args, out) {
                    self.error(out, e);
                }
                if secret {
                    // The line may hold a password: overwrite it.
                    drop(Secret::new(text));
                }
            }
            LineKind::Help if self.help_means_help() => {
                if let Err(e) = commands::dispatch(self, "help", "", out) {
                    self.error(out, e);
                }
            }
            LineKind::Help | LineKind::Text => self.handle_text(text, out),
        }
    }

    /// Takes `frame` out to be evaluated away from the connection's task,
    /// if it is a line for the calculator (calc mode, not a command); gives
    /// it back otherwise. The [`Evaluation`] holds the session's calculator
    /// until [`Self::finish_evaluation`] returns it with the result; the
    /// pair is [`Self::handle`] for such a line, in two halves.
    ///
    /// The connection handler runs a line this way when the one before was
    /// heavy, on a thread of tokio's blocking pool, so that the clients
    /// served by the same thread do not wait for it (see its `Pacing`).
    pub fn take_evaluation(&mut self, frame: Frame) -> Result<Evaluation, Frame> {
        match frame {
            Frame::Line(line)
                if !self.closed
                    && self.prompt.is_none()
                    && self.mode == Mode::Calc
                    && LineKind::of(&line) == LineKind::Text =>
            {
                self.stats.record_request();
                Ok(Evaluation {
                    calculator: std::mem::take(&mut self.calc),
                    line,
                    result: None,
                })
            }
            frame => Err(frame),
        }
    }

    /// Gives the calculator back and replies as [`Self::handle`] would have.
    pub fn finish_evaluation(&mut self, done: Evaluation, out: &mut Vec<Action>) {
        self.calc = done.calculator;
        // Never run (`None`): as if the line had never come.
        if let Some(result) = done.result {
            self.reply_to_evaluation(result, done.line, out);
        }
    }

    /// Whether a line `help` asks for `/help` (see the [module docs](self)):
    /// in calc mode, unless the user has a variable of that name, which
    /// the line then shows as Python would.
    fn help_means_help(&self) -> bool {
        self.mode == Mode::Calc && !self.calc.variables().any(|(name, _)| name == "help")
    }

    /// A plain line, handled by the current mode.
    fn handle_text(&mut self, text: String, out: &mut Vec<Action>) {
        match self.mode {
            Mode::Calc => self.evaluate_line(text, out),
            Mode::Echo => out.push(Action::Send(text)),
            Mode::Chat => match self.chat.say(text.trim_end()) {
                Ok(stored) => self.in_flight(stored, out),
                Err(e) => self.error(out, e),
            },
        }
    }

    /// Evaluates one expression (or assignment) with this session's
    /// calculator and replies with the result's `repr` or the error.
    ///
    /// Evaluation runs inline on the connection's task: the calculator's
    /// [`Limits`](calc::Limits) bound the work of any one line, so it never
    /// holds a runtime thread for long.
    pub(super) fn evaluate(&mut self, expr: &str, out: &mut Vec<Action>) {
        self.evaluate_line(expr.to_string(), out);
    }

    /// [`Self::evaluate`] for a line the session owns: the reply is written
    /// into the line's own buffer, which saves an allocation per line.
    fn evaluate_line(&mut self, mut line: String, out: &mut Vec<Action>) {
        let result = evaluate_into(&mut self.calc, &mut line);
        self.reply_to_evaluation(result, line, out);
    }

    /// The reply to an evaluation: `line`, which [`evaluate_into`] has
    /// made the value, or the error.
    #[inline]
    fn reply_to_evaluation(
        &self,
        result: calc::CalcResult<()>,
        line: String,
        out: &mut Vec<Action>,
    ) {
        match result {
            Ok(()) => out.push(Action::Send(line)),
            Err(e) => self.error(out, e),
        }
    }

    /// Whether `frame` is a plain chat line (which may go while lines are
    /// in flight).
    fn is_chat_line(&self, frame: &Frame) -> bool {
        self.mode == Mode::Chat
            && matches!(frame, Frame::Line(text) if LineKind::of(text) == LineKind::Text)
    }

    /// Keeps a chat line's publication in flight (see the [module
    /// docs](self)); when too many are, waits for the oldest.
    fn in_flight(&mut self, stored: StoreFuture<()>, out: &mut Vec<Action>) {
        let mut stored = stored;
        let mut cx = Context::from_waker(Waker::noop());
        match stored.as_mut().poll(&mut cx) {
            Poll::Ready(outcome) => self.after_publish(outcome, out),
            Poll::Pending => {
                self.in_flight.push_back(stored);
                if self.in_flight.len() > MAX_LINES_IN_FLIGHT
                    && let Some(oldest) = self.in_flight.pop_front()
                {
                    self.wait(oldest, Session::after_publish, out);
                }
            }
        }
    }

    /// The end of a room line's publication: silence, or the store's
    /// error.
    pub(super) fn after_publish(&mut self, stored: Result<(), StoreError>, out: &mut Vec<Action>) {
        if let Err(e) = stored {
            self.error(out, e);
        }
    }

    /// Replies `error: {message}` and counts it.
    pub(super) fn error(&self, out: &mut Vec<Action>, message: impl std::fmt::Display) {
        self.stats.record_error();
        out.push(Action::Send(format!("error: {message}")));
    }

    /// Says `bye` and ends the session (leaving chat as `(quit)`).
    pub(super) fn bye(&mut self, out: &mut Vec<Action>) {
        self.end_prompt(out);
        self.chat.depart(Departure::Quit);
        out.push(Action::Send("bye".to_string()));
        out.push(Action::Close);
        self.closed = true;
    }
}

/// What a line is, by the rules in the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind<'a> {
    Blank,
    Quit,
    Command {
        name: &'a str,
        args: &'a str,
    },
    /// `help` or `help()`: `/help` in calc mode, text in the others.
    Help,
    /// For the current mode.
    Text,
}

impl LineKind<'_> {
    fn of(line: &str) -> LineKind<'_> {
        let trimmed = line.trim();
        let called = python_call(trimmed);
        let is =
            |word: &str, name: Option<&str>| name.is_some_and(|n| n.eq_ignore_ascii_case(word));
        if trimmed.is_empty() {
            LineKind::Blank
        } else if trimmed == "\u{4}"
            || QUIT_WORDS.iter().any(|w| trimmed.eq_ignore_ascii_case(w))
            || PYTHON_QUIT_CALLS.iter().any(|w| is(w, called))
        {
            LineKind::Quit
        } else if is("help", Some(trimmed)) || is("help", called) {
            LineKind::Help
        } else if let Some(command) = trimmed.strip_prefix('/') {
            let (name, args) = match command.split_once(char::is_whitespace) {
                Some((name, args)) => (name, args.trim()),
                None => (command, ""),
            };
            LineKind::Command { name, args }
        } else {
            LineKind::Text
        }
    }
}

/// `NAME` if `line` is `NAME()` (a call without arguments, with any spaces
/// Python allows between the parts).
fn python_call(line: &str) -> Option<&str> {
    let name = line
        .strip_suffix(')')?
        .trim_end()
        .strip_suffix('(')?
        .trim_end();
    (!name.is_empty()).then_some(name)
}

/// Evaluates `line` with `calculator` and replaces it with the value's
/// `repr`, or leaves it and gives the error.
#[inline]
fn evaluate_into(calculator: &mut calc::Session, line: &mut String) -> calc::CalcResult<()> {
    let value = calculator.eval(line)?;
    line.clear();
    value.write_repr(line);
    Ok(())
}

/// A calculator line taken out of its [`Session`] with its calculator, to
/// be evaluated elsewhere ([`Session::take_evaluation`]). `Send`, so it can
/// go to another thread and back.
#[derive(Debug)]
pub struct Evaluation {
    calculator: calc::Session,
    /// The line, and once run, the reply.
    line: String,
    result: Option<calc::CalcResult<()>>,
}

impl Evaluation {
    /// Evaluates the line and writes the reply: the parts that may be slow
    /// (printing a 4,300-digit integer in decimal is among them).
    pub fn run(&mut self) {
        self.result = Some(evaluate_into(&mut self.calculator, &mut self.line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::chat::{ChatConfig, ChatHub};
    use crate::server::codec::{DONT, IAC};
    use futures_util::FutureExt;

    fn session() -> Session {
        let (member, _inbox) = ChatHub::new(ChatConfig::default()).register();
        Session::new(calc::Limits::DEFAULT, Arc::new(Stats::new()), member)
    }

    fn line(s: &mut Session, text: &str) -> Vec<Action> {
        let mut out = Vec::new();
        s.handle(Frame::Line(text.to_string()), &mut out);
        out
    }

    fn send(text: &str) -> Action {
        Action::Send(text.to_string())
    }

    fn bye() -> Vec<Action> {
        vec![send("bye"), Action::Close]
    }

    /// The reply to `text` when it is the calculator's error: what a fresh
    /// calculator says of it (any other error line must not pass).
    fn calc_error(text: &str) -> Action {
        let error = calc::Session::new().eval(text).expect_err(text);
        send(&format!("error: {error}"))
    }

    /// What `take_evaluation`, `run` and `finish_evaluation` reply to
    /// `text`, or `None` if the line is not taken.
    fn evaluated_elsewhere(s: &mut Session, text: &str) -> Option<Vec<Action>> {
        let mut evaluation = s.take_evaluation(Frame::Line(text.to_string())).ok()?;
        std::thread::scope(|scope| scope.spawn(|| evaluation.run()).join().unwrap());
        let mut out = Vec::new();
        s.finish_evaluation(evaluation, &mut out);
        Some(out)
    }

    #[test]
    fn a_calculator_line_evaluated_elsewhere_gets_the_same_reply() {
        let mut s = session();
        assert_eq!(
            evaluated_elsewhere(&mut s, "x = 2**70"),
            Some(vec![send("1180591620717411303424")])
        );
        // The calculator came back with the variable in it.
        assert_eq!(line(&mut s, "x // 2**69"), vec![send("2")]);
        assert_eq!(
            evaluated_elsewhere(&mut s, "_ + x % 7"),
            Some(vec![send("4")])
        );
        assert_eq!(
            evaluated_elsewhere(&mut s, "1/0"),
            Some(vec![calc_error("1/0")])
        );
        assert_eq!(s.stats.snapshot().requests, 4);
    }

    #[test]
    fn only_calculator_lines_are_taken_out() {
        let mut s = session();
        for text in ["", "   ", "quit", "/echo", "/calc 1+1"] {
            assert_eq!(evaluated_elsewhere(&mut s, text), None, "{text:?}");
        }
        assert_eq!(
            s.stats.snapshot().requests,
            0,
            "a line given back is not counted"
        );
        assert!(s.take_evaluation(Frame::Interrupt).is_err());
        line(&mut s, "/echo");
        assert_eq!(evaluated_elsewhere(&mut s, "1+1"), None, "echo mode");
        line(&mut s, "quit");
        line(&mut s, "/calc");
        assert_eq!(evaluated_elsewhere(&mut s, "1+1"), None, "closed");
    }

    #[test]
    fn a_session_knows_its_peer() {
        assert_eq!(session().peer(), Peer::unknown());
        assert!(!Peer::unknown().is_loopback());
        let local = Peer::plain("127.0.0.1:4000".parse().unwrap());
        assert!(local.is_loopback() && !local.encrypted);
        assert!(Peer::plain("[::1]:4000".parse().unwrap()).is_loopback());
        let remote = Peer::plain("192.0.2.7:4000".parse().unwrap());
        assert!(!remote.is_loopback());
        assert_eq!(session().with_peer(remote).peer(), remote);
    }

    #[test]
    fn starts_in_calc_mode_and_evaluates() {
        let mut s = session();
        assert_eq!(s.mode(), Mode::Calc);
        assert_eq!(line(&mut s, "42"), vec![send("42")]);
        assert_eq!(line(&mut s, "  7 "), vec![send("7")]);
    }

    #[test]
    fn calc_errors_are_error_lines() {
        let mut s = session();
        assert_eq!(line(&mut s, "1 +"), vec![calc_error("1 +")]);
        assert_eq!(s.stats.snapshot().errors, 1);
    }

    #[test]
    fn blank_lines_get_no_reply_in_calc_mode() {
        let mut s = session();
        assert_eq!(line(&mut s, ""), vec![]);
        assert_eq!(line(&mut s, " \t "), vec![]);
        assert_eq!(s.stats.snapshot().requests, 0);
    }

    #[test]
    fn echo_mode_sends_lines_back_and_calc_returns() {
        let mut s = session();
        let out = line(&mut s, "/echo");
        assert_eq!(out.len(), 1);
        assert_eq!(s.mode(), Mode::Echo);
        assert_eq!(line(&mut s, " 1 + 1 "), vec![send(" 1 + 1 ")]);
        assert_eq!(line(&mut s, ""), vec![send("")]);
        line(&mut s, "/calc");
        assert_eq!(s.mode(), Mode::Calc);
        assert_eq!(line(&mut s, "5"), vec![send("5")]);
    }

    #[test]
    fn quit_words_end_the_session_in_every_mode() {
        for word in [
            "fin", "quit", "exit", "QUIT", " exit ", "/quit", "\u{4}", " \u{4}",
        ] {
            for mode_command in ["/calc", "/echo"] {
                let mut s = session();
                line(&mut s, mode_command);
                assert_eq!(line(&mut s, word), bye(), "{word:?} in {mode_command}");
                assert!(s.is_closed());
                assert_eq!(line(&mut s, "1"), vec![], "nothing after bye");
            }
        }
    }

    #[test]
    fn pythons_exit_and_quit_end_the_session_in_every_mode() {
        for word in ["exit()", "quit()", " exit ( ) ", "Quit()"] {
            for mode_command in ["/calc", "/echo", "/chat"] {
                let mut s = session();
                line(&mut s, mode_command);
                assert_eq!(line(&mut s, word), bye(), "{word:?} in {mode_command}");
            }
        }
        let mut s = session();
        // Not a plain call: an expression like any other.
        for text in ["exit(0)", "exit()()", "exit() + 1"] {
            assert_eq!(line(&mut s, text), vec![calc_error(text)], "{text}");
        }
        assert!(!s.is_closed());
    }

    #[test]
    fn help_alone_is_help_in_calc_mode_only() {
        let mut s = session();
        let help = line(&mut s, "/help");
        assert!(help.len() > 5);
        for text in ["help", "help()", " HELP ", "help ( )"] {
            assert_eq!(line(&mut s, text), help, "{text:?}");
        }
        // A variable called help is shown, as Python would.
        assert_eq!(line(&mut s, "help = 5"), vec![send("5")]);
        assert_eq!(line(&mut s, "help"), vec![send("5")]);
        let mut s = session();
        line(&mut s, "/echo");
        assert_eq!(line(&mut s, "help"), vec![send("help")]);
        line(&mut s, "/chat");
        assert_eq!(line(&mut s, "help"), vec![], "a message to the room");
        assert!(!s.is_closed());
    }

    #[test]
    fn quit_words_inside_a_longer_line_are_not_quit() {
        let mut s = session();
        line(&mut s, "/echo");
        assert_eq!(line(&mut s, "quit now"), vec![send("quit now")]);
        assert!(!s.is_closed());
    }

    #[test]
    fn ctrl_c_answers_the_timing_mark_then_says_bye() {
        let mut s = session();
        let mut out = Vec::new();
        s.handle(Frame::Interrupt, &mut out);
        assert_eq!(
            out,
            vec![Action::Telnet(WONT_TIMING_MARK), send("bye"), Action::Close]
        );
    }

    #[test]
    fn telnet_replies_pass_through() {
        let mut s = session();
        let mut out = Vec::new();
        s.handle(Frame::Telnet([IAC, DONT, 31]), &mut out);
        assert_eq!(out, vec![Action::Telnet([IAC, DONT, 31])]);
    }

    #[test]
    fn framing_errors_are_error_lines() {
        let mut s = session();
        let mut out = Vec::new();
        s.handle(Frame::TooLong { max: 10 }, &mut out);
        s.handle(Frame::InvalidUtf8, &mut out);
        assert_eq!(
            out,
            vec![
                send("error: line too long (max 10 bytes)"),
                send("error: invalid UTF-8 (lines must be UTF-8 text)"),
            ]
        );
        let snap = s.stats.snapshot();
        assert_eq!((snap.requests, snap.errors), (2, 2));
    }

    #[test]
    fn control_characters_are_just_text() {
        let mut s = session();
        let text = "1\0+\x1b[2J";
        assert_eq!(line(&mut s, text), vec![calc_error(text)]);
        line(&mut s, "/echo");
        assert_eq!(line(&mut s, "a\0b\x07"), vec![send("a\0b\x07")]);
    }

    /// Two sessions on one hub talk without a socket: what a session sends
    /// to others lands in their inboxes; its own replies are its actions.
    #[test]
    fn sessions_chat_through_a_hub() {
        let hub = ChatHub::new(ChatConfig::default());
        let stats = Arc::new(Stats::new());
        let (member, _a_inbox) = hub.register();
        let mut a = Session::new(calc::Limits::DEFAULT, Arc::clone(&stats), member);
        let (member, mut b_inbox) = hub.register();
        let mut b = Session::new(calc::Limits::DEFAULT, Arc::clone(&stats), member);
        line(&mut a, "/nick ann");
        line(&mut b, "/chat");
        assert_eq!(line(&mut a, "/chat").len(), 2);
        assert_eq!(a.mode(), Mode::Chat);
        assert_eq!(line(&mut a, "hi \x1b[2J"), vec![]);
        assert_eq!(line(&mut a, "/calc 6*7"), vec![send("<ann> 6*7 = 42")]);
        // An assignment is shared as what it binds.
        assert_eq!(line(&mut a, "/calc x = 5"), vec![send("<ann> x = 5")]);
        assert_eq!(
            line(&mut a, "/calc  y  =  x * 2 "),
            vec![send("<ann> y = 10")]
        );
        let mut got = Vec::new();
        while let Ok(l) = b_inbox.messages.try_recv() {
            got.push(l.to_string());
        }
        assert_eq!(
            got,
            [
                "-- ann joined #lobby",
                "<ann> hi ?[2J",
                "<ann> 6*7 = 42",
                "<ann> x = 5",
                "<ann> y = 10"
            ]
        );
        line(&mut a, "/calc");
        assert_eq!(a.mode(), Mode::Calc);
        drop(a);
        assert_eq!(
            b_inbox.messages.try_recv().unwrap().as_ref(),
            "-- ann left #lobby"
        );
        assert_eq!(hub.counts().members, 1);
    }

    /// Needs the real calculator (branch main): the placeholder has no
    /// variables or operators.
    #[test]
    fn each_session_keeps_its_variables() {
        let mut a = session();
        let mut b = session();
        assert_eq!(line(&mut a, "x = 6*7"), vec![send("42")]);
        assert_eq!(line(&mut a, "x + 1"), vec![send("43")]);
        assert_eq!(line(&mut b, "x"), vec![calc_error("x")], "b has no x");
    }

    /// A memory store whose publications are confirmed only when the test
    /// says so (the SQLite store's answers come later, from its thread).
    #[derive(Debug)]
    struct SlowStore {
        inner: crate::server::store::memory::MemoryStore,
        gates: std::sync::Mutex<Vec<tokio::sync::oneshot::Sender<()>>>,
    }

    impl SlowStore {
        fn open_gates(&self) -> usize {
            let gates = std::mem::take(&mut *self.gates.lock().unwrap());
            let n = gates.len();
            for gate in gates {
                let _ = gate.send(());
            }
            n
        }
    }

    impl crate::server::store::ChatStore for SlowStore {
        fn publish(&self, lines: Vec<crate::server::store::RoomLine>) -> StoreFuture<()> {
            drop(self.inner.publish(lines));
            let (tx, rx) = tokio::sync::oneshot::channel();
            self.gates.lock().unwrap().push(tx);
            Box::pin(async move { rx.await.map_err(|_| StoreError::Unavailable) })
        }
        fn history(
            &self,
            room: &crate::server::chat::RoomName,
            n: usize,
        ) -> StoreFuture<Vec<crate::server::store::StoredLine>> {
            self.inner.history(room, n)
        }
        fn account(&self, name: &str) -> StoreFuture<Option<crate::server::store::AccountRecord>> {
            self.inner.account(name)
        }
        fn claim_nick(
            &self,
            nick: &crate::server::chat::Nick,
            holder: crate::server::chat::MemberId,
        ) -> StoreFuture<crate::server::store::NickClaim> {
            self.inner.claim_nick(nick, holder)
        }
        fn create_account(
            &self,
            name: &str,
            phc: String,
        ) -> StoreFuture<crate::server::store::Created> {
            self.inner.create_account(name, phc)
        }
        fn set_password(&self, name: &str, phc: String) -> StoreFuture<bool> {
            self.inner.set_password(name, phc)
        }
        fn delete_account(&self, name: &str) -> StoreFuture<bool> {
            self.inner.delete_account(name)
        }
        fn send_mail(
            &self,
            to: &str,
            text: &str,
        ) -> StoreFuture<crate::server::store::MailOutcome> {
            self.inner.send_mail(to, text)
        }
        fn login_summary(&self, account: &str) -> StoreFuture<crate::server::store::LoginSummary> {
            self.inner.login_summary(account)
        }
        fn mark_seen(&self, account: &str, room: &crate::server::chat::RoomName) {
            self.inner.mark_seen(account, room)
        }
        fn throttle_wait(
            &self,
            keys: &[crate::server::store::ThrottleKey],
        ) -> StoreFuture<Duration> {
            self.inner.throttle_wait(keys)
        }
        fn throttle_failure(&self, keys: &[crate::server::store::ThrottleKey]) -> StoreFuture<()> {
            self.inner.throttle_failure(keys)
        }
        fn throttle_success(&self, keys: &[crate::server::store::ThrottleKey]) {
            self.inner.throttle_success(keys)
        }
        fn counts(&self) -> crate::server::store::StoreCounts {
            self.inner.counts()
        }
        fn flush(&self) -> StoreFuture<()> {
            self.inner.flush()
        }
    }

    #[tokio::test]
    async fn chat_lines_go_in_flight_and_the_next_command_waits_for_them() {
        let mut slow = None;
        let hub = ChatHub::with_store(
            ChatConfig {
                rate: 0,
                ..ChatConfig::default()
            },
            |feed| {
                let store = Arc::new(SlowStore {
                    inner: crate::server::store::memory::MemoryStore::new(
                        ChatConfig::default().retention(),
                        feed,
                    ),
                    gates: std::sync::Mutex::new(Vec::new()),
                });
                slow = Some(Arc::clone(&store));
                store
            },
        );
        let slow = slow.unwrap();
        let (member, _inbox) = hub.register();
        let mut s = Session::new(calc::Limits::DEFAULT, Arc::new(Stats::new()), member);
        line(&mut s, "/chat");
        // Plain lines: no reply, nothing pending, up to the limit.
        for i in 0..MAX_LINES_IN_FLIGHT {
            assert_eq!(line(&mut s, &format!("line {i}")), []);
            assert!(!s.has_pending());
        }
        // One more waits for the oldest.
        assert_eq!(line(&mut s, "one more"), []);
        let oldest = s.take_pending().expect("waits for the oldest");
        assert_eq!(slow.open_gates(), MAX_LINES_IN_FLIGHT + 1);
        let mut out = Vec::new();
        s.resume(oldest.await_for_test().await, &mut out);
        assert_eq!(out, []);
        // A command waits for every line in flight first.
        assert_eq!(line(&mut s, "last"), []);
        assert_eq!(line(&mut s, "/echo after"), []);
        let barrier = s.take_pending().expect("the command waits");
        if let Some(gate) = slow.gates.lock().unwrap().pop() {
            let _ = gate.send(());
        }
        let mut out = Vec::new();
        s.resume(barrier.await_for_test().await, &mut out);
        assert_eq!(out, [send("after")]);
        // A refused line is reported before the command's reply.
        assert_eq!(line(&mut s, "lost"), []);
        assert_eq!(line(&mut s, "/echo next"), []);
        let barrier = s.take_pending().expect("the command waits");
        drop(std::mem::take(&mut *slow.gates.lock().unwrap()));
        let mut out = Vec::new();
        s.resume(barrier.await_for_test().await, &mut out);
        assert_eq!(out, [send("error: history unavailable"), send("next")]);
        let (_, history) = s.chat.history(100).unwrap();
        let history = history.now_or_never().unwrap().unwrap();
        assert_eq!(history.len(), MAX_LINES_IN_FLIGHT + 3, "stored in order");
        assert_eq!(history[0].text, "<guest-1> line 0");
    }
}
