//! Helpers for the tests of several instances sharing a chat through
//! Redis: a real `redis-server` (Debian's package) on a free loopback
//! port with a temporary directory and its append-only file, `safecalc`
//! binaries started with `--redis`, and a blocking line client.
//!
//! A test that cannot start `redis-server` fails and says why; none skips.
//! Every wait is bounded by [`PATIENCE`] (a broken server fails a test
//! instead of hanging it); no test asserts on how long anything takes.
#![allow(dead_code)]

#[path = "../support/spawned.rs"]
mod spawned;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The longest any single step may wait.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The presence TTL the tests give their instances: short, so that a
/// killed instance's users leave soon.
pub const PRESENCE_TTL_SECONDS: u64 = 2;

/// A fresh, empty directory under the system's temporary one, removed
/// when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "safecalc-redis-test-{tag}-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A port that was free a moment ago (the kernel's pick).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// The `redis-server` to run, or a failure saying how to get one.
fn redis_server_binary() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("redis-server"))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "redis-server is not installed: these tests run a real Redis. \
             Install Debian's package (apt-get install -y redis-server; .ci/run does it)"
        )
    })
}

/// A `redis-server` of the test's own, with its append-only file in a
/// temporary directory. Killed when dropped.
pub struct Redis {
    pub port: u16,
    dir: TempDir,
    child: Option<Child>,
    /// Extra arguments (TLS) kept for restarts.
    extra: Vec<String>,
}

impl Redis {
    /// Starts one on a free port.
    pub fn start(tag: &str) -> Redis {
        Redis::start_with(tag, Vec::new())
    }

    /// Starts one with extra arguments (`--tls-port` ...): `port` is then
    /// the port the caller put in them, and the plain port is off.
    pub fn start_with(tag: &str, extra: Vec<String>) -> Redis {
        let mut redis = Redis {
            port: 0,
            dir: TempDir::new(tag),
            child: None,
            extra,
        };
        // The free port may be taken between the look and Redis's bind:
        // a few tries.
        let mut last = String::new();
        for _ in 0..5 {
            redis.port = free_port();
            match redis.spawn() {
                Ok(()) => return redis,
                Err(e) => last = e,
            }
        }
        panic!("cannot start redis-server: {last}");
    }

    /// Starts one on `port` (for a server that was told of it first).
    pub fn on_port(tag: &str, port: u16) -> Redis {
        let mut redis = Redis {
            port,
            dir: TempDir::new(tag),
            child: None,
            extra: Vec::new(),
        };
        if let Err(e) = redis.spawn() {
            panic!("cannot start redis-server on port {port}: {e}");
        }
        redis
    }

    /// The directory its append-only file is in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) -> Result<(), String> {
        let tls = !self.extra.is_empty();
        let mut command = Command::new(redis_server_binary());
        command
            .args(["--bind", "127.0.0.1", "--protected-mode", "yes"])
            .args([
                "--port",
                &if tls {
                    "0".into()
                } else {
                    self.port.to_string()
                },
            ])
            .arg("--dir")
            .arg(self.dir.path())
            // Every write is on disk before Redis answers, so that a kill -9
            // loses nothing the chat was told is stored.
            .args(["--appendonly", "yes", "--appendfsync", "always"])
            .args(["--save", ""])
            .args(&self.extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", redis_server_binary().display()))?;
        // Ready when it answers PING.
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                let mut out = String::new();
                if let Some(mut stdout) = child.stdout.take() {
                    let _ = stdout.read_to_string(&mut out);
                }
                return Err(format!("redis-server exited ({status}): {out}"));
            }
            if tls || ping(self.port) {
                // (A TLS Redis is checked by the safecalc that uses it.)
                if tls {
                    std::thread::sleep(Duration::from_millis(300));
                }
                self.child = Some(child);
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err("redis-server did not answer PING in time".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills it (`kill -9`).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and directory (it reads its
    /// append-only file back).
    pub fn restart(&mut self) {
        self.kill();
        let mut last = String::new();
        for _ in 0..50 {
            match self.spawn() {
                Ok(()) => return,
                // The port may linger a moment.
                Err(e) => last = e,
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("cannot restart redis-server: {last}");
    }

    /// Runs one command over RESP (for the tests that look at Redis
    /// itself) and returns the raw reply.
    pub fn command(&self, args: &[&str]) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to redis");
        stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        stream.write_all(request.as_bytes()).expect("send");
        let mut reader = BufReader::new(stream);
        read_reply(&mut reader)
    }
}

/// One RESP reply, flattened to text (bulk strings and integers joined by
/// newlines).
fn read_reply(reader: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).expect("a reply");
    let line = line.trim_end();
    let (kind, rest) = line.split_at(1);
    match kind {
        "+" | "-" | ":" => rest.to_string(),
        "$" => {
            let n: i64 = rest.parse().expect("a length");
            if n < 0 {
                return String::new();
            }
            let mut body = vec![0; n as usize + 2];
            reader.read_exact(&mut body).expect("a body");
            String::from_utf8_lossy(&body[..n as usize]).into_owned()
        }
        "*" => {
            let n: i64 = rest.parse().expect("a count");
            (0..n.max(0))
                .map(|_| read_reply(reader))
                .collect::<Vec<_>>()
                .join("\n")
        }
        _ => panic!("unexpected reply {line:?}"),
    }
}

fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A `safecalc` serving on a free port, sharing its chat through Redis.
/// Killed when dropped.
pub struct Instance {
    pub name: String,
    pub addr: String,
    child: Option<Child>,
}

impl Instance {
    /// Starts one called `name` on the Redis at `url`.
    pub fn start(name: &str, url: &str) -> Instance {
        Instance::start_with(name, url, &[])
    }

    pub fn start_with(name: &str, url: &str, extra: &[&str]) -> Instance {
        let (child, addr) = spawned::listening(
            Command::new(env!("CARGO_BIN_EXE_safecalc"))
                .args(["--listen", "127.0.0.1:0", "--chat-rate", "0"])
                .args(["--redis", url, "--instance-name", name])
                .args(["--presence-ttl", &PRESENCE_TTL_SECONDS.to_string()])
                .args(extra),
        );
        Instance {
            name: name.to_string(),
            addr,
            child: Some(child),
        }
    }

    /// A connected client that has read the greeting.
    pub fn client(&self) -> Client {
        Client::connect(&self.addr)
    }

    /// `kill -9`.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A blocking line client.
pub struct Client {
    reader: BufReader<TcpStream>,
    /// Every line read so far, for failure messages.
    pub seen: Vec<String>,
}

impl Client {
    /// A client that is not connected (to hold a place in a list while
    /// its connection is lent to a thread); any use of it fails.
    pub fn placeholder() -> Client {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let stream = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        Client {
            reader: BufReader::new(stream),
            seen: Vec::new(),
        }
    }

    pub fn connect(addr: &str) -> Client {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
        let mut client = Client {
            reader: BufReader::new(stream),
            seen: Vec::new(),
        };
        let greeting = client.line();
        assert!(greeting.starts_with("safecalc "), "{greeting}");
        client
    }

    pub fn send(&mut self, text: &str) {
        self.reader
            .get_mut()
            .write_all(format!("{text}\n").as_bytes())
            .expect("send");
    }

    /// The next line, or `None` at the end of the stream.
    pub fn next(&mut self) -> Option<String> {
        let mut text = String::new();
        match self.reader.read_line(&mut text) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                let line = text.trim_end_matches(['\r', '\n']).to_string();
                self.seen.push(line.clone());
                Some(line)
            }
        }
    }

    pub fn line(&mut self) -> String {
        match self.next() {
            Some(line) => line,
            None => panic!("no line in time; so far: {:#?}", self.seen),
        }
    }

    pub fn ask(&mut self, text: &str) -> String {
        self.send(text);
        self.line()
    }

    /// Reads until a line that `wanted` accepts, and returns it with the
    /// lines before it.
    pub fn until(&mut self, wanted: impl Fn(&str) -> bool) -> (String, Vec<String>) {
        let mut before = Vec::new();
        loop {
            let line = self.line();
            if wanted(&line) {
                return (line, before);
            }
            before.push(line);
        }
    }

    /// Reads until the line `exact`.
    pub fn expect(&mut self, exact: &str) -> Vec<String> {
        self.until(|line| line == exact).1
    }

    /// Enters chat mode in `room` and returns who is there, as listed.
    pub fn enter(&mut self, room: &str) -> String {
        self.send(&format!("/chat {room}"));
        let (joined, _) = self.until(|line| line.starts_with("-- you joined"));
        joined
    }

    /// `/history N`: the lines without their times.
    pub fn history(&mut self, n: usize) -> Vec<String> {
        self.send(&format!("/history {n}"));
        let (header, _) = self
            .until(|line| line.starts_with("-- the last ") || line.starts_with("-- no messages"));
        let count = match header.strip_prefix("-- the last ") {
            Some(rest) => rest
                .split_whitespace()
                .next()
                .and_then(|k| k.parse().ok())
                .unwrap_or(1),
            None => 0,
        };
        (0..count)
            .map(|_| {
                let line = self.line();
                line.split_once("] ")
                    .map_or(line.clone(), |(_, rest)| rest.to_string())
            })
            .collect()
    }

    /// Sends `/echo MARK` and returns every line before its echo: what
    /// was queued for this client until then.
    pub fn drain(&mut self, mark: &str) -> Vec<String> {
        self.send(&format!("/echo {mark}"));
        self.expect(mark)
    }
}

/// A TCP relay to a Redis that can cut off whoever goes through it: the
/// instance behind it loses Redis while the others keep it.
pub struct Relay {
    pub port: u16,
    state: std::sync::Arc<std::sync::Mutex<RelayState>>,
}

struct RelayState {
    open: bool,
    stopped: bool,
    /// Both ends of every relayed connection, to shut them at a cut.
    streams: Vec<TcpStream>,
}

impl Relay {
    /// Relays a free loopback port to `target_port`.
    pub fn start(target_port: u16) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the relay");
        let port = listener.local_addr().expect("relay address").port();
        let state = std::sync::Arc::new(std::sync::Mutex::new(RelayState {
            open: true,
            stopped: false,
            streams: Vec::new(),
        }));
        let shared = std::sync::Arc::clone(&state);
        std::thread::spawn(move || {
            for incoming in listener.incoming() {
                let Ok(client) = incoming else { continue };
                let mut state = shared.lock().expect("relay state");
                if state.stopped {
                    return;
                }
                if !state.open {
                    continue; // dropped: the connection is refused
                }
                let Ok(upstream) = TcpStream::connect(("127.0.0.1", target_port)) else {
                    continue;
                };
                for (from, to) in [(&client, &upstream), (&upstream, &client)] {
                    let (Ok(mut from), Ok(mut to)) = (from.try_clone(), to.try_clone()) else {
                        continue;
                    };
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
                state.streams.push(client);
                state.streams.push(upstream);
            }
        });
        Relay { port, state }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Shuts every relayed connection and refuses new ones.
    pub fn cut(&self) {
        let mut state = self.state.lock().expect("relay state");
        state.open = false;
        for stream in state.streams.drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Relays again.
    pub fn restore(&self) {
        self.state.lock().expect("relay state").open = true;
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.cut();
        self.state.lock().expect("relay state").stopped = true;
        // Wakes the accepting thread so that it sees `stopped`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}
