//! Each connection's share of the CPU.
//!
//! The calculator's limits bound one line: the slowest 4 KiB line takes
//! about half a millisecond. They do not bound how many such lines a client
//! sends: one that pipelines them without pause keeps a whole core busy, and
//! every other client served by that core waits behind it (the hostile-client
//! benchmark in BENCHMARKS.md measured that). So each connection also gets a
//! budget of CPU time, a token bucket of nanoseconds: it refills at its
//! share (`percent` ns of CPU per 100 ns), holds at most [`BURST`], and the
//! handler charges it the time its frames took. A connection that overdraws
//! it pauses (reads nothing, so its own client's lines wait in TCP) until
//! the budget is back at zero.
//!
//! People typing, and programs sending ordinary lines, never come near it:
//! handling a line like `1+2` takes about a tenth of a microsecond, and one
//! connection pipelining it at 749,000 lines/s was never paused. The burst
//! lets a client run heavy lines back to back for a while before it is
//! slowed. What it stops is one client taking more than its share for long.
//!
//! Like the chat flood limit, the bucket reads no clock: callers pass `now`
//! and the time spent, so tests drive it with made-up instants.

use std::time::{Duration, Instant};

/// How much CPU time a connection may use at once before its share applies.
pub const BURST: Duration = Duration::from_millis(100);

/// A connection's CPU budget (see the [module docs](self)).
///
/// Counted in whole nanoseconds, so that a burst spent in equal parts comes
/// out at exactly zero instead of a rounding error below it.
#[derive(Debug, Clone)]
pub struct CpuShare {
    /// Percent of a core: nanoseconds of CPU per 100 ns of wall time.
    percent: i64,
    /// Most credit held, in nanoseconds.
    burst: i64,
    /// Credit now, in nanoseconds; negative while overdrawn.
    balance: i64,
    last: Instant,
}

impl CpuShare {
    /// A full budget for `percent` % of one core; `None` for 100 % or more
    /// (no limit) and for 0.
    pub fn new(percent: u32, now: Instant) -> Option<CpuShare> {
        if percent == 0 || percent >= 100 {
            return None;
        }
        let burst = nanos(BURST);
        Some(CpuShare {
            percent: i64::from(percent),
            burst,
            balance: burst,
            last: now,
        })
    }

    /// Charges `spent` of CPU time, at `now`. Returns how long the
    /// connection must pause to be back within its share, if it must. A
    /// clock that went backwards counts as no time passing.
    pub fn charge(&mut self, spent: Duration, now: Instant) -> Option<Duration> {
        let elapsed = nanos(now.saturating_duration_since(self.last));
        self.last = self.last.max(now);
        // Saturating: the credit is capped at `burst` anyway.
        let earned = elapsed.saturating_mul(self.percent) / 100;
        self.balance = self.balance.saturating_add(earned).min(self.burst);
        self.balance = self.balance.saturating_sub(nanos(spent));
        (self.balance < 0).then(|| {
            // Rounded up, so that the pause earns back at least the debt.
            let owed = u128::from(self.balance.unsigned_abs()) * 100;
            let percent = u128::from(self.percent.unsigned_abs());
            let pause = owed.div_ceil(percent);
            Duration::from_nanos(u64::try_from(pause).unwrap_or(u64::MAX))
        })
    }
}

/// Runs `work` (a heavy line, on a thread of tokio's blocking pool) at the
/// lowest scheduling priority the operating system gives without
/// privileges (Linux: nice 19, set for the calling thread the first time).
///
/// The share above bounds how much CPU a client gets over time; this
/// decides who waits when the CPU is busy. Without it, a heavy line woken
/// on a busy machine preempts the event loop, and every client it serves
/// waits out the line (measured: the others' p99 latency at 2.3-2.6 times
/// its value without the hostile client, in the benchmark of
/// BENCHMARKS.md). The pool runs nothing else once the server is up.
pub fn in_background<T>(work: impl FnOnce() -> T) -> T {
    #[cfg(target_os = "linux")]
    {
        use std::cell::Cell;
        thread_local! {
            static LOWERED: Cell<bool> = const { Cell::new(false) };
        }
        if !LOWERED.replace(true) {
            // Best effort: at worst the line runs at normal priority.
            let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 19);
        }
    }
    work()
}

/// A duration in nanoseconds, saturating (at 292 years).
fn nanos(duration: Duration) -> i64 {
    i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn zero_and_a_whole_core_mean_no_limit() {
        let now = Instant::now();
        assert!(CpuShare::new(0, now).is_none());
        assert!(CpuShare::new(100, now).is_none());
        assert!(CpuShare::new(250, now).is_none());
    }

    #[test]
    fn the_burst_is_free_then_the_share_applies() {
        let t0 = Instant::now();
        let mut budget = CpuShare::new(10, t0).unwrap();
        // 100 ms of work at once fits the burst exactly.
        for i in 0..100 {
            assert_eq!(budget.charge(MS, t0), None, "frame {i}");
        }
        // One more millisecond overdraws by 1 ms: at 10 %, 10 ms repay it.
        let pause = budget.charge(MS, t0).unwrap();
        assert_eq!(pause, 10 * MS);
        // After the pause, the balance is back at zero: the next frame
        // pauses again for its own cost only.
        let pause = budget.charge(MS, t0 + pause).unwrap();
        assert_eq!(pause, 10 * MS);
    }

    #[test]
    fn cheap_frames_at_a_high_rate_are_never_paused() {
        let t0 = Instant::now();
        let mut budget = CpuShare::new(10, t0).unwrap();
        // 100,000 frames of 1 µs each in one second: 10 % of a core exactly.
        for i in 0..100_000u32 {
            let now = t0 + Duration::from_micros(u64::from(i) * 10);
            assert_eq!(budget.charge(Duration::from_micros(1), now), None);
        }
    }

    #[test]
    fn credit_does_not_grow_past_the_burst() {
        let t0 = Instant::now();
        let mut budget = CpuShare::new(50, t0).unwrap();
        let later = t0 + Duration::from_secs(3600);
        assert_eq!(budget.charge(BURST, later), None);
        assert!(budget.charge(MS, later).is_some());
    }

    #[test]
    fn a_clock_going_backwards_adds_nothing() {
        let t0 = Instant::now() + Duration::from_secs(10);
        let mut budget = CpuShare::new(10, t0).unwrap();
        assert_eq!(budget.charge(BURST, t0), None);
        let earlier = t0 - Duration::from_secs(5);
        assert!(budget.charge(MS, earlier).is_some());
    }
}
