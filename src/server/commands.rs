//! The `/commands`: one table, one row per command.
//!
//! [`COMMANDS`] is the only list of commands there is: dispatch looks names
//! up in it and `/help` prints it, so a command cannot exist without help
//! and adding one is adding a row (plus its handler function below).
//! Handlers act on the [`Session`] and push their replies; they report user
//! mistakes as a [`CommandError`], which the session turns into an
//! `error: ...` line.

use thiserror::Error;

use crate::calc;

use super::chat::{ChatError, DEFAULT_HISTORY_LINES, Joined, RoomName, hub::list_names};
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
        help: "calc mode: each line is evaluated; with EXPR, evaluate just that (in chat: and share it)",
        handler: calc_command,
    },
    Command {
        name: "echo",
        args: "[TEXT]",
        help: "echo mode: each line is sent back; with TEXT, send back just that",
        handler: echo_command,
    },
    Command {
        name: "chat",
        args: "[ROOM]",
        help: "chat mode in ROOM (default #lobby): each line is a message to the room",
        handler: chat_command,
    },
    Command {
        name: "join",
        args: "ROOM",
        help: "move to another room (#name; the # is optional)",
        handler: join_command,
    },
    Command {
        name: "nick",
        args: "[NAME]",
        help: "set your nickname (1-24 letters, digits, _ or -), or show it",
        handler: nick_command,
    },
    Command {
        name: "me",
        args: "TEXT",
        help: "chat: tell the room '* yournick TEXT'",
        handler: me_command,
    },
    Command {
        name: "msg",
        args: "NICK TEXT",
        help: "chat: send TEXT to NICK alone",
        handler: msg_command,
    },
    Command {
        name: "all",
        args: "TEXT",
        help: "chat: send TEXT to everyone in every room",
        handler: all_command,
    },
    Command {
        name: "who",
        args: "",
        help: "chat: who is in your room",
        handler: who_command,
    },
    Command {
        name: "rooms",
        args: "",
        help: "the chat rooms and how many are in each",
        handler: rooms_command,
    },
    Command {
        name: "history",
        args: "[N]",
        help: "chat: the room's last N messages (default 20)",
        handler: history_command,
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
        help: "server statistics: connections, requests, errors, CPU pauses, uptime",
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
    /// Missing or malformed arguments; holds the usage.
    #[error("usage: {0}")]
    Usage(&'static str),
    /// A `/history` count out of range.
    #[error("usage: /history [N], N from 1 to {max}")]
    HistoryCount { max: usize },
    /// A chat command that could not be done.
    #[error(transparent)]
    Chat(#[from] ChatError),
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
        session.switch_mode(Mode::Calc);
        out.push(Action::Send("calc mode: each line is evaluated".into()));
    } else if session.mode == Mode::Chat {
        share_calculation(session, args, out)?;
    } else {
        session.evaluate(args, out);
    }
    Ok(())
}

/// `/calc EXPR` in chat mode: evaluate with the sender's own calculator;
/// on success the room and the sender see `<nick> EXPR = RESULT`, on error
/// only the sender sees the error.
fn share_calculation(
    session: &mut Session,
    expr: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    match session.calc.eval(expr) {
        Ok(value) => {
            let line = session.chat.share_calculation(expr, &value.to_string())?;
            out.push(Action::Send(line.to_string()));
        }
        Err(e) => session.error(out, e),
    }
    Ok(())
}

fn echo_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    if args.is_empty() {
        session.switch_mode(Mode::Echo);
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
    out.extend(calc::help().into_iter().map(Action::Send));
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

fn room_argument(args: &str) -> Result<RoomName, CommandError> {
    Ok(RoomName::parse(args).ok_or(ChatError::InvalidRoom)?)
}

/// Enters `room`, switching to chat mode, and replies with who is there.
fn enter_room(
    session: &mut Session,
    room: RoomName,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    let Joined {
        room,
        here,
        already,
    } = session.chat.join(room)?;
    if session.mode != Mode::Chat {
        session.switch_mode(Mode::Chat);
        out.push(Action::Send(
            "chat mode: each line goes to the room; /help for commands, /calc to leave".into(),
        ));
    }
    let nick = session.chat.nick()?;
    let what = if already { "you are in" } else { "you joined" };
    out.push(Action::Send(format!(
        "-- {what} {room} as {nick}; here ({}): {}",
        here.len(),
        list_names(&here)
    )));
    Ok(())
}

/// `/chat [ROOM]`: enter chat mode, in ROOM or `#lobby` (or, already
/// chatting without ROOM, say where).
fn chat_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    let room = if !args.is_empty() {
        room_argument(args)?
    } else if let Some(room) = session.chat.room()? {
        room
    } else {
        RoomName::lobby()
    };
    enter_room(session, room, out)
}

/// `/join ROOM`: move rooms (outside chat mode it is `/chat ROOM`).
fn join_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    if args.is_empty() {
        return Err(CommandError::Usage("/join ROOM"));
    }
    let room = room_argument(args)?;
    enter_room(session, room, out)
}

fn nick_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    let line = if args.is_empty() {
        format!("-- you are {}", session.chat.nick()?)
    } else {
        format!("-- you are now {}", session.chat.set_nick(args)?)
    };
    out.push(Action::Send(line));
    Ok(())
}

/// `/me TEXT`; like a plain chat line, it gets no reply.
fn me_command(
    session: &mut Session,
    args: &str,
    _out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    if args.is_empty() {
        return Err(CommandError::Usage("/me TEXT"));
    }
    Ok(session.chat.me(args)?)
}

fn msg_command(
    session: &mut Session,
    args: &str,
    _out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    let Some((nick, text)) = args.split_once(char::is_whitespace) else {
        return Err(CommandError::Usage("/msg NICK TEXT"));
    };
    Ok(session.chat.msg(nick, text.trim_start())?)
}

fn all_command(
    session: &mut Session,
    args: &str,
    _out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    if args.is_empty() {
        return Err(CommandError::Usage("/all TEXT"));
    }
    Ok(session.chat.all(args)?)
}

fn who_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    no_arguments("who", args)?;
    let (room, names) = session.chat.who()?;
    out.push(Action::Send(format!(
        "-- {room} ({}): {}",
        names.len(),
        list_names(&names)
    )));
    Ok(())
}

fn rooms_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    no_arguments("rooms", args)?;
    let rooms = session.chat.hub().rooms();
    let line = if rooms.is_empty() {
        "-- no rooms yet (try /chat)".to_string()
    } else {
        let listed: Vec<String> = rooms
            .iter()
            .map(|(name, size)| format!("{name} ({size})"))
            .collect();
        format!("-- rooms ({}): {}", rooms.len(), list_names(&listed))
    };
    out.push(Action::Send(line));
    Ok(())
}

/// `/history [N]`: a header line saying how many lines follow, then them.
fn history_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    let max = session.chat.hub().config().history;
    let n = if args.is_empty() {
        DEFAULT_HISTORY_LINES.min(max)
    } else {
        match args.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => return Err(CommandError::HistoryCount { max }),
        }
    };
    let (room, lines) = session.chat.history(n)?;
    out.push(Action::Send(match lines.len() {
        0 => format!("-- no messages in {room} yet"),
        1 => format!("-- the last message in {room}:"),
        k => format!("-- the last {k} messages in {room}:"),
    }));
    out.extend(lines.iter().map(|line| Action::Send(line.to_string())));
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::server::chat::{ChatConfig, ChatHub};
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
        let (member, _inbox) = ChatHub::new(ChatConfig::default()).register();
        Session::new(calc::Limits::DEFAULT, Arc::new(Stats::new()), member)
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
