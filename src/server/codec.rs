//! Framing: the bytes a client sends in, [`Frame`]s out.
//!
//! [`LineCodec`] is a [`tokio_util::codec::Decoder`] that does three jobs in
//! one pass over each byte, in this order:
//!
//! 1. **Telnet.** Option negotiation (RFC 854/855) is removed at the byte
//!    level, *before* line splitting and UTF-8 decoding, so `IAC` sequences
//!    never reach a mode as text and can never be split across a line end.
//!    Negotiation that needs an answer becomes a [`Frame::Telnet`] holding the
//!    three bytes to send back; the decoder itself never writes.
//! 2. **Line splitting.** A line ends with LF, CR LF, CR NUL or a bare CR:
//!    `nc` sends LF, telnet sends CR LF in line mode and CR NUL in character
//!    mode. The byte after a CR is swallowed only if it is LF or NUL.
//! 3. **Limits.** A line longer than `max_line_bytes` yields one
//!    [`Frame::TooLong`] as soon as the limit is crossed; the rest of that line
//!    is dropped byte by byte as it arrives, so a client sending 100 MiB
//!    without a newline costs no memory. Bytes that are not UTF-8 yield
//!    [`Frame::InvalidUtf8`] instead of an error, so the stream goes on.
//!
//! `decode` consumes every byte it looks at (a byte is either part of the
//! current line, kept in a buffer of at most `max_line_bytes`, or dropped).
//! The caller's read buffer therefore never grows beyond one read, and the
//! state kept between reads is bounded by `max_line_bytes`.

use std::cell::Cell;
use std::io;

use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

use crate::spare;

/// Telnet "Interpret As Command": starts every telnet command.
pub const IAC: u8 = 255;
/// Telnet: refuse (or confirm the end of) an option on the sender's side.
pub const DONT: u8 = 254;
/// Telnet: ask the other side to enable an option.
pub const DO: u8 = 253;
/// Telnet: refuse (or confirm the end of) an option on the receiver's side.
pub const WONT: u8 = 252;
/// Telnet: offer to enable an option.
pub const WILL: u8 = 251;
/// Telnet: start of subnegotiation, skipped up to `IAC SE`.
pub const SB: u8 = 250;
/// Telnet: "Interrupt Process", what telnet sends when the user types Ctrl-C.
pub const IP: u8 = 244;
/// Telnet: end of subnegotiation.
pub const SE: u8 = 240;
/// Telnet option 6, TIMING-MARK (RFC 860).
pub const TIMING_MARK: u8 = 6;
/// Telnet option 1, ECHO (RFC 857).
pub const ECHO: u8 = 1;

/// Before a password prompt: the server will echo, so the client stops
/// echoing what the user types (and the server echoes nothing).
pub const WILL_ECHO: [u8; 3] = [IAC, WILL, ECHO];
/// After the password line: the client echoes again.
pub const WONT_ECHO: [u8; 3] = [IAC, WONT, ECHO];

/// The reply to `IAC DO TIMING-MARK`. After Ctrl-C, telnet sends
/// `IAC IP IAC DO TM` and then discards everything the server sends until it
/// sees `IAC WILL TM` or `IAC WONT TM`; without this answer the user would
/// never see the `bye` that follows.
pub const WONT_TIMING_MARK: [u8; 3] = [IAC, WONT, TIMING_MARK];

/// One unit of client input, after telnet handling and line splitting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete line of valid UTF-8, without its line ending. It may hold
    /// NUL and other control characters; those are the session's concern.
    Line(String),
    /// A line went over the limit; the rest of it is being discarded.
    TooLong {
        /// The limit, for the error message.
        max: usize,
    },
    /// A complete line that is not valid UTF-8.
    InvalidUtf8,
    /// Telnet `IAC IP`: the user pressed Ctrl-C.
    Interrupt,
    /// Telnet negotiation bytes to send back to the client.
    Telnet([u8; 3]),
}

/// Where the telnet parser is in the byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Telnet {
    /// Ordinary data.
    Data,
    /// After `IAC`: the next byte is a command (or a data 0xFF).
    Iac,
    /// After `IAC WILL|WONT|DO|DONT`: the next byte is the option.
    Option(u8),
    /// Inside `IAC SB ...`: skipped.
    Sub,
    /// Inside a subnegotiation, after `IAC`: `SE` ends it.
    SubIac,
}

/// The largest line buffer [`recycle_line`] keeps for the next line: room
/// for any ordinary request.
const RECYCLED_LINE_BYTES: usize = 128;

thread_local! {
    /// A finished line's buffer, empty, for the next line a codec on this
    /// thread assembles ([`LineCodec::line_buffer`]; see `crate::spare`).
    /// Without it, every line allocates its buffer anew and frees it after
    /// the reply, which for a short request was a tenth of the server's own
    /// instructions.
    static SPARE_LINE: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Gives the buffer of a [`Frame::Line`] back once its text has been used
/// (or of a reply written over it), for the next line decoded on this
/// thread; a buffer over `RECYCLED_LINE_BYTES` (128) is freed instead.
#[inline]
pub fn recycle_line(line: String) {
    spare::give_vec(&SPARE_LINE, line.into_bytes(), RECYCLED_LINE_BYTES);
}

/// A set of telnet option codes, to refuse each option only once.
#[derive(Debug, Clone, Default)]
struct OptionSet([u64; 4]);

impl OptionSet {
    /// Adds `option`; true if it was not in the set yet.
    fn insert(&mut self, option: u8) -> bool {
        let (word, bit) = (usize::from(option / 64), option % 64);
        let fresh = self.0[word] & (1 << bit) == 0;
        self.0[word] |= 1 << bit;
        fresh
    }
}

/// The decoder for the safecalc line protocol (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct LineCodec {
    max_line_bytes: usize,
    /// The line being assembled; never longer than `max_line_bytes`.
    line: Vec<u8>,
    telnet: Telnet,
    /// The previous data byte was a CR, so a following LF or NUL belongs to
    /// the same line ending.
    after_cr: bool,
    /// The current line went over the limit; drop bytes until its end.
    discarding: bool,
    /// Options we already answered `WONT` to (after a `DO`).
    refused_do: OptionSet,
    /// Options we already answered `DONT` to (after a `WILL`).
    refused_will: OptionSet,
}

impl LineCodec {
    /// A decoder accepting lines of up to `max_line_bytes` bytes (not
    /// counting the line ending). A limit of 0 is treated as 1.
    pub fn new(max_line_bytes: usize) -> LineCodec {
        LineCodec {
            max_line_bytes: max_line_bytes.max(1),
            line: Vec::new(),
            telnet: Telnet::Data,
            after_cr: false,
            discarding: false,
            refused_do: OptionSet::default(),
            refused_will: OptionSet::default(),
        }
    }

    /// The longest line accepted, in bytes.
    pub fn max_line_bytes(&self) -> usize {
        self.max_line_bytes
    }

    /// Bytes of memory held for the line being assembled. It stays below
    /// `2 * max_line_bytes` whatever arrives; tests check exactly that.
    pub fn buffered_capacity(&self) -> usize {
        self.line.capacity()
    }

    /// The line, to add bytes to: when a line starts, in the thread's
    /// spare buffer (see [`recycle_line`]) if it is within the line limit.
    fn line_buffer(&mut self) -> &mut Vec<u8> {
        if self.line.capacity() == 0
            && let Some(spare) =
                spare::take_if(&SPARE_LINE, |s| s.capacity() <= self.max_line_bytes)
        {
            self.line = spare;
        }
        &mut self.line
    }

    /// Appends the ordinary bytes at the start of `bytes` to the line in one
    /// copy, and returns how many it took: what [`Self::step`] would do with
    /// them one by one (most of a line is such bytes), stopping before
    /// anything it treats specially (a line end, `IAC`, the byte after a CR,
    /// the byte over the length limit) and while a line is being discarded.
    fn take_plain_run(&mut self, bytes: &[u8]) -> usize {
        if self.telnet != Telnet::Data || self.after_cr || self.discarding {
            return 0;
        }
        let room = self.max_line_bytes.saturating_sub(self.line.len());
        let candidates = &bytes[..bytes.len().min(room)];
        let run = candidates
            .iter()
            .position(|&byte| matches!(byte, b'\r' | b'\n' | IAC))
            .unwrap_or(candidates.len());
        if run > 0 {
            let line = self.line_buffer();
            reserve_wiping(line, run);
            line.extend_from_slice(&candidates[..run]);
        }
        run
    }

    /// Feeds one byte; returns a frame when this byte completes one.
    fn step(&mut self, byte: u8) -> Option<Frame> {
        match self.telnet {
            Telnet::Data if byte == IAC => {
                self.telnet = Telnet::Iac;
                None
            }
            Telnet::Data => self.data(byte),
            Telnet::Iac => {
                self.telnet = Telnet::Data;
                match byte {
                    // `IAC IAC` is a data byte 0xFF; it is never valid UTF-8,
                    // so the line it lands in will be reported as such.
                    IAC => self.data(IAC),
                    WILL | WONT | DO | DONT => {
                        self.telnet = Telnet::Option(byte);
                        None
                    }
                    SB => {
                        self.telnet = Telnet::Sub;
                        None
                    }
                    IP => Some(Frame::Interrupt),
                    // NOP, DM, BRK, AO, AYT, EC, EL, GA, a stray SE, or a byte
                    // that is no command at all: nothing to do.
                    _ => None,
                }
            }
            Telnet::Option(verb) => {
                self.telnet = Telnet::Data;
                self.negotiate(verb, byte)
            }
            Telnet::Sub => {
                if byte == IAC {
                    self.telnet = Telnet::SubIac;
                }
                None
            }
            Telnet::SubIac => {
                // `IAC SE` ends the subnegotiation; `IAC IAC` (an escaped
                // 0xFF) or anything else stays inside it.
                self.telnet = if byte == SE {
                    Telnet::Data
                } else {
                    Telnet::Sub
                };
                None
            }
        }
    }

    /// Answers `IAC <verb> <option>`.
    ///
    /// safecalc enables no telnet option on either side, so it refuses every
    /// `DO` with `WONT` and every `WILL` with `DONT`, and silently agrees to
    /// `WONT`/`DONT` (acknowledging those is what makes negotiation loop,
    /// RFC 854). Each option is refused once: a peer repeating itself gets no
    /// second answer, so no peer can make us talk in a loop. `DO TIMING-MARK`
    /// is the exception: it is a question, not a mode, and every one of them
    /// gets its `WONT TM` (see [`WONT_TIMING_MARK`]).
    ///
    /// `DO ECHO` and `DONT ECHO` are never answered: they are the client's
    /// answers to the `WILL ECHO` and `WONT ECHO` around a password prompt
    /// (see the session), and answering `DO ECHO` with `WONT ECHO` would
    /// turn the client's echo back on while the password is typed. A client
    /// that asks on its own hears nothing, which leaves the option off.
    fn negotiate(&mut self, verb: u8, option: u8) -> Option<Frame> {
        match verb {
            DO if option == TIMING_MARK => Some(Frame::Telnet(WONT_TIMING_MARK)),
            DO | DONT if option == ECHO => None,
            DO => self
                .refused_do
                .insert(option)
                .then_some(Frame::Telnet([IAC, WONT, option])),
            WILL => self
                .refused_will
                .insert(option)
                .then_some(Frame::Telnet([IAC, DONT, option])),
            _ => None,
        }
    }

    /// Feeds one data byte (telnet already removed) to the line splitter.
    fn data(&mut self, byte: u8) -> Option<Frame> {
        if std::mem::take(&mut self.after_cr) && (byte == b'\n' || byte == 0) {
            return None;
        }
        match byte {
            b'\n' | b'\r' => {
                self.after_cr = byte == b'\r';
                self.end_line()
            }
            _ if self.discarding => None,
            _ if self.line.len() >= self.max_line_bytes => {
                self.discarding = true;
                // Give the memory back now: the rest of this line may be
                // arbitrarily long and is not kept.
                self.line = Vec::new();
                Some(Frame::TooLong {
                    max: self.max_line_bytes,
                })
            }
            _ => {
                let line = self.line_buffer();
                reserve_wiping(line, 1);
                line.push(byte);
                None
            }
        }
    }

    /// Ends the current line: the frame for it, or nothing if it was too
    /// long (its [`Frame::TooLong`] was already given).
    fn end_line(&mut self) -> Option<Frame> {
        if std::mem::take(&mut self.discarding) {
            return None;
        }
        let bytes = std::mem::take(&mut self.line);
        Some(match String::from_utf8(bytes) {
            Ok(text) => Frame::Line(text),
            Err(_) => Frame::InvalidUtf8,
        })
    }
}

/// Makes room for `additional` more bytes in `line`, overwriting the old
/// allocation if it has to move. With the zeroing of the read buffer's
/// consumed bytes in [`LineCodec::decode`], this leaves the only copy of a
/// line's bytes in the frame it becomes: a password (a prompt's answer, or
/// `/login NAME PASSWORD`) is then overwritten when its `Secret` is
/// dropped, instead of lingering in freed or reused buffers until other
/// bytes land there. (Over TLS, rustls's own buffers are not ours.)
fn reserve_wiping(line: &mut Vec<u8>, additional: usize) {
    if line.capacity() - line.len() >= additional {
        return;
    }
    let mut bigger = Vec::with_capacity((line.len() + additional).max(line.capacity() * 2).max(8));
    bigger.extend_from_slice(line);
    line.fill(0);
    std::hint::black_box(&*line);
    *line = bigger;
}

impl Decoder for LineCodec {
    type Item = Frame;
    /// Decoding itself never fails: every malformed input is a [`Frame`].
    /// The error type is only there for the I/O errors `FramedRead` passes
    /// through.
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, io::Error> {
        let mut at = 0;
        while at < src.len() {
            at += self.take_plain_run(&src[at..]);
            let Some(&byte) = src.get(at) else { break };
            at += 1;
            if let Some(frame) = self.step(byte) {
                // Leave the bytes after this frame for the next call; the
                // frame's own are overwritten first (see `reserve_wiping`).
                src[..at].fill(0);
                src.advance(at);
                return Ok(Some(frame));
            }
        }
        // Every byte is now in `self.line` or dropped.
        src.fill(0);
        src.clear();
        Ok(None)
    }

    /// At end of input, a line without its line ending still counts: a
    /// client that sends `1+1` and closes gets its answer.
    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, io::Error> {
        if let Some(frame) = self.decode(src)? {
            return Ok(Some(frame));
        }
        self.after_cr = false;
        self.telnet = Telnet::Data;
        if self.line.is_empty() {
            self.discarding = false;
            return Ok(None);
        }
        Ok(self.end_line())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `input` fed in pieces of `chunk` bytes, then end of input.
    fn frames_chunked(max: usize, input: &[u8], chunk: usize) -> Vec<Frame> {
        let mut codec = LineCodec::new(max);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for piece in input.chunks(chunk.max(1)) {
            buf.extend_from_slice(piece);
            while let Some(frame) = codec.decode(&mut buf).unwrap() {
                out.push(frame);
            }
            assert!(buf.is_empty(), "decode must consume every byte it sees");
        }
        while let Some(frame) = codec.decode_eof(&mut buf).unwrap() {
            out.push(frame);
        }
        out
    }

    /// Decodes `input` in one piece, and checks that byte-by-byte feeding
    /// gives the same frames (a read may end anywhere).
    fn frames(max: usize, input: &[u8]) -> Vec<Frame> {
        let whole = frames_chunked(max, input, input.len());
        assert_eq!(whole, frames_chunked(max, input, 1), "split reads differ");
        assert_eq!(whole, frames_chunked(max, input, 3), "split reads differ");
        whole
    }

    fn line(text: &str) -> Frame {
        Frame::Line(text.to_string())
    }

    #[test]
    fn every_line_ending() {
        assert_eq!(
            frames(64, b"a\nb\r\nc\r\0d\re\n"),
            vec![line("a"), line("b"), line("c"), line("d"), line("e")]
        );
    }

    #[test]
    fn empty_lines_are_frames() {
        assert_eq!(
            frames(64, b"\n\r\n\r\0\r"),
            vec![line(""), line(""), line(""), line("")]
        );
    }

    #[test]
    fn cr_cr_is_two_line_ends() {
        assert_eq!(
            frames(64, b"a\r\rb\n"),
            vec![line("a"), line(""), line("b")]
        );
    }

    #[test]
    fn unterminated_last_line_counts_at_eof() {
        assert_eq!(frames(64, b"1\n2+2"), vec![line("1"), line("2+2")]);
        assert_eq!(frames(64, b""), vec![]);
        assert_eq!(frames(64, b"1\r"), vec![line("1")]);
    }

    #[test]
    fn nul_and_controls_inside_a_line_are_kept() {
        assert_eq!(
            frames(64, b"a\0b\x04\x1b[2J\n"),
            vec![line("a\0b\x04\x1b[2J")]
        );
    }

    #[test]
    fn utf8_is_decoded_and_invalid_utf8_is_a_frame() {
        assert_eq!(frames(64, "π≈3\n".as_bytes()), vec![line("π≈3")]);
        assert_eq!(
            frames(64, b"\xc3(\nok\n\xe2\x82\n"),
            vec![Frame::InvalidUtf8, line("ok"), Frame::InvalidUtf8]
        );
    }

    #[test]
    fn line_at_the_limit_passes_and_one_more_byte_does_not() {
        assert_eq!(frames(4, b"abcd\n"), vec![line("abcd")]);
        assert_eq!(
            frames(4, b"abcde\nok\n"),
            vec![Frame::TooLong { max: 4 }, line("ok")]
        );
    }

    #[test]
    fn overlong_line_reports_once_and_resumes_after_its_end() {
        let mut input = vec![b'x'; 10_000];
        input.extend_from_slice(b"\r\n1\n");
        assert_eq!(
            frames(8, &input),
            vec![Frame::TooLong { max: 8 }, line("1")]
        );
    }

    #[test]
    fn overlong_line_is_reported_before_its_end_arrives() {
        let mut codec = LineCodec::new(4);
        let mut buf = BytesMut::from(&b"abcdefgh"[..]);
        assert_eq!(
            codec.decode(&mut buf).unwrap(),
            Some(Frame::TooLong { max: 4 })
        );
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        assert!(buf.is_empty());
    }

    #[test]
    fn overlong_unterminated_line_at_eof_gives_nothing_more() {
        assert_eq!(frames(4, b"abcdefgh"), vec![Frame::TooLong { max: 4 }]);
    }

    #[test]
    fn memory_stays_bounded_for_100_mib_without_newline() {
        let max = 4096;
        let mut codec = LineCodec::new(max);
        let mut buf = BytesMut::new();
        let chunk = vec![b'a'; 64 * 1024];
        let mut too_long = 0;
        for _ in 0..(100 * 1024 * 1024 / chunk.len()) {
            buf.extend_from_slice(&chunk);
            while let Some(frame) = codec.decode(&mut buf).unwrap() {
                assert_eq!(frame, Frame::TooLong { max });
                too_long += 1;
            }
            assert!(buf.is_empty());
            assert!(codec.buffered_capacity() <= 2 * max);
        }
        assert_eq!(too_long, 1);
        buf.extend_from_slice(b"\n42\n");
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(line("42")));
    }

    #[test]
    fn telnet_negotiation_is_removed_and_answered() {
        // DO SGA, WILL NAWS, WONT LINEMODE, DONT SGA around "1+2".
        let input = b"\xff\xfd\x031\xff\xfb\x1f+\xff\xfc\x22\xff\xfe\x032\r\n";
        assert_eq!(
            frames(64, input),
            vec![
                Frame::Telnet([IAC, WONT, 3]),
                Frame::Telnet([IAC, DONT, 0x1f]),
                line("1+2"),
            ]
        );
    }

    #[test]
    fn each_option_is_refused_only_once() {
        let input = b"\xff\xfd\x03\xff\xfd\x03\xff\xfb\x01\xff\xfb\x01x\n";
        assert_eq!(
            frames(64, input),
            vec![
                Frame::Telnet([IAC, WONT, 3]),
                Frame::Telnet([IAC, DONT, 1]),
                line("x"),
            ]
        );
    }

    #[test]
    fn the_answers_to_a_password_prompt_are_absorbed() {
        // What telnet sends back after WILL ECHO and WONT ECHO.
        let input = b"\xff\xfd\x01secret\r\n\xff\xfe\x01";
        assert_eq!(frames(64, input), vec![line("secret")]);
    }

    #[test]
    fn every_timing_mark_is_answered() {
        let input = b"\xff\xfd\x06\xff\xfd\x06";
        assert_eq!(
            frames(64, input),
            vec![
                Frame::Telnet(WONT_TIMING_MARK),
                Frame::Telnet(WONT_TIMING_MARK)
            ]
        );
    }

    #[test]
    fn ctrl_c_from_telnet() {
        assert_eq!(
            frames(64, b"12\xff\xf4\xff\xfd\x06"),
            vec![
                Frame::Interrupt,
                Frame::Telnet(WONT_TIMING_MARK),
                line("12")
            ]
        );
    }

    #[test]
    fn subnegotiation_is_skipped_whole() {
        // NAWS 80x24, with an escaped 0xFF inside, then TERMINAL-TYPE.
        let input = b"a\xff\xfa\x1f\x00\xff\xff\x00\x18\xff\xf0b\xff\xfa\x18\x00xterm\xff\xf0c\n";
        assert_eq!(frames(64, input), vec![line("abc")]);
    }

    #[test]
    fn iac_iac_is_a_data_byte() {
        assert_eq!(frames(64, b"a\xff\xffb\n"), vec![Frame::InvalidUtf8]);
    }

    #[test]
    fn other_telnet_commands_are_ignored() {
        // NOP, AYT, GA, DM, BRK, EC, EL, and an IAC at the very end.
        let input = b"1\xff\xf1\xff\xf6\xff\xf9\xff\xf2\xff\xf3\xff\xf7\xff\xf8\n\xff";
        assert_eq!(frames(64, input), vec![line("1")]);
    }

    #[test]
    fn telnet_between_cr_and_lf_keeps_one_line_end() {
        assert_eq!(frames(64, b"a\r\xff\xf1\nb\n"), vec![line("a"), line("b")]);
    }

    #[test]
    fn telnet_bytes_do_not_count_towards_the_limit() {
        let input = b"ab\xff\xfa\x18\x00xterm-256color\xff\xf0cd\n";
        assert_eq!(frames(4, input), vec![line("abcd")]);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_stay_bounded() {
        // A cheap deterministic generator; proptest covers more in tests/.
        let mut state: u32 = 0x2545_f491;
        let mut input = Vec::new();
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let byte = match state % 8 {
                0 => IAC,
                1 => b'\n',
                2 => b'\r',
                _ => (state >> 8) as u8,
            };
            input.push(byte);
        }
        let mut codec = LineCodec::new(16);
        let mut buf = BytesMut::new();
        for piece in input.chunks(977) {
            buf.extend_from_slice(piece);
            while let Some(frame) = codec.decode(&mut buf).unwrap() {
                if let Frame::Line(text) = frame {
                    assert!(text.len() <= 16);
                }
            }
            assert!(codec.buffered_capacity() <= 32);
        }
    }

    /// Decodes `input` whole and returns its one line.
    fn only_line(codec: &mut LineCodec, input: &[u8]) -> String {
        let mut buf = BytesMut::from(input);
        match codec.decode(&mut buf).unwrap() {
            Some(Frame::Line(text)) => text,
            other => panic!("expected a line, got {other:?}"),
        }
    }

    #[test]
    fn a_recycled_buffer_holds_the_next_line_of_any_codec() {
        let mut codec = LineCodec::new(64);
        let first = only_line(&mut codec, b"1+2\r\n");
        let address = first.as_ptr();
        recycle_line(first);
        assert_eq!(codec.buffered_capacity(), 0, "the codec keeps none");
        let mut other = LineCodec::new(64);
        let second = only_line(&mut other, b"40+2\n");
        assert_eq!(second, "40+2", "the old text is gone");
        assert_eq!(second.as_ptr(), address, "no new allocation");
    }

    #[test]
    fn large_buffers_and_lines_in_progress_are_not_recycled() {
        recycle_line(String::with_capacity(RECYCLED_LINE_BYTES + 1));
        assert_eq!(
            SPARE_LINE.with(Cell::take).capacity(),
            0,
            "too large to keep"
        );

        // Under a limit lower than the spare's size, the limit rules.
        recycle_line(String::with_capacity(8));
        let mut small = LineCodec::new(4);
        assert_eq!(only_line(&mut small, b"12\n"), "12");
        assert!(small.buffered_capacity() <= 2 * 4);
        assert_eq!(SPARE_LINE.with(Cell::take).capacity(), 8, "left for others");

        // A line half read stays as it is.
        let mut codec = LineCodec::new(4096);
        let mut buf = BytesMut::from(&b"12"[..]);
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        recycle_line("xyz".to_string());
        assert_eq!(only_line(&mut codec, b"3\n"), "123");
    }
}
