//! The TLS listener end to end, with a rustls client over loopback: the
//! same service as the plain port, one shared cap, stats and chat, a
//! certificate reload that established sessions do not notice, and
//! handshakes that go wrong in every way we know of without anyone else
//! noticing. `openssl s_client` checks that a client that is not ours can
//! talk to it too.

mod server_support;
mod tls_support;

use std::time::Duration;

use safecalc::server::Config;
use server_support::Client;
use tls_support::{
    PATIENCE, TlsClient, TlsTestServer, client_hello, expect_closed, handshake, write_pair,
};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// A config whose handshakes time out quickly, for the tests that wait for
/// a staller to be dropped (a generous second: only its end is checked).
fn quick_handshakes() -> Config {
    Config {
        tls_handshake_timeout: Duration::from_secs(1),
        ..Config::default()
    }
}

#[tokio::test]
async fn the_calculator_answers_over_tls() {
    let server = TlsTestServer::start().await;
    let mut client = server.tls_client().await;
    assert_eq!(
        client.ask("2**100").await,
        "1267650600228229401496703205376"
    );
    assert_eq!(client.ask("x = 7").await, "7");
    assert_eq!(client.ask("x * 6").await, "42");
    assert_eq!(client.ask("1/0").await, "error: division by zero");
    client.send("quit").await;
    assert_eq!(client.line().await, "bye");
    client.read_to_end().await;
    server.wait_for_open_connections(0).await;
    server.stop().await;
}

#[tokio::test]
async fn pipelined_lines_over_tls_are_answered_in_order() {
    let server = TlsTestServer::start().await;
    let mut client = server.tls_client().await;
    let lines: String = (0..500).map(|i| format!("{i}*2\n")).collect();
    let stream = client.stream.get_mut();
    stream.write_all(lines.as_bytes()).await.expect("write");
    stream.flush().await.expect("flush");
    for i in 0..500 {
        assert_eq!(client.line().await, (i * 2).to_string());
    }
    server.stop().await;
}

#[tokio::test]
async fn a_tls_user_and_a_plain_user_chat_and_share_the_stats() {
    let server = TlsTestServer::start().await;
    let mut ann = server.tls_client().await;
    let mut bob = Client::connect(server.addr).await;
    assert_eq!(ann.ask("/nick ann").await, "-- you are now ann");
    assert_eq!(bob.ask("/nick bob").await, "-- you are now bob");
    ann.send("/chat").await;
    assert!(ann.line().await.starts_with("chat mode"));
    assert_eq!(
        ann.line().await,
        "-- you joined #lobby as ann; here (1): ann"
    );
    bob.send("/chat").await;
    assert!(bob.line().await.starts_with("chat mode"));
    assert_eq!(
        bob.line().await,
        "-- you joined #lobby as bob; here (2): ann bob"
    );
    assert_eq!(ann.line().await, "-- bob joined #lobby");
    bob.send("hello over tcp").await;
    assert_eq!(ann.line().await, "<bob> hello over tcp");
    ann.send("hello over tls").await;
    assert_eq!(bob.line().await, "<ann> hello over tls");
    // One server: /stats counts both listeners' clients.
    let stats = bob.ask("/stats").await;
    assert!(stats.starts_with("connections: 2 now, 2 total"), "{stats}");
    server.stop().await;
}

#[tokio::test]
async fn a_reload_changes_new_handshakes_and_keeps_established_sessions() {
    let server = TlsTestServer::start().await;
    let mut before = server.tls_client().await;
    assert_eq!(before.server_certificate(), server.cert);

    // A new pair in the same files, then the reload SIGHUP would do.
    let (_, new_cert) = write_pair(&server.scratch.0);
    assert_ne!(new_cert, server.cert);
    server.reloader.reload().expect("reload");
    let mut after = server.tls_client().await;
    assert_eq!(after.server_certificate(), new_cert);
    assert_eq!(after.ask("6*7").await, "42");
    // The session from before goes on, with the certificate it had.
    assert_eq!(before.ask("1+1").await, "2");
    assert_eq!(before.server_certificate(), server.cert);

    // A reload that fails (a key that is not the certificate's) keeps the
    // pair in use.
    let other = server.scratch.path("other");
    let (other_files, _) = write_pair(&other);
    std::fs::copy(&other_files.key, &server.files.key).expect("replace the key");
    let error = server.reloader.reload().expect_err("a mismatched pair");
    assert!(error.to_string().contains("does not belong"), "{error}");
    let mut still = server.tls_client().await;
    assert_eq!(still.server_certificate(), new_cert);
    assert_eq!(still.ask("2**10").await, "1024");
    // And a file that is not PEM at all.
    let trusted = server.scratch.path("trusted.pem");
    std::fs::copy(&server.files.cert, &trusted).expect("keep the certificate");
    std::fs::write(&server.files.cert, "not a certificate").expect("write");
    assert!(server.reloader.reload().is_err());
    let mut last = TlsClient::connect(server.tls_addr, &trusted).await;
    last.line().await;
    assert_eq!(last.server_certificate(), new_cert);
    assert_eq!(last.ask("3").await, "3");
    server.stop().await;
}

/// What every bad handshake test checks afterwards: a plain client and a
/// TLS client are served as if nothing happened.
async fn others_are_served(server: &TlsTestServer) {
    let mut plain = Client::connect(server.addr).await;
    assert_eq!(plain.ask("2+3").await, "5");
    let mut tls = server.tls_client().await;
    assert_eq!(tls.ask("2*3").await, "6");
}

/// Sends `bytes` to the TLS port, closes the sending side, and expects the
/// server to close the connection.
async fn send_and_expect_close(server: &TlsTestServer, bytes: &[u8]) {
    let mut stream = TcpStream::connect(server.tls_addr).await.expect("connect");
    stream.write_all(bytes).await.expect("write");
    stream.shutdown().await.expect("shutdown");
    expect_closed(&mut stream).await;
}

#[tokio::test]
async fn plaintext_on_the_tls_port_is_closed_quietly() {
    let server = TlsTestServer::start().await;
    send_and_expect_close(&server, b"2+2\r\n").await;
    // Also without closing the sending side: a telnet user waiting for a
    // greeting that will never come is disconnected by the server.
    let mut stream = TcpStream::connect(server.tls_addr).await.expect("connect");
    stream.write_all(b"2+2\r\n").await.expect("write");
    expect_closed(&mut stream).await;
    others_are_served(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn garbage_on_the_tls_port_is_closed_quietly() {
    let server = TlsTestServer::start().await;
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    send_and_expect_close(&server, &garbage).await;
    // A record header that announces a huge record, then nothing more.
    send_and_expect_close(&server, &[0x16, 0x03, 0x01, 0xff, 0xff]).await;
    others_are_served(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn a_truncated_client_hello_is_closed_quietly() {
    let server = TlsTestServer::start().await;
    let hello = client_hello();
    for cut in [1, 5, hello.len() / 2, hello.len() - 1] {
        send_and_expect_close(&server, &hello[..cut]).await;
    }
    others_are_served(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_stalls_mid_handshake_is_dropped_and_hurts_no_one() {
    let server = TlsTestServer::with_config(quick_handshakes()).await;
    let hello = client_hello();
    let mut staller = TcpStream::connect(server.tls_addr).await.expect("connect");
    staller
        .write_all(&hello[..hello.len() / 2])
        .await
        .expect("write half a hello");
    // While it stalls, everyone else is served...
    others_are_served(&server).await;
    // ...and the server drops it at the handshake timeout.
    expect_closed(&mut staller).await;
    // A client that connects and sends nothing at all is dropped too.
    let mut silent = TcpStream::connect(server.tls_addr).await.expect("connect");
    expect_closed(&mut silent).await;
    server.wait_for_open_connections(0).await;
    server.stop().await;
}

#[tokio::test]
async fn handshakes_in_progress_count_toward_the_connection_cap() {
    let server = TlsTestServer::with_config(Config {
        max_connections: 2,
        ..quick_handshakes()
    })
    .await;
    let mut first = Client::connect(server.addr).await;
    assert_eq!(first.ask("1").await, "1");
    // A TLS client that has not finished (not even started) its handshake
    // takes the second place...
    let mut silent = TcpStream::connect(server.tls_addr).await.expect("connect");
    // ...so a third client is refused (told so, on the plain port),
    let mut third = Client::connect_raw(server.addr).await;
    assert_eq!(third.line().await, "error: server full");
    third.expect_eof().await;
    // until the silent one times out and gives its place back.
    expect_closed(&mut silent).await;
    let mut fourth = Client::connect(server.addr).await;
    assert_eq!(fourth.ask("4").await, "4");
    server.stop().await;
}

#[tokio::test]
async fn stallers_hold_no_handshake_slot_and_keep_no_one_out() {
    let server = TlsTestServer::with_config(Config {
        tls_max_handshakes: 1,
        ..Config::default()
    })
    .await;
    // More stallers than slots: some stop half-way through their hello,
    // others after a whole one (the server has answered and waits for
    // their next flight).
    let hello = client_hello();
    let mut stallers = Vec::new();
    for whole in [false, true, false, true] {
        let mut staller = TcpStream::connect(server.tls_addr).await.expect("connect");
        let sent = if whole {
            &hello[..]
        } else {
            &hello[..hello.len() / 2]
        };
        staller.write_all(sent).await.expect("write a hello");
        stallers.push(staller);
    }
    // While they all stall, honest TLS clients get the one slot in turn...
    for _ in 0..3 {
        let mut client = TlsClient::connect(server.tls_addr, &server.files.cert).await;
        client.line().await;
        assert_eq!(client.ask("7*6").await, "42");
    }
    // ...and plain clients never wait for TLS's slots.
    let mut plain = Client::connect(server.addr).await;
    assert_eq!(plain.ask("2+3").await, "5");
    drop(stallers);
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_certificate_fails_and_others_go_on() {
    let server = TlsTestServer::start().await;
    let stranger = server.scratch.path("stranger");
    let (stranger_files, _) = write_pair(&stranger);
    let refused = handshake(server.tls_addr, &stranger_files.cert).await;
    let error = refused.expect_err("an untrusted certificate");
    assert!(
        error.to_string().contains("invalid peer certificate"),
        "{error}"
    );
    others_are_served(&server).await;
    server.stop().await;
}

#[tokio::test]
async fn shutdown_ends_handshakes_in_progress() {
    // A handshake timeout that cannot be what ends the staller here.
    let server = TlsTestServer::with_config(Config {
        tls_handshake_timeout: Duration::from_secs(3600),
        ..Config::default()
    })
    .await;
    let hello = client_hello();
    let mut staller = TcpStream::connect(server.tls_addr).await.expect("connect");
    staller
        .write_all(&hello[..hello.len() / 2])
        .await
        .expect("write half a hello");
    let mut established = server.tls_client().await;
    assert_eq!(established.ask("1").await, "1");
    server.stop().await;
    expect_closed(&mut staller).await;
    assert_eq!(established.line().await, "server shutting down");
}

/// `openssl s_client`, the client everyone has, against the TLS port.
#[tokio::test]
async fn openssl_s_client_talks_to_the_tls_port() {
    let server = TlsTestServer::start().await;
    let addr = server.tls_addr.to_string();
    let ca = server.files.cert.clone();
    let output = tokio::task::spawn_blocking(move || {
        use std::io::Write as _;
        let mut child = std::process::Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &addr,
                "-quiet",
                "-verify_return_error",
            ])
            .arg("-CAfile")
            .arg(&ca)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "this test needs the openssl command line tool (apt-get install openssl; \
                     .ci/run installs it): {e}"
                )
            });
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"2**10\nquit\n").expect("write");
        // -quiet implies -ign_eof: s_client ends when the server closes,
        // after `bye`.
        drop(stdin);
        child.wait_with_output().expect("s_client runs")
    });
    let output = tokio::time::timeout(PATIENCE, output)
        .await
        .expect("s_client ends in time")
        .expect("task");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stdout.contains("ready (calc mode)") && stdout.contains("1024\r\nbye\r\n"),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stderr.contains("verify return:1"), "{stderr}");
    server.stop().await;
}
