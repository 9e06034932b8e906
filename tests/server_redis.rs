//! Several instances sharing one chat through a real Redis (issue 16):
//! `redis-server` on a free loopback port with a temporary directory and
//! its append-only file, two or three `safecalc --redis` binaries, and
//! clients on each. A room spanning instances has one order for every
//! member; `/msg` and `/who` see every instance; two instances racing for
//! a nick get one yes and one no; an account made on one instance is used
//! on another; a killed instance's users leave within the presence TTL;
//! Redis stopped and restarted: chat refused meanwhile (never a line lost
//! silently), calc and echo unaffected, and everything stored still there.

mod redis_support;

use std::collections::HashSet;
use std::sync::{Arc, Barrier};
use std::thread;

use redis_support::{Client, Instance, Redis, Relay, TempDir};

/// The notice every chatting member gets once when Redis goes away.
const UNAVAILABLE: &str = "-- chat is unavailable: this server lost the shared chat, so chat commands and lines are refused until it is back (calc and echo still work)";

#[test]
fn a_room_spanning_three_instances_has_one_order_for_every_member() {
    let redis = Redis::start("order");
    let instances: Vec<Instance> = ["a", "b", "c"]
        .iter()
        .map(|name| Instance::start(name, &redis.url()))
        .collect();
    // Two members on each instance, all in one room.
    let mut members: Vec<Client> = Vec::new();
    for (i, instance) in instances.iter().enumerate() {
        for j in 0..2 {
            let mut client = instance.client();
            assert_eq!(
                client.ask(&format!("/nick m{i}{j}")),
                format!("-- you are now m{i}{j}")
            );
            client.enter("#one");
            members.push(client);
        }
    }
    // Every instance knows everyone before the lines start.
    loop {
        members[5].send("/who");
        let (who, _) = members[5].until(|l| l.starts_with("-- #one ("));
        if who.starts_with("-- #one (6)") {
            assert_eq!(who, "-- #one (6): m00 m01 m10 m11 m20 m21");
            break;
        }
    }
    // The first member of each instance sends a burst, all at once.
    const LINES: usize = 40;
    let senders = [0, 2, 4];
    let start = Arc::new(Barrier::new(senders.len()));
    let mut handles = Vec::new();
    for &s in &senders {
        let start = Arc::clone(&start);
        let nick = format!("m{}0", s / 2);
        let mut sender = members.remove(s);
        members.insert(s, Client::placeholder());
        handles.push(thread::spawn(move || {
            start.wait();
            let burst: Vec<String> = (0..LINES).map(|k| format!("{nick} line {k}")).collect();
            sender.send(&burst.join("\n"));
            sender
        }));
    }
    for (&s, handle) in senders.iter().zip(handles) {
        members[s] = handle.join().expect("sender thread");
    }
    // Each member reads until it has every line but its own.
    let total = senders.len() * LINES;
    let mut received: Vec<Vec<String>> = Vec::new();
    for (i, member) in members.iter_mut().enumerate() {
        let own = if i % 2 == 0 { LINES } else { 0 };
        let mut lines = Vec::new();
        while lines.len() < total - own {
            let line = member.line();
            if line.contains(" line ") {
                lines.push(line);
            }
        }
        received.push(lines);
    }
    // The history is the one order; each member saw it, less its own lines.
    let history = members[1].history(200);
    assert_eq!(history.len(), total, "{history:#?}");
    for (i, lines) in received.iter().enumerate() {
        let nick = format!("m{}{}", i / 2, i % 2);
        let expected: Vec<&String> = history
            .iter()
            .filter(|line| !line.starts_with(&format!("<{nick}>")))
            .collect();
        let got: Vec<&String> = lines.iter().collect();
        assert_eq!(got, expected, "member {nick} saw another order");
    }
    // And each sender's lines in the order sent.
    for s in 0..3 {
        let mine: Vec<&String> = history
            .iter()
            .filter(|l| l.starts_with(&format!("<m{s}0>")))
            .collect();
        let sent: Vec<String> = (0..LINES)
            .map(|k| format!("<m{s}0> m{s}0 line {k}"))
            .collect();
        assert_eq!(mine, sent.iter().collect::<Vec<_>>());
    }
}

#[test]
fn msg_who_rooms_and_all_see_every_instance() {
    let redis = Redis::start("msg");
    let a = Instance::start("a", &redis.url());
    let b = Instance::start("b", &redis.url());
    let mut ann = a.client();
    let mut bob = b.client();
    assert_eq!(ann.ask("/nick ann"), "-- you are now ann");
    assert_eq!(bob.ask("/nick bob"), "-- you are now bob");
    assert_eq!(ann.enter("#x"), "-- you joined #x as ann; here (1): ann");
    assert_eq!(
        bob.enter("#x"),
        "-- you joined #x as bob; here (2): ann bob"
    );
    ann.expect("-- bob joined #x");
    // Private messages both ways.
    ann.send("/msg BOB hello from a");
    assert_eq!(bob.line(), "[msg] <ann> hello from a");
    bob.send("/msg ann hello from b");
    assert_eq!(ann.line(), "[msg] <bob> hello from b");
    // Nobody of that name anywhere.
    assert_eq!(
        ann.ask("/msg nobody hi"),
        "error: no one called nobody is chatting"
    );
    // /who and /rooms on both.
    assert_eq!(ann.ask("/who"), "-- #x (2): ann bob");
    let mut carl = b.client();
    assert_eq!(carl.ask("/nick carl"), "-- you are now carl");
    carl.enter("#y");
    assert_eq!(ann.ask("/rooms"), "-- rooms (2): #x (2) #y (1)");
    assert_eq!(bob.ask("/rooms"), "-- rooms (2): #x (2) #y (1)");
    // /all reaches every room of every instance.
    ann.send("/all to everyone");
    assert_eq!(carl.line(), "[all] <ann> to everyone");
    bob.expect("[all] <ann> to everyone");
    // A nick change and a departure are heard on the other instance.
    assert_eq!(bob.ask("/nick robert"), "-- you are now robert");
    ann.expect("-- bob is now known as robert");
    bob.send("/calc");
    bob.expect("calc mode: each line is evaluated");
    ann.expect("-- robert left #x");
    assert_eq!(ann.ask("/who"), "-- #x (1): ann");
    // Not chatting: /msg to a guest who is not chatting is refused.
    assert_eq!(
        ann.ask("/msg robert are you there"),
        "error: no one called robert is chatting"
    );
}

#[test]
fn a_nick_race_across_instances_has_one_winner() {
    let redis = Redis::start("race");
    let a = Instance::start("a", &redis.url());
    let b = Instance::start("b", &redis.url());
    for round in 0..10 {
        let nick = format!("racer{round}");
        let start = Arc::new(Barrier::new(2));
        let racers: Vec<_> = [&a, &b]
            .iter()
            .map(|instance| {
                let mut client = instance.client();
                let start = Arc::clone(&start);
                let nick = nick.clone();
                thread::spawn(move || {
                    start.wait();
                    let answer = client.ask(&format!("/nick {nick}"));
                    // Still connected when handed back: a winner that
                    // left now would release the nick, and a slower
                    // instance's claim, run after that, would rightly win
                    // it too.
                    (answer, client)
                })
            })
            .collect();
        let (mut answers, _connected): (Vec<String>, Vec<Client>) =
            racers.into_iter().map(|r| r.join().expect("racer")).unzip();
        answers.sort();
        assert_eq!(
            answers,
            [
                format!("-- you are now {nick}"),
                format!("error: nickname {nick} is taken"),
            ],
            "round {round}"
        );
    }
    // Case is ignored across instances too, and a given guest name is
    // not for taking.
    let mut one = a.client();
    let mut two = b.client();
    assert_eq!(one.ask("/nick Zed"), "-- you are now Zed");
    assert_eq!(two.ask("/nick zED"), "error: nickname zED is taken");
    assert_eq!(
        two.ask("/nick guest-999999"),
        "error: nickname guest-999999 is taken"
    );
    // Released when its holder leaves.
    one.send("/quit");
    assert_eq!(one.line(), "bye");
    let mut tries = 0;
    loop {
        let answer = two.ask("/nick zed");
        if answer == "-- you are now zed" {
            break;
        }
        assert_eq!(answer, "error: nickname zed is taken");
        tries += 1;
        assert!(tries < 100, "the nick was never released");
        thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn an_account_made_on_one_instance_is_used_on_another() {
    let redis = Redis::start("accounts");
    let a = Instance::start("a", &redis.url());
    let b = Instance::start("b", &redis.url());
    let mut ann = a.client();
    assert_eq!(ann.ask("/register ann annspass1"), "-- logged in as ann");
    // Reserved everywhere.
    let mut guest = b.client();
    assert_eq!(
        guest.ask("/nick ann"),
        "error: nickname ann is registered; /login ann to use it"
    );
    assert_eq!(
        guest.ask("/register ANN whatever1"),
        "error: the name ANN is already registered"
    );
    // Logged in on the other instance too: both connections are ann.
    let mut ann_b = b.client();
    assert_eq!(ann_b.ask("/login ann annspass1"), "-- logged in as ann");
    ann.enter("#acc");
    ann_b.enter("#acc");
    // A private message reaches both of ann's connections.
    let mut bob = b.client();
    bob.ask("/nick bob");
    bob.enter("#acc");
    bob.send("/msg ann to both");
    ann.expect("[msg] <bob> to both");
    ann_b.expect("[msg] <bob> to both");
    // Offline mail: ann leaves everywhere; a message waits for her.
    ann.send("/quit");
    ann_b.send("/quit");
    ann.expect("bye");
    ann_b.expect("bye");
    // (Once bob has heard both leave, neither is listed anywhere.)
    bob.expect("-- ann left #acc (quit)");
    bob.expect("-- ann left #acc (quit)");
    assert_eq!(
        bob.ask("/msg ann see you later"),
        "-- ann is not chatting; your message is kept and delivered at their next login"
    );
    let mut back = a.client();
    assert_eq!(back.ask("/login ann annspass1"), "-- logged in as ann");
    assert_eq!(back.line(), "-- 1 message while you were away:");
    let message = back.line();
    assert!(message.ends_with("[msg] <bob> see you later"), "{message}");
    // Marked delivered: no longer waiting, kept as a record.
    assert_eq!(redis.command(&["LLEN", "safecalc:mail:ann"]), "0");
    let delivered = redis.command(&["LRANGE", "safecalc:delivered:ann", "0", "-1"]);
    assert!(
        delivered.ends_with("[msg] <bob> see you later"),
        "{delivered}"
    );
    // The throttle is shared: three failures on one instance, and the
    // next attempt on the other waits.
    for _ in 0..3 {
        assert_eq!(
            Client::connect(&a.addr).ask("/login ann wrongpass"),
            "error: wrong name or password"
        );
    }
    let mut fourth = Client::connect(&b.addr);
    assert_eq!(
        fourth.ask("/login ann wrongpass"),
        "error: wrong name or password"
    );
    let mut fifth = Client::connect(&a.addr);
    let answer = fifth.ask("/login ann wrongpass");
    assert!(
        answer.starts_with("-- too many failed logins for this name or address; waiting"),
        "{answer}"
    );
    // Deleting the account on one instance logs it out on the other.
    // (The address is still throttled: every client here is 127.0.0.1.)
    let mut again = b.client();
    again.send("/login ann annspass1");
    again.expect("-- logged in as ann");
    again.enter("#acc");
    back.send("/unregister annspass1");
    back.until(|l| {
        l.starts_with("-- the account ann and its messages are deleted; you are now guest-")
    });
    again.until(|l| l.starts_with("-- the account ann was deleted; you are now guest-"));
    again.send("/login ann annspass1");
    again.expect("error: wrong name or password");
}

#[test]
fn a_killed_instance_s_users_leave_within_the_ttl_and_nothing_stored_is_lost() {
    let redis = Redis::start("kill");
    let a = Instance::start("a", &redis.url());
    let mut b = Instance::start("b", &redis.url());
    let mut ann = a.client();
    ann.ask("/nick ann");
    ann.enter("#k");
    let mut bob = b.client();
    bob.ask("/nick bob");
    bob.enter("#k");
    let mut bea = b.client();
    bea.ask("/nick bea");
    bea.enter("#k");
    for line in ["one", "two", "three"] {
        bob.send(line);
    }
    ann.expect("<bob> three");
    assert_eq!(ann.ask("/who"), "-- #k (3): ann bea bob");
    b.kill();
    // Both of b's users leave, announced by the instance that noticed.
    let (first, _) = ann.until(|l| l.contains(" left #k"));
    let (second, _) = ann.until(|l| l.contains(" left #k"));
    let mut left = [first, second];
    left.sort();
    assert_eq!(
        left,
        [
            "-- bea left #k (its server stopped answering)",
            "-- bob left #k (its server stopped answering)"
        ]
    );
    assert_eq!(ann.ask("/who"), "-- #k (1): ann");
    // Their nicks are free again.
    assert_eq!(ann.ask("/nick bob"), "-- you are now bob");
    // What was stored is there.
    assert_eq!(ann.history(10), ["<bob> one", "<bob> two", "<bob> three"]);
    // b comes back under the same name: a fresh start, and its old life
    // is not confused with the new one.
    let b2 = Instance::start("b", &redis.url());
    let mut cid = b2.client();
    cid.ask("/nick cid");
    assert_eq!(
        cid.enter("#k"),
        "-- you joined #k as cid; here (2): bob cid"
    );
    ann.expect("-- cid joined #k");
}

#[test]
fn redis_stopped_and_restarted_refuses_chat_meanwhile_and_keeps_everything() {
    let mut redis = Redis::start("outage");
    let a = Instance::start("a", &redis.url());
    let b = Instance::start("b", &redis.url());
    let mut ann = a.client();
    assert_eq!(ann.ask("/register ann annspass1"), "-- logged in as ann");
    ann.enter("#o");
    let mut bob = b.client();
    bob.ask("/nick bob");
    bob.enter("#o");
    ann.expect("-- bob joined #o");
    bob.send("before the outage");
    ann.expect("<bob> before the outage");
    let mut calc = a.client();
    assert_eq!(calc.ask("2**10"), "1024");

    redis.kill();
    // Each chatting member is told once.
    ann.expect(UNAVAILABLE);
    bob.expect(UNAVAILABLE);
    // A line is refused, not lost; chat commands too.
    assert_eq!(bob.ask("during the outage"), "error: chat unavailable");
    assert_eq!(bob.ask("/who"), "error: chat unavailable");
    assert_eq!(ann.ask("/history 5"), "error: chat unavailable");
    assert_eq!(ann.ask("/rooms"), "error: chat unavailable");
    // Calc and echo are not affected.
    assert_eq!(calc.ask("2**20"), "1048576");
    assert_eq!(calc.ask("/echo still here"), "still here");
    let mut newcomer = a.client();
    assert_eq!(newcomer.ask("6*7"), "42");
    assert_eq!(newcomer.ask("/chat"), "error: chat unavailable");
    assert_eq!(
        newcomer.ask("/login ann annspass1"),
        "error: chat unavailable"
    );

    redis.restart();
    let before = ann.expect("-- chat is back");
    assert!(
        !before.contains(&UNAVAILABLE.to_string()),
        "told twice: {before:?}"
    );
    let before = bob.expect("-- chat is back");
    assert!(
        !before.contains(&UNAVAILABLE.to_string()),
        "told twice: {before:?}"
    );
    // The history and the account are intact; the refused line is not
    // in the history.
    assert_eq!(ann.history(10), ["<bob> before the outage"]);
    assert_eq!(newcomer.ask("/login ann annspass1"), "-- logged in as ann");
    // The members are still present across instances, and chat works.
    assert_eq!(bob.ask("/who"), "-- #o (2): ann bob");
    bob.send("after the outage");
    ann.expect("<bob> after the outage");
}

#[test]
fn lines_said_while_one_instance_was_cut_off_reach_its_members_when_it_is_back() {
    let redis = Redis::start("replay");
    let relay = Relay::start(redis.port);
    let a = Instance::start("a", &redis.url());
    let b = Instance::start("b", &relay.url());
    // #quiet: nothing is said there before the cut. #busy: something is.
    let mut members = Vec::new();
    for (instance, nick, room) in [
        (&a, "ann", "#quiet"),
        (&a, "amy", "#quiet"),
        (&b, "bob", "#quiet"),
        (&a, "cid", "#busy"),
        (&a, "cat", "#busy"),
        (&b, "dee", "#busy"),
        (&b, "bea", "#quiet"),
    ] {
        let mut client = instance.client();
        assert_eq!(
            client.ask(&format!("/nick {nick}")),
            format!("-- you are now {nick}")
        );
        client.enter(room);
        members.push(client);
    }
    let [ann, amy, bob, cid, cat, dee, bea] = &mut members[..] else {
        unreachable!()
    };
    amy.expect("-- bob joined #quiet");
    amy.expect("-- bea joined #quiet");
    cat.expect("-- dee joined #busy");
    cid.send("before the cut");
    dee.expect("<cid> before the cut");

    // Only b loses Redis; a's members go on talking.
    relay.cut();
    bob.expect(UNAVAILABLE);
    dee.expect(UNAVAILABLE);
    bea.send("/quit");
    bea.expect("bye");
    for line in ["said while b was cut off", "twice"] {
        ann.send(line);
    }
    cid.send("also during the cut");
    amy.expect("<ann> twice");
    cat.expect("<cid> also during the cut");

    // Back: what b's members missed comes first, once, in order.
    relay.restore();
    bob.expect("-- chat is back");
    dee.expect("-- chat is back");
    ann.send("after the cut");
    cid.send("after the cut");
    let said = |lines: Vec<String>| -> Vec<String> {
        lines.into_iter().filter(|l| l.starts_with('<')).collect()
    };
    assert_eq!(
        said(bob.expect("<ann> after the cut")),
        ["<ann> said while b was cut off", "<ann> twice"]
    );
    assert_eq!(
        said(dee.expect("<cid> after the cut")),
        ["<cid> also during the cut"]
    );
    // Who left meanwhile is announced (by b once back, or by a if b
    // was cut off longer than the presence TTL).
    let (left, _) = amy.until(|l| l.starts_with("-- bea left #quiet"));
    assert!(
        left == "-- bea left #quiet (while the chat was unavailable)"
            || left == "-- bea left #quiet (its server stopped answering)",
        "{left}"
    );
    // And nothing twice afterwards.
    assert_eq!(said(bob.drain("end")), Vec::<String>::new());
    assert_eq!(said(dee.drain("end")), Vec::<String>::new());
}

#[test]
fn an_instance_started_before_redis_serves_calc_and_chats_once_redis_answers() {
    let port = redis_support::free_port();
    let url = format!("redis://127.0.0.1:{port}");
    let a = Instance::start("a", &url);
    let mut client = a.client();
    assert_eq!(client.ask("1+1"), "2");
    assert_eq!(client.ask("/chat"), "error: chat unavailable");
    // A Redis on that port, then chat.
    let redis = Redis::on_port("late", port);
    let mut tries = 0;
    loop {
        client.send("/chat");
        let reply = client.line();
        if reply.starts_with("chat mode") {
            break;
        }
        assert_eq!(reply, "error: chat unavailable");
        tries += 1;
        assert!(tries < 300, "the chat never came up");
        thread::sleep(std::time::Duration::from_millis(100));
    }
    let joined = client.line();
    assert!(joined.starts_with("-- you joined #lobby"), "{joined}");
    drop(redis);
}

#[test]
fn a_line_costs_one_publish_and_one_append_whatever_the_members() {
    let redis = Redis::start("cost");
    let a = Instance::start("a", &redis.url());
    let b = Instance::start("b", &redis.url());
    let mut members = Vec::new();
    for i in 0..10 {
        let instance = if i % 2 == 0 { &a } else { &b };
        let mut client = instance.client();
        assert_eq!(
            client.ask(&format!("/nick c{i}")),
            format!("-- you are now c{i}")
        );
        client.enter("#cost");
        members.push(client);
    }
    for member in &mut members {
        member.drain("ready");
    }
    let _ = redis.command(&["CONFIG", "RESETSTAT"]);
    const LINES: usize = 50;
    for i in 0..LINES {
        members[0].send(&format!("costly {i}"));
    }
    for member in &mut members[1..] {
        member.expect(&format!("<c0> costly {}", LINES - 1));
    }
    let stats = redis.command(&["INFO", "commandstats"]);
    let calls = |command: &str| -> usize {
        stats
            .lines()
            .find_map(|l| l.strip_prefix(&format!("cmdstat_{command}:calls=")))
            .and_then(|rest| rest.split(',').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    assert_eq!(calls("xadd"), LINES, "{stats}");
    // One publish per line, whatever the number of members (heartbeats
    // publish nothing).
    assert_eq!(calls("publish"), LINES, "{stats}");
    let distinct: HashSet<&str> = stats
        .lines()
        .filter_map(|l| l.strip_prefix("cmdstat_"))
        .filter_map(|l| l.split(':').next())
        .collect();
    assert!(distinct.contains("evalsha"), "{stats}");
}

#[test]
fn rediss_with_a_private_ca_works() {
    let certs = TempDir::new("tls");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_safecalc"))
        .args(["cert", "--out"])
        .arg(certs.path())
        .args(["localhost", "127.0.0.1"])
        .output()
        .expect("safecalc cert");
    assert!(output.status.success(), "{output:?}");
    let cert = certs.path().join("cert.pem");
    let key = certs.path().join("key.pem");
    let port = redis_support::free_port();
    let redis = Redis::start_with(
        "tls",
        vec![
            "--tls-port".into(),
            port.to_string(),
            "--tls-cert-file".into(),
            cert.display().to_string(),
            "--tls-key-file".into(),
            key.display().to_string(),
            "--tls-ca-cert-file".into(),
            cert.display().to_string(),
            "--tls-auth-clients".into(),
            "no".into(),
        ],
    );
    let url = format!("rediss://localhost:{port}");
    let ca = cert.display().to_string();
    let a = Instance::start_with("a", &url, &["--redis-ca", &ca]);
    let b = Instance::start_with("b", &url, &["--redis-ca", &ca]);
    let mut ann = a.client();
    ann.ask("/nick ann");
    ann.enter("#tls");
    let mut bob = b.client();
    bob.ask("/nick bob");
    bob.enter("#tls");
    bob.send("over TLS");
    ann.expect("<bob> over TLS");
    drop(redis);
}
