//! The values an expression computes: Python's numeric types, and the few
//! containers its numeric expressions build.
//!
//! | variant | Python type | example |
//! |---|---|---|
//! | [`Value::Int`] | `int` (arbitrary precision) | `2**100` |
//! | [`Value::Float`] | `float` | `0.1 + 0.2` |
//! | [`Value::Complex`] | `complex` | `(1+2j)`, `(-8)**(1/3)` |
//! | [`Value::Bool`] | `bool` (an int in arithmetic) | `1 < 2` |
//! | [`Value::None`] | `None` | `None` |
//! | [`Value::Tuple`] | `tuple` | `divmod(17, 5)` |
//! | [`Value::List`] | `list` | `[1, 2, 3]`, `sorted(xs)` |
//! | [`Value::Str`] | `str`, only as numeric functions return it | `hex(255)` |
//! | [`Value::Range`] | `range` (never materialised) | `range(10**12)` |
//!
//! **Why this shape.** A `Value` is two words: the machine-word int and
//! the float, which nearly every expression computes with, are held in
//! place, and every other variant is a pointer to shared data (`Arc`). So
//! the arithmetic fast paths move 16 bytes as before, copying a value held
//! in a variable copies a pointer, and `[x] * 1000` holds one `x`, as
//! Python's list does. Nothing is ever mutated in place (there are no
//! mutating methods), so sharing is safe and `Arc` is all the ownership a
//! value needs; values are `Send`, so a session can move to another
//! thread.
//!
//! **Identity.** Python's `in`, `==` of sequences and `min`/`max` of
//! equal items look at object identity as well as equality, and the one
//! value for which that shows is a NaN (`nan in [nan]` is `True`, since
//! `nan` is one object, while `[0*inf] == [0*inf]` is `False`). safecalc
//! has no objects, so it gives every NaN that a computation creates a
//! payload of its own ([`fresh`]): two NaNs are "the same object" exactly
//! when their bits are equal, and a NaN copied (by a variable, an index,
//! `max`, `[x]*3`) keeps its bits, as a reference keeps its object. The
//! payload is invisible: every NaN prints as `nan`, and its sign, which
//! `copysign` can see, is kept.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::complex::Complex;
use super::error::{CalcError, CalcResult};
use super::format::float_repr;
use super::limits::Limits;
use super::number::Int;
use super::sequence::{Range, Sequence};

/// A calculator value: see the [module docs](self) for the types.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(Int),
    Float(f64),
    Bool(bool),
    None,
    Complex(Arc<Complex>),
    Str(Arc<String>),
    Tuple(Arc<Sequence>),
    List(Arc<Sequence>),
    Range(Arc<Range>),
}

/// Drops a value, with the common case (nothing on the heap) in line:
/// `Value`'s drop glue has an arm per shared variant, too big for the
/// compiler to inline, and a call for every number a line drops was a
/// measurable part of evaluating `1+2`.
#[inline(always)]
pub(crate) fn release(v: Value) {
    if v.owns_heap() {
        drop(v);
    } else {
        std::mem::forget(v);
    }
}

/// The next NaN payload ([`fresh`]); 0 is the payload of `nan` itself.
static NEXT_NAN: AtomicU64 = AtomicU64::new(1);

/// The low 51 bits of a NaN, below the quiet bit: its payload.
const NAN_PAYLOAD: u64 = (1 << 51) - 1;

/// `x` as a newly computed float: a NaN gets a payload no other NaN has
/// (see "Identity" in the [module docs](self)), keeping its sign; any
/// other float is returned as it is.
#[inline(always)]
pub fn fresh(x: f64) -> f64 {
    if x.is_nan() { new_nan(x) } else { x }
}

#[cold]
#[inline(never)]
fn new_nan(x: f64) -> f64 {
    let payload = NEXT_NAN.fetch_add(1, Ordering::Relaxed) % NAN_PAYLOAD + 1;
    let sign_and_quiet = x.to_bits() & !NAN_PAYLOAD | (1 << 51);
    f64::from_bits(sign_and_quiet | payload)
}

impl Value {
    /// A newly computed float (see [`fresh`]).
    #[inline(always)]
    pub fn float(x: f64) -> Value {
        Value::Float(fresh(x))
    }

    /// A newly computed complex number (a NaN part gets a fresh payload, so
    /// that two complex numbers computed alike are not the same object).
    pub fn complex(re: f64, im: f64) -> Value {
        Value::Complex(Arc::new(Complex::new(fresh(re), fresh(im))))
    }

    pub fn str(text: String) -> Value {
        Value::Str(Arc::new(text))
    }

    /// A copy of the value: a machine word copied in line, anything else
    /// shared (`clone` is a call, for the arm of each shared variant).
    #[inline(always)]
    pub(crate) fn share(&self) -> Value {
        match self {
            Value::Int(Int::Small(i)) => Value::Int(Int::Small(*i)),
            Value::Float(x) => Value::Float(*x),
            other => other.clone(),
        }
    }

    /// Whether the value points to shared data (and so must be dropped,
    /// not merely forgotten).
    #[inline(always)]
    pub(crate) fn owns_heap(&self) -> bool {
        !matches!(
            self,
            Value::Int(Int::Small(_)) | Value::Float(_) | Value::Bool(_) | Value::None
        )
    }

    /// Refuses to compute with a str, or a tuple or list holding one: the
    /// strings `hex`, `bin` and `oct` return may be displayed (returned,
    /// put in a tuple or list, chosen by `if`/`else`, returned by
    /// `and`/`or`, bound to a name), never used as an operand, a truth
    /// value, an argument, an index or an iterable. That keeps string
    /// processing, and the string methods with their history of sandbox
    /// escapes, out of the language. `role` says what the value was about
    /// to be (`"an operand"`). Numbers pass with one test.
    #[inline(always)]
    pub(crate) fn check_computable(&self, role: &'static str) -> CalcResult<()> {
        match self {
            Value::Str(_) | Value::Tuple(_) | Value::List(_) => self.check_no_str(role),
            _ => Ok(()),
        }
    }

    #[inline(never)]
    fn check_no_str(&self, role: &'static str) -> CalcResult<()> {
        let holds = match self {
            Value::Str(_) => true,
            Value::Tuple(s) | Value::List(s) => s.holds_str(),
            _ => false,
        };
        if holds {
            Err(CalcError::Unsupported(
                format!("strings (from hex, bin or oct) can only be displayed, not used as {role}")
                    .into(),
            ))
        } else {
            Ok(())
        }
    }

    /// Python's type name, as error messages use it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Bool(_) => "bool",
            Value::None => "NoneType",
            Value::Complex(_) => "complex",
            Value::Str(_) => "str",
            Value::Tuple(_) => "tuple",
            Value::List(_) => "list",
            Value::Range(_) => "range",
        }
    }

    /// Python's truth value (`bool(x)`).
    pub fn is_true(&self) -> bool {
        match self {
            Value::Int(i) => !i.is_zero(),
            Value::Float(x) => *x != 0.0,
            Value::Bool(b) => *b,
            Value::None => false,
            Value::Complex(c) => c.re != 0.0 || c.im != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Tuple(s) | Value::List(s) => !s.is_empty(),
            Value::Range(r) => !r.is_empty(),
        }
    }

    /// An int or a bool, as an int (Python's bool is an int subclass).
    pub fn as_int(&self) -> Option<Int> {
        match self {
            Value::Int(i) => Some(i.clone()),
            Value::Bool(b) => Some(Int::Small(i64::from(*b))),
            _ => None,
        }
    }

    /// The items of a tuple or list.
    pub fn items(&self) -> Option<&[Value]> {
        match self {
            Value::Tuple(s) | Value::List(s) => Some(s.items()),
            _ => None,
        }
    }

    /// Python's `x is y` where it can be told without objects: the same
    /// NaN (by its payload), or a complex number with the same NaN parts.
    /// For any other value identity is never needed, since a value that is
    /// not a NaN and not a container equals itself.
    pub fn is_same_nan(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Float(x), Value::Float(y)) => x.is_nan() && x.to_bits() == y.to_bits(),
            (Value::Complex(a), Value::Complex(b)) => {
                Arc::ptr_eq(a, b)
                    || ((a.re.is_nan() || a.im.is_nan())
                        && a.re.to_bits() == b.re.to_bits()
                        && a.im.to_bits() == b.im.to_bits())
            }
            _ => false,
        }
    }

    /// An estimate of the memory the value holds, for the session's bound:
    /// its two words, plus what it points to (a shared part counted each
    /// time it is referred to, so the estimate errs high).
    pub fn memory_bytes(&self) -> usize {
        const WORDS: usize = std::mem::size_of::<Value>();
        WORDS
            + match self {
                Value::Int(Int::Big(b)) => b.bits().div_ceil(8) as usize + 32,
                Value::Complex(_) => 32,
                Value::Str(s) => s.len() + 40,
                Value::Tuple(s) | Value::List(s) => s.memory_bytes(),
                Value::Range(_) => 80,
                _ => 0,
            }
    }

    /// Checks that the value can be printed as CPython's REPL would print
    /// it, before it is: every int in it within [`Limits::max_str_digits`]
    /// decimal digits (CPython's `ValueError` otherwise; the check comes
    /// before the quadratic conversion), and the whole text within
    /// [`Limits::max_result_chars`]. A number is checked at once; a
    /// container is printed into a scratch buffer that is abandoned as
    /// soon as it passes the limit, so a value that shares one list ten
    /// thousand times costs no more than its allowed text.
    #[inline]
    pub fn check_printable(&self, limits: &Limits) -> CalcResult<()> {
        // The common results, at the cost of a few comparisons: a
        // machine-word int (at most 20 characters) or a float (at most 24),
        // under limits that let any of them print.
        if matches!(self, Value::Int(Int::Small(_)) | Value::Float(_))
            && limits.max_result_chars >= 24
            && limits.max_str_digits >= 19
        {
            return Ok(());
        }
        self.check_printable_fully(limits)
    }

    fn check_printable_fully(&self, limits: &Limits) -> CalcResult<()> {
        // Most values are shown to fit by a bound on their text, without
        // writing it; the others are written (up to the limit) to know.
        let mut room = limits.max_result_chars;
        if self.repr_fits(limits, &mut room)? {
            return Ok(());
        }
        let mut scratch = String::new();
        self.write_repr_within(&mut scratch, limits)
    }

    /// Whether an upper bound on the repr's length fits in `room` (which
    /// it reduces), checking each int against the digit limit on the way.
    /// Stops at the first item that does not fit, so that a list shared
    /// ten thousand times costs no more than the limit allows.
    fn repr_fits(&self, limits: &Limits, room: &mut usize) -> CalcResult<bool> {
        let bound = match self {
            Value::Int(Int::Small(_)) if limits.max_str_digits >= 19 => 20,
            Value::Int(i) => {
                check_str_digits(i, limits.max_str_digits)?;
                decimal_digits_upper(i) + 1
            }
            Value::Float(_) | Value::Bool(_) | Value::None => 24,
            Value::Complex(_) => 52,
            Value::Str(s) => s.len() + 2,
            Value::Range(r) => r.repr_len_bound(),
            Value::Tuple(seq) | Value::List(seq) => {
                // Brackets, `, ` between items, a trailing comma.
                let punctuation = 2 * seq.len() + 2;
                if punctuation > *room {
                    return Ok(false);
                }
                *room -= punctuation;
                for item in seq.items() {
                    if !item.repr_fits(limits, room)? {
                        return Ok(false);
                    }
                }
                return Ok(true);
            }
        };
        if bound > *room {
            return Ok(false);
        }
        *room -= bound;
        Ok(true)
    }

    fn write_repr_within(&self, out: &mut String, limits: &Limits) -> CalcResult<()> {
        let too_long = || CalcError::ResultTooLong {
            max: limits.max_result_chars,
        };
        match self {
            Value::Tuple(s) | Value::List(s) => {
                out.push(if matches!(self, Value::List(_)) {
                    '['
                } else {
                    '('
                });
                for (i, item) in s.items().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write_repr_within(out, limits)?;
                    if out.len() > limits.max_result_chars {
                        return Err(too_long());
                    }
                }
                match self {
                    Value::List(_) => out.push(']'),
                    _ if s.items().len() == 1 => out.push_str(",)"),
                    _ => out.push(')'),
                }
            }
            Value::Int(i) => {
                check_str_digits(i, limits.max_str_digits)?;
                if decimal_digits_upper(i) > limits.max_result_chars + 1 {
                    return Err(too_long());
                }
                self.write_repr(out);
            }
            _ => self.write_repr(out),
        }
        if out.len() > limits.max_result_chars {
            return Err(too_long());
        }
        Ok(())
    }

    /// Python's `repr` of the value, as `to_string()` gives it, but built
    /// without the formatting machinery for machine-word ints and floats.
    /// (The server uses [`Self::write_repr`], over the line's own buffer.)
    pub fn repr(&self) -> String {
        let mut repr = String::new();
        self.write_repr(&mut repr);
        repr
    }

    /// Appends [`Self::repr`] to `out`: a caller that has a buffer to
    /// reuse (the server, the line it just read) saves an allocation.
    pub fn write_repr(&self, out: &mut String) {
        match self {
            Value::Int(Int::Small(i)) => out.push_str(itoa::Buffer::new().format(*i)),
            Value::Float(x) => out.push_str(&float_repr(*x)),
            Value::Int(Int::Big(b)) => {
                use std::fmt::Write as _;
                // Writing to a `String` cannot fail.
                let _ = write!(out, "{b}");
            }
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::None => out.push_str("None"),
            Value::Complex(c) => c.write_repr(out),
            Value::Str(s) => {
                // Only numeric functions make strings (`hex`, `bin`, `oct`),
                // so they are plain ASCII and need no escapes.
                out.push('\'');
                out.push_str(s);
                out.push('\'');
            }
            Value::Tuple(s) => {
                out.push('(');
                write_items(s.items(), out);
                if s.items().len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Value::List(s) => {
                out.push('[');
                write_items(s.items(), out);
                out.push(']');
            }
            Value::Range(r) => r.write_repr(out),
        }
    }
}

fn write_items(items: &[Value], out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        item.write_repr(out);
    }
}

/// An upper bound on the decimal digits of `|i|`, from its bit length.
fn decimal_digits_upper(i: &Int) -> usize {
    (i.bits() as f64 * std::f64::consts::LOG10_2) as usize + 1
}

/// CPython's rule for printing an int: at most `max` decimal digits
/// (`|i| < 10**max`), decided from the bit length except within a bit of
/// the boundary.
fn check_str_digits(i: &Int, max: usize) -> CalcResult<()> {
    if decimal_digits_upper(i) > max && super::number::at_least_pow10(i, max) {
        Err(str_digits_error(max))
    } else {
        Ok(())
    }
}

/// CPython's error for printing an int of more than `max` digits.
pub(crate) fn str_digits_error(max: usize) -> CalcError {
    CalcError::Value(
        format!(
            "Exceeds the limit ({max} digits) for integer string conversion; \
             use sys.set_int_max_str_digits() to increase the limit"
        )
        .into(),
    )
}

impl fmt::Display for Value {
    /// Python's `repr` of the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => i.fmt(f),
            _ => f.write_str(&self.repr()),
        }
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(Int::Small(i))
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<Int> for Value {
    fn from(i: Int) -> Self {
        Value::Int(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::Limits;
    use num_bigint::BigInt;

    fn seq(items: Vec<Value>) -> Arc<Sequence> {
        Arc::new(Sequence::new(items, &Limits::DEFAULT).unwrap())
    }

    /// `repr`, `Display` and `write_repr` (into a reused buffer) all give
    /// CPython's repr, written out here by hand from CPython 3.11, not
    /// computed by any of the code under test.
    #[test]
    fn repr_is_display() {
        let big = BigInt::from(i64::MAX) + 1;
        let cases: Vec<(Value, &str)> = vec![
            (Value::from(0), "0"),
            (Value::from(-7), "-7"),
            (Value::from(i64::MIN), "-9223372036854775808"),
            (Value::Int(Int::from(big)), "9223372036854775808"),
            (Value::Float(0.1), "0.1"),
            (Value::Float(-0.0), "-0.0"),
            (Value::Float(1e16), "1e+16"),
            (Value::Float(123456789.0), "123456789.0"),
            (Value::Float(5e-324), "5e-324"),
            (Value::Float(f64::MAX), "1.7976931348623157e+308"),
            (Value::Float(f64::INFINITY), "inf"),
            (Value::Float(f64::NEG_INFINITY), "-inf"),
            (Value::Float(f64::NAN), "nan"),
            (Value::Bool(true), "True"),
            (Value::None, "None"),
            (Value::complex(1.0, 2.0), "(1+2j)"),
            (Value::complex(0.0, 1.0), "1j"),
            (Value::complex(0.0, -1.0), "-1j"),
            (Value::complex(-0.0, -0.0), "(-0-0j)"),
            (Value::complex(f64::NAN, f64::INFINITY), "(nan+infj)"),
            (Value::complex(1e16, 0.0), "(1e+16+0j)"),
            (Value::Tuple(seq(vec![Value::from(1)])), "(1,)"),
            (Value::Tuple(seq(vec![])), "()"),
            (
                Value::List(seq(vec![
                    Value::from(3),
                    Value::Tuple(seq(vec![Value::Float(2.5), Value::None])),
                ])),
                "[3, (2.5, None)]",
            ),
            (Value::str("0xff".to_string()), "'0xff'"),
            (
                Value::Range(Arc::new(Range::new(
                    Int::Small(0),
                    Int::Small(10),
                    Int::Small(3),
                ))),
                "range(0, 10, 3)",
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(value.repr(), expected, "repr of {value:?}");
            assert_eq!(value.to_string(), expected, "Display of {value:?}");
            let mut reused = String::from("1+2");
            reused.clear();
            value.write_repr(&mut reused);
            assert_eq!(reused, expected, "write_repr of {value:?}");
        }
    }
}
