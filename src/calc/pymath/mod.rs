//! CPython 3.11's `math` module, bit for bit: every function and constant,
//! with the results *and* the exceptions (class and `str(exc)`) that CPython
//! 3.11 gives on a Linux machine with glibc.
//!
//! This module knows nothing of the calculator's values, parser or limits:
//! it works on `f64`, `i64` and [`BigInt`], so the evaluator can call it
//! whatever shape its own values take.
//!
//! # How to call it
//!
//! The evaluator turns each argument into an [`Arg`] (ints and bools as
//! themselves, floats, materialised iterables as [`Arg::Seq`], anything else
//! by its Python type name as [`Arg::Other`]), then runs a call in three
//! steps, in this order:
//!
//! 1. [`prepare`] checks the call's shape (argument count, keywords: the
//!    exact Argument Clinic messages, from [`Signature`]) and the argument
//!    types and values that CPython checks *before* computing anything
//!    (`factorial(-1)`, `comb(1.5, 2)`, `sqrt(10**400)`, ...). Its errors are
//!    CPython's errors.
//! 2. [`Call::cost`] bounds the result's size and the work, so that the
//!    evaluator can refuse `factorial(10**6)` or `comb(10**6, 5*10**5)` in
//!    microseconds, before any big number exists. The bounds never
//!    under-estimate (property-tested in `tests/pymath_cases.rs`).
//! 3. [`Call::run`] computes the [`MathValue`], or the error CPython raises
//!    while computing (`exp(1000)`: `OverflowError: math range error`).
//!
//! ```
//! use safecalc::calc::pymath::{self, Arg, MathValue};
//!
//! let call = pymath::prepare("factorial", &[Arg::Small(20)], &[]).unwrap();
//! assert!(call.cost().result_bits >= 62);
//! assert_eq!(call.run().unwrap(), MathValue::Int(2432902008176640000.into()));
//!
//! let err = pymath::call("sqrt", &[Arg::Float(-1.0)], &[]).unwrap_err();
//! assert_eq!((err.class.name(), err.to_string().as_str()), ("ValueError", "math domain error"));
//!
//! let err = pymath::prepare("log", &[], &[]).unwrap_err();
//! assert_eq!(err.to_string(), "math.log requires 1 to 2 arguments");
//!
//! let r = pymath::call("isclose", &[Arg::Float(1.0), Arg::Float(1.05)], &[("rel_tol", Arg::Float(0.1))]);
//! assert_eq!(r.unwrap(), MathValue::Bool(true));
//! ```
//!
//! # The functions
//!
//! "real" means an int, a bool or a float: ints are converted as CPython
//! converts them (`PyLong_AsDouble`, correctly rounded, `OverflowError: int
//! too large to convert to float` from 2**1024 on); anything else is
//! `TypeError: must be real number, not T`. "int" means an int or a bool
//! (anything else: `'T' object cannot be interpreted as an integer`).
//!
//! | functions | arguments | result |
//! |---|---|---|
//! | `acos acosh asin asinh atan atanh cbrt cos cosh degrees erf erfc exp exp2 expm1 fabs gamma lgamma log1p radians sin sinh sqrt tan tanh ulp` | `x`: real | `Float` |
//! | `log2 log10`; `log` | `x` (and `log`'s optional `base`): real, ints of any size | `Float` |
//! | `atan2 copysign fmod nextafter pow remainder` | `x, y`: real | `Float` |
//! | `ldexp` | `x`: real, `i`: int (`TypeError` otherwise, CPython's own words) | `Float` |
//! | `isfinite isinf isnan` | `x`: real | `Bool` |
//! | `frexp`; `modf` | `x`: real | `FloatInt`; `FloatPair` |
//! | `ceil floor` | `x`: real; an int is returned unchanged | `Int` |
//! | `trunc` | `x`: int or float (others: `type T doesn't define __trunc__ method`) | `Int` |
//! | `factorial isqrt` | `n`: int | `Int` |
//! | `comb`; `perm` | `n, k`: int; `perm`'s `k` may be absent or `None` | `Int` |
//! | `gcd lcm` | any number of ints | `Int` |
//! | `hypot` | any number of reals | `Float` |
//! | `dist` | `p, q`: iterables of reals, of equal length | `Float` |
//! | `fsum` | an iterable of reals | `Float` |
//! | `prod` | an iterable of numbers; keyword `start` (default 1) | `Int`, `Float`, or `start` itself |
//! | `isclose` | `a, b`: real, by position or name; keywords `rel_tol` (1e-09), `abs_tol` (0.0) | `Bool` |
//!
//! The constants `e pi tau inf nan` are [`CONSTANTS`]. `math.pow` is this
//! module's (`(-8.0) ** (1/3)` is a domain error); Python's builtin `pow`
//! is the evaluator's.
//!
//! The argument-count and keyword rules, with CPython's exact messages
//! (`math.sin() takes exactly one argument (2 given)`, `comb expected 2
//! arguments, got 1`, `math.log requires 1 to 2 arguments`, ...), are the
//! table [`SIGNATURES`]; [`Signature::check`] applies one, and [`prepare`]
//! applies it first.
//!
//! # What the caller must do
//!
//! * Pass `True`/`False` as [`Arg::Bool`]: they are ints everywhere, but
//!   CPython names their type in some messages (`'bool' object is not
//!   iterable`) and `prod([], start=True)` returns `True` itself.
//! * Pass `None` as `Arg::Other("NoneType")` (`perm(n, None)` is
//!   `perm(n)`), and other values by their Python type name.
//! * Materialise iterables (tuples, lists, ranges, generators, and strings,
//!   whose items are one-character strings) into [`Arg::Seq`] before calling
//!   `fsum`, `prod` or `dist`; the caller's own length cap applies. A value
//!   that Python cannot iterate is an [`Arg::Other`] or a number, and gets
//!   CPython's `'int' object is not iterable`.
//! * Reject repeated keywords (`isclose(1, 2, rel_tol=1, rel_tol=2)` is a
//!   `SyntaxError` in Python, raised by the parser, not by the function).
//! * `prod` multiplies numbers only. `prod` of complex numbers, tuples,
//!   lists or strings (`prod([(1,), 2])` is `(1, 1)`) is Python's `*`
//!   folded left to right from `start`, and the caller must do it with its
//!   own operators; [`prod_needs_generic_multiply`] tells which calls those
//!   are (for them [`prepare`]'s answers are not CPython's).
//! * Check [`Call::cost`] against its limits before [`Call::run`]: the
//!   integer functions will compute whatever they are given.
//! * Map [`MathError`] to its own error type: [`MathError::class`] is the
//!   Python exception class and `to_string()` is `str(exc)`.
//!
//! # Costs
//!
//! [`Cost::result_bits`] bounds the bits of an int result (within 0.5% of
//! the truth for the big cases); [`Cost::work`] bounds the work in the
//! calculator's unit, a word multiply-add, about a quarter of a nanosecond
//! (0.1 to 0.6 ns measured here, by `cargo run --release --example
//! pymath_probe`). On big arguments the work bound is 1.1 to 1.5 times
//! the counted work for `factorial`, 1.0 to 2.6 for `comb` and `perm`, and
//! within 1% for `isqrt`, `gcd` and `lcm` (the last two count a model of
//! num-bigint's binary gcd, see `cost.rs`). The floating-point functions
//! cost [`Cost::CHEAP`], or their length for `fsum`, `hypot`, `dist` and
//! the big-int conversions. Pricing a call takes under 10 microseconds,
//! whatever its arguments.
//!
//! # Where each result comes from
//!
//! CPython 3.11 (`Modules/mathmodule.c`) implements some functions itself
//! and takes the rest from the C library. This module follows it exactly:
//!
//! * CPython's own algorithms, ported step by step: `gamma` and `lgamma`
//!   (Lanczos), `remainder`, `atan2`'s and `pow`'s special cases, the `log`
//!   family's special cases and the big-int path of `log`/`log2`/`log10`,
//!   `hypot`/`dist` (`vector_norm` with its scaling and correction), `fsum`
//!   (Shewchuk's partials and CPython's special-value rules), `ulp`,
//!   `isclose`, `prod`, `factorial` (odd-part divide and conquer), `isqrt`,
//!   `comb`/`perm` (recursive halving with 64-bit fast paths), `gcd`, `lcm`,
//!   and the int/float conversions (`PyLong_AsDouble`, `PyLong_FromDouble`).
//! * glibc functions that Rust's `f64` methods reach in the same glibc, so
//!   the results are the same bits: `sin cos tan asin acos atan atan2 sinh
//!   cosh tanh exp exp2 expm1 log log2 log10 log1p pow sqrt fmod`.
//! * glibc functions that Rust does not reach (`erf`, `erfc`: unstable in
//!   std) or computes with its own formula (`asinh`, `acosh`, `atanh` in
//!   std, and `cbrt` in `core`, which is correctly rounded where glibc's is
//!   not): ported from glibc 2.36's algorithms in `libm.rs`.
//!
//! Where two NaNs meet (`fsum([nan, -nan])`), IEEE 754 leaves open which
//! one comes out; CPython's is what GCC's code gives, and this module
//! chooses the same explicitly (`sum::nan_right`), so even the sign of a
//! NaN (which `copysign` reveals) agrees.
//!
//! The proof is `tests/data/math_cases.tsv`, written by CPython itself
//! (`scripts/gen_math_cases.py`), which `tests/pymath_cases.rs` replays in
//! full; any difference fails the test. It was written on this machine:
//! glibc chooses among variants of some functions by CPU (with or without
//! FMA), and on another CPU both CPython and this module would follow that
//! CPU's glibc, which may differ from the fixture in a rare last bit.

mod convert;
mod cost;
mod dispatch;
pub mod float;
pub mod int;
mod libm;
mod signature;
pub mod sum;

use std::borrow::Cow;
use std::fmt;

use num_bigint::BigInt;
use thiserror::Error;

pub use convert::{IntArg, big_to_f64, float_to_integer};
pub use cost::{Cost, Work};
pub use dispatch::{Call, call, prepare, prepare_function, prod_needs_generic_multiply};
pub use signature::{Function, Params, SIGNATURES, Signature};

/// `math.e`.
pub const E: f64 = std::f64::consts::E;
/// `math.pi`.
pub const PI: f64 = std::f64::consts::PI;
/// `math.tau`.
pub const TAU: f64 = std::f64::consts::TAU;
/// `math.inf`.
pub const INF: f64 = f64::INFINITY;
/// `math.nan`: positive, like CPython's (`math.copysign(1, math.nan)` is
/// `1.0`).
pub const NAN: f64 = f64::NAN;

/// The module's constants, by name.
pub const CONSTANTS: [(&str, f64); 5] = [
    ("e", E),
    ("inf", INF),
    ("nan", NAN),
    ("pi", PI),
    ("tau", TAU),
];

/// The value of `math.NAME` for a constant, if `name` is one.
pub fn constant(name: &str) -> Option<f64> {
    CONSTANTS.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// The Python exception classes the math module raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PyException {
    ValueError,
    OverflowError,
    TypeError,
    ZeroDivisionError,
    /// Only for an unknown name (`math.foo`).
    AttributeError,
}

impl PyException {
    /// The class name, as Python prints it.
    pub fn name(self) -> &'static str {
        match self {
            PyException::ValueError => "ValueError",
            PyException::OverflowError => "OverflowError",
            PyException::TypeError => "TypeError",
            PyException::ZeroDivisionError => "ZeroDivisionError",
            PyException::AttributeError => "AttributeError",
        }
    }
}

impl fmt::Display for PyException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An exception CPython's math module would raise: its class, and its
/// message exactly as `str(exc)` gives it (which is what `Display` prints).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct MathError {
    pub class: PyException,
    pub message: Cow<'static, str>,
}

impl MathError {
    pub fn new(class: PyException, message: impl Into<Cow<'static, str>>) -> Self {
        MathError {
            class,
            message: message.into(),
        }
    }

    /// `ValueError: math domain error`: an argument outside the domain, or
    /// a singularity (`log(0)`).
    pub fn domain() -> Self {
        MathError::new(PyException::ValueError, "math domain error")
    }

    /// `OverflowError: math range error`: a finite argument whose result
    /// is too large for a float.
    pub fn range() -> Self {
        MathError::new(PyException::OverflowError, "math range error")
    }

    /// `PyLong_AsDouble`'s error for an int of 2**1024 or more.
    pub fn int_too_large() -> Self {
        MathError::new(
            PyException::OverflowError,
            "int too large to convert to float",
        )
    }

    /// `PyFloat_AsDouble`'s error for a value that is not a real number.
    pub fn not_real(type_name: &str) -> Self {
        MathError::new(
            PyException::TypeError,
            format!("must be real number, not {type_name}"),
        )
    }

    /// `PyNumber_Index`'s error for a value that is not an int.
    pub fn not_integer(type_name: &str) -> Self {
        MathError::new(
            PyException::TypeError,
            format!("'{type_name}' object cannot be interpreted as an integer"),
        )
    }

    /// `iter()`'s error for a value that is not iterable.
    pub fn not_iterable(type_name: &str) -> Self {
        MathError::new(
            PyException::TypeError,
            format!("'{type_name}' object is not iterable"),
        )
    }
}

/// A shorthand for results of this module.
pub type MathResult<T> = Result<T, MathError>;

/// One argument of a math function, as the evaluator hands it over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arg<'a> {
    /// An `int` that fits in an `i64`.
    Small(i64),
    /// Any `int` (it need not be outside the `i64` range).
    Big(&'a BigInt),
    /// `True` or `False`: an int, whose type name is `bool`.
    Bool(bool),
    Float(f64),
    /// An iterable, already materialised: its type name (`tuple`, `list`,
    /// `range`, `str`, `generator`, ...) and its items in iteration order.
    Seq(&'a str, &'a [Arg<'a>]),
    /// Any other value (`None`, a complex number, ...), by its Python type
    /// name (`NoneType`, `complex`), which only appears in `TypeError`
    /// messages. It must not be iterable (see [`Arg::Seq`]).
    Other(&'a str),
}

impl Arg<'_> {
    /// The Python type name, as error messages spell it.
    pub fn type_name(&self) -> &str {
        match self {
            Arg::Small(_) | Arg::Big(_) => "int",
            Arg::Bool(_) => "bool",
            Arg::Float(_) => "float",
            Arg::Seq(name, _) | Arg::Other(name) => name,
        }
    }
}

/// A Python `int` result. Invariant: `Big` never holds a value that fits
/// in an `i64`, so each number has one representation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Integer {
    Small(i64),
    Big(BigInt),
}

impl From<BigInt> for Integer {
    fn from(b: BigInt) -> Self {
        match i64::try_from(&b) {
            Ok(i) => Integer::Small(i),
            Err(_) => Integer::Big(b),
        }
    }
}

impl From<i64> for Integer {
    fn from(i: i64) -> Self {
        Integer::Small(i)
    }
}

impl From<Integer> for BigInt {
    fn from(i: Integer) -> Self {
        match i {
            Integer::Small(i) => BigInt::from(i),
            Integer::Big(b) => b,
        }
    }
}

impl Integer {
    /// Number of bits of the magnitude (0 for zero).
    pub fn bits(&self) -> u64 {
        match self {
            Integer::Small(i) => u64::from(64 - i.unsigned_abs().leading_zeros()),
            Integer::Big(b) => b.bits(),
        }
    }
}

impl fmt::Display for Integer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Integer::Small(i) => write!(f, "{i}"),
            Integer::Big(b) => write!(f, "{b}"),
        }
    }
}

/// What a math function returns.
#[derive(Debug, Clone, PartialEq)]
pub enum MathValue {
    Float(f64),
    Int(Integer),
    Bool(bool),
    /// `modf`'s `(fractional, integral)` pair.
    FloatPair(f64, f64),
    /// `frexp`'s `(mantissa, exponent)` pair.
    FloatInt(f64, i64),
}
