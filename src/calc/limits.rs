//! The limits that keep every evaluation small, and the one option of the
//! language.
//!
//! Python's `eval()` will happily compute `9**9**9**9` until the machine
//! gives up; safecalc decides *before* computing or allocating whether a
//! result could exceed these limits, so a hostile line costs microseconds,
//! not minutes. Every new kind of value has its own bound: integers by
//! their size, sequences by their length, loops by the work budget, a
//! session by the memory its variables hold.

/// What `^` means.
///
/// Calculator users (and bc, and spreadsheets) write `2^10` for a power;
/// in Python `^` is bitwise xor. The default is the calculator's reading,
/// so that `2^10` is `1024`; [`Caret::Xor`] makes the language exactly
/// Python's, so that Python code can be pasted unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Caret {
    /// `^` is `**`: right-associative, binding tighter than unary minus on
    /// its left (`-2^2` is `-4`).
    #[default]
    Power,
    /// `^` is Python's xor, with xor's precedence (between `&` and `|`).
    Xor,
}

/// Bounds on one evaluation (and on a session), plus the meaning of `^`.
/// The defaults suit a public network service; a library user may loosen
/// or tighten them.
///
/// The option rides here rather than in a struct of its own because a
/// `Limits` is the one settings value that every session, the server's
/// configuration and every entry point already carry: a second struct
/// would have to be threaded through all of them for one flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of brackets, unary signs, `not`, `**` chains, calls,
    /// subscripts and comprehension clauses. CPython 3.11 refuses 200
    /// nested parentheses; the default, 200, allows one level more.
    /// Measured by `examples/stackprobe.rs`, a level costs at most about
    /// 1.5 KiB of stack in release builds, so even the worst nesting stays
    /// inside a 2 MiB thread stack (tokio's default, and the test
    /// harness's).
    pub max_depth: usize,
    /// Largest integer anywhere in a computation, in decimal digits,
    /// decided before it is computed. CPython itself has no such bound (its
    /// ints grow until memory runs out), so this is safecalc's own cap; it
    /// is far above [`Self::max_str_digits`], so that `10**5000 // 10**4000`
    /// has its answer, as in CPython.
    pub max_int_digits: usize,
    /// CPython 3.11's limit on converting an int to or from decimal text
    /// (CVE-2020-10735, `sys.get_int_max_str_digits()`): a result whose
    /// repr would need more digits is CPython's `ValueError`, and so is a
    /// decimal literal that long (a `SyntaxError` in CPython). Hexadecimal,
    /// octal and binary conversions are not limited by it, as in CPython.
    pub max_str_digits: usize,
    /// Work budget for one evaluation, in units of about a quarter of a
    /// nanosecond: big-number arithmetic is charged by the sizes involved
    /// (a product of `a` by `b` words about `a*b` units), a step of the
    /// evaluator (a literal, an operator, a call) 48 units and a loop
    /// iteration 96 more. The default, about a millisecond, computes what
    /// CPython computes in a millisecond (`10**20000 // 10**19999`), keeps
    /// the slowest line we could construct (see `examples/worst_lines.rs`)
    /// near it, and stops `sum(1 for _ in range(10**12))` after about
    /// 20,000 iterations.
    pub max_work: u64,
    /// Longest accepted input, in bytes.
    pub max_input_bytes: usize,
    /// Most variables one session may hold.
    pub max_variables: usize,
    /// Longest tuple, list or string that may be built (elements, or
    /// characters), decided before it is allocated: `[0]*10**9`,
    /// `list(range(10**12))`, `bin(10**4000)`. Ranges, and generators fed
    /// to `sum`, `min`, `any`..., are never built, so they are bounded by
    /// the work budget instead.
    pub max_sequence_len: usize,
    /// Longest result text (its `repr`), in characters, decided before
    /// it is built: a list of 10,000 lists of 10,000 elements is cheap to
    /// make by sharing, but not to print.
    pub max_result_chars: usize,
    /// Most memory, in bytes (as estimated by the values' sizes), that one
    /// session's variables and `_` may hold together.
    pub max_session_bytes: usize,
    /// What `^` means: the only option of the language.
    pub caret: Caret,
}

impl Limits {
    /// The defaults used by [`crate::calc::eval`] and the server.
    pub const DEFAULT: Limits = Limits {
        max_depth: 200,
        max_int_digits: 100_000,
        max_str_digits: 4300,
        max_work: 4_000_000,
        max_input_bytes: 65_536,
        max_variables: 256,
        max_sequence_len: 10_000,
        max_result_chars: 65_536,
        max_session_bytes: 1 << 20,
        caret: Caret::Power,
    };

    /// The defaults, with `^` as Python's xor.
    pub const PYTHON: Limits = Limits {
        caret: Caret::Xor,
        ..Limits::DEFAULT
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
