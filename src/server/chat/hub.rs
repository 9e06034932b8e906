//! [`ChatHub`]: every chat member, nick and room of this server, behind one
//! mutex, and the store behind them.
//!
//! See the [module docs](super) for why a mutex and not an actor. The rules
//! that keep it safe:
//!
//! * every method locks, does a bounded amount of synchronous work, and
//!   unlocks; nothing in this file is `async`, so the lock can never be
//!   held across an `.await`;
//! * the store is never called with the lock held (the memory store
//!   delivers within `publish`, which takes the lock), so there is no lock
//!   order to get wrong: operations that need the store build what they
//!   need under the lock, release it, and hand the store's future to the
//!   session;
//! * delivery is [`mpsc::Sender::try_send`] into the recipient's queue,
//!   bounded in lines (a `Batch` counts the lines it holds for that
//!   member, not the member's own): it never waits. A recipient whose
//!   queue is full is removed on the spot and its [`Inbox::kicked`] token
//!   cancelled, which makes its connection close (see `handler.rs`);
//! * removals that cause announcements that overflow further queues are
//!   handled by a work list, not recursion.
//!
//! # Room lines go through the store
//!
//! A message, `/me`, `/all` or shared calculation is built here (the
//! sender's nick, the cleaned text) and given to the store
//! ([`ChatStore::publish`]); the store commits it and hands it back
//! through the hub's [`Feed`], and only then is it queued for the room.
//! Announcements (joins, departures, nick changes) are not history: they
//! are queued directly, under the same lock, so every member of a room
//! still sees one order of everything.
//!
//! # Several instances
//!
//! With a store that has a [`Directory`] (Redis), the members, nicks and
//! rooms here are this instance's share of a chat spread over several.
//! Fan-out stays local: each instance queues a line for its own members.
//! What changes is who hears of presence: joins, departures and nick
//! changes are handed to the directory with their announcement (see
//! `State::announce`) instead of being queued here, and come back
//! through the [`Feed`] in the shared chat's order, for the members of
//! every instance; `/who`, `/rooms`, `/msg` and `/all` ask the directory;
//! guest numbers come from it. Without a directory, every one of these
//! paths is the single-instance one.
//!
//! # Nicks and accounts
//!
//! A guest's nick belongs to one member. An account's name belongs to the
//! account: every connection logged in to it has it as its nick, and a
//! private message to it reaches all of them. Taking a nick that is a
//! registered account's name is refused by the store's
//! [`ChatStore::claim_nick`]; a guest who holds a name when its account
//! logs in is renamed to a fresh guest nick.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use futures_util::FutureExt;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TryRecvError;
use tokio_util::sync::CancellationToken;

use super::names::{MAX_NICK_CHARS, Nick, RoomName};
use super::rate::TokenBucket;
use super::{ChatConfig, ChatError, Departure, MAX_LISTED_NAMES, MAX_MESSAGE_BYTES};
use crate::server::store::{
    self, ChatStore, Committed, Directory, Feed, MailOutcome, OpenError, Outage, Presence, Present,
    RoomLine, StoreError, StoreFuture, StoreLocation, StoredLine,
};
use crate::server::text::{clean, printable};

/// A member's number, unique for the life of the hub.
pub type MemberId = u64;

/// One line for a member's terminal. Shared: a line sent to a room of a
/// thousand is one allocation.
pub type Line = Arc<str>;

/// A room's lines from one delivery of the store, each with its sender
/// (who skips it), queued whole for every member of the room: one queue
/// entry per member per batch rather than per line. A commit of the
/// SQLite store carries every line written meanwhile, and queueing each
/// line to each member (a channel push, a permit, a wake) was most of the
/// event loop's time in a room of 100 (see BENCHMARKS.md).
type Batch = Arc<[(MemberId, Line)]>;

/// Most lines in one [`Batch`]: a member's queue is bounded in lines, and
/// a batch goes in whole or not at all.
const MAX_BATCH_LINES: usize = 64;

/// What a member's queue carries.
#[derive(Debug)]
enum Delivery {
    Line(Line),
    /// A room's batch and how many of its lines are for this member (not
    /// its own): what its queue was charged, and is credited when taken.
    Batch(Batch, usize),
}

/// The shared chat state. Create one per server with [`ChatHub::new`] (in
/// memory) or [`ChatHub::open`].
pub struct ChatHub {
    config: ChatConfig,
    shared: Arc<Shared>,
    store: Arc<dyn ChatStore>,
    /// The store's presence across instances, if it has one.
    directory: Option<Arc<dyn Directory>>,
}

impl std::fmt::Debug for ChatHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatHub")
            .field("config", &self.config)
            .field("store", &self.store)
            .field("shared", &self.directory.is_some())
            .finish_non_exhaustive()
    }
}

/// What the hub and its [`Feed`] share: the state, and whether the store
/// can write.
#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// The history can be written (a local store's disk).
    available: AtomicBool,
    /// The shared chat cannot be reached (Redis): chat is refused.
    chat_down: AtomicBool,
}

/// Counts for tests and `/stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubCounts {
    /// Registered members (every open connection, in chat mode or not).
    pub members: usize,
    /// Members in a room.
    pub chatting: usize,
    /// Rooms (never empty ones).
    pub rooms: usize,
}

/// Who holds a nick.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Holder {
    Guest(MemberId),
    /// The members logged in to the account of that name.
    Account(BTreeSet<MemberId>),
}

#[derive(Default)]
struct State {
    /// Presence across instances (see the [module docs](self)), set once
    /// the store is open.
    directory: Option<Arc<dyn Directory>>,
    members: HashMap<MemberId, Member>,
    /// Folded nick to holder: the one place nick uniqueness is decided.
    nicks: HashMap<String, Holder>,
    /// Sorted, so `/rooms` lists them in order.
    rooms: BTreeMap<RoomName, Room>,
    next_id: MemberId,
    next_guest: u64,
    meter: RateMeter,
}

#[derive(Debug)]
struct Member {
    nick: Nick,
    /// The account logged in to, as registered.
    account: Option<String>,
    /// `None` while the member is not in chat mode; such a member gets no
    /// relayed lines (they would break calc mode's one-reply-per-line rule).
    room: Option<RoomName>,
    outbox: mpsc::Sender<Delivery>,
    /// Lines in `outbox` beyond one per entry (a batch's others), not yet
    /// taken (shared with its [`Incoming`]). Queued lines are the entries
    /// plus these: a single line, the common case, costs no counting.
    extra: Arc<AtomicUsize>,
    kicked: CancellationToken,
}

#[derive(Debug, Default)]
struct Room {
    members: BTreeSet<MemberId>,
}

/// Room lines delivered per second, over the last [`RateMeter::SECONDS`]
/// whole seconds.
#[derive(Debug)]
struct RateMeter {
    start: Instant,
    /// Lines per second, by second since `start`, in a ring.
    buckets: [u64; RateMeter::SECONDS + 1],
    /// The second `buckets` was last written for.
    second: u64,
}

impl Default for RateMeter {
    fn default() -> Self {
        RateMeter {
            start: Instant::now(),
            buckets: [0; RateMeter::SECONDS + 1],
            second: 0,
        }
    }
}

impl RateMeter {
    const SECONDS: usize = 10;

    fn advance(&mut self, now: Instant) -> usize {
        let second = now.saturating_duration_since(self.start).as_secs();
        let len = self.buckets.len() as u64;
        while self.second < second {
            self.second += 1;
            self.buckets[(self.second % len) as usize] = 0;
            if second - self.second > len {
                self.second = second;
                self.buckets = [0; RateMeter::SECONDS + 1];
            }
        }
        (second % len) as usize
    }

    fn add(&mut self, n: u64, now: Instant) {
        let at = self.advance(now);
        self.buckets[at] += n;
    }

    fn per_second(&mut self, now: Instant) -> f64 {
        let at = self.advance(now);
        let total: u64 = self
            .buckets
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != at)
            .map(|(_, n)| n)
            .sum();
        total as f64 / RateMeter::SECONDS as f64
    }
}

/// What a connection's handler receives for its member: the relayed lines,
/// and a token cancelled when the hub drops the member for not reading (or,
/// with [`ChatHub::register_within`], when the server stops).
#[derive(Debug)]
pub struct Inbox {
    pub messages: Incoming,
    pub kicked: CancellationToken,
}

/// A member's queue of relayed lines, bounded in lines
/// ([`ChatConfig::queue`]): taken one line at a time, whether the hub
/// queued them one by one or as a room's `Batch`, without the member's
/// own lines.
#[derive(Debug)]
pub struct Incoming {
    queue: mpsc::Receiver<Delivery>,
    /// The batch being read, and the next place in it.
    batch: Option<(Batch, usize)>,
    me: MemberId,
    extra: Arc<AtomicUsize>,
}

impl Incoming {
    /// The next line, if one is queued now.
    pub fn try_recv(&mut self) -> Result<Line, TryRecvError> {
        loop {
            if let Some(line) = self.next_in_batch() {
                return Ok(line);
            }
            let delivery = self.queue.try_recv()?;
            if let Some(line) = self.accept(delivery) {
                return Ok(line);
            }
        }
    }

    /// The next line, waiting for one; `None` once the hub has let go of
    /// the member. Cancel safe: what was taken from the queue is kept in
    /// `self`.
    pub async fn recv(&mut self) -> Option<Line> {
        loop {
            if let Some(line) = self.next_in_batch() {
                return Some(line);
            }
            let delivery = self.queue.recv().await?;
            if let Some(line) = self.accept(delivery) {
                return Some(line);
            }
        }
    }

    /// Takes `delivery` off the queue's count (a batch is then held here,
    /// at most [`MAX_BATCH_LINES`] beyond the bound), and returns its
    /// first line for this member.
    fn accept(&mut self, delivery: Delivery) -> Option<Line> {
        match delivery {
            Delivery::Line(line) => Some(line),
            Delivery::Batch(batch, lines) => {
                self.extra.fetch_sub(lines - 1, Ordering::Relaxed);
                self.batch = Some((batch, 0));
                self.next_in_batch()
            }
        }
    }

    fn next_in_batch(&mut self) -> Option<Line> {
        let (batch, at) = self.batch.as_mut()?;
        while let Some((origin, line)) = batch.get(*at) {
            *at += 1;
            if *origin != self.me {
                return Some(Arc::clone(line));
            }
        }
        self.batch = None;
        None
    }
}

/// A session's handle on its membership. Dropping it removes the member
/// and announces the departure, so however a connection ends (quit, error,
/// panic, task dropped at shutdown) no member is left behind.
#[derive(Debug)]
pub struct ChatMember {
    hub: Arc<ChatHub>,
    id: MemberId,
    bucket: Option<TokenBucket>,
    departed: bool,
}

/// The answer to `/join` and `/chat ROOM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    pub room: RoomName,
    /// Everyone now in the room, the joiner included, sorted.
    pub here: Vec<String>,
    /// The member was already there; nothing changed.
    pub already: bool,
}

/// What became of a `/msg`.
pub enum Sent {
    /// Queued for every chatting connection of the recipient.
    Delivered,
    /// Nobody of that name is chatting: the store keeps it if the name is
    /// an account's (`NoSuchAccount` otherwise).
    Mailed(StoreFuture<MailOutcome>),
    /// Handed to the directory (several instances): `reached` says
    /// whether a chatting connection of `to` got `line`; if none did, the
    /// caller may keep it for the account ([`ChatStore::send_mail`]).
    Routed {
        reached: StoreFuture<bool>,
        to: Nick,
        line: Line,
    },
}

impl std::fmt::Debug for Sent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Sent::Delivered => "Delivered",
            Sent::Mailed(_) => "Mailed",
            Sent::Routed { .. } => "Routed",
        })
    }
}

impl ChatHub {
    /// A hub whose store is in memory (`--ephemeral`, tests).
    pub fn new(config: ChatConfig) -> Arc<ChatHub> {
        let shared = Arc::new(Shared::default());
        let store = Arc::new(store::memory::MemoryStore::new(
            config.retention(),
            Arc::clone(&shared) as Arc<dyn Feed>,
        ));
        ChatHub::assemble(config, shared, store)
    }

    /// The hub on `store`, which delivers to `shared`.
    fn assemble(
        config: ChatConfig,
        shared: Arc<Shared>,
        store: Arc<dyn ChatStore>,
    ) -> Arc<ChatHub> {
        let directory = store.directory();
        // (Whether the shared chat can be reached, the store says through
        // the feed, from the moment it is opened.)
        if let Some(directory) = &directory {
            shared.lock().directory = Some(Arc::clone(directory));
        }
        Arc::new(ChatHub {
            config,
            shared,
            store,
            directory,
        })
    }

    /// A hub whose store is at `location`.
    pub fn open(config: ChatConfig, location: &StoreLocation) -> Result<Arc<ChatHub>, OpenError> {
        let shared = Arc::new(Shared::default());
        let store = store::open(
            location,
            config.retention(),
            Arc::clone(&shared) as Arc<dyn Feed>,
        )?;
        Ok(ChatHub::assemble(config, shared, store))
    }

    /// A hub on a store that `store` opens, delivering to the feed it is
    /// given (for tests that keep a handle on the store).
    pub fn with_store(
        config: ChatConfig,
        store: impl FnOnce(Arc<dyn Feed>) -> Arc<dyn ChatStore>,
    ) -> Arc<ChatHub> {
        let shared = Arc::new(Shared::default());
        let store = store(Arc::clone(&shared) as Arc<dyn Feed>);
        ChatHub::assemble(config, shared, store)
    }

    /// The hub's settings.
    pub fn config(&self) -> &ChatConfig {
        &self.config
    }

    /// The store behind the hub.
    pub fn store(&self) -> &Arc<dyn ChatStore> {
        &self.store
    }

    /// Whether the store could write at its last commit.
    pub fn history_available(&self) -> bool {
        self.shared.available.load(Ordering::Relaxed)
    }

    /// The store's presence across instances, if it has one (`--redis`).
    pub fn directory(&self) -> Option<&Arc<dyn Directory>> {
        self.directory.as_ref()
    }

    /// Refuses when the shared chat cannot be reached (with a local store
    /// it always can).
    fn chat_reachable(&self) -> Result<(), ChatError> {
        if self.shared.chat_down.load(Ordering::Relaxed) {
            Err(ChatError::Store(StoreError::ChatUnavailable))
        } else {
            Ok(())
        }
    }

    /// Registers a new member (not yet in a room) with the next free
    /// `guest-N` nick.
    pub fn register(self: &Arc<Self>) -> (ChatMember, Inbox) {
        self.register_within(&CancellationToken::new())
    }

    /// Like [`register`](Self::register), with the member's
    /// [`Inbox::kicked`] token a child of `stop`: cancelling `stop` (the
    /// server's shutdown) cancels it too. A connection's handler then has
    /// one token to wait on instead of two, and it is the member's own: a
    /// shared token's mutex, taken on every wait by every connection, was
    /// the server's hottest lock under load.
    pub fn register_within(self: &Arc<Self>, stop: &CancellationToken) -> (ChatMember, Inbox) {
        let (outbox, queue) = mpsc::channel(self.config.queue.max(1));
        let extra = Arc::new(AtomicUsize::new(0));
        let kicked = stop.child_token();
        let id = {
            let mut state = self.lock();
            state.next_id += 1;
            let id = state.next_id;
            let nick = state.fresh_guest_nick();
            state.nicks.insert(nick.folded(), Holder::Guest(id));
            let member = Member {
                nick,
                account: None,
                room: None,
                outbox,
                extra: Arc::clone(&extra),
                kicked: kicked.clone(),
            };
            state.members.insert(id, member);
            id
        };
        let member = ChatMember {
            hub: Arc::clone(self),
            id,
            bucket: TokenBucket::per_second(self.config.rate, Instant::now()),
            departed: false,
        };
        let messages = Incoming {
            queue,
            batch: None,
            me: id,
            extra,
        };
        (member, Inbox { messages, kicked })
    }

    /// How many members and rooms there are now.
    pub fn counts(&self) -> HubCounts {
        let state = self.lock();
        HubCounts {
            members: state.members.len(),
            chatting: state.members.values().filter(|m| m.room.is_some()).count(),
            rooms: state.rooms.len(),
        }
    }

    /// Room lines delivered per second, over the last ten seconds.
    pub fn lines_per_second(&self) -> f64 {
        self.lock().meter.per_second(Instant::now())
    }

    /// Every room here and its size, sorted by name.
    pub fn rooms(&self) -> Vec<(RoomName, usize)> {
        let state = self.lock();
        state
            .rooms
            .iter()
            .map(|(name, room)| (name.clone(), room.members.len()))
            .collect()
    }

    /// Every room of the chat and its size, sorted by name: this hub's
    /// (ready at once), or with a directory, every instance's.
    pub fn all_rooms(&self) -> StoreFuture<Vec<(RoomName, usize)>> {
        match &self.directory {
            None => store::ready(Ok(self.rooms())),
            Some(directory) => Box::pin(futures_util::FutureExt::map(directory.rooms(), |rooms| {
                rooms.map(|mut rooms| {
                    rooms.sort();
                    rooms
                })
            })),
        }
    }

    /// The account `name` was deleted: every connection logged in to it
    /// becomes a guest, and those chatting are told.
    pub fn account_deleted(&self, name: &str) {
        self.shared
            .with_state(|state, overflowed| state.account_deleted(name, overflowed));
    }

    /// Locks the state.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            state: Mutex::new(State::default()),
            available: AtomicBool::new(true),
            chat_down: AtomicBool::new(false),
        }
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("members", &self.members.len())
            .field("rooms", &self.rooms.len())
            .field("shared", &self.directory.is_some())
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// Locks the state. A panic while locked cannot leave the state half
    /// updated in a way that matters more than losing the server would, so
    /// a poisoned lock is used as it is.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the locked state, then removes every member whose queue
    /// overflowed meanwhile (and any that overflow because of those
    /// removals' announcements).
    fn with_state<R>(&self, f: impl FnOnce(&mut State, &mut Vec<MemberId>) -> R) -> R {
        let mut state = self.lock();
        let mut overflowed = Vec::new();
        let result = f(&mut state, &mut overflowed);
        while let Some(id) = overflowed.pop() {
            if let Some(kicked) = state.remove(id, Departure::Overflow, &mut overflowed) {
                kicked.cancel();
            }
        }
        result
    }
}

impl Feed for Shared {
    fn deliver(&self, batch: &[Committed]) {
        if let [one] = batch {
            // One line (the memory store's every publish): no batch to make.
            let line = &one.line;
            return self.with_state(|state, overflowed| {
                state.meter.add(1, Instant::now());
                state.to_room(&line.room, Some(line.origin), &line.text, overflowed);
            });
        }
        // Each room's lines, in commit order (a member is in one room, so
        // the order across rooms is no one's).
        let mut rooms: HashMap<&RoomName, Vec<(MemberId, Line)>> = HashMap::new();
        for committed in batch {
            let line = &committed.line;
            rooms
                .entry(&line.room)
                .or_default()
                .push((line.origin, Arc::clone(&line.text)));
        }
        self.with_state(|state, overflowed| {
            state.meter.add(batch.len() as u64, Instant::now());
            for (room, lines) in rooms {
                for chunk in lines.chunks(MAX_BATCH_LINES) {
                    state.batch_to_room(room, &Batch::from(chunk), overflowed);
                }
            }
        });
    }

    fn availability(&self, available: bool, what: Outage) {
        let line: Line = match (what, available) {
            (Outage::History, true) => "-- chat history is available again".into(),
            (Outage::History, false) => "-- chat history is unavailable: new lines cannot be stored, so they are refused until it recovers".into(),
            (Outage::Chat, true) => "-- chat is back".into(),
            (Outage::Chat, false) => "-- chat is unavailable: this server lost the shared chat, so chat commands and lines are refused until it is back (calc and echo still work)".into(),
        };
        match what {
            Outage::History => self.available.store(available, Ordering::Relaxed),
            Outage::Chat => self.chat_down.store(!available, Ordering::Relaxed),
        }
        self.with_state(|state, overflowed| {
            let chatting: Vec<MemberId> = state
                .members
                .iter()
                .filter(|(_, m)| m.room.is_some())
                .map(|(&id, _)| id)
                .collect();
            for id in chatting {
                state.send(id, &line, overflowed);
            }
        });
    }

    fn announce(&self, room: &RoomName, except: Option<MemberId>, line: &Line) {
        self.with_state(|state, overflowed| state.to_room(room, except, line, overflowed));
    }

    fn direct(&self, to: &str, line: &Line) {
        self.with_state(|state, overflowed| {
            for id in state.holders(to) {
                if state.members.get(&id).is_some_and(|m| m.room.is_some()) {
                    state.send(id, line, overflowed);
                }
            }
        });
    }

    fn account_deleted(&self, name: &str) {
        self.with_state(|state, overflowed| state.account_deleted(name, overflowed));
    }

    fn nick_lost(&self, id: MemberId) {
        self.with_state(|state, overflowed| {
            let Some(member) = state.members.get(&id) else {
                return;
            };
            if member.account.is_some() {
                return;
            }
            let old = member.nick.clone();
            let nick = state.fresh_guest_nick();
            state.nicks.insert(nick.folded(), Holder::Guest(id));
            state.rename(id, nick.clone(), overflowed);
            let line: Line = format!(
                "-- someone took the nick {old} while the chat was unavailable; you are now {nick}"
            )
            .into();
            state.send(id, &line, overflowed);
        });
    }

    fn presence_snapshot(&self, take: &mut dyn FnMut(Vec<Present>)) {
        let state = self.lock();
        let members = state
            .members
            .iter()
            .map(|(&id, member)| Present {
                id,
                nick: member.nick.clone(),
                room: member.room.clone(),
                claimed: member.account.is_none() && !member.nick.is_guest(),
            })
            .collect();
        take(members);
    }
}

impl State {
    /// Tells `room` (but `except`) of a change in who is here: queued here
    /// for its members, or, with a directory, handed to it with `change`
    /// and delivered back through the [`Feed`], to the room's members on
    /// every instance.
    fn announce(
        &self,
        room: &RoomName,
        except: Option<MemberId>,
        line: Line,
        overflowed: &mut Vec<MemberId>,
    ) {
        if self.directory.is_none() {
            self.to_room(room, except, &line, overflowed);
        }
    }

    /// Hands `change` to the directory, if there is one.
    fn presence(&self, change: impl FnOnce() -> Presence) {
        if let Some(directory) = &self.directory {
            directory.presence(change());
        }
    }

    /// The members holding the nick folded as `folded`.
    fn holders(&self, folded: &str) -> Vec<MemberId> {
        match self.nicks.get(folded) {
            Some(Holder::Guest(to)) => vec![*to],
            Some(Holder::Account(ids)) => ids.iter().copied().collect(),
            None => Vec::new(),
        }
    }

    /// Every connection here logged in to the account `name` becomes a
    /// guest, and those chatting are told.
    fn account_deleted(&mut self, name: &str, overflowed: &mut Vec<MemberId>) {
        let folded = name.to_ascii_lowercase();
        let Some(Holder::Account(ids)) = self.nicks.get(&folded).cloned() else {
            return;
        };
        for id in ids {
            if let Some(nick) = self.logout(id, overflowed) {
                let line: Line =
                    format!("-- the account {name} was deleted; you are now {nick}").into();
                self.send(id, &line, overflowed);
            }
        }
    }

    /// The next `guest-N` nobody holds.
    fn fresh_guest_nick(&mut self) -> Nick {
        loop {
            let number = match &self.directory {
                Some(directory) => directory.next_guest(),
                None => {
                    self.next_guest += 1;
                    self.next_guest
                }
            };
            let nick = Nick::guest(number);
            if !self.nicks.contains_key(&nick.folded()) {
                return nick;
            }
        }
    }

    /// The nicks of a room's members, sorted ignoring case, each once (for
    /// `/who` and the list a joiner is shown).
    fn nicks_in(&self, room: &RoomName) -> Vec<String> {
        let mut nicks: Vec<String> = self
            .rooms
            .get(room)
            .map(|r| {
                r.members
                    .iter()
                    .filter_map(|m| self.members.get(m))
                    .map(|m| m.nick.to_string())
                    .collect()
            })
            .unwrap_or_default();
        sort_names(&mut nicks);
        nicks
    }

    fn member(&self, id: MemberId) -> Result<&Member, ChatError> {
        self.members.get(&id).ok_or(ChatError::Gone)
    }

    fn room_of(&self, id: MemberId) -> Result<(&Member, RoomName), ChatError> {
        let member = self.member(id)?;
        let room = member.room.clone().ok_or(ChatError::NotChatting)?;
        Ok((member, room))
    }

    /// Queues `line` for member `to`; a full queue puts it on `overflowed`.
    fn send(&self, to: MemberId, line: &Line, overflowed: &mut Vec<MemberId>) {
        self.queue(to, || Delivery::Line(Arc::clone(line)), 1, overflowed);
    }

    /// Queues `delivery` (of `lines` lines) for member `to`, if its queue
    /// has room for that many lines; if not, puts it on `overflowed`.
    fn queue(
        &self,
        to: MemberId,
        delivery: impl FnOnce() -> Delivery,
        lines: usize,
        overflowed: &mut Vec<MemberId>,
    ) {
        let Some(member) = self.members.get(&to) else {
            return;
        };
        let limit = member.outbox.max_capacity();
        let entries = limit - member.outbox.capacity();
        // The count of a batch's other lines is only looked at when the
        // entries could hold too many lines: it lives in an allocation of
        // its own, one more cache miss per member and line otherwise.
        let at_most = entries.saturating_mul(MAX_BATCH_LINES) + lines;
        if at_most > limit && entries + member.extra.load(Ordering::Relaxed) + lines > limit {
            overflowed.push(to);
            return;
        }
        // Counted before it is sent, so that the reader, which takes it off
        // the count, never takes off more than is there.
        let extra = lines - 1;
        if extra > 0 {
            member.extra.fetch_add(extra, Ordering::Relaxed);
        }
        match member.outbox.try_send(delivery()) {
            Ok(()) => {}
            Err(e) => {
                if extra > 0 {
                    member.extra.fetch_sub(extra, Ordering::Relaxed);
                }
                match e {
                    mpsc::error::TrySendError::Full(_) => overflowed.push(to),
                    // The connection is ending; its ChatMember will remove it.
                    mpsc::error::TrySendError::Closed(_) => {}
                }
            }
        }
    }

    /// Queues `batch` for everyone in `room` (its senders skip their own,
    /// and their queues count only the others' lines, as when each line
    /// was queued alone).
    fn batch_to_room(&self, room: &RoomName, batch: &Batch, overflowed: &mut Vec<MemberId>) {
        let Some(r) = self.rooms.get(room) else {
            return;
        };
        // Lines per sender: a batch has few senders (at most its length).
        let mut senders: Vec<(MemberId, usize)> = Vec::new();
        for (origin, _) in batch.iter() {
            match senders.iter_mut().find(|(id, _)| id == origin) {
                Some((_, lines)) => *lines += 1,
                None => senders.push((*origin, 1)),
            }
        }
        for &to in &r.members {
            let own = senders
                .iter()
                .find(|(id, _)| *id == to)
                .map_or(0, |(_, lines)| *lines);
            let lines = batch.len() - own;
            if lines > 0 {
                let delivery = || Delivery::Batch(Arc::clone(batch), lines);
                self.queue(to, delivery, lines, overflowed);
            }
        }
    }

    /// Sends `line` to everyone in `room` except `except`.
    fn to_room(
        &self,
        room: &RoomName,
        except: Option<MemberId>,
        line: &Line,
        overflowed: &mut Vec<MemberId>,
    ) {
        if let Some(r) = self.rooms.get(room) {
            for &to in r.members.iter().filter(|&&to| Some(to) != except) {
                self.send(to, line, overflowed);
            }
        }
    }

    /// Gives member `id` the nick `nick`, dropping its hold on the old
    /// one, and tells its room. The caller has checked the new nick is
    /// free for it and updated [`State::nicks`] for it.
    fn rename(&mut self, id: MemberId, nick: Nick, overflowed: &mut Vec<MemberId>) {
        let Some(member) = self.members.get_mut(&id) else {
            return;
        };
        let old = std::mem::replace(&mut member.nick, nick.clone());
        let room = member.room.clone();
        self.release(id, &old);
        if old == nick {
            return;
        }
        let announce = room.as_ref().map(|room| {
            let line: Line = format!("-- {old} is now known as {nick}").into();
            self.announce(room, Some(id), Arc::clone(&line), overflowed);
            line
        });
        self.presence(|| Presence::Renamed {
            id,
            room,
            old,
            new: nick,
            announce,
        });
    }

    /// Drops member `id`'s hold on `nick`.
    fn release(&mut self, id: MemberId, nick: &Nick) {
        let folded = nick.folded();
        match self.nicks.get_mut(&folded) {
            Some(Holder::Guest(owner)) if *owner == id => {
                self.nicks.remove(&folded);
            }
            Some(Holder::Account(ids)) => {
                ids.remove(&id);
                if ids.is_empty() {
                    self.nicks.remove(&folded);
                }
            }
            _ => {}
        }
    }

    /// Logs member `id` out: a fresh guest nick. Returns it, if the member
    /// was logged in.
    fn logout(&mut self, id: MemberId, overflowed: &mut Vec<MemberId>) -> Option<Nick> {
        let member = self.members.get_mut(&id)?;
        member.account.take()?;
        let nick = self.fresh_guest_nick();
        self.nicks.insert(nick.folded(), Holder::Guest(id));
        self.rename(id, nick.clone(), overflowed);
        Some(nick)
    }

    /// Takes member `id` out of its room and drops the room if it is now
    /// empty. With `why`, those who stay hear `-- nick left #room{why}`.
    fn leave_room(&mut self, id: MemberId, why: Option<&str>, overflowed: &mut Vec<MemberId>) {
        let Some(member) = self.members.get_mut(&id) else {
            return;
        };
        let Some(room) = member.room.take() else {
            return;
        };
        let nick = member.nick.clone();
        let now_empty = self.rooms.get_mut(&room).is_some_and(|r| {
            r.members.remove(&id);
            r.members.is_empty()
        });
        if now_empty {
            self.rooms.remove(&room);
        }
        let announce = why.map(|why| {
            let line: Line = format!("-- {nick} left {room}{why}").into();
            if !now_empty {
                self.announce(&room, None, Arc::clone(&line), overflowed);
            }
            line
        });
        self.presence(|| Presence::Left {
            id,
            room,
            nick,
            announce,
        });
    }

    /// Removes member `id` entirely; returns its kick token if it was there.
    fn remove(
        &mut self,
        id: MemberId,
        why: Departure,
        overflowed: &mut Vec<MemberId>,
    ) -> Option<CancellationToken> {
        // With several instances, the others' members hear of a stop too.
        let announcement = match (why, &self.directory) {
            (Departure::Shutdown, Some(_)) => Some(" (its server is stopping)"),
            _ => why.announcement(),
        };
        self.leave_room(id, announcement, overflowed);
        let member = self.members.remove(&id)?;
        self.release(id, &member.nick);
        self.presence(|| Presence::Gone {
            id,
            nick: member.nick,
        });
        Some(member.kicked)
    }
}

/// Sorts nicks ignoring case, each once.
fn sort_names(names: &mut Vec<String>) {
    names.sort_by_key(|n| n.to_ascii_lowercase());
    names.dedup();
}

/// `text`, checked for length and made safe for other terminals.
fn message_text(text: &str) -> Result<String, ChatError> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(ChatError::TooLong {
            max: MAX_MESSAGE_BYTES,
        });
    }
    Ok(clean(text))
}

/// `names` joined by spaces, at most [`MAX_LISTED_NAMES`] of them.
pub(crate) fn list_names(names: &[String]) -> String {
    let mut text = names
        .iter()
        .take(MAX_LISTED_NAMES)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    if names.len() > MAX_LISTED_NAMES {
        text.push_str(&format!(" ... and {} more", names.len() - MAX_LISTED_NAMES));
    }
    text
}

impl ChatMember {
    /// The member's number.
    pub fn id(&self) -> MemberId {
        self.id
    }

    /// The hub this member belongs to.
    pub fn hub(&self) -> &Arc<ChatHub> {
        &self.hub
    }

    /// Takes a token from the member's flood bucket, or says slow down.
    fn rate_limit(&mut self) -> Result<(), ChatError> {
        let allowed = self
            .bucket
            .as_mut()
            .is_none_or(|bucket| bucket.try_take(Instant::now()));
        if allowed {
            Ok(())
        } else {
            Err(ChatError::SlowDown)
        }
    }

    /// The current nick.
    pub fn nick(&self) -> Result<Nick, ChatError> {
        self.hub.lock().member(self.id).map(|m| m.nick.clone())
    }

    /// The account logged in to, if any.
    pub fn account(&self) -> Option<String> {
        self.hub
            .lock()
            .member(self.id)
            .ok()
            .and_then(|m| m.account.clone())
    }

    /// The current room, if in chat mode.
    pub fn room(&self) -> Result<Option<RoomName>, ChatError> {
        self.hub.lock().member(self.id).map(|m| m.room.clone())
    }

    /// Checks that `name` is a nick this member could take now (valid, not
    /// logged in, nobody else here has it); the caller then asks the store
    /// ([`ChatStore::claim_nick`]) and calls [`Self::set_nick`].
    pub fn check_nick(&self, name: &str) -> Result<Nick, ChatError> {
        let nick = Nick::parse(name).ok_or(ChatError::InvalidNick)?;
        let state = self.hub.lock();
        let member = state.member(self.id)?;
        if let Some(account) = &member.account {
            return Err(ChatError::LoggedIn(account.clone()));
        }
        match state.nicks.get(&nick.folded()) {
            Some(Holder::Guest(owner)) if *owner == self.id => Ok(nick),
            Some(_) => Err(ChatError::NickTaken(nick.to_string())),
            None => Ok(nick),
        }
    }

    /// Takes the nick `name` if it is valid and nobody else has it (case
    /// ignored); announces the change to the member's room. Returns the
    /// new nick. (Whether the name is an account's is the store's to say:
    /// see [`Self::check_nick`].)
    pub fn set_nick(&mut self, name: &str) -> Result<Nick, ChatError> {
        let nick = self.check_nick(name)?;
        let id = self.id;
        if self.nick()? == nick {
            return Ok(nick);
        }
        self.rate_limit()?;
        self.hub.shared.with_state(|state, overflowed| {
            if state.member(id)?.account.is_some() {
                return Err(ChatError::NickTaken(nick.to_string()));
            }
            match state.nicks.get(&nick.folded()) {
                Some(Holder::Guest(owner)) if *owner == id => {}
                Some(_) => return Err(ChatError::NickTaken(nick.to_string())),
                None => {}
            }
            state.nicks.insert(nick.folded(), Holder::Guest(id));
            state.rename(id, nick.clone(), overflowed);
            Ok(nick)
        })
    }

    /// Logs the member in to the account `name` (as registered): its nick
    /// becomes the name (a guest holding it is renamed), and its room is
    /// told of the change.
    pub fn login(&mut self, name: &str) -> Result<Nick, ChatError> {
        let nick = Nick::parse(name).ok_or(ChatError::InvalidNick)?;
        let id = self.id;
        self.hub.shared.with_state(|state, overflowed| {
            if let Some(account) = &state.member(id)?.account {
                return Err(ChatError::LoggedIn(account.clone()));
            }
            let folded = nick.folded();
            if let Some(Holder::Guest(guest)) = state.nicks.get(&folded).cloned()
                && guest != id
            {
                let renamed = state.fresh_guest_nick();
                state.nicks.insert(renamed.folded(), Holder::Guest(guest));
                state.rename(guest, renamed.clone(), overflowed);
                let line: Line =
                    format!("-- {nick} is a registered name; you are now {renamed}").into();
                state.send(guest, &line, overflowed);
            }
            let old = state.member(id)?.nick.clone();
            state.release(id, &old);
            match state.nicks.get_mut(&folded) {
                Some(Holder::Account(ids)) => {
                    ids.insert(id);
                }
                _ => {
                    state
                        .nicks
                        .insert(folded, Holder::Account(BTreeSet::from([id])));
                }
            }
            if let Some(member) = state.members.get_mut(&id) {
                member.account = Some(nick.to_string());
            }
            state.rename(id, nick.clone(), overflowed);
            Ok(nick)
        })
    }

    /// Logs the member out; returns its new guest nick (`None` if it was
    /// not logged in). Its room's read marker is kept for next time.
    pub fn logout(&mut self) -> Option<Nick> {
        let (account, room) = {
            let state = self.hub.lock();
            let member = state.member(self.id).ok()?;
            (member.account.clone()?, member.room.clone())
        };
        if let Some(room) = room {
            self.hub.store.mark_seen(&account, &room);
        }
        let id = self.id;
        self.hub
            .shared
            .with_state(|state, overflowed| state.logout(id, overflowed))
    }

    /// Enters `room` (creating it), leaving the current one if any; both
    /// rooms hear of it.
    pub fn join(&mut self, room: RoomName) -> Result<Joined, ChatError> {
        let id = self.id;
        self.hub.chat_reachable()?;
        let previous = self.room()?;
        if previous.as_ref() != Some(&room) {
            self.rate_limit()?;
            self.left(previous);
        }
        self.hub.shared.with_state(|state, overflowed| {
            let member = state.member(id)?;
            let already = member.room.as_ref() == Some(&room);
            if !already {
                let nick = member.nick.clone();
                state.leave_room(id, Some(""), overflowed);
                let line: Line = format!("-- {nick} joined {room}").into();
                state.announce(&room, None, Arc::clone(&line), overflowed);
                state
                    .rooms
                    .entry(room.clone())
                    .or_default()
                    .members
                    .insert(id);
                if let Some(member) = state.members.get_mut(&id) {
                    member.room = Some(room.clone());
                }
                state.presence(|| Presence::Entered {
                    id,
                    room: room.clone(),
                    nick,
                    announce: line,
                });
            }
            let here = state.nicks_in(&room);
            Ok(Joined {
                room: room.clone(),
                here,
                already,
            })
        })
    }

    /// Leaves chat mode (the room hears `-- nick left #room`).
    pub fn part(&mut self) {
        let id = self.id;
        self.left(self.room().ok().flatten());
        self.hub
            .shared
            .with_state(|state, overflowed| state.leave_room(id, Some(""), overflowed));
    }

    /// The member is leaving `room`: a logged-in member's read marker
    /// moves to the room's last line.
    fn left(&self, room: Option<RoomName>) {
        if let (Some(room), Some(account)) = (room, self.account()) {
            self.hub.store.mark_seen(&account, &room);
        }
    }

    /// Publishes `<nick> text` to the room. The future resolves once the
    /// line is stored and queued for the room's members.
    pub fn say(&mut self, text: &str) -> Result<StoreFuture<()>, ChatError> {
        let text = message_text(text)?;
        self.send_to_room(|nick| format!("<{nick}> {text}"))
            .map(|(_, sent)| sent)
    }

    /// Publishes `* nick text` to the room.
    pub fn me(&mut self, text: &str) -> Result<StoreFuture<()>, ChatError> {
        let text = message_text(text)?;
        self.send_to_room(|nick| format!("* {nick} {text}"))
            .map(|(_, sent)| sent)
    }

    /// Shares a calculation: `<nick> EXPR = RESULT` is published to the
    /// room, and returned for the sender's own screen (to show once the
    /// future says it was stored).
    pub fn share_calculation(
        &mut self,
        expr: &str,
        result: &str,
    ) -> Result<(Line, StoreFuture<()>), ChatError> {
        let expr = message_text(expr)?;
        let result = clean(result);
        self.send_to_room(|nick| format!("<{nick}> {expr} = {result}"))
    }

    /// Builds the line `line` makes of the sender's nick for the sender's
    /// room (delivered to all but the sender) and publishes it.
    fn send_to_room(
        &mut self,
        line: impl FnOnce(&Nick) -> String,
    ) -> Result<(Line, StoreFuture<()>), ChatError> {
        self.room()?.ok_or(ChatError::NotChatting)?;
        self.rate_limit()?;
        let room_line = {
            let state = self.hub.lock();
            let (member, room) = state.room_of(self.id)?;
            RoomLine {
                room,
                origin: self.id,
                nick: member.nick.to_string(),
                account: member.account.clone(),
                text: line(&member.nick).into(),
            }
        };
        let text = Arc::clone(&room_line.text);
        Ok((text, self.hub.store.publish(vec![room_line])))
    }

    /// Publishes `[all] <nick> text` to every room (all but the sender);
    /// it joins every room's history.
    pub fn all(&mut self, text: &str) -> Result<StoreFuture<()>, ChatError> {
        let text = message_text(text)?;
        self.room()?.ok_or(ChatError::NotChatting)?;
        self.rate_limit()?;
        if let Some(directory) = &self.hub.directory {
            // Every room of every instance: the directory knows them.
            let state = self.hub.lock();
            let member = state.member(self.id)?;
            let line: Line = format!("[all] <{}> {text}", member.nick).into();
            return Ok(directory.all(self.id, &member.nick, member.account.as_deref(), &line));
        }
        let lines = {
            let state = self.hub.lock();
            let member = state.member(self.id)?;
            let line: Line = format!("[all] <{}> {text}", member.nick).into();
            state
                .rooms
                .keys()
                .map(|room| RoomLine {
                    room: room.clone(),
                    origin: self.id,
                    nick: member.nick.to_string(),
                    account: member.account.clone(),
                    text: Arc::clone(&line),
                })
                .collect()
        };
        Ok(self.hub.store.publish(lines))
    }

    /// Sends `[msg] <nick> text` to whoever is called `to`: every chatting
    /// connection of that guest or account; if none is chatting, the store
    /// keeps it for the account of that name ([`Sent::Mailed`]).
    pub fn msg(&mut self, to: &str, text: &str) -> Result<Sent, ChatError> {
        let text = message_text(text)?;
        let id = self.id;
        let unknown = || ChatError::NoSuchNick(printable(to, MAX_NICK_CHARS));
        let target = Nick::parse(to).ok_or_else(unknown)?;
        self.room()?.ok_or(ChatError::NotChatting)?;
        self.rate_limit()?;
        if let Some(directory) = &self.hub.directory {
            // The recipient may be chatting on any instance.
            let from = self.nick()?;
            let line: Line = format!("[msg] <{from}> {text}").into();
            let reached = directory.direct(&target, &line);
            return Ok(Sent::Routed {
                reached,
                to: target,
                line,
            });
        }
        let mailed = self.hub.shared.with_state(|state, overflowed| {
            let from = state.member(id)?.nick.clone();
            let line: Line = format!("[msg] <{from}> {text}").into();
            let recipients = state.holders(&target.folded());
            let chatting: Vec<MemberId> = recipients
                .into_iter()
                .filter(|to| state.members.get(to).is_some_and(|m| m.room.is_some()))
                .collect();
            for &to in &chatting {
                state.send(to, &line, overflowed);
            }
            Ok::<_, ChatError>((chatting.is_empty()).then_some(line))
        })?;
        Ok(match mailed {
            None => Sent::Delivered,
            Some(line) => Sent::Mailed(self.hub.store.send_mail(target.as_str(), &line)),
        })
    }

    /// The member's room and who is in it (sorted, case ignored, each
    /// once): ready at once from this hub, or with a directory, from every
    /// instance.
    pub fn who(&self) -> Result<(RoomName, StoreFuture<Vec<String>>), ChatError> {
        let state = self.hub.lock();
        let (_, room) = state.room_of(self.id)?;
        let Some(directory) = &self.hub.directory else {
            let here = state.nicks_in(&room);
            return Ok((room, store::ready(Ok(here))));
        };
        let names = directory.who(&room).map(|names| {
            names.map(|mut names| {
                sort_names(&mut names);
                names
            })
        });
        Ok((room, Box::pin(names)))
    }

    /// The member's room and a future of its last `n` stored lines,
    /// oldest first.
    pub fn history(&self, n: usize) -> Result<(RoomName, StoreFuture<Vec<StoredLine>>), ChatError> {
        let room = self.room()?.ok_or(ChatError::NotChatting)?;
        let lines = self.hub.store.history(&room, n);
        Ok((room, lines))
    }

    /// Removes the member from the hub, announcing why to its room (if the
    /// reason is one to announce). Later calls, and the drop, do nothing.
    pub fn depart(&mut self, why: Departure) {
        if self.departed {
            return;
        }
        self.departed = true;
        let id = self.id;
        self.left(self.room().ok().flatten());
        self.hub.shared.with_state(|state, overflowed| {
            state.remove(id, why, overflowed);
        });
    }
}

impl Drop for ChatMember {
    fn drop(&mut self) {
        self.depart(Departure::Lost);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub(queue: usize) -> Arc<ChatHub> {
        ChatHub::new(ChatConfig {
            rate: 0,
            queue,
            history: 3,
            ..ChatConfig::default()
        })
    }

    fn drain(inbox: &mut Inbox) -> Vec<String> {
        let mut lines = Vec::new();
        while let Ok(line) = inbox.messages.try_recv() {
            lines.push(line.to_string());
        }
        lines
    }

    #[test]
    fn guests_get_distinct_nicks_and_names_are_unique_ignoring_case() {
        let hub = hub(8);
        let (mut a, _ia) = hub.register();
        let (mut b, _ib) = hub.register();
        assert_eq!(a.nick().unwrap().as_str(), "guest-1");
        assert_eq!(b.nick().unwrap().as_str(), "guest-2");
        assert_eq!(a.set_nick("Alice").unwrap().as_str(), "Alice");
        assert_eq!(
            b.set_nick("ALICE"),
            Err(ChatError::NickTaken("ALICE".into()))
        );
        assert_eq!(b.set_nick("guest-1").unwrap().as_str(), "guest-1");
        assert_eq!(a.set_nick("alice").unwrap().as_str(), "alice");
        assert_eq!(a.set_nick("a b"), Err(ChatError::InvalidNick));
        // A taken guest name is skipped for the next newcomer.
        b.set_nick("guest-3").unwrap();
        let (c, _ic) = hub.register();
        assert_eq!(c.nick().unwrap().as_str(), "guest-4");
    }

    #[test]
    fn rooms_deliver_to_others_only_and_vanish_when_empty() {
        let hub = hub(8);
        let (mut a, mut ia) = hub.register();
        let (mut b, mut ib) = hub.register();
        let (mut c, mut ic) = hub.register();
        a.set_nick("a").unwrap();
        b.set_nick("b").unwrap();
        a.join(RoomName::lobby()).unwrap();
        let joined = b.join(RoomName::lobby()).unwrap();
        assert_eq!(joined.here, vec!["a", "b"]);
        c.join(RoomName::parse("#other").unwrap()).unwrap();
        assert_eq!(drain(&mut ia), vec!["-- b joined #lobby"]);
        drop(b.say("hi \x1b[2J").unwrap());
        assert_eq!(drain(&mut ia), vec!["<b> hi ?[2J"]);
        assert!(drain(&mut ib).is_empty());
        assert!(drain(&mut ic).is_empty());
        assert_eq!(hub.counts().rooms, 2);
        c.part();
        assert_eq!(hub.counts().rooms, 1);
        drop(b);
        assert_eq!(drain(&mut ia), vec!["-- b left #lobby (connection lost)"]);
        assert_eq!(
            hub.counts(),
            HubCounts {
                members: 2,
                chatting: 1,
                rooms: 1
            }
        );
        drop(a);
        drop(c);
        assert_eq!(
            hub.counts(),
            HubCounts {
                members: 0,
                chatting: 0,
                rooms: 0
            }
        );
    }

    #[test]
    fn history_is_bounded() {
        let hub = hub(8);
        let (mut a, _ia) = hub.register();
        a.join(RoomName::lobby()).unwrap();
        for i in 0..5 {
            drop(a.say(&i.to_string()).unwrap());
        }
        let history = |n| {
            let (_, lines) = a.history(n).unwrap();
            let lines = lines.now_or_never().expect("ready").expect("stored");
            lines.into_iter().map(|l| l.text).collect::<Vec<_>>()
        };
        assert_eq!(history(10), ["<guest-1> 2", "<guest-1> 3", "<guest-1> 4"]);
        assert_eq!(history(1).len(), 1);
    }

    #[test]
    fn a_full_queue_removes_the_member_and_tells_the_room() {
        let hub = hub(2);
        let (mut a, mut ia) = hub.register();
        let (mut b, ib) = hub.register();
        let (mut c, mut ic) = hub.register();
        b.set_nick("b").unwrap();
        for m in [&mut a, &mut b, &mut c] {
            m.join(RoomName::lobby()).unwrap();
            drain(&mut ia);
            drain(&mut ic);
        }
        // b never reads: "-- c joined" and "0" fill its queue of 2, so "1"
        // overflows it.
        for i in 0..3 {
            drop(a.say(&i.to_string()).unwrap());
            drain(&mut ic);
        }
        assert!(ib.kicked.is_cancelled());
        assert_eq!(
            drain(&mut ia),
            ["-- b left #lobby (disconnected: not reading)"]
        );
        assert_eq!(hub.counts().members, 2);
        let (_, here) = a.who().unwrap();
        assert_eq!(here.now_or_never().expect("ready").expect("here").len(), 2);
        // The nick is free again.
        c.set_nick("b").unwrap();
    }

    /// A store's batch (a SQLite commit carries many senders' lines)
    /// reaches every member of each room in commit order, without the
    /// member's own lines, as one queue entry; the queue is still bounded
    /// in lines, the lines for that member (not its own).
    #[test]
    fn a_batch_reaches_each_room_in_order_without_own_lines_and_counts_in_lines() {
        let feed: Arc<Mutex<Option<Arc<dyn Feed>>>> = Arc::default();
        let config = ChatConfig {
            rate: 0,
            queue: 8,
            ..ChatConfig::default()
        };
        let retention = config.retention();
        let kept = Arc::clone(&feed);
        let hub = ChatHub::with_store(config, move |f| {
            *kept.lock().unwrap() = Some(Arc::clone(&f));
            Arc::new(store::memory::MemoryStore::new(retention, f))
        });
        let feed = feed.lock().unwrap().clone().unwrap();
        let x = RoomName::parse("x").unwrap();
        let (mut a, mut ia) = hub.register();
        let (mut b, mut ib) = hub.register();
        let (mut c, mut ic) = hub.register();
        a.join(RoomName::lobby()).unwrap();
        b.join(RoomName::lobby()).unwrap();
        c.join(x.clone()).unwrap();
        for inbox in [&mut ia, &mut ib, &mut ic] {
            drain(inbox);
        }
        let committed = |lines: &[(&RoomName, &ChatMember, &str)]| -> Vec<Committed> {
            lines
                .iter()
                .enumerate()
                .map(|(i, (room, from, text))| Committed {
                    id: i as u64 + 1,
                    time: 0,
                    line: RoomLine {
                        room: (*room).clone(),
                        origin: from.id(),
                        nick: String::new(),
                        account: None,
                        text: (*text).into(),
                    },
                })
                .collect()
        };
        let lobby = RoomName::lobby();
        feed.deliver(&committed(&[
            (&lobby, &a, "<a> 1"),
            (&x, &c, "<c> x1"),
            (&lobby, &b, "<b> 2"),
            (&lobby, &a, "<a> 3"),
        ]));
        assert_eq!(drain(&mut ia), ["<b> 2"]);
        assert_eq!(drain(&mut ib), ["<a> 1", "<a> 3"]);
        assert!(drain(&mut ic).is_empty(), "its own line only");

        // b stops reading: 5 lines fit its queue of 8, 5 more do not.
        let five: Vec<String> = (0..5).map(|i| format!("<a> {i}")).collect();
        let batch: Vec<_> = five.iter().map(|t| (&lobby, &a, t.as_str())).collect();
        feed.deliver(&committed(&batch));
        assert!(!ib.kicked.is_cancelled());
        feed.deliver(&committed(&batch));
        assert!(ib.kicked.is_cancelled(), "10 lines queued for 8");
        // a queued none of its own 10 lines: it is still here.
        assert!(!ia.kicked.is_cancelled());
        assert_eq!(
            drain(&mut ia),
            ["-- guest-2 left #lobby (disconnected: not reading)"]
        );
        // What it had taken before is still there, whole.
        assert_eq!(drain(&mut ib), five);
    }

    #[test]
    fn msg_reaches_one_chatting_member() {
        let hub = hub(8);
        let (mut a, _ia) = hub.register();
        let (mut b, mut ib) = hub.register();
        let (mut c, mut ic) = hub.register();
        b.set_nick("Bob").unwrap();
        a.join(RoomName::lobby()).unwrap();
        assert!(matches!(a.msg("bob", "psst"), Ok(Sent::Mailed(_)),));
        b.join(RoomName::parse("x").unwrap()).unwrap();
        c.join(RoomName::parse("x").unwrap()).unwrap();
        drain(&mut ib);
        assert!(matches!(a.msg("bob", "psst").unwrap(), Sent::Delivered));
        assert_eq!(drain(&mut ib), ["[msg] <guest-1> psst"]);
        assert!(drain(&mut ic).is_empty());
        assert!(matches!(
            a.msg("nob dy", "x"),
            Err(ChatError::NoSuchNick(_))
        ));
    }

    #[test]
    fn rate_limit_applies_to_messages() {
        let hub = ChatHub::new(ChatConfig {
            rate: 1,
            queue: 8,
            history: 3,
            ..ChatConfig::default()
        });
        let (mut a, _ia) = hub.register();
        a.join(RoomName::lobby()).unwrap();
        let results: Vec<_> = (0..10).map(|_| a.say("x").map(drop)).collect();
        assert!(results.contains(&Err(ChatError::SlowDown)));
        assert!(results.iter().filter(|r| r.is_ok()).count() <= 5);
    }
}
