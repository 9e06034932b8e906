//! What travels on the pub/sub channels, as the subscriber reads it.
//!
//! The messages are written by `batch.lua` (the only publisher): text
//! fields separated by the ASCII unit separator (US, `\x1f`), the kind
//! first. US cannot occur inside a field: nicks, rooms and instance names
//! are plain words, stream ids are digits, and the text of a line has been
//! through [`clean`](crate::server::text::clean), which turns every
//! control character into `?`. The text comes last, so it is what is left
//! after the other fields. Text fields keep the messages readable in
//! `redis-cli subscribe`, for an operator who looks.
//!
//! On the chat channel:
//!
//! * `L US id US room US instance US member US token US text`: a room line
//!   with its stream id; `member` is the sender's number on `instance`
//!   (it is not sent its own line back), `token` what the sending
//!   instance waits for (see `Inner::delivered`);
//! * `A US room US instance US member US text`: an announcement (a join, a
//!   departure, a nick change); member `0` is nobody;
//! * `D US name`: the account `name` was deleted.
//!
//! On an instance's own channel: `M US folded-nick US text`, a private
//! message for its chatting members of that name; `T US token`, a mark
//! the instance published after a batch's other messages (see
//! `writer::run_batch`).

use crate::server::chat::{MemberId, RoomName};

const US: char = '\u{1f}';

/// A message from a channel, borrowed from its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Message<'a> {
    Line {
        id: StreamId,
        room: RoomName,
        instance: &'a str,
        member: MemberId,
        token: u64,
        text: &'a str,
    },
    Announce {
        room: RoomName,
        instance: &'a str,
        member: MemberId,
        text: &'a str,
    },
    AccountDeleted {
        name: &'a str,
    },
    Direct {
        to: &'a str,
        text: &'a str,
    },
    Mark {
        token: u64,
    },
}

/// A stream entry's id, `milliseconds-sequence`: its place in the room's
/// history (Redis makes them increase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct StreamId {
    pub millis: u64,
    pub seq: u64,
}

impl StreamId {
    pub fn parse(text: &str) -> Option<StreamId> {
        let (millis, seq) = text.split_once('-')?;
        Some(StreamId {
            millis: millis.parse().ok()?,
            seq: seq.parse().ok()?,
        })
    }

    /// The id as one increasing number (for [`super::super::StoredLine`]
    /// and [`super::super::Committed`]): the milliseconds above 20 bits of
    /// sequence, which is far more lines than one room gets in one
    /// millisecond.
    pub fn number(self) -> u64 {
        (self.millis << 20) | self.seq.min((1 << 20) - 1)
    }

    /// Seconds since the Unix epoch, by Redis's clock.
    pub fn unix_seconds(self) -> i64 {
        i64::try_from(self.millis / 1000).unwrap_or(i64::MAX)
    }
}

impl<'a> Message<'a> {
    /// Reads one message; `None` for anything malformed (which the
    /// subscriber logs and skips: no message can stop it).
    pub fn parse(payload: &'a [u8]) -> Option<Message<'a>> {
        let text = std::str::from_utf8(payload).ok()?;
        let (kind, rest) = text.split_once(US)?;
        match kind {
            "L" => {
                let mut f = rest.splitn(6, US);
                Some(Message::Line {
                    id: StreamId::parse(f.next()?)?,
                    room: RoomName::parse(f.next()?)?,
                    instance: f.next()?,
                    member: f.next()?.parse().ok()?,
                    token: f.next()?.parse().ok()?,
                    text: f.next()?,
                })
            }
            "A" => {
                let mut f = rest.splitn(4, US);
                Some(Message::Announce {
                    room: RoomName::parse(f.next()?)?,
                    instance: f.next()?,
                    member: f.next()?.parse().ok()?,
                    text: f.next()?,
                })
            }
            "D" => Some(Message::AccountDeleted { name: rest }),
            "M" => {
                let (to, text) = rest.split_once(US)?;
                Some(Message::Direct { to, text })
            }
            "T" => Some(Message::Mark {
                token: rest.parse().ok()?,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_as_the_script_writes_them() {
        let line = "L\x1f1733130000123-7\x1f#lobby\x1fa:7878\x1f12\x1f99\x1f<ann> hi \x1f there";
        assert_eq!(
            Message::parse(line.as_bytes()),
            Some(Message::Line {
                id: StreamId {
                    millis: 1_733_130_000_123,
                    seq: 7
                },
                room: RoomName::lobby(),
                instance: "a:7878",
                member: 12,
                token: 99,
                // The text is what is left, whatever it holds.
                text: "<ann> hi \x1f there",
            })
        );
        assert_eq!(
            Message::parse(b"A\x1f#lobby\x1f\x1f0\x1f-- ann left #lobby"),
            Some(Message::Announce {
                room: RoomName::lobby(),
                instance: "",
                member: 0,
                text: "-- ann left #lobby",
            })
        );
        assert_eq!(
            Message::parse(b"D\x1fAnn"),
            Some(Message::AccountDeleted { name: "Ann" })
        );
        assert_eq!(
            Message::parse(b"T\x1f42"),
            Some(Message::Mark { token: 42 })
        );
        assert_eq!(
            Message::parse(b"M\x1fann\x1f[msg] <bob> psst"),
            Some(Message::Direct {
                to: "ann",
                text: "[msg] <bob> psst"
            })
        );
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            &b""[..],
            b"L",
            b"L\x1f1-1\x1f#lobby\x1fa\x1fnot-a-number\x1f1\x1ftext",
            b"L\x1fnot-an-id\x1f#lobby\x1fa\x1f1\x1f1\x1ftext",
            b"L\x1f1-1\x1fno room\x1fa\x1f1\x1f1\x1ftext",
            b"A\x1f#lobby\x1fa",
            b"X\x1fwhat",
            b"M\x1fonly-a-name",
            b"T\x1fnot-a-token",
            b"\xff\xfe",
        ] {
            assert_eq!(Message::parse(bad), None, "{bad:?}");
        }
        let id = StreamId::parse("1000-3").unwrap();
        assert_eq!(id.unix_seconds(), 1);
        assert!(StreamId::parse("1000-4").unwrap().number() > id.number());
    }
}
