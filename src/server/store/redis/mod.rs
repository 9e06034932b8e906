//! `--redis URL`: the chat shared by several safecalc instances through one
//! Redis server. Every instance is equal (no leader); each serves its own
//! clients, and Redis holds what they share.
//!
//! # What lives in Redis
//!
//! Under a prefix (`--redis-prefix`, default `safecalc`, then `:`), so that
//! one Redis can serve several chats:
//!
//! | key | type | holds |
//! |---|---|---|
//! | `h:#ROOM` | stream | the room's history, capped at `--chat-history` (`MAXLEN ~`) and pruned by age (`--history-days`) |
//! | `rooms` | set | rooms that ever had a member (what the pruning and `/stats` visit) |
//! | `accounts` | hash | folded name → name and argon2id PHC string |
//! | `mail:NAME` | list | an account's waiting private messages |
//! | `delivered:NAME` | list | the newest mailbox's worth of its delivered ones (a record) |
//! | `seen:NAME` | hash | room → lines the account had seen there (read markers) |
//! | `throttle:a:NAME`, `throttle:ip:ADDR` | hash | failed logins (expire) |
//! | `instances` | sorted set | instance → the deadline of its heartbeat |
//! | `i:INSTANCE:r:#ROOM` | hash | that instance's members in the room: id → nick |
//! | `i:INSTANCE:rooms`, `i:INSTANCE:n` | hash | its rooms' sizes; its chatting nicks |
//! | `i:INSTANCE:claims`, `i:INSTANCE:epoch` | set, string | its claimed nicks; its process |
//! | `nick:NAME` | string | `INSTANCE/id`: the guest holding a nick it chose |
//! | `guests` | counter | where the next block of guest numbers starts |
//!
//! and two kinds of pub/sub channel: `chat`, which every instance
//! subscribes to (room lines, announcements, deleted accounts), and
//! `to:INSTANCE`, for private messages to that instance's members (see
//! `wire.rs`).
//!
//! # One order
//!
//! Every operation of an instance goes through one queue to the
//! writer (`writer.rs`), which runs what is queued as one Lua script (`batch.lua`):
//! atomic, in queue order, one round trip. A room line is appended to the
//! room's stream *and* published in the same step (`XADD`, then `PUBLISH`
//! with the stream id), so no other command runs between the two: the
//! order in which Redis publishes a room's lines is the order of its
//! stream, and every subscriber receives them in that order, on one
//! connection. Each instance's subscriber hands them to its hub
//! ([`Feed::deliver`]) as they come, so every member of a room, whichever
//! instance serves it, sees the room's lines in the order of its history
//! (the stream ids, which the messages carry). Announcements travel the
//! same channel, so they too are in that order. A line costs one `PUBLISH`
//! and one `XADD`, whatever the number of members or instances.
//!
//! A line is stored before anyone sees it (the publish follows the
//! append), and the sender's future resolves once this instance's
//! subscriber has delivered it, as with the embedded stores.
//!
//! # Presence and nicks
//!
//! Each instance keeps its own members in its hub, as a single server
//! does, and mirrors them in its `i:INSTANCE:*` keys (changes go through
//! the same queue, in order, with their announcements). `/who`, `/rooms`
//! and `/msg` read every *live* instance's keys: one whose heartbeat (every
//! `--presence-ttl` / 4) set its deadline in `instances` to now + 3/4 of
//! the TTL. An instance past its deadline is dead: the next heartbeat of
//! any other instance takes its members out (announcing their departure)
//! and frees its nicks, so a crashed instance's users are gone within the
//! TTL. Keys also expire on their own (twice the TTL) if no instance is
//! left to do it.
//!
//! A guest's own nick is claimed in `nick:NAME` (`SET` under the script,
//! so two instances asking at once get one yes and one no); a claim held
//! by a dead instance is free. Account names are reserved by the account
//! itself, as on a single server; `guest-N` names are given out from
//! blocks of the `guests` counter (1,000 at a time), never claimed.
//!
//! # When Redis cannot be reached
//!
//! The link (`link.rs`) connects (and reconnects, with backoff), subscribes, and
//! then rewrites this instance's presence from its hub before the chat is
//! available. While it is not: calc and echo work as ever; every chat
//! operation is refused at once with `error: chat unavailable` (a room
//! line included: refused, never dropped); chatting members are told once,
//! and told `-- chat is back` when it is. A `guest-N` needed meanwhile
//! comes from a fallback range far above the shared counter.

mod link;
mod wire;
mod writer;

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use futures_util::future::BoxFuture;
use redis::Value;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::warn;

use self::link::Link;
use self::wire::StreamId;
use self::writer::{Deliveries, Op, Reply};
use super::{
    AccountRecord, ChatStore, Created, Directory, Feed, LoginSummary, MailOutcome, NickClaim,
    OpenError, Outage, Presence, Retention, RoomLine, StoreCounts, StoreError, StoreFuture,
    StoredLine, ThrottleKey, ready,
};
use crate::server::chat::{Line, MemberId, Nick, RoomName};

/// The default `--redis-prefix`.
pub const DEFAULT_PREFIX: &str = "safecalc";

/// The default `--presence-ttl`.
pub const DEFAULT_PRESENCE_TTL: Duration = Duration::from_secs(30);

/// Guest numbers taken from the shared counter at a time.
const GUEST_BLOCK: u64 = 1000;

/// Where guest numbers come from while Redis cannot be reached: a range
/// per instance (by a hash of its name), far above anything the shared
/// counter reaches.
const FALLBACK_GUESTS: u64 = 1_000_000_000_000_000;

/// How to reach the shared chat (`--redis`, `--instance-name`,
/// `--presence-ttl`, `--redis-prefix`, `--redis-ca`).
#[derive(Clone, PartialEq, Eq)]
pub struct RedisOptions {
    /// `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS.
    pub url: String,
    /// This instance's name, in logs and in Redis (letters, digits and
    /// `.`, `_`, `-`, `:`; unique among the instances).
    pub instance: String,
    /// How long a silent instance's members stay listed.
    pub presence_ttl: Duration,
    /// What every key and channel starts with (then `:`).
    pub prefix: String,
    /// With `rediss://`: trust only the certificates in this PEM file.
    pub ca: Option<PathBuf>,
}

impl fmt::Debug for RedisOptions {
    /// The URL without its password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisOptions")
            .field("url", &redacted(&self.url))
            .field("instance", &self.instance)
            .field("presence_ttl", &self.presence_ttl)
            .field("prefix", &self.prefix)
            .field("ca", &self.ca)
            .finish()
    }
}

/// `url` as it may be logged: any password replaced by `***`.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(not a URL)".to_string();
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    match rest[..host_end].rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{}", &rest[at + 1..])
        }
        None => url.to_string(),
    }
}

/// Whether `name` can name an instance or a prefix: 1 to 64 letters,
/// digits, `.`, `_`, `-` or `:` (what keys and channel names can carry
/// without quoting, and what the messages' separators never are).
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'))
}

/// The Redis store (see the [module docs](self)).
pub struct RedisStore {
    inner: Arc<Inner>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

/// What the store, its [`link`] and its [`writer`] share.
struct Inner {
    /// The `Arc` this lives in (for tasks started from `&self`).
    me: Weak<Inner>,
    options: RedisOptions,
    /// `options.prefix` and `:`.
    prefix: String,
    retention: Retention,
    feed: Arc<dyn Feed>,
    /// This process, among those that have used the instance's name.
    epoch: String,
    client: redis::Client,
    link: Link,
    writes: mpsc::UnboundedSender<Op>,
    /// Publications waiting for this instance's subscriber: a sender's
    /// future resolves once the line has been delivered here too, so that
    /// what the sender sees next (a `/calc` result shown to it) never
    /// overtakes a line the room saw before.
    deliveries: Mutex<Deliveries>,
    next_token: AtomicU64,
    guests: Mutex<GuestNumbers>,
    accounts: AtomicU64,
    lines: AtomicU64,
    /// How far this instance has delivered each room's stream (see
    /// `link::replay`).
    delivered_up_to: Mutex<link::Watermarks>,
    /// Cancelled when the store is dropped or closed: its tasks end.
    stop: CancellationToken,
    runtime: tokio::runtime::Handle,
}

/// Guest numbers: a block of the shared counter, the next one (fetched
/// ahead), and the fallback range.
#[derive(Debug)]
struct GuestNumbers {
    next: u64,
    end: u64,
    spare: Option<(u64, u64)>,
    fetching: bool,
    fallback: u64,
    warned: bool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RedisStore {
    /// Checks the options and starts connecting (in the background: the
    /// server serves calc and echo whether or not Redis answers). Needs a
    /// tokio runtime.
    pub fn open(
        options: &RedisOptions,
        retention: Retention,
        feed: Arc<dyn Feed>,
    ) -> Result<RedisStore, OpenError> {
        for (what, name) in [
            ("--instance-name", &options.instance),
            ("--redis-prefix", &options.prefix),
        ] {
            if !valid_name(name) {
                return Err(OpenError::Redis(format!(
                    "{what} {name:?} is not a name: use 1 to 64 letters, digits, '.', '_', '-' or ':'"
                )));
            }
        }
        let client = client(options)?;
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|_| OpenError::NoRuntime("Redis"))?;
        // Unavailable until connected: the hub refuses chat until then.
        feed.availability(false, Outage::Chat);
        let (writes, queue) = mpsc::unbounded_channel();
        let inner = Arc::new_cyclic(|me| Inner {
            me: me.clone(),
            prefix: format!("{}:", options.prefix),
            options: options.clone(),
            retention,
            feed,
            epoch: epoch(),
            client,
            link: Link::new(),
            writes,
            deliveries: Mutex::new(HashMap::new()),
            next_token: AtomicU64::new(1),
            guests: Mutex::new(GuestNumbers {
                next: 0,
                end: 0,
                spare: None,
                fetching: false,
                fallback: fallback_guests(&options.instance),
                warned: false,
            }),
            accounts: AtomicU64::new(0),
            lines: AtomicU64::new(0),
            delivered_up_to: Mutex::new(link::Watermarks::default()),
            stop: CancellationToken::new(),
            runtime: runtime.clone(),
        });
        let stop = inner.stop.clone();
        let writer = writer::run(Arc::clone(&inner), queue);
        runtime.spawn(async move {
            tokio::select! {
                () = writer => {}
                () = stop.cancelled() => {}
            }
        });
        runtime.spawn(link::supervise(Arc::clone(&inner)));
        Ok(RedisStore { inner })
    }
}

impl Drop for RedisStore {
    fn drop(&mut self) {
        self.inner.stop.cancel();
    }
}

/// A client for `options.url` (with `options.ca` as the only trusted
/// certificates, if given).
fn client(options: &RedisOptions) -> Result<redis::Client, OpenError> {
    let bad_url = |e: redis::RedisError| {
        OpenError::Redis(format!(
            "{} is not a Redis URL ({e}); write redis://[user:password@]host:port[/db], or rediss://... for TLS",
            redacted(&options.url)
        ))
    };
    match &options.ca {
        None => redis::Client::open(options.url.as_str()).map_err(bad_url),
        Some(path) => {
            if !options.url.starts_with("rediss://") {
                return Err(OpenError::Redis(
                    "--redis-ca is for a TLS connection: the URL must start with rediss://".into(),
                ));
            }
            let pem = std::fs::read(path).map_err(|e| {
                OpenError::Redis(format!("cannot read --redis-ca {}: {e}", path.display()))
            })?;
            redis::Client::build_with_tls(
                options.url.as_str(),
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem),
                },
            )
            .map_err(bad_url)
        }
    }
}

/// A random name for this process (so that a restarted instance knows its
/// previous life's keys, and two processes given one name are noticed).
fn epoch() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 8];
    let random = ring::rand::SystemRandom::new().fill(&mut bytes).is_ok();
    let value = if random {
        u64::from_le_bytes(bytes)
    } else {
        // No system randomness: time and process id still tell two
        // processes apart.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        nanos ^ u64::from(std::process::id()).rotate_left(32)
    };
    format!("{value:016x}")
}

/// The start of this instance's fallback guest range (FNV-1a of its name).
fn fallback_guests(instance: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in instance.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    FALLBACK_GUESTS + (hash % 1_000_000_000) * 1_000_000
}

impl Inner {
    /// A channel or key name under the prefix.
    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Queues `op`, whose answer the caller waits for; refused at once
    /// when the chat is unavailable.
    fn ask<T: Send + 'static>(&self, op: impl FnOnce(Reply<T>) -> Op) -> StoreFuture<T> {
        if !self.link.available() {
            return ready(Err(StoreError::ChatUnavailable));
        }
        let (tx, rx) = oneshot::channel();
        if self.writes.send(op(tx)).is_err() {
            return ready(Err(StoreError::Stopped));
        }
        Box::pin(async move { rx.await.unwrap_or(Err(StoreError::ChatUnavailable)) })
    }

    /// Queues a fire-and-forget `op` (dropped while the link is not
    /// accepting: the next resync rewrites what it would have changed).
    fn tell(&self, op: Op) {
        if self.link.accepting() {
            let _ = self.writes.send(op);
        }
    }

    /// A publication: a token and the receiver the writer waits on.
    fn publication(&self) -> (u64, oneshot::Receiver<()>) {
        let token = self.next_token.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        lock(&self.deliveries).insert(token, tx);
        (token, rx)
    }

    /// The subscriber delivered publication `token`.
    fn delivered(&self, token: u64) {
        if let Some(tx) = lock(&self.deliveries).remove(&token) {
            let _ = tx.send(());
        }
    }

    /// Publication `token` will not be delivered (refused).
    fn forget_delivery(&self, token: u64) {
        lock(&self.deliveries).remove(&token);
    }

    /// The subscription was lost: no waiting publication will be
    /// delivered here (they are stored; their senders are answered).
    fn abandon_deliveries(&self) {
        lock(&self.deliveries).clear();
    }

    fn note_account(&self, change: i64) {
        if change >= 0 {
            self.accounts
                .fetch_add(change.unsigned_abs(), Ordering::Relaxed);
        } else {
            let _ = self
                .accounts
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                    Some(n.saturating_sub(change.unsigned_abs()))
                });
        }
    }

    /// Runs a read on the command connection; refused when the chat is
    /// unavailable, and a failure makes the link reconnect.
    fn read<T: Send + 'static>(
        &self,
        command: redis::Cmd,
        parse: fn(Value) -> Option<T>,
    ) -> StoreFuture<T> {
        if !self.link.available() {
            return ready(Err(StoreError::ChatUnavailable));
        }
        let Some((generation, mut connection)) = self.link.connection() else {
            return ready(Err(StoreError::ChatUnavailable));
        };
        let link = self.link.clone();
        Box::pin(async move {
            match command.query_async::<Value>(&mut connection).await {
                Ok(value) => parse(value).ok_or_else(|| {
                    warn!("an answer from Redis could not be read");
                    StoreError::ChatUnavailable
                }),
                Err(e) => {
                    warn!(error = %e, "a read from Redis failed");
                    link.broken(generation);
                    Err(StoreError::ChatUnavailable)
                }
            }
        })
    }

    /// Fetches the next block of guest numbers if fewer than half a block
    /// are left.
    fn fetch_guests_if_low(&self) {
        let low = {
            let guests = lock(&self.guests);
            guests.spare.is_none() && guests.end.saturating_sub(guests.next) < GUEST_BLOCK / 2
        };
        if low {
            self.fetch_guests();
        }
    }

    /// Fetches the next block of guest numbers, unless it is on its way.
    fn fetch_guests(&self) {
        let Some(inner) = self.me.upgrade() else {
            return;
        };
        {
            let mut guests = lock(&self.guests);
            if guests.fetching || guests.spare.is_some() {
                return;
            }
            guests.fetching = true;
        }
        self.runtime.spawn(async move {
            let block = match inner.link.connection() {
                Some((_, mut connection)) => redis::cmd("INCRBY")
                    .arg(inner.key("guests"))
                    .arg(GUEST_BLOCK)
                    .query_async::<u64>(&mut connection)
                    .await
                    .ok(),
                None => None,
            };
            let mut guests = lock(&inner.guests);
            guests.fetching = false;
            if let Some(end) = block {
                let block = (end.saturating_sub(GUEST_BLOCK) + 1, end + 1);
                if guests.next >= guests.end {
                    (guests.next, guests.end) = block;
                } else {
                    guests.spare = Some(block);
                }
            }
        });
    }
}

impl ChatStore for RedisStore {
    fn publish(&self, lines: Vec<RoomLine>) -> StoreFuture<()> {
        let inner = &self.inner;
        if !inner.link.available() {
            return ready(Err(StoreError::ChatUnavailable));
        }
        let mut answers = Vec::with_capacity(lines.len());
        for line in lines {
            let (token, delivered) = inner.publication();
            answers.push(inner.ask(|reply| Op::Publish {
                line,
                token,
                delivered,
                reply,
            }));
        }
        Box::pin(async move {
            for answer in answers {
                answer.await?;
            }
            Ok(())
        })
    }

    fn history(&self, room: &RoomName, n: usize) -> StoreFuture<Vec<StoredLine>> {
        let mut command = redis::cmd("XREVRANGE");
        command
            .arg(self.inner.key(&format!("h:{room}")))
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(n.max(1));
        self.inner.read(command, |value| {
            let mut entries = stream_entries(value)?;
            entries.reverse();
            Some(
                entries
                    .into_iter()
                    .map(|(id, text)| StoredLine {
                        id: id.number(),
                        time: id.unix_seconds(),
                        text,
                    })
                    .collect(),
            )
        })
    }

    fn account(&self, name: &str) -> StoreFuture<Option<AccountRecord>> {
        let mut command = redis::cmd("HGET");
        command
            .arg(self.inner.key("accounts"))
            .arg(name.to_ascii_lowercase());
        self.inner.read(command, |value| match value {
            Value::Nil => Some(None),
            value => {
                let record = text(value)?;
                let (name, phc) = record.split_once('\u{1f}')?;
                Some(Some(AccountRecord {
                    name: name.to_string(),
                    phc: phc.to_string(),
                }))
            }
        })
    }

    fn claim_nick(&self, nick: &Nick, holder: MemberId) -> StoreFuture<NickClaim> {
        let folded = nick.folded();
        self.inner.ask(|reply| Op::Claim {
            id: holder,
            folded,
            reply,
        })
    }

    fn release_nick(&self, nick: &Nick, holder: MemberId) {
        self.inner.tell(Op::Release {
            id: holder,
            folded: nick.folded(),
        });
    }

    fn create_account(&self, name: &str, phc: String) -> StoreFuture<Created> {
        let name = name.to_string();
        self.inner
            .ask(|reply| Op::CreateAccount { name, phc, reply })
    }

    fn set_password(&self, name: &str, phc: String) -> StoreFuture<bool> {
        let name = name.to_string();
        self.inner.ask(|reply| Op::SetPassword { name, phc, reply })
    }

    fn delete_account(&self, name: &str) -> StoreFuture<bool> {
        let name = name.to_string();
        self.inner.ask(|reply| Op::DeleteAccount { name, reply })
    }

    fn send_mail(&self, to: &str, text: &str) -> StoreFuture<MailOutcome> {
        let (to, text) = (to.to_string(), text.to_string());
        self.inner.ask(|reply| Op::SendMail { to, text, reply })
    }

    fn login_summary(&self, account: &str) -> StoreFuture<LoginSummary> {
        let account = account.to_string();
        self.inner.ask(|reply| Op::LoginSummary { account, reply })
    }

    fn mark_seen(&self, account: &str, room: &RoomName) {
        self.inner.tell(Op::MarkSeen {
            account: account.to_string(),
            room: room.clone(),
        });
    }

    fn throttle_wait(&self, keys: &[ThrottleKey]) -> StoreFuture<Duration> {
        let keys = keys.to_vec();
        self.inner.ask(|reply| Op::ThrottleWait { keys, reply })
    }

    fn throttle_failure(&self, keys: &[ThrottleKey]) -> StoreFuture<()> {
        let keys = keys.to_vec();
        self.inner.ask(|reply| Op::ThrottleFailure { keys, reply })
    }

    fn throttle_success(&self, keys: &[ThrottleKey]) {
        self.inner.tell(Op::ThrottleSuccess(keys.to_vec()));
    }

    fn counts(&self) -> StoreCounts {
        StoreCounts {
            accounts: self.inner.accounts.load(Ordering::Relaxed),
            lines: self.inner.lines.load(Ordering::Relaxed),
        }
    }

    fn flush(&self) -> StoreFuture<()> {
        let (tx, rx) = oneshot::channel();
        if self.inner.writes.send(Op::Flush { reply: tx }).is_err() {
            return ready(Ok(()));
        }
        Box::pin(async move { rx.await.unwrap_or(Ok(())) })
    }

    fn close(&self) -> StoreFuture<()> {
        let inner = Arc::clone(&self.inner);
        let (tx, rx) = oneshot::channel();
        let queued = inner.link.accepting() && inner.writes.send(Op::Retire { reply: tx }).is_ok();
        Box::pin(async move {
            let retired = if queued {
                rx.await.unwrap_or(Err(StoreError::ChatUnavailable))
            } else {
                Ok(())
            };
            inner.stop.cancel();
            retired
        })
    }

    fn directory(&self) -> Option<Arc<dyn Directory>> {
        Some(Arc::clone(&self.inner) as Arc<dyn Directory>)
    }
}

impl Directory for Inner {
    fn instance(&self) -> &str {
        &self.options.instance
    }

    fn next_guest(&self) -> u64 {
        let (number, low) = {
            let mut guests = lock(&self.guests);
            if guests.next >= guests.end
                && let Some((next, end)) = guests.spare.take()
            {
                (guests.next, guests.end) = (next, end);
            }
            if guests.next < guests.end {
                let number = guests.next;
                guests.next += 1;
                (number, guests.end - guests.next < GUEST_BLOCK / 2)
            } else {
                if !guests.warned {
                    guests.warned = true;
                    warn!("no guest numbers from Redis yet; using this instance's fallback range");
                }
                guests.fallback += 1;
                (guests.fallback, true)
            }
        };
        if low {
            self.fetch_guests();
        }
        number
    }

    fn presence(&self, change: Presence) {
        self.tell(Op::Presence(change));
    }

    fn who(&self, room: &RoomName) -> StoreFuture<Vec<String>> {
        let room = room.clone();
        self.ask(|reply| Op::Who { room, reply })
    }

    fn rooms(&self) -> StoreFuture<Vec<(RoomName, usize)>> {
        self.ask(|reply| Op::Rooms { reply })
    }

    fn direct(&self, to: &Nick, line: &Line) -> StoreFuture<bool> {
        let (folded, line) = (to.folded(), Arc::clone(line));
        self.ask(|reply| Op::Direct {
            folded,
            line,
            reply,
        })
    }

    fn all(
        &self,
        origin: MemberId,
        nick: &Nick,
        account: Option<&str>,
        text: &Line,
    ) -> StoreFuture<()> {
        if !self.link.available() {
            return ready(Err(StoreError::ChatUnavailable));
        }
        let (token, delivered) = self.publication();
        let (nick, account, text) = (nick.clone(), account.map(str::to_string), Arc::clone(text));
        self.ask(|reply| Op::All {
            origin,
            nick,
            account,
            text,
            token,
            delivered,
            reply,
        })
    }

    fn available(&self) -> bool {
        self.link.available()
    }

    fn wait_available(&self, within: Duration) -> BoxFuture<'static, bool> {
        let mut changes = self.link.watch();
        Box::pin(async move {
            tokio::time::timeout(within, changes.wait_for(|available| *available))
                .await
                .is_ok_and(|r| r.is_ok())
        })
    }
}

/// The entries of an `XRANGE` or `XREVRANGE` reply: each line's id and
/// text (its `t` field), in the reply's order.
fn stream_entries(value: Value) -> Option<Vec<(StreamId, String)>> {
    let Value::Array(entries) = value else {
        return None;
    };
    let mut lines = Vec::with_capacity(entries.len());
    for entry in entries {
        let Value::Array(mut parts) = entry else {
            return None;
        };
        let Value::Array(fields) = parts.pop()? else {
            return None;
        };
        let id = StreamId::parse(&text(parts.pop()?)?)?;
        let mut fields = fields.into_iter();
        let mut line = None;
        while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
            if text(name).as_deref() == Some("t") {
                line = text(value);
            }
        }
        lines.push((id, line?));
    }
    Some(lines)
}

/// A reply as text.
fn text(value: Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes).ok(),
        Value::SimpleString(s) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_logged() {
        assert_eq!(
            redacted("redis://:hunter2@db.example:6379/0"),
            "redis://:***@db.example:6379/0"
        );
        assert_eq!(
            redacted("rediss://chat:hunter2@db.example:6380"),
            "rediss://chat:***@db.example:6380"
        );
        assert_eq!(redacted("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
        assert_eq!(redacted("nonsense"), "(not a URL)");
        let options = RedisOptions {
            url: "redis://:hunter2@h:1".into(),
            instance: "a".into(),
            presence_ttl: DEFAULT_PRESENCE_TTL,
            prefix: DEFAULT_PREFIX.into(),
            ca: None,
        };
        assert!(!format!("{options:?}").contains("hunter2"));
    }

    #[test]
    fn names_are_plain_words() {
        for good in ["a", "eu-1", "host.example:7878", "x_y"] {
            assert!(valid_name(good), "{good}");
        }
        let long = "n".repeat(65);
        for bad in ["", "a b", "a/b", "a\u{1f}b", "été", long.as_str()] {
            assert!(!valid_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn fallback_guests_are_far_from_the_counter_and_fit_a_nick() {
        let start = fallback_guests("host:7878");
        assert!(start >= FALLBACK_GUESTS);
        assert_ne!(start, fallback_guests("host:7879"));
        let nick = Nick::guest(start + 999_999);
        assert!(Nick::parse(nick.as_str()).is_some(), "{nick}");
    }
}
