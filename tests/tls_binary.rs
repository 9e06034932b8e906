//! The binary's TLS, certificate, client and REPL commands, as a script or
//! a person at a shell would use them: `safecalc cert`, `serve
//! --tls-listen` (its errors, and SIGHUP), `connect` with stdin from a
//! pipe, and `eval` reading lines.

mod tls_support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use tls_support::{PATIENCE, Scratch, TlsClient, write_pair};

fn safecalc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_safecalc"))
}

/// Runs `safecalc args` with `input` on stdin (then closed).
fn run_with_input(args: &[&str], input: &str) -> Output {
    let mut child = safecalc()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn safecalc");
    let mut stdin = child.stdin.take().expect("stdin");
    // A process that fails at once may not read it: a broken pipe is fine.
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    wait_output(child)
}

/// Waits (bounded) for the process and returns its output.
fn wait_output(child: Child) -> Output {
    let pid = child.id();
    let (done_tx, done) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(child.wait_with_output());
    });
    match done.recv_timeout(PATIENCE) {
        Ok(output) => output.expect("output"),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("safecalc did not exit");
        }
    }
}

/// A `safecalc serve` with a TLS listener: the process, its two
/// addresses, and the folder holding its certificate.
struct Served {
    child: Child,
    addr: String,
    tls_addr: String,
    scratch: Scratch,
    stderr: std::path::PathBuf,
}

impl Drop for Served {
    /// A test that fails half-way must not leave its server running.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn serve_tls() -> Served {
    let scratch = Scratch::new("bin");
    let (files, _) = write_pair(&scratch.0);
    let stderr_path = scratch.path("stderr.log");
    let stderr = std::fs::File::create(&stderr_path).expect("log file");
    let mut child = safecalc()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tls-listen",
            "127.0.0.1:0",
            "--ephemeral",
        ])
        .arg("--tls-cert")
        .arg(&files.cert)
        .arg("--tls-key")
        .arg(&files.key)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("spawn");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = |prefix: &str| {
        let mut text = String::new();
        stdout.read_line(&mut text).expect("read stdout");
        text.trim()
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("unexpected line {text:?}"))
            .to_string()
    };
    let addr = line("safecalc listening on ");
    let tls_addr = line("safecalc listening for TLS on ");
    Served {
        child,
        addr,
        tls_addr,
        scratch,
        stderr: stderr_path,
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}

fn wait(child: &mut Child) -> ExitStatus {
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

#[test]
fn cert_writes_a_pair_and_prints_its_fingerprint() {
    let scratch = Scratch::new("cert");
    let out = scratch.path("tls");
    let output = safecalc()
        .args(["cert", "--out"])
        .arg(&out)
        .args(["localhost", "calc.example"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let chain = safecalc::server::tls::read_chain(&out.join("cert.pem")).expect("a certificate");
    let fingerprint = safecalc::certificate::fingerprint(&chain[0]);
    assert!(
        stdout.contains(&format!("SHA-256 fingerprint: {fingerprint}")),
        "{stdout}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(out.join("key.pem"))
            .expect("key")
            .permissions();
        assert_eq!(mode.mode() & 0o777, 0o600);
    }
    // A second run does not overwrite them...
    let again = safecalc()
        .args(["cert", "--out"])
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(again.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("exists already (use --force"), "{stderr}");
    // ...unless told to.
    let forced = safecalc()
        .args(["cert", "--force", "--out"])
        .arg(&out)
        .output()
        .expect("run");
    assert_eq!(forced.status.code(), Some(0));
}

#[test]
fn an_unusable_certificate_or_key_is_an_error_with_exit_code_2() {
    let scratch = Scratch::new("bad");
    let (files, _) = write_pair(&scratch.path("a"));
    let (other, _) = write_pair(&scratch.path("b"));
    let missing = scratch.path("missing.pem");
    let cases: [(&std::path::Path, &std::path::Path, &str); 3] = [
        (&missing, &files.key, "cannot read the certificate"),
        (&files.cert, &missing, "cannot read the private key"),
        (
            &files.cert,
            &other.key,
            "does not belong to the certificate",
        ),
    ];
    for (cert, key, message) in cases {
        let output = safecalc()
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--tls-listen",
                "127.0.0.1:0",
                "--ephemeral",
            ])
            .arg("--tls-cert")
            .arg(cert)
            .arg("--tls-key")
            .arg(key)
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with("error: ") && stderr.contains(message),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(output.stdout.is_empty());
    }
    // --tls-listen without its files is a usage error.
    let output = safecalc()
        .args(["serve", "--tls-listen", "127.0.0.1:0"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
}

#[tokio::test]
async fn sighup_reloads_the_certificate_and_keeps_the_sessions() {
    let mut served = serve_tls();
    let ca_before = served.scratch.path("before.pem");
    std::fs::copy(served.scratch.path("cert.pem"), &ca_before).expect("copy");
    let tls_addr = served.tls_addr.parse().expect("address");
    let mut before = TlsClient::connect(tls_addr, &ca_before).await;
    before.line().await;
    let old = before.server_certificate();

    let (_, new) = write_pair(&served.scratch.0);
    let ca_after = served.scratch.path("after.pem");
    std::fs::copy(served.scratch.path("cert.pem"), &ca_after).expect("copy");
    signal(&served.child, "HUP");
    // The signal is handled in its own time: new handshakes are tried
    // (a bounded number of times) until one gets the new certificate.
    let mut reloaded = false;
    for _ in 0..600 {
        if let Ok(stream) = tls_support::handshake(tls_addr, &ca_after).await {
            let (_, connection) = stream.get_ref();
            let cert = connection.peer_certificates().expect("certificate")[0].clone();
            assert_eq!(cert, new);
            reloaded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(reloaded, "no handshake with the new certificate");
    assert_eq!(before.ask("6*7").await, "42");
    assert_eq!(before.server_certificate(), old);

    // A reload that fails is logged, and the server goes on with the pair
    // it has.
    std::fs::write(served.scratch.path("key.pem"), "not a key").expect("write");
    signal(&served.child, "HUP");
    let mut logged = false;
    for _ in 0..600 {
        let log = std::fs::read_to_string(&served.stderr).unwrap_or_default();
        if log.contains("TLS certificate not reloaded") {
            logged = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(logged, "the failed reload is logged");
    let mut after = TlsClient::connect(tls_addr, &ca_after).await;
    after.line().await;
    assert_eq!(after.server_certificate(), new);
    assert_eq!(after.ask("1+1").await, "2");

    signal(&served.child, "TERM");
    assert_eq!(after.line().await, "server shutting down");
    assert_eq!(wait(&mut served.child).code(), Some(0));
}

#[test]
fn connect_with_a_pipe_sends_lines_and_prints_replies_like_nc() {
    let mut served = serve_tls();
    let output = run_with_input(&["connect", &served.addr], "2**100\n1/0\n");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.ends_with("ready (calc mode): type an expression like 2**100, /help for commands, quit to leave\n1267650600228229401496703205376\nerror: division by zero\n"),
        "{stdout:?}"
    );
    // Over TLS, trusting the server's own certificate.
    let cert = served.scratch.path("cert.pem");
    let cert = cert.to_str().expect("UTF-8 path");
    let output = run_with_input(
        &["connect", "--tls", "--ca", cert, &served.tls_addr],
        "x = 6\nx * 7\nquit\n",
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.ends_with("\n6\n42\nbye\n"), "{stdout:?}");
    assert!(output.stderr.is_empty());
    // Lines after the server has closed (after `quit`) are not an error.
    let many: String = (0..2000).map(|i| format!("{i}\n")).collect();
    let output = run_with_input(&["connect", &served.addr], &format!("1\nquit\n{many}"));
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).ends_with("\n1\nbye\n"));
    // --insecure works, and says loudly what it does.
    let output = run_with_input(&["connect", "--tls", "--insecure", &served.tls_addr], "5\n");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).ends_with("\n5\n"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("WARNING") && stderr.contains("NOT verified"),
        "{stderr}"
    );
    signal(&served.child, "TERM");
    assert_eq!(wait(&mut served.child).code(), Some(0));
}

#[test]
fn connect_failures_are_one_line_and_a_nonzero_exit() {
    let mut served = serve_tls();
    // Nothing listens there (a port the server just gave up).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let free = closed.local_addr().expect("addr").to_string();
    drop(closed);
    let stranger = served.scratch.path("stranger");
    let (stranger_files, _) = write_pair(&stranger);
    let stranger_ca = stranger_files
        .cert
        .to_str()
        .expect("UTF-8 path")
        .to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["connect", &free], "error: cannot connect to"),
        (
            vec!["connect", "--tls", "--ca", &stranger_ca, &served.tls_addr],
            "error: TLS handshake with",
        ),
        // TLS to the plain port: the server's greeting is not TLS.
        (
            vec!["connect", "--tls", "--insecure", &served.addr],
            "error: TLS handshake with",
        ),
        (vec!["connect", "no-port-here"], "is not HOST:PORT"),
    ];
    for (args, message) in cases {
        let output = run_with_input(&args, "1\n");
        assert_eq!(output.status.code(), Some(1), "{args:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or_default();
        assert!(last.contains(message), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: {output:?}");
    }
    signal(&served.child, "TERM");
    assert_eq!(wait(&mut served.child).code(), Some(0));
}

#[test]
fn eval_without_an_expression_answers_each_line_of_a_pipe() {
    let output = run_with_input(&["eval"], "2**100\n1/0\n");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "1267650600228229401496703205376\nerror: division by zero\n"
    );
    let output = run_with_input(&["eval"], "r = 2\n\npi * r**2\n_ / 2\n");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "2\n12.566370614359172\n6.283185307179586\n"
    );
    // The limits are the server's: no line can hang it.
    let output = run_with_input(&["eval"], "9**9**9**9\n1+1\n");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "error: integer too large (max 100000 decimal digits)\n2\n"
    );
}
