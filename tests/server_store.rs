//! The store over TCP: the `safecalc` binary spawned on a temporary data
//! directory (history and accounts survive a restart; after `kill -9` right
//! after a burst, every line a member received is in `/history`; a damaged,
//! foreign or newer database, or a data directory that cannot be one, is a
//! clear error with exit code 2), and an in-process server whose SQLite
//! store is made to fail while running (`history unavailable`, calc and echo
//! unaffected, recovery).
//!
//! Failing writes at run time are made by switching the store's writer
//! connection to `PRAGMA query_only` (`SqliteStore::refuse_writes`): every
//! commit then fails inside SQLite, as on a filesystem gone read-only,
//! and goes through the same failure path as a full disk. The tests run as
//! root in CI, where `chmod` stops nothing; mounting a small filesystem
//! needs privileges a test does not have; removing the database file or
//! its directory does not make writes fail (the open file lives on); and
//! SQLite's page cap (`max_page_count`) still lets short lines into the
//! free space of existing pages, which made the failure depend on line
//! lengths.

mod server_support;
#[path = "support/spawned.rs"]
mod spawned;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use safecalc::server::accounts::HashCost;
use safecalc::server::chat::ChatHub;
use safecalc::server::store::ChatStore;
use safecalc::server::store::sqlite::SqliteStore;
use safecalc::server::{Config, Server};
use server_support::{Client, PATIENCE};
use tokio_util::sync::CancellationToken;

/// A fresh, empty directory under the system's temporary one, removed
/// when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("safecalc-test-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn safecalc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_safecalc"))
}

/// Starts the binary on `dir` and returns it with its address.
fn start(dir: &Path) -> (Child, String) {
    spawned::listening(
        safecalc()
            .args(["--listen", "127.0.0.1:0", "--chat-rate", "0", "--data-dir"])
            .arg(dir),
    )
}

/// A blocking line client.
struct Line(BufReader<TcpStream>);

impl Line {
    fn connect(addr: &str) -> Line {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
        let mut client = Line(BufReader::new(stream));
        assert!(client.line().starts_with("safecalc "));
        client
    }

    fn send(&mut self, text: &str) {
        self.0
            .get_mut()
            .write_all(format!("{text}\n").as_bytes())
            .expect("send");
    }

    /// The next line, or `None` at the end of the stream.
    fn next(&mut self) -> Option<String> {
        let mut text = String::new();
        match self.0.read_line(&mut text) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(text.trim_end_matches(['\r', '\n']).to_string()),
        }
    }

    fn line(&mut self) -> String {
        self.next().expect("a line")
    }

    fn ask(&mut self, text: &str) -> String {
        self.send(text);
        self.line()
    }

    /// `/history N`: the lines without their times.
    fn history(&mut self, n: usize) -> Vec<String> {
        let header = self.ask(&format!("/history {n}"));
        let count = match header.strip_prefix("-- the last ") {
            Some(rest) => rest
                .split_whitespace()
                .next()
                .and_then(|k| k.parse().ok())
                .unwrap_or(1),
            None if header.starts_with("-- no messages") => 0,
            None => panic!("unexpected /history header {header:?}"),
        };
        (0..count)
            .map(|_| {
                let line = self.line();
                line.split_once("] ")
                    .map_or(line.clone(), |(_, rest)| rest.to_string())
            })
            .collect()
    }
}

fn enter(client: &mut Line, room: &str) {
    client.send(&format!("/chat {room}"));
    assert!(client.line().starts_with("chat mode"));
    assert!(client.line().starts_with("-- you joined"));
}

fn stop(mut child: Child, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let deadline = Instant::now() + PATIENCE;
    while child.try_wait().expect("try_wait").is_none() {
        assert!(Instant::now() < deadline, "safecalc did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn history_and_accounts_survive_a_restart() {
    let dir = TempDir::new("restart");
    let (child, addr) = start(dir.path());
    let mut ann = Line::connect(&addr);
    assert_eq!(ann.ask("/register ann annspass1"), "-- logged in as ann");
    enter(&mut ann, "#keep");
    ann.send("before the restart");
    ann.send("/me waves");
    assert_eq!(ann.history(10), ["<ann> before the restart", "* ann waves"]);
    assert_eq!(ann.ask("/quit"), "bye");
    stop(child, "TERM");

    let (child, addr) = start(dir.path());
    let mut guest = Line::connect(&addr);
    assert_eq!(
        guest.ask("/nick ann"),
        "error: nickname ann is registered; /login ann to use it"
    );
    let mut ann = Line::connect(&addr);
    assert_eq!(ann.ask("/login ann annspass1"), "-- logged in as ann");
    enter(&mut ann, "#keep");
    assert_eq!(ann.history(10), ["<ann> before the restart", "* ann waves"]);
    let stats = guest.ask("/stats");
    assert!(stats.contains("1 accounts, 2 stored lines"), "{stats}");
    stop(child, "TERM");
}

#[test]
fn after_kill_9_every_line_a_member_received_is_in_the_history() {
    let dir = TempDir::new("kill9");
    let (child, addr) = start(dir.path());
    let mut reader = Line::connect(&addr);
    enter(&mut reader, "#burst");
    let mut sender = Line::connect(&addr);
    enter(&mut sender, "#burst");
    assert_eq!(reader.line(), "-- guest-2 joined #burst");
    const BURST: usize = 150;
    let burst: String = (0..BURST).map(|i| format!("burst {i}\n")).collect();
    sender
        .0
        .get_mut()
        .write_all(burst.as_bytes())
        .expect("send");
    // Kill the server as soon as the reader has seen a few lines, while
    // the rest of the burst is still on its way.
    let mut received = Vec::new();
    while received.len() < 20 {
        received.push(reader.line());
    }
    let mut child = child;
    child.kill().expect("kill -9");
    child.wait().expect("wait");
    // Whatever was on its way to the reader before the kill.
    while let Some(line) = reader.next() {
        received.push(line);
    }
    let (child, addr) = start(dir.path());
    let mut check = Line::connect(&addr);
    enter(&mut check, "#burst");
    let history = check.history(200);
    assert!(
        history.len() >= received.len(),
        "{} < {}",
        history.len(),
        received.len()
    );
    // The lines received are the first ones stored, in the same order.
    assert_eq!(history[..received.len()], received[..]);
    for (i, line) in history.iter().enumerate() {
        assert_eq!(line, &format!("<guest-2> burst {i}"));
    }
    stop(child, "TERM");
}

/// Runs the binary on `dir` and returns its exit code and stderr.
fn fails_to_start(dir: &Path) -> (Option<i32>, String) {
    let output = safecalc()
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run safecalc");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_damaged_database_is_a_clear_error_with_exit_code_2() {
    let dir = TempDir::new("corrupt");
    std::fs::write(dir.path().join("safecalc.db"), vec![0x5a; 8192]).expect("write");
    let (code, stderr) = fails_to_start(dir.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("is damaged"), "{stderr}");
    assert!(stderr.contains("restore it from a backup"), "{stderr}");
}

#[test]
fn a_data_directory_that_cannot_be_one_is_a_clear_error_with_exit_code_2() {
    let dir = TempDir::new("notadir");
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").expect("write");
    let (code, stderr) = fails_to_start(&file);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("cannot use the data directory"), "{stderr}");
}

#[test]
fn a_newer_or_foreign_database_is_refused() {
    let dir = TempDir::new("newer");
    let path = dir.path().join("safecalc.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch("PRAGMA application_id = 1396919363; PRAGMA user_version = 99;")
            .expect("pragma");
    }
    let (code, stderr) = fails_to_start(dir.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("schema version 99, newer"), "{stderr}");

    std::fs::remove_file(&path).expect("remove");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch("CREATE TABLE theirs (x);")
            .expect("create");
    }
    let (code, stderr) = fails_to_start(dir.path());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not a safecalc database"), "{stderr}");
}

#[tokio::test]
async fn a_failing_store_gives_history_unavailable_once_and_recovers() {
    let dir = TempDir::new("full");
    let mut config = Config::default();
    config.chat.rate = 0;
    config.accounts.hash_cost = HashCost::Minimal;
    let mut store = None;
    let hub = ChatHub::with_store(config.chat.clone(), |feed| {
        let opened = Arc::new(
            SqliteStore::open(dir.path(), config.chat.retention(), feed).expect("open the store"),
        );
        store = Some(Arc::clone(&opened));
        opened as Arc<dyn ChatStore>
    });
    let store = store.expect("the store");
    let server = Server::bind_with_hub("127.0.0.1:0", config, hub)
        .await
        .expect("bind");
    let addr = server.local_addr().expect("address");
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(server.run(shutdown.clone()));

    let mut alice = Client::connect(addr).await;
    let mut bob = Client::connect(addr).await;
    for client in [&mut alice, &mut bob] {
        client.send("/chat #full").await;
        client.line().await;
        client.line().await;
    }
    assert_eq!(alice.line().await, "-- guest-2 joined #full");
    bob.send("stored").await;
    assert_eq!(alice.line().await, "<guest-2> stored");

    let mut carol = Client::connect(addr).await;
    store.refuse_writes(true);
    // A chat line gets no reply of its own: its refusal comes at the
    // latest before the reply to the sender's next line, and the notice
    // to members arrives around it.
    bob.send("refused").await;
    bob.send("/echo sync").await;
    let notice = "-- chat history is unavailable: new lines cannot be stored, so they are refused until it recovers";
    let mut got = Vec::new();
    while !(got.iter().any(|l| l == "sync") && got.iter().any(|l| l == notice)) {
        got.push(bob.line().await);
    }
    let sync = got.iter().position(|l| l == "sync");
    let error = got.iter().position(|l| l == "error: history unavailable");
    assert!(error.is_some() && error < sync, "{got:?}");
    assert_eq!(got.len(), 3, "{got:?}");
    // Alice is told once, whatever else she got before.
    let mut seen = Vec::new();
    alice.send("/echo sync").await;
    loop {
        let line = alice.line().await;
        if line == "sync" {
            break;
        }
        seen.push(line);
    }
    assert_eq!(seen, [notice], "bob got {got:?}");
    // Calc and echo are unaffected, and so are chat commands that need no
    // write; those that do are refused.
    assert_eq!(carol.ask("6*7").await, "42");
    assert_eq!(carol.ask("/echo still here").await, "still here");
    assert_eq!(bob.ask("/who").await, "-- #full (2): guest-1 guest-2");
    assert_eq!(
        bob.ask("/me is refused").await,
        "error: history unavailable"
    );
    assert_eq!(bob.ask("/calc 6*7").await, "error: history unavailable");
    assert_eq!(bob.ask("/history 5").await, "-- the last message in #full:");
    assert!(bob.line().await.ends_with("] <guest-2> stored"));

    // Room to grow again: the next line is stored and delivered, and
    // everyone hears that history is back.
    store.refuse_writes(false);
    bob.send("back").await;
    let mut lines = Vec::new();
    while lines.len() < 2 {
        lines.push(alice.line().await);
    }
    assert!(
        lines.contains(&"-- chat history is available again".to_string()),
        "{lines:?}"
    );
    assert!(lines.contains(&"<guest-2> back".to_string()), "{lines:?}");
    shutdown.cancel();
    tokio::time::timeout(PATIENCE, task)
        .await
        .expect("stops")
        .expect("no panic");
}
