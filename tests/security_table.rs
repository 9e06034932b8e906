//! Keeps SECURITY.md true: every safecalc reply its tables quote is checked
//! against what safecalc really replies.
//!
//! - The payload table (at least 15 rows): each `calc` row's payload is
//!   evaluated with a fresh `safecalc::calc::Session` on a 2 MiB stack, and
//!   its reply (the value's `repr`, or `error: ` and the error) must be the
//!   document's, character for character, within a few milliseconds.
//! - The limits table: each limit's default must be `Limits::DEFAULT`'s, and
//!   its error reply the one that limit's error prints.
//!
//! If this test fails after a deliberate change, update SECURITY.md (and
//! check that teaching/README.md's transcript still tells the truth).

#[path = "support/payload_table.rs"]
mod payload_table;

use std::time::{Duration, Instant};

use payload_table::{Check, Row};
use safecalc::calc::{CalcError, Limits, Session};

const SECURITY_MD: &str = include_str!("../SECURITY.md");

/// The fewest payload rows the document may have.
const MIN_ROWS: usize = 15;

/// How long a payload may take to evaluate, even in a debug build on a busy
/// machine: the limits promise microseconds; this only catches a hang.
const MAX_EVAL_TIME: Duration = Duration::from_millis(250);

fn rows() -> Vec<Row> {
    payload_table::parse(SECURITY_MD).unwrap_or_else(|e| panic!("SECURITY.md: {e}"))
}

/// What the server sends back for one calculator line.
fn calc_reply(session: &mut Session, line: &str) -> String {
    match session.eval(line) {
        Ok(value) => value.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

/// Runs `f` on a 2 MiB thread: tokio's default worker stack.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no panic and no stack overflow")
}

#[test]
fn the_payload_table_exists_and_has_enough_rows() {
    let rows = rows();
    assert!(
        rows.len() >= MIN_ROWS,
        "SECURITY.md's payload table has {} rows; it must have at least {MIN_ROWS}",
        rows.len()
    );
    for row in &rows {
        assert!(!row.payload.is_empty(), "row {}: empty payload", row.number);
        assert!(
            !row.payload.contains(['\n', '\r']),
            "row {}: a payload is one line",
            row.number
        );
        assert!(
            !row.python.is_empty(),
            "row {}: the Python column is empty",
            row.number
        );
    }
}

#[test]
fn every_calc_row_is_what_a_session_replies() {
    let rows: Vec<Row> = rows()
        .into_iter()
        .filter(|r| r.check == Check::Calc)
        .collect();
    assert!(!rows.is_empty());
    let failures = on_small_stack(move || {
        let mut failures = Vec::new();
        for row in rows {
            let mut session = Session::new();
            let started = Instant::now();
            let actual = calc_reply(&mut session, &row.payload);
            let elapsed = started.elapsed();
            if actual != row.safecalc {
                failures.push(format!(
                    "row {} ({}):\n  SECURITY.md says: {}\n  safecalc replies: {}",
                    row.number, row.shown, row.safecalc, actual
                ));
            }
            if elapsed > MAX_EVAL_TIME {
                failures.push(format!("row {}: took {elapsed:?}", row.number));
            }
        }
        failures
    });
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
    assert!(rows.len() < MIN_ROWS);
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

/// One row of the limits table: `| what | `field` | default | flag | `error` |`.
struct LimitRow {
    field: String,
    default: u64,
    error: String,
}

const LIMITS_HEADER: &str = "| Limit | Field | Default | Server flag | Error reply |";

fn limit_rows() -> Vec<LimitRow> {
    let mut lines = SECURITY_MD.lines();
    lines
        .by_ref()
        .find(|l| l.trim() == LIMITS_HEADER)
        .unwrap_or_else(|| panic!("SECURITY.md has no limits table ({LIMITS_HEADER})"));
    lines.next().expect("the |---| line");
    lines
        .take_while(|l| l.trim_start().starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line
                .trim()
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            assert_eq!(cells.len(), 5, "limits row {line:?}");
            let unquote = |s: &str| s.trim_matches('`').to_string();
            LimitRow {
                field: unquote(cells[1]),
                default: cells[2]
                    .replace([',', '_'], "")
                    .parse()
                    .unwrap_or_else(|_| panic!("default {:?} is not a number", cells[2])),
                error: unquote(cells[4]),
            }
        })
        .collect()
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
    ];
    let rows = limit_rows();
    for (field, default, error) in expected {
        let row = rows
            .iter()
            .find(|r| r.field == field)
            .unwrap_or_else(|| panic!("SECURITY.md's limits table has no row for {field}"));
        assert_eq!(row.default, default, "default of {field}");
        assert_eq!(
            row.error,
            format!("error: {error}"),
            "error reply of {field}"
        );
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
                "10**4300".to_string(),
                CalcError::IntTooLarge {
                    max: d.max_int_digits,
                },
            ),
            (
                "9**4500//7**3000+".repeat(10) + "0",
                CalcError::TooMuchWork { max: d.max_work },
            ),
            (
                "1+".repeat(d.max_input_bytes / 2) + "1",
                CalcError::InputTooLong {
                    max: d.max_input_bytes,
                },
            ),
        ];
        for (input, error) in cases {
            assert_eq!(s.eval(&input), Err(error));
        }
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
