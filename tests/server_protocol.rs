//! The line protocol over real TCP: greeting, modes, commands, quit words,
//! pipelining, framing errors and telnet.

mod server_support;

use safecalc::server::{Config, GREETING};
use server_support::{Client, PATIENCE, TestServer, calc_reply, read_line};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn exactly_one_greeting_line_then_replies() {
    let server = TestServer::start().await;
    let mut client = Client::connect_raw(server.addr).await;
    // The greeting is one line; the next line is the reply to our request.
    assert_eq!(client.line().await, GREETING);
    assert_eq!(client.ask("5").await, "5");
    server.stop().await;
}

#[tokio::test]
async fn calc_mode_integer_literals() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    assert_eq!(client.ask("42").await, "42");
    assert_eq!(client.ask("   7   ").await, "7");
    assert_eq!(client.ask("-3").await, "-3");
    server.stop().await;
}

/// Needs the real calculator from branch main.
#[tokio::test]
async fn calc_mode_python_answers() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    assert_eq!(
        client.ask("2**100").await,
        "1267650600228229401496703205376"
    );
    assert_eq!(client.ask("7 // 2").await, "3");
    assert_eq!(client.ask("1/4").await, "0.25");
    assert_eq!(client.ask("1/0").await, calc_reply("1/0"));
    server.stop().await;
}

/// Needs the real calculator from branch main.
#[tokio::test]
async fn each_connection_has_its_own_variables() {
    let server = TestServer::start().await;
    let mut alice = server.client().await;
    let mut bob = server.client().await;
    assert_eq!(alice.ask("x = 6 * 7").await, "42");
    assert_eq!(alice.ask("x + 1").await, "43");
    assert_eq!(alice.ask("_ * 2").await, "86");
    assert_eq!(bob.ask("x").await, calc_reply("x"), "bob has no x");
    server.stop().await;
}

#[tokio::test]
async fn calc_errors_are_one_error_line() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    for bad in ["1 +", ")", "nonsense(", "\u{1b}[2J"] {
        let expected = calc_reply(bad);
        assert!(expected.starts_with("error: "), "{bad:?} -> {expected:?}");
        assert_eq!(client.ask(bad).await, expected, "{bad:?}");
    }
    // Still serving.
    assert_eq!(client.ask("9").await, "9");
    server.stop().await;
}

#[tokio::test]
async fn blank_lines_get_no_reply_in_calc_mode() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    client.send_bytes(b"\n\r\n   \n\t\n1\n").await;
    assert_eq!(client.line().await, "1");
    server.stop().await;
}

#[tokio::test]
async fn echo_mode_and_back() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let reply = client.ask("/echo").await;
    assert!(reply.starts_with("echo mode"), "{reply}");
    assert_eq!(client.ask("hello, world").await, "hello, world");
    assert_eq!(client.ask("  2 + 2  ").await, "  2 + 2  ");
    assert_eq!(client.ask("ünïcödé ∑").await, "ünïcödé ∑");
    assert_eq!(client.ask("").await, "");
    let reply = client.ask("/calc").await;
    assert!(reply.starts_with("calc mode"), "{reply}");
    assert_eq!(client.ask("12").await, "12");
    server.stop().await;
}

#[tokio::test]
async fn calc_and_echo_with_an_argument_do_it_once() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    assert_eq!(client.ask("/echo just this").await, "just this");
    assert_eq!(client.ask("11").await, "11", "still calc mode");
    client.ask("/echo").await;
    assert_eq!(client.ask("/calc 13").await, "13");
    assert_eq!(client.ask("13").await, "13");
    assert_eq!(client.ask("x").await, "x", "still echo mode");
    server.stop().await;
}

#[tokio::test]
async fn help_lists_commands_and_calculator() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    client.send("/help").await;
    // /help then a marker request, so we know where the help ends.
    client.send("424242").await;
    let mut help = Vec::new();
    loop {
        let line = client.line().await;
        if line == "424242" {
            break;
        }
        help.push(line);
    }
    let help = help.join("\n");
    for command in [
        "/calc",
        "/echo",
        "/help",
        "/stats",
        "/quit",
        "fin, quit, exit",
    ] {
        assert!(help.contains(command), "{command} missing from {help}");
    }
    assert!(help.contains("operators: "), "{help}");
    assert!(help.contains("constants: "), "{help}");
    assert_eq!(
        client.ask("/help stats").await.split_whitespace().next(),
        Some("/stats")
    );
    server.stop().await;
}

#[tokio::test]
async fn help_in_echo_mode_has_no_calculator_part() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    client.ask("/echo").await;
    client.send("/help").await;
    client.send("END").await;
    let mut lines = Vec::new();
    loop {
        let line = client.line().await;
        if line == "END" {
            break;
        }
        lines.push(line);
    }
    assert!(lines.iter().any(|l| l.contains("/stats")));
    assert!(
        !lines.iter().any(|l| l.starts_with("operators: ")),
        "{lines:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn stats_counts_connections_requests_and_errors() {
    let server = TestServer::start().await;
    let mut other = server.client().await;
    let mut client = server.client().await;
    client.ask("1").await;
    client.ask("1 +").await;
    let stats = client.ask("/stats").await;
    assert!(
        stats.starts_with("connections: 2 now, 2 total; requests: "),
        "{stats}"
    );
    assert!(stats.contains("; uptime: "), "{stats}");
    let requests: u64 = field(&stats, "requests: ");
    let errors: u64 = field(&stats, "errors: ");
    assert_eq!((requests, errors), (3, 1), "{stats}");
    assert_eq!(
        client.ask("/stats please").await,
        "error: /stats takes no arguments"
    );
    other.send("quit").await;
    other.expect_bye().await;
    server.stop().await;
}

fn field(stats: &str, name: &str) -> u64 {
    let start = stats.find(name).expect("field") + name.len();
    let digits: String = stats[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().expect("number")
}

#[tokio::test]
async fn unknown_command_is_named_safely() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    assert_eq!(
        client.ask("/x").await,
        "error: unknown command /x (try /help)"
    );
    assert_eq!(
        client.ask("/nick\u{1b}[2J alice").await,
        "error: unknown command /nick?[2J (try /help)"
    );
    let long = format!("/{}", "z".repeat(500));
    assert_eq!(
        client.ask(&long).await,
        format!("error: unknown command /{}... (try /help)", "z".repeat(32))
    );
    server.stop().await;
}

#[tokio::test]
async fn quit_words_end_the_session_in_every_mode() {
    let server = TestServer::start().await;
    for mode in ["/calc", "/echo"] {
        for word in [
            "fin", "quit", "exit", "/quit", "QUIT", "\u{4}", "exit()", "quit()",
        ] {
            let mut client = server.client().await;
            client.ask(mode).await;
            client.send(word).await;
            client.expect_bye().await;
        }
    }
    server.stop().await;
}

/// Every line the server sends in reply to `line`, up to a sync echo.
async fn replies_to(client: &mut Client, line: &str) -> Vec<String> {
    client.send(line).await;
    client.send("/echo end-of-replies").await;
    let mut lines = Vec::new();
    loop {
        let line = client.line().await;
        if line == "end-of-replies" {
            return lines;
        }
        lines.push(line);
    }
}

/// What Python and IRC users type from habit: `help` in calc mode is
/// `/help`, and `/exit` is answered with the command meant.
#[tokio::test]
async fn habits_from_python_and_irc() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let commands = replies_to(&mut client, "/help").await;
    assert!(commands.len() > 10, "{commands:?}");
    assert_eq!(replies_to(&mut client, "help").await, commands);
    assert_eq!(replies_to(&mut client, "help()").await, commands);
    assert_eq!(
        client.ask("/exit").await,
        "error: unknown command /exit (did you mean /quit?)"
    );
    client.send("exit()").await;
    client.expect_bye().await;
    server.stop().await;
}

#[tokio::test]
async fn nothing_after_quit_is_answered() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    client.send_bytes(b"1\nquit\n2\n3\n").await;
    assert_eq!(client.line().await, "1");
    client.expect_bye().await;
    server.stop().await;
}

#[tokio::test]
async fn pipelining_ten_thousand_requests_keeps_order() {
    const N: usize = 10_000;
    let server = TestServer::start().await;
    let Client {
        mut reader,
        mut writer,
    } = server.client().await;
    let mut requests = String::new();
    for i in 0..N {
        requests.push_str(&format!("{i}\n"));
    }
    requests.push_str("quit\n");
    // Everything is written before anything is read, from another task so
    // the test does not depend on socket buffer sizes.
    let write = tokio::spawn(async move {
        writer.write_all(requests.as_bytes()).await.expect("write");
        writer
    });
    for i in 0..N {
        assert_eq!(read_line(&mut reader).await, i.to_string());
    }
    assert_eq!(read_line(&mut reader).await, "bye");
    let writer = write.await.expect("writer task");
    let mut client = Client { reader, writer };
    client.expect_eof().await;
    assert_eq!(server.stats.snapshot().requests, N as u64 + 1);
    server.stop().await;
}

#[tokio::test]
async fn every_line_ending_telnet_and_nc_send() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    client.send_bytes(b"1\r\n2\r\x003\r4\n5\r\n").await;
    for expected in ["1", "2", "3", "4", "5"] {
        assert_eq!(client.line().await, expected);
    }
    server.stop().await;
}

#[tokio::test]
async fn line_too_long_is_an_error_and_the_session_goes_on() {
    let config = Config {
        max_line_bytes: 64,
        ..Config::default()
    };
    let server = TestServer::with_config(config).await;
    let mut client = server.client().await;
    client.send(&"9".repeat(64)).await;
    assert_eq!(
        client.line().await,
        "9".repeat(64),
        "exactly the limit is fine"
    );
    client.send(&"1".repeat(10_000)).await;
    assert_eq!(client.line().await, "error: line too long (max 64 bytes)");
    assert_eq!(client.ask("8").await, "8");
    server.stop().await;
}

#[tokio::test]
async fn invalid_utf8_is_an_error_line() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    client.send_bytes(b"\xc3\x28\n").await;
    assert_eq!(
        client.line().await,
        "error: invalid UTF-8 (lines must be UTF-8 text)"
    );
    client.send_bytes(b"\xff\xfe\xfd\n").await; // raw 0xFF bytes: telnet commands
    client.send_bytes(b"\x80abc\n").await;
    assert_eq!(
        client.line().await,
        "error: invalid UTF-8 (lines must be UTF-8 text)"
    );
    assert_eq!(client.ask("3").await, "3");
    server.stop().await;
}

#[tokio::test]
async fn nul_and_control_bytes_never_crash_anything() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    let mut all_controls: Vec<u8> = (0u8..0x20)
        .filter(|b| !matches!(b, b'\n' | b'\r'))
        .collect();
    all_controls.push(0x7f);
    let as_text = String::from_utf8(all_controls.clone()).expect("ASCII");
    all_controls.push(b'\n');
    client.send_bytes(&all_controls).await;
    assert_eq!(client.line().await, calc_reply(&as_text));
    client.send_bytes(b"1\x002\n").await;
    assert_eq!(client.line().await, calc_reply("1\x002"));
    client.ask("/echo").await;
    client.send_bytes(b"a\x00b\x07c\n").await;
    let echoed = client.raw_line().await;
    assert_eq!(echoed, b"a\x00b\x07c\r\n");
    client.send_bytes(b"/calc\n").await;
    client.line().await;
    assert_eq!(client.ask("4").await, "4");
    server.stop().await;
}

#[tokio::test]
async fn telnet_ctrl_c_answers_timing_mark_and_says_bye() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    client.send_bytes(b"\xff\xf4\xff\xfd\x06").await;
    let rest = client.read_to_end().await;
    assert_eq!(rest, b"\xff\xfc\x06bye\r\n");
    server.stop().await;
}

#[tokio::test]
async fn telnet_negotiation_is_refused_once_and_never_seen_as_text() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    // DO SGA, WILL NAWS, then "12" with a WONT and a DONT inside (which
    // must get no answer), then the same DO/WILL again (no second answer).
    // (DO ECHO is the one request never answered: see the password tests.)
    client
        .send_bytes(
            b"\xff\xfd\x03\xff\xfb\x1f1\xff\xfc\x01\xff\xfe\x032\xff\xfd\x03\xff\xfb\x1f\r\n",
        )
        .await;
    let mut expected = b"\xff\xfc\x03\xff\xfe\x1f".to_vec();
    expected.extend_from_slice(b"12\r\n");
    let mut got = vec![0u8; expected.len()];
    tokio::time::timeout(PATIENCE, async { client.reader.read_exact(&mut got).await })
        .await
        .expect("reply in time")
        .expect("read");
    assert_eq!(got, expected);
    server.stop().await;
}

#[tokio::test]
async fn telnet_subnegotiation_is_skipped_and_iac_iac_is_data() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    client
        .send_bytes(b"3\xff\xfa\x1f\x00\x50\x00\x18\xff\xf03\xff\xfa\x18\x00xterm\xff\xf0\r\n")
        .await;
    assert_eq!(client.line().await, "33");
    client.send_bytes(b"\xff\xff\r\n").await;
    assert_eq!(
        client.line().await,
        "error: invalid UTF-8 (lines must be UTF-8 text)"
    );
    // A timing mark alone is answered, and the session goes on.
    client.send_bytes(b"\xff\xfd\x06").await;
    let mut mark = [0u8; 3];
    tokio::time::timeout(PATIENCE, async {
        client.reader.read_exact(&mut mark).await
    })
    .await
    .expect("reply in time")
    .expect("read");
    assert_eq!(mark, [0xff, 0xfc, 0x06]);
    assert_eq!(client.ask("6").await, "6");
    server.stop().await;
}

#[tokio::test]
async fn ctrl_d_line_ends_the_session() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    client.send_bytes(b"\x04\r\n").await;
    client.expect_bye().await;
    server.stop().await;
}
