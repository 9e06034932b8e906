//! Chat mode: nicks, rooms, history and relaying lines between connections.
//!
//! # Design: one mutex, short synchronous critical sections
//!
//! All shared chat state lives in one [`ChatHub`]: members (id → nick,
//! account, room, outbound queue), a case-folded nick index, and rooms
//! (their members; the history is the store's, see
//! [`store`](crate::server::store)). It sits behind one `std::sync::Mutex`, and every
//! operation is a plain (non-`async`) method that locks, does a little
//! bounded work, and unlocks, so the lock is never held across an `.await`
//! (the compiler would also refuse to hold a `std` guard across one in a
//! spawned task). An actor task was the alternative; it was not chosen
//! because:
//!
//! * the operations are tiny and synchronous (map look-ups and `try_send`),
//!   so a lock is held for microseconds, less than a channel round trip to
//!   an actor would take;
//! * each command needs an answer (is the nick free? who is here?), which
//!   with an actor means a oneshot reply per command and an `.await` in the
//!   otherwise pure [`Session`](super::Session);
//! * atomic decisions (nick uniqueness, join plus announce) are simply code
//!   inside one critical section, with no message interleaving to reason
//!   about.
//!
//! # Delivery and slow members
//!
//! Each member has a bounded [`tokio::sync::mpsc`] queue ([`Inbox`]), fed
//! with `try_send` under the lock: a send never waits. A member whose queue
//! is full is not reading (its socket and queue are full), so, as Redis does
//! with slow pub/sub clients, it is removed from the hub at once, the room
//! is told `-- nick left #room (disconnected: not reading)`, and its
//! [`Inbox::kicked`] token is cancelled, which makes its connection handler
//! close with a line saying why. Everyone else is never slowed, and memory
//! is bounded by queue length × line length per member.
//!
//! The queue is bounded in lines, whatever it holds: single lines
//! (announcements, private messages, the memory store's lines), or a
//! room's share of a store's batch (up to 64 lines of a SQLite commit,
//! shared by every member of the room, each member skipping its own),
//! which costs one queue entry per member instead of one per line: with
//! the larger write buffer for relayed lines (see `connection.rs`) it took
//! a room of 100 on the SQLite store from 0.94 of the memory store's
//! fan-out to 1.6 of it, about 100,000 stored and relayed lines a second
//! (BENCHMARKS.md).
//!
//! Lines from one sender reach each recipient in the order sent: a sender's
//! connection handles its lines one at a time (waiting for each to be
//! stored), each delivery happens under the lock, and each queue is FIFO.
//! (In fact the store's commit order, delivered under the lock, puts all
//! lines of a room in one order that every member sees: the history's.)
//!
//! # Who is a member
//!
//! Every connection registers when it is accepted (so `/nick` works in any
//! mode and every user has a unique `guest-N` nick from the start), but only
//! members in a room (chat mode) receive relayed lines; a calc-mode client's
//! one-reply-per-line protocol is never interleaved with chat. The
//! [`ChatMember`] handle removes its member when dropped, so every way a
//! connection can end leaves nothing behind.
//!
//! # Safety against hostile members
//!
//! Relayed text goes through [`clean`](super::text::clean) (no control,
//! escape or bidi character reaches another terminal), is capped at
//! [`MAX_MESSAGE_BYTES`], and each member's chat actions are rate-limited by
//! a [`TokenBucket`]. Nicks and room names are plain ASCII words
//! ([`names`]), so they cannot impersonate anyone or forge an announcement.

pub mod hub;
pub mod names;
pub mod rate;

use thiserror::Error;

pub use hub::{ChatHub, ChatMember, HubCounts, Inbox, Incoming, Joined, Line, MemberId, Sent};
pub use names::{LOBBY, MAX_NICK_CHARS, MAX_ROOM_CHARS, Nick, RoomName};
pub use rate::TokenBucket;

/// Longest chat message accepted, in bytes of the text as typed.
pub const MAX_MESSAGE_BYTES: usize = 2000;

/// `/who` and `/rooms` list at most this many names, then say how many more.
pub const MAX_LISTED_NAMES: usize = 200;

/// `/history` without a count shows this many lines.
pub const DEFAULT_HISTORY_LINES: usize = 20;

/// The most lines one `/history` shows (whatever the retention), so that
/// one command's reply stays small: at most this many lines of at most
/// [`MAX_MESSAGE_BYTES`] and a nick each.
pub const MAX_HISTORY_REQUEST: usize = 200;

/// Chat settings (the `--chat-*` flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatConfig {
    /// Chat actions per second each member may sustain, with a burst of
    /// five seconds' worth ([`rate`]); 0 turns the limit off.
    pub rate: u32,
    /// Lines waiting for a member before it is disconnected as not reading.
    pub queue: usize,
    /// Lines of history kept per room (the most `/history` shows at
    /// once is [`MAX_HISTORY_REQUEST`]).
    pub history: usize,
    /// Days a line (and an undelivered private message) is kept.
    pub history_days: u32,
    /// Undelivered private messages kept per account.
    pub mailbox: usize,
}

impl ChatConfig {
    /// What the store keeps, from these settings.
    pub fn retention(&self) -> crate::server::store::Retention {
        crate::server::store::Retention {
            lines_per_room: self.history,
            days: self.history_days,
            mailbox: self.mailbox,
        }
    }
}

impl Default for ChatConfig {
    fn default() -> Self {
        ChatConfig {
            rate: 2,
            queue: 1024,
            history: 10_000,
            history_days: 30,
            mailbox: 1000,
        }
    }
}

/// A chat command that cannot be done.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChatError {
    #[error("nicknames are 1 to {MAX_NICK_CHARS} letters, digits, _ or -")]
    InvalidNick,
    /// The nick (as asked for) belongs to someone else.
    #[error("nickname {0} is taken")]
    NickTaken(String),
    #[error("room names are # and 1 to {MAX_ROOM_CHARS} letters, digits, _ or -")]
    InvalidRoom,
    #[error("not in chat mode (try /chat)")]
    NotChatting,
    /// Nobody in chat mode has this nick (already made printable).
    #[error("no one called {0} is chatting")]
    NoSuchNick(String),
    #[error("message too long (max {max} bytes)")]
    TooLong { max: usize },
    #[error("slow down")]
    SlowDown,
    /// The hub dropped this member (its queue overflowed).
    #[error("disconnected from chat")]
    Gone,
    /// Logged-in members keep their account's name as their nick.
    #[error("you are logged in as {0}; your nick is your account's name (/logout first)")]
    LoggedIn(String),
    /// The nick is a registered account's name.
    #[error("nickname {0} is registered; /login {0} to use it")]
    Registered(String),
    /// The store failed (see [`StoreError`](crate::server::store::StoreError)).
    #[error(transparent)]
    Store(#[from] crate::server::store::StoreError),
}

/// Why a member leaves the hub; decides what its room is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    /// The user said goodbye.
    Quit,
    /// The client closed the connection.
    Closed,
    /// The connection failed or its task ended without saying why.
    Lost,
    /// The idle timeout.
    Idle,
    /// Its queue overflowed: it was not reading.
    Overflow,
    /// The server is stopping: everyone leaves, nobody is told.
    Shutdown,
}

impl Departure {
    /// What follows `-- nick left #room` in the announcement, or `None`
    /// for no announcement.
    fn announcement(self) -> Option<&'static str> {
        Some(match self {
            Departure::Quit => " (quit)",
            Departure::Closed => " (connection closed)",
            Departure::Lost => " (connection lost)",
            Departure::Idle => " (idle)",
            Departure::Overflow => " (disconnected: not reading)",
            Departure::Shutdown => return None,
        })
    }
}
