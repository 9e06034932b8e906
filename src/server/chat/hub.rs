//! [`ChatHub`]: every chat member, nick and room, behind one mutex.
//!
//! See the [module docs](super) for why a mutex and not an actor. The rules
//! that keep it safe:
//!
//! * every method locks, does a bounded amount of synchronous work, and
//!   unlocks; nothing in this file is `async`, so the lock can never be
//!   held across an `.await`;
//! * delivery is [`mpsc::Sender::try_send`] into the recipient's bounded
//!   queue: it never waits. A recipient whose queue is full is removed on
//!   the spot and its [`Inbox::kicked`] token cancelled, which makes its
//!   connection close (see `handler.rs`);
//! * removals that cause announcements that overflow further queues are
//!   handled by a work list, not recursion.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::names::{MAX_NICK_CHARS, Nick, RoomName};
use super::rate::TokenBucket;
use super::{ChatConfig, ChatError, Departure, MAX_LISTED_NAMES, MAX_MESSAGE_BYTES};
use crate::server::text::{clean, printable};

/// A member's number, unique for the life of the hub.
pub type MemberId = u64;

/// One line for a member's terminal. Shared: a line sent to a room of a
/// thousand is one allocation.
pub type Line = Arc<str>;

/// The shared chat state. Create one per server with [`ChatHub::new`].
#[derive(Debug)]
pub struct ChatHub {
    config: ChatConfig,
    state: Mutex<State>,
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

#[derive(Debug, Default)]
struct State {
    members: HashMap<MemberId, Member>,
    /// Folded nick to owner: the one place nick uniqueness is decided.
    nicks: HashMap<String, MemberId>,
    /// Sorted, so `/rooms` lists them in order.
    rooms: BTreeMap<RoomName, Room>,
    next_id: MemberId,
    next_guest: u64,
}

#[derive(Debug)]
struct Member {
    nick: Nick,
    /// `None` while the member is not in chat mode; such a member gets no
    /// relayed lines (they would break calc mode's one-reply-per-line rule).
    room: Option<RoomName>,
    outbox: mpsc::Sender<Line>,
    kicked: CancellationToken,
}

#[derive(Debug, Default)]
struct Room {
    members: BTreeSet<MemberId>,
    history: VecDeque<Line>,
}

/// What a connection's handler receives for its member: the relayed lines,
/// and a token cancelled when the hub drops the member for not reading (or,
/// with [`ChatHub::register_within`], when the server stops).
#[derive(Debug)]
pub struct Inbox {
    pub messages: mpsc::Receiver<Line>,
    pub kicked: CancellationToken,
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

impl ChatHub {
    pub fn new(config: ChatConfig) -> Arc<ChatHub> {
        Arc::new(ChatHub {
            config,
            state: Mutex::new(State::default()),
        })
    }

    /// The hub's settings.
    pub fn config(&self) -> &ChatConfig {
        &self.config
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
        let (outbox, messages) = mpsc::channel(self.config.queue);
        let kicked = stop.child_token();
        let id = {
            let mut state = self.lock();
            state.next_id += 1;
            let id = state.next_id;
            let nick = loop {
                state.next_guest += 1;
                let nick = Nick::guest(state.next_guest);
                if !state.nicks.contains_key(&nick.folded()) {
                    break nick;
                }
            };
            state.nicks.insert(nick.folded(), id);
            let member = Member {
                nick,
                room: None,
                outbox,
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

    /// Every room and its size, sorted by name.
    pub fn rooms(&self) -> Vec<(RoomName, usize)> {
        let state = self.lock();
        state
            .rooms
            .iter()
            .map(|(name, room)| (name.clone(), room.members.len()))
            .collect()
    }

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

impl State {
    /// The nicks of a room's members, sorted ignoring case (for `/who` and
    /// the list a joiner is shown).
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
        nicks.sort_by_key(|n| n.to_ascii_lowercase());
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
        if let Some(member) = self.members.get(&to) {
            match member.outbox.try_send(Arc::clone(line)) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => overflowed.push(to),
                // The connection is ending; its ChatMember will remove it.
                Err(mpsc::error::TrySendError::Closed(_)) => {}
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

    fn remember(&mut self, room: &RoomName, line: &Line, capacity: usize) {
        if let Some(r) = self.rooms.get_mut(room) {
            if r.history.len() == capacity {
                r.history.pop_front();
            }
            r.history.push_back(Arc::clone(line));
        }
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
        } else if let Some(why) = why {
            let line: Line = format!("-- {nick} left {room}{why}").into();
            self.to_room(&room, None, &line, overflowed);
        }
    }

    /// Removes member `id` entirely; returns its kick token if it was there.
    fn remove(
        &mut self,
        id: MemberId,
        why: Departure,
        overflowed: &mut Vec<MemberId>,
    ) -> Option<CancellationToken> {
        self.leave_room(id, why.announcement(), overflowed);
        let member = self.members.remove(&id)?;
        if self.nicks.get(&member.nick.folded()) == Some(&id) {
            self.nicks.remove(&member.nick.folded());
        }
        Some(member.kicked)
    }
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

    /// The current room, if in chat mode.
    pub fn room(&self) -> Result<Option<RoomName>, ChatError> {
        self.hub.lock().member(self.id).map(|m| m.room.clone())
    }

    /// Takes the nick `name` if it is valid and nobody else has it (case
    /// ignored); announces the change to the member's room. Returns the
    /// new nick.
    pub fn set_nick(&mut self, name: &str) -> Result<Nick, ChatError> {
        let nick = Nick::parse(name).ok_or(ChatError::InvalidNick)?;
        let id = self.id;
        if self.nick()? == nick {
            return Ok(nick);
        }
        self.rate_limit()?;
        self.hub.with_state(|state, overflowed| {
            let old = state.member(id)?.nick.clone();
            let folded = nick.folded();
            match state.nicks.get(&folded) {
                Some(&owner) if owner != id => return Err(ChatError::NickTaken(nick.to_string())),
                _ => {}
            }
            state.nicks.remove(&old.folded());
            state.nicks.insert(folded, id);
            let member = state.members.get_mut(&id).ok_or(ChatError::Gone)?;
            member.nick = nick.clone();
            if let Some(room) = member.room.clone() {
                let line: Line = format!("-- {old} is now known as {nick}").into();
                state.to_room(&room, Some(id), &line, overflowed);
            }
            Ok(nick)
        })
    }

    /// Enters `room` (creating it), leaving the current one if any; both
    /// rooms hear of it.
    pub fn join(&mut self, room: RoomName) -> Result<Joined, ChatError> {
        let id = self.id;
        if self.room()? != Some(room.clone()) {
            self.rate_limit()?;
        }
        self.hub.with_state(|state, overflowed| {
            let member = state.member(id)?;
            let already = member.room.as_ref() == Some(&room);
            if !already {
                let nick = member.nick.clone();
                state.leave_room(id, Some(""), overflowed);
                let line: Line = format!("-- {nick} joined {room}").into();
                state.to_room(&room, None, &line, overflowed);
                state
                    .rooms
                    .entry(room.clone())
                    .or_default()
                    .members
                    .insert(id);
                if let Some(member) = state.members.get_mut(&id) {
                    member.room = Some(room.clone());
                }
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
        self.hub
            .with_state(|state, overflowed| state.leave_room(id, Some(""), overflowed));
    }

    /// Sends `text` to the room as `<nick> text` and keeps it in history.
    pub fn say(&mut self, text: &str) -> Result<(), ChatError> {
        let text = message_text(text)?;
        self.send_to_room(|nick| format!("<{nick}> {text}"))
            .map(drop)
    }

    /// Sends `* nick text` to the room and keeps it in history.
    pub fn me(&mut self, text: &str) -> Result<(), ChatError> {
        let text = message_text(text)?;
        self.send_to_room(|nick| format!("* {nick} {text}"))
            .map(drop)
    }

    /// Shares a calculation: `<nick> EXPR = RESULT` goes to the room (and
    /// history) and is returned for the sender's own screen.
    pub fn share_calculation(&mut self, expr: &str, result: &str) -> Result<Line, ChatError> {
        let expr = message_text(expr)?;
        let result = clean(result);
        self.send_to_room(|nick| format!("<{nick}> {expr} = {result}"))
    }

    /// Sends the line `line` makes of the sender's nick to the sender's
    /// room (not to the sender) and keeps it in history.
    fn send_to_room(&mut self, line: impl FnOnce(&Nick) -> String) -> Result<Line, ChatError> {
        let id = self.id;
        self.room()?.ok_or(ChatError::NotChatting)?;
        self.rate_limit()?;
        let capacity = self.hub.config.history;
        self.hub.with_state(|state, overflowed| {
            let (member, room) = state.room_of(id)?;
            let line: Line = line(&member.nick).into();
            state.to_room(&room, Some(id), &line, overflowed);
            state.remember(&room, &line, capacity);
            Ok(line)
        })
    }

    /// Sends `[all] <nick> text` to every member in every room (except the
    /// sender); it joins every room's history.
    pub fn all(&mut self, text: &str) -> Result<(), ChatError> {
        let text = message_text(text)?;
        let id = self.id;
        self.room()?.ok_or(ChatError::NotChatting)?;
        self.rate_limit()?;
        let capacity = self.hub.config.history;
        self.hub.with_state(|state, overflowed| {
            let member = state.member(id)?;
            let line: Line = format!("[all] <{}> {text}", member.nick).into();
            let rooms: Vec<RoomName> = state.rooms.keys().cloned().collect();
            for room in &rooms {
                state.to_room(room, Some(id), &line, overflowed);
                state.remember(room, &line, capacity);
            }
            Ok(())
        })
    }

    /// Sends `[msg] <nick> text` to the member called `to`, who must be in
    /// chat mode.
    pub fn msg(&mut self, to: &str, text: &str) -> Result<(), ChatError> {
        let text = message_text(text)?;
        let id = self.id;
        let unknown = || ChatError::NoSuchNick(printable(to, MAX_NICK_CHARS));
        let target = Nick::parse(to).ok_or_else(unknown)?;
        self.room()?.ok_or(ChatError::NotChatting)?;
        self.rate_limit()?;
        self.hub.with_state(|state, overflowed| {
            let from = state.member(id)?.nick.clone();
            let &to_id = state.nicks.get(&target.folded()).ok_or_else(unknown)?;
            if state.member(to_id)?.room.is_none() {
                return Err(unknown());
            }
            let line: Line = format!("[msg] <{from}> {text}").into();
            state.send(to_id, &line, overflowed);
            Ok(())
        })
    }

    /// The member's room and who is in it (sorted, case ignored).
    pub fn who(&self) -> Result<(RoomName, Vec<String>), ChatError> {
        let state = self.hub.lock();
        let (_, room) = state.room_of(self.id)?;
        Ok((room.clone(), state.nicks_in(&room)))
    }

    /// The member's room and its last `n` history lines, oldest first.
    pub fn history(&self, n: usize) -> Result<(RoomName, Vec<Line>), ChatError> {
        let state = self.hub.lock();
        let (_, room) = state.room_of(self.id)?;
        let lines = state
            .rooms
            .get(&room)
            .map(|r| {
                let skip = r.history.len().saturating_sub(n);
                r.history.iter().skip(skip).cloned().collect()
            })
            .unwrap_or_default();
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
        self.hub.with_state(|state, overflowed| {
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
        b.say("hi \x1b[2J").unwrap();
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
            a.say(&i.to_string()).unwrap();
        }
        let (_, lines) = a.history(10).unwrap();
        let lines: Vec<&str> = lines.iter().map(|l| &**l).collect();
        assert_eq!(lines, ["<guest-1> 2", "<guest-1> 3", "<guest-1> 4"]);
        assert_eq!(a.history(1).unwrap().1.len(), 1);
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
            a.say(&i.to_string()).unwrap();
            drain(&mut ic);
        }
        assert!(ib.kicked.is_cancelled());
        assert_eq!(
            drain(&mut ia),
            ["-- b left #lobby (disconnected: not reading)"]
        );
        assert_eq!(hub.counts().members, 2);
        assert_eq!(a.who().unwrap().1.len(), 2);
        // The nick is free again.
        c.set_nick("b").unwrap();
    }

    #[test]
    fn msg_reaches_one_chatting_member() {
        let hub = hub(8);
        let (mut a, _ia) = hub.register();
        let (mut b, mut ib) = hub.register();
        let (mut c, mut ic) = hub.register();
        b.set_nick("Bob").unwrap();
        a.join(RoomName::lobby()).unwrap();
        assert_eq!(
            a.msg("bob", "psst"),
            Err(ChatError::NoSuchNick("bob".into()))
        );
        b.join(RoomName::parse("x").unwrap()).unwrap();
        c.join(RoomName::parse("x").unwrap()).unwrap();
        drain(&mut ib);
        a.msg("bob", "psst").unwrap();
        assert_eq!(drain(&mut ib), ["[msg] <guest-1> psst"]);
        assert!(drain(&mut ic).is_empty());
        assert_eq!(
            a.msg("nobody", "x"),
            Err(ChatError::NoSuchNick("nobody".into()))
        );
    }

    #[test]
    fn rate_limit_applies_to_messages() {
        let hub = ChatHub::new(ChatConfig {
            rate: 1,
            queue: 8,
            history: 3,
        });
        let (mut a, _ia) = hub.register();
        a.join(RoomName::lobby()).unwrap();
        let results: Vec<_> = (0..10).map(|_| a.say("x")).collect();
        assert!(results.contains(&Err(ChatError::SlowDown)));
        assert!(results.iter().filter(|r| r.is_ok()).count() <= 5);
    }
}
