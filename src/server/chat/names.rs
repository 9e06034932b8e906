//! Nicknames and room names: what is allowed, and when two are the same.
//!
//! Both are short ASCII words (letters, digits, `_`, `-`), so a name can
//! never hold a space, a bracket, a control character or a look-alike
//! letter: `<alice>` at the start of a line is always alice, and no nick can
//! make a message look like an announcement (`-- ...`) or someone else's
//! line. Nicks keep the case their owner typed but are compared with ASCII
//! case folded (`Alice` and `alice` are the same nick, as on IRC). Room
//! names are folded to lower case once, when parsed.

use std::fmt;

/// Longest nickname, in characters.
pub const MAX_NICK_CHARS: usize = 24;

/// Longest room name, in characters after the `#`.
pub const MAX_ROOM_CHARS: usize = 32;

/// The room `/chat` enters when no room is given.
pub const LOBBY: &str = "#lobby";

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn is_name(text: &str, max: usize) -> bool {
    !text.is_empty() && text.len() <= max && text.chars().all(is_name_char)
}

/// A valid nickname, as its owner spelled it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nick(String);

impl Nick {
    /// `text` as a nickname, if it is 1 to [`MAX_NICK_CHARS`] letters,
    /// digits, `_` or `-`.
    pub fn parse(text: &str) -> Option<Nick> {
        is_name(text, MAX_NICK_CHARS).then(|| Nick(text.to_string()))
    }

    /// The default nick of the `n`th user: `guest-n`.
    pub fn guest(n: u64) -> Nick {
        Nick(format!("guest-{n}"))
    }

    /// Whether this is a `guest-N` nick, of the kind the server gives out
    /// (case ignored, as in every comparison of nicks).
    pub fn is_guest(&self) -> bool {
        let bytes = self.0.as_bytes();
        bytes.len() > 6
            && bytes[..6].eq_ignore_ascii_case(b"guest-")
            && bytes[6..].iter().all(u8::is_ascii_digit)
    }

    /// The key under which the nick is unique: ASCII lower case.
    pub fn folded(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Nick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A valid room name: `#` and 1 to [`MAX_ROOM_CHARS`] letters, digits, `_`
/// or `-`, in lower case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoomName(String);

impl RoomName {
    /// `text` as a room name; the `#` may be left out (`lobby` is
    /// `#lobby`), and case does not matter (`#Rust` is `#rust`).
    pub fn parse(text: &str) -> Option<RoomName> {
        let bare = text.strip_prefix('#').unwrap_or(text);
        is_name(bare, MAX_ROOM_CHARS).then(|| RoomName(format!("#{}", bare.to_ascii_lowercase())))
    }

    /// `#lobby`.
    pub fn lobby() -> RoomName {
        RoomName(LOBBY.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoomName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicks() {
        for good in ["a", "Alice", "bob_2", "x-y", "-", &"n".repeat(24)] {
            assert!(Nick::parse(good).is_some(), "{good:?}");
        }
        for bad in [
            "",
            "a b",
            "<bob>",
            "bob!",
            "al\x1bce",
            "été",
            "a\u{202e}",
            "#room",
            &"n".repeat(25),
        ] {
            assert!(Nick::parse(bad).is_none(), "{bad:?}");
        }
        assert_eq!(Nick::parse("AlIcE").unwrap().folded(), "alice");
        assert_eq!(Nick::guest(7).as_str(), "guest-7");
        for guest in ["guest-7", "Guest-12", "GUEST-0"] {
            assert!(Nick::parse(guest).unwrap().is_guest(), "{guest}");
        }
        for not_guest in ["guest", "guest-", "guest-7a", "guests-7", "xguest-7"] {
            assert!(!Nick::parse(not_guest).unwrap().is_guest(), "{not_guest}");
        }
    }

    #[test]
    fn rooms() {
        assert_eq!(RoomName::parse("lobby"), Some(RoomName::lobby()));
        assert_eq!(RoomName::parse("#Lobby"), Some(RoomName::lobby()));
        assert_eq!(RoomName::parse("#a-b_9").unwrap().as_str(), "#a-b_9");
        let longest = format!("#{}", "r".repeat(32));
        assert!(RoomName::parse(&longest).is_some());
        for bad in [
            "",
            "#",
            "##a",
            "a b",
            "#\x1b",
            &format!("#{}", "r".repeat(33)),
        ] {
            assert!(RoomName::parse(bad).is_none(), "{bad:?}");
        }
    }
}
