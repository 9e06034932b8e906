//! `safecalc connect [HOST:PORT]`: a line client for safecalc (or any line
//! server), over TCP or TLS.
//!
//! It works in one of two ways, chosen by what stdin is:
//!
//! * **A terminal**: rustyline edits each line (history in
//!   `connect_history` in the user's data directory), and what the server
//!   sends is printed above the line being edited, with terminal controls
//!   shown as `?` (a server must not be able to drive the user's terminal).
//!   Text the server leaves without a line break (`password: `) becomes the
//!   prompt of the next line. After each line sent, the client waits a
//!   moment (at most [`REPLY_PATIENCE`]) for the reply, so that a prompt
//!   the reply holds, or a request to stop echoing, is in place before the
//!   next line is read. `IAC WILL ECHO` hides what is typed (and keeps it
//!   out of the history) until `IAC WONT ECHO`; a line being typed when it
//!   arrives is hidden from then on. Ctrl-C drops the line being typed;
//!   Ctrl-D on an empty line, or the server closing, ends the client with
//!   exit status 0.
//! * **Anything else** (a pipe, a file): like `nc -N`, every line of stdin
//!   is sent and every byte the server sends is written to stdout (telnet
//!   sequences taken out, CR LF as LF); at the end of stdin the client
//!   closes its sending side and waits for the server to close.
//!
//! A server that cannot be reached, or a TLS handshake that fails, is one
//! line on stderr and a non-zero exit status (the binary's job).

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustyline::ExternalPrinter;
use rustyline::error::ReadlineError;
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_rustls::TlsConnector;

use super::editor::{Input, LineEditor};
use super::telnet::{Event, TelnetFilter};
use super::tls::{ClientTlsError, Trust, client_config};
use crate::server::text::clean;

/// How long connecting, and then the TLS handshake, may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the interactive client waits for a reply before reading the
/// next line anyway (replies on loopback take well under a millisecond;
/// chat lines may come at any time and are printed whenever they do).
pub const REPLY_PATIENCE: Duration = Duration::from_millis(300);

/// How long the interactive client waits for a greeting before the first
/// prompt.
const GREETING_PATIENCE: Duration = Duration::from_secs(1);

/// Once a reply has started to arrive, the client reads the next line
/// when no more of it has come for this long.
const REPLY_SETTLE: Duration = Duration::from_millis(20);

/// The prompt when the server left none of its own.
pub const PROMPT: &str = "> ";

/// Where and how to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// `HOST:PORT`.
    pub addr: String,
    /// Speak TLS.
    pub tls: bool,
    /// Trust only the certificates in this file (with `tls`).
    pub ca: Option<PathBuf>,
    /// Do not verify the server's certificate (with `tls`).
    pub insecure: bool,
}

/// Why the client stopped with an error. Each is one line for the user.
#[derive(Debug, Error)]
pub enum ConnectError {
    /// The address is not `HOST:PORT`.
    #[error("{0:?} is not HOST:PORT (for example 127.0.0.1:7878)")]
    BadAddress(String),
    /// The server could not be reached.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        addr: String,
        #[source]
        source: io::Error,
    },
    /// The TLS configuration could not be made.
    #[error(transparent)]
    Tls(#[from] ClientTlsError),
    /// The TLS handshake failed (an untrusted certificate, a server that
    /// does not speak TLS...).
    #[error("TLS handshake with {addr} failed: {source}")]
    Handshake {
        addr: String,
        #[source]
        source: io::Error,
    },
    /// The host cannot be checked against a certificate.
    #[error("{0:?} is not a host name or IP address a certificate can name")]
    ServerName(String),
    /// The connection failed after it was made.
    #[error("connection to {addr} lost: {source}")]
    Lost {
        addr: String,
        #[source]
        source: io::Error,
    },
    /// The terminal could not be used.
    #[error("cannot use the terminal: {0}")]
    Terminal(#[from] ReadlineError),
    /// The client's own machinery failed (threads, the runtime, stdout).
    #[error("{0}")]
    Local(#[source] io::Error),
}

/// A connection, plain or TLS.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Connects as `options` say and talks until either side ends. Returns
/// normally when the user or the server ended the session.
///
/// In the interactive mode, the server closing ends the process from the
/// network thread (after putting the terminal back as it was), since a
/// line being edited cannot be interrupted from outside.
pub fn run(options: &ConnectOptions) -> Result<(), ConnectError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ConnectError::Local)?;
    let stream = runtime.block_on(open(options))?;
    if io::stdin().is_terminal() {
        interactive(runtime, stream, &options.addr)
    } else {
        let result = runtime.block_on(batch(stream, &options.addr));
        // stdin's reader thread may still be blocked in a read.
        runtime.shutdown_background();
        result
    }
}

/// The host part of `HOST:PORT` (without the brackets of `[::1]:7878`).
fn host_of(addr: &str) -> Option<&str> {
    let (host, port) = addr.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

/// Connects, and shakes hands if TLS is asked for.
async fn open(options: &ConnectOptions) -> Result<Box<dyn Stream>, ConnectError> {
    let addr = options.addr.as_str();
    let host = host_of(addr).ok_or_else(|| ConnectError::BadAddress(addr.to_string()))?;
    let connect_error = |source| ConnectError::Connect {
        addr: addr.to_string(),
        source,
    };
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| connect_error(io::ErrorKind::TimedOut.into()))?
        .map_err(connect_error)?;
    let _ = tcp.set_nodelay(true);
    if !options.tls {
        return Ok(Box::new(tcp));
    }
    let trust = match (&options.ca, options.insecure) {
        (_, true) => Trust::Insecure,
        (Some(ca), false) => Trust::CaFile(ca),
        (None, false) => Trust::SystemRoots,
    };
    let config = client_config(trust)?;
    let name = ServerName::try_from(host.to_string())
        .map_err(|_| ConnectError::ServerName(host.to_string()))?;
    let handshake_error = |source| ConnectError::Handshake {
        addr: addr.to_string(),
        source,
    };
    let connector = TlsConnector::from(Arc::new(config));
    let tls = tokio::time::timeout(CONNECT_TIMEOUT, connector.connect(name, tcp))
        .await
        .map_err(|_| handshake_error(io::ErrorKind::TimedOut.into()))?
        .map_err(handshake_error)?;
    Ok(Box::new(tls))
}

/// Reads stdin's lines on a thread of its own (stdin has no portable
/// non-blocking read) and hands them over, ending with `None`.
fn stdin_lines(lines: mpsc::Sender<Option<Vec<u8>>>) {
    std::thread::spawn(move || {
        let mut stdin = io::stdin().lock();
        loop {
            let mut line = Vec::new();
            match stdin.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if lines.blocking_send(Some(line)).is_err() {
                        return;
                    }
                }
            }
        }
        let _ = lines.blocking_send(None);
    });
}

/// `line` without its line ending, and then CR LF.
fn network_line(mut line: Vec<u8>) -> Vec<u8> {
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    line.extend_from_slice(b"\r\n");
    line
}

/// The non-interactive client: stdin to the server, the server to stdout.
async fn batch(stream: Box<dyn Stream>, addr: &str) -> Result<(), ConnectError> {
    let (mut from_server, mut to_server) = tokio::io::split(stream);
    let (lines_tx, mut lines) = mpsc::channel(64);
    stdin_lines(lines_tx);
    let lost = |source| ConnectError::Lost {
        addr: addr.to_string(),
        source,
    };
    // Sending stops at the end of stdin, or when the server no longer
    // takes lines (it closed after `quit`, say); either way the client
    // reads on until the server closes, and only a failed read is an error.
    let send = async {
        let sent: io::Result<()> = async {
            while let Some(Some(line)) = lines.recv().await {
                to_server.write_all(&network_line(line)).await?;
                to_server.flush().await?;
            }
            to_server.shutdown().await
        }
        .await;
        let _ = sent;
        std::future::pending::<io::Result<()>>().await
    };
    let receive = async {
        let mut filter = TelnetFilter::new();
        let mut buffer = vec![0u8; 16 * 1024];
        let mut stdout = io::stdout();
        let mut after_cr = false;
        loop {
            let n = from_server.read(&mut buffer).await?;
            if n == 0 {
                if after_cr {
                    stdout.write_all(b"\r")?;
                }
                stdout.flush()?;
                return Ok(());
            }
            let mut out = Vec::with_capacity(n);
            for event in filter.feed(&buffer[..n]) {
                if let Event::Data(bytes) = event {
                    for byte in bytes {
                        // CR LF becomes LF; any other CR stays.
                        if after_cr && byte != b'\n' {
                            out.push(b'\r');
                        }
                        after_cr = byte == b'\r';
                        if !after_cr {
                            out.push(byte);
                        }
                    }
                }
            }
            stdout.write_all(&out)?;
            stdout.flush()?;
        }
    };
    tokio::select! {
        received = receive => received.map_err(lost),
        sent = send => sent.map_err(lost),
    }
}

/// What the network side has shown, for the line editor to wait on.
struct Screen {
    /// Set while the server has asked not to echo (`IAC WILL ECHO`).
    hidden: Arc<AtomicBool>,
    state: Mutex<ScreenState>,
    changed: Condvar,
}

#[derive(Default)]
struct ScreenState {
    /// Server text after the last line break: the next prompt.
    partial: Vec<u8>,
    /// Reads from the server so far.
    reads: u64,
    /// A hidden line was just sent: the server's line break after it
    /// (the echo the client did not do) is not shown as a blank line,
    /// since the editor has ended the line already.
    skip_blank: bool,
}

impl Screen {
    fn lock(&self) -> std::sync::MutexGuard<'_, ScreenState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many reads have been shown so far.
    fn reads(&self) -> u64 {
        self.lock().reads
    }

    /// Waits until a read after the `since`-th has come and no other has
    /// followed for [`REPLY_SETTLE`], or for `patience` in all.
    fn wait_for_reply(&self, since: u64, patience: Duration) {
        let deadline = Instant::now() + patience;
        let mut state = self.lock();
        let mut seen = since;
        loop {
            let now = Instant::now();
            if now >= deadline {
                return;
            }
            let wait = if state.reads == since {
                deadline - now
            } else {
                REPLY_SETTLE.min(deadline - now)
            };
            let (next, timeout) = self
                .changed
                .wait_timeout(state, wait)
                .unwrap_or_else(|e| e.into_inner());
            state = next;
            if timeout.timed_out() && state.reads != since && state.reads == seen {
                return;
            }
            seen = state.reads;
        }
    }

    /// The server's prompt, if it left one, or [`PROMPT`].
    fn take_prompt(&self) -> String {
        let partial = std::mem::take(&mut self.lock().partial);
        if partial.is_empty() {
            PROMPT.to_string()
        } else {
            clean(&String::from_utf8_lossy(&partial))
        }
    }

    /// Takes in what the server sent: complete lines to print, the echo
    /// setting, the rest kept as the next prompt.
    fn show(&self, events: Vec<Event>, printer: &mut impl ExternalPrinter) {
        let mut state = self.lock();
        for event in events {
            match event {
                Event::EchoOff => self.hidden.store(true, Ordering::SeqCst),
                Event::EchoOn => self.hidden.store(false, Ordering::SeqCst),
                Event::Data(bytes) => {
                    for byte in bytes {
                        if byte != b'\n' {
                            state.partial.push(byte);
                            continue;
                        }
                        let mut line = std::mem::take(&mut state.partial);
                        if line.last() == Some(&b'\r') {
                            line.pop();
                        }
                        let skip = line.is_empty() && state.skip_blank;
                        state.skip_blank = false;
                        if !skip {
                            let text = clean(&String::from_utf8_lossy(&line));
                            let _ = printer.print(format!("{text}\n"));
                        }
                    }
                }
            }
        }
        state.reads += 1;
        self.changed.notify_all();
    }

    /// Prints what is left of the server's text, at its end.
    fn finish(&self, printer: &mut impl ExternalPrinter) {
        let partial = std::mem::take(&mut self.lock().partial);
        if !partial.is_empty() {
            let text = clean(&String::from_utf8_lossy(&partial));
            let _ = printer.print(format!("{text}\n"));
        }
    }
}

/// The terminal's settings when the client started, to put back when the
/// server closes while a line is being edited (rustyline has the terminal
/// in raw mode then, and the process ends without rustyline's help), and
/// when the client ends.
///
/// Between lines, while the client waits for a reply, the terminal does
/// not echo: what the user types ahead (or pastes) is shown once, by the
/// editor, on its line, not also where the terminal's cursor happened to
/// be; and Ctrl-C or Ctrl-D typed ahead are keys for the editor, not a
/// signal or an end of file. (rustyline restores the mode it found, so
/// this holds between every two lines.)
struct TerminalState {
    #[cfg(target_os = "linux")]
    saved: Option<rustix::termios::Termios>,
}

impl TerminalState {
    fn save() -> TerminalState {
        TerminalState {
            #[cfg(target_os = "linux")]
            saved: rustix::termios::tcgetattr(io::stdin()).ok(),
        }
    }

    /// Turns the terminal's own line handling off (see the type's docs):
    /// no echo, and no line editing, signals or end-of-file from the
    /// terminal, so that a Ctrl-C or Ctrl-D typed while the client waits
    /// reaches the editor as a key, as it would a moment later.
    fn quiet(&self) {
        #[cfg(target_os = "linux")]
        if let Some(saved) = &self.saved {
            use rustix::termios::LocalModes;
            let mut quiet = saved.clone();
            quiet.local_modes.remove(
                LocalModes::ECHO | LocalModes::ICANON | LocalModes::ISIG | LocalModes::IEXTEN,
            );
            let _ = rustix::termios::tcsetattr(
                io::stdin(),
                rustix::termios::OptionalActions::Now,
                &quiet,
            );
        }
    }

    fn restore(&self) {
        #[cfg(target_os = "linux")]
        if let Some(saved) = &self.saved {
            let _ = rustix::termios::tcsetattr(
                io::stdin(),
                rustix::termios::OptionalActions::Now,
                saved,
            );
        }
    }
}

/// The interactive client (see the [module docs](self)).
fn interactive(
    runtime: tokio::runtime::Runtime,
    stream: Box<dyn Stream>,
    addr: &str,
) -> Result<(), ConnectError> {
    let terminal = Arc::new(TerminalState::save());
    let hidden = Arc::new(AtomicBool::new(false));
    let mut editor = LineEditor::new("connect_history", Arc::clone(&hidden))?;
    let mut printer = editor.printer()?;
    terminal.quiet();
    let screen = Arc::new(Screen {
        hidden,
        state: Mutex::new(ScreenState::default()),
        changed: Condvar::new(),
    });
    let (lines_tx, mut lines) = mpsc::channel::<String>(16);
    let (closed_tx, closed) = std::sync::mpsc::channel::<()>();
    let network_screen = Arc::clone(&screen);
    let network_terminal = Arc::clone(&terminal);
    let addr_owned = addr.to_string();
    std::thread::Builder::new()
        .name("network".into())
        .spawn(move || {
            let (mut from_server, mut to_server) = tokio::io::split(stream);
            let screen = network_screen;
            let outcome = runtime.block_on(async {
                // As in `batch`: a failed write ends the sending, and the
                // reading tells how the connection ended.
                let send = async {
                    while let Some(line) = lines.recv().await {
                        let line = network_line(line.into_bytes());
                        if to_server.write_all(&line).await.is_err()
                            || to_server.flush().await.is_err()
                        {
                            return std::future::pending::<io::Result<()>>().await;
                        }
                    }
                    // The user left: close politely and stop.
                    let _ =
                        tokio::time::timeout(Duration::from_secs(1), to_server.shutdown()).await;
                    let _ = closed_tx.send(());
                    std::future::pending::<io::Result<()>>().await
                };
                let receive = async {
                    let mut filter = TelnetFilter::new();
                    let mut buffer = vec![0u8; 16 * 1024];
                    loop {
                        let n = from_server.read(&mut buffer).await?;
                        if n == 0 {
                            return Ok::<(), io::Error>(());
                        }
                        screen.show(filter.feed(&buffer[..n]), &mut printer);
                    }
                };
                tokio::select! {
                    received = receive => received,
                    sent = send => sent,
                }
            });
            // The server closed (or the connection broke) while the user
            // may be editing a line: end the process here.
            screen.finish(&mut printer);
            network_terminal.restore();
            match outcome {
                Ok(()) => {
                    eprintln!("connection closed by the server");
                    std::process::exit(0);
                }
                Err(e) => {
                    eprintln!("error: connection to {addr_owned} lost: {e}");
                    std::process::exit(1);
                }
            }
        })
        .map_err(ConnectError::Local)?;

    // The greeting first (if the server sends one: not every line server
    // speaks first).
    screen.wait_for_reply(0, GREETING_PATIENCE);
    let mut prompt = screen.take_prompt();
    let ended = loop {
        let input = match editor.read(&prompt) {
            Ok(input) => input,
            Err(e) => break Err(ConnectError::Terminal(e)),
        };
        match input {
            Input::Line { text, hidden } => {
                if !hidden {
                    editor.remember(&text);
                }
                let reads = screen.reads();
                screen.lock().skip_blank = hidden;
                if lines_tx.blocking_send(text).is_err() {
                    break Ok(());
                }
                screen.wait_for_reply(reads, REPLY_PATIENCE);
                prompt = screen.take_prompt();
            }
            Input::Interrupted => continue,
            Input::End => break Ok(()),
        }
    };
    drop(lines_tx);
    terminal.restore();
    // Give the goodbye (TLS close_notify, FIN) a moment to go out.
    let _ = closed.recv_timeout(Duration::from_secs(2));
    ended
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_come_out_of_addresses() {
        assert_eq!(host_of("127.0.0.1:7878"), Some("127.0.0.1"));
        assert_eq!(host_of("localhost:7443"), Some("localhost"));
        assert_eq!(host_of("[::1]:7443"), Some("::1"));
        assert_eq!(host_of("localhost"), None);
        assert_eq!(host_of(":7878"), None);
        assert_eq!(host_of("host:port"), None);
    }

    #[test]
    fn lines_go_out_with_cr_lf() {
        assert_eq!(network_line(b"2**10\n".to_vec()), b"2**10\r\n");
        assert_eq!(network_line(b"x\r\n".to_vec()), b"x\r\n");
        assert_eq!(network_line(b"last".to_vec()), b"last\r\n");
    }
}
