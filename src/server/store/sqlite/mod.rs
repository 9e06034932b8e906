//! The default store: an embedded SQLite database, `safecalc.db` in the
//! data directory, in WAL mode.
//!
//! # Threads
//!
//! The event loop never touches the disk. Two threads of the store's own
//! own a connection each, and a task brings the writer's results back:
//!
//! * **the writer** takes every operation that changes the database from
//!   a queue. It waits for the first, takes everything queued behind it
//!   (up to [`MAX_BATCH`]), runs them all in **one transaction**, commits,
//!   and only then hands the batch's room lines to the [`Feed`] in commit
//!   order and answers each caller (group commit: under load, one commit
//!   carries many senders' lines, and a sender never waits for more than
//!   the commit in progress and its own). Once a minute, between batches,
//!   it prunes old lines (by room and by age) in chunks;
//! * **the relay**, a task on the event loop, not a thread: the writer
//!   hands it each commit's delivery and answers, in commit order, and it
//!   runs them there. Fanning a line out to a room wakes every member's
//!   task; woken from the writer's thread, each wake went through the
//!   runtime's shared queue (and often woke its thread), and a room of
//!   100 delivered 0.81 of the memory store's lines per second; woken
//!   from the event loop they are queued where they run (0.94, in
//!   BENCHMARKS.md);
//! * **the reader** answers `/history`, account look-ups and nick checks
//!   from its own read-only connection (WAL lets it read while the writer
//!   writes), so a long read never delays a commit.
//!
//! Every caller waits for its answer (the session awaits it before reading
//! its client's next line), so each queue holds at most one operation per
//! connection, plus the fire-and-forget markers of connections that ended.
//!
//! # Durability
//!
//! `journal_mode=WAL` with `synchronous=NORMAL`: a committed transaction
//! survives the process being killed (`kill -9`), because it is in the WAL
//! file before the commit returns; what `NORMAL` gives up against `FULL` is
//! an `fsync` per commit, so the last commits before a power cut or a
//! kernel crash may be lost (the database stays consistent). A line is
//! delivered to members only after its commit, so after a crash of the
//! server every line anyone saw is in the history. The argument for
//! `NORMAL`: an fsync per group commit would cap the chat at the disk's
//! flush rate (a few hundred to a few thousand per second), for a guarantee
//! that a chat's last second of lines rarely needs.
//!
//! # Failures
//!
//! A failing commit (a full disk, an I/O error) rolls the batch back: its
//! lines are delivered to no one and every caller gets
//! [`StoreError::Unavailable`]; the feed is told once, and told again when
//! a later commit succeeds. Start-up problems (a directory that cannot be
//! created or written, a damaged file, a file from a newer safecalc or
//! from another program) are an [`OpenError`] before the server listens.

mod schema;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, params};
use tokio::sync::oneshot;
use tracing::{error, info, warn};

use super::{
    AccountRecord, ChatStore, Committed, Created, Feed, LoginSummary, Mail, MailOutcome, NickClaim,
    OpenError, Outage, Retention, RoomLine, StoreCounts, StoreError, StoreFuture, StoredLine,
    ThrottleKey, unix_now,
};
use crate::server::accounts::throttle::Throttles;
use crate::server::chat::{MemberId, Nick, RoomName};

/// The database file's name in the data directory.
pub const DATABASE_FILE: &str = "safecalc.db";

/// Most operations in one transaction.
pub const MAX_BATCH: usize = 4096;

/// How often the writer prunes when the queue leaves it time.
const PRUNE_INTERVAL: Duration = Duration::from_secs(60);

/// Rows deleted per pruning statement, so a large prune never holds the
/// writer for long.
const PRUNE_CHUNK: i64 = 2000;

/// The SQLite store (see the [module docs](self)).
pub struct SqliteStore {
    path: PathBuf,
    writes: mpsc::Sender<Write>,
    reads: mpsc::Sender<Read>,
    counts: Arc<Counts>,
    /// Login throttles live in memory: they need not survive a restart.
    throttles: Mutex<Throttles>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct Counts {
    accounts: AtomicU64,
    lines: AtomicU64,
}

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// An operation for the writer.
enum Write {
    Publish(Vec<RoomLine>, Reply<()>),
    CreateAccount(String, String, Reply<Created>),
    SetPassword(String, String, Reply<bool>),
    DeleteAccount(String, Reply<bool>),
    SendMail(String, String, Reply<MailOutcome>),
    LoginSummary(String, Reply<LoginSummary>),
    MarkSeen(String, RoomName),
    Flush(Reply<()>),
    RefuseWrites(bool),
}

/// A job for the reader.
type Read = Box<dyn FnOnce(&Connection) + Send>;

/// Waits for the answer to an operation; an operation dropped unanswered
/// (its batch failed) is [`StoreError::Unavailable`].
fn answer<T: Send + 'static>(rx: oneshot::Receiver<Result<T, StoreError>>) -> StoreFuture<T> {
    Box::pin(async move { rx.await.unwrap_or(Err(StoreError::Unavailable)) })
}

fn unavailable<T: Send + 'static>() -> StoreFuture<T> {
    super::ready(Err(StoreError::Stopped))
}

impl SqliteStore {
    /// Opens (creating if needed) `dir/safecalc.db`, migrates it, checks it
    /// and starts the writer and reader threads.
    pub fn open(
        dir: &Path,
        retention: Retention,
        feed: Arc<dyn Feed>,
    ) -> Result<SqliteStore, OpenError> {
        std::fs::create_dir_all(dir).map_err(|source| OpenError::Directory {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(DATABASE_FILE);
        let db_error = |source: rusqlite::Error| classify(&path, source);
        let mut writer = Connection::open(&path).map_err(db_error)?;
        writer
            .busy_timeout(Duration::from_secs(5))
            .map_err(db_error)?;
        // The first statement reads the header: a file that is not a
        // database fails here.
        let mode: String = writer
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(db_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            warn!(path = %path.display(), mode, "the database is not in WAL mode");
        }
        let from = schema::migrate(&mut writer, schema::MIGRATIONS).map_err(|e| match e {
            schema::SchemaError::Sql(source) => classify(&path, source),
            schema::SchemaError::Foreign(found) => OpenError::Foreign {
                path: path.clone(),
                found,
            },
            schema::SchemaError::Newer { found, known } => OpenError::Newer {
                path: path.clone(),
                found,
                known,
            },
        })?;
        if from != 0 && from < schema::MIGRATIONS.len() as i64 {
            info!(path = %path.display(), from, to = schema::MIGRATIONS.len(), "database migrated");
        }
        let check: String = writer
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(db_error)?;
        if check != "ok" {
            return Err(OpenError::Corrupt {
                path: path.clone(),
                detail: check,
            });
        }
        writer
            .execute_batch("PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE; COMMIT;")
            .map_err(db_error)?;
        let reader = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db_error)?;
        reader
            .busy_timeout(Duration::from_secs(5))
            .map_err(db_error)?;
        let counts = Arc::new(Counts::default());
        let count = |sql: &str| -> Result<u64, OpenError> {
            let n: i64 = writer.query_row(sql, [], |r| r.get(0)).map_err(db_error)?;
            Ok(n.max(0) as u64)
        };
        counts
            .accounts
            .store(count("SELECT count(*) FROM accounts")?, Ordering::Relaxed);
        counts
            .lines
            .store(count("SELECT count(*) FROM lines")?, Ordering::Relaxed);

        let runtime =
            tokio::runtime::Handle::try_current().map_err(|_| OpenError::NoRuntime("SQLite"))?;
        let (relay, mut relayed) = tokio::sync::mpsc::unbounded_channel::<Relayed>();
        runtime.spawn(async move {
            while let Some(job) = relayed.recv().await {
                job();
            }
        });
        let (writes, write_queue) = mpsc::channel();
        let (reads, read_queue) = mpsc::channel::<Read>();
        let mut state = Writer {
            conn: writer,
            feed,
            relay,
            retention,
            counts: Arc::clone(&counts),
            available: true,
            touched: HashSet::new(),
            last_time: 0,
        };
        state.touched_all_rooms();
        std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || state.run(write_queue))
            .map_err(|e| OpenError::Thread("writer", e))?;
        std::thread::Builder::new()
            .name("store-reader".into())
            .spawn(move || {
                while let Ok(job) = read_queue.recv() {
                    job(&reader);
                }
            })
            .map_err(|e| OpenError::Thread("reader", e))?;
        Ok(SqliteStore {
            path,
            writes,
            reads,
            counts,
            throttles: Mutex::new(Throttles::default()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes every later commit fail (`true`), as a filesystem gone
    /// read-only or full would, or lets them succeed again (`false`). For
    /// the tests of the `history unavailable` behaviour: `chmod` does not
    /// stop root, a small filesystem needs privileges a test does not have,
    /// and a database file removed while open can still be written.
    #[doc(hidden)]
    pub fn refuse_writes(&self, refuse: bool) {
        let _ = self.writes.send(Write::RefuseWrites(refuse));
    }

    fn write<T: Send + 'static>(&self, op: impl FnOnce(Reply<T>) -> Write) -> StoreFuture<T> {
        let (tx, rx) = oneshot::channel();
        match self.writes.send(op(tx)) {
            Ok(()) => answer(rx),
            Err(_) => unavailable(),
        }
    }

    fn read<T: Send + 'static>(
        &self,
        query: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> StoreFuture<T> {
        let (tx, rx) = oneshot::channel();
        let job: Read = Box::new(move |conn| {
            let result = query(conn).map_err(|e| {
                warn!(error = %e, "store read failed");
                StoreError::Unavailable
            });
            let _ = tx.send(result);
        });
        match self.reads.send(job) {
            Ok(()) => answer(rx),
            Err(_) => unavailable(),
        }
    }

    fn throttles(&self) -> std::sync::MutexGuard<'_, Throttles> {
        self.throttles
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// A start-up error from SQLite, as the user should read it.
fn classify(path: &Path, source: rusqlite::Error) -> OpenError {
    match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => OpenError::Corrupt {
            path: path.to_path_buf(),
            detail: source.to_string(),
        },
        _ => OpenError::Database {
            path: path.to_path_buf(),
            source,
        },
    }
}

fn account_by_name(conn: &Connection, folded: &str) -> rusqlite::Result<Option<AccountRecord>> {
    conn.prepare_cached("SELECT name, phc FROM accounts WHERE folded = ?1")?
        .query_row([folded], |r| {
            Ok(AccountRecord {
                name: r.get(0)?,
                phc: r.get(1)?,
            })
        })
        .optional()
}

impl ChatStore for SqliteStore {
    fn publish(&self, lines: Vec<RoomLine>) -> StoreFuture<()> {
        self.write(|reply| Write::Publish(lines, reply))
    }

    fn history(&self, room: &RoomName, n: usize) -> StoreFuture<Vec<StoredLine>> {
        let room = room.as_str().to_string();
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT id, time, text FROM
                     (SELECT id, time, text FROM lines WHERE room = ?1 ORDER BY id DESC LIMIT ?2)
                 ORDER BY id",
            )?;
            let rows = statement.query_map(params![room, n], |r| {
                Ok(StoredLine {
                    id: r.get::<_, i64>(0)?.max(0) as u64,
                    time: r.get(1)?,
                    text: r.get(2)?,
                })
            })?;
            rows.collect()
        })
    }

    fn account(&self, name: &str) -> StoreFuture<Option<AccountRecord>> {
        let folded = name.to_ascii_lowercase();
        self.read(move |conn| account_by_name(conn, &folded))
    }

    fn claim_nick(&self, nick: &Nick, _holder: MemberId) -> StoreFuture<NickClaim> {
        let folded = nick.folded();
        self.read(move |conn| {
            Ok(match account_by_name(conn, &folded)? {
                Some(record) => NickClaim::Registered(record.name),
                None => NickClaim::Free,
            })
        })
    }

    fn create_account(&self, name: &str, phc: String) -> StoreFuture<Created> {
        let name = name.to_string();
        self.write(|reply| Write::CreateAccount(name, phc, reply))
    }

    fn set_password(&self, name: &str, phc: String) -> StoreFuture<bool> {
        let name = name.to_string();
        self.write(|reply| Write::SetPassword(name, phc, reply))
    }

    fn delete_account(&self, name: &str) -> StoreFuture<bool> {
        let name = name.to_string();
        self.write(|reply| Write::DeleteAccount(name, reply))
    }

    fn send_mail(&self, to: &str, text: &str) -> StoreFuture<MailOutcome> {
        let (to, text) = (to.to_string(), text.to_string());
        self.write(|reply| Write::SendMail(to, text, reply))
    }

    fn login_summary(&self, account: &str) -> StoreFuture<LoginSummary> {
        let account = account.to_string();
        self.write(|reply| Write::LoginSummary(account, reply))
    }

    fn mark_seen(&self, account: &str, room: &RoomName) {
        let _ = self
            .writes
            .send(Write::MarkSeen(account.to_ascii_lowercase(), room.clone()));
    }

    fn throttle_wait(&self, keys: &[ThrottleKey]) -> StoreFuture<Duration> {
        let wait = self.throttles().wait(keys, Instant::now());
        super::ready(Ok(wait))
    }

    fn throttle_failure(&self, keys: &[ThrottleKey]) -> StoreFuture<()> {
        self.throttles().failure(keys, Instant::now());
        super::ready(Ok(()))
    }

    fn throttle_success(&self, keys: &[ThrottleKey]) {
        self.throttles().success(keys);
    }

    fn counts(&self) -> StoreCounts {
        StoreCounts {
            accounts: self.counts.accounts.load(Ordering::Relaxed),
            lines: self.counts.lines.load(Ordering::Relaxed),
        }
    }

    fn flush(&self) -> StoreFuture<()> {
        self.write(Write::Flush)
    }
}

/// What the writer hands to the event loop after a commit: the delivery
/// of its lines to the feed and the answers to its callers, run there in
/// commit order (see [`Writer::commit`]).
type Relayed = Box<dyn FnOnce() + Send>;

/// The writer thread's state.
struct Writer {
    conn: Connection,
    feed: Arc<dyn Feed>,
    /// To the relay task on the runtime.
    relay: tokio::sync::mpsc::UnboundedSender<Relayed>,
    retention: Retention,
    counts: Arc<Counts>,
    /// The last commit succeeded (the feed was told of each change).
    available: bool,
    /// Rooms with lines added since the last prune.
    touched: HashSet<String>,
    /// The time stamped on the last line: times never go backwards, so
    /// ids and times grow together.
    last_time: i64,
}

/// What a batch's operations produced, applied once the commit succeeded.
#[derive(Default)]
struct Outcome {
    committed: Vec<Committed>,
    replies: Vec<Box<dyn FnOnce() + Send>>,
    /// Answers of operations that failed, kept until the failure has been
    /// announced.
    held: Vec<Box<dyn std::any::Any + Send>>,
    accounts: i64,
}

impl Writer {
    fn run(mut self, queue: mpsc::Receiver<Write>) {
        let mut next_prune = Instant::now();
        loop {
            let wait = next_prune.saturating_duration_since(Instant::now());
            let first = match queue.recv_timeout(wait) {
                Ok(op) => op,
                Err(RecvTimeoutError::Timeout) => {
                    next_prune = self.prune();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match queue.try_recv() {
                    Ok(op) => batch.push(op),
                    Err(_) => break,
                }
            }
            // A test's switch is applied outside any transaction.
            batch.retain(|op| match op {
                Write::RefuseWrites(refuse) => {
                    let pragma = format!("PRAGMA query_only = {}", i32::from(*refuse));
                    if let Err(e) = self.conn.execute_batch(&pragma) {
                        warn!(error = %e, "cannot switch query_only");
                    }
                    false
                }
                _ => true,
            });
            if !batch.is_empty() {
                self.commit(batch);
            }
            // Under steady load the queue is never quiet: prune between
            // batches when it is time.
            if Instant::now() >= next_prune {
                next_prune = self.prune();
            }
        }
    }

    /// Runs `batch` in one transaction; on success delivers and answers,
    /// on failure answers nothing (every caller sees `Unavailable`).
    fn commit(&mut self, batch: Vec<Write>) {
        let mut outcome = Outcome::default();
        // Operations not reached when one fails stay here, unanswered,
        // until the members have been told.
        let mut ops = batch.into_iter();
        let result = (|| -> rusqlite::Result<()> {
            let tx = self.conn.transaction()?;
            for op in ops.by_ref() {
                Self::apply(&tx, op, &mut outcome, &self.retention, &mut self.last_time)?;
            }
            tx.commit()
        })();
        match result {
            Ok(()) => {
                let recovered = !self.available;
                if recovered {
                    self.available = true;
                    info!("the store is writable again");
                }
                let lines = outcome.committed.len() as u64;
                self.counts.lines.fetch_add(lines, Ordering::Relaxed);
                let accounts = &self.counts.accounts;
                if outcome.accounts >= 0 {
                    accounts.fetch_add(outcome.accounts as u64, Ordering::Relaxed);
                } else {
                    accounts.fetch_sub(outcome.accounts.unsigned_abs(), Ordering::Relaxed);
                }
                for line in &outcome.committed {
                    if !self.touched.contains(line.line.room.as_str()) {
                        self.touched.insert(line.line.room.as_str().to_string());
                    }
                }
                let feed = Arc::clone(&self.feed);
                self.relay(Box::new(move || {
                    if recovered {
                        feed.availability(true, Outage::History);
                    }
                    if !outcome.committed.is_empty() {
                        feed.deliver(&outcome.committed);
                    }
                    for reply in outcome.replies {
                        reply();
                    }
                }));
            }
            Err(e) => {
                error!(error = %e, "a store commit failed; its operations are refused");
                let lost = self.available;
                self.available = false;
                // The callers learn of it (their answers are dropped
                // unsent: `StoreError::Unavailable`) only after the feed,
                // so that a member sees the notice before the error it
                // explains.
                let unanswered: Vec<Write> = ops.collect();
                let feed = Arc::clone(&self.feed);
                self.relay(Box::new(move || {
                    if lost {
                        feed.availability(false, Outage::History);
                    }
                    drop(unanswered);
                    drop(outcome);
                }));
            }
        }
    }

    /// Hands `job` to the relay task. Delivering on the event loop rather
    /// than here is what keeps the store's fan-out as fast as the memory
    /// store's: a member's task woken from its own thread is queued there,
    /// while one woken from this thread goes through the runtime's shared
    /// queue and often a thread wake-up, per member and per line (measured
    /// in BENCHMARKS.md). If the runtime is gone (the server is stopping),
    /// the job is dropped, and its callers get `Unavailable`.
    fn relay(&self, job: Relayed) {
        let _ = self.relay.send(job);
    }

    /// One operation inside the batch's transaction. Its caller's answer
    /// is kept in `outcome` whatever happens, so that on failure the
    /// callers hear of it only after the members were told (see
    /// [`Writer::commit`]).
    fn apply(
        tx: &rusqlite::Transaction<'_>,
        op: Write,
        outcome: &mut Outcome,
        retention: &Retention,
        last_time: &mut i64,
    ) -> rusqlite::Result<()> {
        fn settle<T: Send + 'static>(
            outcome: &mut Outcome,
            to: Reply<T>,
            value: rusqlite::Result<T>,
        ) -> rusqlite::Result<()> {
            match value {
                Ok(value) => {
                    outcome.replies.push(Box::new(move || {
                        let _ = to.send(Ok(value));
                    }));
                    Ok(())
                }
                Err(e) => {
                    outcome.held.push(Box::new(to));
                    Err(e)
                }
            }
        }
        match op {
            Write::Publish(lines, to) => {
                let time = unix_now().max(*last_time);
                *last_time = time;
                let committed = &mut outcome.committed;
                let stored = (|| {
                    let mut insert = tx.prepare_cached(
                        "INSERT INTO lines (room, time, nick, account, text) VALUES (?1, ?2, ?3, ?4, ?5)",
                    )?;
                    for line in lines {
                        insert.execute(params![
                            line.room.as_str(),
                            time,
                            line.nick,
                            line.account,
                            &*line.text
                        ])?;
                        let id = tx.last_insert_rowid().max(0) as u64;
                        committed.push(Committed { id, time, line });
                    }
                    Ok(())
                })();
                settle(outcome, to, stored)
            }
            Write::CreateAccount(name, phc, to) => {
                let changed = tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO accounts (folded, name, phc, created) VALUES (?1, ?2, ?3, ?4)",
                    )
                    .and_then(|mut s| s.execute(params![name.to_ascii_lowercase(), name, phc, unix_now()]));
                if let Ok(changed) = changed {
                    outcome.accounts += changed as i64;
                }
                let created = changed.map(|changed| {
                    if changed == 1 {
                        Created::Created
                    } else {
                        Created::Exists
                    }
                });
                settle(outcome, to, created)
            }
            Write::SetPassword(name, phc, to) => {
                let changed = tx
                    .prepare_cached("UPDATE accounts SET phc = ?2 WHERE folded = ?1")
                    .and_then(|mut s| s.execute(params![name.to_ascii_lowercase(), phc]));
                settle(outcome, to, changed.map(|n| n == 1))
            }
            Write::DeleteAccount(name, to) => {
                let folded = name.to_ascii_lowercase();
                let deleted = (|| {
                    let changed = tx
                        .prepare_cached("DELETE FROM accounts WHERE folded = ?1")?
                        .execute([&folded])?;
                    tx.prepare_cached("DELETE FROM mail WHERE recipient = ?1")?
                        .execute([&folded])?;
                    tx.prepare_cached("DELETE FROM seen WHERE account = ?1")?
                        .execute([&folded])?;
                    Ok(changed)
                })();
                if let Ok(changed) = deleted {
                    outcome.accounts -= changed as i64;
                }
                settle(outcome, to, deleted.map(|n| n == 1))
            }
            Write::SendMail(to_account, text, to) => {
                let folded = to_account.to_ascii_lowercase();
                let kept = (|| {
                    if account_by_name(tx, &folded)?.is_none() {
                        return Ok(MailOutcome::NoSuchAccount);
                    }
                    let waiting: i64 = tx
                        .prepare_cached(
                            "SELECT count(*) FROM mail WHERE recipient = ?1 AND delivered IS NULL",
                        )?
                        .query_row([&folded], |r| r.get(0))?;
                    if waiting as usize >= retention.mailbox {
                        return Ok(MailOutcome::Full {
                            max: retention.mailbox,
                        });
                    }
                    tx.prepare_cached(
                        "INSERT INTO mail (recipient, time, text) VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![folded, unix_now(), text])?;
                    Ok(MailOutcome::Stored)
                })();
                settle(outcome, to, kept)
            }
            Write::LoginSummary(account, to) => {
                let folded = account.to_ascii_lowercase();
                let summary = (|| {
                    let mail = tx
                        .prepare_cached(
                            "SELECT time, text FROM mail WHERE recipient = ?1 AND delivered IS NULL ORDER BY id",
                        )?
                        .query_map([&folded], |r| {
                            Ok(Mail {
                                time: r.get(0)?,
                                text: r.get(1)?,
                            })
                        })?
                        .collect::<rusqlite::Result<Vec<_>>>()?;
                    tx.prepare_cached(
                        "UPDATE mail SET delivered = ?2 WHERE recipient = ?1 AND delivered IS NULL",
                    )?
                    .execute(params![folded, unix_now()])?;
                    // Delivered messages are a record, not a second
                    // mailbox: the newest mailbox's worth is kept (so an
                    // account's rows stay within twice the mailbox).
                    tx.prepare_cached(
                        "DELETE FROM mail WHERE recipient = ?1 AND delivered IS NOT NULL AND id <=
                             (SELECT id FROM mail WHERE recipient = ?1 AND delivered IS NOT NULL
                              ORDER BY id DESC LIMIT 1 OFFSET ?2)",
                    )?
                    .execute(params![
                        folded,
                        i64::try_from(retention.mailbox).unwrap_or(i64::MAX)
                    ])?;
                    let markers = tx
                        .prepare_cached(
                            "SELECT room, line FROM seen WHERE account = ?1 ORDER BY room",
                        )?
                        .query_map([&folded], |r| {
                            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                        })?
                        .collect::<rusqlite::Result<Vec<_>>>()?;
                    let mut unread = Vec::new();
                    let mut count = tx
                        .prepare_cached("SELECT count(*) FROM lines WHERE room = ?1 AND id > ?2")?;
                    for (room, last) in markers {
                        let new: i64 = count.query_row(params![room, last], |r| r.get(0))?;
                        if let (true, Some(room)) = (new > 0, RoomName::parse(&room)) {
                            unread.push((room, new as u64));
                        }
                    }
                    Ok(LoginSummary { mail, unread })
                })();
                settle(outcome, to, summary)
            }
            Write::MarkSeen(account, room) => {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO seen (account, room, line)
                     VALUES (?1, ?2, (SELECT coalesce(max(id), 0) FROM lines WHERE room = ?2))",
                )?
                .execute(params![account, room.as_str()])?;
                Ok(())
            }
            Write::Flush(to) => settle(outcome, to, Ok(())),
            Write::RefuseWrites(_) => Ok(()),
        }
    }

    /// Notes every room in the database as needing a prune (at start).
    fn touched_all_rooms(&mut self) {
        let rooms = self
            .conn
            .prepare("SELECT DISTINCT room FROM lines")
            .and_then(|mut s| s.query_map([], |r| r.get::<_, String>(0))?.collect());
        match rooms {
            Ok(rooms) => self.touched = rooms,
            Err(e) => warn!(error = %e, "cannot list the rooms to prune"),
        }
    }

    /// Deletes at most [`PRUNE_CHUNK`] rows in all: lines past the
    /// retention by age first, then lines of rooms over their line count,
    /// room after room, in autocommit statements between batches; returns
    /// when to prune next: at once if the chunk was used up (more may be
    /// left; rooms not reached stay noted), else after [`PRUNE_INTERVAL`].
    /// One bounded chunk per pass, because a room that took a minute of
    /// lines at full speed (2.6 million in a benchmark) deleted in one
    /// statement held the writer, and so every chat line's commit, for
    /// about 15 seconds; and a chunk per room was still 100,000 rows when
    /// 50 rooms were over their count at once (a 969 ms stall).
    /// Failures are logged and retried at the next prune.
    fn prune(&mut self) -> Instant {
        let oldest = unix_now().saturating_sub(i64::from(self.retention.days) * 86_400);
        let keep = i64::try_from(self.retention.lines_per_room).unwrap_or(i64::MAX);
        let mut budget = PRUNE_CHUNK;
        let mut deleted = 0u64;
        let result = (|| -> rusqlite::Result<()> {
            let n = self.conn.execute(
                "DELETE FROM lines WHERE id IN
                     (SELECT id FROM lines WHERE time < ?1 ORDER BY time LIMIT ?2)",
                params![oldest, budget],
            )?;
            deleted += n as u64;
            budget -= n as i64;
            // Rooms found within their count are let go after the loop
            // (not every noted room's name copied on every pass).
            let mut within = Vec::new();
            for room in &self.touched {
                if budget <= 0 {
                    break;
                }
                let n = self.conn.execute(
                    "DELETE FROM lines WHERE id IN
                         (SELECT id FROM lines WHERE room = ?1 AND id <=
                             (SELECT id FROM lines WHERE room = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)
                          ORDER BY id LIMIT ?3)",
                    params![room, keep, budget],
                )?;
                deleted += n as u64;
                budget -= n as i64;
                if budget > 0 {
                    // Fewer than asked: the room is within its count.
                    within.push(room.clone());
                }
            }
            for room in &within {
                self.touched.remove(room);
            }
            if budget > 0 {
                self.conn
                    .execute("DELETE FROM mail WHERE time < ?1", [oldest])?;
            }
            Ok(())
        })();
        let mut more = budget <= 0;
        self.counts.lines.fetch_sub(
            deleted.min(self.counts.lines.load(Ordering::Relaxed)),
            Ordering::Relaxed,
        );
        if let Err(e) = result {
            warn!(error = %e, "pruning the history failed; trying again later");
            more = false;
        }
        if more {
            Instant::now()
        } else {
            Instant::now() + PRUNE_INTERVAL
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory for a test's database, removed when dropped
    /// (when the test fails too).
    struct ScratchDir(PathBuf);

    impl ScratchDir {
        fn new(tag: &str) -> ScratchDir {
            let dir =
                std::env::temp_dir().join(format!("safecalc-unit-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            ScratchDir(dir)
        }
    }

    impl std::ops::Deref for ScratchDir {
        type Target = Path;
        fn deref(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for ScratchDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A feed that remembers what it was given.
    #[derive(Default)]
    struct Seen(Mutex<Vec<u64>>);

    impl Feed for Seen {
        fn deliver(&self, batch: &[Committed]) {
            self.0.lock().unwrap().extend(batch.iter().map(|c| c.id));
        }
        fn availability(&self, _available: bool, _what: Outage) {}
    }

    fn line(room: &RoomName, origin: MemberId, text: &str) -> RoomLine {
        RoomLine {
            room: room.clone(),
            origin,
            nick: "ann".into(),
            account: None,
            text: text.into(),
        }
    }

    /// A room far over its retention is pruned a chunk at a time, and
    /// the writer comes back for the next chunk at once (between batches),
    /// not a minute later.
    #[tokio::test]
    async fn a_room_far_over_its_retention_is_pruned_chunk_by_chunk_until_done() {
        let dir = ScratchDir::new("chunks");
        let roomy = Retention {
            lines_per_room: 100_000,
            days: 30,
            mailbox: 10,
        };
        let room = RoomName::lobby();
        let store = SqliteStore::open(&dir, roomy, Arc::new(Seen::default())).unwrap();
        let total = 2 * PRUNE_CHUNK as usize + 10;
        let lines: Vec<_> = (0..total)
            .map(|i| line(&room, 1, &format!("line {i}")))
            .collect();
        store.publish(lines).await.unwrap();
        assert_eq!(store.counts().lines, total as u64);
        drop(store);
        // Reopened with a retention of 3: three chunks to delete.
        let tight = Retention {
            lines_per_room: 3,
            ..roomy
        };
        let store = SqliteStore::open(&dir, tight, Arc::new(Seen::default())).unwrap();
        let mut flushes = 0;
        while store.counts().lines > 3 && flushes < 100 {
            store.flush().await.unwrap();
            flushes += 1;
        }
        assert_eq!(store.counts().lines, 3, "after {flushes} flushes");
        let kept: Vec<String> = store
            .history(&room, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.text)
            .collect();
        let last = |k: usize| format!("line {}", total - k);
        assert_eq!(kept, [last(3), last(2), last(1)]);
        drop(store);
    }

    #[tokio::test]
    async fn lines_are_delivered_in_commit_order_and_pruned_to_the_retention() {
        let dir = ScratchDir::new("order");
        let retention = Retention {
            lines_per_room: 3,
            days: 30,
            mailbox: 10,
        };
        let room = RoomName::lobby();
        let seen = Arc::new(Seen::default());
        let store = SqliteStore::open(&dir, retention, seen.clone()).unwrap();
        let published: Vec<_> = (0..10)
            .map(|i| store.publish(vec![line(&room, 1, &format!("line {i}"))]))
            .collect();
        for done in published {
            done.await.unwrap();
        }
        let delivered = seen.0.lock().unwrap().clone();
        assert_eq!(delivered, (1..=10).collect::<Vec<u64>>(), "commit order");
        // The writer's first prune is due at once: after the first batch
        // (all ten lines, or a part of them), then a minute later.
        let history = store.history(&room, 100).await.unwrap();
        assert!((3..=10).contains(&history.len()), "{history:?}");
        assert_eq!(history.last().unwrap().text, "line 9");
        drop(store);
        // Reopened: the prune at start keeps the last 3.
        let store = SqliteStore::open(&dir, retention, Arc::new(Seen::default())).unwrap();
        store.flush().await.unwrap();
        store.flush().await.unwrap();
        let kept: Vec<String> = store
            .history(&room, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.text)
            .collect();
        assert_eq!(kept, ["line 7", "line 8", "line 9"]);
        assert_eq!(store.counts().lines, 3);
        drop(store);
    }

    /// One pruning pass deletes at most PRUNE_CHUNK rows in all, however
    /// many rooms are over their count, and says to come back at once
    /// while it used up its chunk.
    #[test]
    fn one_pruning_pass_deletes_one_chunk_across_all_rooms() {
        let dir = ScratchDir::new("rooms");
        let mut conn = Connection::open(dir.join(DATABASE_FILE)).unwrap();
        schema::migrate(&mut conn, schema::MIGRATIONS).unwrap();
        let now = unix_now();
        let tx = conn.transaction().unwrap();
        for room in ["#a", "#b", "#c"] {
            for i in 0..1000 {
                tx.execute(
                    "INSERT INTO lines (room, time, nick, account, text) VALUES (?1, ?2, 'n', NULL, ?3)",
                    params![room, now, format!("line {i}")],
                )
                .unwrap();
            }
        }
        tx.commit().unwrap();
        let (relay, _relayed) = tokio::sync::mpsc::unbounded_channel();
        let counts = Arc::new(Counts::default());
        counts.lines.store(3000, Ordering::Relaxed);
        let mut writer = Writer {
            conn,
            feed: Arc::new(Seen::default()),
            relay,
            retention: Retention {
                lines_per_room: 10,
                days: 30,
                mailbox: 10,
            },
            counts: Arc::clone(&counts),
            available: true,
            touched: HashSet::new(),
            last_time: 0,
        };
        writer.touched_all_rooms();
        let lines = |w: &Writer| -> i64 {
            w.conn
                .query_row("SELECT count(*) FROM lines", [], |r| r.get(0))
                .unwrap()
        };
        let next = writer.prune();
        assert_eq!(lines(&writer), 3000 - PRUNE_CHUNK, "one chunk in all");
        assert!(next <= Instant::now(), "more is left: again at once");
        let next = writer.prune();
        assert_eq!(lines(&writer), 30, "each room down to its 10");
        assert_eq!(counts.lines.load(Ordering::Relaxed), 30);
        assert!(
            next > Instant::now() + PRUNE_INTERVAL / 2,
            "done: a minute later"
        );
        drop(writer);
    }

    /// Counts `account`'s rows in `mail`: (waiting, delivered).
    fn mail_rows(dir: &Path, account: &str) -> (i64, i64) {
        let conn = Connection::open(dir.join(DATABASE_FILE)).unwrap();
        conn.query_row(
            "SELECT count(*) FILTER (WHERE delivered IS NULL), count(*) FILTER (WHERE delivered IS NOT NULL)
             FROM mail WHERE recipient = ?1",
            [account],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    }

    /// Mail shown at login is marked delivered, not deleted: it is never
    /// shown again, it no longer counts against the mailbox, and at most
    /// a mailbox's worth of it is kept. A database of the first schema
    /// (mail without the mark) is migrated, its waiting mail still waits.
    #[tokio::test]
    async fn delivered_mail_is_marked_and_a_first_schema_database_keeps_its_waiting_mail() {
        let dir = ScratchDir::new("mail");
        {
            // A database as the first schema left it, with one waiting message.
            let mut conn = Connection::open(dir.join(DATABASE_FILE)).unwrap();
            schema::migrate(&mut conn, &schema::MIGRATIONS[..1]).unwrap();
            conn.execute_batch(&format!(
                "INSERT INTO accounts VALUES ('ann', 'Ann', 'phc', 0);
                 INSERT INTO mail (recipient, time, text) VALUES ('ann', {}, 'from before');",
                unix_now() - 60
            ))
            .unwrap();
        }
        let retention = Retention {
            lines_per_room: 100,
            days: 30,
            mailbox: 3,
        };
        let store = SqliteStore::open(&dir, retention, Arc::new(Seen::default())).unwrap();
        let texts = |summary: LoginSummary| -> Vec<String> {
            summary.mail.into_iter().map(|m| m.text).collect()
        };
        assert_eq!(
            texts(store.login_summary("Ann").await.unwrap()),
            ["from before"]
        );
        assert_eq!(mail_rows(&dir, "ann"), (0, 1), "marked, not deleted");
        assert!(
            texts(store.login_summary("ann").await.unwrap()).is_empty(),
            "shown once"
        );

        // A full mailbox counts only what waits.
        for round in 0..2 {
            for i in 0..3 {
                let sent = store
                    .send_mail("ann", &format!("r{round} m{i}"))
                    .await
                    .unwrap();
                assert_eq!(sent, MailOutcome::Stored);
            }
            let full = store.send_mail("ann", "one too many").await.unwrap();
            assert_eq!(full, MailOutcome::Full { max: 3 });
            let shown = texts(store.login_summary("ann").await.unwrap());
            assert_eq!(
                shown,
                (0..3).map(|i| format!("r{round} m{i}")).collect::<Vec<_>>()
            );
        }
        assert_eq!(
            mail_rows(&dir, "ann"),
            (0, 3),
            "the newest mailbox's worth is kept"
        );
        assert!(store.delete_account("ann").await.unwrap());
        assert_eq!(
            mail_rows(&dir, "ann"),
            (0, 0),
            "unregistering deletes it all"
        );
        drop(store);
    }
}
