//! safecalc: a safe, Python-`eval`-compatible calculator, as a library and as
//! a line-oriented network service.
//!
//! The crate has two halves, and the folder names say which is which:
//!
//! * [`calc`] is the evaluator: it parses and evaluates one line of Python
//!   arithmetic (`2**100`, `1/3`, `x = sqrt(2)`) with limits that make every
//!   evaluation cheap, whatever the input. It knows nothing about networks.
//! * [`server`] is the service: a tokio TCP server that speaks a line protocol
//!   to `telnet` and `nc` (see `docs/PROTOCOL.md`), with one calculator
//!   session per connection. It depends on [`calc`], never the other way.
//!
//! The `safecalc` binary is a thin wrapper: it parses flags and calls
//! [`server::Server`] (or [`calc::eval`] for `safecalc eval EXPR`).
//!
//! Around them, for people at a terminal: [`client`] is `safecalc
//! connect` (a line client for the service, over TCP or TLS) and the local
//! REPL of `safecalc eval`; [`certificate`] makes the self-signed pair of
//! `safecalc cert`, to try the TLS listener.
#![forbid(unsafe_code)]

pub mod calc;
pub mod certificate;
pub mod client;
/// The shared bodies of the fuzz targets in `fuzz/` and of their regression
/// tests (`tests/fuzz_regressions.rs`): each takes arbitrary bytes and
/// panics when a property is violated.
pub mod fuzzing;
pub mod server;
mod spare;

/// The README, compiled by `cargo test` (as doctests) so that its library
/// example stays true. Only doctests see it: rustdoc would check the
/// README's links against the crate, which they are not written for.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The TCP port the service listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 7878;

/// The address the service listens on unless told otherwise: loopback only,
/// so that starting it never exposes a port to the network by accident.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7878";
