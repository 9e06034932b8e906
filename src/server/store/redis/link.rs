//! The link to Redis: connecting, reconnecting with backoff, the
//! subscription that feeds the hub, and the heartbeat.
//!
//! Each connection cycle has two connections: a multiplexed one for
//! commands (the writer's scripts and the reads) and a pub/sub one. A
//! cycle is:
//!
//! 1. connect both and subscribe to `chat` and `to:INSTANCE`;
//! 2. *accept* presence changes again and rewrite this instance's presence
//!    from its hub (a resync, queued under the hub's lock so that no
//!    change falls between the snapshot and the writes that follow);
//! 3. mark the chat *available* (members are told `-- chat is back`), and
//!    deliver what the subscription brings, while the heartbeat beats;
//! 4. at the first failure (the subscription ends, a batch, a read or a
//!    heartbeat fails), mark it unavailable (members are told once), drop
//!    both connections and start again, after a pause that doubles from
//!    100 ms to 5 s (with jitter, so that instances cut off together do not
//!    come back in step).
//!
//! Pub/sub delivers at most once: what other instances published while
//! this one's subscription was down never reaches it. So the subscriber
//! remembers how far it delivered each room's stream, and after a
//! reconnection it first replays, for the rooms its members are in, the
//! lines the stream has after that point (then skips them when they also
//! come live). A room that had no line delivered here yet starts from the
//! moment the lost subscription began (Redis's `TIME` then): every line of
//! it after that would have come live. If the gap is too long, or the
//! stream was trimmed past that point, nothing is replayed and the room is
//! told so (never a partial replay, as Centrifugo does).
//!
//! The redis crate's `ConnectionManager` reconnects by itself, but behind
//! the caller's back; here a reconnection must resubscribe, resync and tell
//! the members, in that order, so the cycle is written out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use redis::aio::{MultiplexedConnection, PubSubSink, PubSubStream};
use redis::{AsyncConnectionConfig, Value};
use tokio::sync::{oneshot, watch};
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};

use super::wire::{Message, StreamId};
use super::writer::{Op, Resynced};
use super::{Inner, lock, redacted, stream_entries, text};
use crate::server::chat::RoomName;
use crate::server::store::{Committed, Outage, RoomLine};

/// The first pause after a failed connection; it doubles up to
/// [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The longest a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The longest any command may take before the link counts as broken (a
/// Redis that stopped answering without closing its connections).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Messages handed to the hub at once, at most (those already received).
const MAX_DELIVERY_BATCH: usize = 256;

/// How often the histories are trimmed by age.
const PRUNE_INTERVAL: Duration = Duration::from_secs(3600);

/// The most lines replayed per room after a reconnection; a longer gap
/// is announced instead.
const MAX_REPLAY: usize = 1000;

/// Rooms whose delivery point is remembered, at most (past it the marks
/// are folded into [`Watermarks::floor`]).
const MAX_WATERMARKS: usize = 10_000;

/// How far this instance has delivered the rooms' streams (see the
/// [module docs](self)).
#[derive(Default)]
pub(super) struct Watermarks {
    /// The last line delivered, per room.
    rooms: HashMap<RoomName, StreamId>,
    /// Every line up to this one came live, or came before the
    /// subscription: where a room without a mark of its own starts.
    floor: Option<StreamId>,
}

impl Watermarks {
    fn start(&self, room: &RoomName) -> Option<StreamId> {
        self.rooms.get(room).copied().or(self.floor)
    }

    fn raise_floor(&mut self, to: StreamId) {
        self.floor = Some(self.floor.map_or(to, |floor| floor.max(to)));
    }

    /// Forgets the rooms' marks when there are too many, keeping their
    /// highest as the floor (a replay may then repeat nothing: lines
    /// come live in stream-id order).
    fn bound(&mut self) {
        if self.rooms.len() > MAX_WATERMARKS {
            if let Some(&highest) = self.rooms.values().max() {
                self.raise_floor(highest);
            }
            self.rooms.clear();
        }
    }
}

/// The state of the link, shared by the store, the writer and the cycle.
#[derive(Clone)]
pub(super) struct Link {
    state: Arc<LinkState>,
}

struct LinkState {
    /// Presence changes are queued (from the resync on).
    accepting: AtomicBool,
    /// The chat is available (from the end of the resync on).
    available: watch::Sender<bool>,
    current: Mutex<Option<Current>>,
}

/// The connection of the current cycle.
struct Current {
    generation: u64,
    connection: MultiplexedConnection,
    /// Cancelled to end the cycle.
    broken: CancellationToken,
}

impl Link {
    pub fn new() -> Link {
        Link {
            state: Arc::new(LinkState {
                accepting: AtomicBool::new(false),
                available: watch::Sender::new(false),
                current: Mutex::new(None),
            }),
        }
    }

    pub fn accepting(&self) -> bool {
        self.state.accepting.load(Ordering::Acquire)
    }

    pub fn available(&self) -> bool {
        *self.state.available.borrow()
    }

    pub fn watch(&self) -> watch::Receiver<bool> {
        self.state.available.subscribe()
    }

    /// The current command connection and its cycle's number.
    pub fn connection(&self) -> Option<(u64, MultiplexedConnection)> {
        lock(&self.state.current)
            .as_ref()
            .map(|c| (c.generation, c.connection.clone()))
    }

    /// Something failed on cycle `generation`'s connection: end that cycle
    /// (a later cycle is not affected).
    pub fn broken(&self, generation: u64) {
        if let Some(current) = lock(&self.state.current).as_ref()
            && current.generation == generation
        {
            current.broken.cancel();
        }
    }

    fn install(&self, generation: u64, connection: MultiplexedConnection) -> CancellationToken {
        let broken = CancellationToken::new();
        *lock(&self.state.current) = Some(Current {
            generation,
            connection,
            broken: broken.clone(),
        });
        broken
    }

    fn set_accepting(&self, accepting: bool) {
        self.state.accepting.store(accepting, Ordering::Release);
    }

    fn set_available(&self, available: bool) {
        self.state.available.send_replace(available);
    }

    fn clear(&self) {
        self.set_accepting(false);
        self.set_available(false);
        if let Some(current) = lock(&self.state.current).take() {
            current.broken.cancel();
        }
    }
}

/// Connects, serves and reconnects until the store stops.
pub(super) async fn supervise(inner: Arc<Inner>) {
    let stop = inner.stop.clone();
    tokio::select! {
        () = cycles(&inner) => {}
        () = stop.cancelled() => {}
    }
    inner.link.clear();
}

async fn cycles(inner: &Arc<Inner>) {
    let target = redacted(&inner.options.url);
    let instance = inner.options.instance.clone();
    let mut backoff = FIRST_BACKOFF;
    let mut generation = 0u64;
    let mut first = true;
    // Whether the current outage has been logged (once, not per retry).
    let mut reported = false;
    loop {
        generation += 1;
        let outcome = connect(inner).await;
        let (connection, sink, stream) = match outcome {
            Ok(connected) => connected,
            Err(e) => {
                if reported {
                    debug!(redis = %target, error = %e, "still cannot reach Redis");
                } else {
                    warn!(redis = %target, error = %e, "cannot reach Redis; chat is unavailable until it answers (retrying)");
                    reported = true;
                }
                pause(&mut backoff).await;
                continue;
            }
        };
        let broken = inner.link.install(generation, connection);
        inner.fetch_guests_if_low();
        let rooms = match resync(inner, first).await {
            Some((Resynced::Done { lost }, here)) => {
                for id in lost {
                    inner.feed.nick_lost(id);
                }
                here
            }
            Some((Resynced::Clash, _)) => {
                error!(
                    instance = %instance,
                    "another safecalc is serving under the instance name {instance:?} in this Redis; \
                     give each instance its own --instance-name (retrying until the other one stops)"
                );
                inner.link.clear();
                reported = true;
                pause(&mut backoff).await;
                continue;
            }
            None => {
                inner.link.clear();
                pause(&mut backoff).await;
                continue;
            }
        };
        let replay = (!first).then_some(rooms);
        first = false;
        backoff = FIRST_BACKOFF;
        inner.link.set_available(true);
        inner.feed.availability(true, Outage::Chat);
        if reported {
            info!(redis = %target, instance = %instance, "Redis answers again; chat is back");
        } else {
            info!(redis = %target, instance = %instance, "connected to Redis; the chat is shared");
        }
        tokio::select! {
            () = subscribe(inner, stream, replay) => {
                warn!(redis = %target, "the subscription to Redis ended; chat is unavailable until it is back");
            }
            () = heartbeat(inner, sink) => {
                warn!(redis = %target, "Redis stopped answering the heartbeat; chat is unavailable until it is back");
            }
            () = broken.cancelled() => {
                warn!(redis = %target, "a command to Redis failed; chat is unavailable until it is back");
            }
        }
        reported = true;
        inner.link.clear();
        inner.abandon_deliveries();
        inner.feed.availability(false, Outage::Chat);
        pause(&mut backoff).await;
    }
}

/// Waits `backoff` (give or take a quarter, so that instances cut off at
/// once do not retry in step), then doubles it up to [`MAX_BACKOFF`].
async fn pause(backoff: &mut Duration) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let quarter = backoff.as_millis() as u64 / 4;
    let jitter = u64::from(nanos) % (2 * quarter + 1);
    let wait = Duration::from_millis(backoff.as_millis() as u64 - quarter + jitter);
    tokio::time::sleep(wait).await;
    *backoff = (*backoff * 2).min(MAX_BACKOFF);
}

/// Opens the command connection and the subscription.
async fn connect(
    inner: &Inner,
) -> redis::RedisResult<(MultiplexedConnection, PubSubSink, PubSubStream)> {
    let timed_out = || {
        redis::RedisError::from((
            redis::ErrorKind::Io,
            "no answer",
            format!("within {} s", CONNECT_TIMEOUT.as_secs()),
        ))
    };
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(RESPONSE_TIMEOUT));
    let connection = inner
        .client
        .get_multiplexed_async_connection_with_config(&config)
        .await?;
    let subscribed = async {
        let mut pubsub = inner.client.get_async_pubsub().await?;
        pubsub.subscribe(inner.key("chat")).await?;
        pubsub
            .subscribe(inner.key(&format!("to:{}", inner.options.instance)))
            .await?;
        Ok::<_, redis::RedisError>(pubsub.split())
    };
    let (sink, stream) = tokio::time::timeout(CONNECT_TIMEOUT, subscribed)
        .await
        .map_err(|_| timed_out())??;
    Ok((connection, sink, stream))
}

/// Rewrites this instance's presence; with the rooms its members are in,
/// or `None` if it failed.
async fn resync(inner: &Inner, first: bool) -> Option<(Resynced, Vec<RoomName>)> {
    let (tx, rx) = oneshot::channel();
    let mut reply = Some(tx);
    let mut rooms = Vec::new();
    inner.feed.presence_snapshot(&mut |members| {
        rooms = members.iter().filter_map(|m| m.room.clone()).collect();
        rooms.sort();
        rooms.dedup();
        // Under the hub's lock: every presence change from now on is
        // queued after this snapshot.
        inner.link.set_accepting(true);
        if let Some(reply) = reply.take() {
            let _ = inner.writes.send(Op::Resync {
                first,
                members,
                reply,
            });
        }
    });
    match tokio::time::timeout(RESPONSE_TIMEOUT * 2, rx).await {
        Ok(Ok(Ok(resynced))) => Some((resynced, rooms)),
        _ => None,
    }
}

/// Replays to this instance's members what they missed in `rooms` while
/// the subscription was down (see the [module docs](self)).
async fn replay(inner: &Inner, rooms: &[RoomName]) {
    let Some((generation, mut connection)) = inner.link.connection() else {
        return;
    };
    for room in rooms {
        let Some(mark) = lock(&inner.delivered_up_to).start(room) else {
            continue;
        };
        let key = inner.key(&format!("h:{room}"));
        let missed = redis::cmd("XRANGE")
            .arg(&key)
            .arg(format!("({}-{}", mark.millis, mark.seq))
            .arg("+")
            .arg("COUNT")
            .arg(MAX_REPLAY + 1)
            .query_async::<Value>(&mut connection)
            .await;
        let Ok(missed) = missed else {
            inner.link.broken(generation);
            return;
        };
        let Some(missed) = stream_entries(missed) else {
            warn!(room = %room, "a room's history could not be read; nothing replayed");
            continue;
        };
        if missed.is_empty() {
            continue;
        }
        // Lines after the mark trimmed away (by length or age) would make
        // the replay partial.
        let info = redis::cmd("XINFO")
            .arg("STREAM")
            .arg(&key)
            .query_async::<Value>(&mut connection)
            .await;
        let Ok(info) = info else {
            inner.link.broken(generation);
            return;
        };
        let trimmed = last_deleted(info).is_none_or(|deleted| deleted > mark);
        if trimmed || missed.len() > MAX_REPLAY {
            let line = format!(
                "-- more was said in {room} while this server was cut off from the chat than can be replayed; /history shows the last lines"
            );
            inner.feed.announce(room, None, &line.into());
            continue;
        }
        let mut up_to = mark;
        let lines: Vec<Committed> = missed
            .into_iter()
            .map(|(id, text)| {
                up_to = id;
                Committed {
                    id: id.number(),
                    time: id.unix_seconds(),
                    line: RoomLine {
                        room: room.clone(),
                        origin: 0,
                        nick: String::new(),
                        account: None,
                        text: text.into(),
                    },
                }
            })
            .collect();
        inner.feed.deliver(&lines);
        lock(&inner.delivered_up_to)
            .rooms
            .insert(room.clone(), up_to);
    }
}

/// The `max-deleted-entry-id` of an `XINFO STREAM` reply: the last line
/// trimmed away (`0-0` if none); `None` if the reply has none.
fn last_deleted(info: Value) -> Option<StreamId> {
    let pairs: Vec<(Value, Value)> = match info {
        Value::Map(pairs) => pairs,
        Value::Array(flat) => {
            let mut flat = flat.into_iter();
            std::iter::from_fn(|| Some((flat.next()?, flat.next()?))).collect()
        }
        _ => return None,
    };
    pairs.into_iter().find_map(|(name, value)| {
        (text(name).as_deref() == Some("max-deleted-entry-id"))
            .then(|| StreamId::parse(&text(value)?))
            .flatten()
    })
}

/// Redis's clock now, as the stream id just below it: every line added
/// from now on comes after it.
async fn redis_now(inner: &Inner) -> Option<StreamId> {
    let (generation, mut connection) = inner.link.connection()?;
    match redis::cmd("TIME")
        .query_async::<(u64, u64)>(&mut connection)
        .await
    {
        Ok((seconds, micros)) => Some(StreamId {
            millis: (seconds * 1000 + micros / 1000).saturating_sub(1),
            seq: u64::MAX,
        }),
        Err(_) => {
            inner.link.broken(generation);
            None
        }
    }
}

/// Hands what the subscription brings to the hub, until it ends (after
/// replaying what the rooms of `replay_rooms` missed, when reconnected).
async fn subscribe(inner: &Inner, mut stream: PubSubStream, replay_rooms: Option<Vec<RoomName>>) {
    // Taken once subscribed: what comes after it comes live.
    let subscribed = redis_now(inner).await;
    if let Some(rooms) = replay_rooms {
        replay(inner, &rooms).await;
    }
    if let Some(subscribed) = subscribed {
        lock(&inner.delivered_up_to).raise_floor(subscribed);
    }
    let me = inner.options.instance.as_str();
    let mut lines: Vec<Committed> = Vec::new();
    let mut tokens: Vec<u64> = Vec::new();
    while let Some(first) = stream.next().await {
        // What has arrived already goes to the hub in one call.
        let mut messages = vec![first];
        while messages.len() < MAX_DELIVERY_BATCH {
            match stream.next().now_or_never() {
                Some(Some(message)) => messages.push(message),
                Some(None) => break,
                None => break,
            }
        }
        let mut marks = lock(&inner.delivered_up_to);
        marks.bound();
        for message in &messages {
            let Some(parsed) = Message::parse(message.get_payload_bytes()) else {
                warn!(
                    channel = message.get_channel_name(),
                    "a message on the chat's channels could not be read; skipped"
                );
                continue;
            };
            if let Message::Line {
                id,
                room,
                instance,
                member,
                token,
                text,
            } = parsed
            {
                let ours = instance == me;
                if ours {
                    tokens.push(token);
                }
                // Replayed already (see `replay`)?
                match marks.rooms.get_mut(&room) {
                    Some(mark) if id <= *mark => continue,
                    Some(mark) => *mark = id,
                    None => {
                        marks.rooms.insert(room.clone(), id);
                    }
                }
                lines.push(Committed {
                    id: id.number(),
                    time: id.unix_seconds(),
                    line: RoomLine {
                        room,
                        origin: if ours { member } else { 0 },
                        nick: String::new(),
                        account: None,
                        text: text.into(),
                    },
                });
                continue;
            }
            drop(marks);
            deliver(inner, &mut lines, &mut tokens);
            marks = lock(&inner.delivered_up_to);
            match parsed {
                Message::Announce {
                    room,
                    instance,
                    member,
                    text,
                } => {
                    let except = (instance == me && member != 0).then_some(member);
                    inner.feed.announce(&room, except, &text.into());
                }
                Message::Direct { to, text } => inner.feed.direct(to, &text.into()),
                Message::AccountDeleted { name } => inner.feed.account_deleted(name),
                Message::Mark { token } => inner.delivered(token),
                Message::Line { .. } => {}
            }
        }
        drop(marks);
        deliver(inner, &mut lines, &mut tokens);
    }
}

/// Hands the room lines gathered so far to the hub, then answers their
/// senders here.
fn deliver(inner: &Inner, lines: &mut Vec<Committed>, tokens: &mut Vec<u64>) {
    if !lines.is_empty() {
        inner.feed.deliver(lines);
        lines.clear();
    }
    for token in tokens.drain(..) {
        inner.delivered(token);
    }
}

/// Beats every `--presence-ttl` / 4 until a beat fails: moves this
/// instance's deadline on (and takes dead instances out), checks that the
/// subscription still answers, refreshes the counts for `/stats`, and now
/// and then trims the histories by age.
async fn heartbeat(inner: &Inner, mut sink: PubSubSink) {
    let every = (inner.options.presence_ttl / 4).max(Duration::from_millis(250));
    let mut beats = tokio::time::interval(every);
    beats.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_prune: Option<tokio::time::Instant> = None;
    loop {
        beats.tick().await;
        let (tx, rx) = oneshot::channel();
        if inner.writes.send(Op::Heartbeat { reply: tx }).is_err() {
            return;
        }
        let beat = match tokio::time::timeout(RESPONSE_TIMEOUT, rx).await {
            Ok(Ok(Ok(beat))) => beat,
            other => {
                debug!(outcome = ?other.map(|r| r.map(|_| ())), "the heartbeat failed");
                return;
            }
        };
        inner
            .accounts
            .store(beat.accounts, std::sync::atomic::Ordering::Relaxed);
        inner
            .lines
            .store(beat.lines, std::sync::atomic::Ordering::Relaxed);
        if beat.clash {
            error!(
                instance = %inner.options.instance,
                "another safecalc is serving under this instance name; give each instance its own --instance-name"
            );
            return;
        }
        if beat.missing {
            // Taken out while cut off (or Redis lost its data): put this
            // instance's members back, announcing them.
            warn!("this instance was missing from Redis's directory; resyncing");
            match resync(inner, false).await {
                Some((Resynced::Done { lost }, _)) => {
                    for id in lost {
                        inner.feed.nick_lost(id);
                    }
                }
                _ => return,
            }
        }
        let pong = tokio::time::timeout(RESPONSE_TIMEOUT, sink.ping::<redis::Value>()).await;
        if !matches!(pong, Ok(Ok(_))) {
            debug!(outcome = ?pong, "the subscription did not answer a ping");
            return;
        }
        if last_prune.is_none_or(|at| at.elapsed() >= PRUNE_INTERVAL) {
            last_prune = Some(tokio::time::Instant::now());
            inner.tell(Op::Prune {
                days: inner.retention.days,
            });
        }
        inner.fetch_guests_if_low();
    }
}
