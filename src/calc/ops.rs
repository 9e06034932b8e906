//! Python's operators on [`Value`]s: which rule applies to which pair of
//! types, and CPython's `TypeError` when none does.
//!
//! CPython decides a binary operator by asking the left operand's type,
//! then the right one's; for the types of this language that comes down
//! to: numbers (bool < int < float < complex, each widened to the wider
//! type), sequences (`+` joins two of the same kind, `*` repeats by an
//! int), and the string formatting `%` (which only ever meets a string
//! without `%` in it, since only `hex`, `bin` and `oct` make strings).
//! The arithmetic itself is in `number` (ints and floats), `complex` and
//! `sequence`; this module is the dispatch, and the messages.

use std::cmp::Ordering;

use super::ast::{BinaryOp, CompareOp};
use super::complex::Complex;
use super::error::{CalcResult, type_error, zero_division};
use super::number::{
    self, Bitwise, FloatPow, INT_DIVISION_BY_ZERO, INT_MODULO_BY_ZERO, Int, Meter, cmp_int,
};
use super::sequence;
use super::value::Value;

/// A value as a number of Python's numeric tower (a bool is an int).
#[derive(Debug, Clone)]
pub enum Num {
    Int(Int),
    Float(f64),
    Complex(Complex),
}

impl Num {
    pub fn of(v: &Value) -> Option<Num> {
        Some(match v {
            Value::Int(i) => Num::Int(i.clone()),
            Value::Bool(b) => Num::Int(Int::Small(i64::from(*b))),
            Value::Float(x) => Num::Float(*x),
            Value::Complex(c) => Num::Complex(**c),
            _ => return None,
        })
    }

    /// Widened to a float (`OverflowError` for an int beyond a float).
    fn to_f64(&self) -> CalcResult<f64> {
        match self {
            Num::Int(i) => i.to_f64(),
            Num::Float(x) => Ok(*x),
            Num::Complex(c) => Ok(c.re),
        }
    }

    /// Widened to a complex number.
    fn to_complex(&self) -> CalcResult<Complex> {
        match self {
            Num::Complex(c) => Ok(*c),
            other => Ok(Complex::new(other.to_f64()?, 0.0)),
        }
    }
}

/// `unsupported operand type(s) for OP: 'A' and 'B'`.
pub fn unsupported(op: &str, a: &Value, b: &Value) -> super::error::CalcError {
    type_error(format!(
        "unsupported operand type(s) for {op}: '{}' and '{}'",
        a.type_name(),
        b.type_name()
    ))
}

/// `a OP b` for every binary operator except `**` (see [`power`]).
pub fn binary(op: BinaryOp, a: &Value, b: &Value, m: &mut Meter) -> CalcResult<Value> {
    m.step()?;
    if let (Some(x), Some(y)) = (Num::of(a), Num::of(b)) {
        return numeric(op, a, b, x, y, m);
    }
    // (No str arrives here: the evaluator refuses to compute with one.)
    let is_seq = |v: &Value| matches!(v, Value::Tuple(_) | Value::List(_));
    match op {
        BinaryOp::Add if is_seq(a) => {
            if std::mem::discriminant(a) == std::mem::discriminant(b) {
                sequence::concat(a, b, m)
            } else {
                let kind = a.type_name();
                Err(type_error(format!(
                    "can only concatenate {kind} (not \"{}\") to {kind}",
                    b.type_name()
                )))
            }
        }
        BinaryOp::Mul if is_seq(a) => repeat(a, b, m),
        BinaryOp::Mul if is_seq(b) => repeat(b, a, m),
        _ => Err(unsupported(op.symbol(), a, b)),
    }
}

/// `a + b`, with machine words added in line (the partial sums of
/// `sum()`): the same result and charge as [`binary`].
#[inline]
pub fn add(a: &Value, b: &Value, m: &mut Meter) -> CalcResult<Value> {
    match (a, b) {
        (Value::Int(Int::Small(x)), Value::Int(Int::Small(y)))
            if m.limits().max_int_digits >= 19 =>
        {
            if let Some(sum) = x.checked_add(*y) {
                m.step()?;
                return Ok(Value::Int(Int::Small(sum)));
            }
        }
        (Value::Float(x), Value::Float(y)) => {
            m.step()?;
            return Ok(Value::float(x + y));
        }
        _ => {}
    }
    binary(BinaryOp::Add, a, b, m)
}

/// `seq * n`.
fn repeat(seq: &Value, n: &Value, m: &mut Meter) -> CalcResult<Value> {
    match n.as_int() {
        Some(count) => sequence::repeat(seq, &count, m),
        None => Err(type_error(format!(
            "can't multiply sequence by non-int of type '{}'",
            n.type_name()
        ))),
    }
}

/// The numeric binary operators, widened to the wider type.
fn numeric(op: BinaryOp, a: &Value, b: &Value, x: Num, y: Num, m: &mut Meter) -> CalcResult<Value> {
    match (&x, &y) {
        (Num::Int(i), Num::Int(j)) => int_op(op, a, b, i, j, m),
        (Num::Complex(_), _) | (_, Num::Complex(_)) => {
            let (p, q) = (x.to_complex()?, y.to_complex()?);
            let r = match op {
                BinaryOp::Add => p + q,
                BinaryOp::Sub => p - q,
                BinaryOp::Mul => p * q,
                BinaryOp::TrueDiv => p.divide(q)?,
                _ => return Err(unsupported(op.symbol(), a, b)),
            };
            Ok(Value::complex(r.re, r.im))
        }
        _ => {
            if !matches!(
                op,
                BinaryOp::Add
                    | BinaryOp::Sub
                    | BinaryOp::Mul
                    | BinaryOp::TrueDiv
                    | BinaryOp::FloorDiv
                    | BinaryOp::Mod
            ) {
                return Err(unsupported(op.symbol(), a, b));
            }
            let (p, q) = (x.to_f64()?, y.to_f64()?);
            float_op(op, p, q).map(Value::float)
        }
    }
}

/// Float arithmetic, with CPython's messages for a zero divisor.
fn float_op(op: BinaryOp, x: f64, y: f64) -> CalcResult<f64> {
    Ok(match op {
        BinaryOp::Add => x + y,
        BinaryOp::Sub => x - y,
        BinaryOp::Mul => x * y,
        BinaryOp::TrueDiv => {
            if y == 0.0 {
                return Err(zero_division("float division by zero"));
            }
            x / y
        }
        BinaryOp::FloorDiv => {
            if y == 0.0 {
                return Err(zero_division("float floor division by zero"));
            }
            number::float_div_mod(x, y).0
        }
        BinaryOp::Mod => {
            if y == 0.0 {
                return Err(zero_division("float modulo"));
            }
            number::float_mod(x, y)
        }
        _ => unreachable!("only arithmetic operators reach float_op"),
    })
}

/// Int (and bool) arithmetic; bitwise operators on two bools give a bool.
fn int_op(
    op: BinaryOp,
    a: &Value,
    b: &Value,
    x: &Int,
    y: &Int,
    m: &mut Meter,
) -> CalcResult<Value> {
    let int = |r: CalcResult<Int>| r.map(Value::Int);
    let bitwise = |kind: Bitwise, m: &mut Meter| -> CalcResult<Value> {
        if let (Value::Bool(p), Value::Bool(q)) = (a, b) {
            return Ok(Value::Bool(match kind {
                Bitwise::And => p & q,
                Bitwise::Or => p | q,
                Bitwise::Xor => p ^ q,
            }));
        }
        number::int_bitwise(kind, x, y, m).map(Value::Int)
    };
    match op {
        BinaryOp::Add => int(number::int_add_sub(x, y, false, m)),
        BinaryOp::Sub => int(number::int_add_sub(x, y, true, m)),
        BinaryOp::Mul => int(number::int_mul(x, y, m)),
        BinaryOp::TrueDiv => number::int_true_div(x, y, m).map(Value::float),
        BinaryOp::FloorDiv => int(number::int_div_mod(x, y, INT_DIVISION_BY_ZERO, m).map(|r| r.0)),
        BinaryOp::Mod => int(number::int_div_mod(x, y, INT_MODULO_BY_ZERO, m).map(|r| r.1)),
        BinaryOp::LShift => int(number::int_shift(x, y, true, m)),
        BinaryOp::RShift => int(number::int_shift(x, y, false, m)),
        BinaryOp::BitAnd => bitwise(Bitwise::And, m),
        BinaryOp::BitOr => bitwise(Bitwise::Or, m),
        BinaryOp::BitXor => bitwise(Bitwise::Xor, m),
        BinaryOp::MatMul => Err(unsupported("@", a, b)),
    }
}

/// `a ** b` (and `pow(a, b)`).
pub fn power(a: &Value, b: &Value, m: &mut Meter) -> CalcResult<Value> {
    m.step()?;
    // A float with a float or a machine-word int, without the widening.
    let real = |v: &Value| match v {
        Value::Float(x) => Some(*x),
        Value::Int(Int::Small(i)) => Some(*i as f64),
        _ => None,
    };
    if matches!((a, b), (Value::Float(_), _) | (_, Value::Float(_)))
        && let (Some(x), Some(y)) = (real(a), real(b))
    {
        return match number::float_pow(x, y)? {
            FloatPow::Real(r) => Ok(Value::float(r)),
            FloatPow::Complex => complex_power(Complex::new(x, 0.0), Complex::new(y, 0.0)),
        };
    }
    let (Some(x), Some(y)) = (Num::of(a), Num::of(b)) else {
        return Err(unsupported("** or pow()", a, b));
    };
    match (&x, &y) {
        (Num::Int(i), Num::Int(j)) if !j.is_negative() => number::int_pow(i, j, m).map(Value::Int),
        (Num::Complex(_), _) | (_, Num::Complex(_)) => {
            complex_power(x.to_complex()?, y.to_complex()?)
        }
        _ => {
            // int ** negative int is computed on floats, as CPython does.
            let (p, q) = (x.to_f64()?, y.to_f64()?);
            match number::float_pow(p, q)? {
                FloatPow::Real(r) => Ok(Value::float(r)),
                FloatPow::Complex => complex_power(Complex::new(p, 0.0), Complex::new(q, 0.0)),
            }
        }
    }
}

fn complex_power(a: Complex, b: Complex) -> CalcResult<Value> {
    let r = a.pow(b)?;
    Ok(Value::complex(r.re, r.im))
}

/// `pow(a, b, m)`: ints only (a bool is an int); `None` as the modulus is
/// plain `pow(a, b)`.
pub fn power_mod(a: &Value, b: &Value, modulus: &Value, m: &mut Meter) -> CalcResult<Value> {
    if matches!(modulus, Value::None) {
        return power(a, b, m);
    }
    m.step()?;
    match (a.as_int(), b.as_int(), modulus.as_int()) {
        (Some(x), Some(y), Some(n)) => number::int_pow_mod(&x, &y, &n, m).map(Value::Int),
        _ if [a, b, modulus].iter().all(|v| Num::of(v).is_some()) => {
            if [a, b, modulus]
                .iter()
                .any(|v| matches!(v, Value::Complex(_)))
            {
                return Err(super::error::value_error("complex modulo"));
            }
            Err(type_error(
                "pow() 3rd argument not allowed unless all arguments are integers",
            ))
        }
        _ => Err(type_error(format!(
            "unsupported operand type(s) for ** or pow(): '{}', '{}', '{}'",
            a.type_name(),
            b.type_name(),
            modulus.type_name()
        ))),
    }
}

/// `divmod(a, b)`.
pub fn divmod(a: &Value, b: &Value, m: &mut Meter) -> CalcResult<(Value, Value)> {
    m.step()?;
    match (Num::of(a), Num::of(b)) {
        (Some(Num::Int(x)), Some(Num::Int(y))) => {
            let (q, r) = number::int_div_mod(&x, &y, INT_DIVISION_BY_ZERO, m)?;
            Ok((Value::Int(q), Value::Int(r)))
        }
        (Some(x @ (Num::Int(_) | Num::Float(_))), Some(y @ (Num::Int(_) | Num::Float(_)))) => {
            let (p, q) = (x.to_f64()?, y.to_f64()?);
            if q == 0.0 {
                return Err(zero_division("float divmod()"));
            }
            let (d, r) = number::float_div_mod(p, q);
            Ok((Value::float(d), Value::float(r)))
        }
        _ => Err(unsupported("divmod()", a, b)),
    }
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unary {
    Plus,
    Minus,
    Invert,
}

/// `-a`, `+a`, `~a`.
pub fn unary(op: Unary, a: &Value, m: &mut Meter) -> CalcResult<Value> {
    m.step()?;
    let bad = || {
        let symbol = match op {
            Unary::Plus => "+",
            Unary::Minus => "-",
            Unary::Invert => "~",
        };
        type_error(format!(
            "bad operand type for unary {symbol}: '{}'",
            a.type_name()
        ))
    };
    match (op, a) {
        // `+x` returns the float itself (the same object, NaN payload and
        // all), as CPython's `float_pos` does.
        (Unary::Plus, Value::Float(_) | Value::Int(_)) => Ok(a.clone()),
        (Unary::Plus, Value::Complex(c)) => Ok(Value::complex(c.re, c.im)),
        (Unary::Minus, Value::Float(x)) => Ok(Value::float(-x)),
        (Unary::Minus, Value::Complex(c)) => Ok(Value::complex(-c.re, -c.im)),
        (Unary::Invert, Value::Float(_) | Value::Complex(_)) => Err(bad()),
        _ => {
            let Some(x) = a.as_int() else {
                return Err(bad());
            };
            match op {
                Unary::Plus => Ok(Value::Int(x)),
                Unary::Minus => number::int_neg(&x, m).map(Value::Int),
                Unary::Invert => number::int_invert(&x, m).map(Value::Int),
            }
        }
    }
}

// ---------------------------------------------------------------------
// Comparisons
// ---------------------------------------------------------------------

/// `a OP b` for one comparison of a chain. In line, for its machine-word
/// cases, in the evaluator's comparison chains and in `min`/`max`.
#[inline]
pub fn compare(op: CompareOp, a: &Value, b: &Value, m: &mut Meter) -> CalcResult<bool> {
    m.step()?;
    // Machine words, in line: ints with ints, floats with floats.
    let ordering = match (a, b) {
        (Value::Int(Int::Small(x)), Value::Int(Int::Small(y))) => Some(x.cmp(y)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        // Two ints of any size, without widening them to numbers first
        // (the comparisons of `max(x, x, ...)` on big ints).
        (Value::Int(x), Value::Int(y)) => Some(cmp_int(x, y)),
        _ => return compare_values(op, a, b, m),
    };
    Ok(match op {
        CompareOp::Lt => ordering == Some(Ordering::Less),
        CompareOp::Le => matches!(ordering, Some(Ordering::Less | Ordering::Equal)),
        CompareOp::Gt => ordering == Some(Ordering::Greater),
        CompareOp::Ge => matches!(ordering, Some(Ordering::Greater | Ordering::Equal)),
        CompareOp::Eq => ordering == Some(Ordering::Equal),
        CompareOp::Ne => ordering != Some(Ordering::Equal),
        CompareOp::In | CompareOp::NotIn => return compare_values(op, a, b, m),
    })
}

fn compare_values(op: CompareOp, a: &Value, b: &Value, m: &mut Meter) -> CalcResult<bool> {
    match op {
        CompareOp::Eq => equal(a, b, m),
        CompareOp::Ne => equal(a, b, m).map(|e| !e),
        CompareOp::In => contains(b, a, m),
        CompareOp::NotIn => contains(b, a, m).map(|c| !c),
        _ => order(op, a, b, m),
    }
}

/// Python's `a == b`.
pub fn equal(a: &Value, b: &Value, m: &mut Meter) -> CalcResult<bool> {
    if let (Some(x), Some(y)) = (Num::of(a), Num::of(b)) {
        return Ok(num_equal(&x, &y));
    }
    Ok(match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Range(x), Value::Range(y)) => x.equals(y),
        (Value::Tuple(x), Value::Tuple(y)) | (Value::List(x), Value::List(y)) => {
            if x.len() != y.len() {
                return Ok(false);
            }
            for (p, q) in x.items().iter().zip(y.items()) {
                if !same_or_equal(p, q, m)? {
                    return Ok(false);
                }
            }
            true
        }
        _ => false,
    })
}

/// CPython's `PyObject_RichCompareBool(a, b, Py_EQ)`: identity first,
/// then `==` (see "Identity" in the value module).
pub fn same_or_equal(a: &Value, b: &Value, m: &mut Meter) -> CalcResult<bool> {
    m.step()?;
    Ok(a.is_same_nan(b) || equal(a, b, m)?)
}

fn num_equal(x: &Num, y: &Num) -> bool {
    match (x, y) {
        (Num::Int(i), Num::Int(j)) => i == j,
        (Num::Int(i), Num::Float(f)) | (Num::Float(f), Num::Int(i)) => {
            i.cmp_f64(*f) == Some(Ordering::Equal)
        }
        (Num::Float(p), Num::Float(q)) => p == q,
        (Num::Complex(c), Num::Complex(d)) => c.re == d.re && c.im == d.im,
        (Num::Complex(c), other) | (other, Num::Complex(c)) => {
            c.im == 0.0 && num_equal(&Num::Float(c.re), other)
        }
    }
}

/// An ordering comparison (`<`, `<=`, `>`, `>=`).
fn order(op: CompareOp, a: &Value, b: &Value, m: &mut Meter) -> CalcResult<bool> {
    let not_supported = || {
        type_error(format!(
            "'{}' not supported between instances of '{}' and '{}'",
            op.symbol(),
            a.type_name(),
            b.type_name()
        ))
    };
    let ordering = match (Num::of(a), Num::of(b)) {
        (Some(Num::Complex(_)), Some(_)) | (Some(_), Some(Num::Complex(_))) => {
            return Err(not_supported());
        }
        (Some(x), Some(y)) => num_cmp(&x, &y),
        _ => match (a, b) {
            (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
            (Value::Tuple(x), Value::Tuple(y)) | (Value::List(x), Value::List(y)) => {
                // The first items that differ decide, with the operator
                // itself; if none differ, the lengths do.
                for (p, q) in x.items().iter().zip(y.items()) {
                    if !same_or_equal(p, q, m)? {
                        return compare(op, p, q, m);
                    }
                }
                Some(x.len().cmp(&y.len()))
            }
            _ => return Err(not_supported()),
        },
    };
    Ok(match ordering {
        None => false,
        Some(o) => match op {
            CompareOp::Lt => o == Ordering::Less,
            CompareOp::Le => o != Ordering::Greater,
            CompareOp::Gt => o == Ordering::Greater,
            _ => o != Ordering::Less,
        },
    })
}

/// Exact ordering of two real numbers (`None` when a NaN is involved).
fn num_cmp(x: &Num, y: &Num) -> Option<Ordering> {
    match (x, y) {
        (Num::Int(i), Num::Int(j)) => Some(cmp_int(i, j)),
        (Num::Int(i), Num::Float(f)) => i.cmp_f64(*f),
        (Num::Float(f), Num::Int(i)) => i.cmp_f64(*f).map(Ordering::reverse),
        (Num::Float(p), Num::Float(q)) => p.partial_cmp(q),
        _ => None,
    }
}

/// Python's `a < b`, as `min`, `max` and `sorted` use it.
pub fn less_than(a: &Value, b: &Value, m: &mut Meter) -> CalcResult<bool> {
    compare(CompareOp::Lt, a, b, m)
}

/// `item in container` for a container that is a value (a generator is
/// searched by the evaluator).
pub fn contains(container: &Value, item: &Value, m: &mut Meter) -> CalcResult<bool> {
    match container {
        Value::Tuple(s) | Value::List(s) => {
            for e in s.items() {
                if same_or_equal(e, item, m)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Value::Str(s) => match item {
            Value::Str(needle) => {
                m.charge(s.len() as u64 / 8 + 1)?;
                Ok(s.contains(needle.as_str()))
            }
            other => Err(type_error(format!(
                "'in <string>' requires string as left operand, not {}",
                other.type_name()
            ))),
        },
        Value::Range(r) => Ok(match Num::of(item) {
            Some(Num::Int(i)) => r.contains_int(&i),
            // CPython searches the range item by item for anything but an
            // int; the answer is the same as asking whether the number is
            // an integer inside the range, which costs nothing.
            Some(Num::Float(x)) => float_in_range(x, r),
            Some(Num::Complex(c)) => c.im == 0.0 && float_in_range(c.re, r),
            // No item of a range equals a value that is not a number
            // (CPython would compare each, and find none).
            None => false,
        }),
        other => Err(type_error(format!(
            "argument of type '{}' is not iterable",
            other.type_name()
        ))),
    }
}

fn float_in_range(x: f64, r: &sequence::Range) -> bool {
    use num_traits::FromPrimitive;
    x.is_finite()
        && x.fract() == 0.0
        && num_bigint::BigInt::from_f64(x).is_some_and(|b| r.contains_int(&Int::from(b)))
}
