//! Keeps SECURITY.md true: every safecalc reply, default and flag its tables
//! quote is checked against what safecalc really does.
//!
//! - The payload table (at least 15 rows, numbered from 1): each `calc` row's
//!   payload is evaluated with a fresh `safecalc::calc::Session` on a 2 MiB
//!   stack, and its reply (the value's `repr`, or `error: ` and the error)
//!   must be the document's, character for character. (How fast is not
//!   checked here, on a shared machine: a row that has not finished after
//!   `PATIENCE` (30 s) is reported as a hang. `examples/payloads.rs` prints the
//!   time of each reply.) Then every
//!   row, `server` rows included, is sent over TCP to a real server on
//!   127.0.0.1:0 (in this process), which must reply the same and then
//!   still answer `6*7`.
//! - The limits table and the server's protections table: each default must
//!   be the code's, each flag must exist and set that very setting (and a
//!   setting said to have no flag must have none), and each quoted reply
//!   must be what the server sends over TCP: line too long, invalid UTF-8,
//!   server full, idle, and in chat mode the flood limit, the message cap
//!   and the terminal-injection example (`\x1b[2J` arrives as `?[2J`).
//!
//! The table format is described in `tests/support/payload_table.rs`, which
//! `examples/payloads.rs` shares. If this test fails after a deliberate
//! change, update SECURITY.md, and check that teaching/README.md and its
//! transcripts still tell the truth.

#[path = "support/payload_table.rs"]
mod payload_table;

#[path = "support/small_stack.rs"]
mod small_stack;
use small_stack::on_small_stack;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

use payload_table::{Check, Row};
use safecalc::calc::{self, CalcError, Limits, Session};
use safecalc::server::chat::MAX_MESSAGE_BYTES;
use safecalc::server::{Config, GREETING, ServeArgs, Server};
use tokio_util::sync::CancellationToken;

const SECURITY_MD: &str = include_str!("../SECURITY.md");

/// The fewest payload rows the document may have.
const MIN_ROWS: usize = 15;

fn rows() -> Vec<Row> {
    payload_table::parse(SECURITY_MD).unwrap_or_else(|e| panic!("SECURITY.md: {e}"))
}

/// Whether a parsed payload table is complete enough to be the document's.
fn check_rows(rows: &[Row]) -> Result<(), String> {
    if rows.len() < MIN_ROWS {
        return Err(format!(
            "the payload table has {} rows; it must have at least {MIN_ROWS}",
            rows.len()
        ));
    }
    for row in rows {
        if row.payload.is_empty() {
            return Err(format!("row {}: empty payload", row.number));
        }
        if row.payload.contains(['\n', '\r']) {
            return Err(format!("row {}: a payload is one line", row.number));
        }
        if row.python.is_empty() {
            return Err(format!("row {}: the Python column is empty", row.number));
        }
    }
    Ok(())
}

/// What the server sends back for one calculator line.
fn calc_reply(session: &mut Session, line: &str) -> String {
    match session.eval(line) {
        Ok(value) => value.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn the_payload_table_exists_and_has_enough_rows() {
    if let Err(e) = check_rows(&rows()) {
        panic!("SECURITY.md: {e}");
    }
}

#[test]
fn every_calc_row_is_what_a_session_replies() {
    let rows: Vec<Row> = rows()
        .into_iter()
        .filter(|r| r.check == Check::Calc)
        .collect();
    assert!(!rows.is_empty());
    // The rows run one after the other on a thread of their own, which
    // reports each reply as it comes: a row that hangs is named, after
    // PATIENCE, instead of hanging the test.
    let (replies, received) = mpsc::channel();
    let expected = rows.clone();
    let evaluator = std::thread::spawn(move || {
        on_small_stack(move || {
            for row in rows {
                let reply = calc_reply(&mut Session::new(), &row.payload);
                if replies.send(reply).is_err() {
                    return;
                }
            }
        })
    });
    let mut failures = Vec::new();
    for row in &expected {
        let actual = received.recv_timeout(PATIENCE).unwrap_or_else(|e| {
            panic!(
                "row {} ({}): no reply after {PATIENCE:?} ({e}): a hang",
                row.number, row.shown
            )
        });
        if actual != row.safecalc {
            failures.push(format!(
                "row {} ({}):\n  SECURITY.md says: {}\n  safecalc replies: {}",
                row.number, row.shown, row.safecalc, actual
            ));
        }
    }
    evaluator.join().expect("the evaluating thread");
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_missing_or_short_table_is_an_error() {
    assert!(payload_table::parse("# Security\n\nNo table here.\n").is_err());
    let short = format!(
        "{}\n|---|---|---|---|---|\n| 1 | `1+1` | calc | `2` | `2` |\n",
        payload_table::HEADER
    );
    let rows = payload_table::parse(&short).expect("a well-formed table");
    assert_eq!(rows.len(), 1);
    let refused = check_rows(&rows).expect_err("one row is not enough");
    assert!(refused.contains("at least 15"), "{refused}");
    let misnumbered = short.replace("| 1 |", "| 2 |");
    assert!(payload_table::parse(&misnumbered).is_err());
}

#[test]
fn built_payloads_expand_as_python_would() {
    assert_eq!(payload_table::build("'-' * 3 + '1'").unwrap(), "---1");
    assert_eq!(payload_table::build("'ab'*2").unwrap(), "abab");
    assert_eq!(
        payload_table::build("'('*2 + '1' + ')'*2").unwrap(),
        "((1))"
    );
    assert!(payload_table::build("'a' * 99999999").is_err());
    assert!(payload_table::build("'a' - 'b'").is_err());
}

/// The cells of each row of the Markdown table whose header is `header`.
fn table(header: &str) -> Vec<Vec<String>> {
    let mut lines = SECURITY_MD.lines();
    lines
        .by_ref()
        .find(|l| l.trim() == header)
        .unwrap_or_else(|| panic!("SECURITY.md has no table {header:?}"));
    lines.next().expect("the |---| line");
    lines
        .take_while(|l| l.trim_start().starts_with('|'))
        .map(|line| {
            let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
            inner.split('|').map(|c| c.trim().to_string()).collect()
        })
        .collect()
}

/// One row of the limits table or of the server's protections table:
/// `| what | `field` | default | `--flag` or prose | `error reply` |`.
struct LimitRow {
    field: String,
    default: u64,
    /// The flag, if the row names one.
    flag: Option<String>,
    /// The exact reply, if the row quotes one (a code span).
    reply: Option<String>,
}

const LIMITS_HEADER: &str = "| Limit | Field | Default | Server flag | Error reply |";
const SERVER_HEADER: &str = "| Protection | Field | Default | Server flag | Reply |";

fn limit_rows(header: &str) -> Vec<LimitRow> {
    table(header)
        .into_iter()
        .map(|cells| {
            assert_eq!(cells.len(), 5, "row {cells:?} of {header:?}");
            let code = |s: &str| {
                s.strip_prefix('`')
                    .and_then(|s| s.strip_suffix('`'))
                    .map(str::to_string)
            };
            LimitRow {
                field: code(&cells[1]).expect("the field is a code span"),
                default: cells[2]
                    .replace([',', '_'], "")
                    .parse()
                    .unwrap_or_else(|_| panic!("default {:?} is not a number", cells[2])),
                flag: code(&cells[3]),
                reply: code(&cells[4]),
            }
        })
        .collect()
}

fn limit_row<'r>(rows: &'r [LimitRow], field: &str) -> &'r LimitRow {
    rows.iter()
        .find(|r| r.field == field)
        .unwrap_or_else(|| panic!("SECURITY.md has no row for {field}"))
}

/// The server's flags, parsed as the binary parses them.
#[derive(clap::Parser)]
struct Cli {
    #[command(flatten)]
    serve: ServeArgs,
}

/// The configuration the server would run with, given `flag value`.
fn config_with(flag: &str, value: &str) -> Config {
    use clap::Parser;
    Cli::try_parse_from(["safecalc", flag, value])
        .unwrap_or_else(|e| panic!("SECURITY.md names {flag}, which the server refuses: {e}"))
        .serve
        .config()
}

#[test]
fn the_limits_table_matches_the_code() {
    let d = Limits::DEFAULT;
    let expected: Vec<(&str, u64, CalcError)> = vec![
        (
            "max_depth",
            d.max_depth as u64,
            CalcError::TooDeep { max: d.max_depth },
        ),
        (
            "max_int_digits",
            d.max_int_digits as u64,
            CalcError::IntTooLarge {
                max: d.max_int_digits,
            },
        ),
        (
            "max_str_digits",
            d.max_str_digits as u64,
            calc::eval("10**5000").unwrap_err(),
        ),
        (
            "max_work",
            d.max_work,
            CalcError::TooMuchWork { max: d.max_work },
        ),
        (
            "max_input_bytes",
            d.max_input_bytes as u64,
            CalcError::InputTooLong {
                max: d.max_input_bytes,
            },
        ),
        (
            "max_variables",
            d.max_variables as u64,
            CalcError::TooManyVariables {
                max: d.max_variables,
            },
        ),
        (
            "max_sequence_len",
            d.max_sequence_len as u64,
            CalcError::SequenceTooLong {
                max: d.max_sequence_len,
            },
        ),
        (
            "max_result_chars",
            d.max_result_chars as u64,
            CalcError::ResultTooLong {
                max: d.max_result_chars,
            },
        ),
        (
            "max_session_bytes",
            d.max_session_bytes as u64,
            CalcError::SessionMemory {
                max: d.max_session_bytes,
            },
        ),
    ];
    let rows = limit_rows(LIMITS_HEADER);
    for (field, default, error) in expected {
        let row = limit_row(&rows, field);
        assert_eq!(row.default, default, "default of {field}");
        assert_eq!(
            row.reply,
            Some(format!("error: {error}")),
            "error reply of {field}"
        );
    }
    // One row per bound of Limits (its other field, `caret`, is the
    // language's option, not a limit).
    assert_eq!(rows.len(), 9, "one row per limit of Limits");
}

#[test]
fn the_limits_tables_flags_reach_the_right_setting() {
    type Read = fn(&Config) -> u64;
    let settings: [(&str, Read); 19] = [
        ("max_depth", |c| c.limits.max_depth as u64),
        ("max_int_digits", |c| c.limits.max_int_digits as u64),
        ("max_str_digits", |c| c.limits.max_str_digits as u64),
        ("max_work", |c| c.limits.max_work),
        ("max_input_bytes", |c| c.limits.max_input_bytes as u64),
        ("max_variables", |c| c.limits.max_variables as u64),
        ("max_sequence_len", |c| c.limits.max_sequence_len as u64),
        ("max_result_chars", |c| c.limits.max_result_chars as u64),
        ("max_session_bytes", |c| c.limits.max_session_bytes as u64),
        ("max_line_bytes", |c| c.max_line_bytes as u64),
        ("max_connections", |c| c.max_connections as u64),
        ("idle_timeout", |c| {
            c.idle_timeout.map_or(0, |d| d.as_secs())
        }),
        ("chat.rate", |c| u64::from(c.chat.rate)),
        ("cpu_share_percent", |c| u64::from(c.cpu_share_percent)),
        ("chat.queue", |c| c.chat.queue as u64),
        ("chat.history", |c| c.chat.history as u64),
        ("chat.history_days", |c| u64::from(c.chat.history_days)),
        ("chat.mailbox", |c| c.chat.mailbox as u64),
        ("chat::MAX_MESSAGE_BYTES", |_| MAX_MESSAGE_BYTES as u64),
    ];
    let rows: Vec<LimitRow> = limit_rows(LIMITS_HEADER)
        .into_iter()
        .chain(limit_rows(SERVER_HEADER))
        .collect();
    let defaults = Config::default();
    for (field, read) in settings {
        let row = limit_row(&rows, field);
        assert_eq!(row.default, read(&defaults), "the server's default {field}");
        match &row.flag {
            Some(flag) => assert_eq!(read(&config_with(flag, "7")), 7, "{flag} sets {field}"),
            // The document says there is no flag: the obvious name must not
            // exist either, or the table is out of date.
            None => {
                use clap::Parser;
                let name = field.rsplit([':', '.']).next().unwrap_or(field);
                let guess = format!("--{}", name.to_lowercase().replace('_', "-"));
                assert!(
                    Cli::try_parse_from(["safecalc", guess.as_str(), "7"]).is_err(),
                    "the server now has {guess}: name it in SECURITY.md"
                );
            }
        }
    }
}

#[test]
fn each_limit_is_reached_by_the_error_the_table_quotes() {
    // The table's errors are real: one input per limit produces each.
    on_small_stack(|| {
        let d = Limits::DEFAULT;
        let mut s = Session::new();
        let deep = format!(
            "{}1{}",
            "(".repeat(d.max_depth + 1),
            ")".repeat(d.max_depth + 1)
        );
        let cases = [
            (deep, CalcError::TooDeep { max: d.max_depth }),
            (
                "1 << 400000".to_string(),
                CalcError::IntTooLarge {
                    max: d.max_int_digits,
                },
            ),
            ("10**4300".to_string(), calc::eval("10**5000").unwrap_err()),
            (
                "9**4500//7**3000+".repeat(40) + "0",
                CalcError::TooMuchWork { max: d.max_work },
            ),
            (
                "1+".repeat(d.max_input_bytes / 2) + "1",
                CalcError::InputTooLong {
                    max: d.max_input_bytes,
                },
            ),
            (
                "[0]*10001".to_string(),
                CalcError::SequenceTooLong {
                    max: d.max_sequence_len,
                },
            ),
            (
                "[10**4000]*20".to_string(),
                CalcError::ResultTooLong {
                    max: d.max_result_chars,
                },
            ),
        ];
        for (input, error) in cases {
            assert_eq!(s.eval(&input), Err(error));
        }
        let mut lists = Session::new();
        let full = (0..100)
            .map(|i| lists.eval(&format!("v{i} = list(range(10000))")))
            .find(Result::is_err);
        assert_eq!(
            full,
            Some(Err(CalcError::SessionMemory {
                max: d.max_session_bytes
            }))
        );
        for i in 0..d.max_variables {
            s.eval(&format!("v{i} = {i}")).unwrap();
        }
        assert_eq!(
            s.eval("one_more = 1"),
            Err(CalcError::TooManyVariables {
                max: d.max_variables
            })
        );
    });
}

// ---------------------------------------------------------------------------
// Over TCP: the same rows (and the server's own protections) against a real
// server on 127.0.0.1:0, in this process.

/// How long any one reply may take before the test fails (a hang, not a
/// performance measurement).
const PATIENCE: Duration = Duration::from_secs(30);

/// Runs `f` with the address of an in-process server started with `config`,
/// then shuts the server down and waits for it.
fn with_server<T>(config: Config, f: impl FnOnce(SocketAddr) -> T) -> T {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime
        .block_on(Server::bind("127.0.0.1:0", config))
        .expect("bind 127.0.0.1:0");
    let addr = server.local_addr().expect("local address");
    let shutdown = CancellationToken::new();
    let task = runtime.spawn(server.run(shutdown.clone()));
    let result = f(addr);
    shutdown.cancel();
    runtime.block_on(task).expect("the server stops cleanly");
    result
}

/// A blocking line client, as `nc` would be.
struct LineClient {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl LineClient {
    /// Connects and returns the client with the first line it received.
    fn connect(addr: SocketAddr) -> (LineClient, String) {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.set_write_timeout(Some(PATIENCE)).unwrap();
        let mut client = LineClient {
            writer: stream.try_clone().unwrap(),
            reader: BufReader::new(stream),
        };
        let first = client.line();
        (client, first)
    }

    /// Connects and checks the greeting.
    fn greeted(addr: SocketAddr) -> LineClient {
        let (client, greeting) = LineClient::connect(addr);
        assert_eq!(greeting, GREETING);
        client
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("send");
    }

    /// The next line, which must end with CR LF.
    fn line(&mut self) -> String {
        let mut bytes = Vec::new();
        self.reader
            .read_until(b'\n', &mut bytes)
            .expect("a reply in time");
        assert!(
            bytes.ends_with(b"\r\n"),
            "a reply line ends with CR LF: {:?}",
            String::from_utf8_lossy(&bytes)
        );
        bytes.truncate(bytes.len() - 2);
        String::from_utf8(bytes).expect("replies are UTF-8")
    }

    /// Sends one line and returns the one reply.
    fn ask(&mut self, line: &str) -> String {
        self.send(format!("{line}\n").as_bytes());
        self.line()
    }
}

#[test]
fn every_row_is_what_the_server_replies_over_tcp() {
    let rows = rows();
    let failures = with_server(Config::default(), |addr| {
        let mut failures = Vec::new();
        for row in &rows {
            // A connection per row, as each row stands alone.
            let mut client = LineClient::greeted(addr);
            let reply = client.ask(&row.payload);
            if reply != row.safecalc {
                failures.push(format!(
                    "row {} ({}) over TCP:\n  SECURITY.md says: {}\n  the server replies: {}",
                    row.number, row.shown, row.safecalc, reply
                ));
            }
            // Whatever the row was, the session goes on.
            let after = client.ask("6*7");
            if after != "42" {
                failures.push(format!("row {}: the next line got {after:?}", row.number));
            }
        }
        failures
    });
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn the_servers_protections_reply_as_the_table_says() {
    let rows = limit_rows(SERVER_HEADER);

    // A line one byte over the limit; the session goes on after it.
    let reply = |field| {
        limit_row(&rows, field)
            .reply
            .clone()
            .unwrap_or_else(|| panic!("SECURITY.md quotes no reply for {field}"))
    };
    let too_long = &reply("max_line_bytes");
    with_server(Config::default(), |addr| {
        let mut client = LineClient::greeted(addr);
        let line = "1".repeat(Config::default().max_line_bytes + 1);
        assert_eq!(&client.ask(&line), too_long);
        assert_eq!(client.ask("6*7"), "42");
        // Invalid UTF-8 (0xC3 starts a two-byte sequence; '(' cannot end it).
        client.send(b"\xc3(\n");
        let reply = client.line();
        assert!(
            SECURITY_MD.contains(&format!("`{reply}`")),
            "SECURITY.md must quote the invalid UTF-8 reply {reply:?}"
        );
        assert_eq!(client.ask("6*7"), "42");
    });

    // One client more than the cap.
    let full = &reply("max_connections");
    let config = Config {
        max_connections: 1,
        ..Config::default()
    };
    with_server(config, |addr| {
        let mut first = LineClient::greeted(addr);
        let (_, refusal) = LineClient::connect(addr);
        assert_eq!(&refusal, full);
        assert_eq!(first.ask("6*7"), "42", "the first client is unaffected");
    });

    // An idle client, with the timeout shortened to 1 s for the test.
    let idle = &reply("idle_timeout");
    let default_secs = Config::default().idle_timeout.expect("a default").as_secs();
    let config = Config {
        idle_timeout: Some(Duration::from_secs(1)),
        ..Config::default()
    };
    with_server(config, |addr| {
        let mut client = LineClient::greeted(addr);
        let expected = idle.replace(&format!(" {default_secs} s"), " 1 s");
        assert_ne!(&expected, idle, "the idle reply names the timeout");
        assert_eq!(client.line(), expected);
    });
}

impl LineClient {
    /// Reads lines until `wanted` arrives (other users' announcements may
    /// come first), failing after 50 other lines.
    fn wait_for(&mut self, wanted: &str) {
        self.wait_until(|line| line == wanted);
    }

    /// Reads lines until one satisfies `done`, failing after 50 others.
    fn wait_until(&mut self, done: impl Fn(&str) -> bool) {
        let mut seen = Vec::new();
        while seen.len() < 50 {
            let line = self.line();
            if done(&line) {
                return;
            }
            seen.push(line);
        }
        panic!("no such line in {seen:?}");
    }
}

#[test]
fn chat_protections_reply_as_the_table_says() {
    let rows = limit_rows(SERVER_HEADER);
    let reply = |field| {
        limit_row(&rows, field)
            .reply
            .clone()
            .expect("a quoted reply")
    };

    with_server(Config::default(), |addr| {
        let mut alice = LineClient::greeted(addr);
        let mut bob = LineClient::greeted(addr);
        assert!(alice.ask("/nick alice").contains("alice"));
        assert!(alice.ask("/chat").starts_with("chat mode"));
        bob.send(b"/chat\n");
        bob.wait_until(|line| line.starts_with("-- you joined #lobby"));

        // Terminal injection: the document's example arrives cleaned.
        assert!(
            SECURITY_MD.contains("`\\x1b[2J`") && SECURITY_MD.contains("`?[2J`"),
            "SECURITY.md quotes the injection example"
        );
        alice.send(b"\x1b[2J\n");
        bob.wait_for("<alice> ?[2J");

        // A message one byte over the limit.
        alice.send(format!("{}\n", "m".repeat(MAX_MESSAGE_BYTES + 1)).as_bytes());
        alice.wait_for(&reply("chat::MAX_MESSAGE_BYTES"));
    });

    // Flooding: the burst is five seconds' worth of the rate.
    let mut config = Config::default();
    config.chat.rate = 1;
    with_server(config, |addr| {
        let mut alice = LineClient::greeted(addr);
        assert!(alice.ask("/chat").starts_with("chat mode"));
        alice.send("flood\n".repeat(20).as_bytes());
        alice.wait_for(&reply("chat.rate"));
    });
}
