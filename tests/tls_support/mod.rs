//! Shared helpers for the TLS tests: a folder of certificates, an
//! in-process server with both listeners, and a line client over rustls.
//!
//! Every wait is bounded by [`PATIENCE`]; no test asserts on how long
//! anything takes.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};
use safecalc::certificate;
use safecalc::client::tls::{Trust, client_config};
use safecalc::server::{
    CertificateFiles, ChatHub, Config, GREETING, Server, Stats, TlsReloader, TlsSetup,
};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_util::sync::CancellationToken;

/// The longest any single step of a test may wait before it fails.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A folder of this test's own, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "safecalc-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("make scratch folder");
        Scratch(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A self-signed pair for localhost in `dir` (as `safecalc cert` writes
/// it, replacing what is there); returns the files and the certificate.
pub fn write_pair(dir: &Path) -> (CertificateFiles, CertificateDer<'static>) {
    let pair = certificate::self_signed(&[]).expect("generate");
    let (cert, key) = certificate::write(&pair, dir, true).expect("write pair");
    let der = safecalc::server::tls::read_chain(&cert)
        .expect("read back")
        .remove(0);
    (CertificateFiles { cert, key }, der)
}

/// A server running in this process, with a plain and a TLS listener.
pub struct TlsTestServer {
    pub addr: SocketAddr,
    pub tls_addr: SocketAddr,
    pub stats: Arc<Stats>,
    pub chat: Arc<ChatHub>,
    pub shutdown: CancellationToken,
    pub reloader: TlsReloader,
    pub files: CertificateFiles,
    pub cert: CertificateDer<'static>,
    pub scratch: Scratch,
    task: JoinHandle<()>,
}

impl TlsTestServer {
    pub async fn start() -> TlsTestServer {
        TlsTestServer::with_config(Config::default()).await
    }

    pub async fn with_config(config: Config) -> TlsTestServer {
        let scratch = Scratch::new("tls");
        let (files, cert) = write_pair(&scratch.0);
        let setup = TlsSetup::load(files.clone()).expect("load pair");
        let server = Server::bind("127.0.0.1:0", config)
            .await
            .expect("bind")
            .with_tls("127.0.0.1:0", setup)
            .await
            .expect("bind TLS");
        let addr = server.local_addr().expect("addr");
        let tls_addr = server
            .tls_local_addr()
            .expect("a TLS listener")
            .expect("TLS addr");
        let reloader = server.tls_reloader().expect("a reloader");
        let stats = server.stats();
        let chat = server.chat();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(server.run(shutdown.clone()));
        TlsTestServer {
            addr,
            tls_addr,
            stats,
            chat,
            shutdown,
            reloader,
            files,
            cert,
            scratch,
            task,
        }
    }

    /// A TLS client that trusts the server's first certificate and has
    /// read the greeting.
    pub async fn tls_client(&self) -> TlsClient {
        let mut client = TlsClient::connect(self.tls_addr, &self.files.cert).await;
        assert_eq!(client.line().await, GREETING);
        client
    }

    /// Cancels the server and waits for `run` to return.
    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("server stops in time")
            .expect("server task does not panic");
    }

    /// Waits until exactly `n` connections are open (bounded poll).
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

/// The result of a handshake: the stream, or rustls's reason.
pub async fn handshake(addr: SocketAddr, ca: &Path) -> std::io::Result<TlsStream<TcpStream>> {
    let config = client_config(Trust::CaFile(ca)).expect("client config");
    let tcp = tokio::time::timeout(PATIENCE, TcpStream::connect(addr))
        .await
        .expect("connect in time")
        .expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    tokio::time::timeout(
        PATIENCE,
        TlsConnector::from(Arc::new(config)).connect(name, tcp),
    )
    .await
    .expect("handshake ends in time")
}

/// A line client over TLS.
pub struct TlsClient {
    pub stream: BufReader<TlsStream<TcpStream>>,
}

impl TlsClient {
    /// Connects and shakes hands, trusting the certificates in `ca`.
    pub async fn connect(addr: SocketAddr, ca: &Path) -> TlsClient {
        let stream = handshake(addr, ca).await.expect("handshake");
        TlsClient {
            stream: BufReader::new(stream),
        }
    }

    /// The certificate the server presented.
    pub fn server_certificate(&self) -> CertificateDer<'static> {
        let (_, connection) = self.stream.get_ref().get_ref();
        connection
            .peer_certificates()
            .and_then(|chain| chain.first())
            .expect("a certificate")
            .clone()
            .into_owned()
    }

    pub async fn send(&mut self, text: &str) {
        let stream = self.stream.get_mut();
        tokio::time::timeout(PATIENCE, async {
            stream.write_all(format!("{text}\n").as_bytes()).await?;
            stream.flush().await
        })
        .await
        .expect("write in time")
        .expect("write");
    }

    /// The next line, without its CR LF (which must be there).
    pub async fn line(&mut self) -> String {
        let mut bytes = Vec::new();
        let n = tokio::time::timeout(PATIENCE, self.stream.read_until(b'\n', &mut bytes))
            .await
            .expect("reply in time")
            .expect("read");
        assert!(n > 0, "unexpected end of stream");
        let text = String::from_utf8(bytes).expect("UTF-8");
        text.strip_suffix("\r\n")
            .unwrap_or_else(|| panic!("line must end with CR LF: {text:?}"))
            .to_string()
    }

    pub async fn ask(&mut self, text: &str) -> String {
        self.send(text).await;
        self.line().await
    }

    /// Everything until the server closes (a TLS close or an error both
    /// end it: what counts is that it ends).
    pub async fn read_to_end(&mut self) -> Vec<u8> {
        let mut bytes = Vec::new();
        let read = tokio::time::timeout(PATIENCE, self.stream.read_to_end(&mut bytes))
            .await
            .expect("server closes in time");
        let _ = read;
        bytes
    }
}

/// The first flight of a real TLS client: a ClientHello for localhost.
pub fn client_hello() -> Vec<u8> {
    let config = client_config(Trust::Insecure).expect("config");
    let name = ServerName::try_from("localhost").expect("name");
    let mut connection =
        rustls::ClientConnection::new(Arc::new(config), name).expect("client connection");
    let mut bytes = Vec::new();
    while connection.wants_write() {
        connection.write_tls(&mut bytes).expect("write hello");
    }
    assert!(bytes.len() > 100, "a ClientHello is a few hundred bytes");
    bytes
}

/// Waits until the server closes `stream` (end of stream or an error),
/// reading and dropping whatever it sends first (a TLS alert, say).
pub async fn expect_closed(stream: &mut TcpStream) {
    let mut sink = Vec::new();
    let read = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut sink))
        .await
        .expect("the server closes the connection in time");
    let _ = read;
}
