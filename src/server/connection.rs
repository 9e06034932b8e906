//! Buffered, framed I/O on one socket: frames in, lines out.
//!
//! [`Connection`] owns the read buffer, the [`LineCodec`] and a
//! [`BufWriter`] around the stream. It knows nothing of modes or timeouts;
//! it only decides *when bytes move*:
//!
//! * Replies collect in the `BufWriter` and are flushed only when no further
//!   complete frame is already buffered. A client that pipelines 10,000
//!   lines gets its replies in a few large writes, not 10,000 small ones;
//!   an interactive client gets each reply before the server waits for more.
//! * The read buffer is filled only once the codec has consumed all of it
//!   (the codec keeps at most one line's worth), so each connection holds at
//!   most one read's worth of unparsed bytes, whatever the client sends.

use std::io;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufWriter};
use tokio_util::codec::Decoder;

use super::codec::{Frame, LineCodec};

/// Bytes asked for per read. Small, since the server holds one per client.
const READ_CHUNK: usize = 4096;

/// After a goodbye, at most this much further input is read and dropped
/// while waiting for the client to close (see [`Connection::close`]).
const LINGER_BYTES: usize = 64 * 1024;

/// A client socket with its framing.
#[derive(Debug)]
pub struct Connection<S> {
    stream: BufWriter<S>,
    buffer: BytesMut,
    codec: LineCodec,
    /// The client has closed its sending side.
    eof: bool,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Connection<S> {
    /// Wraps `stream`, accepting lines of at most `max_line_bytes`.
    pub fn new(stream: S, max_line_bytes: usize) -> Connection<S> {
        Connection {
            stream: BufWriter::new(stream),
            buffer: BytesMut::with_capacity(READ_CHUNK),
            codec: LineCodec::new(max_line_bytes),
            eof: false,
        }
    }

    /// The next frame from the client, or `None` once it has closed its
    /// side and every buffered frame has been returned.
    ///
    /// Before waiting for the client, everything written so far is flushed.
    /// This is also where backpressure comes from: while the client does not
    /// read its replies, the flush waits, so the server stops reading from
    /// that client and the client's own writes stall in TCP; nothing piles up
    /// in the server's memory.
    ///
    /// Cancel safe: all state lives in `self`, decoding happens before the
    /// first `.await`, and `read_buf` and `BufWriter::flush` are cancel safe,
    /// so a `select!` may drop this future and call it again without losing
    /// or repeating a byte.
    pub async fn read_frame(&mut self) -> io::Result<Option<Frame>> {
        loop {
            if self.eof {
                return self.codec.decode_eof(&mut self.buffer);
            }
            if let Some(frame) = self.codec.decode(&mut self.buffer)? {
                return Ok(Some(frame));
            }
            self.stream.flush().await?;
            self.buffer.reserve(READ_CHUNK);
            if self.stream.read_buf(&mut self.buffer).await? == 0 {
                self.eof = true;
            }
        }
    }

    /// Queues `line` and its CR LF for sending.
    pub async fn write_line(&mut self, line: &str) -> io::Result<()> {
        self.stream.write_all(line.as_bytes()).await?;
        self.stream.write_all(b"\r\n").await
    }

    /// Queues raw bytes (telnet negotiation) for sending.
    pub async fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes).await
    }

    /// Sends everything queued.
    pub async fn flush(&mut self) -> io::Result<()> {
        self.stream.flush().await
    }

    /// Flushes, shuts down the sending side, and waits for the client to
    /// close its side, dropping up to [`LINGER_BYTES`] of further input.
    ///
    /// Closing a socket that still has unread input makes the kernel send a
    /// reset, which can destroy the goodbye the client has not read yet; a
    /// polite close waits for the client's own end of stream. Callers bound
    /// this with a timeout.
    pub async fn close(&mut self) -> io::Result<()> {
        self.stream.flush().await?;
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
    use super::*;

    #[tokio::test]
    async fn frames_in_lines_out_over_a_pipe() {
        let (client, server) = tokio::io::duplex(64);
        let mut conn = Connection::new(server, 16);
        let (mut client_read, mut client_write) = tokio::io::split(client);
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
}
