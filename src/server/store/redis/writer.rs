//! The writer: every operation of this instance on the shared chat goes
//! through one queue, and the writer task sends everything queued so far
//! as one run of `batch.lua`.
//!
//! One queue puts a member's actions in Redis in the order they happened
//! (a join before the first line, a nick change before the next line),
//! and presence reads (`/who` right after `/join`) after the writes they
//! must see. One script per batch makes a batch atomic and costs one round
//! trip however many operations it holds: under load, as with the SQLite
//! store's group commit, one call carries many senders' lines. A script
//! that Redis does not have (after a restart) is loaded and the call made
//! again, which is safe: a script that is not there did not run.
//!
//! A batch that fails (Redis went away, timed out, refused the script)
//! answers every operation in it with [`StoreError::ChatUnavailable`],
//! and the link is told, which makes it reconnect and rewrite this
//! instance's presence, since some of the batch may have run: a room line
//! refused then may still be in the history (the sender was told it was
//! refused; never the other way round).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use redis::{Script, Value};
use tokio::sync::{mpsc, oneshot};
use tracing::warn;

use super::Inner;
use crate::server::accounts::throttle::{FREE_FAILURES, MAX_PENALTY, WINDOW};
use crate::server::chat::{Line, MemberId, Nick, RoomName};
use crate::server::store::{
    Created, LoginSummary, Mail, MailOutcome, NickClaim, Presence, Present, RoomLine, StoreError,
    ThrottleKey,
};

/// The most operations in one script call: a batch blocks Redis while it
/// runs, so it stays short (a few milliseconds at most).
pub(super) const MAX_BATCH: usize = 512;

/// The unit and record separators the script splits on.
const US: char = '\u{1f}';
const RS: char = '\u{1e}';

pub(super) type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// What the heartbeat learns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Beat {
    /// This instance was not in the directory (it was reaped while cut
    /// off, or Redis lost its data): it must resync.
    pub missing: bool,
    /// Another live process uses this instance's name.
    pub clash: bool,
    pub accounts: u64,
    pub lines: u64,
}

/// What a resync found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Resynced {
    /// Done; these members' claimed nicks are someone else's now.
    Done { lost: Vec<MemberId> },
    /// Another live process uses this instance's name.
    Clash,
}

/// One operation for the script (see `batch.lua` for each code).
pub(super) enum Op {
    /// A room line; `delivered` fires when this instance's subscriber has
    /// delivered it (see `Inner::deliveries`).
    Publish {
        line: RoomLine,
        token: u64,
        delivered: oneshot::Receiver<()>,
        reply: Reply<()>,
    },
    All {
        origin: MemberId,
        nick: Nick,
        account: Option<String>,
        text: Line,
        token: u64,
        delivered: oneshot::Receiver<()>,
        reply: Reply<()>,
    },
    Presence(Presence),
    Claim {
        id: MemberId,
        folded: String,
        reply: Reply<NickClaim>,
    },
    Release {
        id: MemberId,
        folded: String,
    },
    Who {
        room: RoomName,
        reply: Reply<Vec<String>>,
    },
    Rooms {
        reply: Reply<Vec<(RoomName, usize)>>,
    },
    Direct {
        folded: String,
        line: Line,
        reply: Reply<bool>,
    },
    CreateAccount {
        name: String,
        phc: String,
        reply: Reply<Created>,
    },
    SetPassword {
        name: String,
        phc: String,
        reply: Reply<bool>,
    },
    DeleteAccount {
        name: String,
        reply: Reply<bool>,
    },
    SendMail {
        to: String,
        text: String,
        reply: Reply<MailOutcome>,
    },
    LoginSummary {
        account: String,
        reply: Reply<LoginSummary>,
    },
    MarkSeen {
        account: String,
        room: RoomName,
    },
    ThrottleFailure {
        keys: Vec<ThrottleKey>,
        reply: Reply<()>,
    },
    ThrottleSuccess(Vec<ThrottleKey>),
    ThrottleWait {
        keys: Vec<ThrottleKey>,
        reply: Reply<Duration>,
    },
    Heartbeat {
        reply: Reply<Beat>,
    },
    Resync {
        first: bool,
        members: Vec<Present>,
        reply: Reply<Resynced>,
    },
    Prune {
        days: u32,
    },
    Retire {
        reply: Reply<()>,
    },
    /// Answered once everything queued before it is done.
    Flush {
        reply: Reply<()>,
    },
}

impl Op {
    /// Whether the op may run before the link has resynced (the resync
    /// itself); every other waits for it.
    fn is_resync(&self) -> bool {
        matches!(self, Op::Resync { .. })
    }
}

/// The script's arguments, built operation by operation.
struct Call<'s> {
    invocation: redis::ScriptInvocation<'s>,
}

impl Call<'_> {
    fn op(&mut self, code: &str, fields: &[&str]) {
        self.invocation.arg(code).arg(fields.len());
        for field in fields {
            self.invocation.arg(*field);
        }
    }
}

/// The throttle keys as the script names them (`a:NAME`, `ip:ADDR`),
/// joined by RS.
fn throttle_names(keys: &[ThrottleKey]) -> String {
    let mut names = String::new();
    for key in keys {
        if !names.is_empty() {
            names.push(RS);
        }
        match key {
            ThrottleKey::Account(name) => {
                names.push_str("a:");
                names.push_str(name);
            }
            ThrottleKey::Address(ip) => {
                names.push_str("ip:");
                names.push_str(&ip.to_string());
            }
        }
    }
    names
}

/// Writes `op` into the call.
fn encode(call: &mut Call<'_>, op: &Op, inner: &Inner) {
    let num = |n: u64| n.to_string();
    match op {
        Op::Publish { line, token, .. } => call.op(
            "L",
            &[
                line.room.as_str(),
                &num(line.origin),
                &num(*token),
                &line.nick,
                line.account.as_deref().unwrap_or(""),
                &line.text,
            ],
        ),
        Op::All {
            origin,
            nick,
            account,
            text,
            token,
            ..
        } => call.op(
            "A",
            &[
                &num(*origin),
                &num(*token),
                nick.as_str(),
                account.as_deref().unwrap_or(""),
                text,
            ],
        ),
        Op::Presence(change) => match change {
            Presence::Entered {
                id,
                room,
                nick,
                announce,
            } => call.op(
                "E",
                &[
                    &num(*id),
                    room.as_str(),
                    nick.as_str(),
                    &nick.folded(),
                    announce,
                ],
            ),
            Presence::Left {
                id,
                room,
                nick,
                announce,
            } => call.op(
                "X",
                &[
                    &num(*id),
                    room.as_str(),
                    &nick.folded(),
                    announce.as_deref().unwrap_or(""),
                ],
            ),
            Presence::Renamed {
                id,
                room,
                old,
                new,
                announce,
            } => call.op(
                "R",
                &[
                    &num(*id),
                    room.as_ref().map_or("", RoomName::as_str),
                    &old.folded(),
                    new.as_str(),
                    &new.folded(),
                    announce.as_deref().unwrap_or(""),
                ],
            ),
            Presence::Gone { id, nick } => call.op("G", &[&num(*id), &nick.folded()]),
        },
        Op::Claim { id, folded, .. } => call.op("C", &[&num(*id), folded]),
        Op::Release { id, folded } => call.op("U", &[&num(*id), folded]),
        Op::Who { room, .. } => call.op("W", &[room.as_str()]),
        Op::Rooms { .. } => call.op("O", &[]),
        Op::Direct { folded, line, .. } => call.op("M", &[folded, line]),
        Op::CreateAccount { name, phc, .. } => {
            call.op("N", &[&name.to_ascii_lowercase(), name, phc]);
        }
        Op::SetPassword { name, phc, .. } => call.op("P", &[&name.to_ascii_lowercase(), phc]),
        Op::DeleteAccount { name, .. } => call.op("D", &[&name.to_ascii_lowercase(), name]),
        Op::SendMail { to, text, .. } => call.op(
            "S",
            &[
                &to.to_ascii_lowercase(),
                text,
                &num(inner.retention.mailbox as u64),
                &num(u64::from(inner.retention.days)),
            ],
        ),
        Op::LoginSummary { account, .. } => call.op(
            "Q",
            &[
                &account.to_ascii_lowercase(),
                &num(inner.retention.mailbox as u64),
                &num(u64::from(inner.retention.days)),
            ],
        ),
        Op::MarkSeen { account, room } => {
            call.op("K", &[&account.to_ascii_lowercase(), room.as_str()]);
        }
        Op::ThrottleFailure { keys, .. } => call.op(
            "F",
            &[
                &throttle_names(keys),
                &num(u64::from(FREE_FAILURES)),
                &num(WINDOW.as_millis() as u64),
                &num(MAX_PENALTY.as_millis() as u64),
            ],
        ),
        Op::ThrottleSuccess(keys) => {
            let accounts: Vec<ThrottleKey> = keys
                .iter()
                .filter(|k| matches!(k, ThrottleKey::Account(_)))
                .cloned()
                .collect();
            call.op("J", &[&throttle_names(&accounts)]);
        }
        Op::ThrottleWait { keys, .. } => call.op("V", &[&throttle_names(keys)]),
        Op::Heartbeat { .. } => call.op("H", &[&inner.epoch]),
        Op::Resync { first, members, .. } => {
            let mut packed = String::new();
            for member in members {
                if !packed.is_empty() {
                    packed.push(RS);
                }
                for (i, field) in [
                    num(member.id).as_str(),
                    member.nick.as_str(),
                    &member.nick.folded(),
                    member.room.as_ref().map_or("", RoomName::as_str),
                    if member.claimed { "1" } else { "0" },
                ]
                .iter()
                .enumerate()
                {
                    if i > 0 {
                        packed.push(US);
                    }
                    packed.push_str(field);
                }
            }
            call.op(
                "Y",
                &[&inner.epoch, if *first { "1" } else { "0" }, &packed],
            );
        }
        Op::Prune { days } => call.op("B", &[&num(u64::from(*days))]),
        Op::Retire { .. } => call.op("Z", &[]),
        // Nothing to run: answered after the batch.
        Op::Flush { .. } => {}
    }
}

/// A script result as text.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        Value::Int(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A script result as a number.
fn int(value: &Value) -> Option<i64> {
    match value {
        Value::Int(n) => Some(*n),
        other => text(other)?.parse().ok(),
    }
}

fn array(value: &Value) -> Option<&[Value]> {
    match value {
        Value::Array(items) => Some(items),
        Value::Nil => Some(&[]),
        _ => None,
    }
}

/// `(name, count)` pairs from a flat `name, count, ...` array.
fn pairs(value: &Value) -> Option<Vec<(RoomName, u64)>> {
    let items = array(value)?;
    let mut pairs = Vec::with_capacity(items.len() / 2);
    for pair in items.chunks(2) {
        let [name, count] = pair else { return None };
        let room = RoomName::parse(&text(name)?)?;
        pairs.push((room, u64::try_from(int(count)?).unwrap_or(0)));
    }
    Some(pairs)
}

fn mail(value: &Value) -> Option<Vec<Mail>> {
    array(value)?
        .iter()
        .map(|entry| {
            let entry = text(entry)?;
            let (time, text) = entry.split_once(US)?;
            Some(Mail {
                time: time.parse().ok()?,
                text: text.to_string(),
            })
        })
        .collect()
}

/// Sends `value` (or, if the script's answer could not be read, the
/// error) to `reply`.
fn answer<T>(reply: Reply<T>, value: Option<T>) {
    let _ = reply.send(value.ok_or_else(|| {
        warn!("an answer from Redis could not be read; the operation is reported as failed");
        StoreError::ChatUnavailable
    }));
}

/// Publications of a batch that succeeded, each answered once this
/// instance's subscriber has delivered it (see `Inner::deliveries`).
type Delivery = (oneshot::Receiver<()>, Reply<()>);

/// Answers held until the batch's mark has been delivered here.
type Held = Vec<Box<dyn FnOnce() + Send>>;

/// Answers `op` with its script result, collecting the publications
/// whose answer waits for their delivery and the answers that wait for
/// the batch's mark.
fn settle(
    op: Op,
    result: Option<&Value>,
    deliveries: &mut Vec<Delivery>,
    held: &mut Held,
    inner: &Inner,
) {
    match op {
        Op::Publish {
            delivered, reply, ..
        }
        | Op::All {
            delivered, reply, ..
        } => deliveries.push((delivered, reply)),
        Op::Presence(_)
        | Op::Release { .. }
        | Op::MarkSeen { .. }
        | Op::ThrottleSuccess(_)
        | Op::Prune { .. } => {}
        Op::Claim { reply, .. } => answer(
            reply,
            result
                .and_then(text)
                .map(|claim| match claim.split_once(US) {
                    Some(("registered", name)) => NickClaim::Registered(name.to_string()),
                    _ if claim == "free" => NickClaim::Free,
                    _ => NickClaim::Taken,
                }),
        ),
        Op::Who { reply, .. } => {
            let names = result
                .and_then(array)
                .and_then(|names| names.iter().map(text).collect());
            held.push(Box::new(move || answer(reply, names)));
        }
        Op::Rooms { reply } => {
            let rooms = result.and_then(pairs).map(|rooms| {
                rooms
                    .into_iter()
                    .map(|(room, n)| (room, usize::try_from(n).unwrap_or(usize::MAX)))
                    .collect()
            });
            held.push(Box::new(move || answer(reply, rooms)));
        }
        Op::Direct { reply, .. } => answer(reply, result.and_then(int).map(|n| n > 0)),
        Op::CreateAccount { reply, .. } => {
            let created = result.and_then(int).map(|n| {
                if n == 1 {
                    inner.note_account(1);
                    Created::Created
                } else {
                    Created::Exists
                }
            });
            answer(reply, created);
        }
        Op::SetPassword { reply, .. } => answer(reply, result.and_then(int).map(|n| n == 1)),
        Op::DeleteAccount { reply, .. } => {
            let deleted = result.and_then(int).map(|n| n == 1);
            if deleted == Some(true) {
                inner.note_account(-1);
            }
            answer(reply, deleted);
        }
        Op::SendMail { reply, .. } => answer(
            reply,
            result.and_then(text).map(|outcome| match outcome.as_str() {
                "stored" => MailOutcome::Stored,
                "full" => MailOutcome::Full {
                    max: inner.retention.mailbox,
                },
                _ => MailOutcome::NoSuchAccount,
            }),
        ),
        Op::LoginSummary { reply, .. } => {
            let summary = result.and_then(array).and_then(|parts| {
                let [mail_part, unread_part] = parts else {
                    return None;
                };
                let mut unread = pairs(unread_part)?;
                unread.sort();
                Some(LoginSummary {
                    mail: mail(mail_part)?,
                    unread,
                })
            });
            answer(reply, summary);
        }
        Op::ThrottleWait { reply, .. } => answer(
            reply,
            result
                .and_then(int)
                .map(|ms| Duration::from_millis(u64::try_from(ms).unwrap_or(0))),
        ),
        Op::Heartbeat { reply } => answer(
            reply,
            result.and_then(array).and_then(|parts| {
                let [missing, clash, accounts, lines] = parts else {
                    return None;
                };
                Some(Beat {
                    missing: int(missing)? != 0,
                    clash: int(clash)? != 0,
                    accounts: u64::try_from(int(accounts)?).unwrap_or(0),
                    lines: u64::try_from(int(lines)?).unwrap_or(0),
                })
            }),
        ),
        Op::Resync { reply, .. } => answer(
            reply,
            result.and_then(array).and_then(|parts| {
                let (status, lost) = parts.split_first()?;
                match text(status)?.as_str() {
                    "ok" => Some(Resynced::Done {
                        lost: lost
                            .iter()
                            .map(|id| text(id)?.parse().ok())
                            .collect::<Option<_>>()?,
                    }),
                    _ => Some(Resynced::Clash),
                }
            }),
        ),
        Op::Retire { reply } | Op::Flush { reply } | Op::ThrottleFailure { reply, .. } => {
            let _ = reply.send(Ok(()));
        }
    }
}

/// Refuses `op`: its caller is told the chat is unavailable (a
/// fire-and-forget operation is dropped; the next resync rewrites the
/// presence it would have changed).
fn refuse(op: Op, inner: &Inner) {
    if let Op::Publish { token, .. } | Op::All { token, .. } = &op {
        inner.forget_delivery(*token);
    }
    // Dropping an operation's reply sender makes its caller's future
    // resolve as `ChatUnavailable`.
    drop(op);
}

/// The writer task: takes batches from `queue` until every sender is
/// gone (the store was dropped).
pub(super) async fn run(inner: Arc<Inner>, mut queue: mpsc::UnboundedReceiver<Op>) {
    let script = Script::new(include_str!("batch.lua"));
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        run_batch(&inner, &script, std::mem::take(&mut batch)).await;
    }
}

async fn run_batch(inner: &Arc<Inner>, script: &Script, batch: Vec<Op>) {
    // Until the link has resynced, only the resync may run.
    let accepting = inner.link.accepting();
    let (batch, refused): (Vec<Op>, Vec<Op>) = batch
        .into_iter()
        .partition(|op| accepting || op.is_resync());
    for op in refused {
        refuse(op, inner);
    }
    if batch.is_empty() {
        return;
    }
    let Some((generation, mut connection)) = inner.link.connection() else {
        for op in batch {
            refuse(op, inner);
        }
        return;
    };
    let mut call = Call {
        invocation: script.prepare_invoke(),
    };
    call.invocation
        .arg(&inner.prefix)
        .arg(&inner.options.instance)
        .arg(inner.options.presence_ttl.as_millis() as u64)
        .arg(inner.retention.lines_per_room);
    let mut runs = Vec::with_capacity(batch.len());
    for op in &batch {
        encode(&mut call, op, inner);
        runs.push(!matches!(op, Op::Flush { .. }));
    }
    // A presence read (/who, /rooms) is answered only once this
    // instance's subscriber has delivered what was published before it:
    // the batch ends with a mark on this instance's channel, and the
    // answers wait for it.
    let mark = batch
        .iter()
        .any(|op| matches!(op, Op::Who { .. } | Op::Rooms { .. }))
        .then(|| {
            let (token, seen) = inner.publication();
            call.op("T", &[&token.to_string()]);
            (token, seen)
        });
    let result: redis::RedisResult<Vec<Value>> =
        call.invocation.invoke_async(&mut connection).await;
    match result {
        Ok(results) => {
            let mut results = results.iter();
            let mut deliveries = Vec::new();
            let mut held: Held = Vec::new();
            for (op, runs) in batch.into_iter().zip(runs) {
                let result = if runs { results.next() } else { None };
                settle(op, result, &mut deliveries, &mut held, inner);
            }
            if !deliveries.is_empty() || !held.is_empty() {
                // Answered once delivered here (a dropped sender: the
                // subscription was lost; the lines are stored anyway).
                tokio::spawn(async move {
                    for (delivered, reply) in deliveries {
                        let _ = delivered.await;
                        let _ = reply.send(Ok(()));
                    }
                    if let Some((_, seen)) = mark {
                        let _ = seen.await;
                    }
                    for answer in held {
                        answer();
                    }
                });
            }
        }
        Err(e) => {
            warn!(error = %e, ops = batch.len(), "a batch for Redis failed; its operations are refused");
            if let Some((token, _)) = mark {
                inner.forget_delivery(token);
            }
            for op in batch {
                refuse(op, inner);
            }
            inner.link.broken(generation);
        }
    }
}

/// Publications waiting for this instance's subscriber, by token (see
/// `Inner::deliveries`).
pub(super) type Deliveries = HashMap<u64, oneshot::Sender<()>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_keys_are_named_as_the_script_expects() {
        let keys = [
            ThrottleKey::Account("ann".into()),
            ThrottleKey::Address("10.0.0.1".parse().unwrap()),
        ];
        assert_eq!(throttle_names(&keys), "a:ann\u{1e}ip:10.0.0.1");
        assert_eq!(throttle_names(&[]), "");
    }

    #[test]
    fn results_are_read_or_refused() {
        let bulk = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        assert_eq!(
            pairs(&Value::Array(vec![
                bulk("#a"),
                Value::Int(2),
                bulk("#b"),
                Value::Int(1)
            ])),
            Some(vec![
                (RoomName::parse("#a").unwrap(), 2),
                (RoomName::parse("#b").unwrap(), 1)
            ])
        );
        assert_eq!(pairs(&Value::Array(vec![bulk("#a")])), None);
        assert_eq!(
            mail(&Value::Array(vec![bulk("1700000000\u{1f}[msg] <b> hi")])),
            Some(vec![Mail {
                time: 1_700_000_000,
                text: "[msg] <b> hi".into()
            }])
        );
        assert_eq!(mail(&Value::Array(vec![bulk("no separator")])), None);
        assert_eq!(int(&bulk("42")), Some(42));
    }
}
