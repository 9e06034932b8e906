//! The `safecalc` binary: parse flags, then serve or evaluate.
//!
//! All behaviour lives in the library; this file only wires flags, logging,
//! signals and exit codes.
#![forbid(unsafe_code)]

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use safecalc::server::{ServeArgs, Server};
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
    Serve(ServeArgs),
    /// Evaluate one expression and print its result.
    Eval(EvalArgs),
}

#[derive(Debug, Args)]
struct EvalArgs {
    /// Read `^` as Python's bitwise xor instead of a power.
    #[arg(long)]
    python_caret: bool,
    /// The expression; several arguments are joined with spaces.
    #[arg(required = true, num_args = 1.., allow_hyphen_values = true, trailing_var_arg = true)]
    expr: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => serve(args),
        Command::Eval(args) => eval(&args.expr.join(" "), args.python_caret),
    }
}

/// `safecalc eval EXPR`: the result on stdout, or `error: ...` on stderr
/// and exit code 1.
fn eval(expr: &str, python_caret: bool) -> ExitCode {
    use safecalc::calc::Limits;
    let limits = if python_caret {
        Limits::PYTHON
    } else {
        Limits::DEFAULT
    };
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
    runtime.block_on(async {
        let config = args.config();
        let server = match Server::bind(&args.listen, config).await {
            Ok(server) => server,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let addr = match server.local_addr() {
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
        let token = shutdown.clone();
        tokio::spawn(async move {
            let name = signals.recv().await;
            info!(signal = name, "shutting down gracefully");
            token.cancel();
        });
        println!("safecalc listening on {addr}");
        server.run(shutdown).await;
        ExitCode::SUCCESS
    })
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
