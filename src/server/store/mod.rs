//! The chat's storage: room history, accounts, mailboxes, read markers and
//! login throttles, behind one trait, [`ChatStore`], so that the hub and
//! the commands never know which backend they talk to.
//!
//! Backends, one file each:
//!
//! * [`sqlite`]: the default, an embedded SQLite database in `--data-dir`
//!   (WAL mode), with its schema and migrations next to it;
//! * [`memory`]: `--ephemeral`, nothing on disk; also what tests,
//!   [`simulate`](super::simulate) and the fuzz targets use;
//! * [`redis`]: `--redis URL`, for several instances sharing one chat (the
//!   only backend with a [`Directory`]: presence across instances).
//!
//! # Asynchronous and fallible
//!
//! Every operation returns a [`StoreFuture`]: a boxed future of a
//! `Result<_, StoreError>`. The SQLite backend answers from its own
//! threads, a later Redis backend (issue 16) from the network, and either
//! can fail at any time ([`StoreError::Unavailable`]). The memory backend
//! answers with futures that are ready at once, which the session resolves
//! on the spot (see `Session::wait`), so that an ephemeral server does not
//! pay for the asynchrony. A method **starts its work when it is called**;
//! the future only reports the outcome, and dropping it cancels nothing.
//! That lets code that cannot wait (a connection ending, in `Drop`) still
//! record what it must ([`ChatStore::mark_seen`]).
//!
//! # Commit before relay, and one order
//!
//! A room line is never handed to members directly. The sender's session
//! gives it to [`ChatStore::publish`]; the backend makes it durable, and
//! only then passes it to the [`Feed`] it was opened with (the hub), which
//! queues it for the room's members. The SQLite backend's single writer
//! thread commits everything queued so far in one transaction (group
//! commit), then hands the batch to the feed in commit order, so every
//! member sees a room's lines in one order, the order of the history, and
//! no member ever saw a line that a crash then loses. The sender's future
//! resolves after the delivery.
//!
//! # Several instances: the [`Directory`]
//!
//! What a local store never needs, a store shared by several instances
//! does: who is chatting where. [`ChatStore::directory`] gives it, and
//! only the Redis store has one. With it, the hub hands every change of
//! its own presence (a member entering or leaving a room, a nick change,
//! a departure) to the directory together with the announcement the
//! room hears, instead of queueing the announcement itself; the
//! directory publishes both, and every instance's hub (this one too)
//! gets the announcement back through its [`Feed`] in the one order of
//! the shared chat. `/who`, `/rooms`, `/msg` and `/all` ask the directory
//! instead of the hub's own state, and guest numbers come from it. Without
//! a directory none of this runs: the single-instance paths are the ones
//! they were.
//!
//! [`ChatStore::claim_nick`] says whether a member may take a nick: local
//! backends only check that the name is not a registered account's (one
//! process's hub already keeps nicks unique); the Redis backend claims it
//! atomically across instances, for the member named by `holder`.

pub mod memory;
pub mod redis;
pub mod sqlite;

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

pub use self::redis::RedisOptions;
use thiserror::Error;

use super::chat::{Line, MemberId, Nick, RoomName};

/// What every store operation returns (see the [module docs](self)).
pub type StoreFuture<T> = BoxFuture<'static, Result<T, StoreError>>;

/// A store operation that failed at run time. Its `Display` is what a
/// chat user is told after `error: `.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    /// A write (or the read that needed it) failed: a full disk, an I/O
    /// error, a database damaged while running. Later operations try
    /// again, so the store recovers on its own when writes succeed again.
    #[error("history unavailable")]
    Unavailable,
    /// The store has stopped (the server is shutting down).
    #[error("history unavailable (the server is stopping)")]
    Stopped,
    /// The shared chat (Redis) cannot be reached: every chat operation is
    /// refused until it can, and members are told when it is back.
    #[error("chat unavailable")]
    ChatUnavailable,
}

/// Why a store could not be opened at start. Each message says what to do.
#[derive(Debug, Error)]
pub enum OpenError {
    #[error(
        "cannot use the data directory {path}: {source} (check that it is a directory you can write, or pick another with --data-dir, or run with --ephemeral)"
    )]
    Directory {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "cannot open the database {path}: {source} (if the file is damaged, restore it from a backup or move it away to start afresh)"
    )]
    Database {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "the database {path} is damaged ({detail}); restore it from a backup or move it away to start afresh"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "the database {path} is not a safecalc database (application id {found:#x}); point --data-dir elsewhere"
    )]
    Foreign { path: PathBuf, found: i64 },
    #[error(
        "the database {path} has schema version {found}, newer than this safecalc understands ({known}); run a newer safecalc, or restore a backup made by this one"
    )]
    Newer {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    /// The SQLite and Redis stores hand committed lines to the event loop
    /// they were opened on: they must be opened inside a tokio runtime.
    #[error("the {0} store needs a tokio runtime to run in")]
    NoRuntime(&'static str),
    #[error("cannot start the store's {0} thread: {1}")]
    Thread(&'static str, #[source] std::io::Error),
    /// `--redis` names something that cannot be used (a bad URL, a CA file
    /// that cannot be read).
    #[error("cannot use --redis: {0}")]
    Redis(String),
}

/// Where the chat's data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// In memory only: everything is lost when the server stops.
    Ephemeral,
    /// A SQLite database in this directory (created if missing).
    Directory(PathBuf),
    /// A Redis server shared with other instances (`--redis URL`).
    Redis(RedisOptions),
}

/// How much the store keeps (the `--chat-history`, `--history-days` and
/// `--mailbox-size` flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Lines kept per room; older ones are pruned.
    pub lines_per_room: usize,
    /// Lines and private messages (waiting or delivered) older than this
    /// many days are pruned.
    pub days: u32,
    /// Undelivered private messages one account may have waiting.
    pub mailbox: usize,
}

impl Retention {
    /// The age past which lines are pruned.
    pub fn max_age(&self) -> Duration {
        Duration::from_secs(u64::from(self.days) * 86_400)
    }
}

/// A line for a room, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomLine {
    pub room: RoomName,
    /// The sender's member id in this instance's hub, so that the hub does
    /// not send the line back to its sender; the store only carries it.
    pub origin: MemberId,
    /// The sender's nick when sent.
    pub nick: String,
    /// The sender's account, if logged in.
    pub account: Option<String>,
    /// The line as members see it (`<alice> hi`), already made safe.
    pub text: Line,
}

/// A room line once committed: its place in the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    /// Increasing in commit order (across rooms).
    pub id: u64,
    /// Seconds since the Unix epoch, as stamped by the store.
    pub time: i64,
    pub line: RoomLine,
}

/// A line read back from history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLine {
    pub id: u64,
    pub time: i64,
    pub text: String,
}

/// An account as stored: its name as registered and its password hash.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub name: String,
    /// The argon2id PHC string.
    pub phc: String,
}

impl fmt::Debug for AccountRecord {
    /// The hash is left out: it has no business in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountRecord")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Whether a member may take a nick, as far as the store knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NickClaim {
    /// It may (and, with a shared store, now holds it).
    Free,
    /// An account has this name (as registered).
    Registered(String),
    /// A member of another instance holds it (only a shared store says
    /// so; a local one leaves that to the hub).
    Taken,
}

/// The outcome of [`ChatStore::create_account`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    Created,
    /// The name (ignoring ASCII case) is registered already.
    Exists,
}

/// A private message kept for an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub time: i64,
    /// The line as the recipient sees it (`[msg] <bob> hi`).
    pub text: String,
}

/// The outcome of [`ChatStore::send_mail`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailOutcome {
    Stored,
    /// The recipient's mailbox holds `max` messages already.
    Full {
        max: usize,
    },
    /// No account has that name.
    NoSuchAccount,
}

/// What a user is told at login: the private messages that waited (now
/// marked delivered: never shown again, no longer counted against the
/// mailbox; the SQLite and Redis stores keep the newest mailbox's worth
/// of them as a record, the memory store drops them) and the unread lines
/// per room.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginSummary {
    pub mail: Vec<Mail>,
    /// Rooms with lines newer than the last one the account saw there.
    pub unread: Vec<(RoomName, u64)>,
}

/// Whose failed logins a throttle counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ThrottleKey {
    /// An account name, folded to lower case.
    Account(String),
    /// A client address (IPv6 by its /64, so one host cannot multiply its
    /// tries by its addresses).
    Address(IpAddr),
}

/// Counts for `/stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    pub accounts: u64,
    pub lines: u64,
}

/// What stopped working, or works again: what members are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// The history cannot be written (a local store's disk): room lines
    /// are refused, the rest of the chat works.
    History,
    /// The shared chat cannot be reached (Redis): every chat operation is
    /// refused.
    Chat,
}

/// Where a store hands committed room lines: the hub of this instance.
///
/// Only [`Feed::deliver`] and [`Feed::availability`] concern every
/// store; the other methods are what a store with a [`Directory`] hands
/// over from the other instances (their defaults do nothing).
pub trait Feed: Send + Sync {
    /// Queues each line for the members of its room, in the order given,
    /// which is commit order. Called from the store's own thread (SQLite)
    /// or the publisher's (memory); never blocks for long.
    fn deliver(&self, batch: &[Committed]);

    /// The store could (`true`) or could not (`false`) do its work; called
    /// on each change, so members can be told once.
    fn availability(&self, available: bool, what: Outage);

    /// An announcement for `room` (a join, a departure, a nick change),
    /// for every member here but `except`.
    fn announce(&self, _room: &RoomName, _except: Option<MemberId>, _line: &Line) {}

    /// A private message for every chatting connection here of the nick
    /// (or account) folded as `to`.
    fn direct(&self, _to: &str, _line: &Line) {}

    /// The account `name` was deleted (on any instance): its connections
    /// here become guests.
    fn account_deleted(&self, _name: &str) {}

    /// The nick of member `id` was taken by someone else while the shared
    /// chat could not be reached: the member gets a guest nick.
    fn nick_lost(&self, _id: MemberId) {}

    /// Calls `take` with every member of this instance, under the lock
    /// that orders presence changes, so that what `take` records comes
    /// before any later change (a shared store rewrites this instance's
    /// presence with it after a reconnection).
    fn presence_snapshot(&self, _take: &mut dyn FnMut(Vec<Present>)) {}
}

/// A member of this instance, as [`Feed::presence_snapshot`] gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Present {
    pub id: MemberId,
    pub nick: Nick,
    /// Its room, when chatting.
    pub room: Option<RoomName>,
    /// It is a guest with a nick of its own choosing (one that is claimed:
    /// not a `guest-N` and not an account's name).
    pub claimed: bool,
}

/// A change in this instance's presence, with what the room hears of it
/// (see [`Directory::presence`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    /// Member `id` entered `room` as `nick`; the room (but the member) is
    /// told `announce`.
    Entered {
        id: MemberId,
        room: RoomName,
        nick: Nick,
        announce: Line,
    },
    /// Member `id` (called `nick`) left `room`.
    Left {
        id: MemberId,
        room: RoomName,
        nick: Nick,
        announce: Option<Line>,
    },
    /// Member `id` is now `new` (its claim on `old`, if any, is released).
    Renamed {
        id: MemberId,
        room: Option<RoomName>,
        old: Nick,
        new: Nick,
        announce: Option<Line>,
    },
    /// Member `id` (called `nick`) is gone (its claim, if any, is released).
    Gone { id: MemberId, nick: Nick },
}

/// Presence across instances (see the [module docs](self)).
///
/// The fire-and-forget methods are called with the hub's lock held, which
/// is what puts presence changes in one order: they only queue, and never
/// call back into the hub.
pub trait Directory: Send + Sync {
    /// This instance's name (`--instance-name`).
    fn instance(&self) -> &str;

    /// A number for a new `guest-N` nick, unique across instances.
    fn next_guest(&self) -> u64;

    /// Records a change in this instance's presence and publishes its
    /// announcement. Fire and forget, in order.
    fn presence(&self, change: Presence);

    /// The nicks in `room` on every instance (unsorted; an account
    /// connected twice appears twice).
    fn who(&self, room: &RoomName) -> StoreFuture<Vec<String>>;

    /// Every room on every instance and how many are in it.
    fn rooms(&self) -> StoreFuture<Vec<(RoomName, usize)>>;

    /// Sends `line` to every chatting connection of `to`, on any
    /// instance; `false` if none is chatting.
    fn direct(&self, to: &Nick, line: &Line) -> StoreFuture<bool>;

    /// Publishes `text` (sent by member `origin` as `nick`) to every room
    /// of every instance, in each room's history.
    fn all(
        &self,
        origin: MemberId,
        nick: &Nick,
        account: Option<&str>,
        text: &Line,
    ) -> StoreFuture<()>;

    /// Whether the shared chat can be reached now.
    fn available(&self) -> bool;

    /// Resolves when the shared chat can be reached, or with `false`
    /// after `within` (for the start: a server waits for Redis a little
    /// before it listens).
    fn wait_available(&self, within: Duration) -> BoxFuture<'static, bool>;
}

/// The chat's storage (see the [module docs](self)).
pub trait ChatStore: Send + Sync + fmt::Debug {
    /// Stores `lines` in one transaction, then delivers them through the
    /// [`Feed`], then resolves.
    fn publish(&self, lines: Vec<RoomLine>) -> StoreFuture<()>;

    /// The last `n` lines of `room`, oldest first.
    fn history(&self, room: &RoomName, n: usize) -> StoreFuture<Vec<StoredLine>>;

    /// The account called `name` (ignoring ASCII case), if any.
    fn account(&self, name: &str) -> StoreFuture<Option<AccountRecord>>;

    /// Whether member `holder` may take `nick` (see the [module
    /// docs](self) for what a shared backend does here).
    fn claim_nick(&self, nick: &Nick, holder: MemberId) -> StoreFuture<NickClaim>;

    /// A nick claimed with [`Self::claim_nick`] that `holder` did not take
    /// after all. Local backends have nothing to do.
    fn release_nick(&self, _nick: &Nick, _holder: MemberId) {}

    fn create_account(&self, name: &str, phc: String) -> StoreFuture<Created>;

    /// Replaces the account's password hash; `false` if it is gone.
    fn set_password(&self, name: &str, phc: String) -> StoreFuture<bool>;

    /// Deletes the account, its mailbox and its read markers; `false` if
    /// it was already gone.
    fn delete_account(&self, name: &str) -> StoreFuture<bool>;

    /// Keeps a private message for account `to`.
    fn send_mail(&self, to: &str, text: &str) -> StoreFuture<MailOutcome>;

    /// Takes the account's waiting mail (marking it delivered) and counts
    /// its unread lines per room.
    fn login_summary(&self, account: &str) -> StoreFuture<LoginSummary>;

    /// Records that `account` has seen every line of `room` so far (it
    /// leaves the room). Fire and forget.
    fn mark_seen(&self, account: &str, room: &RoomName);

    /// How long a login attempt for these keys must wait first (zero if it
    /// need not).
    fn throttle_wait(&self, keys: &[ThrottleKey]) -> StoreFuture<Duration>;

    /// Counts a failed login against each key; resolves once counted, so
    /// that the answer to a failed attempt is given only when the next
    /// attempt, on any instance, will see it.
    fn throttle_failure(&self, keys: &[ThrottleKey]) -> StoreFuture<()>;

    /// A successful login clears the account's count. Fire and forget.
    fn throttle_success(&self, keys: &[ThrottleKey]);

    /// Accounts and stored lines now (cheap: kept up to date, not counted).
    fn counts(&self) -> StoreCounts;

    /// Waits for queued writes to be committed (for a graceful stop).
    fn flush(&self) -> StoreFuture<()>;

    /// The server is stopping: [`Self::flush`], and with a shared store,
    /// take this instance out of the directory at once (rather than let
    /// the others wait for its presence to expire).
    fn close(&self) -> StoreFuture<()> {
        self.flush()
    }

    /// Presence across instances, for a store shared by several (see the
    /// [module docs](self)); `None` for a local store.
    fn directory(&self) -> Option<Arc<dyn Directory>> {
        None
    }
}

/// Opens the store at `location`, delivering committed lines to `feed`.
pub fn open(
    location: &StoreLocation,
    retention: Retention,
    feed: Arc<dyn Feed>,
) -> Result<Arc<dyn ChatStore>, OpenError> {
    Ok(match location {
        StoreLocation::Ephemeral => Arc::new(memory::MemoryStore::new(retention, feed)),
        StoreLocation::Directory(dir) => Arc::new(sqlite::SqliteStore::open(dir, retention, feed)?),
        StoreLocation::Redis(options) => {
            Arc::new(redis::RedisStore::open(options, retention, feed)?)
        }
    })
}

/// Seconds since the Unix epoch now (0 if the clock is before it).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A ready future: what the memory store answers with.
pub(crate) fn ready<T: Send + 'static>(value: Result<T, StoreError>) -> StoreFuture<T> {
    Box::pin(std::future::ready(value))
}

/// `time` (Unix seconds) as `[HH:MM]` in UTC, or `[YYYY-MM-DD HH:MM]` when
/// it is not on the same UTC day as `now`.
pub fn format_time(time: i64, now: i64) -> String {
    let (day, secs) = (time.div_euclid(86_400), time.rem_euclid(86_400));
    let clock = format!("{:02}:{:02}", secs / 3600, secs / 60 % 60);
    if day == now.div_euclid(86_400) {
        format!("[{clock}]")
    } else {
        let (y, m, d) = civil_from_days(day);
        format!("[{y:04}-{m:02}-{d:02} {clock}]")
    }
}

/// The proleptic Gregorian date of a day number (days since 1970-01-01);
/// Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m as u32, d as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_with_the_date_when_not_today() {
        // 2026-11-25 14:03:09 UTC
        let t = 1_795_615_389;
        assert_eq!(format_time(t, t + 60), "[14:03]");
        assert_eq!(format_time(t, t + 86_400), "[2026-11-25 14:03]");
        assert_eq!(format_time(0, 10 * 86_400), "[1970-01-01 00:00]");
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
