//! The server's settings: [`Config`] for the library, [`ServeArgs`] for the
//! command line.
//!
//! They are two types so that the library (and its tests) never depend on
//! flag parsing: `ServeArgs` is what a person types, `Config` is what the
//! server runs with, and [`ServeArgs::config`] is the one place that maps
//! one to the other.

use std::time::Duration;

use clap::Args;
use clap::builder::RangedU64ValueParser;

use crate::calc::Limits;

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
}

impl ServeArgs {
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
                ..Limits::DEFAULT
            },
            ..Config::default()
        }
    }
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
        ])
        .unwrap();
        let config = cli.serve.config();
        assert_eq!(config.max_connections, 5);
        assert_eq!(config.max_line_bytes, 100);
        assert_eq!(config.idle_timeout, None);
        assert_eq!(config.limits.max_depth, 10);
        assert_eq!(config.limits.max_int_digits, 50);
        assert_eq!(config.limits.max_work, 1000);
    }

    #[test]
    fn nonsense_is_refused() {
        for args in [
            ["safecalc", "--max-connections", "0"],
            ["safecalc", "--max-line-bytes", "0"],
            ["safecalc", "--max-line-bytes", "-3"],
            ["safecalc", "--idle-timeout", "soon"],
        ] {
            assert!(Cli::try_parse_from(args).is_err(), "{args:?}");
        }
    }
}
