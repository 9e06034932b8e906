//! The per-member flood limit: a token bucket.
//!
//! A bucket holds up to `burst` tokens and refills at `rate` tokens per
//! second; each chat action that reaches other people (a message, `/me`,
//! `/all`, `/msg`, a shared `/calc`, a nick change, a room change) takes one.
//! An empty bucket means `error: slow down` and the action is dropped. With
//! `burst` = five seconds' worth of `rate`, this is IRC's flood control
//! (RFC 1459 §8.10: a message every 2 s sustained, a burst of about 5) with
//! the rate as a parameter.
//!
//! The bucket reads no clock itself: callers pass `now`, so tests can drive
//! it with made-up instants.

use std::time::Instant;

/// How many seconds' worth of the rate the bucket holds.
pub const BURST_SECONDS: u32 = 5;

/// A token bucket (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket refilling at `rate` tokens per second and holding
    /// [`BURST_SECONDS`] × `rate` tokens; `None` when `rate` is 0 (no limit).
    pub fn per_second(rate: u32, now: Instant) -> Option<TokenBucket> {
        if rate == 0 {
            return None;
        }
        let burst = f64::from(rate) * f64::from(BURST_SECONDS);
        Some(TokenBucket {
            rate: f64::from(rate),
            burst,
            tokens: burst,
            last: now,
        })
    }

    /// Takes a token if there is one. A clock that went backwards counts as
    /// no time passing.
    pub fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = self.last.max(now);
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn zero_means_unlimited() {
        assert!(TokenBucket::per_second(0, Instant::now()).is_none());
    }

    #[test]
    fn burst_then_rate() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::per_second(2, t0).unwrap();
        for i in 0..10 {
            assert!(bucket.try_take(t0), "burst token {i}");
        }
        assert!(!bucket.try_take(t0), "burst spent");
        // Half a second buys one token at 2 per second.
        let t1 = t0 + Duration::from_millis(500);
        assert!(bucket.try_take(t1));
        assert!(!bucket.try_take(t1));
        // A long pause refills only up to the burst.
        let t2 = t1 + Duration::from_secs(3600);
        let taken = (0..100).filter(|_| bucket.try_take(t2)).count();
        assert_eq!(taken, 10);
    }

    #[test]
    fn sustained_rate_is_the_rate() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::per_second(1, t0).unwrap();
        let mut taken = 0;
        // 100 tries a second for 60 seconds: the burst plus one a second.
        for step in 0..6000u64 {
            if bucket.try_take(t0 + Duration::from_millis(step * 10)) {
                taken += 1;
            }
        }
        assert!((64..=66).contains(&taken), "{taken}");
    }

    #[test]
    fn clock_going_backwards_is_harmless() {
        let t0 = Instant::now() + Duration::from_secs(10);
        let mut bucket = TokenBucket::per_second(1, t0).unwrap();
        for _ in 0..5 {
            assert!(bucket.try_take(t0));
        }
        assert!(!bucket.try_take(t0 - Duration::from_secs(5)));
    }
}
