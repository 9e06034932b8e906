//! The limits that keep every evaluation small.
//!
//! Python's `eval()` will happily compute `9**9**9**9` until the machine
//! gives up; safecalc decides *before* computing whether a result could
//! exceed these limits, so a hostile line costs microseconds, not minutes.

/// Bounds on one evaluation. The defaults suit a public network service;
/// a library user may loosen or tighten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of parentheses, unary signs, `**` chains and calls.
    /// CPython 3.11 refuses 200 nested parentheses; the default, 200,
    /// allows one level more. Measured by `examples/stackprobe.rs`, a level
    /// costs at most about 1.5 KiB of stack in release builds (9.3 KiB
    /// unoptimised), so even the worst nesting stays inside a 2 MiB thread
    /// stack (tokio's default, and the test harness's).
    pub max_depth: usize,
    /// Largest integer, in decimal digits. 4,300 is CPython 3.11's own limit
    /// on int/str conversion (CVE-2020-10735).
    pub max_int_digits: usize,
    /// Work budget for one evaluation, in units of about a quarter of a
    /// nanosecond (one word-by-word multiply-add of a big product). The
    /// default lets `factorial(1558)` (4,300 digits, the largest allowed)
    /// or a dozen 4,000-digit powers through, and keeps the slowest 4 KiB
    /// line we could construct (see `examples/worst_lines.rs`) under a
    /// millisecond.
    pub max_work: u64,
    /// Longest accepted input, in bytes.
    pub max_input_bytes: usize,
    /// Most variables one session may hold, which bounds its memory.
    pub max_variables: usize,
}

impl Limits {
    /// The defaults used by [`crate::calc::eval`] and the server.
    pub const DEFAULT: Limits = Limits {
        max_depth: 200,
        max_int_digits: 4300,
        max_work: 1_000_000,
        max_input_bytes: 65_536,
        max_variables: 256,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
