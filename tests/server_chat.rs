//! Chat mode over real TCP: every command and its errors, delivery to
//! exactly the right members, nick races, sanitisation, flood limits, a
//! member that stops reading, and join/leave storms.
//!
//! "Nothing else arrived" is checked without timing: [`Chatter::sync`]
//! sends `/echo` with a fresh token and collects every line up to its
//! echo. A line relayed to a member is queued (under the hub's lock) while
//! the *sender's* line is handled, and a handler writes every line queued
//! before it read its client's next line ahead of that line's reply, so
//! once the sender has seen its own sync echo, anything meant for the
//! receiver comes before the receiver's sync echo.

mod server_support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use safecalc::server::{ChatConfig, Config};
use server_support::{Client, PATIENCE, TestServer, calc_reply};
use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;

static SYNC: AtomicU64 = AtomicU64::new(0);

/// A client with chat helpers.
struct Chatter {
    client: Client,
}

impl Chatter {
    /// Connects, takes `nick`, and enters `room` (if any); drains nothing
    /// else.
    async fn join(server: &TestServer, nick: &str, room: Option<&str>) -> Chatter {
        let mut client = server.client().await;
        assert_eq!(
            client.ask(&format!("/nick {nick}")).await,
            format!("-- you are now {nick}")
        );
        let mut chatter = Chatter { client };
        if let Some(room) = room {
            chatter.enter(room).await;
        }
        chatter
    }

    /// `/chat room`, checking the two reply lines.
    async fn enter(&mut self, room: &str) {
        self.client.send(&format!("/chat {room}")).await;
        assert!(self.line().await.starts_with("chat mode: "));
        let joined = self.line().await;
        assert!(joined.starts_with("-- you joined #"), "{joined}");
    }

    async fn send(&mut self, text: &str) {
        self.client.send(text).await;
    }

    async fn line(&mut self) -> String {
        self.client.line().await
    }

    async fn ask(&mut self, text: &str) -> String {
        self.client.ask(text).await
    }

    /// Every line received before a fresh `/echo` token comes back.
    async fn sync(&mut self) -> Vec<String> {
        let token = format!("sync-{}", SYNC.fetch_add(1, Ordering::Relaxed));
        self.send(&format!("/echo {token}")).await;
        let mut lines = Vec::new();
        loop {
            let line = self.line().await;
            if line == token {
                return lines;
            }
            lines.push(line);
        }
    }

    /// Reads and drops everything that arrived before now.
    async fn drain(client: &mut Client) {
        let token = format!("sync-{}", SYNC.fetch_add(1, Ordering::Relaxed));
        client.send(&format!("/echo {token}")).await;
        while client.line().await != token {}
    }

    /// Asserts nothing arrived since the last sync.
    async fn quiet(&mut self) {
        assert_eq!(self.sync().await, Vec::<String>::new());
    }
}

fn unlimited() -> Config {
    Config {
        chat: ChatConfig {
            rate: 0,
            ..ChatConfig::default()
        },
        ..Config::default()
    }
}

async fn start() -> TestServer {
    TestServer::with_config(unlimited()).await
}

#[tokio::test]
async fn a_room_message_reaches_every_other_member_and_no_one_else() {
    let server = start().await;
    let mut alice = Chatter::join(&server, "alice", Some("#lobby")).await;
    let mut bob = Chatter::join(&server, "bob", Some("lobby")).await;
    let mut carol = Chatter::join(&server, "carol", Some("#other")).await;
    let mut dave = Chatter::join(&server, "dave", None).await;
    assert_eq!(alice.sync().await, ["-- bob joined #lobby"]);
    alice.send("hello, world").await;
    alice.quiet().await; // also: alice's line has been relayed
    assert_eq!(bob.sync().await, ["<alice> hello, world"]);
    carol.quiet().await;
    dave.quiet().await;
    assert_eq!(dave.ask("6*7").await, "42", "calc mode is untouched");
    server.stop().await;
}

#[tokio::test]
async fn chat_and_join_replies_and_room_names() {
    let server = start().await;
    let mut alice = Chatter::join(&server, "alice", None).await;
    alice.send("/chat").await;
    assert_eq!(
        alice.line().await,
        "chat mode: each line goes to the room; /help for commands, /calc to leave"
    );
    assert_eq!(
        alice.line().await,
        "-- you joined #lobby as alice; here (1): alice"
    );
    assert_eq!(
        alice.ask("/chat").await,
        "-- you are in #lobby as alice; here (1): alice"
    );
    assert_eq!(
        alice.ask("/join #Rust").await,
        "-- you joined #rust as alice; here (1): alice"
    );
    assert_eq!(
        alice.ask("/join rust").await,
        "-- you are in #rust as alice; here (1): alice"
    );
    let bad = "error: room names are # and 1 to 32 letters, digits, _ or -";
    for room in ["#", "a b", "#\x1b[2J", &"r".repeat(33), "##x"] {
        assert_eq!(alice.ask(&format!("/join {room}")).await, bad, "{room:?}");
    }
    assert_eq!(alice.ask("/join").await, "error: usage: /join ROOM");
    // /join outside chat mode enters chat.
    assert_eq!(
        alice.ask("/calc").await,
        "calc mode: each line is evaluated"
    );
    alice.send("/join #x").await;
    assert!(alice.line().await.starts_with("chat mode: "));
    assert_eq!(
        alice.line().await,
        "-- you joined #x as alice; here (1): alice"
    );
    server.stop().await;
}

#[tokio::test]
async fn joins_departures_and_nick_changes_are_announced() {
    let server = start().await;
    let mut alice = Chatter::join(&server, "alice", Some("#lobby")).await;
    let mut bob = Chatter::join(&server, "bob", Some("#lobby")).await;
    assert_eq!(alice.sync().await, ["-- bob joined #lobby"]);
    assert_eq!(bob.ask("/nick Robert").await, "-- you are now Robert");
    assert_eq!(alice.sync().await, ["-- bob is now known as Robert"]);
    bob.send("/join #rust").await;
    bob.sync().await;
    assert_eq!(alice.sync().await, ["-- Robert left #lobby"]);
    assert_eq!(
        bob.ask("/join #lobby").await,
        "-- you joined #lobby as Robert; here (2): alice Robert"
    );
    assert_eq!(bob.ask("/calc").await, "calc mode: each line is evaluated");
    bob.enter("#lobby").await;
    bob.send("/echo").await;
    bob.line().await;
    assert_eq!(
        alice.sync().await,
        [
            "-- Robert joined #lobby",
            "-- Robert left #lobby",
            "-- Robert joined #lobby",
            "-- Robert left #lobby",
        ]
    );
    // Quitting, and just dropping the connection.
    bob.enter("#lobby").await;
    bob.send("quit").await;
    bob.client.expect_bye().await;
    let mut carol = Chatter::join(&server, "carol", Some("#lobby")).await;
    drop(carol.client);
    server.wait_for_open_connections(1).await;
    assert_eq!(
        alice.sync().await,
        [
            "-- Robert joined #lobby",
            "-- Robert left #lobby (quit)",
            "-- carol joined #lobby",
            "-- carol left #lobby (connection closed)",
        ]
    );
    carol = Chatter::join(&server, "carol", None).await;
    carol.quiet().await;
    server.stop().await;
}

#[tokio::test]
async fn me_msg_and_all() {
    let server = start().await;
    let mut alice = Chatter::join(&server, "alice", Some("#a")).await;
    let mut bob = Chatter::join(&server, "bob", Some("#a")).await;
    let mut carol = Chatter::join(&server, "carol", Some("#c")).await;
    let mut dave = Chatter::join(&server, "dave", None).await;
    alice.sync().await;

    alice.send("/me waves").await;
    alice.quiet().await;
    assert_eq!(bob.sync().await, ["* alice waves"]);
    carol.quiet().await;

    alice.send("/msg CAROL  psst").await;
    alice.quiet().await;
    assert_eq!(carol.sync().await, ["[msg] <alice> psst"]);
    bob.quiet().await;

    alice.send("/all hear ye").await;
    alice.quiet().await;
    assert_eq!(bob.sync().await, ["[all] <alice> hear ye"]);
    assert_eq!(carol.sync().await, ["[all] <alice> hear ye"]);
    dave.quiet().await;

    assert_eq!(
        alice.ask("/msg zed hi").await,
        "error: no one called zed is chatting"
    );
    assert_eq!(
        alice.ask("/msg dave hi").await,
        "error: no one called dave is chatting"
    );
    assert_eq!(
        alice.ask("/msg \x1b[2J hi").await,
        "error: no one called ?[2J is chatting"
    );
    assert_eq!(alice.ask("/msg bob").await, "error: usage: /msg NICK TEXT");
    assert_eq!(alice.ask("/me").await, "error: usage: /me TEXT");
    assert_eq!(alice.ask("/all").await, "error: usage: /all TEXT");
    for command in ["/me x", "/msg alice x", "/all x", "/who", "/history"] {
        assert_eq!(
            dave.ask(command).await,
            "error: not in chat mode (try /chat)",
            "{command}"
        );
    }
    bob.quiet().await;
    carol.quiet().await;
    server.stop().await;
}

/// A `/history` line without its `[HH:MM] ` time.
fn untimed(line: String) -> String {
    match line.split_once("] ") {
        Some((time, rest)) if time.starts_with('[') => rest.to_string(),
        _ => line,
    }
}

#[tokio::test]
async fn who_rooms_and_history() {
    let server = start().await;
    let mut dave = Chatter::join(&server, "dave", None).await;
    assert_eq!(dave.ask("/rooms").await, "-- no rooms yet (try /chat)");
    let mut bob = Chatter::join(&server, "bob", Some("#lobby")).await;
    let mut alice = Chatter::join(&server, "Alice", Some("#lobby")).await;
    let _carol = Chatter::join(&server, "carol", Some("#zoo")).await;
    bob.sync().await;
    assert_eq!(bob.ask("/who").await, "-- #lobby (2): Alice bob");
    assert_eq!(bob.ask("/who me").await, "error: /who takes no arguments");
    assert_eq!(
        dave.ask("/rooms").await,
        "-- rooms (2): #lobby (2) #zoo (1)"
    );
    assert_eq!(alice.ask("/history").await, "-- no messages in #lobby yet");
    for i in 0..30 {
        alice.send(&format!("m{i}")).await;
    }
    alice.send("/me is done").await;
    alice.quiet().await;
    bob.sync().await;
    let history = bob.ask("/history").await;
    assert_eq!(history, "-- the last 20 messages in #lobby:");
    let mut lines = Vec::new();
    for _ in 0..20 {
        lines.push(untimed(bob.line().await));
    }
    assert_eq!(lines[0], "<Alice> m11");
    assert_eq!(lines[19], "* Alice is done");
    assert_eq!(
        bob.ask("/history 1").await,
        "-- the last message in #lobby:"
    );
    assert_eq!(untimed(bob.line().await), "* Alice is done");
    bob.send("/history 100").await;
    assert_eq!(bob.line().await, "-- the last 31 messages in #lobby:");
    for _ in 0..31 {
        bob.line().await;
    }
    for bad in ["0", "201", "x", "-1"] {
        assert_eq!(
            bob.ask(&format!("/history {bad}")).await,
            "error: usage: /history [N], N from 1 to 200"
        );
    }
    // An emptied room is gone, history and all.
    drop(alice);
    drop(bob);
    server.wait_for_open_connections(2).await;
    assert_eq!(dave.ask("/rooms").await, "-- rooms (1): #zoo (1)");
    server.stop().await;
}

#[tokio::test]
async fn calc_inside_chat_is_shared_and_uses_the_senders_session() {
    let server = start().await;
    let mut alice = Chatter::join(&server, "alice", None).await;
    assert_eq!(alice.ask("x = 21").await, "21");
    alice.enter("#math").await;
    let mut bob = Chatter::join(&server, "bob", Some("#math")).await;
    alice.sync().await;
    assert_eq!(alice.ask("/calc x * 2").await, "<alice> x * 2 = 42");
    assert_eq!(alice.ask("/calc 1/0").await, calc_reply("1/0"));
    // An assignment is shared as what it binds.
    assert_eq!(alice.ask("/calc y = x + 1").await, "<alice> y = 22");
    alice.sync().await;
    assert_eq!(
        bob.sync().await,
        ["<alice> x * 2 = 42", "<alice> y = 22"],
        "errors are not shared"
    );
    assert_eq!(bob.ask("/calc x").await, calc_reply("x"), "bob has no x");
    // Plain lines in chat mode are messages, not expressions.
    bob.send("2+2").await;
    bob.quiet().await;
    assert_eq!(alice.sync().await, ["<bob> 2+2"]);
    // /calc and /echo without arguments leave chat.
    assert_eq!(
        alice.ask("/calc").await,
        "calc mode: each line is evaluated"
    );
    assert_eq!(alice.ask("2+2").await, "4");
    assert_eq!(bob.sync().await, ["-- alice left #math"]);
    assert_eq!(
        bob.ask("/echo").await,
        "echo mode: each line is sent back; /calc to return"
    );
    assert_eq!(server.chat.counts().chatting, 0);
    server.stop().await;
}

#[tokio::test]
async fn nick_rules() {
    let server = start().await;
    let mut a = server.client().await;
    let own = a.ask("/nick").await;
    assert!(own.starts_with("-- you are guest-"), "{own}");
    assert_eq!(a.ask("/nick Zed_9-x").await, "-- you are now Zed_9-x");
    assert_eq!(a.ask("/nick").await, "-- you are Zed_9-x");
    let mut b = server.client().await;
    assert_eq!(
        b.ask("/nick zed_9-X").await,
        "error: nickname zed_9-X is taken"
    );
    let bad = "error: nicknames are 1 to 24 letters, digits, _ or -";
    for nick in [
        "a b",
        "<bob>",
        "bob!",
        "\x1b[31mx",
        "é",
        &"n".repeat(25),
        "a\u{202e}b",
    ] {
        assert_eq!(b.ask(&format!("/nick {nick}")).await, bad, "{nick:?}");
    }
    assert_eq!(a.ask("/nick zed_9-x").await, "-- you are now zed_9-x");
    drop(a);
    server.wait_for_open_connections(1).await;
    assert_eq!(
        b.ask("/nick ZED_9-x").await,
        "-- you are now ZED_9-x",
        "freed"
    );
    server.stop().await;
}

#[tokio::test]
async fn fifty_clients_race_for_one_nick_and_exactly_one_wins() {
    let server = start().await;
    let mut clients = Vec::new();
    for _ in 0..50 {
        clients.push(server.client().await);
    }
    // Everyone sends before anyone reads.
    for c in &mut clients {
        c.send("/nick winner").await;
    }
    let mut wins = 0;
    for c in &mut clients {
        match c.line().await.as_str() {
            "-- you are now winner" => wins += 1,
            "error: nickname winner is taken" => {}
            other => panic!("{other}"),
        }
    }
    assert_eq!(wins, 1);
    server.stop().await;
}

#[tokio::test]
async fn relayed_text_cannot_reach_a_terminal_as_control() {
    let server = start().await;
    let mut alice = Chatter::join(&server, "alice", Some("#lobby")).await;
    let mut bob = Chatter::join(&server, "bob", Some("#lobby")).await;
    alice.sync().await;
    let evil = "a\x1b[2Jb\x1b]0;pwned\x07c\u{9b}1m\u{202e}d\te\x7f\u{2028}";
    alice.send(evil).await;
    alice.send(&format!("/me {evil}")).await;
    alice.send(&format!("/msg bob {evil}")).await;
    alice.send(&format!("/all {evil}")).await;
    alice.quiet().await;
    let got = bob.sync().await;
    // (The trailing U+2028 is whitespace, trimmed like the rest.)
    let clean = "a?[2Jb?]0;pwned?c?1m?d e?";
    assert_eq!(
        got,
        [
            format!("<alice> {clean}"),
            format!("* alice {clean}"),
            format!("[msg] <alice> {clean}"),
            format!("[all] <alice> {clean}"),
        ]
    );
    for line in &got {
        assert!(line.chars().all(|c| !c.is_control()), "{line:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn messages_are_capped_in_length() {
    let server = start().await;
    let mut alice = Chatter::join(&server, "alice", Some("#lobby")).await;
    let mut bob = Chatter::join(&server, "bob", Some("#lobby")).await;
    alice.sync().await;
    let longest = "x".repeat(2000);
    alice.send(&longest).await;
    assert_eq!(
        alice.ask(&"y".repeat(2001)).await,
        "error: message too long (max 2000 bytes)"
    );
    assert_eq!(bob.sync().await, [format!("<alice> {longest}")]);
    server.stop().await;
}

#[tokio::test]
async fn flooding_gets_slow_down_and_the_rest_is_delivered() {
    let config = Config {
        chat: ChatConfig {
            rate: 1,
            ..ChatConfig::default()
        },
        ..Config::default()
    };
    let server = TestServer::with_config(config).await;
    // Each join and nick change takes a token too; these two fit the burst.
    let mut alice = Chatter::join(&server, "alice", Some("#lobby")).await;
    let mut bob = Chatter::join(&server, "bob", Some("#lobby")).await;
    alice.sync().await;
    for i in 0..20 {
        alice.send(&format!("m{i}")).await;
    }
    let slow = alice.sync().await;
    assert!(!slow.is_empty(), "20 lines at once exceed a burst of 5");
    assert!(slow.iter().all(|l| l == "error: slow down"), "{slow:?}");
    let got = bob.sync().await;
    assert_eq!(
        got.len() + slow.len(),
        20,
        "each line is delivered or refused"
    );
    // The delivered ones are in order.
    let numbers: Vec<u32> = got
        .iter()
        .map(|l| {
            l.strip_prefix("<alice> m")
                .expect("message")
                .parse()
                .expect("n")
        })
        .collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
    server.stop().await;
}

/// Four members exchange at least 100,000 lines (`--chat-rate 0`) while a
/// fifth never reads: the four get every line, in order per sender; the
/// fifth is disconnected, the room is told so, and the fifth's last line
/// says why.
///
/// The senders pipeline in batches but never run more than [`WINDOW`] lines
/// ahead of each reader (counted by a semaphore per sender and reader).
/// That keeps the *readers* from being dropped on a loaded machine; without
/// it, members who read slower than four unthrottled senders write would
/// overflow too, which is what the flood limit exists to prevent.
///
/// Nothing depends on timing or on how much the kernel buffers. The
/// senders go on until every reader has seen the drop notice (and at least
/// 25,000 lines each), and only then send their last line, `end`: so each
/// reader sees the notice before the end, however late the drop comes.
/// The server's sockets (inheriting its listener's) and the stalled
/// client's have small buffers, so what the stalled client can have
/// received is bounded by its queue plus those buffers, far below what was
/// sent. Its goodbye is given all the time a test step has, and it starts
/// reading once the drop has been seen, so its last line arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_who_never_reads_is_dropped_and_slows_no_one() {
    const SENDERS: usize = 4;
    const MIN_PER_SENDER: usize = 25_000;
    /// A bound on the test: a stalled member not dropped by then fails it.
    const MAX_PER_SENDER: usize = 100_000;
    const BATCH: usize = 100;
    const WINDOW: usize = 300; // × 3 senders < the default queue of 1024
    /// Asked of the small socket buffers (Linux doubles it).
    const BUFFER: u32 = 16 * 1024;
    let listener = tokio::net::TcpSocket::new_v4().expect("socket");
    listener.set_send_buffer_size(BUFFER).expect("sndbuf");
    listener.bind("127.0.0.1:0".parse().unwrap()).expect("bind");
    let server_sends = listener.send_buffer_size().expect("sndbuf") as usize;
    let config = Config {
        goodbye_timeout: PATIENCE,
        ..unlimited()
    };
    let queue = config.chat.queue;
    let server = TestServer::with_listener(listener.listen(64).expect("listen"), config);
    let mut members = Vec::new();
    for i in 0..SENDERS {
        members.push(Chatter::join(&server, &format!("s{i}"), Some("#flood")).await);
    }
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(BUFFER).expect("rcvbuf");
    let stalled_receives = socket.recv_buffer_size().expect("rcvbuf") as usize;
    let stream = socket.connect(server.addr).await.expect("connect");
    let mut stalled = Chatter {
        client: Client::from_stream(stream),
    };
    assert_eq!(stalled.line().await, safecalc::server::GREETING);
    assert_eq!(stalled.ask("/nick stalled").await, "-- you are now stalled");
    stalled.enter("#flood").await;
    stalled.sync().await;
    for m in &mut members {
        m.sync().await;
    }
    // Readers that have seen the drop notice.
    let drop_seen = Arc::new(AtomicUsize::new(0));
    let all_saw_drop = Arc::new(tokio::sync::Notify::new());
    // credit[from][to]: lines `from` may send before `to` has read them.
    let credit: Vec<Vec<Arc<Semaphore>>> = (0..SENDERS)
        .map(|_| {
            (0..SENDERS)
                .map(|_| Arc::new(Semaphore::new(WINDOW)))
                .collect()
        })
        .collect();
    let padding = "p".repeat(180);
    let mut readers = Vec::new();
    let mut writers = Vec::new();
    for (me, m) in members.into_iter().enumerate() {
        let Client {
            mut reader,
            mut writer,
        } = m.client;
        let credit_in: Vec<Arc<Semaphore>> =
            (0..SENDERS).map(|f| Arc::clone(&credit[f][me])).collect();
        let (seen, all_seen) = (Arc::clone(&drop_seen), Arc::clone(&all_saw_drop));
        readers.push(tokio::spawn(async move {
            let mut next = [0usize; SENDERS];
            let mut ended = [false; SENDERS];
            ended[me] = true;
            let mut saw_drop = false;
            while !ended.iter().all(|&e| e) {
                let line = server_support::read_line(&mut reader).await;
                if line == "-- stalled left #flood (disconnected: not reading)" {
                    assert!(!saw_drop, "one drop notice");
                    saw_drop = true;
                    if seen.fetch_add(1, Ordering::SeqCst) + 1 == SENDERS {
                        all_seen.notify_waiters();
                    }
                    continue;
                }
                let rest = line.strip_prefix("<s").unwrap_or_else(|| panic!("{line}"));
                let (from, rest) = rest.split_once("> ").expect("sender");
                let from: usize = from.parse().expect("sender number");
                assert_ne!(from, me);
                assert!(!ended[from], "a line from s{from} after its end: {line}");
                if rest == "end" {
                    assert!(saw_drop, "s{me} got s{from}'s end before the drop notice");
                    ended[from] = true;
                    continue;
                }
                let n: usize = rest.split(':').next().unwrap().parse().expect("n");
                assert_eq!(n, next[from], "order from s{from}");
                next[from] += 1;
                credit_in[from].add_permits(1);
            }
            (reader, next)
        }));
        let credit_out: Vec<Arc<Semaphore>> = (0..SENDERS)
            .filter(|&to| to != me)
            .map(|to| Arc::clone(&credit[me][to]))
            .collect();
        let padding = padding.clone();
        let seen = Arc::clone(&drop_seen);
        writers.push(tokio::spawn(async move {
            let mut sent = 0;
            while sent < MIN_PER_SENDER
                || (seen.load(Ordering::SeqCst) < SENDERS && sent < MAX_PER_SENDER)
            {
                for c in &credit_out {
                    // Bounded like every wait here: a reader that failed
                    // never gives credit back.
                    tokio::time::timeout(PATIENCE, c.acquire_many(BATCH as u32))
                        .await
                        .expect("a reader took its lines in time")
                        .expect("open")
                        .forget();
                }
                let mut bytes = String::new();
                for i in sent..sent + BATCH {
                    bytes.push_str(&format!("{i}:{padding}\n"));
                }
                tokio::time::timeout(PATIENCE, writer.write_all(bytes.as_bytes()))
                    .await
                    .expect("write in time")
                    .expect("write");
                sent += BATCH;
            }
            tokio::time::timeout(PATIENCE, writer.write_all(b"end\n"))
                .await
                .expect("write in time")
                .expect("write");
            (writer, sent)
        }));
    }
    // Once the drop has been seen, the stalled client reads what it was
    // sent, and its goodbye.
    let stalled_reads = tokio::spawn({
        let (seen, all_seen) = (Arc::clone(&drop_seen), Arc::clone(&all_saw_drop));
        async move {
            let notified = all_seen.notified();
            if seen.load(Ordering::SeqCst) < SENDERS {
                tokio::time::timeout(PATIENCE * 4, notified)
                    .await
                    .expect("every reader sees the drop");
            }
            stalled.client.read_to_end().await
        }
    });
    let mut writer_halves = Vec::new();
    let mut sent = Vec::new();
    for w in writers {
        let writer = tokio::time::timeout(PATIENCE * 4, w).await;
        let (writer, n) = writer.expect("writers finish").expect("writer");
        writer_halves.push(writer);
        sent.push(n);
    }
    for (me, r) in readers.into_iter().enumerate() {
        let (_reader, received) = tokio::time::timeout(PATIENCE * 4, r)
            .await
            .expect("readers finish")
            .expect("reader");
        for from in (0..SENDERS).filter(|&f| f != me) {
            assert_eq!(
                received[from], sent[from],
                "s{me} got every line of s{from}"
            );
        }
    }
    assert_eq!(
        drop_seen.load(Ordering::SeqCst),
        SENDERS,
        "every reader saw the drop"
    );
    let counts = server.chat.counts();
    assert_eq!(
        (counts.members, counts.chatting, counts.rooms),
        (SENDERS, SENDERS, 1)
    );
    // The stalled client got at most its queue and what the two socket
    // buffers on the way held (each line is at most 200 bytes), then the
    // documented last line; far less than the others got.
    let rest = tokio::time::timeout(PATIENCE, stalled_reads)
        .await
        .expect("the stalled client is closed in time")
        .expect("stalled client");
    let goodbye = format!(
        "\r\nerror: disconnected: more than {queue} chat lines were waiting for you to read\r\n"
    );
    assert!(
        rest.ends_with(goodbye.as_bytes()),
        "the stalled client's last line: {:?}",
        String::from_utf8_lossy(&rest[rest.len().saturating_sub(200)..])
    );
    let most = queue * 200 + server_sends + stalled_receives + 64 * 1024;
    let delivered: usize = sent.iter().sum::<usize>() * (padding.len() + 10);
    assert!(
        rest.len() <= most && most * 10 < delivered,
        "the stalled client got {} bytes; at most {most} expected, of {delivered} sent",
        rest.len()
    );
    eprintln!(
        "stalled reader: got {} bytes, goodbye included, of {delivered} bytes \
         (at least) of chat lines sent to its room",
        rest.len()
    );
    drop(writer_halves);
    server.stop().await;
}

/// Many clients joining, moving, renaming, quitting and vanishing at once;
/// afterwards the hub, `/who` and `/rooms` agree and nothing leaks.
#[tokio::test]
async fn join_and_leave_storms_leave_the_hub_consistent() {
    let server = start().await;
    let rooms = ["#r0", "#r1", "#r2", "#r3"];
    let mut tasks = Vec::new();
    for i in 0..120usize {
        let addr = server.addr;
        tasks.push(tokio::spawn(async move {
            let mut c = Client::connect(addr).await;
            let mut room = None;
            for step in 0..6usize {
                let r = rooms[(i + step) % rooms.len()];
                c.send(&format!("/join {r}")).await;
                c.send(&format!("/nick n{i}-{step}")).await;
                c.send(&format!("hello from {i}")).await;
                room = Some(r);
                if i % 5 == 0 && step == 2 {
                    // Vanish mid-line, without reading anything.
                    c.send_bytes(b"half a li").await;
                    return None;
                }
            }
            if i % 5 == 1 {
                c.send("quit").await;
                return None;
            }
            // Survivors wait until their own lines are all handled.
            c.send("/echo done").await;
            loop {
                if c.line().await == "done" {
                    break;
                }
            }
            Some((c, room.expect("joined")))
        }));
    }
    let mut survivors = Vec::new();
    for t in tasks {
        if let Some(s) = tokio::time::timeout(PATIENCE, t)
            .await
            .expect("in time")
            .expect("task")
        {
            survivors.push(s);
        }
    }
    server
        .wait_for_open_connections(survivors.len() as u64)
        .await;
    let counts = server.chat.counts();
    assert_eq!(counts.members, survivors.len());
    assert_eq!(counts.chatting, survivors.len());
    let mut expected: HashMap<&str, usize> = HashMap::new();
    for (_, room) in &survivors {
        *expected.entry(room).or_default() += 1;
    }
    let mut listing: Vec<String> = expected.iter().map(|(r, n)| format!("{r} ({n})")).collect();
    listing.sort();
    let (first, _) = &mut survivors[0];
    Chatter::drain(first).await;
    assert_eq!(
        first.ask("/rooms").await,
        format!("-- rooms ({}): {}", expected.len(), listing.join(" "))
    );
    for (c, room) in &mut survivors {
        Chatter::drain(c).await;
        let who = c.ask("/who").await;
        let prefix = format!("-- {room} ({}): ", expected[room]);
        assert!(who.starts_with(&prefix), "{who} vs {prefix}");
    }
    survivors.clear();
    server.wait_for_open_connections(0).await;
    let counts = server.chat.counts();
    assert_eq!((counts.members, counts.chatting, counts.rooms), (0, 0, 0));
    server.stop().await;
}

#[tokio::test]
async fn help_lists_chat_commands_and_unknown_commands_still_fail() {
    let server = start().await;
    let mut alice = Chatter::join(&server, "alice", Some("#lobby")).await;
    alice.send("/help").await;
    let mut help = Vec::new();
    loop {
        let line = alice.line().await;
        let end = line.starts_with("  fin, quit, exit");
        help.push(line);
        if end {
            break;
        }
    }
    let help = help.join("\n");
    for c in [
        "/chat", "/join", "/nick", "/me", "/msg", "/all", "/who", "/rooms", "/history",
    ] {
        assert!(help.contains(c), "{c} in {help}");
    }
    alice.quiet().await; // chat mode's help has no calculator part
    assert_eq!(
        alice.ask("/kick bob").await,
        "error: unknown command /kick (try /help)"
    );
    assert!(alice.ask("/stats").await.starts_with("connections: 1 now"));
    server.stop().await;
}

#[tokio::test]
async fn shutdown_reaches_chatters_without_departure_noise() {
    let server = start().await;
    let mut alice = Chatter::join(&server, "alice", Some("#lobby")).await;
    let mut bob = Chatter::join(&server, "bob", Some("#lobby")).await;
    alice.sync().await;
    bob.sync().await;
    server.shutdown.cancel();
    for c in [&mut alice, &mut bob] {
        assert_eq!(c.line().await, "server shutting down");
        c.client.expect_eof().await;
    }
    server.stop().await;
}

/// One client pipelines 20,000 chat lines as fast as TCP takes them, with
/// no flow control at all; a reader that keeps reading gets every one and
/// is not dropped. (Before the handler yielded per frame, the sender's task
/// relayed a few thousand buffered lines before the reader's task could
/// run, and the reader's queue overflowed. This runtime has one thread, so
/// the interleaving is the same on every run.)
#[tokio::test]
async fn a_pipelining_sender_does_not_starve_a_reader_of_cpu() {
    const LINES: usize = 20_000;
    let server = TestServer::with_config(Config {
        chat: ChatConfig {
            rate: 0,
            queue: 512,
            ..ChatConfig::default()
        },
        ..Config::default()
    })
    .await;
    let mut reader = Chatter::join(&server, "reader", Some("#lobby")).await;
    let mut sender = Chatter::join(&server, "sender", Some("#lobby")).await;
    reader.sync().await;
    let padding = "q".repeat(100);
    let mut bytes = String::new();
    for i in 0..LINES {
        bytes.push_str(&format!("{i} {padding}\n"));
    }
    let write = tokio::spawn(async move {
        sender.client.send_bytes(bytes.as_bytes()).await;
        sender
    });
    for i in 0..LINES {
        assert_eq!(reader.line().await, format!("<sender> {i} {padding}"));
    }
    let _sender = write.await.expect("writer");
    assert_eq!(server.chat.counts().chatting, 2, "nobody was dropped");
    server.stop().await;
}
