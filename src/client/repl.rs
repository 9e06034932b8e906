//! `safecalc eval` with no expression: the calculator on this machine, one
//! line at a time, with the network service's evaluator and limits and none
//! of its sockets. The safe stand-in for `python3 -c` and `bc`.
//!
//! * On a terminal: a `>>> ` prompt with line editing and a history file
//!   (`eval_history` in the user's data directory), one answer or
//!   `error: ...` line per line, variables and `_` kept for the session.
//!   `exit()`, `quit()`, `exit`, `quit` or Ctrl-D on an empty line leave;
//!   Ctrl-C drops the line being typed.
//! * Otherwise (a pipe, a file): every line is evaluated and answered on
//!   stdout, errors included, so the answers line up with the input, and
//!   the exit status says whether any line failed.

use std::io::{self, BufRead, Write};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use rustyline::error::ReadlineError;
use thiserror::Error;

use super::editor::{Input, LineEditor};
use crate::calc;

/// The prompt, Python's.
pub const PROMPT: &str = ">>> ";

/// Why the REPL stopped early.
#[derive(Debug, Error)]
pub enum ReplError {
    /// The terminal could not be used.
    #[error("cannot use the terminal: {0}")]
    Terminal(#[from] ReadlineError),
    /// Reading stdin or writing stdout failed.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// How a REPL session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every line was answered with a value.
    AllGood,
    /// At least one line was answered with an error.
    SomeFailed,
}

/// Whether `line` asks to leave: `exit()`, `quit()`, `exit` or `quit`, in
/// any case, with spaces around.
pub fn is_exit(line: &str) -> bool {
    let word = line.trim();
    ["exit", "quit", "exit()", "quit()"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
}

/// What the REPL answers to `line`: `None` for a blank line, otherwise the
/// value or the error, and whether it failed.
pub fn answer(session: &mut calc::Session, line: &str) -> Option<(String, bool)> {
    if line.trim().is_empty() {
        return None;
    }
    Some(match session.eval(line) {
        Ok(value) => (value.to_string(), false),
        Err(e) => (format!("error: {e}"), true),
    })
}

/// Runs the REPL on the terminal: until `exit()` or Ctrl-D. Errors were
/// shown as they happened; leaving is a success.
pub fn interactive(limits: calc::Limits) -> Result<(), ReplError> {
    let mut editor = LineEditor::new("eval_history", Arc::new(AtomicBool::new(false)))?;
    let mut session = calc::Session::with_limits(limits);
    loop {
        let line = match editor.read(PROMPT)? {
            Input::Line { text, .. } => text,
            Input::Interrupted => continue,
            Input::End => break,
        };
        editor.remember(&line);
        if is_exit(&line) {
            break;
        }
        if let Some((reply, _failed)) = answer(&mut session, &line) {
            println!("{reply}");
        }
    }
    Ok(())
}

/// Evaluates every line of `input`, writing one answer per non-blank line
/// to `output`, until the end of input or an exit line.
pub fn batch(
    limits: calc::Limits,
    input: impl BufRead,
    mut output: impl Write,
) -> Result<Outcome, ReplError> {
    let mut session = calc::Session::with_limits(limits);
    let mut outcome = Outcome::AllGood;
    for line in input.split(b'\n') {
        let line = line?;
        let line = String::from_utf8_lossy(&line);
        let line = line.strip_suffix('\r').unwrap_or(&line);
        if is_exit(line) {
            break;
        }
        if let Some((reply, failed)) = answer(&mut session, line) {
            if failed {
                outcome = Outcome::SomeFailed;
            }
            writeln!(output, "{reply}")?;
        }
    }
    output.flush()?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &str) -> (String, Outcome) {
        let mut out = Vec::new();
        let outcome = batch(calc::Limits::DEFAULT, input.as_bytes(), &mut out).unwrap();
        (String::from_utf8(out).unwrap(), outcome)
    }

    #[test]
    fn each_line_gets_its_answer_and_a_failure_is_remembered() {
        let (out, outcome) = run("2**100\n1/0\n");
        assert_eq!(
            out,
            "1267650600228229401496703205376\nerror: division by zero\n"
        );
        assert_eq!(outcome, Outcome::SomeFailed);
    }

    #[test]
    fn variables_and_underscore_last_the_session() {
        let (out, outcome) = run("x = 6\r\n\r\nx * 7\n_ + 1\n");
        assert_eq!(out, "6\n42\n43\n");
        assert_eq!(outcome, Outcome::AllGood);
    }

    #[test]
    fn an_exit_line_stops_reading() {
        let (out, _) = run("1\nquit()\n2\n");
        assert_eq!(out, "1\n");
        for word in ["exit", "quit", "exit()", "quit()", "  EXIT  "] {
            assert!(is_exit(word), "{word}");
        }
        assert!(!is_exit("exit(1)"));
    }

    #[test]
    fn invalid_utf8_is_an_error_line_not_a_crash() {
        let mut out = Vec::new();
        let outcome = batch(calc::Limits::DEFAULT, &b"\xff\xfe\n3\n"[..], &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with("error: "), "{out}");
        assert!(out.ends_with("\n3\n"), "{out}");
        assert_eq!(outcome, Outcome::SomeFailed);
    }
}
