//! The account commands, `/register`, `/login`, `/logout`, `/passwd` and
//! `/unregister`, as steps of a [`Session`].
//!
//! Each is a short chain: ask for the password if it was not given
//! (`Session::prompt`), check the plaintext policy, then hand the work
//! that cannot be done in place to the handler and continue when it is
//! done (`Session::wait` for the store, `Session::run_blocking` for a
//! hash, `Session::sleep` for a throttle's pause). The rules (hashing,
//! the pool, throttling) are in [`super::accounts`]; this file only
//! strings them together and writes the replies. The commands table
//! (`super::commands`) calls the `pub` functions here.

use std::sync::Arc;

use super::accounts::throttle::{MAX_WAIT, address_key};
use super::accounts::{AccountError, Secret};
use super::chat::{ChatError, Nick};
use super::session::{Action, Resume, Session};
use super::store::{
    AccountRecord, ChatStore, Created, LoginSummary, NickClaim, StoreError, ThrottleKey,
    format_time, unix_now,
};

/// Splits `NAME [PASSWORD]`.
fn name_and_password(args: &str) -> (&str, Option<&str>) {
    match args.split_once(char::is_whitespace) {
        Some((name, password)) => (name, Some(password.trim_start())),
        None => (args, None),
    }
}

fn store(session: &Session) -> Arc<dyn ChatStore> {
    Arc::clone(session.chat.hub().store())
}

/// Calls `then` with the password: the inline one, or the answer to a
/// prompt saying `prompt`.
fn with_password(
    session: &mut Session,
    inline: Option<&str>,
    prompt: String,
    then: impl FnOnce(&mut Session, Secret, &mut Vec<Action>) + Send + 'static,
    out: &mut Vec<Action>,
) {
    match inline {
        Some(password) => then(session, Secret::new(password.to_string()), out),
        None => session.prompt(prompt, then, out),
    }
}

/// Replies with `error` (as `error: ...`).
fn fail(session: &Session, out: &mut Vec<Action>, error: impl Into<AccountError>) {
    session.error(out, error.into());
}

/// A name as an account name: a valid nick that is not a guest's.
fn account_name(name: &str) -> Result<Nick, AccountError> {
    let nick = Nick::parse(name).ok_or(AccountError::Chat(ChatError::InvalidNick))?;
    if nick.folded().starts_with("guest-") {
        return Err(AccountError::GuestName);
    }
    Ok(nick)
}

fn not_logged_in(session: &Session) -> Result<(), AccountError> {
    match session.chat.account() {
        Some(account) => Err(AccountError::LoggedIn(account)),
        None => Ok(()),
    }
}

/// `/register NAME [PASSWORD]`: creates the account and logs in.
pub fn register(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), AccountError> {
    let (name, inline) = name_and_password(args);
    let nick = account_name(name)?;
    not_logged_in(session)?;
    session.accounts.password_allowed(session.peer())?;
    // Someone else here using the name as a guest keeps it.
    session
        .chat
        .check_nick(nick.as_str())
        .map_err(AccountError::Chat)?;
    let prompt = format!("choose a password for {nick}: ");
    with_password(
        session,
        inline,
        prompt,
        move |s, secret, out| hash_new(s, nick, secret, out),
        out,
    );
    Ok(())
}

fn hash_new(session: &mut Session, nick: Nick, secret: Secret, out: &mut Vec<Action>) {
    if let Err(e) = secret.check_length() {
        return fail(session, out, e);
    }
    let admission = match session.accounts.admit() {
        Ok(admission) => admission,
        Err(e) => return fail(session, out, e),
    };
    let accounts = Arc::clone(&session.accounts);
    session.run_blocking(admission, move || -> Resume {
        let phc = accounts.hash(secret);
        Box::new(move |s, out| create(s, nick, phc, out))
    });
}

fn create(
    session: &mut Session,
    nick: Nick,
    phc: Result<String, AccountError>,
    out: &mut Vec<Action>,
) {
    let phc = match phc {
        Ok(phc) => phc,
        Err(e) => return fail(session, out, e),
    };
    // The name is claimed first: with several instances sharing the chat,
    // a guest elsewhere may be using it (a local store only checks that
    // no account has it).
    let id = session.chat.id();
    let claim = store(session).claim_nick(&nick, id);
    session.wait(
        claim,
        move |s, claim, out| match claim {
            Ok(NickClaim::Free) => {
                let created = store(s).create_account(nick.as_str(), phc);
                s.wait(
                    created,
                    move |s, created, out| match created {
                        Ok(Created::Created) => log_in(s, nick.to_string(), false, out),
                        Ok(Created::Exists) => {
                            store(s).release_nick(&nick, id);
                            fail(s, out, AccountError::Exists(nick.to_string()));
                        }
                        Err(e) => {
                            store(s).release_nick(&nick, id);
                            fail(s, out, e);
                        }
                    },
                    out,
                );
            }
            Ok(NickClaim::Registered(_)) => fail(s, out, AccountError::Exists(nick.to_string())),
            Ok(NickClaim::Taken) => fail(
                s,
                out,
                AccountError::Chat(ChatError::NickTaken(nick.to_string())),
            ),
            Err(e) => fail(s, out, e),
        },
        out,
    );
}

/// `/login NAME [PASSWORD]`.
pub fn login(session: &mut Session, args: &str, out: &mut Vec<Action>) -> Result<(), AccountError> {
    let (name, inline) = name_and_password(args);
    not_logged_in(session)?;
    session.accounts.password_allowed(session.peer())?;
    // A name that cannot be an account's says nothing about accounts.
    let nick = Nick::parse(name).ok_or(AccountError::WrongNameOrPassword)?;
    let prompt = format!("password for {nick}: ");
    with_password(
        session,
        inline,
        prompt,
        move |s, secret, out| throttled(s, nick, secret, out),
        out,
    );
    Ok(())
}

/// The throttle keys of a login for `nick` from this session's client.
fn throttle_keys(session: &Session, nick: &Nick) -> Vec<ThrottleKey> {
    let mut keys = vec![ThrottleKey::Account(nick.folded())];
    if let Some(addr) = session.peer().addr {
        keys.push(address_key(addr.ip()));
    }
    keys
}

/// `/login` once the throttle allows it.
fn throttled(session: &mut Session, nick: Nick, secret: Secret, out: &mut Vec<Action>) {
    let keys = throttle_keys(session, &nick);
    after_throttle(
        session,
        keys,
        move |s, keys, out| look_up(s, nick, keys, secret, out),
        out,
    );
}

/// Waits out the throttle on `keys` (saying so), then runs `next` with
/// them; refuses at once if the wait would be too long. Every password
/// check goes through here, so that no command is a faster way to guess.
fn after_throttle(
    session: &mut Session,
    keys: Vec<ThrottleKey>,
    next: impl FnOnce(&mut Session, Vec<ThrottleKey>, &mut Vec<Action>) + Send + 'static,
    out: &mut Vec<Action>,
) {
    let wait = store(session).throttle_wait(&keys);
    session.wait(
        wait,
        move |s, wait, out| match wait {
            Err(e) => fail(s, out, e),
            Ok(wait) if wait > MAX_WAIT => {
                fail(s, out, AccountError::Throttled(wait.as_secs().max(1)));
            }
            Ok(wait) if !wait.is_zero() => {
                let secs = wait.as_secs_f64().ceil() as u64;
                out.push(Action::Send(format!(
                    "-- too many failed logins for this name or address; waiting {secs} s"
                )));
                s.sleep(wait, Box::new(move |s, out| next(s, keys, out)));
            }
            Ok(_) => next(s, keys, out),
        },
        out,
    );
}

fn look_up(
    session: &mut Session,
    nick: Nick,
    keys: Vec<ThrottleKey>,
    secret: Secret,
    out: &mut Vec<Action>,
) {
    let name = nick.to_string();
    verify(
        session,
        &name,
        secret,
        move |s, record, matched, out| checked(s, record, matched, keys, out),
        out,
    );
}

/// Reads `name`'s account, checks `secret` against it on the blocking
/// pool (under an admission: hashing is bounded), then runs `next` with
/// the record and whether it matched. An unknown name is checked against
/// a dummy hash: the same work, the same answer.
fn verify(
    session: &mut Session,
    name: &str,
    secret: Secret,
    next: impl FnOnce(&mut Session, Option<AccountRecord>, bool, &mut Vec<Action>) + Send + 'static,
    out: &mut Vec<Action>,
) {
    let admission = match session.accounts.admit() {
        Ok(admission) => admission,
        Err(e) => return fail(session, out, e),
    };
    let record = store(session).account(name);
    session.wait(
        record,
        move |s, record, out| {
            let record = match record {
                Ok(record) => record,
                Err(e) => return fail(s, out, e),
            };
            let accounts = Arc::clone(&s.accounts);
            s.run_blocking(admission, move || -> Resume {
                let matched = accounts.verify(&secret, record.as_ref().map(|r| r.phc.as_str()));
                drop(secret);
                Box::new(move |s, out| next(s, record, matched, out))
            });
        },
        out,
    );
}

fn checked(
    session: &mut Session,
    record: Option<AccountRecord>,
    matched: bool,
    keys: Vec<ThrottleKey>,
    out: &mut Vec<Action>,
) {
    let store = store(session);
    match record {
        Some(record) if matched => {
            store.throttle_success(&keys);
            log_in(session, record.name, true, out);
        }
        _ => {
            // Answered once counted, on every instance.
            let counted = store.throttle_failure(&keys);
            session.wait(
                counted,
                |s, counted, out| match counted {
                    Ok(()) => fail(s, out, AccountError::WrongNameOrPassword),
                    Err(e) => fail(s, out, e),
                },
                out,
            );
        }
    }
}

/// Logs the session in to `name`; with `summary`, then tells what waited.
fn log_in(session: &mut Session, name: String, summary: bool, out: &mut Vec<Action>) {
    match session.chat.login(&name) {
        Ok(nick) => out.push(Action::Send(format!("-- logged in as {nick}"))),
        Err(e) => return fail(session, out, AccountError::Chat(e)),
    }
    if summary {
        let waiting = store(session).login_summary(&name);
        session.wait(waiting, show_summary, out);
    }
}

/// `-- N messages while you were away:`, the messages, then the unread
/// counts.
fn show_summary(
    session: &mut Session,
    summary: Result<LoginSummary, StoreError>,
    out: &mut Vec<Action>,
) {
    let LoginSummary { mail, unread } = match summary {
        Ok(summary) => summary,
        Err(e) => return fail(session, out, e),
    };
    let now = unix_now();
    if !mail.is_empty() {
        let what = if mail.len() == 1 {
            "message"
        } else {
            "messages"
        };
        out.push(Action::Send(format!(
            "-- {} {what} while you were away:",
            mail.len()
        )));
        for message in mail {
            out.push(Action::Send(format!(
                "{} {}",
                format_time(message.time, now),
                message.text
            )));
        }
    }
    if !unread.is_empty() {
        let counts: Vec<String> = unread
            .iter()
            .enumerate()
            .map(|(i, (room, n))| match (i, n) {
                (0, 1) => format!("1 new line in {room}"),
                (0, n) => format!("{n} new lines in {room}"),
                (_, n) => format!("{n} in {room}"),
            })
            .collect();
        out.push(Action::Send(format!(
            "-- since you left: {} (/history N shows them)",
            counts.join(", ")
        )));
    }
}

/// `/logout`.
pub fn logout(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), AccountError> {
    if !args.is_empty() {
        return Err(AccountError::Usage("/logout"));
    }
    let nick = session.chat.logout().ok_or(AccountError::NotLoggedIn)?;
    out.push(Action::Send(format!("-- logged out; you are now {nick}")));
    Ok(())
}

/// Checks the logged-in account's password, then runs `then` with the
/// account's name (for `/passwd` and `/unregister`).
fn confirm(
    session: &mut Session,
    secret: Secret,
    then: impl FnOnce(&mut Session, String, &mut Vec<Action>) + Send + 'static,
    out: &mut Vec<Action>,
) {
    let Some(name) = session.chat.account() else {
        return fail(session, out, AccountError::NotLoggedIn);
    };
    // The same throttle as /login: a session left logged in must not be a
    // way to guess its password faster.
    let keys = match Nick::parse(&name) {
        Some(nick) => throttle_keys(session, &nick),
        None => Vec::new(),
    };
    after_throttle(
        session,
        keys,
        move |s, keys, out| check_own(s, name, keys, secret, then, out),
        out,
    );
}

/// [`confirm`] once the throttle allows it.
fn check_own(
    session: &mut Session,
    name: String,
    keys: Vec<ThrottleKey>,
    secret: Secret,
    then: impl FnOnce(&mut Session, String, &mut Vec<Action>) + Send + 'static,
    out: &mut Vec<Action>,
) {
    let account = name.clone();
    verify(
        session,
        &account,
        secret,
        move |s, _, matched, out| {
            if matched {
                store(s).throttle_success(&keys);
                then(s, name, out);
            } else {
                let counted = store(s).throttle_failure(&keys);
                s.wait(
                    counted,
                    |s, counted, out| match counted {
                        Ok(()) => fail(s, out, AccountError::WrongPassword),
                        Err(e) => fail(s, out, e),
                    },
                    out,
                );
            }
        },
        out,
    );
}

/// `/passwd [OLD NEW]`: asks for the old password, then the new one.
pub fn passwd(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), AccountError> {
    if session.chat.account().is_none() {
        return Err(AccountError::NotLoggedIn);
    }
    session.accounts.password_allowed(session.peer())?;
    if !args.is_empty() {
        let (old, new) = args
            .split_once(char::is_whitespace)
            .ok_or(AccountError::Usage("/passwd [OLD NEW]"))?;
        let new = Secret::new(new.trim_start().to_string());
        change_password(session, Secret::new(old.to_string()), new, out);
        return Ok(());
    }
    session.prompt(
        "current password: ".into(),
        |s, old, out| {
            s.prompt(
                "new password: ".into(),
                move |s, new, out| change_password(s, old, new, out),
                out,
            );
        },
        out,
    );
    Ok(())
}

fn change_password(session: &mut Session, old: Secret, new: Secret, out: &mut Vec<Action>) {
    if let Err(e) = new.check_length() {
        return fail(session, out, e);
    }
    confirm(
        session,
        old,
        move |s, name, out| {
            let admission = match s.accounts.admit() {
                Ok(admission) => admission,
                Err(e) => return fail(s, out, e),
            };
            let accounts = Arc::clone(&s.accounts);
            s.run_blocking(admission, move || -> Resume {
                let phc = accounts.hash(new);
                Box::new(move |s, out| {
                    let phc = match phc {
                        Ok(phc) => phc,
                        Err(e) => return fail(s, out, e),
                    };
                    let changed = store(s).set_password(&name, phc);
                    s.wait(
                        changed,
                        |s, changed, out| match changed {
                            Ok(true) => out.push(Action::Send("-- password changed".into())),
                            Ok(false) => fail(s, out, AccountError::NotLoggedIn),
                            Err(e) => fail(s, out, e),
                        },
                        out,
                    );
                })
            });
        },
        out,
    );
}

/// `/unregister [PASSWORD]`: deletes the account and its stored private
/// messages, after checking the password again.
pub fn unregister(
    session: &mut Session,
    args: &str,
    out: &mut Vec<Action>,
) -> Result<(), AccountError> {
    let name = session.chat.account().ok_or(AccountError::NotLoggedIn)?;
    session.accounts.password_allowed(session.peer())?;
    let inline = (!args.is_empty()).then_some(args);
    let prompt = format!("password to delete the account {name}: ");
    with_password(
        session,
        inline,
        prompt,
        |s, secret, out| confirm(s, secret, delete, out),
        out,
    );
    Ok(())
}

fn delete(session: &mut Session, name: String, out: &mut Vec<Action>) {
    let deleted = store(session).delete_account(&name);
    session.wait(
        deleted,
        move |s, deleted, out| match deleted {
            Ok(_) => {
                // With several instances sharing the chat, the deletion's
                // broadcast (every connection logged in to the account
                // becomes a guest) may reach this instance before this
                // answer does, and make this session a guest first: it
                // is then a guest already, under the nick it was given.
                let guest = s.chat.logout().or_else(|| s.chat.nick().ok());
                // Other connections logged in to it become guests too.
                s.chat.hub().account_deleted(&name);
                let now = guest.map_or_else(String::new, |nick| format!("; you are now {nick}"));
                out.push(Action::Send(format!(
                    "-- the account {name} and its messages are deleted{now}"
                )));
            }
            Err(e) => fail(s, out, e),
        },
        out,
    );
}
