//! A load generator for line servers on loopback: safecalc (calc and echo
//! modes) and, for comparison by the same tool in the same run, Redis's
//! inline protocol (`PING` answered by `+PONG`).
//!
//! ```text
//! cargo run --release --example loadgen -- --addr 127.0.0.1:7878 \
//!     --connections 50 --pipeline 16 --mode calc --requests 200000 --seconds 10
//! ```
//!
//! All N connections are opened first (at most 64 handshakes at a time, so
//! that a burst does not overflow the server's accept backlog) and each
//! reads its greeting and setup replies; then the clock starts. Each
//! connection sends P requests at once, then reads the P replies (as
//! `redis-benchmark -P` does), checks every reply against the one expected,
//! and records each request's latency (from the moment its batch was
//! written to the moment its reply was read) in an HDR histogram. A run
//! ends when the request budget is spent or the time is up; it prints one
//! line of `key=value` figures that `scripts/bench.sh` collects. No read
//! waits forever: a connection that gets no reply within `--reply-timeout`
//! seconds is counted as failed.
//!
//! `--idle N` instead opens N connections that stay silent and reports how
//! much the server's resident memory grew (from `/proc/PID/status`), per
//! connection.
//!
//! `--chat-members M` measures chat fan-out instead: M members join one
//! room (`/chat #ROOM`), one more member sends numbered lines as fast as
//! the server takes them, and every member counts the lines it receives;
//! the figure is lines delivered per second. `--chat-stalled K` adds K
//! members that join and then never read. (Start safecalc with
//! `--chat-rate 0`, or its flood limit is what gets measured.)
//!
//! `--tls` makes every connection a TLS one (rustls with the *ring*
//! provider, as the server; the certificate is checked against `--ca FILE`,
//! or not at all without it), for all of the above: the same load, idle
//! and chat figures over TLS, against safecalc's `--tls-listen` port or
//! Redis's `--tls-port`. `--handshakes` measures full handshakes per second
//! instead: N connections in parallel, each connecting, completing a full
//! TLS handshake (no session resumption) and closing with a reset (so that
//! no port lingers in TIME_WAIT), again and again.
//!
//! `--chat-senders S` makes S of the room's members send (the others
//! read); each line reaches every member but its sender. Run it against a
//! server with `--data-dir` and one with `--ephemeral` for persisted
//! against in-memory lines/s.
//!
//! `--second-addr ADDR` splits the room over two instances sharing one
//! chat (`safecalc --redis`): members and senders alternate between
//! `--addr` and it. Every chat run also reports the delivery latency of
//! the lines (p50, p99, max): each line carries the time it was written,
//! and each reader records how long it took to arrive, during the
//! measured seconds.
//!
//! `--mode chat` is request/response load through the chat and its store:
//! each connection enters a room of its own and sends `/calc EXPR`, which
//! is stored as a room line and answered `<nick> EXPR = RESULT` once
//! committed.
//!
//! `--login-flood K` adds, during a load run, K connections (64 opening at
//! a time) that each try `/login` with a wrong password for the account
//! `--login-name`; it reports the attempts' latency p50/p99 (to their
//! final answer) and what they were answered, and with `--server-pid` the
//! server's peak resident memory, sampled every 50 ms.
//!
//! Only loopback addresses are accepted: this is a benchmark, not a tool
//! for loading other people's machines.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use hdrhistogram::Histogram;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// safecalc: one expression per line, its value as the reply.
    Calc,
    /// safecalc in echo mode (`/echo` first): each line comes back.
    Echo,
    /// Redis inline protocol: `PING` → `+PONG`.
    Ping,
    /// safecalc chat: each connection in a room of its own sends
    /// `/calc EXPR` (a stored room line) and gets `<nick> EXPR = RESULT`.
    Chat,
}

#[derive(Debug, Parser)]
#[command(about = "Load generator for line servers on loopback")]
struct Args {
    /// Server address (loopback only).
    #[arg(long, default_value = "127.0.0.1:7878")]
    addr: SocketAddr,
    /// Number of connections (N).
    #[arg(long, short = 'n', default_value_t = 1)]
    connections: usize,
    /// Requests in flight per connection (pipeline depth P).
    #[arg(long, short = 'p', default_value_t = 1)]
    pipeline: usize,
    #[arg(long, value_enum, default_value_t = Mode::Calc)]
    mode: Mode,
    /// The expression sent in calc mode (and the text in echo mode).
    #[arg(long, default_value = "1+2")]
    expr: String,
    /// Lines sent (each answered by one line) after connecting and before
    /// measuring, e.g. `x = 9**4500` for an expression that uses `x`.
    #[arg(long)]
    setup: Vec<String>,
    /// Stop after this many requests in all...
    #[arg(long, default_value_t = 1_000_000)]
    requests: u64,
    /// ...or after this many seconds, whichever comes first.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Seconds of load before measuring starts (connections warm up).
    #[arg(long, default_value_t = 0.5)]
    warmup: f64,
    /// Seconds to wait for any one reply (or handshake) before counting
    /// the connection as failed.
    #[arg(long, default_value_t = 10.0)]
    reply_timeout: f64,
    /// A label printed with the results.
    #[arg(long, default_value = "")]
    label: String,
    /// Open this many idle connections and report the server's memory per
    /// connection instead of generating load (needs --server-pid).
    #[arg(long)]
    idle: Option<usize>,
    /// The server's process id: needed by --idle; with load, the server's
    /// CPU time per measured request is reported too.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Measure chat fan-out to this many reading members instead.
    #[arg(long)]
    chat_members: Option<usize>,
    /// Members that join the room and never read.
    #[arg(long, default_value_t = 0)]
    chat_stalled: usize,
    /// The chat room.
    #[arg(long, default_value = "bench")]
    chat_room: String,
    /// Members of the room (among --chat-members) that send.
    #[arg(long, default_value_t = 1)]
    chat_senders: usize,
    /// A second instance of the same chat (safecalc --redis, loopback
    /// only): the room's members alternate between --addr and this.
    #[arg(long)]
    second_addr: Option<SocketAddr>,
    /// Wrong-password login attempts made during a load run.
    #[arg(long)]
    login_flood: Option<usize>,
    /// The account the flood tries to log in to.
    #[arg(long, default_value = "victim")]
    login_name: String,
    /// Lines the senders may be ahead of the slowest reading member (the
    /// senders themselves are kept within 1,000 of the others' lines, or
    /// this if more). Keep
    /// it under the server's per-member queue (safecalc: 1,024 lines), so
    /// that no reading member is disconnected for falling behind.
    #[arg(long, default_value_t = 256)]
    chat_window: u64,
    /// Speak TLS on every connection.
    #[arg(long)]
    tls: bool,
    /// With --tls: trust only this certificate file (PEM); without it,
    /// the server's certificate is not verified (loopback benchmarks).
    #[arg(long, requires = "tls")]
    ca: Option<std::path::PathBuf>,
    /// Measure full TLS handshakes per second with N connections in
    /// parallel instead of generating requests (implies --tls).
    #[arg(long)]
    handshakes: bool,
}

/// How connections are made: plain TCP, or TLS through this connector.
#[derive(Clone)]
struct Connector {
    addr: SocketAddr,
    tls: Option<TlsConnector>,
}

impl Connector {
    fn new(args: &Args) -> Result<Connector, BoxError> {
        let tls = if args.tls || args.handshakes {
            use safecalc::client::tls::{Trust, client_config};
            let trust = match &args.ca {
                Some(path) => Trust::CaFile(path),
                None => Trust::Insecure,
            };
            let mut config = client_config(trust)?;
            // Every handshake a full one, as a new client's is.
            config.resumption = rustls::client::Resumption::disabled();
            Some(TlsConnector::from(Arc::new(config)))
        } else {
            None
        };
        Ok(Connector {
            addr: args.addr,
            tls,
        })
    }

    /// A connection, with its handshake done.
    async fn connect(&self, timeout: Duration) -> Result<Stream, BoxError> {
        self.connect_to(self.addr, timeout).await
    }

    /// A connection to `addr` (another instance of the same server).
    async fn connect_to(&self, addr: SocketAddr, timeout: Duration) -> Result<Stream, BoxError> {
        let stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| format!("no connection within {timeout:?}"))??;
        stream.set_nodelay(true)?;
        let Some(tls) = &self.tls else {
            return Ok(Stream::Plain(stream));
        };
        let name = ServerName::try_from("localhost")?;
        let tls = tokio::time::timeout(timeout, tls.connect(name, stream))
            .await
            .map_err(|_| format!("no TLS handshake within {timeout:?}"))??;
        Ok(Stream::Tls(Box::new(tls)))
    }
}

/// A connection, plain or TLS (an enum rather than a trait object, so
/// that the plain figures are measured exactly as before).
enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl Stream {
    fn into_split(self) -> (ReadHalf, WriteHalf) {
        match self {
            Stream::Plain(stream) => {
                let (read, write) = stream.into_split();
                (ReadHalf::Plain(read), WriteHalf::Plain(write))
            }
            Stream::Tls(stream) => {
                let (read, write) = tokio::io::split(*stream);
                (ReadHalf::Tls(read), WriteHalf::Tls(write))
            }
        }
    }

    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(stream) => stream,
            Stream::Tls(stream) => stream.get_ref().0,
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => std::pin::Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

type TlsStream = tokio_rustls::client::TlsStream<TcpStream>;

enum ReadHalf {
    Plain(tokio::net::tcp::OwnedReadHalf),
    Tls(tokio::io::ReadHalf<TlsStream>),
}

enum WriteHalf {
    Plain(tokio::net::tcp::OwnedWriteHalf),
    Tls(tokio::io::WriteHalf<TlsStream>),
}

impl AsyncRead for ReadHalf {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            ReadHalf::Plain(r) => std::pin::Pin::new(r).poll_read(cx, buf),
            ReadHalf::Tls(r) => std::pin::Pin::new(r).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for WriteHalf {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        match self.get_mut() {
            WriteHalf::Plain(w) => std::pin::Pin::new(w).poll_write(cx, buf),
            WriteHalf::Tls(w) => std::pin::Pin::new(w).poll_write(cx, buf),
        }
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            WriteHalf::Plain(w) => std::pin::Pin::new(w).poll_flush(cx),
            WriteHalf::Tls(w) => std::pin::Pin::new(w).poll_flush(cx),
        }
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            WriteHalf::Plain(w) => std::pin::Pin::new(w).poll_shutdown(cx),
            WriteHalf::Tls(w) => std::pin::Pin::new(w).poll_shutdown(cx),
        }
    }
}

/// What one connection sends and expects back.
struct Script {
    greeting: bool,
    setup: Vec<String>,
    /// `P` requests, each ending in CR LF.
    batch: Vec<u8>,
    /// The reply expected for every request, without its line end (in
    /// chat mode, how it ends).
    expected: String,
    chat: bool,
}

impl Script {
    fn new(args: &Args) -> Result<Script, String> {
        let (greeting, mut setup, request, expected) = match args.mode {
            Mode::Calc => {
                let mut session = safecalc::calc::Session::new();
                for line in &args.setup {
                    session
                        .eval(line)
                        .map_err(|e| format!("setup line {line:?}: {e}"))?;
                }
                let expected = match session.eval(&args.expr) {
                    Ok(v) => v.to_string(),
                    Err(e) => format!("error: {e}"),
                };
                (true, Vec::new(), args.expr.clone(), expected)
            }
            Mode::Echo => (
                true,
                vec!["/echo".to_string()],
                args.expr.clone(),
                args.expr.clone(),
            ),
            Mode::Ping => (false, Vec::new(), "PING".into(), "+PONG".into()),
            Mode::Chat => {
                let value = safecalc::calc::eval(&args.expr)
                    .map_err(|e| format!("--expr {:?}: {e}", args.expr))?;
                (
                    true,
                    vec!["/chat".to_string()],
                    format!("/calc {}", args.expr),
                    format!(" {} = {value}", args.expr),
                )
            }
        };
        setup.extend(args.setup.iter().cloned());
        let batch = format!("{request}\r\n").repeat(args.pipeline).into_bytes();
        Ok(Script {
            greeting,
            setup,
            batch,
            expected,
            chat: args.mode == Mode::Chat,
        })
    }
}

/// Shared by all connections: the request budget and the clock.
struct Budget {
    remaining: AtomicU64,
    measuring: AtomicBool,
    deadline: Instant,
}

impl Budget {
    /// Claims one batch, or `false` when the run is over.
    fn claim(&self, n: u64) -> bool {
        if Instant::now() >= self.deadline {
            return false;
        }
        if !self.measuring.load(Ordering::Relaxed) {
            return true; // warm-up requests are not counted
        }
        self.remaining
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |r| r.checked_sub(n))
            .is_ok()
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn read_reply(
    reader: &mut BufReader<ReadHalf>,
    line: &mut Vec<u8>,
    timeout: Duration,
) -> Result<(), BoxError> {
    line.clear();
    let read = tokio::time::timeout(timeout, reader.read_until(b'\n', line))
        .await
        .map_err(|_| format!("no reply within {timeout:?}"))?;
    if read? == 0 {
        return Err("the server closed the connection".into());
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(())
}

/// Numbers the rooms of `--mode chat`.
static ROOMS: AtomicU64 = AtomicU64::new(0);

/// A connection that has read its greeting and setup replies.
struct Opened {
    reader: BufReader<ReadHalf>,
    write: WriteHalf,
}

/// Connects, reads the greeting and runs the setup lines.
async fn open(
    connector: &Connector,
    script: &Script,
    timeout: Duration,
) -> Result<Opened, BoxError> {
    let stream = connector.connect(timeout).await?;
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::with_capacity(64 * 1024, read);
    let mut line = Vec::new();
    if script.greeting {
        read_reply(&mut reader, &mut line, timeout)
            .await
            .map_err(|e| format!("greeting: {e}"))?;
    }
    for setup in &script.setup {
        // `/chat` enters a room of its own (and answers two lines).
        let setup = if script.chat && setup == "/chat" {
            format!("/chat #load-{}", ROOMS.fetch_add(1, Ordering::Relaxed))
        } else {
            setup.clone()
        };
        write.write_all(format!("{setup}\r\n").as_bytes()).await?;
        read_reply(&mut reader, &mut line, timeout).await?;
        if setup.starts_with("/chat ") {
            read_reply(&mut reader, &mut line, timeout).await?;
        }
        if line.starts_with(b"error") {
            return Err(format!("setup {setup:?}: {}", String::from_utf8_lossy(&line)).into());
        }
    }
    Ok(Opened { reader, write })
}

/// One connection's load: batches until the budget or the time runs out.
/// Returns its latency histogram (microseconds).
async fn connection(
    opened: Opened,
    script: Arc<Script>,
    pipeline: usize,
    budget: Arc<Budget>,
    timeout: Duration,
) -> Result<Histogram<u64>, BoxError> {
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let Opened {
        mut reader,
        mut write,
    } = opened;
    let mut line = Vec::new();
    let expected = script.expected.as_bytes();
    while budget.claim(pipeline as u64) {
        let measuring = budget.measuring.load(Ordering::Relaxed);
        let sent = Instant::now();
        write.write_all(&script.batch).await?;
        for _ in 0..pipeline {
            read_reply(&mut reader, &mut line, timeout).await?;
            let ok = if script.chat {
                line.ends_with(expected)
            } else {
                line == expected
            };
            if !ok {
                return Err(format!(
                    "unexpected reply {:?} (expected {:?})",
                    String::from_utf8_lossy(&line[..line.len().min(80)]),
                    &script.expected[..script.expected.len().min(80)]
                )
                .into());
            }
            if measuring {
                let micros = sent.elapsed().as_micros() as u64;
                histogram.record(micros.max(1))?;
            }
        }
    }
    Ok(histogram)
}

async fn load(args: Args) -> Result<(), BoxError> {
    let script = Arc::new(Script::new(&args)?);
    let connector = Connector::new(&args)?;
    let timeout = Duration::from_secs_f64(args.reply_timeout);
    // Open every connection before the clock starts.
    let handshakes = Arc::new(tokio::sync::Semaphore::new(64));
    let mut opening = Vec::with_capacity(args.connections);
    for _ in 0..args.connections {
        let (script, handshakes, connector) =
            (script.clone(), handshakes.clone(), connector.clone());
        opening.push(tokio::spawn(async move {
            let _permit = handshakes.acquire().await?;
            open(&connector, &script, timeout).await
        }));
    }
    let mut opened = Vec::with_capacity(args.connections);
    let mut failures = 0;
    for task in opening {
        match task.await? {
            Ok(o) => opened.push(o),
            Err(e) => {
                failures += 1;
                if failures <= 3 {
                    eprintln!("connection failed: {e}");
                }
            }
        }
    }
    let warmup = Duration::from_secs_f64(args.warmup);
    let budget = Arc::new(Budget {
        remaining: AtomicU64::new(args.requests),
        measuring: AtomicBool::new(warmup.is_zero()),
        deadline: Instant::now() + warmup + Duration::from_secs_f64(args.seconds),
    });
    let mut tasks = Vec::with_capacity(opened.len());
    for o in opened {
        tasks.push(tokio::spawn(connection(
            o,
            script.clone(),
            args.pipeline,
            budget.clone(),
            timeout,
        )));
    }
    tokio::time::sleep(warmup).await;
    budget.measuring.store(true, Ordering::Relaxed);
    let flood = args.login_flood.map(|attempts| {
        tokio::spawn(login_flood(
            connector.clone(),
            attempts,
            args.login_name.clone(),
            args.server_pid,
            timeout,
        ))
    });
    let started = Instant::now();
    let cpu_before = args.server_pid.map(cpu_ticks).transpose()?;
    let mut total = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    for task in tasks {
        match task.await? {
            Ok(h) => total.add(h)?,
            Err(e) => {
                failures += 1;
                if failures <= 3 {
                    eprintln!("connection failed: {e}");
                }
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let count = total.len();
    // Only whole ticks (10 ms) are counted: over seconds of load, a 1% error.
    let server_cpu = match (args.server_pid, cpu_before) {
        (Some(pid), Some(before)) => {
            let ticks = cpu_ticks(pid)?.saturating_sub(before);
            let ns = ticks as f64 * 1e9 / USER_HZ / count.max(1) as f64;
            format!(" server_cpu_ns_per_req={ns:.0}")
        }
        _ => String::new(),
    };
    println!(
        "label={} mode={:?}{} n={} p={} requests={} seconds={:.2} rps={:.0} p50_us={} p99_us={} p999_us={} max_us={} failed_connections={}{server_cpu}",
        if args.label.is_empty() {
            "-"
        } else {
            &args.label
        },
        args.mode,
        if args.tls { " tls=1" } else { "" },
        args.connections,
        args.pipeline,
        count,
        elapsed,
        count as f64 / elapsed,
        total.value_at_quantile(0.50),
        total.value_at_quantile(0.99),
        total.value_at_quantile(0.999),
        total.max(),
        failures,
    );
    if let Some(flood) = flood {
        println!("{}", flood.await??);
    }
    if failures > 0 {
        return Err(format!("{failures} connections failed").into());
    }
    Ok(())
}

/// `--login-flood`: `attempts` wrong-password logins at once (64
/// connections opening at a time); returns the line of figures.
async fn login_flood(
    connector: Connector,
    attempts: usize,
    name: String,
    server_pid: Option<u32>,
    timeout: Duration,
) -> Result<String, BoxError> {
    let peak = Arc::new(AtomicU64::new(server_pid.map_or(Ok(0), rss_bytes)?));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = server_pid.map(|pid| {
        let (peak, done) = (peak.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Ok(rss) = rss_bytes(pid) {
                    peak.fetch_max(rss, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    });
    let handshakes = Arc::new(tokio::sync::Semaphore::new(64));
    let mut tasks = Vec::with_capacity(attempts);
    for i in 0..attempts {
        let (handshakes, name, connector) = (handshakes.clone(), name.clone(), connector.clone());
        tasks.push(tokio::spawn(async move {
            let permit = handshakes.acquire().await?;
            let (read, mut write) = connector.connect(timeout).await?.into_split();
            let mut reader = BufReader::new(read);
            let mut line = Vec::new();
            read_reply(&mut reader, &mut line, timeout).await?;
            drop(permit);
            let sent = Instant::now();
            write
                .write_all(format!("/login {name} wrong-{i:06}\r\n").as_bytes())
                .await?;
            loop {
                // Up to a minute: a throttled attempt waits before its answer.
                read_reply(&mut reader, &mut line, Duration::from_secs(60).max(timeout)).await?;
                if !line.starts_with(b"-- ") {
                    break;
                }
            }
            let answer = String::from_utf8_lossy(&line).into_owned();
            Ok::<_, BoxError>((sent.elapsed(), answer))
        }));
    }
    let mut latency = Histogram::<u64>::new_with_bounds(1, 120_000_000, 3)?;
    let mut answers = std::collections::BTreeMap::<String, u64>::new();
    let mut failed = 0;
    for task in tasks {
        match task.await? {
            Ok((elapsed, answer)) => {
                latency.record((elapsed.as_micros() as u64).max(1))?;
                let kind = if answer.starts_with("error: too many failed logins") {
                    "throttled".to_string()
                } else {
                    answer.trim_start_matches("error: ").replace(' ', "_")
                };
                *answers.entry(kind).or_default() += 1;
            }
            Err(_) => failed += 1,
        }
    }
    done.store(true, Ordering::Relaxed);
    if let Some(sampler) = sampler {
        let _ = sampler.await;
    }
    let answers: Vec<String> = answers.iter().map(|(k, n)| format!("{k}:{n}")).collect();
    Ok(format!(
        "login_flood attempts={attempts} login_p50_us={} login_p99_us={} login_max_us={} failed={failed} answers={} server_peak_rss={}",
        latency.value_at_quantile(0.5),
        latency.value_at_quantile(0.99),
        latency.max(),
        answers.join(","),
        peak.load(Ordering::Relaxed),
    ))
}

/// Clock ticks per second in `/proc` (`USER_HZ`: 100 on Linux, whatever
/// the kernel's own tick rate).
const USER_HZ: f64 = 100.0;

/// CPU time a process has used (user + system, all threads), in ticks of
/// [`USER_HZ`], from `/proc/PID/stat`.
fn cpu_ticks(pid: u32) -> Result<u64, BoxError> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name (field 2) is in parentheses and may hold spaces:
    // count fields from the last ')'. utime and stime are fields 14 and 15.
    let after_name = stat.rsplit_once(')').ok_or("malformed stat")?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field =
        |n: usize| -> Result<u64, BoxError> { Ok(fields.get(n - 3).ok_or("short stat")?.parse()?) };
    Ok(field(14)? + field(15)?)
}

/// Resident memory of a process, in bytes, from `/proc/PID/status`.
fn rss_bytes(pid: u32) -> Result<u64, BoxError> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .ok_or("no VmRSS line")?;
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .ok_or("malformed VmRSS line")?
        .parse()?;
    Ok(kib * 1024)
}

async fn idle(args: Args, count: usize) -> Result<(), BoxError> {
    let pid = args.server_pid.ok_or("--idle needs --server-pid")?;
    let script = Script::new(&args)?;
    let connector = Connector::new(&args)?;
    let before = rss_bytes(pid)?;
    let mut connections = Vec::with_capacity(count);
    for i in 0..count {
        let timeout = Duration::from_secs_f64(args.reply_timeout);
        let stream = connector
            .connect(timeout)
            .await
            .map_err(|e| format!("connection {i}: {e}"))?;
        let mut reader = BufReader::new(stream);
        let mut line = Vec::new();
        if script.greeting {
            tokio::time::timeout(timeout, reader.read_until(b'\n', &mut line))
                .await
                .map_err(|_| format!("connection {i}: no greeting within {timeout:?}"))??;
            if line.is_empty() {
                return Err(format!("connection {i} closed before its greeting").into());
            }
        }
        connections.push(reader);
    }
    // Let the server settle (tasks parked, buffers as they will stay).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_bytes(pid)?;
    // Count the connections the server has not closed (a closed one reads
    // as 0 bytes; an open, silent one would block).
    // Over TLS, records the client has not read may be waiting (session
    // tickets a server sends after the handshake): they are read and
    // dropped until the socket would block (open) or ends (closed).
    let open = connections
        .iter()
        .filter(|reader| match reader.get_ref() {
            Stream::Plain(stream) => {
                let mut probe = [0u8; 1];
                matches!(stream.try_read(&mut probe),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
            }
            Stream::Tls(stream) => {
                let mut sink = [0u8; 4096];
                loop {
                    match stream.get_ref().0.try_read(&mut sink) {
                        Ok(0) => break false,
                        Ok(_) => continue,
                        Err(e) => break e.kind() == std::io::ErrorKind::WouldBlock,
                    }
                }
            }
        })
        .count();
    let growth = after.saturating_sub(before);
    println!(
        "label={} idle_connections={}{} still_open={} rss_before={} rss_after={} bytes_per_connection={}",
        if args.label.is_empty() {
            "-"
        } else {
            &args.label
        },
        count,
        if args.tls { " tls=1" } else { "" },
        open,
        before,
        after,
        growth / count.max(1) as u64,
    );
    drop(connections);
    Ok(())
}

/// Connects to `addr` and enters chat mode in `room`; returns the split
/// stream.
async fn chat_join(
    connector: &Connector,
    addr: SocketAddr,
    room: &str,
    timeout: Duration,
) -> Result<(BufReader<ReadHalf>, WriteHalf), BoxError> {
    let stream = connector.connect_to(addr, timeout).await?;
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::with_capacity(64 * 1024, read);
    let mut line = Vec::new();
    read_reply(&mut reader, &mut line, timeout).await?; // greeting
    write
        .write_all(format!("/chat #{room}\r\n").as_bytes())
        .await?;
    // The replies to `/chat` (a welcome, maybe who is there) are read
    // along with everything else by the member's reader.
    Ok((reader, write))
}

/// Whether the peer has not closed `stream`: reads what is buffered (a
/// stalled member's backlog) until it would block (open) or ends (closed).
/// (Over TLS, only plain halves can be probed this way: a TLS member
/// counts as open.)
fn still_open(stream: &ReadHalf) -> bool {
    let ReadHalf::Plain(stream) = stream else {
        return true;
    };
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match stream.as_ref().try_read(&mut buf) {
            Ok(0) => return false,
            Ok(_) => continue,
            Err(e) => return e.kind() == std::io::ErrorKind::WouldBlock,
        }
    }
}

/// How far behind a sender may fall in reading the others' lines (see
/// `chat`): under safecalc's per-member queue of 1,024 lines.
const SENDERS_BEHIND: u64 = 1000;

/// The marker that starts every benchmark chat line.
const CHAT_MARK: &[u8] = b"fanout-";

/// For a benchmark chat line as relayed (`<nick> fanout-SEQ-MICROS`), the
/// MICROS it was written at (since the run's epoch); `None` for any other
/// line. One pass, no UTF-8 check: it runs for every line every member
/// receives, millions a second, on the load generator's one thread.
fn chat_line_written(line: &[u8]) -> Option<u64> {
    if line.first() != Some(&b'<') {
        return None;
    }
    let close = line.iter().position(|&b| b == b'>')?;
    let text = line.get(close + 2..)?.strip_prefix(CHAT_MARK)?;
    let dash = text.iter().position(|&b| b == b'-')?;
    let digits = &text[dash + 1..];
    let end = digits
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    if end == 0 {
        return None;
    }
    digits[..end].iter().try_fold(0u64, |n, &b| {
        n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// What one [`read_lines`] call saw.
enum Chunk {
    /// Something was read; its complete lines were handed over.
    Read,
    /// Nothing arrived within the wait.
    Quiet,
    /// The server closed the connection.
    Closed,
}

/// Reads whatever has arrived (waiting at most 100 ms for it) and calls
/// `each` on every complete line in it; a line cut at the end of what
/// was read waits in `pending` for its end. One read, one timer and one
/// clock read per chunk rather than per line: a member of a busy room
/// receives hundreds of thousands of lines a second, and the load
/// generator (one thread) must not be what limits the figure.
async fn read_lines(
    reader: &mut BufReader<ReadHalf>,
    pending: &mut Vec<u8>,
    mut each: impl FnMut(&[u8]),
) -> std::io::Result<Chunk> {
    let chunk = match tokio::time::timeout(Duration::from_millis(100), reader.fill_buf()).await {
        Err(_) => return Ok(Chunk::Quiet),
        Ok(read) => read?,
    };
    if chunk.is_empty() {
        return Ok(Chunk::Closed);
    }
    let taken = chunk.len();
    let mut rest = chunk;
    if !pending.is_empty() {
        match rest.iter().position(|&b| b == b'\n') {
            Some(end) => {
                pending.extend_from_slice(&rest[..=end]);
                each(pending);
                pending.clear();
                rest = &rest[end + 1..];
            }
            None => {
                pending.extend_from_slice(rest);
                rest = &[];
            }
        }
    }
    while let Some(end) = rest.iter().position(|&b| b == b'\n') {
        each(&rest[..=end]);
        rest = &rest[end + 1..];
    }
    pending.extend_from_slice(rest);
    reader.consume(taken);
    Ok(Chunk::Read)
}

async fn chat(args: Args, members: usize) -> Result<(), BoxError> {
    let connector = Connector::new(&args)?;
    let timeout = Duration::from_secs_f64(args.reply_timeout);
    let done = Arc::new(AtomicBool::new(false));
    // Set during the measured seconds: readers record delivery latency.
    let measuring = Arc::new(AtomicBool::new(false));
    let epoch = Instant::now();
    // Members alternate between the instances (one without --second-addr).
    let instance = |i: usize| match args.second_addr {
        Some(second) if i % 2 == 1 => second,
        _ => args.addr,
    };
    // Told by a reader or a drain when it got benchmark lines: the window
    // may have moved.
    let progress = Arc::new(tokio::sync::Notify::new());
    // The readers, each counting the benchmark lines it receives.
    let mut counters = Vec::with_capacity(members);
    let mut readers = Vec::with_capacity(members);
    for i in 0..members {
        let (mut reader, write) =
            chat_join(&connector, instance(i), &args.chat_room, timeout).await?;
        let count = Arc::new(AtomicU64::new(0));
        counters.push(count.clone());
        let done = done.clone();
        let measuring = measuring.clone();
        let progress = progress.clone();
        readers.push(tokio::spawn(async move {
            let _write = write; // closing it would end the session
            let mut latency = Histogram::<u64>::new_with_bounds(1, 120_000_000, 3)?;
            let mut pending = Vec::new();
            while !done.load(Ordering::Relaxed) {
                let now = epoch.elapsed().as_micros() as u64;
                let measure = measuring.load(Ordering::Relaxed);
                let (mut received, mut recorded) = (0, Ok(()));
                let chunk = read_lines(&mut reader, &mut pending, |line| {
                    if let Some(written) = chat_line_written(line) {
                        received += 1;
                        if measure {
                            let micros = now.saturating_sub(written).max(1);
                            recorded = recorded.and(latency.record(micros));
                        }
                    }
                })
                .await?;
                recorded?;
                match chunk {
                    Chunk::Closed => {
                        return Err::<Histogram<u64>, BoxError>(
                            "the server closed a member".into(),
                        );
                    }
                    Chunk::Quiet => {}
                    Chunk::Read => {
                        if received > 0 {
                            count.fetch_add(received, Ordering::Relaxed);
                            progress.notify_one();
                        }
                    }
                }
            }
            Ok(latency)
        }));
    }
    let mut stalled = Vec::with_capacity(args.chat_stalled);
    for i in 0..args.chat_stalled {
        stalled.push(chat_join(&connector, instance(members + i), &args.chat_room, timeout).await?);
    }
    // The senders: their own sockets are drained too (announcements, and
    // the other senders' lines, which count as delivered), so that they
    // never stall.
    let senders_n = args.chat_senders.max(1);
    let mut senders = Vec::with_capacity(senders_n);
    let mut sender_counters = Vec::with_capacity(senders_n);
    let mut drains = Vec::with_capacity(senders_n);
    for j in 0..senders_n {
        let (mut sender_reader, sender) =
            chat_join(&connector, instance(j), &args.chat_room, timeout).await?;
        senders.push(sender);
        let count = Arc::new(AtomicU64::new(0));
        sender_counters.push(count.clone());
        let drain_done = done.clone();
        let progress = progress.clone();
        drains.push(tokio::spawn(async move {
            let mut pending = Vec::new();
            while !drain_done.load(Ordering::Relaxed) {
                let mut received = 0;
                let chunk = read_lines(&mut sender_reader, &mut pending, |line| {
                    received += u64::from(chat_line_written(line).is_some());
                })
                .await;
                match chunk {
                    Ok(Chunk::Read) => {
                        if received > 0 {
                            count.fetch_add(received, Ordering::Relaxed);
                            progress.notify_one();
                        }
                    }
                    Ok(Chunk::Quiet) => {}
                    Ok(Chunk::Closed) | Err(_) => break,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await; // joins settle
    let slowest = |counters: &[Arc<AtomicU64>]| {
        counters
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .min()
            .unwrap_or(0)
    };
    let total = |counters: &[Arc<AtomicU64>]| {
        counters
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .sum::<u64>()
    };
    let delivered_now = || total(&counters) + total(&sender_counters);
    let warmup = Duration::from_secs_f64(args.warmup);
    let run = Duration::from_secs_f64(args.seconds);
    let batch = args.pipeline.max(1) as u64;
    let start = Instant::now();
    let mut sent = 0u64;
    let mut at_start = None; // (time, sent, delivered)
    let mut last_progress = Instant::now();
    let mut last_delivered = 0;
    let mut turn = 0usize;
    // Lines each sender sent: a sender's own lines never come back to it.
    let mut sent_by = vec![0u64; senders.len()];
    // The senders read too (the others' lines: nine tenths of a room of
    // 11's lines each), and a server disconnects whoever falls a queue
    // behind: they are kept within SENDERS_BEHIND lines, apart from the
    // window, which is the members' (what the fan-out figures mean).
    let senders_behind = args.chat_window.max(SENDERS_BEHIND);
    let members_lag = |sent: u64| -> u64 {
        if counters.is_empty() {
            0
        } else {
            sent.saturating_sub(slowest(&counters))
        }
    };
    let senders_lag = |sent: u64, sent_by: &[u64]| -> u64 {
        sender_counters
            .iter()
            .zip(sent_by)
            .map(|(count, &own)| {
                sent.saturating_sub(own)
                    .saturating_sub(count.load(Ordering::Relaxed))
            })
            .max()
            .unwrap_or(0)
    };
    while start.elapsed() < warmup + run {
        if at_start.is_none() && start.elapsed() >= warmup {
            at_start = Some((Instant::now(), sent, delivered_now()));
            measuring.store(true, Ordering::Relaxed);
        }
        let delivered = delivered_now();
        if delivered != last_delivered {
            (last_delivered, last_progress) = (delivered, Instant::now());
        } else if last_progress.elapsed() > timeout {
            return Err("no member received anything for the reply timeout".into());
        }
        if members_lag(sent) + batch > args.chat_window
            || senders_lag(sent, &sent_by) + batch > senders_behind
        {
            // Wait for a reader to get something, instead of spinning: a
            // spinning load generator takes the CPU a server's own threads
            // (the SQLite store's writer) would run on.
            let _ = tokio::time::timeout(Duration::from_millis(10), progress.notified()).await;
            continue;
        }
        let mut lines = String::new();
        let written = epoch.elapsed().as_micros();
        for _ in 0..batch {
            lines.push_str(&format!("fanout-{sent}-{written}\r\n"));
            sent += 1;
        }
        turn = (turn + 1) % senders.len();
        sent_by[turn] += batch;
        tokio::time::timeout(timeout, senders[turn].write_all(lines.as_bytes()))
            .await
            .map_err(|_| "a sender could not write for the reply timeout")??;
    }
    let (t0, sent0, delivered0) = at_start.ok_or("no measuring time")?;
    let measured = t0.elapsed().as_secs_f64();
    let delivered = delivered_now() - delivered0;
    measuring.store(false, Ordering::Relaxed);
    done.store(true, Ordering::Relaxed);
    let mut failed = 0;
    let mut latency = Histogram::<u64>::new_with_bounds(1, 120_000_000, 3)?;
    for r in readers {
        match r.await? {
            Ok(member) => latency.add(&member)?,
            Err(e) => {
                failed += 1;
                if failed <= 3 {
                    eprintln!("member failed: {e}");
                }
            }
        }
    }
    for drain in drains {
        let _ = drain.await;
    }
    // A server that protects the room disconnects the stalled members.
    let stalled_open = stalled
        .iter()
        .filter(|(reader, _)| still_open(reader.get_ref()))
        .count();
    println!(
        "label={} chat_members={} senders={} stalled={} stalled_still_open={} seconds={:.2} sent_per_s={:.0} delivered_per_s={:.0} failed_members={} instances={} sent={} delivery_p50_us={} delivery_p99_us={} delivery_max_us={}",
        if args.label.is_empty() {
            "-"
        } else {
            &args.label
        },
        members,
        senders_n,
        args.chat_stalled,
        stalled_open,
        measured,
        (sent - sent0) as f64 / measured,
        delivered as f64 / measured,
        failed,
        if args.second_addr.is_some() { 2 } else { 1 },
        sent,
        latency.value_at_quantile(0.5),
        latency.value_at_quantile(0.99),
        latency.max(),
    );
    if failed > 0 {
        return Err(format!("{failed} members failed").into());
    }
    Ok(())
}

/// Full TLS handshakes per second: `--connections` tasks, each
/// connecting, shaking hands and resetting the connection in a loop.
async fn handshakes(args: Args) -> Result<(), BoxError> {
    let connector = Connector::new(&args)?;
    let timeout = Duration::from_secs_f64(args.reply_timeout);
    let warmup = Duration::from_secs_f64(args.warmup);
    let deadline = Instant::now() + warmup + Duration::from_secs_f64(args.seconds);
    let measuring = Arc::new(AtomicBool::new(warmup.is_zero()));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(args.connections);
    for _ in 0..args.connections.max(1) {
        let (connector, measuring, done, failed) = (
            connector.clone(),
            measuring.clone(),
            done.clone(),
            failed.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                match connector.connect(timeout).await {
                    Ok(stream) => {
                        // A reset instead of a FIN: no TIME_WAIT, so that
                        // tens of thousands of handshakes do not run out
                        // of local ports.
                        let _ = stream.tcp().set_zero_linger();
                        if measuring.load(Ordering::Relaxed) {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(e) => {
                        if failed.fetch_add(1, Ordering::Relaxed) < 3 {
                            eprintln!("handshake failed: {e}");
                        }
                    }
                }
            }
        }));
    }
    tokio::time::sleep(warmup).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    let cpu_before = args.server_pid.map(cpu_ticks).transpose()?;
    for task in tasks {
        task.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let count = done.load(Ordering::Relaxed);
    let server_cpu = match (args.server_pid, cpu_before) {
        (Some(pid), Some(before)) => {
            let ticks = cpu_ticks(pid)?.saturating_sub(before);
            let us = ticks as f64 * 1e6 / USER_HZ / count.max(1) as f64;
            format!(" server_cpu_us_per_handshake={us:.0}")
        }
        _ => String::new(),
    };
    let failures = failed.load(Ordering::Relaxed);
    println!(
        "label={} handshakes={} n={} seconds={:.2} handshakes_per_s={:.0} failed={}{server_cpu}",
        if args.label.is_empty() {
            "-"
        } else {
            &args.label
        },
        count,
        args.connections,
        elapsed,
        count as f64 / elapsed,
        failures,
    );
    if failures > 0 {
        return Err(format!("{failures} handshakes failed").into());
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if let Some(addr) = args.second_addr.filter(|a| !a.ip().is_loopback()) {
        eprintln!("loadgen: {addr} is not a loopback address");
        return std::process::ExitCode::FAILURE;
    }
    if !args.addr.ip().is_loopback() {
        eprintln!("loadgen: {} is not a loopback address", args.addr);
        return std::process::ExitCode::from(2);
    }
    // One thread: the server under test gets the other core.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("loadgen: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = match (args.idle, args.chat_members) {
        _ if args.handshakes => runtime.block_on(handshakes(args)),
        (Some(count), _) => runtime.block_on(idle(args, count)),
        (None, Some(members)) => runtime.block_on(chat(args, members)),
        (None, None) => runtime.block_on(load(args)),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
