//! The network service: a tokio TCP server speaking a line protocol that
//! works with `telnet` and `nc` (the protocol is in `docs/PROTOCOL.md`).
//!
//! The modules, from the socket inwards:
//!
//! * [`listener`]: [`Server`], the accept loop, the connection cap and
//!   graceful shutdown;
//! * [`tls`]: the TLS listener's certificate, its reload (SIGHUP) and the
//!   handshake rules;
//! * [`handler`]: the task serving one client, where timeouts, shutdown and
//!   backpressure meet the I/O;
//! * [`cpu_share`]: each connection's budget of CPU time;
//! * [`connection`]: buffered, framed I/O on one socket;
//! * [`codec`]: bytes to [`Frame`]s (telnet stripping, line splitting, limits);
//! * [`session`]: the per-client state machine (modes, dispatch, replies),
//!   pure: no sockets, no timers;
//! * [`commands`]: the table of `/commands`;
//! * [`chat`]: the shared chat state ([`ChatHub`]): nicks, rooms,
//!   relaying between connections, flood limits;
//! * [`store`]: the chat's storage behind one trait (history, accounts,
//!   mailboxes, throttles): SQLite in `--data-dir`, or memory;
//! * [`accounts`]: password hashing, its bounded pool, throttling and the
//!   plaintext-password policy; [`account_commands`]: the commands that
//!   use them (`/register`, `/login`, ...);
//! * [`stats`]: the counters behind `/stats`;
//! * [`config`]: settings and command-line flags;
//! * [`text`]: making client text safe to display.
//!
//! Errors: each layer has its own enum ([`ServerError`] for starting,
//! [`handler::ConnectionError`] for a connection's end,
//! [`commands::CommandError`] for a mistyped command); the session turns user
//! mistakes into `error: ...` lines, and no client input can fail the server.

pub mod account_commands;
pub mod accounts;
pub mod chat;
pub mod codec;
pub mod commands;
pub mod config;
pub mod connection;
pub mod cpu_share;
pub mod handler;
pub mod listener;
pub mod session;
pub mod stats;
pub mod store;
pub mod text;
pub mod tls;

use std::sync::Arc;

use bytes::BytesMut;
use tokio_util::codec::Decoder;

pub use chat::{ChatConfig, ChatHub};
pub use codec::{Frame, LineCodec};
pub use config::{Config, ServeArgs};
pub use listener::{Server, ServerError};
pub use session::{Action, GREETING, Mode, Peer, Pending, Resume, Session};
pub use stats::Stats;
pub use tls::{CertificateFiles, TlsError, TlsReloader, TlsSetup};

/// Replays a connection without a network: feeds `reads` (each one as if
/// it arrived in one `read`) and then end of input through the codec and a
/// fresh session, and returns every byte the server would send, greeting
/// first, stopping where the session closes.
///
/// This is the exact path a real connection takes, minus sockets, timers
/// and flushing; tests and fuzz targets use it to check protocol rules on
/// arbitrary bytes. The client is alone on a chat hub of its own, on an
/// ephemeral store; chat lines relayed to it (a `/msg` to itself) follow
/// the replies to the frame that caused them. Work a command leaves
/// pending (a password hash, a throttle's pause) is done in place
/// ([`Pending::resolve_now`]).
pub fn simulate<'a>(config: &Config, reads: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut codec = LineCodec::new(config.max_line_bytes);
    let (member, mut inbox) = ChatHub::new(config.chat.clone()).register();
    let accounts = Arc::new(accounts::Accounts::new(config.accounts));
    let mut session =
        Session::new(config.limits, Arc::new(Stats::new()), member).with_accounts(accounts);
    let mut output = Vec::new();
    push_line(&mut output, GREETING);
    let mut buffer = BytesMut::new();
    let mut actions = Vec::new();
    let reads = reads.into_iter().map(Some).chain(std::iter::once(None));
    for read in reads {
        if let Some(bytes) = read {
            buffer.extend_from_slice(bytes);
        }
        loop {
            let frame = match read {
                Some(_) => codec.decode(&mut buffer),
                None => codec.decode_eof(&mut buffer),
            };
            let Ok(Some(frame)) = frame else { break };
            session.handle(frame, &mut actions);
            loop {
                for action in actions.drain(..) {
                    match action {
                        Action::Send(line) => {
                            push_line(&mut output, &line);
                            codec::recycle_line(line);
                        }
                        Action::Telnet(bytes) => output.extend_from_slice(&bytes),
                        Action::Prompt(text) => output.extend_from_slice(text.as_bytes()),
                        Action::Close => return output,
                    }
                }
                match session.take_pending() {
                    Some(pending) => session.resume(pending.resolve_now(), &mut actions),
                    None => break,
                }
            }
            while let Ok(line) = inbox.messages.try_recv() {
                push_line(&mut output, &line);
            }
        }
    }
    output
}

fn push_line(output: &mut Vec<u8>, line: &str) {
    output.extend_from_slice(line.as_bytes());
    output.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replies(reads: &[&[u8]]) -> String {
        let out = simulate(&Config::default(), reads.iter().copied());
        let text = String::from_utf8_lossy(&out).into_owned();
        let greeting = format!("{GREETING}\r\n");
        text.strip_prefix(&greeting)
            .expect("greeting first")
            .to_string()
    }

    #[test]
    fn simulate_runs_codec_and_session() {
        assert_eq!(replies(&[b"1\r\n\r\n2\n", b"3"]), "1\r\n2\r\n3\r\n");
    }

    #[test]
    fn simulate_stops_at_close() {
        assert_eq!(replies(&[b"1\nquit\n2\n"]), "1\r\nbye\r\n");
    }

    #[test]
    fn simulate_knows_chat() {
        let out = replies(&[b"/nick ann
/chat
hello
/msg ANN to me
/who
"]);
        assert_eq!(
            out,
            "-- you are now ann\r\n\
             chat mode: each line goes to the room; /help for commands, /calc to leave\r\n\
             -- you joined #lobby as ann; here (1): ann\r\n\
             [msg] <ann> to me\r\n\
             -- #lobby (1): ann\r\n"
        );
    }

    #[test]
    fn ctrl_c_gives_timing_mark_answer_then_bye() {
        let out = simulate(&Config::default(), [&b"\xff\xf4\xff\xfd\x06"[..]]);
        let tail = &out[GREETING.len() + 2..];
        assert_eq!(tail, b"\xff\xfc\x06bye\r\n");
    }
}
