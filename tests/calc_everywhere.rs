//! Every construct of the language answers alike from the three ways in:
//! the library, `safecalc eval` on the command line, and a line sent to the
//! server in calc mode; with `^` as xor (`Limits::PYTHON`,
//! `--python-caret`) and as power (the default).

use std::process::Command;

use safecalc::calc::{self, Caret, Limits};
use safecalc::server::{self, Config};

/// One line per construct, and CPython's answer (or safecalc's error).
const LINES: &[(&str, &str)] = &[
    ("2**100", "1267650600228229401496703205376"),
    ("1 < 2 <= 2 != 3", "True"),
    ("0 or 5, 0 and 1/0, not 0", "(5, 0, True)"),
    ("1/0 if 0 else 2", "2"),
    (
        "(5 & 3) | 8, ~5, 1 << 70, -9 >> 1",
        "(9, -6, 1180591620717411303424, -5)",
    ),
    ("6 ^ 3", "5"),
    (
        "(1+2j) * (3-4j), (-8)**(1/3)",
        "((11+2j), (1.0000000000000002+1.7320508075688772j))",
    ),
    (
        "divmod(17, 5)[0], [1, 2, 3][::-1], range(10)[2:8:3]",
        "(3, [3, 2, 1], range(2, 8, 3))",
    ),
    (
        "(1, 2) + (3,), [0] * 3, 2 in (1, 2)",
        "((1, 2, 3), [0, 0, 0], True)",
    ),
    (
        "(7).bit_length(), (0.5).as_integer_ratio(), (3+4j).imag",
        "(3, (1, 2), 4.0)",
    ),
    (
        "round(2.675, ndigits=2), sorted([3, 1, 2], reverse=True)",
        "(2.67, [3, 2, 1])",
    ),
    ("pow(3, -1, 7), hex(255), int(-2.5)", "(5, '0xff', -2)"),
    (
        "math.isqrt(99), comb(10, 3), math.pi",
        "(9, 120, 3.141592653589793)",
    ),
    ("sum(1/k**2 for k in range(1, 4))", "1.3611111111111112"),
    ("[x*x for x in range(5) if x % 2]", "[1, 9]"),
    ("max(a*b for a in range(10) for b in range(a))", "72"),
    ("[e for e in range(3)]", "[0, 1, 2]"),
    ("5 % 0", "error: integer modulo by zero"),
    (
        "sqr(2)",
        "error: name 'sqr' is not defined. Did you mean: 'sqrt'?",
    ),
    (
        "(1).__class__",
        "error: safecalc has no attribute '__class__': numbers offer only .real, .imag, .numerator, .denominator, .conjugate(), .bit_length(), .bit_count(), .is_integer() and .as_integer_ratio()",
    ),
    (
        "10**5000",
        "error: Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit",
    ),
    (
        "sum(1 for _ in range(10**12))",
        "error: expression too expensive to evaluate (work limit 4000000)",
    ),
];

fn library(line: &str, limits: &Limits) -> String {
    match calc::eval_with_limits(line, limits) {
        Ok(value) => value.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

fn command_line(line: &str, python_caret: bool) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_safecalc"));
    command.arg("eval");
    if python_caret {
        command.arg("--python-caret");
    }
    let output = command.arg(line).output().expect("run safecalc eval");
    let text = if output.status.success() {
        output.stdout
    } else {
        output.stderr
    };
    String::from_utf8(text)
        .expect("UTF-8")
        .trim_end()
        .to_string()
}

/// The server's reply to `line` in calc mode (the line after the greeting).
fn server_reply(line: &str, limits: Limits) -> String {
    let config = Config {
        limits,
        ..Config::default()
    };
    let input = format!("{line}\n");
    let output = server::simulate(&config, [input.as_bytes()]);
    let text = String::from_utf8(output).expect("UTF-8");
    text.lines().nth(1).unwrap_or_default().to_string()
}

#[test]
fn every_construct_answers_alike_from_library_command_line_and_server() {
    for &(line, want) in LINES {
        assert_eq!(library(line, &Limits::PYTHON), want, "library: {line}");
        assert_eq!(command_line(line, true), want, "safecalc eval: {line}");
        assert_eq!(server_reply(line, Limits::PYTHON), want, "server: {line}");
    }
}

#[test]
fn caret_is_power_by_default_everywhere() {
    let defaults = Limits::default();
    assert_eq!(defaults.caret, Caret::Power);
    for (line, want) in [("2^10", "1024"), ("6 ^ 3", "216"), ("2^3^2", "512")] {
        assert_eq!(library(line, &defaults), want, "library: {line}");
        assert_eq!(command_line(line, false), want, "safecalc eval: {line}");
        assert_eq!(server_reply(line, defaults), want, "server: {line}");
    }
}
