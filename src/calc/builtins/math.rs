//! The `math` module's functions, as CPython 3.11's `mathmodule.c`
//! defines them.

use num_bigint::{BigInt, BigUint};
use num_integer::Integer;
use num_traits::ToPrimitive;

use super::super::error::{
    CalcError, CalcResult, overflow_error, type_error, value_error, zero_division,
};
use super::super::number::{Int, Meter, float_parts, float_to_int, pow2, ratio_to_f64};
use super::super::value::Value;
use super::args::{Arg, Params};
use super::{Builtin, Call};

/// A row of the math module's functions.
macro_rules! math {
    ($name:literal, $spelling:literal, $group:ident, $sig:literal, $params:expr, $help:literal, $body:expr) => {
        function!(Math, $name, $spelling, $group, $sig, $params, $help, $body)
    };
}

const ONE: Params = Params::One;
const TWO: Params = Params::Positional { min: 2, max: 2 };

/// CPython's `PyFloat_AsDouble` on an argument: an int or a float (or a
/// bool); anything else is `must be real number, not X`.
fn real(arg: Option<&Arg>) -> CalcResult<f64> {
    match arg {
        Some(Arg::Value(Value::Float(x))) => Ok(*x),
        Some(Arg::Value(v @ (Value::Int(_) | Value::Bool(_)))) => {
            v.as_int().unwrap_or(Int::Small(0)).to_f64()
        }
        other => Err(type_error(format!(
            "must be real number, not {}",
            other.map_or("NoneType", Arg::type_name)
        ))),
    }
}

/// An int argument (`math.factorial`, `math.gcd`).
fn integer(arg: Option<&Arg>) -> CalcResult<Int> {
    match arg {
        Some(Arg::Value(v)) => v
            .as_int()
            .ok_or_else(|| super::core::not_an_integer(v.type_name())),
        other => Err(super::core::not_an_integer(
            other.map_or("NoneType", Arg::type_name),
        )),
    }
}

/// CPython's `math_1`: call a libm function and turn NaN-from-non-NaN into
/// a domain error and infinity-from-finite into an overflow (or domain)
/// error. Rust's `f64` methods call the same C library functions.
fn math_1(x: Option<&Arg>, f: fn(f64) -> f64, can_overflow: bool) -> CalcResult<Value> {
    let x = real(x)?;
    let r = f(x);
    if r.is_nan() && !x.is_nan() {
        return Err(value_error("math domain error"));
    }
    if r.is_infinite() && x.is_finite() {
        return Err(if can_overflow {
            overflow_error("math range error")
        } else {
            value_error("math domain error")
        });
    }
    Ok(Value::float(r))
}

/// CPython's `loghelper`: ints too large for a float still have a
/// logarithm, computed from their leading bits and their bit length.
fn log_of(x: Option<&Arg>, f: fn(f64) -> f64, m: &mut Meter) -> CalcResult<f64> {
    if let Some(Arg::Value(v @ (Value::Int(_) | Value::Bool(_)))) = x {
        let i = v.as_int().unwrap_or(Int::Small(0));
        if i.is_negative() || i.is_zero() {
            return Err(value_error("math domain error"));
        }
        if let Ok(v) = i.to_f64() {
            return Ok(f(v));
        }
        m.charge(4 * i.words())?;
        let (mantissa, exponent) = frexp_int(&i.big());
        return Ok(f(mantissa) + f(2.0) * exponent as f64);
    }
    let v = real(x)?;
    // CPython's m_log family: log(0) and log(negative) are domain errors,
    // log(inf) is inf and log(nan) is nan.
    if v.is_nan() || v == f64::INFINITY {
        return Ok(v);
    }
    if v <= 0.0 {
        return Err(value_error("math domain error"));
    }
    Ok(f(v))
}

/// CPython's `_PyLong_Frexp` for a positive int: `(m, e)` with
/// `x ~= m * 2**e`, `0.5 <= m < 1`, `m` rounded to 53 bits, ties to even.
fn frexp_int(x: &BigInt) -> (f64, u64) {
    let bits = x.bits();
    let magnitude = x.magnitude();
    let shift = bits.saturating_sub(55);
    let top = magnitude >> shift;
    let sticky = magnitude
        .trailing_zeros()
        .is_some_and(|zeros| zeros < shift);
    // top has 55 bits (bits 54..0); round to 53 keeping a sticky bit.
    let top = top.to_u64().unwrap_or(0) | u64::from(sticky);
    let total = ratio_to_f64(
        &BigUint::from(top),
        &(BigUint::from(1u32) << (bits - shift)),
    )
    .unwrap_or(0.5);
    if total >= 1.0 {
        (0.5, bits + 1)
    } else {
        (total, bits)
    }
}

/// `math.log(x[, base])`, which reads its arguments itself.
fn log(c: &mut Call<'_>) -> CalcResult<Value> {
    if !c.keywords().is_empty() {
        return Err(type_error("log() takes no keyword arguments"));
    }
    if !(1..=2).contains(&c.len()) {
        return Err(type_error("math.log requires 1 to 2 arguments"));
    }
    let (x, base) = (c.arg(0), c.arg(1));
    let num = log_of(x, f64::ln, c.meter())?;
    let Some(base) = base else {
        return Ok(Value::float(num));
    };
    let den = log_of(Some(base), f64::ln, c.meter())?;
    if den == 0.0 {
        return Err(zero_division("float division by zero"));
    }
    Ok(Value::float(num / den))
}

/// CPython's `m_atan2`, which pins down the IEEE special cases itself.
fn atan2(c: &mut Call<'_>) -> CalcResult<Value> {
    use std::f64::consts::PI;
    let (y, x) = (real(c.arg(0))?, real(c.arg(1))?);
    let r = if x.is_nan() || y.is_nan() {
        f64::NAN
    } else if y.is_infinite() {
        if x.is_infinite() {
            if x.is_sign_positive() {
                (0.25 * PI).copysign(y)
            } else {
                (0.75 * PI).copysign(y)
            }
        } else {
            (0.5 * PI).copysign(y)
        }
    } else if x.is_infinite() || y == 0.0 {
        if x.is_sign_positive() {
            0.0f64.copysign(y)
        } else {
            PI.copysign(y)
        }
    } else {
        y.atan2(x)
    };
    Ok(Value::float(r))
}

/// `factorial(n)`, refused before computing when `n!` would exceed the
/// digit limit (estimated with Stirling's formula).
fn factorial(c: &mut Call<'_>) -> CalcResult<Value> {
    let n = match c.arg(0) {
        Some(Arg::Value(Value::Float(_))) => {
            return Err(type_error(
                "'float' object cannot be interpreted as an integer",
            ));
        }
        other => integer(other)?,
    };
    let m = c.meter();
    if n.is_negative() {
        return Err(value_error("factorial() not defined for negative values"));
    }
    let too_large = CalcError::IntTooLarge {
        max: m.limits().max_int_digits,
    };
    let Some(n) = n.to_i64().filter(|n| *n <= 1_000_000) else {
        return Err(too_large);
    };
    if n > 20 {
        // log2(n!) by Stirling, an underestimate by less than 1/(12n).
        let nf = n as f64;
        let ln = nf * nf.ln() - nf + 0.5 * (2.0 * std::f64::consts::PI * nf).ln();
        let bits = ln / std::f64::consts::LN_2;
        if bits > m.limits().max_int_digits as f64 * std::f64::consts::LOG2_10 + 2.0 {
            return Err(too_large);
        }
        let words = (bits / 64.0) as u64 + 1;
        m.charge(words.saturating_mul(n as u64) / 2)?;
    }
    let mut product = BigUint::from(1u32);
    for k in 2..=n as u64 {
        product *= k;
    }
    m.check_int(Int::from(BigInt::from(product)))
        .map(Value::Int)
}

/// `gcd(*ints)`: 0 for no arguments, always non-negative.
fn gcd(c: &mut Call<'_>) -> CalcResult<Value> {
    let mut acc = Int::Small(0);
    for i in 0..c.len() {
        let x = integer(c.arg(i))?;
        let m = c.meter();
        acc = match (&acc, &x) {
            (Int::Small(a), Int::Small(b)) if *a != i64::MIN && *b != i64::MIN => {
                Int::Small(a.gcd(b))
            }
            _ => {
                // num-bigint's binary gcd takes about one shift-and-subtract
                // of the whole number per bit: quadratic, and slower than a
                // product (1.25 ms for two 4,300-digit numbers), so charged
                // by bits times words.
                let bits = acc.bits().max(x.bits());
                m.charge(2 * bits * acc.words().max(x.words()))?;
                Int::from(acc.big().gcd(&x.big()))
            }
        };
    }
    Ok(Value::Int(acc))
}

/// `hypot(*coordinates)`: CPython 3.11's `vector_norm`, an almost always
/// correctly rounded algorithm (error-free products and sums, then one
/// Newton correction), reproduced step by step so results match to the bit.
fn hypot(c: &mut Call<'_>) -> CalcResult<Value> {
    let mut coordinates = Vec::with_capacity(c.len());
    let mut max = 0.0f64;
    let mut found_nan = false;
    for i in 0..c.len() {
        let x = real(c.arg(i))?.abs();
        found_nan |= x.is_nan();
        if x > max {
            max = x;
        }
        coordinates.push(x);
    }
    Ok(Value::float(vector_norm(&mut coordinates, max, found_nan)))
}

/// The exact sum `a + b` as a pair (high, low), given `|a| >= |b|`.
fn fast_two_sum(a: f64, b: f64) -> (f64, f64) {
    let hi = a + b;
    (hi, b - (hi - a))
}

/// The exact product `a * b` as a pair (high, low).
fn two_product(a: f64, b: f64) -> (f64, f64) {
    let hi = a * b;
    (hi, a.mul_add(b, -hi))
}

fn vector_norm(vec: &mut [f64], max: f64, found_nan: bool) -> f64 {
    if max.is_infinite() {
        return max;
    }
    if found_nan {
        return f64::NAN;
    }
    if max == 0.0 || vec.len() <= 1 {
        return max;
    }
    let max_e = frexp_exponent(max);
    if max_e < -1023 {
        // Scaling by 2**-max_e would overflow: lift subnormals first.
        for x in vec.iter_mut() {
            *x /= f64::MIN_POSITIVE;
        }
        return f64::MIN_POSITIVE * vector_norm(vec, max / f64::MIN_POSITIVE, found_nan);
    }
    let scale = pow2(-max_e);
    let (mut csum, mut frac1, mut frac2) = (1.0f64, 0.0f64, 0.0f64);
    for x in vec.iter() {
        let x = x * scale;
        let (hi, lo) = two_product(x, x);
        let (sum, sum_lo) = fast_two_sum(csum, hi);
        csum = sum;
        frac1 += lo;
        frac2 += sum_lo;
    }
    let mut h = (csum - 1.0 + (frac1 + frac2)).sqrt();
    let (hi, lo) = two_product(-h, h);
    let (sum, sum_lo) = fast_two_sum(csum, hi);
    csum = sum;
    frac1 += lo;
    frac2 += sum_lo;
    let x = csum - 1.0 + (frac1 + frac2);
    h += x / (2.0 * h);
    h / scale
}

/// The exponent `frexp` returns: `x = m * 2**e` with `0.5 <= m < 1`.
fn frexp_exponent(x: f64) -> i32 {
    let (_, mantissa, exponent) = float_parts(x);
    // mantissa * 2**exponent with mantissa < 2**53: e = exponent + bits.
    (exponent + (64 - mantissa.leading_zeros()) as i64) as i32
}

/// `floor`, `ceil`, `trunc`: ints pass through; floats become exact ints.
fn to_int_with(c: &mut Call<'_>, f: fn(f64) -> f64) -> CalcResult<Value> {
    match c.arg(0) {
        Some(Arg::Value(v @ (Value::Int(_) | Value::Bool(_)))) => {
            Ok(Value::Int(v.as_int().unwrap_or(Int::Small(0))))
        }
        other => float_to_int(f(real(other)?), c.meter()).map(Value::Int),
    }
}

/// `math.pow`: always floats, with C's `pow` special cases and CPython's
/// errors.
fn math_pow(c: &mut Call<'_>) -> CalcResult<Value> {
    let (x, y) = (real(c.arg(0))?, real(c.arg(1))?);
    let r = if !x.is_finite() || !y.is_finite() {
        if x.is_nan() {
            if y == 0.0 { 1.0 } else { x }
        } else if y.is_nan() {
            if x == 1.0 { 1.0 } else { y }
        } else {
            x.powf(y)
        }
    } else {
        let r = x.powf(y);
        if r.is_nan() {
            return Err(value_error("math domain error"));
        }
        if r.is_infinite() {
            return Err(if x == 0.0 {
                value_error("math domain error")
            } else {
                overflow_error("math range error")
            });
        }
        r
    };
    Ok(Value::float(r))
}

pub const SQRT: Builtin = math!("sqrt", "sqrt", Powers, "sqrt(x)", ONE, "square root", |c| {
    math_1(c.arg(0), f64::sqrt, false)
});
pub const EXP: Builtin = math!("exp", "exp", Powers, "exp(x)", ONE, "e ** x", |c| math_1(
    c.arg(0),
    f64::exp,
    true
));
pub const LOG: Builtin = math!(
    "log",
    "log",
    Powers,
    "log(x[, base])",
    Params::Custom,
    "natural logarithm, or to a base",
    log
);
pub const LOG2: Builtin = math!(
    "log2",
    "log2",
    Powers,
    "log2(x)",
    ONE,
    "base-2 logarithm",
    |c| {
        let x = c.arg(0);
        log_of(x, f64::log2, c.meter()).map(Value::float)
    }
);
pub const LOG10: Builtin = math!(
    "log10",
    "log10",
    Powers,
    "log10(x)",
    ONE,
    "base-10 logarithm",
    |c| {
        let x = c.arg(0);
        log_of(x, f64::log10, c.meter()).map(Value::float)
    }
);
pub const POW: Builtin = math!(
    "pow",
    "math.pow",
    Powers,
    "math.pow(x, y)",
    TWO,
    "x ** y on floats",
    math_pow
);
pub const SIN: Builtin = math!("sin", "sin", Trigonometry, "sin(x)", ONE, "sine", |c| {
    math_1(c.arg(0), f64::sin, false)
});
pub const COS: Builtin = math!("cos", "cos", Trigonometry, "cos(x)", ONE, "cosine", |c| {
    math_1(c.arg(0), f64::cos, false)
});
pub const TAN: Builtin = math!("tan", "tan", Trigonometry, "tan(x)", ONE, "tangent", |c| {
    math_1(c.arg(0), f64::tan, false)
});
pub const ASIN: Builtin = math!(
    "asin",
    "asin",
    Trigonometry,
    "asin(x)",
    ONE,
    "arc sine",
    |c| math_1(c.arg(0), f64::asin, false)
);
pub const ACOS: Builtin = math!(
    "acos",
    "acos",
    Trigonometry,
    "acos(x)",
    ONE,
    "arc cosine",
    |c| math_1(c.arg(0), f64::acos, false)
);
pub const ATAN: Builtin = math!(
    "atan",
    "atan",
    Trigonometry,
    "atan(x)",
    ONE,
    "arc tangent",
    |c| math_1(c.arg(0), f64::atan, false)
);
pub const ATAN2: Builtin = math!(
    "atan2",
    "atan2",
    Trigonometry,
    "atan2(y, x)",
    TWO,
    "arc tangent of y/x, in the right quadrant",
    atan2
);
pub const HYPOT: Builtin = math!(
    "hypot",
    "hypot",
    Trigonometry,
    "hypot(*coordinates)",
    Params::Varargs,
    "Euclidean norm, sqrt(x*x + y*y + ...)",
    hypot
);
pub const DEGREES: Builtin = math!(
    "degrees",
    "degrees",
    Trigonometry,
    "degrees(x)",
    ONE,
    "radians to degrees",
    |c| {
        Ok(Value::float(
            real(c.arg(0))? * (180.0 / std::f64::consts::PI),
        ))
    }
);
pub const RADIANS: Builtin = math!(
    "radians",
    "radians",
    Trigonometry,
    "radians(x)",
    ONE,
    "degrees to radians",
    |c| {
        Ok(Value::float(
            real(c.arg(0))? * (std::f64::consts::PI / 180.0),
        ))
    }
);
pub const SINH: Builtin = math!(
    "sinh",
    "sinh",
    Hyperbolic,
    "sinh(x)",
    ONE,
    "hyperbolic sine",
    |c| math_1(c.arg(0), f64::sinh, true)
);
pub const COSH: Builtin = math!(
    "cosh",
    "cosh",
    Hyperbolic,
    "cosh(x)",
    ONE,
    "hyperbolic cosine",
    |c| math_1(c.arg(0), f64::cosh, true)
);
pub const TANH: Builtin = math!(
    "tanh",
    "tanh",
    Hyperbolic,
    "tanh(x)",
    ONE,
    "hyperbolic tangent",
    |c| math_1(c.arg(0), f64::tanh, false)
);
pub const FLOOR: Builtin = math!(
    "floor",
    "floor",
    Rounding,
    "floor(x)",
    ONE,
    "largest int <= x",
    |c| to_int_with(c, f64::floor)
);
pub const CEIL: Builtin = math!(
    "ceil",
    "ceil",
    Rounding,
    "ceil(x)",
    ONE,
    "smallest int >= x",
    |c| to_int_with(c, f64::ceil)
);
pub const TRUNC: Builtin = math!(
    "trunc",
    "trunc",
    Rounding,
    "trunc(x)",
    ONE,
    "x without its fraction, as an int",
    |c| to_int_with(c, f64::trunc)
);
pub const FACTORIAL: Builtin = math!(
    "factorial",
    "factorial",
    Integers,
    "factorial(n)",
    ONE,
    "n! for an int n >= 0",
    factorial
);
pub const GCD: Builtin = math!(
    "gcd",
    "gcd",
    Integers,
    "gcd(*integers)",
    Params::Varargs,
    "greatest common divisor",
    gcd
);
