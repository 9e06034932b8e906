//! Making client text safe to show.
//!
//! Text a client sent can carry terminal escape sequences (ESC, CSI,
//! OSC ... BEL), bare CR, or bidi overrides that reorder what a terminal
//! shows (CVE-2024-28085 is the `wall` variant of this). Anything the server
//! repeats in a reply or relays to someone else goes through [`printable`]
//! first. (Echo mode is the exception: it deliberately returns a client's
//! own bytes to that client only.)

/// `text` with every character that could control a terminal replaced by
/// `?`, cut to at most `max_chars` characters (with `...` when cut).
///
/// Replaced: C0 controls (including TAB, CR, LF, ESC), DEL, C1 controls
/// (U+0080–U+009F, among them the one-character CSI U+009B), and the Unicode
/// bidirectional embedding, override and isolate controls.
pub fn printable(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 4 + 3));
    for (count, c) in text.chars().enumerate() {
        if count == max_chars {
            out.push_str("...");
            break;
        }
        out.push(if is_unsafe(c) { '?' } else { c });
    }
    out
}

/// True for characters that must never reach a terminal from a client.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_replaced() {
        assert_eq!(printable("a\x1b[2Jb\r\n\t\x7f\u{9b}c", 100), "a?[2Jb?????c");
    }

    #[test]
    fn bidi_overrides_are_replaced() {
        assert_eq!(printable("x\u{202e}y\u{2066}z", 100), "x?y?z");
    }

    #[test]
    fn long_text_is_cut() {
        assert_eq!(printable("abcdef", 3), "abc...");
        assert_eq!(printable("abc", 3), "abc");
        assert_eq!(printable("ééé", 2), "éé...");
    }
}
