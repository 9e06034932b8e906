//! The interactive side of safecalc: a client for the service and a local
//! calculator, both with line editing and history (rustyline).
//!
//! * [`connect`]: `safecalc connect [HOST:PORT]`, the network client,
//!   over TCP or TLS, interactive on a terminal and like `nc` otherwise;
//! * [`repl`]: `safecalc eval` with no expression, the calculator on this
//!   machine, through the same [`calc::Session`](crate::calc::Session) the
//!   server gives each connection;
//! * [`telnet`]: the client's half of telnet (stripping sequences, and
//!   hiding a password line when the server asks);
//! * [`tls`]: whom the client trusts;
//! * `editor`: the rustyline setup both share.
//!
//! Nothing here is used by the server; it uses the server's TLS provider
//! and text cleaning, and the calculator.

pub mod connect;
mod editor;
pub mod repl;
pub mod telnet;
pub mod tls;

pub use connect::{ConnectError, ConnectOptions};
pub use editor::history_path;
