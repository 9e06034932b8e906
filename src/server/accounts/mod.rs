//! Accounts: password hashing and checking, the pool that bounds it, the
//! plaintext-password policy, and login throttling ([`throttle`]).
//!
//! This module knows nothing of sessions or of the store's backends; the
//! account commands (`super::account_commands`) use it together with the
//! store.
//!
//! # Hashing
//!
//! Passwords are hashed with argon2id with OWASP's parameters (19 MiB of
//! memory, 2 iterations, parallelism 1) and a random salt, and stored as
//! the PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), which
//! carries its own parameters, so they can be raised later without
//! invalidating old hashes. One hash takes tens of milliseconds of CPU and
//! 19 MiB by design; so:
//!
//! * hashing runs on tokio's blocking pool, never on an event loop, at the
//!   lowest priority (like heavy calculator lines: `cpu_share`), so a
//!   flood of logins slows logins, not the chat;
//! * at most [`Accounts::parallel`] hashes (the number of cores) run at
//!   once, behind a semaphore, and at most [`QUEUE_PER_CORE`] per core
//!   more wait for a turn; an attempt beyond that is refused at once with
//!   `error: server busy, try again` ([`AccountError::Busy`]), so memory
//!   never piles up (each running hash holds 19 MiB, each waiting one a
//!   password of at most 128 bytes);
//! * a login for a name that has no account is checked against a dummy
//!   hash with the same parameters, so it costs the same time and the
//!   answer (`wrong name or password`) does not tell which was wrong;
//! * the 19 MiB a hash works in are kept for the next hash (one buffer per
//!   core at most) instead of being allocated and freed each time: freed,
//!   the allocator kept them anyway, in a different arena for each thread
//!   that had hashed, and a flood of logins grew the server by 120 MB
//!   (`tests/server_login_flood.rs`); kept, hashing holds at most 19 MiB
//!   per core, for good.
//!
//! # Passwords in memory
//!
//! A password is a [`Secret`]: moved, never copied, from the line that
//! carried it to the hashing job, overwritten with zeros when dropped, and
//! never printed (its `Debug` says `Secret(..)`).

pub mod throttle;

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use argon2::password_hash::phc::{Output, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use thiserror::Error;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::chat::ChatError;
use super::session::Peer;
use super::store::StoreError;

/// Shortest password accepted, in bytes.
pub const MIN_PASSWORD_BYTES: usize = 8;
/// Longest password accepted, in bytes (checked before hashing).
pub const MAX_PASSWORD_BYTES: usize = 128;
/// Hashes that may wait for a turn, per core, before attempts are refused.
pub const QUEUE_PER_CORE: usize = 8;

/// How expensive a hash is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashCost {
    /// OWASP's argon2id parameters: 19 MiB, 2 iterations, parallelism 1.
    Owasp,
    /// The least argon2 allows (8 KiB, 1 iteration): for tests and fuzzing
    /// only, where thousands of hashes must be cheap.
    Minimal,
}

impl HashCost {
    fn params(self) -> Params {
        let built = match self {
            HashCost::Owasp => Params::new(19 * 1024, 2, 1, None),
            HashCost::Minimal => Params::new(Params::MIN_M_COST, 1, 1, None),
        };
        built.unwrap_or(Params::DEFAULT)
    }
}

/// Account settings (part of the server's `Config`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountsConfig {
    /// Take passwords from any client, not only from loopback or TLS ones.
    pub allow_plaintext_passwords: bool,
    pub hash_cost: HashCost,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        AccountsConfig {
            allow_plaintext_passwords: false,
            hash_cost: HashCost::Owasp,
        }
    }
}

/// An account command that cannot be done. The `Display` is the line the
/// user gets after `error: `.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccountError {
    #[error("passwords are refused on an unencrypted connection; connect with TLS")]
    PlaintextRefused,
    #[error("server busy, try again")]
    Busy,
    #[error("passwords are {MIN_PASSWORD_BYTES} to {MAX_PASSWORD_BYTES} bytes")]
    PasswordLength,
    #[error("wrong name or password")]
    WrongNameOrPassword,
    #[error("wrong password")]
    WrongPassword,
    #[error("usage: {0}")]
    Usage(&'static str),
    #[error("the name {0} is already registered")]
    Exists(String),
    #[error("names starting with guest- are for guests")]
    GuestName,
    #[error("not logged in (try /login NAME)")]
    NotLoggedIn,
    #[error("you are logged in as {0} (/logout first)")]
    LoggedIn(String),
    #[error("too many failed logins; try again in {0} s")]
    Throttled(u64),
    #[error("cancelled")]
    Cancelled,
    #[error("the password could not be hashed; try again")]
    Hashing,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Chat(#[from] ChatError),
}

/// A password, from the line that carried it to the hash that checks it.
pub struct Secret(String);

impl Secret {
    pub fn new(text: String) -> Secret {
        Secret(text)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks the length rule.
    pub fn check_length(&self) -> Result<(), AccountError> {
        if (MIN_PASSWORD_BYTES..=MAX_PASSWORD_BYTES).contains(&self.0.len()) {
            Ok(())
        } else {
            Err(AccountError::PasswordLength)
        }
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        bytes.fill(0);
        // Keeps the zeroing from being optimised away as a dead store.
        std::hint::black_box(&bytes);
    }
}

/// A place in the hashing queue (see the [module docs](self)); the hash
/// may run once [`Self::turn`] has given it a core.
#[derive(Debug)]
pub struct Admission {
    _queued: OwnedSemaphorePermit,
    running: Arc<Semaphore>,
}

impl Admission {
    /// Waits for a core; hold the permit while the hash runs.
    pub async fn turn(self) -> Turn {
        let running = Arc::clone(&self.running).acquire_owned().await.ok();
        Turn {
            _running: running,
            _queued: self,
        }
    }
}

/// A running hash's permits.
#[derive(Debug)]
pub struct Turn {
    _running: Option<OwnedSemaphorePermit>,
    _queued: Admission,
}

/// The accounts service: one per server, shared by every session.
#[derive(Debug)]
pub struct Accounts {
    config: AccountsConfig,
    params: Params,
    parallel: usize,
    queued: Arc<Semaphore>,
    running: Arc<Semaphore>,
    /// A hash of no one's password, for logins to names with no account.
    dummy: OnceLock<String>,
    /// Work memory of finished hashes, for the next ones (at most
    /// `parallel` buffers).
    memory: Mutex<Vec<Vec<Block>>>,
}

impl Accounts {
    /// The service, with as many hashes at once as the machine has cores.
    pub fn new(config: AccountsConfig) -> Accounts {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Accounts {
            config,
            params: config.hash_cost.params(),
            parallel: cores,
            queued: Arc::new(Semaphore::new(cores * (1 + QUEUE_PER_CORE))),
            running: Arc::new(Semaphore::new(cores)),
            dummy: OnceLock::new(),
            memory: Mutex::new(Vec::new()),
        }
    }

    /// Hashes that run at once.
    pub fn parallel(&self) -> usize {
        self.parallel
    }

    /// Whether `peer` may send a password: it is on this machine, or the
    /// connection is encrypted, or the server allows plaintext passwords.
    pub fn password_allowed(&self, peer: Peer) -> Result<(), AccountError> {
        if peer.is_loopback() || peer.encrypted || peer.addr.is_none() {
            return Ok(());
        }
        if self.config.allow_plaintext_passwords {
            Ok(())
        } else {
            Err(AccountError::PlaintextRefused)
        }
    }

    /// A place in the hashing queue, or [`AccountError::Busy`].
    pub fn admit(&self) -> Result<Admission, AccountError> {
        let queued = Arc::clone(&self.queued)
            .try_acquire_owned()
            .map_err(|_| AccountError::Busy)?;
        Ok(Admission {
            _queued: queued,
            running: Arc::clone(&self.running),
        })
    }

    /// Hashes `password` (with a fresh random salt) into a PHC string.
    /// Slow: run it on the blocking pool.
    pub fn hash(&self, password: Secret) -> Result<String, AccountError> {
        let salt = argon2::password_hash::try_generate_salt().map_err(|_| AccountError::Hashing)?;
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        self.compute(&self.params, password.bytes(), &salt, &mut out)
            .ok_or(AccountError::Hashing)?;
        let phc = PasswordHash {
            algorithm: argon2::ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: (&self.params)
                .try_into()
                .map_err(|_| AccountError::Hashing)?,
            salt: Some(Salt::new(&salt).map_err(|_| AccountError::Hashing)?),
            hash: Some(Output::new(&out).map_err(|_| AccountError::Hashing)?),
        };
        Ok(phc.to_string())
    }

    /// Whether `password` matches `phc`; with `None` (no such account) the
    /// same work is done against a dummy hash, and the answer is `false`.
    /// A PHC string that is not an argon2id one never matches. Slow: run it
    /// on the blocking pool.
    pub fn verify(&self, password: &Secret, phc: Option<&str>) -> bool {
        let target = match phc {
            Some(phc) => phc,
            None => self.dummy.get_or_init(|| {
                self.hash(Secret::new("no one's password".into()))
                    .unwrap_or_default()
            }),
        };
        let matched = self.matches(password, target).unwrap_or(false);
        matched && phc.is_some()
    }

    /// Recomputes the hash `phc` describes for `password` and compares.
    fn matches(&self, password: &Secret, phc: &str) -> Option<bool> {
        let hash = PasswordHash::new(phc).ok()?;
        if hash.algorithm != argon2::ARGON2ID_IDENT {
            return None;
        }
        let params = Params::try_from(&hash).ok()?;
        let salt = hash.salt.as_ref()?;
        let expected = hash.hash.as_ref()?.as_bytes();
        let mut out = vec![0u8; expected.len()];
        self.compute(&params, password.bytes(), salt.as_ref(), &mut out)?;
        // Every byte compared, whatever differs first.
        let difference = out
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        Some(difference == 0)
    }

    /// argon2id of `password` with `params` and `salt` into `out`, in a
    /// kept buffer (see the [module docs](self)).
    fn compute(&self, params: &Params, password: &[u8], salt: &[u8], out: &mut [u8]) -> Option<()> {
        let blocks = params.block_count();
        let spare = {
            let mut kept = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
            kept.iter()
                .position(|buffer| buffer.len() == blocks)
                .map(|at| kept.swap_remove(at))
        };
        let mut memory = spare.unwrap_or_else(|| vec![Block::new(); blocks]);
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let done = argon
            .hash_password_into_with_memory(password, salt, out, &mut memory[..])
            .ok();
        let mut kept = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() < self.parallel {
            kept.push(memory);
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> Accounts {
        Accounts::new(AccountsConfig {
            allow_plaintext_passwords: false,
            hash_cost: HashCost::Minimal,
        })
    }

    #[test]
    fn hashes_are_salted_phc_strings_that_verify() {
        let accounts = minimal();
        let a = accounts.hash(Secret::new("correct horse".into())).unwrap();
        let b = accounts.hash(Secret::new("correct horse".into())).unwrap();
        assert!(a.starts_with("$argon2id$v=19$"), "{a}");
        assert_ne!(a, b, "salted");
        assert!(accounts.verify(&Secret::new("correct horse".into()), Some(&a)));
        assert!(!accounts.verify(&Secret::new("wrong horse".into()), Some(&a)));
        assert!(!accounts.verify(&Secret::new("correct horse".into()), None));
        assert!(!accounts.verify(&Secret::new("x".into()), Some("not a hash")));
    }

    #[test]
    fn hashes_agree_with_the_argon2_crates_own() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let accounts = minimal();
        let ours = accounts.hash(Secret::new("interop pass".into())).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"interop pass", ours.as_str())
                .is_ok()
        );
        let theirs = Argon2::from(HashCost::Minimal.params())
            .hash_password(b"interop pass")
            .unwrap()
            .to_string();
        // Twice: the second check runs in the kept, dirty buffer.
        for _ in 0..2 {
            assert!(accounts.verify(&Secret::new("interop pass".into()), Some(&theirs)));
            assert!(!accounts.verify(&Secret::new("interop pasS".into()), Some(&theirs)));
        }
    }

    #[test]
    fn owasp_parameters_are_in_the_phc_string() {
        let phc = Accounts::new(AccountsConfig::default())
            .hash(Secret::new("password1".into()))
            .unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    }

    #[test]
    fn lengths_and_debug() {
        assert!(Secret::new("1234567".into()).check_length().is_err());
        assert!(Secret::new("12345678".into()).check_length().is_ok());
        assert!(Secret::new("x".repeat(129)).check_length().is_err());
        assert_eq!(
            format!("{:?}", Secret::new("hunter22".into())),
            "Secret(..)"
        );
    }

    #[test]
    fn the_queue_is_bounded() {
        let accounts = minimal();
        let mut held = Vec::new();
        while let Ok(admission) = accounts.admit() {
            held.push(admission);
            assert!(held.len() <= accounts.parallel() * (1 + QUEUE_PER_CORE));
        }
        assert_eq!(accounts.admit().unwrap_err(), AccountError::Busy);
        held.pop();
        assert!(accounts.admit().is_ok());
    }

    #[test]
    fn plaintext_policy() {
        let accounts = minimal();
        let remote = Peer::plain("192.0.2.1:5000".parse().unwrap());
        let local = Peer::plain("127.0.0.1:5000".parse().unwrap());
        assert_eq!(
            accounts.password_allowed(remote),
            Err(AccountError::PlaintextRefused)
        );
        assert!(accounts.password_allowed(local).is_ok());
        let tls = Peer {
            encrypted: true,
            ..remote
        };
        assert!(accounts.password_allowed(tls).is_ok());
        let lax = Accounts::new(AccountsConfig {
            allow_plaintext_passwords: true,
            hash_cost: HashCost::Minimal,
        });
        assert!(lax.password_allowed(remote).is_ok());
    }
}
