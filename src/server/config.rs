//! The server's settings: [`Config`] for the library, [`ServeArgs`] for the
//! command line.
//!
//! They are two types so that the library (and its tests) never depend on
//! flag parsing: `ServeArgs` is what a person types, `Config` is what the
//! server runs with, and [`ServeArgs::config`] is the one place that maps
//! one to the other.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use clap::builder::RangedU64ValueParser;

use super::accounts::AccountsConfig;
use super::chat::ChatConfig;
use super::store::{RedisOptions, StoreLocation};
use super::tls::CertificateFiles;
use crate::calc::{Caret, Limits};

/// Everything a running server needs to know.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Clients served at once; one more gets `error: server full`.
    pub max_connections: usize,
    /// Longest line accepted, in bytes, not counting the line ending. It
    /// also bounds the memory a connection uses for its input.
    pub max_line_bytes: usize,
    /// A client that neither sends nor accepts a byte for this long is
    /// told so and disconnected. `None` never times out.
    pub idle_timeout: Option<Duration>,
    /// The limits of each connection's calculator session.
    pub limits: Limits,
    /// How long a parting message (`bye`, `server full`, `server shutting
    /// down`) may take to deliver before the connection is dropped anyway:
    /// a client that does not read must not delay shutdown.
    pub goodbye_timeout: Duration,
    /// How long shutdown waits for connections to finish their goodbyes.
    pub shutdown_timeout: Duration,
    /// Chat flood limit, queue length and history length.
    pub chat: ChatConfig,
    /// The share of one core, in percent, that one connection may use over
    /// time (see [`cpu_share`](super::cpu_share)); 100 turns the limit off.
    pub cpu_share_percent: u32,
    /// The longest a TLS client may take from connecting to the end of its
    /// handshake (see [`tls`](super::tls)).
    pub tls_handshake_timeout: Duration,
    /// TLS handshakes computing at once; more wait their turn.
    pub tls_max_handshakes: usize,
    /// Password hashing and the plaintext-password policy.
    pub accounts: AccountsConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_connections: 10_000,
            max_line_bytes: 4096,
            idle_timeout: Some(Duration::from_secs(300)),
            limits: Limits::DEFAULT,
            goodbye_timeout: Duration::from_secs(1),
            shutdown_timeout: Duration::from_secs(3),
            chat: ChatConfig::default(),
            cpu_share_percent: 10,
            tls_handshake_timeout: Duration::from_secs(10),
            tls_max_handshakes: 16,
            accounts: AccountsConfig::default(),
        }
    }
}

/// Flags of `safecalc serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the address is
    /// printed on stdout at start).
    #[arg(long, value_name = "ADDR", default_value = crate::DEFAULT_LISTEN)]
    pub listen: String,

    /// Threads serving clients: 1, one event loop (as Redis has); 0, one
    /// per CPU core. (Heavy lines run on other threads, see `--cpu-share`.)
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = RangedU64ValueParser::<usize>::new().range(0..=1024))]
    pub workers: usize,

    /// Most clients served at once; the next one gets `error: server full`.
    #[arg(long, value_name = "N", default_value_t = 10_000,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_connections: usize,

    /// Longest accepted line, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 4096,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=1 << 20))]
    pub max_line_bytes: usize,

    /// Seconds without traffic before a client is disconnected (0: never).
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub idle_timeout: u64,

    /// Deepest nesting of an expression.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_depth,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=10_000))]
    pub max_depth: usize,

    /// Largest integer, in decimal digits.
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_int_digits,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub max_int_digits: usize,

    /// Work budget of one evaluation (roughly machine-word operations).
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT.max_work,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_work: u64,

    /// Read `^` as Python's bitwise xor (with xor's precedence), so that
    /// Python can be pasted unchanged; by default `^` is a power, as on
    /// calculators (`2^10` is 1024).
    #[arg(long)]
    pub python_caret: bool,

    /// Chat messages (and nick and room changes) per second per user, with
    /// a burst of five seconds' worth; excess gets `error: slow down`.
    /// 0 turns the limit off (for load tests).
    #[arg(long, value_name = "N", default_value_t = ChatConfig::default().rate)]
    pub chat_rate: u32,

    /// Chat lines that may wait for a user; a user who lets more pile up
    /// (by not reading) is disconnected.
    #[arg(long, value_name = "LINES", default_value_t = ChatConfig::default().queue,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub chat_queue: usize,

    /// Chat lines kept per room in the store (older ones are pruned);
    /// `/history` shows up to 200 at a time.
    #[arg(long, value_name = "LINES", default_value_t = ChatConfig::default().history,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=10_000_000))]
    pub chat_history: usize,

    /// Share of one CPU core, in percent, that one client may use over
    /// time; a client that computes more (a burst of 100 ms is free) is
    /// paused until it is back within its share. 100 turns the limit off.
    #[arg(long, value_name = "PERCENT", default_value_t = Config::default().cpu_share_percent,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub cpu_share: u32,

    /// Also serve TLS on this address (needs --tls-cert and --tls-key);
    /// SIGHUP reloads the certificate and key.
    #[arg(long, value_name = "ADDR", requires_all = ["tls_cert", "tls_key"])]
    pub tls_listen: Option<String>,

    /// The TLS certificate chain (PEM, server certificate first).
    #[arg(long, value_name = "FILE", requires = "tls_listen")]
    pub tls_cert: Option<PathBuf>,

    /// The TLS private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE", requires = "tls_listen")]
    pub tls_key: Option<PathBuf>,

    /// Seconds a TLS client may take from connecting to the end of its
    /// handshake before it is disconnected.
    #[arg(long, value_name = "SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub tls_handshake_timeout: u64,

    /// TLS handshakes computing at once; further new TLS clients wait
    /// (within their handshake timeout) for a turn.
    #[arg(long, value_name = "N", default_value_t = Config::default().tls_max_handshakes,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=100_000))]
    pub tls_max_handshakes: usize,

    // ---- accounts and the store (issue 14) --------------------------------
    /// Directory of the chat's database (accounts, history, messages);
    /// created on first start.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "safecalc-data",
        conflicts_with = "ephemeral"
    )]
    pub data_dir: std::path::PathBuf,

    /// Keep nothing on disk: accounts, history and messages live in memory
    /// and are lost when the server stops (for demos and tests).
    #[arg(long)]
    pub ephemeral: bool,

    /// Days a chat line (and an undelivered private message) is kept.
    #[arg(long, value_name = "DAYS", default_value_t = ChatConfig::default().history_days,
          value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub history_days: u32,

    /// Private messages kept per account while its owner is away; past it,
    /// senders are told the mailbox is full.
    #[arg(long, value_name = "MESSAGES", default_value_t = ChatConfig::default().mailbox,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub mailbox_size: usize,

    /// Take passwords from clients on other machines over plain TCP
    /// (by default only loopback and TLS clients may send one).
    #[arg(long)]
    pub allow_plaintext_passwords: bool,
    // ---- end of accounts and the store -------------------------------------

    // ---- several instances through Redis (issue 16) ------------------------
    /// Share the chat with other instances through this Redis server
    /// (`redis://[user:password@]host:port[/db]`, or `rediss://...` for TLS):
    /// history, accounts, messages, nicks and presence live there instead
    /// of in --data-dir.
    #[arg(long, value_name = "URL", conflicts_with_all = ["ephemeral", "data_dir"])]
    pub redis: Option<String>,

    /// This instance's name in logs and in Redis (default: host name and
    /// port); each instance sharing a Redis needs its own.
    #[arg(long, value_name = "NAME", requires = "redis")]
    pub instance_name: Option<String>,

    /// Seconds an instance's users stay listed after it stops answering
    /// (its heartbeat comes four times as often).
    #[arg(long, value_name = "SECONDS", default_value_t = 30, requires = "redis",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub presence_ttl: u64,

    /// What every key and channel this chat uses in Redis starts with, so
    /// that one Redis can hold several chats.
    #[arg(long, value_name = "PREFIX", default_value = super::store::redis::DEFAULT_PREFIX,
          requires = "redis")]
    pub redis_prefix: String,

    /// With a rediss:// URL: trust only the certificates in FILE (PEM),
    /// e.g. a private CA's, instead of the system's.
    #[arg(long, value_name = "FILE", requires = "redis")]
    pub redis_ca: Option<PathBuf>,
    // ---- end of several instances ----------------------------------------
}

impl ServeArgs {
    /// Where the chat's data lives (`--data-dir`, `--ephemeral`, or
    /// `--redis`).
    pub fn store(&self) -> StoreLocation {
        if let Some(url) = &self.redis {
            StoreLocation::Redis(RedisOptions {
                url: url.clone(),
                instance: self
                    .instance_name
                    .clone()
                    .unwrap_or_else(|| default_instance_name(&self.listen)),
                presence_ttl: Duration::from_secs(self.presence_ttl),
                prefix: self.redis_prefix.clone(),
                ca: self.redis_ca.clone(),
            })
        } else if self.ephemeral {
            StoreLocation::Ephemeral
        } else {
            StoreLocation::Directory(self.data_dir.clone())
        }
    }

    /// The server configuration these flags describe.
    pub fn config(&self) -> Config {
        Config {
            max_connections: self.max_connections,
            max_line_bytes: self.max_line_bytes,
            idle_timeout: (self.idle_timeout > 0).then(|| Duration::from_secs(self.idle_timeout)),
            limits: Limits {
                max_depth: self.max_depth,
                max_int_digits: self.max_int_digits,
                max_work: self.max_work,
                caret: if self.python_caret {
                    Caret::Xor
                } else {
                    Caret::Power
                },
                ..Limits::DEFAULT
            },
            chat: ChatConfig {
                rate: self.chat_rate,
                queue: self.chat_queue,
                history: self.chat_history,
                history_days: self.history_days,
                mailbox: self.mailbox_size,
            },
            cpu_share_percent: self.cpu_share,
            tls_handshake_timeout: Duration::from_secs(self.tls_handshake_timeout),
            tls_max_handshakes: self.tls_max_handshakes,
            accounts: AccountsConfig {
                allow_plaintext_passwords: self.allow_plaintext_passwords,
                ..AccountsConfig::default()
            },
            ..Config::default()
        }
    }

    /// The TLS listener these flags ask for: its address and certificate
    /// files, or `None` without `--tls-listen`.
    pub fn tls(&self) -> Option<(String, CertificateFiles)> {
        let addr = self.tls_listen.clone()?;
        let files = CertificateFiles {
            cert: self.tls_cert.clone()?,
            key: self.tls_key.clone()?,
        };
        Some((addr, files))
    }
}

/// The default `--instance-name`: this machine's host name and the port of
/// `listen` (the process id instead when the port is 0, which is picked at
/// start), made a valid name.
pub fn default_instance_name(listen: &str) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    let port = listen
        .rsplit_once(':')
        .map(|(_, port)| port)
        .filter(|port| *port != "0")
        .map_or_else(|| format!("pid{}", std::process::id()), str::to_string);
    let name: String = format!("{host}:{port}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':') {
                c
            } else {
                '-'
            }
        })
        .collect();
    // Keep the port, which tells instances on one machine apart.
    let excess = name.len().saturating_sub(64);
    name[excess..].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    #[test]
    fn defaults_match_config_defaults() {
        let cli = Cli::try_parse_from(["safecalc"]).unwrap();
        assert_eq!(cli.serve.listen, "127.0.0.1:7878");
        assert_eq!(cli.serve.config(), Config::default());
    }

    #[test]
    fn flags_reach_the_config() {
        let cli = Cli::try_parse_from([
            "safecalc",
            "--listen",
            "127.0.0.1:0",
            "--max-connections",
            "5",
            "--max-line-bytes",
            "100",
            "--idle-timeout",
            "0",
            "--max-depth",
            "10",
            "--max-int-digits",
            "50",
            "--max-work",
            "1000",
            "--chat-rate",
            "0",
            "--chat-queue",
            "7",
            "--chat-history",
            "9",
            "--cpu-share",
            "25",
            "--workers",
            "3",
        ])
        .unwrap();
        let config = cli.serve.config();
        assert_eq!(config.max_connections, 5);
        assert_eq!(config.max_line_bytes, 100);
        assert_eq!(config.idle_timeout, None);
        assert_eq!(config.limits.max_depth, 10);
        assert_eq!(config.limits.max_int_digits, 50);
        assert_eq!(config.limits.max_work, 1000);
        assert_eq!(
            config.chat,
            ChatConfig {
                rate: 0,
                queue: 7,
                history: 9,
                ..ChatConfig::default()
            }
        );
        assert_eq!(config.cpu_share_percent, 25);
        assert_eq!(cli.serve.workers, 3);
    }

    #[test]
    fn tls_flags_reach_the_config() {
        let cli = Cli::try_parse_from([
            "safecalc",
            "--tls-listen",
            "127.0.0.1:7443",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
            "--tls-handshake-timeout",
            "3",
            "--tls-max-handshakes",
            "2",
        ])
        .unwrap();
        let config = cli.serve.config();
        assert_eq!(config.tls_handshake_timeout, Duration::from_secs(3));
        assert_eq!(config.tls_max_handshakes, 2);
        let (addr, files) = cli.serve.tls().expect("a TLS listener");
        assert_eq!(addr, "127.0.0.1:7443");
        assert_eq!(files.cert, PathBuf::from("c.pem"));
        assert_eq!(files.key, PathBuf::from("k.pem"));
        assert!(
            Cli::try_parse_from(["safecalc"])
                .unwrap()
                .serve
                .tls()
                .is_none()
        );
    }

    #[test]
    fn redis_flags_reach_the_store() {
        let cli = Cli::try_parse_from([
            "safecalc",
            "--redis",
            "redis://127.0.0.1:6379",
            "--instance-name",
            "eu-1",
            "--presence-ttl",
            "3",
        ])
        .unwrap();
        let StoreLocation::Redis(options) = cli.serve.store() else {
            panic!("a Redis store");
        };
        assert_eq!(options.url, "redis://127.0.0.1:6379");
        assert_eq!(options.instance, "eu-1");
        assert_eq!(options.presence_ttl, Duration::from_secs(3));
        assert_eq!(options.prefix, "safecalc");
        let cli = Cli::try_parse_from([
            "safecalc",
            "--redis",
            "redis://h",
            "--listen",
            "0.0.0.0:7000",
        ])
        .unwrap();
        let StoreLocation::Redis(options) = cli.serve.store() else {
            panic!("a Redis store");
        };
        assert!(options.instance.ends_with(":7000"), "{}", options.instance);
        assert_eq!(options.presence_ttl, Duration::from_secs(30));
        for args in [
            &["safecalc", "--redis", "redis://h", "--ephemeral"][..],
            &["safecalc", "--redis", "redis://h", "--data-dir", "x"],
            &["safecalc", "--instance-name", "a"],
            &["safecalc", "--presence-ttl", "3"],
            &["safecalc", "--redis", "redis://h", "--presence-ttl", "0"],
        ] {
            assert!(Cli::try_parse_from(args).is_err(), "{args:?}");
        }
        let name = default_instance_name("[::]:0");
        assert!(name.contains(":pid"), "{name}");
        assert!(super::super::store::redis::valid_name(&name), "{name}");
    }

    #[test]
    fn tls_flags_come_together() {
        for args in [
            &["safecalc", "--tls-listen", "127.0.0.1:7443"][..],
            &[
                "safecalc",
                "--tls-listen",
                "127.0.0.1:7443",
                "--tls-cert",
                "c.pem",
            ],
            &["safecalc", "--tls-cert", "c.pem", "--tls-key", "k.pem"],
            &["safecalc", "--tls-handshake-timeout", "0"],
            &["safecalc", "--tls-max-handshakes", "0"],
        ] {
            assert!(Cli::try_parse_from(args).is_err(), "{args:?}");
        }
    }

    #[test]
    fn python_caret_makes_caret_xor() {
        let caret = |args: &[&str]| {
            Cli::try_parse_from(args)
                .unwrap()
                .serve
                .config()
                .limits
                .caret
        };
        assert_eq!(caret(&["safecalc"]), Caret::Power);
        assert_eq!(caret(&["safecalc", "--python-caret"]), Caret::Xor);
    }

    #[test]
    fn nonsense_is_refused() {
        for args in [
            ["safecalc", "--max-connections", "0"],
            ["safecalc", "--max-line-bytes", "0"],
            ["safecalc", "--max-line-bytes", "-3"],
            ["safecalc", "--idle-timeout", "soon"],
            ["safecalc", "--chat-rate", "-1"],
            ["safecalc", "--chat-queue", "0"],
            ["safecalc", "--chat-history", "0"],
            ["safecalc", "--cpu-share", "0"],
            ["safecalc", "--cpu-share", "101"],
            ["safecalc", "--workers", "-1"],
            ["safecalc", "--workers", "100000"],
        ] {
            assert!(Cli::try_parse_from(args).is_err(), "{args:?}");
        }
    }
}
