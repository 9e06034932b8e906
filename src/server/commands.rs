//! The `/commands`: one table, one row per command.
//!
//! [`COMMANDS`] is the only list of commands there is: dispatch looks names
//! up in it and `/help` prints it, so a command cannot exist without help
//! and adding one is adding a row (plus its handler function below).
//! Handlers act on the [`Session`] and push their replies; they report user
//! mistakes as a [`CommandError`], which the session turns into an
//! `error: ...` line.

use std::fmt::Write as _;

use thiserror::Error;

use crate::calc;

use super::session::{Action, Mode, QUIT_WORDS, Session};
use super::text::printable;

/// A command handler: the session, the arguments (trimmed, maybe empty),
/// and where to push replies.
pub type Handler = fn(&mut Session, &str, &mut Vec<Action>) -> Result<(), CommandError>;

/// One row of the command table.
pub struct Command {
    /// The name, typed after `/`; matched without regard to ASCII case.
    pub name: &'static str,
    /// The arguments, as shown by `/help` (empty if none).
    pub args: &'static str,
    /// One line of help.
    pub help: &'static str,
    /// What the command does.
    pub handler: Handler,
}

/// Every command, in the order `/help` lists them.
pub static COMMANDS: &[Command] = &[
    Command {
        name: "calc",
        args: "[EXPR]",
        help: "calc mode: each line is evaluated; with EXPR, evaluate just that",
        handler: calc_command,
    },
    Command {
        name: "echo",
        args: "[TEXT]",
        help: "echo mode: each line is sent back; with TEXT, send back just that",
        handler: echo_command,
    },
    Command {
        name: "help",
        args: "[COMMAND]",
        help: "this help, or the help of one command",
        handler: help_command,
    },
    Command {
        name: "stats",
        args: "",
        help: "server statistics: connections, requests, errors, uptime",
        handler: stats_command,
    },
    Command {
        name: "quit",
        args: "",
        help: "end the session (so do fin, quit and exit)",
        handler: quit_command,
    },
];

/// How much of an unknown command name is repeated in the error.
const MAX_ECHOED_NAME_CHARS: usize = 32;

/// A mistake in a command line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CommandError {
    /// No such command. The name is already cut and made printable.
    #[error("unknown command /{0} (try /help)")]
    Unknown(String),
    /// Arguments given to a command that takes none.
    #[error("/{0} takes no arguments")]
    NoArguments(&'static str),
}

impl CommandError {
    fn unknown(name: &str) -> CommandError {
        CommandError::Unknown(printable(name, MAX_ECHOED_NAME_CHARS))
    }
}

/// Looks a command up by name, ignoring ASCII case.
pub fn find(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name.eq_ignore_ascii_case(name))
}

/// Runs command `name` with `args`.
pub fn dispatch(
    session: &mut Session,
    name: &str,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    let command = find(name).ok_or_else(|| CommandError::unknown(name))?;
    (command.handler)(session, args, out)
}

fn no_arguments(command: &'static str, args: &str) -> Result<(), CommandError> {
    if args.is_empty() {
        Ok(())
    } else {
        Err(CommandError::NoArguments(command))
    }
}

fn calc_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    if args.is_empty() {
        session.mode = Mode::Calc;
        out.push(Action::Send("calc mode: each line is evaluated".into()));
    } else {
        session.evaluate(args, out);
    }
    Ok(())
}

fn echo_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    if args.is_empty() {
        session.mode = Mode::Echo;
        out.push(Action::Send(
            "echo mode: each line is sent back; /calc to return".into(),
        ));
    } else {
        out.push(Action::Send(args.to_string()));
    }
    Ok(())
}

fn help_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    if !args.is_empty() {
        let name = args.strip_prefix('/').unwrap_or(args);
        let command = find(name).ok_or_else(|| CommandError::unknown(name))?;
        out.push(Action::Send(usage_line(command, 0)));
        return Ok(());
    }
    let width = COMMANDS.iter().map(|c| usage(c).len()).max().unwrap_or(0);
    out.push(Action::Send("commands:".into()));
    for command in COMMANDS {
        out.push(Action::Send(usage_line(command, width)));
    }
    out.push(Action::Send(format!(
        "  {:width$}  end the session",
        QUIT_WORDS.join(", ")
    )));
    if session.mode == Mode::Calc {
        calc_help(out);
    }
    Ok(())
}

/// `/name args`, as `/help` shows it.
fn usage(command: &Command) -> String {
    if command.args.is_empty() {
        format!("/{}", command.name)
    } else {
        format!("/{} {}", command.name, command.args)
    }
}

fn usage_line(command: &Command, width: usize) -> String {
    format!("  {:width$}  {}", usage(command), command.help)
}

/// The calculator part of `/help`, from the calculator's own tables.
fn calc_help(out: &mut Vec<Action>) {
    out.push(Action::Send(format!("operators: {}", calc::OPERATORS_HELP)));
    let functions = calc::functions();
    if !functions.is_empty() {
        out.push(Action::Send("functions:".into()));
        let shown = |f: &calc::Builtin| {
            if f.signature.is_empty() {
                f.name
            } else {
                f.signature
            }
        };
        let width = functions.iter().map(|f| shown(f).len()).max().unwrap_or(0);
        for function in functions {
            let mut line = String::new();
            let _ = write!(line, "  {:width$}  {}", shown(function), function.help);
            out.push(Action::Send(line.trim_end().to_string()));
        }
    }
    out.push(Action::Send(format!(
        "constants: {}",
        calc::CONSTANTS
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(" ")
    )));
}

fn stats_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    no_arguments("stats", args)?;
    out.push(Action::Send(session.stats.snapshot().to_string()));
    Ok(())
}

/// Arguments are ignored: someone typing `/quit now` wants to leave.
fn quit_command(
    session: &mut Session,
    _args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    session.bye(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::server::codec::Frame;
    use crate::server::stats::Stats;

    fn run(session: &mut Session, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        session.handle(Frame::Line(text.to_string()), &mut out);
        out.into_iter()
            .map(|a| match a {
                Action::Send(t) => t,
                other => format!("{other:?}"),
            })
            .collect()
    }

    fn session() -> Session {
        Session::new(calc::Limits::DEFAULT, Arc::new(Stats::new()))
    }

    #[test]
    fn names_are_unique_lowercase_words() {
        for (i, c) in COMMANDS.iter().enumerate() {
            assert!(
                c.name.chars().all(|ch| ch.is_ascii_lowercase()),
                "{}",
                c.name
            );
            assert!(!c.help.is_empty());
            assert!(
                COMMANDS[..i].iter().all(|d| d.name != c.name),
                "duplicate {}",
                c.name
            );
        }
    }

    #[test]
    fn help_lists_every_command_and_in_calc_mode_the_calculator() {
        let mut s = session();
        let help = run(&mut s, "/help").join("\n");
        for c in COMMANDS {
            assert!(help.contains(&format!("/{}", c.name)), "{help}");
        }
        assert!(help.contains("fin, quit, exit"));
        assert!(help.contains("operators: "), "{help}");
        assert!(help.contains("constants: pi"), "{help}");
        run(&mut s, "/echo");
        let help = run(&mut s, "/help").join("\n");
        assert!(!help.contains("operators: "), "{help}");
    }

    #[test]
    fn help_for_one_command() {
        let mut s = session();
        assert_eq!(run(&mut s, "/help stats").len(), 1);
        assert_eq!(run(&mut s, "/help /quit").len(), 1);
        assert_eq!(
            run(&mut s, "/help nope"),
            vec!["error: unknown command /nope (try /help)"]
        );
    }

    #[test]
    fn commands_ignore_ascii_case() {
        let mut s = session();
        run(&mut s, "/ECHO");
        assert_eq!(s.mode(), Mode::Echo);
    }

    #[test]
    fn unknown_commands_are_named_safely() {
        let mut s = session();
        assert_eq!(
            run(&mut s, "/x"),
            vec!["error: unknown command /x (try /help)"]
        );
        assert_eq!(
            run(&mut s, "/"),
            vec!["error: unknown command / (try /help)"]
        );
        let long = format!("/{}", "a".repeat(100));
        assert_eq!(
            run(&mut s, &long),
            vec![format!(
                "error: unknown command /{}... (try /help)",
                "a".repeat(32)
            )]
        );
        assert_eq!(
            run(&mut s, "/\x1b[31mred args"),
            vec!["error: unknown command /?[31mred (try /help)"]
        );
    }

    #[test]
    fn stats_takes_no_arguments() {
        let mut s = session();
        let out = run(&mut s, "/stats");
        assert!(out[0].starts_with("connections: "), "{out:?}");
        assert_eq!(
            run(&mut s, "/stats now"),
            vec!["error: /stats takes no arguments"]
        );
    }

    #[test]
    fn calc_and_echo_with_arguments_do_not_switch() {
        let mut s = session();
        run(&mut s, "/echo");
        assert_eq!(run(&mut s, "/calc 12"), vec!["12"]);
        assert_eq!(s.mode(), Mode::Echo);
        run(&mut s, "/calc");
        assert_eq!(run(&mut s, "/echo hi there"), vec!["hi there"]);
        assert_eq!(s.mode(), Mode::Calc);
    }

    #[test]
    fn quit_ignores_arguments() {
        let mut s = session();
        assert_eq!(run(&mut s, "/quit now"), vec!["bye", "Close"]);
    }
}
