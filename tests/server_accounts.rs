//! Accounts over real TCP against an in-process server (ephemeral store,
//! the cheapest password hashing so that the suite stays quick; the OWASP
//! parameters are checked in `accounts`' unit tests and by
//! `server_login_flood.rs`): the exact echo-off bytes of a password
//! prompt, registering and logging in, a registered nick protected,
//! throttled wrong passwords, several connections per account, offline
//! messages and unread counts, `/passwd` and `/unregister`, and the
//! plaintext-password policy.

mod server_support;

use std::sync::Arc;

use safecalc::server::accounts::HashCost;
use safecalc::server::chat::ChatHub;
use safecalc::server::{Action, Config, Frame, Peer, Session, Stats};
use server_support::{Client, PATIENCE, TestServer};
use tokio::io::AsyncReadExt;

fn config() -> Config {
    let mut config = Config::default();
    config.accounts.hash_cost = HashCost::Minimal;
    config.chat.rate = 0;
    config
}

async fn start() -> TestServer {
    TestServer::with_config(config()).await
}

/// Reads exactly `n` bytes.
async fn bytes(client: &mut Client, n: usize) -> Vec<u8> {
    let mut got = vec![0u8; n];
    tokio::time::timeout(PATIENCE, client.reader.read_exact(&mut got))
        .await
        .expect("bytes in time")
        .expect("read");
    got
}

async fn register(server: &TestServer, name: &str, password: &str) -> Client {
    let mut client = server.client().await;
    assert_eq!(
        client.ask(&format!("/register {name} {password}")).await,
        format!("-- logged in as {name}")
    );
    client
}

#[tokio::test]
async fn the_password_prompt_turns_echo_off_and_on_with_exact_bytes() {
    let server = start().await;
    let mut alice = register(&server, "alice", "hunter2222").await;
    assert_eq!(
        alice.ask("/logout").await,
        "-- logged out; you are now guest-2"
    );
    alice.send("/login alice").await;
    let prompt = b"\xff\xfb\x01password for alice: ";
    assert_eq!(bytes(&mut alice, prompt.len()).await, prompt);
    // telnet answers DO ECHO; nothing may come back for it, and the
    // password line is not echoed.
    alice.send_bytes(b"\xff\xfd\x01hunter2222\r\n").await;
    let after = b"\xff\xfc\x01\r\n-- logged in as alice\r\n";
    assert_eq!(bytes(&mut alice, after.len()).await, after);
    // ... and DONT ECHO after WONT ECHO: absorbed too.
    alice.send_bytes(b"\xff\xfe\x011+1\r\n").await;
    assert_eq!(bytes(&mut alice, 3).await, b"2\r\n");
    server.stop().await;
}

#[tokio::test]
async fn register_by_prompt_then_log_in_elsewhere() {
    let server = start().await;
    let mut a = server.client().await;
    a.send("/register Zoe").await;
    let prompt = b"\xff\xfb\x01choose a password for Zoe: ";
    assert_eq!(bytes(&mut a, prompt.len()).await, prompt);
    a.send("correct horse").await;
    assert_eq!(bytes(&mut a, 5).await, b"\xff\xfc\x01\r\n");
    assert_eq!(a.line().await, "-- logged in as Zoe");
    assert_eq!(a.ask("/nick").await, "-- you are Zoe");
    let mut b = server.client().await;
    assert_eq!(
        b.ask("/login zoe correct horse").await,
        "-- logged in as Zoe"
    );
    assert_eq!(
        b.ask("/register zoe another one").await,
        "error: you are logged in as Zoe (/logout first)"
    );
    let mut c = server.client().await;
    assert_eq!(
        c.ask("/register ZOE whatever12").await,
        "error: nickname ZOE is taken"
    );
    assert_eq!(
        c.ask("/register guest-9 whatever12").await,
        "error: names starting with guest- are for guests"
    );
    assert_eq!(
        c.ask("/register bob short").await,
        "error: passwords are 8 to 128 bytes"
    );
    // An empty answer to a prompt cancels.
    c.send("/login zoe").await;
    c.send("").await;
    let cancelled = c.raw_line().await;
    assert!(cancelled.ends_with(b"\r\n"), "{cancelled:?}");
    assert_eq!(c.line().await, "error: cancelled");
    server.stop().await;
}

#[tokio::test]
async fn a_registered_nick_is_protected() {
    let server = start().await;
    let mut squatter = server.client().await;
    assert_eq!(squatter.ask("/nick carol").await, "-- you are now carol");
    squatter.send("/chat").await;
    squatter.line().await;
    squatter.line().await;
    let mut carol = server.client().await;
    assert_eq!(
        carol.ask("/register carol s3cretpass").await,
        "error: nickname carol is taken"
    );
    // Registered under another name by someone else, then the nick is
    // reserved for that account.
    let mut dave = register(&server, "dave", "s3cretpass").await;
    assert_eq!(
        dave.ask("/logout").await,
        "-- logged out; you are now guest-4"
    );
    let mut eve = server.client().await;
    assert_eq!(
        eve.ask("/nick DAVE").await,
        "error: nickname dave is registered; /login dave to use it"
    );
    assert_eq!(
        dave.ask("/nick dave").await,
        "error: nickname dave is registered; /login dave to use it"
    );
    assert_eq!(
        dave.ask("/login dave s3cretpass").await,
        "-- logged in as dave"
    );
    assert_eq!(
        dave.ask("/nick dave2").await,
        "error: you are logged in as dave; your nick is your account's name (/logout first)"
    );
    drop(squatter);
    server.stop().await;
}

#[tokio::test]
async fn wrong_passwords_are_throttled_and_do_not_say_which_was_wrong() {
    let server = start().await;
    let _frank = register(&server, "frank", "frankspass").await;
    let mut mallory = server.client().await;
    for _ in 0..3 {
        assert_eq!(
            mallory.ask("/login frank guess1234").await,
            "error: wrong name or password"
        );
    }
    // A name with no account gets the same answer.
    mallory.send("/login nobody guess1234").await;
    let first = mallory.line().await;
    if first.starts_with("-- too many failed logins") {
        assert_eq!(mallory.line().await, "error: wrong name or password");
    } else {
        assert_eq!(first, "error: wrong name or password");
    }
    // The fourth failure for this address: the next attempt waits first,
    // and says so; the right password still works after the wait.
    mallory.send("/login frank frankspass").await;
    let waiting = mallory.line().await;
    assert!(
        waiting.starts_with("-- too many failed logins for this name or address; waiting "),
        "{waiting}"
    );
    assert_eq!(mallory.line().await, "-- logged in as frank");
    server.stop().await;
}

#[tokio::test]
async fn offline_messages_unread_counts_and_several_connections() {
    let mut config = config();
    config.chat.mailbox = 2;
    let server = TestServer::with_config(config).await;
    let mut gina = register(&server, "gina", "ginaspass").await;
    gina.send("/chat #den").await;
    gina.line().await;
    gina.line().await;
    assert_eq!(
        gina.ask("/logout").await,
        "-- logged out; you are now guest-2"
    );
    assert_eq!(gina.ask("/quit").await, "bye");

    let mut hal = server.client().await;
    hal.ask("/nick hal").await;
    hal.send("/chat #den").await;
    hal.line().await;
    hal.line().await;
    for i in 0..3 {
        hal.send(&format!("line {i}")).await;
    }
    let kept = "-- gina is not chatting; your message is kept and delivered at their next login";
    assert_eq!(hal.ask("/msg gina first").await, kept);
    assert_eq!(
        hal.ask("/msg GINA second").await,
        kept.replace("gina", "GINA")
    );
    assert_eq!(
        hal.ask("/msg gina third").await,
        "error: gina's mailbox is full (2 messages); try again later"
    );
    assert_eq!(
        hal.ask("/msg ghost boo").await,
        "error: no one called ghost is chatting"
    );

    let mut phone = server.client().await;
    phone.send("/login gina ginaspass").await;
    assert_eq!(phone.line().await, "-- logged in as gina");
    assert_eq!(phone.line().await, "-- 2 messages while you were away:");
    assert!(phone.line().await.ends_with("] [msg] <hal> first"));
    assert!(phone.line().await.ends_with("] [msg] <hal> second"));
    assert_eq!(
        phone.line().await,
        "-- since you left: 3 new lines in #den (/history N shows them)"
    );
    // Mail is delivered once: a second login finds none, but the lines
    // are still unread (no connection of gina's has been in #den since).
    let mut laptop = server.client().await;
    assert_eq!(
        laptop.ask("/login gina ginaspass").await,
        "-- logged in as gina"
    );
    assert_eq!(
        laptop.line().await,
        "-- since you left: 3 new lines in #den (/history N shows them)"
    );
    for client in [&mut phone, &mut laptop] {
        client.send("/chat #den").await;
        client.line().await;
        let here = client.line().await;
        assert!(here.starts_with("-- you joined #den as gina"), "{here}");
    }
    // Both connections get the account's private messages.
    hal.send("/msg gina to both").await;
    let mut got = Vec::new();
    for client in [&mut phone, &mut laptop] {
        loop {
            let line = client.line().await;
            if line.starts_with("[msg]") {
                got.push(line);
                break;
            }
        }
    }
    assert_eq!(got, ["[msg] <hal> to both", "[msg] <hal> to both"]);
    hal.send("/who").await;
    let who = loop {
        let line = hal.line().await;
        if line.starts_with("-- #den") {
            break line;
        }
    };
    assert_eq!(who, "-- #den (2): gina hal");
    server.stop().await;
}

#[tokio::test]
async fn passwd_and_unregister() {
    let server = start().await;
    let mut ivy = register(&server, "ivy", "ivyspass1").await;
    assert_eq!(
        ivy.ask("/passwd wrongpass ivyspass2").await,
        "error: wrong password"
    );
    assert_eq!(
        ivy.ask("/passwd ivyspass1 ivyspass2").await,
        "-- password changed"
    );
    let mut other = server.client().await;
    assert_eq!(
        other.ask("/login ivy ivyspass2").await,
        "-- logged in as ivy"
    );
    // Interactively: the old password, then the new one, each unseen.
    ivy.send("/passwd").await;
    let prompt = b"\xff\xfb\x01current password: ";
    assert_eq!(bytes(&mut ivy, prompt.len()).await, prompt);
    ivy.send("ivyspass2").await;
    let next = b"\xff\xfc\x01\r\n\xff\xfb\x01new password: ";
    assert_eq!(bytes(&mut ivy, next.len()).await, next);
    ivy.send("ivyspass3").await;
    assert_eq!(bytes(&mut ivy, 5).await, b"\xff\xfc\x01\r\n");
    assert_eq!(ivy.line().await, "-- password changed");
    assert_eq!(
        ivy.ask("/unregister nope12345").await,
        "error: wrong password"
    );
    let deleted = ivy.ask("/unregister ivyspass3").await;
    assert!(
        deleted.starts_with("-- the account ivy and its messages are deleted; you are now guest-"),
        "{deleted}"
    );
    // The other connection is a guest now; the name is free again.
    let nick = other.ask("/nick").await;
    assert!(nick.starts_with("-- you are guest-"), "{nick}");
    assert_eq!(
        other.ask("/login ivy ivyspass3").await,
        "error: wrong name or password"
    );
    assert_eq!(other.ask("/nick ivy").await, "-- you are now ivy");
    assert_eq!(
        ivy.ask("/logout").await,
        "error: not logged in (try /login NAME)"
    );
    server.stop().await;
}

/// The plaintext policy needs a client that is not on loopback: the
/// session is driven directly, with such a peer.
#[test]
fn passwords_from_other_machines_need_tls_unless_allowed() {
    let run = |config: &Config, peer: Peer, line: &str| {
        let (member, _inbox) = ChatHub::new(config.chat.clone()).register();
        let accounts = Arc::new(safecalc::server::accounts::Accounts::new(config.accounts));
        let mut session = Session::new(config.limits, Arc::new(Stats::new()), member)
            .with_peer(peer)
            .with_accounts(accounts);
        let mut out = Vec::new();
        session.handle(Frame::Line(line.into()), &mut out);
        while let Some(pending) = session.take_pending() {
            session.resume(pending.resolve_now(), &mut out);
        }
        out
    };
    let remote = Peer::plain("192.0.2.7:40000".parse().expect("address"));
    let refused = Action::Send(
        "error: passwords are refused on an unencrypted connection; connect with TLS".into(),
    );
    for line in [
        "/register kim kimspass1",
        "/login kim kimspass1",
        "/register kim",
    ] {
        assert_eq!(
            run(&config(), remote, line),
            std::slice::from_ref(&refused),
            "{line}"
        );
    }
    let tls = Peer {
        encrypted: true,
        ..remote
    };
    assert_eq!(
        run(&config(), tls, "/register kim kimspass1"),
        [Action::Send("-- logged in as kim".into())]
    );
    let mut lax = config();
    lax.accounts.allow_plaintext_passwords = true;
    assert_eq!(
        run(&lax, remote, "/register kim kimspass1"),
        [Action::Send("-- logged in as kim".into())]
    );
}
