//! `--ephemeral`: the store in memory, nothing on disk.
//!
//! The same rules as the SQLite store (retention per room and by age,
//! bounded mailboxes, one commit order), with every answer ready at once:
//! a session resolves such a future on the spot, so an ephemeral server
//! relays a chat line within the sender's own call, as the hub did before
//! there was a store. Lines are delivered to the [`Feed`] while the
//! `publishing` lock is held, which puts every room's lines in one order
//! even on several worker threads.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::{
    AccountRecord, ChatStore, Committed, Created, Feed, LoginSummary, Mail, MailOutcome, NickClaim,
    Retention, RoomLine, StoreCounts, StoreFuture, StoredLine, ThrottleKey, ready, unix_now,
};
use crate::server::accounts::throttle::Throttles;
use crate::server::chat::{MemberId, Nick, RoomName};

/// The ephemeral store (see the [module docs](self)).
pub struct MemoryStore {
    retention: Retention,
    feed: Arc<dyn Feed>,
    /// Held from taking ids to delivering, so delivery is in id order.
    publishing: Mutex<()>,
    data: Mutex<Data>,
}

#[derive(Default)]
struct Data {
    next_id: u64,
    rooms: HashMap<RoomName, VecDeque<(u64, i64, String)>>,
    /// Folded name to record.
    accounts: HashMap<String, AccountRecord>,
    mail: HashMap<String, VecDeque<Mail>>,
    /// (folded account, room) to the last line id seen.
    seen: HashMap<(String, RoomName), u64>,
    throttles: Throttles,
    lines: u64,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl MemoryStore {
    pub fn new(retention: Retention, feed: Arc<dyn Feed>) -> MemoryStore {
        MemoryStore {
            retention,
            feed,
            publishing: Mutex::new(()),
            data: Mutex::new(Data::default()),
        }
    }
}

impl Data {
    fn prune(&mut self, room: &RoomName, retention: &Retention, now: i64) {
        let oldest = now.saturating_sub(i64::from(retention.days) * 86_400);
        if let Some(lines) = self.rooms.get_mut(room) {
            let before = lines.len();
            while lines.len() > retention.lines_per_room
                || lines.front().is_some_and(|(_, t, _)| *t < oldest)
            {
                lines.pop_front();
            }
            self.lines -= (before - lines.len()) as u64;
        }
    }
}

impl ChatStore for MemoryStore {
    fn publish(&self, lines: Vec<RoomLine>) -> StoreFuture<()> {
        let _order = lock(&self.publishing);
        let now = unix_now();
        let committed: Vec<Committed> = {
            let mut data = lock(&self.data);
            lines
                .into_iter()
                .map(|line| {
                    data.next_id += 1;
                    let id = data.next_id;
                    data.rooms.entry(line.room.clone()).or_default().push_back((
                        id,
                        now,
                        line.text.to_string(),
                    ));
                    data.lines += 1;
                    data.prune(&line.room, &self.retention, now);
                    Committed {
                        id,
                        time: now,
                        line,
                    }
                })
                .collect()
        };
        self.feed.deliver(&committed);
        ready(Ok(()))
    }

    fn history(&self, room: &RoomName, n: usize) -> StoreFuture<Vec<StoredLine>> {
        let data = lock(&self.data);
        let lines = data
            .rooms
            .get(room)
            .map(|lines| {
                let skip = lines.len().saturating_sub(n);
                lines
                    .iter()
                    .skip(skip)
                    .map(|(id, time, text)| StoredLine {
                        id: *id,
                        time: *time,
                        text: text.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        ready(Ok(lines))
    }

    fn account(&self, name: &str) -> StoreFuture<Option<AccountRecord>> {
        let data = lock(&self.data);
        ready(Ok(data.accounts.get(&name.to_ascii_lowercase()).cloned()))
    }

    fn claim_nick(&self, nick: &Nick, _holder: MemberId) -> StoreFuture<NickClaim> {
        let data = lock(&self.data);
        ready(Ok(match data.accounts.get(&nick.folded()) {
            Some(record) => NickClaim::Registered(record.name.clone()),
            None => NickClaim::Free,
        }))
    }

    fn create_account(&self, name: &str, phc: String) -> StoreFuture<Created> {
        let mut data = lock(&self.data);
        let folded = name.to_ascii_lowercase();
        if data.accounts.contains_key(&folded) {
            return ready(Ok(Created::Exists));
        }
        let record = AccountRecord {
            name: name.to_string(),
            phc,
        };
        data.accounts.insert(folded, record);
        ready(Ok(Created::Created))
    }

    fn set_password(&self, name: &str, phc: String) -> StoreFuture<bool> {
        let mut data = lock(&self.data);
        let found = match data.accounts.get_mut(&name.to_ascii_lowercase()) {
            Some(record) => {
                record.phc = phc;
                true
            }
            None => false,
        };
        ready(Ok(found))
    }

    fn delete_account(&self, name: &str) -> StoreFuture<bool> {
        let mut data = lock(&self.data);
        let folded = name.to_ascii_lowercase();
        data.mail.remove(&folded);
        data.seen.retain(|(account, _), _| *account != folded);
        ready(Ok(data.accounts.remove(&folded).is_some()))
    }

    fn send_mail(&self, to: &str, text: &str) -> StoreFuture<MailOutcome> {
        let mut data = lock(&self.data);
        let folded = to.to_ascii_lowercase();
        if !data.accounts.contains_key(&folded) {
            return ready(Ok(MailOutcome::NoSuchAccount));
        }
        let max = self.retention.mailbox;
        let oldest = unix_now().saturating_sub(i64::from(self.retention.days) * 86_400);
        let mailbox = data.mail.entry(folded).or_default();
        while mailbox.front().is_some_and(|m| m.time < oldest) {
            mailbox.pop_front();
        }
        if mailbox.len() >= max {
            return ready(Ok(MailOutcome::Full { max }));
        }
        mailbox.push_back(Mail {
            time: unix_now(),
            text: text.to_string(),
        });
        ready(Ok(MailOutcome::Stored))
    }

    fn login_summary(&self, account: &str) -> StoreFuture<LoginSummary> {
        let mut data = lock(&self.data);
        let folded = account.to_ascii_lowercase();
        let mail = data.mail.remove(&folded).map(Vec::from).unwrap_or_default();
        let mut unread: Vec<(RoomName, u64)> = data
            .seen
            .iter()
            .filter(|((who, _), _)| *who == folded)
            .filter_map(|((_, room), &last)| {
                let lines = data.rooms.get(room)?;
                let new = lines.iter().filter(|(id, _, _)| *id > last).count() as u64;
                (new > 0).then(|| (room.clone(), new))
            })
            .collect();
        unread.sort();
        ready(Ok(LoginSummary { mail, unread }))
    }

    fn mark_seen(&self, account: &str, room: &RoomName) {
        let mut data = lock(&self.data);
        let last = data
            .rooms
            .get(room)
            .and_then(|lines| lines.back())
            .map_or(data.next_id, |(id, _, _)| *id);
        data.seen
            .insert((account.to_ascii_lowercase(), room.clone()), last);
    }

    fn throttle_wait(&self, keys: &[ThrottleKey]) -> StoreFuture<Duration> {
        ready(Ok(lock(&self.data).throttles.wait(keys, Instant::now())))
    }

    fn throttle_failure(&self, keys: &[ThrottleKey]) -> StoreFuture<()> {
        lock(&self.data).throttles.failure(keys, Instant::now());
        ready(Ok(()))
    }

    fn throttle_success(&self, keys: &[ThrottleKey]) {
        lock(&self.data).throttles.success(keys);
    }

    fn counts(&self) -> StoreCounts {
        let data = lock(&self.data);
        StoreCounts {
            accounts: data.accounts.len() as u64,
            lines: data.lines,
        }
    }

    fn flush(&self) -> StoreFuture<()> {
        ready(Ok(()))
    }
}
