//! The `safecalc` binary: parse flags, then serve or evaluate.
//!
//! All behaviour lives in the library; this file only wires flags, logging,
//! signals and exit codes.
#![forbid(unsafe_code)]

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use safecalc::client::{ConnectOptions, connect, repl};
use safecalc::server::{ServeArgs, Server, ServerError, TlsReloader, TlsSetup};
use tokio_util::sync::CancellationToken;
use tracing::info;
use tracing_subscriber::EnvFilter;

/// A safe, Python-eval-compatible calculator, as a network service.
#[derive(Debug, Parser)]
#[command(
    name = "safecalc",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// With no subcommand, safecalc serves: these are `serve`'s flags.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the network service (the default).
    Serve(Box<ServeArgs>),
    /// Evaluate one expression and print its result; with no expression,
    /// a calculator that reads lines (interactive on a terminal).
    Eval(EvalArgs),
    /// Write a self-signed certificate and key (cert.pem, key.pem) for
    /// trying the TLS listener.
    Cert(CertArgs),
    /// Connect to a safecalc server (or any line server), over TCP or TLS.
    Connect(ConnectArgs),
}

#[derive(Debug, Args)]
struct EvalArgs {
    /// Read `^` as Python's bitwise xor instead of a power.
    #[arg(long)]
    python_caret: bool,
    /// The expression; several arguments are joined with spaces. Without
    /// one, each line of stdin is evaluated (with line editing and
    /// history on a terminal; exit() or Ctrl-D to leave).
    #[arg(num_args = 0.., allow_hyphen_values = true, trailing_var_arg = true)]
    expr: Vec<String>,
}

#[derive(Debug, Args)]
struct CertArgs {
    /// The folder to write cert.pem and key.pem in (made if missing).
    #[arg(long, value_name = "DIR")]
    out: std::path::PathBuf,
    /// Replace existing files.
    #[arg(long)]
    force: bool,
    /// Host names or IP addresses the certificate is for (default:
    /// localhost 127.0.0.1 ::1).
    names: Vec<String>,
}

#[derive(Debug, Args)]
struct ConnectArgs {
    /// The server's address.
    #[arg(value_name = "HOST:PORT", default_value = safecalc::DEFAULT_LISTEN)]
    addr: String,
    /// Speak TLS, verifying the server against the system's root
    /// certificates (or --ca).
    #[arg(long)]
    tls: bool,
    /// Trust only the certificates in FILE (PEM), e.g. the one
    /// `safecalc cert` wrote.
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls",
        conflicts_with = "insecure"
    )]
    ca: Option<std::path::PathBuf>,
    /// Do not verify the server's certificate: the session is encrypted,
    /// but to whoever answered. For tests only.
    #[arg(long, requires = "tls")]
    insecure: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve(Box::new(cli.serve))) {
        Command::Serve(args) => serve(*args),
        Command::Eval(args) if args.expr.is_empty() => eval_lines(args.python_caret),
        Command::Eval(args) => eval(&args.expr.join(" "), args.python_caret),
        Command::Cert(args) => cert(&args),
        Command::Connect(args) => connect(&args),
    }
}

/// `safecalc eval` without an expression: the local REPL (see
/// `safecalc::client::repl`); exit code 1 if any line failed.
fn eval_lines(python_caret: bool) -> ExitCode {
    let limits = limits_for(python_caret);
    let outcome = if std::io::stdin().is_terminal() {
        repl::interactive(limits).map(|()| repl::Outcome::AllGood)
    } else {
        repl::batch(limits, std::io::stdin().lock(), std::io::stdout().lock())
    };
    match outcome {
        Ok(repl::Outcome::AllGood) => ExitCode::SUCCESS,
        Ok(repl::Outcome::SomeFailed) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `safecalc cert`: writes the pair and prints where, and its fingerprint.
fn cert(args: &CertArgs) -> ExitCode {
    let written = safecalc::certificate::self_signed(&args.names).and_then(|pair| {
        Ok((
            safecalc::certificate::write(&pair, &args.out, args.force)?,
            pair,
        ))
    });
    match written {
        Ok(((cert, key), pair)) => {
            println!("certificate: {}", cert.display());
            println!("key:         {}", key.display());
            println!("SHA-256 fingerprint: {}", pair.fingerprint);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `safecalc connect`: one line on stderr and exit code 1 if the server
/// cannot be reached or the handshake fails.
fn connect(args: &ConnectArgs) -> ExitCode {
    if args.insecure {
        eprintln!(
            "WARNING: --insecure: the server's certificate is NOT verified. The session is \
             encrypted, but to whoever answered: anyone between you and {} can read and \
             change it.",
            args.addr
        );
    }
    let options = ConnectOptions {
        addr: args.addr.clone(),
        tls: args.tls,
        ca: args.ca.clone(),
        insecure: args.insecure,
    };
    match connect::run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `safecalc eval EXPR`: the result on stdout, or `error: ...` on stderr
/// and exit code 1.
/// The calculator's limits, with `^` read as xor when `--python-caret`
/// asks for Python's meaning.
fn limits_for(python_caret: bool) -> safecalc::calc::Limits {
    if python_caret {
        safecalc::calc::Limits::PYTHON
    } else {
        safecalc::calc::Limits::DEFAULT
    }
}

fn eval(expr: &str, python_caret: bool) -> ExitCode {
    let limits = limits_for(python_caret);
    match safecalc::calc::eval_with_limits(expr, &limits) {
        Ok(value) => {
            println!("{value}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    // Logs go to stderr, so stdout carries only the "listening" line that
    // scripts read. RUST_LOG filters; the default shows no per-request line.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = if args.workers == 0 {
        cores
    } else {
        args.workers
    };
    // One worker is one event loop, as in Redis: tokio's single-threaded
    // scheduler, which does less per wake-up than the multi-threaded one
    // (no work stealing, no waking other workers). On the 2-core benchmark
    // machine it served more requests per second than two workers did
    // (BENCHMARKS.md).
    let mut builder = if workers == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(workers);
        builder
    };
    // Fairness between clients, with several workers: when many connections
    // become ready at once, those beyond a worker's local queue (256 tasks)
    // go to the shared queue, which tokio otherwise looks at only every
    // 30-60 tasks, while the clients in the local queue are served again
    // and again. With 1,000 clients at P = 1 that made the p99 latency
    // 26 ms on two workers (against a p50 of 1.3 ms: some clients starved);
    // looking every other task brought it to 13-14 ms, with requests/s the
    // same within this machine's noise (BENCHMARKS.md). One event loop has
    // no such limit on its queue; for it this is how often it looks for
    // tasks woken from other threads (the blocking pool's).
    builder.global_queue_interval(2);
    // Heavy lines run on the blocking pool (see the connection handler's
    // `Pacing`): at most the cores the workers leave free, so that however
    // many clients send them, the event loops keep their cores.
    builder.max_blocking_threads(cores.saturating_sub(workers).max(1));
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // A certificate or key that cannot be used is a mistake in the
    // command line, like a bad flag: exit code 2, before binding anything.
    let tls = match args.tls() {
        Some((addr, files)) => match TlsSetup::load(files) {
            Ok(setup) => Some((addr, setup)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    runtime.block_on(async {
        let config = args.config();
        let mut server = match Server::bind_with_store(&args.listen, config, &args.store()).await {
            Ok(server) => server,
            // The data directory or database cannot be used: exit code 2,
            // as for bad flags, since the fix is in how the server is run.
            Err(e @ ServerError::Store(_)) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Some((tls_addr, setup)) = tls {
            server = match server.with_tls(&tls_addr, setup).await {
                Ok(server) => server,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            };
        }
        let addr = match server.local_addr() {
            Ok(addr) => addr,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let tls_addr = match server.tls_local_addr().transpose() {
            Ok(addr) => addr,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let shutdown = CancellationToken::new();
        // Install the signal handlers before announcing the address: a
        // script that signals us right after reading it must find them.
        let signals = match Signals::install() {
            Ok(signals) => signals,
            Err(e) => {
                eprintln!("error: cannot install signal handlers: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Some(reloader) = server.tls_reloader() {
            match reload_on_hangup(reloader) {
                Ok(reloading) => drop(tokio::spawn(reloading)),
                Err(e) => {
                    eprintln!("error: cannot install the SIGHUP handler: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        let token = shutdown.clone();
        tokio::spawn(async move {
            let name = signals.recv().await;
            info!(signal = name, "shutting down gracefully");
            token.cancel();
        });
        println!("safecalc listening on {addr}");
        if let Some(tls_addr) = tls_addr {
            println!("safecalc listening for TLS on {tls_addr}");
        }
        server.run(shutdown).await;
        ExitCode::SUCCESS
    })
}

/// SIGHUP reloads the TLS certificate and key (see
/// `safecalc::server::tls`): established connections stay, new handshakes
/// use the new pair, and a pair that cannot be used is logged and ignored.
/// Installed only with a TLS listener: without one, SIGHUP keeps its
/// default meaning (end the process).
#[cfg(unix)]
fn reload_on_hangup(
    reloader: TlsReloader,
) -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangups = signal(SignalKind::hangup())?;
    Ok(async move {
        while hangups.recv().await.is_some() {
            let files = reloader.files();
            match reloader.reload() {
                Ok(()) => info!(
                    cert = %files.cert.display(),
                    key = %files.key.display(),
                    "SIGHUP: TLS certificate reloaded"
                ),
                Err(e) => tracing::warn!(
                    error = %e,
                    "SIGHUP: TLS certificate not reloaded; new handshakes keep the old one"
                ),
            }
        }
    })
}

#[cfg(not(unix))]
fn reload_on_hangup(
    _reloader: TlsReloader,
) -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    Ok(std::future::ready(()))
}

/// The signals that stop the server gracefully: SIGINT (Ctrl-C) and SIGTERM.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn install() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    #[cfg(not(unix))]
    fn install() -> std::io::Result<Signals> {
        Ok(Signals {})
    }

    /// Waits for the first signal and returns its name.
    #[cfg(unix)]
    async fn recv(mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }

    #[cfg(not(unix))]
    async fn recv(self) -> &'static str {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot wait for Ctrl-C");
            std::future::pending::<()>().await;
        }
        "Ctrl-C"
    }
}
