//! The service under stress and misbehaving clients, over real TCP:
//! many clients at once, backpressure, the connection cap, idle clients,
//! clients vanishing at any moment, and graceful shutdown.

mod server_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use safecalc::server::{Config, GREETING, simulate};
use server_support::{Client, PATIENCE, TestServer, read_line};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::Barrier;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_clients() {
    const CLIENTS: usize = 500;
    let server = TestServer::start().await;
    // Two barriers: the test checks the server while every client is
    // connected and none has gone on yet.
    let all_connected = Arc::new(Barrier::new(CLIENTS + 1));
    let go = Arc::new(Barrier::new(CLIENTS + 1));
    let mut tasks = Vec::new();
    let progress: Arc<[AtomicUsize; 2]> = Arc::new(Default::default());
    for id in 0..CLIENTS {
        let addr = server.addr;
        let all_connected = Arc::clone(&all_connected);
        let go = Arc::clone(&go);
        let progress = Arc::clone(&progress);
        tasks.push(tokio::spawn(async move {
            let stream = tokio::time::timeout(PATIENCE, TcpStream::connect(addr))
                .await
                .expect("connect in time")
                .expect("connect");
            progress[0].fetch_add(1, Ordering::Relaxed);
            let mut client = Client::from_stream(stream);
            assert_eq!(client.line().await, GREETING);
            progress[1].fetch_add(1, Ordering::Relaxed);
            all_connected.wait().await;
            go.wait().await;
            // Pipelined and interleaved with everyone else's.
            client
                .send(&format!("{id}\n{}\n/echo\nclient {id}", id * 3))
                .await;
            assert_eq!(client.line().await, id.to_string());
            assert_eq!(client.line().await, (id * 3).to_string());
            assert!(client.line().await.starts_with("echo mode"));
            assert_eq!(client.line().await, format!("client {id}"));
            client.send("quit").await;
            client.expect_bye().await;
        }));
    }
    if tokio::time::timeout(PATIENCE, all_connected.wait())
        .await
        .is_err()
    {
        panic!(
            "not all clients connected in time: {} connected, {} greeted, server has {} open",
            progress[0].load(Ordering::Relaxed),
            progress[1].load(Ordering::Relaxed),
            server.stats.open_connections()
        );
    }
    // Every client has been greeted, so all of them are being served now.
    assert_eq!(server.stats.open_connections(), CLIENTS as u64);
    go.wait().await;
    for task in tasks {
        tokio::time::timeout(PATIENCE, task)
            .await
            .expect("client done in time")
            .expect("client task");
    }
    server.wait_for_open_connections(0).await;
    let stats = server.stats.snapshot();
    assert_eq!(stats.total, CLIENTS as u64);
    assert_eq!(stats.requests, 5 * CLIENTS as u64);
    assert_eq!(stats.errors, 0);
    server.stop().await;
}

/// A client that writes without reading: the server must stop reading from
/// it (so the client's writes block) instead of reading ahead and buffering
/// replies, and must then deliver every reply, in order, once the client
/// reads.
///
/// The check is exact, with no timing in it. Each line is far longer than
/// the socket buffers between the server and the client can hold in either
/// direction (both ends' buffers are made small; the server's connections
/// inherit its listener's), so the echo of the first line cannot be
/// written whole while the client does not read. The server handles a
/// line before it writes the reply, so by the time the first byte of that
/// reply reaches the client, a server that keeps its promise ("never more
/// than one line's replies for a client that does not read") has handled
/// exactly that one line, and cannot handle another: it is still writing.
/// A server that reads the next line before writing (or reads ahead on the
/// side) has handled two by then, or has taken more of the client's bytes
/// than the buffers on the way can hold. A server that stalls sends no
/// byte and fails after `PATIENCE`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backpressure_stops_reading_from_a_client_that_does_not_read() {
    /// Each line (and so each echo) is this long, newline included.
    const LINE: usize = 256 * 1024;
    const LINES: usize = 3;
    /// Asked of each socket buffer (Linux doubles it for bookkeeping).
    const BUFFER: u32 = 16 * 1024;
    let listener = TcpSocket::new_v4().expect("socket");
    listener.set_send_buffer_size(BUFFER).expect("sndbuf");
    listener.set_recv_buffer_size(BUFFER).expect("rcvbuf");
    listener.bind("127.0.0.1:0".parse().unwrap()).expect("bind");
    let (server_sends, server_receives) = (
        listener.send_buffer_size().expect("sndbuf") as usize,
        listener.recv_buffer_size().expect("rcvbuf") as usize,
    );
    let config = Config {
        max_line_bytes: LINE,
        ..Config::default()
    };
    let server = TestServer::with_listener(listener.listen(16).expect("listen"), config);
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(BUFFER).expect("rcvbuf");
    socket.set_send_buffer_size(BUFFER).expect("sndbuf");
    let (client_sends, client_receives) = (
        socket.send_buffer_size().expect("sndbuf") as usize,
        socket.recv_buffer_size().expect("rcvbuf") as usize,
    );
    // What the sockets can hold in one direction is at most the sender's
    // send buffer and the receiver's receive buffer.
    let towards_client = server_sends + client_receives;
    let towards_server = client_sends + server_receives;
    assert!(
        towards_client.max(towards_server) < LINE / 2,
        "the socket buffers ({towards_client} and {towards_server} bytes) must not hold a line"
    );
    let stream = socket.connect(server.addr).await.expect("connect");
    let mut client = Client::from_stream(stream);
    assert_eq!(client.line().await, GREETING);
    assert!(client.ask("/echo").await.starts_with("echo mode"));
    let handled_before = server.stats.snapshot().requests;
    let Client { reader, writer } = client;
    let mut reader = reader;

    let line = |i: usize| {
        let mut line = format!("{i:08} ").into_bytes();
        line.resize(LINE - 1, b'x');
        line.push(b'\n');
        line
    };
    let written = Arc::new(AtomicUsize::new(0));
    let progress = Arc::clone(&written);
    let writing = tokio::spawn(async move {
        let mut writer = writer;
        for i in 0..LINES {
            for chunk in line(i).chunks(4096) {
                writer.write_all(chunk).await.expect("write");
                progress.fetch_add(chunk.len(), Ordering::SeqCst);
            }
        }
        writer.write_all(b"quit\n").await.expect("write");
        writer
    });

    // The first byte of the first echo.
    let mut first = [0u8; 1];
    let peeked = tokio::time::timeout(PATIENCE, reader.get_mut().peek(&mut first))
        .await
        .expect("the first echo starts in time")
        .expect("peek");
    assert_eq!(peeked, 1);
    let handled = server.stats.snapshot().requests - handled_before;
    let taken = written.load(Ordering::SeqCst);
    assert_eq!(
        handled, 1,
        "the server handled {handled} lines before the first line's echo was \
         written: it read ahead"
    );
    // All the client has written past the first line is in the buffers on
    // the way (plus what one read of the server took: 1 KiB).
    let slack = 64 * 1024;
    assert!(
        taken <= LINE + towards_server + slack,
        "the server took {taken} bytes while writing one line's echo: it read ahead"
    );
    assert!(!writing.is_finished(), "the client's writes are blocked");

    // Now read: every line comes back, in order, and then the session ends.
    for i in 0..LINES {
        let echoed = read_line(&mut reader).await;
        assert!(echoed.as_bytes() == &line(i)[..LINE - 1], "line {i}");
    }
    assert_eq!(read_line(&mut reader).await, "bye");
    let writer = tokio::time::timeout(PATIENCE, writing)
        .await
        .expect("written in time")
        .expect("writer task");
    let mut client = Client { reader, writer };
    client.expect_eof().await;
    drop(client);
    assert_eq!(
        server.stats.snapshot().requests - handled_before,
        LINES as u64 + 1
    );
    eprintln!(
        "backpressure: {taken} bytes sent and 1 line handled when the first echo \
         began; {towards_server} bytes of buffers towards the server"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_client_past_the_limit_gets_server_full() {
    let config = Config {
        max_connections: 2,
        ..Config::default()
    };
    let server = TestServer::with_config(config).await;
    let mut first = server.client().await;
    let mut second = server.client().await;
    let mut extra = Client::connect_raw(server.addr).await;
    assert_eq!(extra.line().await, "error: server full");
    extra.expect_eof().await;
    // The others are unaffected.
    assert_eq!(first.ask("1").await, "1");
    assert_eq!(second.ask("2").await, "2");
    // A freed place can be taken again.
    first.send("quit").await;
    first.expect_bye().await;
    server.wait_for_open_connections(1).await;
    let mut third = server.client().await;
    assert_eq!(third.ask("3").await, "3");
    assert_eq!(
        server.stats.snapshot().total,
        3,
        "the refused one is not counted"
    );
    server.stop().await;
}

/// Keeps tokio's paused clock still until dropped: while a blocking task
/// runs, the runtime does not advance a paused clock by itself (see
/// `tokio::time::pause`), so only the test's `advance` calls move it, and
/// waiting for a reply over the network cannot make a timer fire early.
/// After `PATIENCE` of real time the hold ends by itself, so that a test
/// stuck waiting does not hang: the clock then jumps to the next timer,
/// which the test sees as time it did not advance.
struct ClockHold {
    _release: std::sync::mpsc::Sender<()>,
}

impl ClockHold {
    fn new() -> ClockHold {
        let (release, held) = std::sync::mpsc::channel::<()>();
        tokio::task::spawn_blocking(move || held.recv_timeout(PATIENCE));
        ClockHold { _release: release }
    }
}

/// The idle timeout, decided by tokio's clock alone: the server runs in
/// this test's runtime, whose clock is paused and moved only by `advance`,
/// so the test checks the timer to the millisecond and nothing in it
/// depends on how fast the machine is. At the end the clock must have
/// moved by exactly what the test advanced it: any other move means a
/// reply came only after the clock was let go (see [`ClockHold`]).
#[tokio::test(start_paused = true)]
async fn idle_clients_are_told_and_closed() {
    let config = Config {
        idle_timeout: Some(Duration::from_secs(1)),
        ..Config::default()
    };
    let server = TestServer::with_config(config).await;
    let clock = ClockHold::new();
    let start = tokio::time::Instant::now();
    let step = Duration::from_millis(250);
    let mut idle = server.client().await;
    // An active client is not idle: each request restarts its timer.
    let mut active = server.client().await;
    for i in 0..6 {
        assert_eq!(active.ask(&i.to_string()).await, i.to_string());
        tokio::time::advance(step).await;
    }
    // 1.5 s after it connected, the idle client has been told and closed.
    assert_eq!(
        idle.line().await,
        "error: idle for 1 s, closing the connection"
    );
    idle.expect_eof().await;
    // The active client's last request was 250 ms ago; 999 ms is not idle
    // (a closed client would get the idle line instead of its answer)...
    tokio::time::advance(Duration::from_millis(749)).await;
    assert_eq!(active.ask("7").await, "7");
    // ... and from that request on, a whole second is.
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(
        active.line().await,
        "error: idle for 1 s, closing the connection"
    );
    active.expect_eof().await;
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(6 * 250 + 749 + 1000),
        "the clock moved by itself: a reply came late"
    );
    drop(clock);
    server.stop().await;
}

#[tokio::test]
async fn a_client_vanishing_mid_line_leaves_nothing_behind() {
    let server = TestServer::start().await;
    for _ in 0..20 {
        let mut client = server.client().await;
        client.send_bytes(b"12").await;
        drop(client);
    }
    server.wait_for_open_connections(0).await;
    assert_eq!(server.client().await.ask("5").await, "5");
    server.stop().await;
}

#[tokio::test]
async fn a_client_vanishing_mid_reply_leaves_nothing_behind() {
    let server = TestServer::start().await;
    for _ in 0..5 {
        let mut client = server.client().await;
        // Far more reply than the socket buffers hold, never read.
        client.send_bytes("/help\n".repeat(5000).as_bytes()).await;
        drop(client);
    }
    server.wait_for_open_connections(0).await;
    assert_eq!(server.client().await.ask("6").await, "6");
    server.stop().await;
}

#[tokio::test]
async fn a_request_before_a_half_close_still_gets_its_reply() {
    let server = TestServer::start().await;
    let mut client = server.client().await;
    client.send_bytes(b"7\n8").await; // the last line has no line ending
    client.writer.shutdown().await.expect("half-close");
    assert_eq!(client.line().await, "7");
    assert_eq!(client.line().await, "8");
    client.expect_eof().await;
    server.wait_for_open_connections(0).await;
    server.stop().await;
}

#[tokio::test]
async fn a_client_closing_before_the_greeting_is_read() {
    let server = TestServer::start().await;
    for _ in 0..20 {
        let stream = TcpStream::connect(server.addr).await.expect("connect");
        drop(stream);
    }
    server.wait_for_open_connections(0).await;
    server.stop().await;
}

#[tokio::test]
async fn graceful_shutdown_tells_every_client() {
    let server = TestServer::start().await;
    let mut idle = server.client().await;
    let mut mid_line = server.client().await;
    mid_line.send_bytes(b"1+").await;
    let mut echo = server.client().await;
    echo.ask("/echo").await;
    // One that never reads: shutdown must not wait for it for ever.
    let mut stuck = server.client().await;
    stuck.send_bytes("/help\n".repeat(20_000).as_bytes()).await;
    server.wait_for_open_connections(4).await;

    let addr = server.addr;
    server.stop().await;
    for client in [&mut idle, &mut mid_line, &mut echo] {
        assert_eq!(client.line().await, "server shutting down");
        client.expect_eof().await;
    }
    // The listening socket is closed.
    let refused = TcpStream::connect(addr).await;
    assert!(refused.is_err(), "still accepting after shutdown");
    drop(stuck);
}

#[tokio::test]
async fn shutdown_with_no_clients_returns() {
    let server = TestServer::start().await;
    server.stop().await;
}

/// A client floods the server with a megabyte of random bytes while
/// another asks its questions; the other gets every answer, and the
/// flooder gets exactly the replies its bytes call for.
///
/// The overlap is made certain by ordering, not timing: the flood goes in
/// 50 chunks, and each of the bystander's 50 requests is sent after one
/// chunk and before the flooder's sync line that follows it (`/echo
/// flood-N`), whose echo the test waits for. So between any two of the
/// bystander's requests the server handled the flooder's lines, and the
/// flooder's session was alive from the first chunk to the last. What the
/// flooder received must be, byte for byte, what [`simulate`] says the
/// same bytes get: no reply lost, none added, the session not dropped.
///
/// The garbage has no 0xFF (IAC, which with 0xF4 would be Ctrl-C and end
/// the session) and no 0x04 (a line of it alone is Ctrl-D), and no line of
/// it is a quit word (which `simulate` would show as an early `bye`); the
/// session ends with a deliberate `IAC IP`.
#[tokio::test]
async fn garbage_floods_do_not_hurt_other_clients() {
    const CHUNKS: usize = 50;
    const CHUNK_BYTES: usize = 20_000;
    let server = TestServer::start().await;
    let mut bystander = server.client().await;
    let flooder = server.client().await;
    let mut state: u32 = 0x9e37_79b9;
    let mut random = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state >> 11) as u8
    };
    // Three kinds of chunk in turn: any bytes (mostly invalid UTF-8), lines
    // of the calculator's own characters (mostly syntax errors, some
    // answers), and lines longer than the limit.
    let mut chunk = |round: usize| -> Vec<u8> {
        const CALCULATOR: &[u8] = b"0123456789+-*/%^().,_ eEx=abcdefghijklmnopqrstuvwxyz";
        (0..CHUNK_BYTES)
            .map(|i| match round % 3 {
                0 => match random() {
                    0xff => 0xfe,
                    0x04 => 0x05,
                    byte => byte,
                },
                1 if random() < 8 => b'\n',
                2 if i % 6000 == 5999 => b'\n',
                _ => CALCULATOR[usize::from(random()) % CALCULATOR.len()],
            })
            .collect()
    };
    let Client { reader, mut writer } = flooder;
    // The flooder's replies are read all the time, so that it never blocks
    // itself; each line is also handed over, for the sync lines.
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
    let drain = tokio::spawn(async move {
        let mut reader = reader;
        let mut received = Vec::new();
        loop {
            let start = received.len();
            let n = tokio::time::timeout(PATIENCE, reader.read_until(b'\n', &mut received))
                .await
                .expect("the flooder's replies keep coming")
                .expect("read");
            if n == 0 {
                return received;
            }
            let _ = lines_tx.send(received[start..].to_vec());
        }
    });
    let mut sent = Vec::new();
    for round in 0..CHUNKS {
        let chunk = chunk(round);
        writer.write_all(&chunk).await.expect("flood");
        sent.extend_from_slice(&chunk);
        assert_eq!(
            bystander.ask(&round.to_string()).await,
            round.to_string(),
            "the bystander's request {round}, during the flood"
        );
        let sync = format!("\r\n/echo flood-{round}\r\n");
        writer.write_all(sync.as_bytes()).await.expect("sync");
        sent.extend_from_slice(sync.as_bytes());
        let token = format!("flood-{round}\r\n");
        loop {
            let line = tokio::time::timeout(PATIENCE, lines.recv())
                .await
                .expect("the flooder's sync line in time")
                .expect("the flooder's session is still open");
            if line.ends_with(token.as_bytes()) {
                break;
            }
        }
    }
    // Ctrl-C, as telnet sends it.
    writer.write_all(b"\xff\xf4").await.expect("write");
    sent.extend_from_slice(b"\xff\xf4");
    let received = tokio::time::timeout(PATIENCE, drain)
        .await
        .expect("the flooder's session ends")
        .expect("drain task");
    let expected = simulate(&Config::default(), [&sent[..]]);
    let greeting = format!("{GREETING}\r\n");
    let expected = expected
        .strip_prefix(greeting.as_bytes())
        .expect("the greeting first");
    assert!(
        expected.ends_with(b"\xff\xfc\x06bye\r\n"),
        "ended by Ctrl-C"
    );
    assert!(
        received == expected,
        "the flooder got {} bytes of replies where {} were due",
        received.len(),
        expected.len()
    );
    eprintln!(
        "flood: {} bytes sent, {} reply lines ({} bytes) received",
        sent.len(),
        received.iter().filter(|&&b| b == b'\n').count(),
        received.len()
    );
    drop(writer);
    server.wait_for_open_connections(1).await;
    assert_eq!(bystander.ask("6*7").await, "42");
    drop(bystander);
    server.stop().await;
}

/// A client that computes more than its CPU share is paused, not dropped:
/// it gets every reply, in order, and another client is served in between.
/// (Whether the others' latency holds is measured by the hostile-client
/// benchmark, not here: timings are not asserted on a shared machine.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_over_its_cpu_share_is_paused_and_loses_nothing() {
    // Small batches: 10 lines out and 10 replies back (~40 KB each way) fit
    // the sockets' buffers, so writing a batch before reading cannot stall.
    const BATCH: usize = 10;
    const MAX_BATCHES: usize = 200;
    let config = Config {
        cpu_share_percent: 50,
        ..Config::default()
    };
    let server = TestServer::with_config(config).await;
    let mut heavy = server.client().await;
    let mut quiet = server.client().await;
    let x = heavy.ask("x = 9**4000").await;
    assert_eq!(x.len(), 3817, "9**4000 has 3,817 digits");
    // The slowest kind of line known (examples/worst_lines.rs): about half a
    // millisecond each in release, so a few hundred use up the 100 ms burst.
    let worst = format!("max(x{})\n", ",x".repeat(1990));
    let batch = worst.repeat(BATCH);
    let mut batches = 0;
    while server.stats.snapshot().cpu_pauses == 0 && batches < MAX_BATCHES {
        heavy.send_bytes(batch.as_bytes()).await;
        for i in 0..BATCH {
            assert_eq!(heavy.line().await, x, "reply {i} of batch {batches}");
        }
        assert_eq!(quiet.ask("6*7").await, "42");
        batches += 1;
    }
    let pauses = server.stats.snapshot().cpu_pauses;
    assert!(
        pauses > 0,
        "{} worst lines at a 50% share caused no pause",
        batches * BATCH
    );
    // Paused, not disconnected, and nothing was lost.
    assert_eq!(heavy.ask("1+1").await, "2");
    assert_eq!(quiet.ask("2+2").await, "4");
    server.stop().await;
}
