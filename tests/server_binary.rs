//! The `safecalc` binary itself: it prints its address, serves, stops
//! gracefully on SIGINT/SIGTERM with exit code 0, and evaluates with `eval`.
//!
//! Plain threads and std sockets: this is how a script would drive it.

#[path = "support/spawned.rs"]
mod spawned;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(30);

fn safecalc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_safecalc"))
}

/// Starts `safecalc [args] --ephemeral` (the chat's store in memory, so
/// that tests neither share nor leave a data directory) and returns it with
/// the address it printed.
fn start(args: &[&str]) -> (Child, String) {
    spawned::listening(safecalc().args(args).arg("--ephemeral"))
}

fn connect(addr: &str) -> BufReader<TcpStream> {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
    let mut reader = BufReader::new(stream);
    let greeting = line(&mut reader);
    assert!(greeting.starts_with("safecalc "), "{greeting:?}");
    reader
}

fn line(reader: &mut BufReader<TcpStream>) -> String {
    let mut text = String::new();
    reader.read_line(&mut text).expect("read line");
    assert!(text.ends_with("\r\n"), "{text:?}");
    text.trim_end().to_string()
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}

/// Waits for the process to exit (bounded), killing it if it does not.
fn wait(mut child: Child) -> ExitStatus {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("safecalc did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stops_gracefully_on(signal_name: &str, args: &[&str]) {
    let (child, addr) = start(args);
    let mut client = connect(&addr);
    client.get_mut().write_all(b"5\n").expect("write");
    assert_eq!(line(&mut client), "5");
    signal(&child, signal_name);
    assert_eq!(line(&mut client), "server shutting down");
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).expect("read to end");
    assert!(rest.is_empty(), "{rest:?}");
    let status = wait(child);
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn sigint_stops_the_default_subcommand_gracefully() {
    stops_gracefully_on("INT", &["--listen", "127.0.0.1:0"]);
}

#[test]
fn sigterm_stops_serve_gracefully() {
    stops_gracefully_on(
        "TERM",
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--max-line-bytes",
            "100",
        ],
    );
}

#[test]
fn flags_reach_the_server() {
    let (child, addr) = start(&["serve", "--listen", "127.0.0.1:0", "--max-line-bytes", "10"]);
    let mut client = connect(&addr);
    client.get_mut().write_all(b"12345678901\n").expect("write");
    assert_eq!(line(&mut client), "error: line too long (max 10 bytes)");
    signal(&child, "INT");
    assert_eq!(wait(child).code(), Some(0));
}

#[test]
fn bad_flags_fail_with_usage() {
    let output = safecalc()
        .args(["--max-connections", "0"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(!output.stderr.is_empty());
}

#[test]
fn an_address_in_use_is_an_error() {
    let (child, addr) = start(&["--listen", "127.0.0.1:0"]);
    let output = safecalc()
        .args(["--listen", &addr, "--ephemeral"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error: cannot listen on"), "{stderr}");
    signal(&child, "INT");
    assert_eq!(wait(child).code(), Some(0));
}

#[test]
fn eval_prints_the_result() {
    let output = safecalc().args(["eval", "42"]).output().expect("run");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "42\n");
}

/// Needs the real calculator from branch main.
#[test]
fn eval_speaks_python() {
    let output = safecalc().args(["eval", "2**100"]).output().expect("run");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "1267650600228229401496703205376\n"
    );
    let output = safecalc()
        .args(["eval", "-7", "//", "2"])
        .output()
        .expect("run");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "-4\n");
}

#[test]
fn eval_errors_go_to_stderr_with_exit_code_1() {
    let output = safecalc().args(["eval", "1/0"]).output().expect("run");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let error = safecalc::calc::eval("1/0").expect_err("1/0 fails");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!("error: {error}\n")
    );
}
