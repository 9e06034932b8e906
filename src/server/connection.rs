//! Buffered, framed I/O on one socket: frames in, lines out.
//!
//! [`Connection`] owns the read buffer, the [`LineCodec`] and the reply
//! buffer. It knows nothing of modes or timeouts; it only decides *when
//! bytes move*:
//!
//! * Replies collect in the reply buffer and are flushed only when no
//!   further complete frame is already buffered. A client that pipelines
//!   10,000 lines gets its replies in a few large writes, not 10,000 small
//!   ones; an interactive client gets each reply before the server waits
//!   for more. Queuing a reply that fits is a plain copy
//!   ([`Connection::queue_line`]), no future to build and poll: that, and
//!   not tokio's `BufWriter`, is what the handler does for most replies.
//! * The read buffer is filled only once the codec has consumed all of it
//!   (the codec keeps at most one line's worth), so each connection holds at
//!   most one read's worth of unparsed bytes, whatever the client sends.
//! * A connection holds a read buffer and a reply buffer only while they
//!   hold bytes: empty, they go back to the thread's spare slots
//!   (`SPARE_READ_BUFFER`, `SPARE_REPLY_BUFFER`; see `crate::spare`) for
//!   the next connection the thread serves. An idle connection holds
//!   neither (their 2 KiB of capacity).

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::pin::pin;
use std::task::{Context, Poll};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_util::codec::Decoder;

use super::codec::{Frame, LineCodec};
use crate::spare;

/// Bytes asked for per read. Small, since the server holds one per client.
const READ_CHUNK: usize = 1024;

/// Size of the reply buffer. Replies are short; a larger one (tokio's
/// `BufWriter` has 8 KiB) is mostly idle memory, and with 10,000 idle
/// clients it was most of the server's footprint (see BENCHMARKS.md). A
/// reply longer than this (a 4,300-digit integer) grows it for as long as
/// it takes to send that reply.
const WRITE_BUFFER: usize = 1024;

/// How far the reply buffer may grow with relayed chat lines before it is
/// sent. A member of a busy room is handed its room's lines in batches;
/// sent 1 KiB at a time they cost a write per 25 lines, and those writes
/// were most of the event loop's time in a room of 100 (BENCHMARKS.md).
/// Given back, as after a long reply, once sent.
const RELAY_WRITE_BUFFER: usize = 16 * 1024;

/// After a goodbye, at most this much further input is read and dropped
/// while waiting for the client to close (see [`Connection::close`]).
const LINGER_BYTES: usize = 64 * 1024;

thread_local! {
    /// An empty read buffer, for the next connection of this thread that
    /// reads (see the [module docs](self)).
    static SPARE_READ_BUFFER: Cell<Option<BytesMut>> = const { Cell::new(None) };
    /// An empty reply buffer, likewise.
    static SPARE_REPLY_BUFFER: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// A client socket with its framing.
#[derive(Debug)]
pub struct Connection<S> {
    stream: S,
    /// Replies not yet sent (see [`WRITE_BUFFER`]).
    replies: Vec<u8>,
    buffer: BytesMut,
    codec: LineCodec,
    /// The client has closed its sending side.
    eof: bool,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Connection<S> {
    /// Wraps `stream`, accepting lines of at most `max_line_bytes`.
    pub fn new(stream: S, max_line_bytes: usize) -> Connection<S> {
        Connection {
            stream,
            replies: Vec::new(),
            buffer: BytesMut::new(),
            codec: LineCodec::new(max_line_bytes),
            eof: false,
        }
    }

    /// The next frame from the client, or `None` once it has closed its
    /// side and every buffered frame has been returned: the frames already
    /// read ([`Self::buffered_frame`]), then [`Self::read_more`] until
    /// another is complete.
    ///
    /// Cancel safe, as `read_more` is.
    pub async fn read_frame(&mut self) -> io::Result<Option<Frame>> {
        loop {
            if let Some(frame) = self.buffered_frame()? {
                return Ok(Some(frame));
            }
            if self.at_end() {
                return Ok(None);
            }
            self.read_more().await?;
        }
    }

    /// The next frame if it is already in the read buffer, without
    /// flushing or reading, so it never waits. At the end of input this
    /// includes a last line without a line break.
    pub fn buffered_frame(&mut self) -> io::Result<Option<Frame>> {
        if self.eof {
            self.codec.decode_eof(&mut self.buffer)
        } else {
            self.codec.decode(&mut self.buffer)
        }
    }

    /// Asked when [`Self::buffered_frame`] has returned `None`: whether
    /// that is because the client has closed its side (no frame will come)
    /// rather than because its next frame is not complete yet.
    pub fn at_end(&self) -> bool {
        self.eof
    }

    /// Sends everything queued, then reads what the client has sent next
    /// into the read buffer (or notes the end of its input), without
    /// decoding it: [`Self::buffered_frame`] does that.
    ///
    /// The flush first is where backpressure comes from: while the client
    /// does not read its replies, the flush waits, so the server stops
    /// reading from that client and the client's own writes stall in TCP;
    /// nothing piles up in the server's memory.
    ///
    /// Cancel safe: all state lives in `self`, and `read_buf` and
    /// [`Self::flush`] are cancel safe, so a `select!` may drop this future
    /// and call it again without losing or repeating a byte.
    pub async fn read_more(&mut self) -> io::Result<()> {
        self.flush().await?;
        if std::future::poll_fn(|cx| self.poll_read_more(cx)).await? == 0 {
            self.eof = true;
        }
        Ok(())
    }

    /// Reads into the read buffer, which the codec has emptied; while there
    /// is nothing to read, the buffer goes back to the thread's spare slot
    /// (see the [module docs](self)).
    fn poll_read_more(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.buffer.capacity() == 0
            && let Some(spare) = spare::take(&SPARE_READ_BUFFER)
        {
            self.buffer = spare;
        }
        self.buffer.reserve(READ_CHUNK);
        let poll = pin!(self.stream.read_buf(&mut self.buffer)).poll(cx);
        if poll.is_pending() && self.buffer.is_empty() {
            spare::give(&SPARE_READ_BUFFER, Some(std::mem::take(&mut self.buffer)));
        }
        poll
    }

    /// Queues `line` and its CR LF for sending if they fit the reply
    /// buffer, and says whether they did; if not, nothing is queued and
    /// [`Self::write_line`] will make room. Never waits.
    pub fn queue_line(&mut self, line: &str) -> bool {
        self.queue(&[line.as_bytes(), b"\r\n"], WRITE_BUFFER)
    }

    /// Like [`Self::queue_line`], for a relayed chat line: the buffer may
    /// grow to 16 KiB for these (`RELAY_WRITE_BUFFER`).
    pub fn queue_relayed_line(&mut self, line: &str) -> bool {
        self.queue(&[line.as_bytes(), b"\r\n"], RELAY_WRITE_BUFFER)
    }

    /// Queues `line` and its CR LF for sending, first sending what is
    /// queued if they do not fit.
    pub async fn write_line(&mut self, line: &str) -> io::Result<()> {
        self.write(&[line.as_bytes(), b"\r\n"]).await
    }

    /// Queues raw bytes (telnet negotiation) for sending.
    pub async fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.write(&[bytes]).await
    }

    /// Queues `parts` if they fit the reply buffer, up to `limit` bytes.
    fn queue(&mut self, parts: &[&[u8]], limit: usize) -> bool {
        let len: usize = parts.iter().map(|part| part.len()).sum();
        let fits = self.replies.len() + len <= limit;
        if fits {
            self.append(parts);
        }
        fits
    }

    /// Queues `parts`, sending what is queued first if they do not fit. A
    /// reply longer than the buffer is queued whole all the same (the
    /// buffer grows for it) and sent at once.
    async fn write(&mut self, parts: &[&[u8]]) -> io::Result<()> {
        if self.queue(parts, WRITE_BUFFER) {
            return Ok(());
        }
        self.flush().await?;
        if !self.queue(parts, WRITE_BUFFER) {
            self.append(parts);
            self.flush().await?;
        }
        Ok(())
    }

    fn append(&mut self, parts: &[&[u8]]) {
        if self.replies.capacity() == 0 {
            self.replies = spare::take_if(&SPARE_REPLY_BUFFER, |s| s.capacity() > 0)
                .unwrap_or_else(|| Vec::with_capacity(WRITE_BUFFER));
        }
        for part in parts {
            self.replies.extend_from_slice(part);
        }
    }

    /// Sends everything queued.
    ///
    /// Cancel safe: what a write has sent is removed from the buffer before
    /// the next write is awaited, and a cancelled write has sent nothing.
    pub async fn flush(&mut self) -> io::Result<()> {
        while !self.replies.is_empty() {
            let sent = self.stream.write(&self.replies).await?;
            if sent == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            self.replies.drain(..sent);
        }
        // Give back what an over-long reply took (see `WRITE_BUFFER`), and
        // the buffer to the thread (see the module docs).
        if self.replies.capacity() > 0 {
            self.replies.shrink_to(WRITE_BUFFER);
            spare::give(&SPARE_REPLY_BUFFER, std::mem::take(&mut self.replies));
        }
        self.stream.flush().await
    }

    /// Flushes, shuts down the sending side, and waits for the client to
    /// close its side, dropping up to `LINGER_BYTES` (64 KiB) of further input.
    ///
    /// Closing a socket that still has unread input makes the kernel send a
    /// reset, which can destroy the goodbye the client has not read yet; a
    /// polite close waits for the client's own end of stream. Callers bound
    /// this with a timeout.
    pub async fn close(&mut self) -> io::Result<()> {
        self.flush().await?;
        self.stream.shutdown().await?;
        let mut dropped = 0;
        while !self.eof && dropped < LINGER_BYTES {
            self.buffer.clear();
            self.buffer.reserve(READ_CHUNK);
            match self.stream.read_buf(&mut self.buffer).await? {
                0 => self.eof = true,
                n => dropped += n,
            }
        }
        self.buffer.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{DuplexStream, ReadHalf, WriteHalf};

    use super::*;

    /// A connection (lines of at most 16 bytes) over an in-memory pipe, and
    /// the client's two ends of it.
    fn connected() -> (
        Connection<DuplexStream>,
        ReadHalf<DuplexStream>,
        WriteHalf<DuplexStream>,
    ) {
        let (client, server) = tokio::io::duplex(64);
        let (client_read, client_write) = tokio::io::split(client);
        (Connection::new(server, 16), client_read, client_write)
    }

    #[tokio::test]
    async fn frames_in_lines_out_over_a_pipe() {
        let (mut conn, mut client_read, mut client_write) = connected();
        client_write.write_all(b"one\r\ntwo\n").await.unwrap();
        client_write.shutdown().await.unwrap();
        assert_eq!(
            conn.read_frame().await.unwrap(),
            Some(Frame::Line("one".into()))
        );
        conn.write_line("1").await.unwrap();
        assert_eq!(
            conn.read_frame().await.unwrap(),
            Some(Frame::Line("two".into()))
        );
        conn.write_line("2").await.unwrap();
        assert_eq!(conn.read_frame().await.unwrap(), None);
        conn.close().await.unwrap();
        let mut replies = String::new();
        client_read.read_to_string(&mut replies).await.unwrap();
        assert_eq!(replies, "1\r\n2\r\n");
    }

    #[tokio::test]
    async fn a_waiting_connection_holds_no_buffers_and_the_next_one_reuses_them() {
        let (mut conn, mut client_read, mut client_write) = connected();
        client_write.write_all(b"one\n").await.unwrap();
        assert_eq!(
            conn.read_frame().await.unwrap(),
            Some(Frame::Line("one".into()))
        );
        conn.write_line("1").await.unwrap();
        assert!(conn.buffer.capacity() > 0 && conn.replies.capacity() > 0);

        // Waiting for the next line: the reply went out, and both buffers
        // went to the thread's spare slots.
        let wait = tokio::time::timeout(Duration::from_millis(20), conn.read_frame());
        assert!(wait.await.is_err(), "nothing was sent");
        assert_eq!((conn.buffer.capacity(), conn.replies.capacity()), (0, 0));
        let mut reply = [0; 3];
        client_read.read_exact(&mut reply).await.unwrap();
        assert_eq!(&reply, b"1\r\n");

        // Another connection on this thread takes them.
        let (mut other, _other_read, mut other_write) = connected();
        other_write.write_all(b"two\n").await.unwrap();
        assert_eq!(
            other.read_frame().await.unwrap(),
            Some(Frame::Line("two".into()))
        );
        assert!(other.buffer.capacity() > 0);
        let spare = SPARE_READ_BUFFER.with(Cell::take);
        assert!(spare.is_none(), "the spare read buffer is in use");

        // The first connection gets a buffer again when its line comes.
        client_write.write_all(b"three\n").await.unwrap();
        assert_eq!(
            conn.read_frame().await.unwrap(),
            Some(Frame::Line("three".into()))
        );
    }

    #[tokio::test]
    async fn relayed_lines_fill_a_larger_buffer_that_is_given_back_once_sent() {
        let (client, server) = tokio::io::duplex(64 * 1024);
        let mut conn = Connection::new(server, 16);
        let line = "<bob> a relayed chat line";
        let mut queued = 0;
        while conn.queue_relayed_line(line) {
            queued += line.len() + 2;
        }
        assert!(queued > WRITE_BUFFER, "more than a reply buffer: {queued}");
        assert!(queued <= RELAY_WRITE_BUFFER);
        assert!(!conn.queue_line("a reply"), "replies keep their own limit");
        conn.flush().await.unwrap();
        assert!(conn.replies.capacity() <= WRITE_BUFFER, "given back");
        drop(conn);
        let mut received = String::new();
        let mut client = client;
        client.read_to_string(&mut received).await.unwrap();
        assert_eq!(received.len(), queued);
    }

    #[tokio::test]
    async fn replies_longer_than_the_buffer_arrive_whole_and_give_the_memory_back() {
        let (client, server) = tokio::io::duplex(64);
        let mut conn = Connection::new(server, 16);
        let long = "7".repeat(3 * WRITE_BUFFER);
        let reader = tokio::spawn(async move {
            let mut client = client;
            let mut replies = String::new();
            client.read_to_string(&mut replies).await.unwrap();
            replies
        });
        // Fills the buffer with short replies first, so the long one has to
        // make room, then go out on its own.
        let mut expected = String::new();
        for i in 0..200 {
            let line = i.to_string();
            if !conn.queue_line(&line) {
                conn.write_line(&line).await.unwrap();
            }
            expected.push_str(&format!("{line}\r\n"));
        }
        conn.write_line(&long).await.unwrap();
        expected.push_str(&format!("{long}\r\n"));
        conn.write_line("after").await.unwrap();
        expected.push_str("after\r\n");
        conn.flush().await.unwrap();
        assert!(conn.replies.capacity() <= WRITE_BUFFER);
        drop(conn);
        assert_eq!(reader.await.unwrap(), expected);
    }
}
