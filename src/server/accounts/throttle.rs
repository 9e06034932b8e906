//! Login throttling: after [`FREE_FAILURES`] failed logins within
//! [`WINDOW`] for one account or one client address, each further attempt
//! for it waits first, and longer after each further failure: 1 s, 2 s,
//! 4 s, ... up to [`MAX_PENALTY`]. A success clears the account's count.
//!
//! An attempt that would have to wait more than [`MAX_WAIT`] is refused at
//! once instead (`error: too many failed logins; try again in N s`), so a
//! flood of attempts never holds connections for long; a waiting attempt
//! costs a sleeping task and no hashing.
//!
//! This is the state the local stores keep in memory ([`Throttles`]);
//! a distributed store keeps the same counters in shared keys, so that an
//! attacker cannot multiply their tries by the number of instances. Like
//! the chat's flood limit, it reads no clock: callers pass `now`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::server::store::ThrottleKey;

/// Failures allowed within [`WINDOW`] before attempts must wait.
pub const FREE_FAILURES: u32 = 3;

/// How long a failure counts.
pub const WINDOW: Duration = Duration::from_secs(60);

/// The longest wait after one failure.
pub const MAX_PENALTY: Duration = Duration::from_secs(60);

/// The longest an attempt waits before it is refused instead.
pub const MAX_WAIT: Duration = Duration::from_secs(10);

/// Keys tracked at most; past it, the oldest quiet ones are dropped, so a
/// flood from many addresses cannot grow memory without bound.
pub const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: Instant,
    not_before: Instant,
}

/// Failed-login counters per key (see the [module docs](self)).
#[derive(Debug, Default)]
pub struct Throttles {
    entries: HashMap<ThrottleKey, Entry>,
}

impl Throttles {
    /// How long an attempt for `keys` must wait at `now`.
    pub fn wait(&mut self, keys: &[ThrottleKey], now: Instant) -> Duration {
        keys.iter()
            .filter_map(|key| self.live(key, now))
            .map(|entry| entry.not_before.saturating_duration_since(now))
            .max()
            .unwrap_or(Duration::ZERO)
    }

    /// Counts a failure against each key at `now`.
    pub fn failure(&mut self, keys: &[ThrottleKey], now: Instant) {
        if self.entries.len() >= MAX_KEYS {
            self.entries
                .retain(|_, e| now < e.not_before || now < e.last_failure + WINDOW);
        }
        for key in keys {
            if self.entries.len() >= MAX_KEYS && !self.entries.contains_key(key) {
                continue;
            }
            let fresh = Entry {
                failures: 0,
                last_failure: now,
                not_before: now,
            };
            let previous = self.live(key, now).unwrap_or(fresh);
            let failures = previous.failures.saturating_add(1);
            let not_before = if failures > FREE_FAILURES {
                let doublings = (failures - FREE_FAILURES - 1).min(16);
                let penalty = Duration::from_secs(1u64 << doublings).min(MAX_PENALTY);
                previous.not_before.max(now) + penalty
            } else {
                now
            };
            self.entries.insert(
                key.clone(),
                Entry {
                    failures,
                    last_failure: now,
                    not_before,
                },
            );
        }
    }

    /// Clears the account keys among `keys` (an address keeps its count:
    /// one user's success says nothing about the others behind it).
    pub fn success(&mut self, keys: &[ThrottleKey]) {
        for key in keys {
            if matches!(key, ThrottleKey::Account(_)) {
                self.entries.remove(key);
            }
        }
    }

    /// The key's entry, unless it has expired (then it is dropped).
    fn live(&mut self, key: &ThrottleKey, now: Instant) -> Option<Entry> {
        let entry = *self.entries.get(key)?;
        if now >= entry.not_before && now >= entry.last_failure + WINDOW {
            self.entries.remove(key);
            return None;
        }
        Some(entry)
    }

    /// Keys tracked now.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The throttle key of a client address: IPv4 as it is, IPv6 by its /64
/// (an IPv4-mapped address as its IPv4).
pub fn address_key(ip: IpAddr) -> ThrottleKey {
    let ip = match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
        },
        v4 => v4,
    };
    ThrottleKey::Address(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Vec<ThrottleKey> {
        vec![
            ThrottleKey::Account("alice".into()),
            address_key("10.0.0.1".parse().unwrap()),
        ]
    }

    #[test]
    fn three_free_failures_then_waits_that_double() {
        let t0 = Instant::now();
        let mut t = Throttles::default();
        let keys = alice();
        for _ in 0..3 {
            assert_eq!(t.wait(&keys, t0), Duration::ZERO);
            t.failure(&keys, t0);
        }
        assert_eq!(t.wait(&keys, t0), Duration::ZERO);
        t.failure(&keys, t0);
        assert_eq!(t.wait(&keys, t0), Duration::from_secs(1));
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(t.wait(&keys, t1), Duration::ZERO);
        t.failure(&keys, t1);
        assert_eq!(t.wait(&keys, t1), Duration::from_secs(2));
        // A success clears the account but not the address.
        t.success(&keys);
        assert_eq!(t.wait(&keys[..1], t1), Duration::ZERO);
        assert_eq!(t.wait(&keys, t1), Duration::from_secs(2));
    }

    #[test]
    fn counts_expire_after_the_window() {
        let t0 = Instant::now();
        let mut t = Throttles::default();
        let keys = alice();
        for _ in 0..3 {
            t.failure(&keys, t0);
        }
        let later = t0 + WINDOW;
        t.failure(&keys, later);
        assert_eq!(t.wait(&keys, later), Duration::ZERO, "a fresh count");
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn the_penalty_is_capped_and_memory_bounded() {
        let t0 = Instant::now();
        let mut t = Throttles::default();
        let keys = alice();
        for _ in 0..40 {
            t.failure(&keys, t0);
        }
        assert!(t.wait(&keys, t0) > MAX_WAIT);
        for i in 0..(MAX_KEYS as u32 + 10) {
            t.failure(&[address_key(IpAddr::from(i.to_be_bytes()))], t0);
        }
        assert!(t.len() <= MAX_KEYS);
    }

    #[test]
    fn ipv6_counts_by_its_64() {
        let a = address_key("2001:db8::1".parse().unwrap());
        let b = address_key("2001:db8::ffff:1".parse().unwrap());
        assert_eq!(a, b);
        let mapped = address_key("::ffff:10.0.0.1".parse().unwrap());
        assert_eq!(mapped, address_key("10.0.0.1".parse().unwrap()));
    }
}
