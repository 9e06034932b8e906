//! Sends the hostile lines of SECURITY.md's payload table to a line server
//! and prints what comes back: the side-by-side demonstration of
//! teaching/README.md.
//!
//! ```text
//! cargo run --example payloads -- --addr 127.0.0.1:7878   # safecalc
//! cargo run --example payloads -- --addr 127.0.0.1:7879   # the unsafe Python server
//! cargo run --example payloads -- --rows 1-4,9 --timeout 20
//! cargo run --example payloads -- --print | nc 127.0.0.1 7878
//! ```
//!
//! It reads the server's greeting, then sends one payload at a time and
//! waits for one reply line. A server that does not answer within
//! `--timeout` seconds is reported as "no reply in N s" (a frozen Python
//! server looks like this), and the next payload goes on a new connection,
//! so that a late reply is never taken for the answer to the next line.
//!
//! The list is SECURITY.md's own table (compiled in), so the demonstration
//! always sends exactly what the document and its test talk about.
//! Replies are printed with control characters escaped: a hostile server
//! must not be able to write escape sequences to your terminal either.

#[path = "../tests/support/payload_table.rs"]
#[allow(dead_code)]
mod payload_table;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use payload_table::Row;

const SECURITY_MD: &str = include_str!("../SECURITY.md");

/// The longest reply line read; the rest of a longer one is skipped.
const MAX_REPLY_BYTES: usize = 1 << 20;

struct Options {
    addr: String,
    timeout: Duration,
    rows: Option<Vec<usize>>,
    width: usize,
    print: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: payloads [--addr HOST:PORT] [--timeout SECS] [--rows 1-5,9] [--width N] [--print]\n\
         \n\
         --addr     the line server (default 127.0.0.1:7878, safecalc's default)\n\
         --timeout  seconds to wait for each reply and for the greeting (default 5)\n\
         --rows     which rows of SECURITY.md's payload table to send (default all)\n\
         --width    clip printed replies to this many characters (default 160)\n\
         --print    print the payload lines instead of sending them (for nc)"
    );
    std::process::exit(2)
}

fn parse_options() -> Options {
    let mut options = Options {
        addr: "127.0.0.1:7878".into(),
        timeout: Duration::from_secs(5),
        rows: None,
        width: 160,
        print: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--addr" => options.addr = value(),
            "--timeout" => {
                let secs: f64 = value().parse().unwrap_or_else(|_| usage());
                options.timeout = Duration::from_secs_f64(secs.max(0.1));
            }
            "--rows" => options.rows = Some(parse_ranges(&value()).unwrap_or_else(|| usage())),
            "--width" => options.width = value().parse().unwrap_or_else(|_| usage()),
            "--print" => options.print = true,
            _ => usage(),
        }
    }
    options
}

/// `1-3,7` → `[1, 2, 3, 7]`.
fn parse_ranges(text: &str) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((a, b)) => out.extend(a.trim().parse::<usize>().ok()?..=b.trim().parse().ok()?),
            None => out.push(part.trim().parse().ok()?),
        }
    }
    Some(out)
}

/// What became of one attempt to read a line.
enum Reply {
    Line(String),
    /// The first [`MAX_REPLY_BYTES`] of a longer line.
    TooLong(String),
    TimedOut,
    Closed,
    Failed(std::io::Error),
}

/// A connection to the server, with the greeting already read.
struct Connection {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Connection {
    fn open(addr: SocketAddr, timeout: Duration, width: usize) -> std::io::Result<Connection> {
        let stream = TcpStream::connect_timeout(&addr, timeout)?;
        stream.set_write_timeout(Some(timeout))?;
        stream.set_nodelay(true)?;
        let mut connection = Connection {
            writer: stream.try_clone()?,
            reader: BufReader::new(stream),
        };
        match connection.read_line(timeout) {
            Reply::Line(greeting) | Reply::TooLong(greeting) => {
                println!("   greeting: {}", clip(&greeting, width));
            }
            Reply::TimedOut => println!("   no greeting in {} s", secs(timeout)),
            Reply::Closed => println!("   closed by the server before any greeting"),
            Reply::Failed(e) => return Err(e),
        }
        Ok(connection)
    }

    /// Reads one line, waiting at most `timeout` in all.
    fn read_line(&mut self, timeout: Duration) -> Reply {
        let deadline = Instant::now() + timeout;
        let mut line = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Reply::TimedOut;
            }
            if let Err(e) = self.reader.get_ref().set_read_timeout(Some(left)) {
                return Reply::Failed(e);
            }
            let room = (MAX_REPLY_BYTES + 1).saturating_sub(line.len()) as u64;
            match self.reader.by_ref().take(room).read_until(b'\n', &mut line) {
                Ok(0) if line.is_empty() => return Reply::Closed,
                // The end of the stream after a partial line.
                Ok(0) => return Reply::Line(text_of(&line)),
                Ok(_) if line.ends_with(b"\n") => return Reply::Line(text_of(&line)),
                Ok(_) if line.len() > MAX_REPLY_BYTES => return Reply::TooLong(text_of(&line)),
                Ok(_) => continue,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Reply::TimedOut;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Reply::Failed(e),
            }
        }
    }
}

/// A reply line as text, without its line ending.
fn text_of(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.trim_end_matches(['\r', '\n']).to_string()
}

fn secs(d: Duration) -> String {
    format!("{}", d.as_secs_f64())
}

/// Escapes control characters (so a reply cannot drive the terminal) and
/// clips to `width` characters.
fn clip(text: &str, width: usize) -> String {
    let mut out = String::new();
    let total = text.chars().count();
    for (i, c) in text.chars().enumerate() {
        if i == width {
            out.push_str(&format!("... [{total} chars]"));
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn describe(row: &Row, width: usize) -> String {
    if row.shown == row.payload {
        clip(&row.payload, width)
    } else {
        format!("{} ({} bytes)", row.shown, row.payload.len())
    }
}

fn main() {
    let options = parse_options();
    let table = match payload_table::parse(SECURITY_MD) {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("payloads: cannot read SECURITY.md's table: {e}");
            std::process::exit(1);
        }
    };
    let rows: Vec<&Row> = match &options.rows {
        None => table.iter().collect(),
        Some(numbers) => numbers
            .iter()
            .map(|n| {
                table.get(n.wrapping_sub(1)).unwrap_or_else(|| {
                    eprintln!("payloads: no row {n} (the table has {})", table.len());
                    std::process::exit(2)
                })
            })
            .collect(),
    };

    if options.print {
        for row in rows {
            println!("{}", row.payload);
        }
        return;
    }

    let addr = match options.addr.to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(addr)) => addr,
        _ => {
            eprintln!("payloads: cannot resolve {}", options.addr);
            std::process::exit(2);
        }
    };
    let plural = if rows.len() == 1 { "" } else { "s" };
    println!(
        "server {addr}, {} payload{plural}, {} s per reply",
        rows.len(),
        secs(options.timeout)
    );

    let mut connection: Option<Connection> = None;
    for row in rows {
        println!("#{:<2} {}", row.number, describe(row, options.width));
        if connection.is_none() {
            match Connection::open(addr, options.timeout, options.width) {
                Ok(c) => connection = Some(c),
                Err(e) => {
                    println!("   cannot connect: {e}");
                    continue;
                }
            }
        }
        let conn = connection.as_mut().expect("connected above");
        let started = Instant::now();
        // One write for the line and its end, so that Nagle's algorithm
        // does not hold the newline back until the payload is acknowledged.
        let sent = conn
            .writer
            .write_all(format!("{}\n", row.payload).as_bytes());
        if let Err(e) = sent {
            println!("   send failed: {e}");
            connection = None;
            continue;
        }
        let reply = conn.read_line(options.timeout);
        let elapsed = started.elapsed();
        match reply {
            Reply::Line(line) => {
                let same = if line == row.safecalc {
                    "  [= SECURITY.md]"
                } else {
                    ""
                };
                println!(
                    "   -> {}  ({:.1?}){same}",
                    clip(&line, options.width),
                    elapsed
                );
            }
            Reply::TooLong(start) => {
                // The rest of the line is still coming: start afresh.
                let (shown, max) = (clip(&start, options.width), MAX_REPLY_BYTES);
                println!("   -> {shown}  (more than {max} bytes; {elapsed:.1?})");
                connection = None;
            }
            Reply::TimedOut => {
                println!("   -> no reply in {} s", secs(options.timeout));
                connection = None;
            }
            Reply::Closed => {
                println!("   -> connection closed by the server ({elapsed:.1?})");
                connection = None;
            }
            Reply::Failed(e) => {
                println!("   -> error reading the reply: {e}");
                connection = None;
            }
        }
    }
}
