//! The client's side of telnet: what the server sends is data, except for
//! `IAC` sequences, which are taken out before anything is shown.
//!
//! The one option the client acts on is ECHO: a server that sends
//! `IAC WILL ECHO` (FF FB 01) is about to ask for a password and will not
//! echo it, so the client stops echoing what is typed until `IAC WONT ECHO`
//! (FF FC 01), as telnet does (RFC 857). The client answers nothing: the
//! server does not wait for `DO ECHO`, and staying silent can never start a
//! negotiation loop. Every other command, option and subnegotiation is
//! dropped; `IAC IAC` is a data byte 0xFF.

use crate::server::codec::{DO, DONT, IAC, SB, SE, WILL, WONT};

/// Telnet option 1, ECHO (RFC 857).
pub const ECHO: u8 = 1;

/// What a chunk of server bytes held, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Bytes to show.
    Data(Vec<u8>),
    /// The server will echo (so the client must not): the next line is a
    /// secret.
    EchoOff,
    /// The server will not echo any more: the client echoes again.
    EchoOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Data,
    Iac,
    Option(u8),
    Sub,
    SubIac,
}

/// Strips telnet sequences from the server's bytes, across reads.
#[derive(Debug, Clone)]
pub struct TelnetFilter {
    state: State,
}

impl Default for TelnetFilter {
    fn default() -> Self {
        TelnetFilter { state: State::Data }
    }
}

impl TelnetFilter {
    /// A filter at the start of a stream.
    pub fn new() -> TelnetFilter {
        TelnetFilter::default()
    }

    /// The events in `bytes`, which continue whatever came before.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        let mut data = Vec::with_capacity(bytes.len());
        let flush = |data: &mut Vec<u8>, events: &mut Vec<Event>| {
            if !data.is_empty() {
                events.push(Event::Data(std::mem::take(data)));
            }
        };
        for &byte in bytes {
            self.state = match (self.state, byte) {
                (State::Data, IAC) => State::Iac,
                (State::Data, _) => {
                    data.push(byte);
                    State::Data
                }
                (State::Iac, IAC) => {
                    data.push(IAC);
                    State::Data
                }
                (State::Iac, WILL | WONT | DO | DONT) => State::Option(byte),
                (State::Iac, SB) => State::Sub,
                (State::Iac, _) => State::Data,
                (State::Option(verb), option) => {
                    match (verb, option) {
                        (WILL, ECHO) => {
                            flush(&mut data, &mut events);
                            events.push(Event::EchoOff);
                        }
                        (WONT, ECHO) => {
                            flush(&mut data, &mut events);
                            events.push(Event::EchoOn);
                        }
                        _ => {}
                    }
                    State::Data
                }
                (State::Sub, IAC) => State::SubIac,
                (State::Sub, _) => State::Sub,
                (State::SubIac, SE) => State::Data,
                (State::SubIac, _) => State::Sub,
            };
        }
        flush(&mut data, &mut events);
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(text: &str) -> Event {
        Event::Data(text.as_bytes().to_vec())
    }

    #[test]
    fn plain_text_passes() {
        assert_eq!(TelnetFilter::new().feed(b"42\r\n"), vec![data("42\r\n")]);
    }

    #[test]
    fn echo_off_and_on_around_a_password_prompt() {
        let mut filter = TelnetFilter::new();
        assert_eq!(
            filter.feed(b"\xff\xfb\x01password: "),
            vec![Event::EchoOff, data("password: ")]
        );
        assert_eq!(
            filter.feed(b"\xff\xfc\x01\r\nwelcome\r\n"),
            vec![Event::EchoOn, data("\r\nwelcome\r\n")]
        );
    }

    #[test]
    fn sequences_split_across_reads_are_still_recognised() {
        let mut filter = TelnetFilter::new();
        assert_eq!(filter.feed(b"a\xff"), vec![data("a")]);
        assert_eq!(filter.feed(b"\xfb"), vec![]);
        assert_eq!(filter.feed(b"\x01b"), vec![Event::EchoOff, data("b")]);
    }

    #[test]
    fn everything_else_is_stripped() {
        let mut filter = TelnetFilter::new();
        // WONT TIMING-MARK, DO NAWS, a subnegotiation holding IAC IAC, a
        // NOP, and an escaped data byte.
        let events = filter
            .feed(b"x\xff\xfc\x06\xff\xfd\x1f\xff\xfa\x18\xff\xff\x01\xff\xf0y\xff\xf1\xff\xffz");
        assert_eq!(events, vec![Event::Data(b"xy\xffz".to_vec())]);
    }
}
