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

use super::account_commands;
use super::accounts::AccountError;
use super::chat::{
    ChatError, DEFAULT_HISTORY_LINES, Joined, MAX_HISTORY_REQUEST, RoomName, Sent, hub::list_names,
};
use super::session::{Action, Mode, PYTHON_QUIT_CALLS, QUIT_WORDS, Session};
use super::store::{MailOutcome, NickClaim, format_time, unix_now};
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
        name: "register",
        args: "NAME [PASSWORD]",
        help: "create an account called NAME and log in (the password is asked for, unseen)",
        handler: register_command,
    },
    Command {
        name: "login",
        args: "NAME [PASSWORD]",
        help: "log in to your account: your nick becomes NAME, and you get what waited for you",
        handler: login_command,
    },
    Command {
        name: "logout",
        args: "",
        help: "log out of your account (you become a guest)",
        handler: logout_command,
    },
    Command {
        name: "passwd",
        args: "[OLD NEW]",
        help: "change your password (asks for the old one, then the new one)",
        handler: passwd_command,
    },
    Command {
        name: "unregister",
        args: "[PASSWORD]",
        help: "delete your account and its stored messages (asks for the password)",
        handler: unregister_command,
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

/// Commands that people bring from other programs (IRC clients, chat and
/// game consoles), with the name they have here: an unknown command that
/// is one of these is answered with the suggestion.
const HABITS: &[(&str, &str)] = &[
    ("exit", "quit"),
    ("bye", "quit"),
    ("logout", "quit"),
    ("signoff", "quit"),
    ("?", "help"),
    ("commands", "help"),
    ("list", "rooms"),
    ("names", "who"),
    ("query", "msg"),
    ("privmsg", "msg"),
    ("whisper", "msg"),
    ("tell", "msg"),
    ("nickname", "nick"),
];

/// A mistake in a command line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CommandError {
    /// No such command. The name is already cut and made printable; the
    /// suggestion is a command it is close to (see [`suggest`]).
    #[error(
        "unknown command /{name} ({})",
        match suggestion {
            Some(command) => format!("did you mean /{command}?"),
            None => "try /help".to_string(),
        }
    )]
    Unknown {
        name: String,
        suggestion: Option<&'static str>,
    },
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
    /// An account command that could not be done.
    #[error(transparent)]
    Account(#[from] AccountError),
}

impl CommandError {
    fn unknown(name: &str) -> CommandError {
        CommandError::Unknown {
            name: printable(name, MAX_ECHOED_NAME_CHARS),
            suggestion: suggest(name),
        }
    }
}

/// The command someone typing the unknown `name` most likely meant, if one
/// is clear enough to suggest: a habit from another program (`HABITS`);
/// else the one command that `name` begins (at least two letters, `/hist`);
/// else the nearest command that starts with the same letter and is one
/// typing slip away (a letter missing, extra, wrong, or two swapped:
/// `/hlep`, `/stat`), or two for names of five letters or more. Case is
/// ignored, as in command names.
pub fn suggest(name: &str) -> Option<&'static str> {
    let longest = COMMANDS.iter().map(|c| c.name.len()).max().unwrap_or(0);
    if name.is_empty() || name.len() > longest + 2 || !name.is_ascii() {
        return None;
    }
    let name = name.to_ascii_lowercase();
    if let Some((_, command)) = HABITS.iter().find(|(habit, _)| *habit == name) {
        return Some(command);
    }
    let mut begun = COMMANDS.iter().filter(|c| c.name.starts_with(&name));
    if let (Some(command), None, true) = (begun.next(), begun.next(), name.len() >= 2) {
        return Some(command.name);
    }
    let allowed = if name.len() >= 5 { 2 } else { 1 };
    COMMANDS
        .iter()
        .filter(|c| c.name.as_bytes()[0] == name.as_bytes()[0])
        .map(|c| (typing_distance(name.as_bytes(), c.name.as_bytes()), c.name))
        .filter(|&(distance, _)| distance <= allowed)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, command)| command)
}

/// How many typing slips turn `a` into `b`: letters inserted, deleted or
/// replaced, or two neighbours swapped (the optimal string alignment
/// distance). For command names: a few bytes each.
fn typing_distance(a: &[u8], b: &[u8]) -> usize {
    // d[i][j]: the distance between a[..i] and b[..j].
    let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let replace = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + replace);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Looks a command up by name, ignoring ASCII case.
pub fn find(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name.eq_ignore_ascii_case(name))
}

/// Whether a line with the command `name` may carry a password (so the
/// session overwrites it once handled).
pub fn carries_password(name: &str) -> bool {
    ["register", "login", "passwd", "unregister"]
        .iter()
        .any(|c| c.eq_ignore_ascii_case(name))
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
/// only the sender sees the error. An assignment is shared as what it
/// binds, `<nick> NAME = RESULT` (`x = 5`, not `x = 5 = 5`).
fn share_calculation(
    session: &mut Session,
    expr: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    let evaluated = calc::parse_with_limits(expr, session.calc.limits())
        .and_then(|statement| Ok((session.calc.execute(&statement)?, statement)));
    match evaluated {
        Ok((value, statement)) => {
            let shown = match &statement {
                calc::Statement::Assign { name, .. } => name.as_str(),
                _ => expr,
            };
            let (line, stored) = session.chat.share_calculation(shown, &value.to_string())?;
            // The sender sees it once it is stored, as the room does.
            session.wait(
                stored,
                move |s, stored, out| match stored {
                    Ok(()) => out.push(Action::Send(line.to_string())),
                    Err(e) => s.error(out, e),
                },
                out,
            );
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
    let python: Vec<String> = PYTHON_QUIT_CALLS.iter().map(|w| format!("{w}()")).collect();
    out.push(Action::Send(format!(
        "  {:width$}  end the session (so do {}, as in Python)",
        QUIT_WORDS.join(", "),
        python.join(" and ")
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
    let hub = session.chat.hub();
    let counts = hub.counts();
    let stored = hub.store().counts();
    // With several instances, say which one answered: everything but the
    // accounts and stored lines is this instance's own.
    let instance = hub
        .directory()
        .map(|d| format!(" (instance {}; accounts and lines shared)", d.instance()))
        .unwrap_or_default();
    out.push(Action::Send(format!(
        "{}; chat: {} chatting in {} rooms, {} accounts, {} stored lines, {:.1} lines/s{instance}",
        session.stats.snapshot(),
        counts.chatting,
        counts.rooms,
        stored.accounts,
        stored.lines,
        hub.lines_per_second()
    )));
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
    let Joined { room, already, .. } = session.chat.join(room)?;
    if session.mode != Mode::Chat {
        session.switch_mode(Mode::Chat);
        out.push(Action::Send(
            "chat mode: each line goes to the room; /help for commands, /calc to leave".into(),
        ));
    }
    let nick = session.chat.nick()?;
    let what = if already { "you are in" } else { "you joined" };
    // Who is here: at once from this server's hub, or from every instance.
    let (_, here) = session.chat.who()?;
    session.wait(
        here,
        move |s, here, out| match here {
            Ok(here) => out.push(Action::Send(format!(
                "-- {what} {room} as {nick}; here ({}): {}",
                here.len(),
                list_names(&here)
            ))),
            Err(e) => s.error(out, e),
        },
        out,
    );
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
    if args.is_empty() {
        out.push(Action::Send(format!("-- you are {}", session.chat.nick()?)));
        return Ok(());
    }
    // Free here; the store says whether it is an account's name (and,
    // shared by several instances, whether someone elsewhere has it).
    let nick = session.chat.check_nick(args)?;
    let id = session.chat.id();
    let claim = session.chat.hub().store().claim_nick(&nick, id);
    session.wait(
        claim,
        move |s, claim, out| {
            let taken = match claim {
                Ok(NickClaim::Free) => s.chat.set_nick(nick.as_str()).inspect_err(|_| {
                    // Claimed for nothing (taken here meanwhile, or too
                    // fast): let it go.
                    s.chat.hub().store().release_nick(&nick, id);
                }),
                Ok(NickClaim::Registered(name)) => Err(ChatError::Registered(name)),
                Ok(NickClaim::Taken) => Err(ChatError::NickTaken(nick.to_string())),
                Err(e) => Err(ChatError::Store(e)),
            };
            match taken {
                Ok(nick) => out.push(Action::Send(format!("-- you are now {nick}"))),
                Err(e) => s.error(out, e),
            }
        },
        out,
    );
    Ok(())
}

/// `/me TEXT`; like a plain chat line, it gets no reply.
fn me_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    if args.is_empty() {
        return Err(CommandError::Usage("/me TEXT"));
    }
    let stored = session.chat.me(args)?;
    session.wait(stored, Session::after_publish, out);
    Ok(())
}

/// `/msg NICK TEXT`: no reply when delivered; to a registered user who
/// is not chatting, kept in their mailbox (and the sender told so).
fn msg_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    let Some((nick, text)) = args.split_once(char::is_whitespace) else {
        return Err(CommandError::Usage("/msg NICK TEXT"));
    };
    match session.chat.msg(nick, text.trim_start())? {
        Sent::Delivered => {}
        Sent::Mailed(kept) => {
            let nick = printable(nick, super::chat::MAX_NICK_CHARS);
            wait_for_mail(session, nick, kept, out);
        }
        Sent::Routed { reached, to, line } => session.wait(
            reached,
            move |s, reached, out| match reached {
                Ok(true) => {}
                // Nobody of that name is chatting on any instance.
                Ok(false) => {
                    let kept = s.chat.hub().store().send_mail(to.as_str(), &line);
                    wait_for_mail(s, to.to_string(), kept, out);
                }
                Err(e) => s.error(out, e),
            },
            out,
        ),
    }
    Ok(())
}

/// Tells the sender of a `/msg` to someone not chatting what became of it.
fn wait_for_mail(
    session: &mut Session,
    nick: String,
    kept: super::store::StoreFuture<MailOutcome>,
    out: &mut Vec<Action>,
) {
    session.wait(
        kept,
        move |s, kept, out| match kept {
            Ok(MailOutcome::Stored) => out.push(Action::Send(format!(
                "-- {nick} is not chatting; your message is kept and delivered at their next login"
            ))),
            Ok(MailOutcome::Full { max }) => s.error(
                out,
                format_args!("{nick}'s mailbox is full ({max} messages); try again later"),
            ),
            Ok(MailOutcome::NoSuchAccount) => s.error(out, ChatError::NoSuchNick(nick)),
            Err(e) => s.error(out, e),
        },
        out,
    );
}

fn all_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    if args.is_empty() {
        return Err(CommandError::Usage("/all TEXT"));
    }
    let stored = session.chat.all(args)?;
    session.wait(stored, Session::after_publish, out);
    Ok(())
}

fn who_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    no_arguments("who", args)?;
    let (room, names) = session.chat.who()?;
    session.wait(
        names,
        move |s, names, out| match names {
            Ok(names) => out.push(Action::Send(format!(
                "-- {room} ({}): {}",
                names.len(),
                list_names(&names)
            ))),
            Err(e) => s.error(out, e),
        },
        out,
    );
    Ok(())
}

fn rooms_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    no_arguments("rooms", args)?;
    let rooms = session.chat.hub().all_rooms();
    session.wait(
        rooms,
        |s, rooms, out| {
            let rooms = match rooms {
                Ok(rooms) => rooms,
                Err(e) => return s.error(out, e),
            };
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
        },
        out,
    );
    Ok(())
}

/// `/history [N]`: a header line saying how many lines follow, then them,
/// each with its time.
fn history_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    let max = session.chat.hub().config().history.min(MAX_HISTORY_REQUEST);
    let n = if args.is_empty() {
        DEFAULT_HISTORY_LINES.min(max)
    } else {
        match args.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => return Err(CommandError::HistoryCount { max }),
        }
    };
    let (room, lines) = session.chat.history(n)?;
    session.wait(
        lines,
        move |s, lines, out| {
            let lines = match lines {
                Ok(lines) => lines,
                Err(e) => return s.error(out, e),
            };
            out.push(Action::Send(match lines.len() {
                0 => format!("-- no messages in {room} yet"),
                1 => format!("-- the last message in {room}:"),
                k => format!("-- the last {k} messages in {room}:"),
            }));
            let now = unix_now();
            out.extend(lines.into_iter().map(|line| {
                Action::Send(format!("{} {}", format_time(line.time, now), line.text))
            }));
        },
        out,
    );
    Ok(())
}

fn register_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    if args.is_empty() {
        return Err(CommandError::Usage("/register NAME [PASSWORD]"));
    }
    Ok(account_commands::register(session, args, out)?)
}

fn login_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    if args.is_empty() {
        return Err(CommandError::Usage("/login NAME [PASSWORD]"));
    }
    Ok(account_commands::login(session, args, out)?)
}

fn logout_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    no_arguments("logout", args)?;
    Ok(account_commands::logout(session, args, out)?)
}

fn passwd_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    Ok(account_commands::passwd(session, args, out)?)
}

fn unregister_command(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), CommandError> {
    Ok(account_commands::unregister(session, args, out)?)
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
    fn unknown_commands_close_to_a_known_one_get_a_suggestion() {
        let mut s = session();
        for (typed, meant) in [
            ("/exit", "quit"),
            ("/EXIT now", "quit"),
            ("/bye", "quit"),
            ("/?", "help"),
            ("/list", "rooms"),
            ("/names", "who"),
            ("/query bob hi", "msg"),
            ("/hlep", "help"),
            ("/stat", "stats"),
            ("/quti", "quit"),
            ("/hist", "history"),
            ("/histroy", "history"),
            ("/histry", "history"),
            ("/ms bob hi", "msg"),
            ("/mee waves", "me"),
            ("/Room", "rooms"),
        ] {
            let name = typed[1..].split(' ').next().unwrap();
            assert_eq!(
                run(&mut s, typed),
                vec![format!(
                    "error: unknown command /{name} (did you mean /{meant}?)"
                )],
                "{typed}"
            );
        }
        assert_eq!(
            run(&mut s, "/help exit"),
            vec!["error: unknown command /exit (did you mean /quit?)"]
        );
        // Too far from anything, or from nothing with the same first letter.
        for typed in ["/kick", "/nope", "/x", "/e", "/zzzz", "/ban", "/historyyyy"] {
            assert_eq!(
                run(&mut s, typed),
                vec![format!("error: unknown command {typed} (try /help)")],
                "{typed}"
            );
        }
    }

    #[test]
    fn typing_distance_counts_slips() {
        let d = |a: &str, b: &str| typing_distance(a.as_bytes(), b.as_bytes());
        assert_eq!(d("help", "help"), 0);
        assert_eq!(d("hlep", "help"), 1, "two letters swapped");
        assert_eq!(d("hel", "help"), 1);
        assert_eq!(d("helpp", "help"), 1);
        assert_eq!(d("kick", "nick"), 1);
        assert_eq!(d("exit", "quit"), 2);
        assert_eq!(d("", "abc"), 3);
    }

    #[test]
    fn help_names_pythons_way_out() {
        let mut s = session();
        let help = run(&mut s, "/help");
        let line = help
            .iter()
            .find(|l| l.starts_with("  fin, quit, exit"))
            .expect("the quit words' line");
        assert!(
            line.ends_with("end the session (so do exit() and quit(), as in Python)"),
            "{line}"
        );
    }

    #[test]
    fn quit_ignores_arguments() {
        let mut s = session();
        assert_eq!(run(&mut s, "/quit now"), vec!["bye", "Close"]);
    }
}
