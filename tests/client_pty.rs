//! The REPL and the client as a person uses them: through a pseudo-terminal,
//! with keys (arrows, Ctrl-C, Ctrl-D) sent as a terminal sends them, and
//! what the program draws read back. The client's password line is tested
//! against a scripted server that asks for one the way the accounts
//! feature does (`IAC WILL ECHO`, prompt, ..., `IAC WONT ECHO`).
//!
//! Every wait is bounded; no assertion is on time.

mod tls_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};
use tls_support::{PATIENCE, Scratch};

const UP: &str = "\x1b[A";
const LEFT: &str = "\x1b[D";
const CTRL_C: &str = "\x03";
const CTRL_D: &str = "\x04";

/// `safecalc ARGS` on a pseudo-terminal of its own, with its data
/// directory (history) in `data`.
struct Terminal {
    child: Box<dyn Child + Send + Sync>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    output: Arc<Mutex<Vec<u8>>>,
    /// How much of the output earlier `expect`s have looked at.
    seen: usize,
}

impl Terminal {
    fn start(args: &[&str], data: &Path) -> Terminal {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: 120,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pseudo-terminal");
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_safecalc"));
        for arg in args {
            command.arg(arg);
        }
        command.env("TERM", "xterm");
        command.env("XDG_DATA_HOME", data);
        command.env("HOME", data);
        let child = pair.slave.spawn_command(command).expect("spawn");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = Arc::new(Mutex::new(pair.master.take_writer().expect("writer")));
        let output = Arc::new(Mutex::new(Vec::new()));
        let (out, answer) = (Arc::clone(&output), Arc::clone(&writer));
        std::thread::spawn(move || {
            // Keep the master open as long as the reader runs.
            let _master = pair.master;
            let mut buffer = [0u8; 4096];
            let mut queries_answered = 0;
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
                out.extend_from_slice(&buffer[..n]);
                // Answer "where is the cursor?" as a terminal would
                // (rustyline may ask, to see whether its prompt starts a line).
                let queries = out.windows(4).filter(|w| w == b"\x1b[6n").count();
                while queries_answered < queries {
                    let mut w = answer.lock().unwrap_or_else(|e| e.into_inner());
                    let _ = w.write_all(b"\x1b[1;1R");
                    let _ = w.flush();
                    queries_answered += 1;
                }
            }
        });
        Terminal {
            child,
            writer,
            output,
            seen: 0,
        }
    }

    /// Types `keys`.
    fn send(&mut self, keys: &str) {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        writer.write_all(keys.as_bytes()).expect("type");
        writer.flush().expect("flush");
    }

    /// Everything drawn so far, as text.
    fn screen(&self) -> String {
        let out = self.output.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Waits until `text` is drawn after what earlier calls saw, and moves
    /// past it.
    fn expect(&mut self, text: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let screen = self.screen();
            if let Some(at) = screen.get(self.seen..).and_then(|rest| rest.find(text)) {
                self.seen += at + text.len();
                return;
            }
            if Instant::now() > deadline {
                panic!("never drawn: {text:?}; the screen: {screen:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits (bounded) for the program to end; its exit code.
    fn exit_code(&mut self) -> u32 {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.exit_code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the program did not end; the screen: {:?}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Terminal {
    /// A test that fails half-way must not leave its program running.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn history(data: &Path, name: &str) -> String {
    std::fs::read_to_string(data.join("safecalc").join(name)).unwrap_or_default()
}

#[test]
fn the_repl_answers_edits_and_keeps_variables() {
    let data = Scratch::new("pty-repl");
    let mut term = Terminal::start(&["eval"], &data.0);
    term.expect(">>> ");
    term.send("x = 6*7\r");
    term.expect("42\r\n");
    term.expect(">>> ");
    term.send("x + _\r");
    // `_` is the last expression's value; an assignment does not set it.
    term.expect("error: name '_' is not defined");
    term.expect(">>> ");
    term.send("x + 0\r");
    term.expect("42\r\n");
    term.expect(">>> ");
    term.send("_ + 1\r");
    term.expect("43\r\n");
    term.send("x / 0\r");
    term.expect("error: division by zero\r\n");
    term.expect(">>> ");
    // Editing: "2*6", one step left, insert "1": 2*16.
    term.send(&format!("2*6{LEFT}1\r"));
    term.expect("32\r\n");
    term.expect(">>> ");
    term.send("exit()\r");
    assert_eq!(term.exit_code(), 0);
    assert!(history(&data.0, "eval_history").contains("2*16"));
}

#[test]
fn the_repl_keeps_its_history_and_obeys_ctrl_c_and_ctrl_d() {
    let data = Scratch::new("pty-history");
    let mut term = Terminal::start(&["eval"], &data.0);
    term.expect(">>> ");
    term.send("7*191\r");
    term.expect("1337\r\n");
    term.expect(">>> ");
    // Ctrl-C drops the line being typed; the REPL goes on.
    term.send(&format!("9*9{CTRL_C}"));
    term.expect(">>> ");
    term.send("5*5\r");
    term.expect("25\r\n");
    term.expect(">>> ");
    assert!(!term.screen().contains("81"), "{}", term.screen());
    // Ctrl-D on an empty line leaves, with exit status 0.
    term.send(CTRL_D);
    assert_eq!(term.exit_code(), 0);

    // A new session finds the history: up twice is 7*191.
    let mut term = Terminal::start(&["eval"], &data.0);
    term.expect(">>> ");
    term.send(&format!("{UP}{UP}\r"));
    term.expect("1337\r\n");
    term.expect(">>> ");
    term.send("quit\r");
    assert_eq!(term.exit_code(), 0);
}

/// A server that greets, asks for a password the way the accounts feature
/// does, and records every line it gets; it closes after `lines` lines.
fn scripted_server(lines: usize) -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
        let mut writer: TcpStream = stream.try_clone().expect("clone");
        let mut reader = BufReader::new(stream);
        let mut got = Vec::new();
        writer.write_all(b"welcome to the fake\r\n").expect("greet");
        for _ in 0..lines {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            let line = line.trim_end().to_string();
            let reply: &[u8] = match line.as_str() {
                "/login bob" => b"\xff\xfb\x01password: ",
                "sekret" => b"\xff\xfc\x01\r\n-- welcome, bob\r\n",
                _ => b"",
            };
            if reply.is_empty() {
                writer
                    .write_all(format!("you said {line}\r\n").as_bytes())
                    .expect("reply");
            } else {
                writer.write_all(reply).expect("reply");
            }
            got.push(line);
        }
        got
    });
    (addr, server)
}

#[test]
fn the_client_hides_the_password_line_the_server_asks_for() {
    let data = Scratch::new("pty-password");
    let (addr, server) = scripted_server(4);
    let mut term = Terminal::start(&["connect", &addr], &data.0);
    term.expect("welcome to the fake");
    term.send("/login bob\r");
    term.expect("password: ");
    term.send("sekret\r");
    term.expect("-- welcome, bob");
    // Echo is back for the next line.
    term.send("after\r");
    term.expect("you said after");
    // Ctrl-C drops the line being typed (and, as a terminal does, what
    // was typed after it before the prompt came back).
    term.send(&format!("junk{CTRL_C}"));
    term.expect("junk");
    term.expect("> ");
    term.send("last\r");
    term.expect("you said last");
    // The server closes after four lines: the client ends, status 0.
    assert_eq!(term.exit_code(), 0);
    let got = server.join().expect("server");
    assert_eq!(got, ["/login bob", "sekret", "after", "last"]);
    let screen = term.screen();
    assert!(
        !screen.contains("sekret"),
        "the password was shown: {screen:?}"
    );
    assert!(screen.contains("after"), "{screen:?}");
    let history = history(&data.0, "connect_history");
    assert!(
        history.contains("after") && !history.contains("sekret"),
        "{history}"
    );
    assert!(!history.contains("junk"), "{history}");
}

#[test]
fn the_client_ends_on_ctrl_d_with_status_0() {
    let data = Scratch::new("pty-ctrl-d");
    let (addr, server) = scripted_server(10);
    let mut term = Terminal::start(&["connect", &addr], &data.0);
    term.expect("welcome to the fake");
    term.send("hello\r");
    term.expect("you said hello");
    term.send(CTRL_D);
    assert_eq!(term.exit_code(), 0);
    assert_eq!(server.join().expect("server"), ["hello"]);
}
