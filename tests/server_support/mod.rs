//! Shared helpers for the server's integration tests: an in-process server
//! on `127.0.0.1:0` and a line client over real TCP.
//!
//! Every wait is bounded by [`PATIENCE`], so a broken server fails a test
//! instead of hanging it; no test asserts on how long anything takes.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use safecalc::server::{ChatHub, Config, GREETING, Server, Stats};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The longest any single step of a test may wait before it fails.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// What a fresh calculator session replies to `line`, as the server writes
/// it: the value's `repr`, or `error: ` and the error. Tests of the server
/// compare with it where a reply must be the calculator's own answer to
/// that line (its exact wording is the calculator tests' business), so
/// that any other `error: ...` line, such as `line too long`, fails them.
pub fn calc_reply(line: &str) -> String {
    match safecalc::calc::Session::new().eval(line) {
        Ok(value) => value.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

/// A server running in this process.
pub struct TestServer {
    pub addr: SocketAddr,
    pub stats: Arc<Stats>,
    pub chat: Arc<ChatHub>,
    pub shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        TestServer::with_config(Config::default()).await
    }

    pub async fn with_config(config: Config) -> TestServer {
        let server = Server::bind("127.0.0.1:0", config).await.expect("bind");
        TestServer::serving(server)
    }

    /// A server on a listener the test made, for socket options (buffer
    /// sizes) that the connections it accepts inherit.
    pub fn with_listener(listener: TcpListener, config: Config) -> TestServer {
        TestServer::serving(Server::from_listener(listener, config))
    }

    fn serving(server: Server) -> TestServer {
        let addr = server.local_addr().expect("local addr");
        let stats = server.stats();
        let chat = server.chat();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(server.run(shutdown.clone()));
        TestServer {
            addr,
            stats,
            chat,
            shutdown,
            task,
        }
    }

    /// A connected client that has read the greeting.
    pub async fn client(&self) -> Client {
        Client::connect(self.addr).await
    }

    /// Cancels the server and waits for `run` to return.
    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("server stops in time")
            .expect("server task does not panic");
    }

    /// Waits until exactly `n` connections are open (a bounded poll: the
    /// count drops when a connection's task has finished).
    pub async fn wait_for_open_connections(&self, n: u64) {
        for _ in 0..1200 {
            if self.stats.open_connections() == n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "expected {n} open connections, still {}",
            self.stats.open_connections()
        );
    }
}

/// The next line from `reader`, without its CR LF (which must be there).
pub async fn read_line(reader: &mut BufReader<OwnedReadHalf>) -> String {
    let bytes = read_raw_line(reader).await;
    assert!(
        bytes.ends_with(b"\r\n"),
        "line must end with CR LF: {:?}",
        String::from_utf8_lossy(&bytes)
    );
    String::from_utf8(bytes[..bytes.len() - 2].to_vec()).expect("replies are UTF-8")
}

/// The next bytes up to and including LF; panics at end of stream.
pub async fn read_raw_line(reader: &mut BufReader<OwnedReadHalf>) -> Vec<u8> {
    let mut bytes = Vec::new();
    let n = tokio::time::timeout(PATIENCE, reader.read_until(b'\n', &mut bytes))
        .await
        .expect("reply in time")
        .expect("read");
    assert!(n > 0, "unexpected end of stream");
    bytes
}

/// A line-oriented client over real TCP.
pub struct Client {
    pub reader: BufReader<OwnedReadHalf>,
    pub writer: OwnedWriteHalf,
}

impl Client {
    /// Connects and checks the greeting.
    pub async fn connect(addr: SocketAddr) -> Client {
        let mut client = Client::connect_raw(addr).await;
        assert_eq!(client.line().await, GREETING);
        client
    }

    /// Connects without reading anything.
    pub async fn connect_raw(addr: SocketAddr) -> Client {
        let stream = tokio::time::timeout(PATIENCE, TcpStream::connect(addr))
            .await
            .expect("connect in time")
            .expect("connect");
        Client::from_stream(stream)
    }

    pub fn from_stream(stream: TcpStream) -> Client {
        let (reader, writer) = stream.into_split();
        Client {
            reader: BufReader::new(reader),
            writer,
        }
    }

    /// Sends `text` and a LF.
    pub async fn send(&mut self, text: &str) {
        self.send_bytes(format!("{text}\n").as_bytes()).await;
    }

    pub async fn send_bytes(&mut self, bytes: &[u8]) {
        tokio::time::timeout(PATIENCE, self.writer.write_all(bytes))
            .await
            .expect("write in time")
            .expect("write");
    }

    /// The next line, without its CR LF (which must be there).
    pub async fn line(&mut self) -> String {
        read_line(&mut self.reader).await
    }

    /// The next bytes up to and including LF; panics at end of stream.
    pub async fn raw_line(&mut self) -> Vec<u8> {
        read_raw_line(&mut self.reader).await
    }

    /// Sends one line and returns the one reply line.
    pub async fn ask(&mut self, text: &str) -> String {
        self.send(text).await;
        self.line().await
    }

    /// Everything until the server closes.
    pub async fn read_to_end(&mut self) -> Vec<u8> {
        let mut bytes = Vec::new();
        tokio::time::timeout(PATIENCE, self.reader.read_to_end(&mut bytes))
            .await
            .expect("server closes in time")
            .expect("read to end");
        bytes
    }

    /// Asserts that the server has closed the connection.
    pub async fn expect_eof(&mut self) {
        let rest = self.read_to_end().await;
        assert!(
            rest.is_empty(),
            "expected end of stream, got {:?}",
            String::from_utf8_lossy(&rest)
        );
    }

    /// Asserts the session ends with `bye` and the connection closes.
    pub async fn expect_bye(&mut self) {
        assert_eq!(self.line().await, "bye");
        self.expect_eof().await;
    }
}
