//! Server-wide counters, shown by `/stats`.
//!
//! Every connection task updates them, so they are plain atomics rather than
//! a lock: an increment never waits, and no lock can ever be held across an
//! `.await`. The counters are independent of each other, so `Relaxed`
//! ordering suffices; a `/stats` line is a snapshot that may be a few
//! requests out of date, which is all a human reading it needs.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Counters shared by the listener and every connection.
#[derive(Debug)]
pub struct Stats {
    started: Instant,
    open: AtomicU64,
    total: AtomicU64,
    requests: AtomicU64,
    errors: AtomicU64,
    cpu_pauses: AtomicU64,
}

impl Default for Stats {
    fn default() -> Self {
        Stats::new()
    }
}

impl Stats {
    /// Fresh counters; uptime counts from now.
    pub fn new() -> Stats {
        Stats {
            started: Instant::now(),
            open: AtomicU64::new(0),
            total: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            cpu_pauses: AtomicU64::new(0),
        }
    }

    /// Counts a new connection as open until the returned guard is dropped.
    /// Tying the count to a guard held by the connection task means the
    /// count also goes down when that task ends by an error or a panic.
    pub fn connection_opened(self: &Arc<Self>) -> ConnectionGuard {
        self.open.fetch_add(1, Ordering::Relaxed);
        self.total.fetch_add(1, Ordering::Relaxed);
        ConnectionGuard(Arc::clone(self))
    }

    /// Counts one request (a non-blank line or a framing error).
    pub fn record_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one `error: ...` reply.
    pub fn record_error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one pause of a connection that went over its CPU share (see
    /// [`cpu_share`](super::cpu_share)).
    pub fn record_cpu_pause(&self) {
        self.cpu_pauses.fetch_add(1, Ordering::Relaxed);
    }

    /// The number of connections open right now.
    pub fn open_connections(&self) -> u64 {
        self.open.load(Ordering::Relaxed)
    }

    /// A copy of all counters.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            open: self.open.load(Ordering::Relaxed),
            total: self.total.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            cpu_pauses: self.cpu_pauses.load(Ordering::Relaxed),
            uptime: self.started.elapsed(),
        }
    }
}

/// Keeps one connection counted as open; see [`Stats::connection_opened`].
#[derive(Debug)]
pub struct ConnectionGuard(Arc<Stats>);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The counters at one moment. Its `Display` is the `/stats` reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    /// Connections open now.
    pub open: u64,
    /// Connections accepted since start (not counting refused ones).
    pub total: u64,
    /// Requests served since start.
    pub requests: u64,
    /// Error replies sent since start.
    pub errors: u64,
    /// Times a connection was paused for using more than its CPU share.
    pub cpu_pauses: u64,
    /// Time since start.
    pub uptime: Duration,
}

impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.uptime.as_secs();
        write!(
            f,
            "connections: {} now, {} total; requests: {}; errors: {}; cpu pauses: {}; \
             uptime: {}h{:02}m{:02}s",
            self.open,
            self.total,
            self.requests,
            self.errors,
            self.cpu_pauses,
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_counts_open_connections() {
        let stats = Arc::new(Stats::new());
        let a = stats.connection_opened();
        let b = stats.connection_opened();
        assert_eq!(stats.open_connections(), 2);
        drop(a);
        assert_eq!(stats.open_connections(), 1);
        drop(b);
        let snap = stats.snapshot();
        assert_eq!((snap.open, snap.total), (0, 2));
    }

    #[test]
    fn display_is_one_line() {
        let snap = Snapshot {
            open: 3,
            total: 17,
            requests: 120,
            errors: 4,
            cpu_pauses: 5,
            uptime: Duration::from_secs(3 * 3600 + 62),
        };
        assert_eq!(
            snap.to_string(),
            "connections: 3 now, 17 total; requests: 120; errors: 4; cpu pauses: 5; \
             uptime: 3h01m02s"
        );
    }
}
