//! The built-in constants and functions: the only names an expression can
//! reach besides the session's own variables.
//!
//! This fixed table is the heart of the safety argument: Python's `eval()`
//! resolves names through `globals`, `__builtins__` and attribute lookups,
//! each a path to `__import__`, `open` or the object graph; here a name is
//! either a row of [`FUNCTIONS`] or [`CONSTANTS`], or a variable holding a
//! number. There is nothing else to reach.
//!
//! Each function follows CPython 3.11's `math` module (or the builtin of the
//! same name): same argument rules, same result type, same error class.

use num_bigint::{BigInt, BigUint};
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive};

use super::error::{CalcError, CalcResult};
use super::number::{
    Int, Meter, Value, division_cost, float_parts, float_to_int, pow2, product_cost, ratio_to_f64,
    round_half_even, signed,
};

/// A named constant.
#[derive(Debug)]
pub struct Constant {
    pub name: &'static str,
    pub value: f64,
}

/// Constants are equal by name (`nan` must equal itself in a syntax tree).
impl PartialEq for Constant {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// The constants, as in Python's `math` module.
pub static CONSTANTS: [Constant; 5] = [
    Constant {
        name: "pi",
        value: std::f64::consts::PI,
    },
    Constant {
        name: "e",
        value: std::f64::consts::E,
    },
    Constant {
        name: "tau",
        value: std::f64::consts::TAU,
    },
    Constant {
        name: "inf",
        value: f64::INFINITY,
    },
    Constant {
        name: "nan",
        value: f64::NAN,
    },
];

/// How many arguments a function takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    Exactly(usize),
    Between(usize, usize),
    AtLeast(usize),
}

impl Arity {
    fn accepts(self, n: usize) -> bool {
        match self {
            Arity::Exactly(k) => n == k,
            Arity::Between(lo, hi) => (lo..=hi).contains(&n),
            Arity::AtLeast(lo) => n >= lo,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Arity::Exactly(1) => "exactly one argument",
            Arity::Exactly(2) => "exactly 2 arguments",
            Arity::Between(1, 2) => "1 or 2 arguments",
            Arity::AtLeast(2) => "at least 2 arguments",
            _ => "a different number of arguments",
        }
    }
}

type Implementation = fn(&[Value], &mut Meter) -> CalcResult<Value>;

/// A built-in function: one row of the table.
pub struct Builtin {
    pub name: &'static str,
    /// How it is called, for help: `log(x[, base])`.
    pub signature: &'static str,
    /// One line of help.
    pub help: &'static str,
    pub arity: Arity,
    implementation: Implementation,
}

impl std::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Builtin({})", self.name)
    }
}

impl PartialEq for Builtin {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Builtin {
    /// Checks the argument count, then calls the function.
    pub fn call(&self, args: &[Value], meter: &mut Meter) -> CalcResult<Value> {
        if !self.arity.accepts(args.len()) {
            return Err(CalcError::Arity {
                function: self.name,
                expected: self.arity.describe(),
                got: args.len(),
            });
        }
        meter.charge(1)?;
        (self.implementation)(args, meter)
    }
}

macro_rules! builtin {
    ($name:literal, $sig:literal, $arity:expr, $help:literal, $f:expr) => {
        Builtin {
            name: $name,
            signature: $sig,
            help: $help,
            arity: $arity,
            implementation: $f,
        }
    };
}

use Arity::{AtLeast, Between, Exactly};

/// Every built-in function, in the order `/help` lists them.
pub static FUNCTIONS: [Builtin; 27] = [
    builtin!("abs", "abs(x)", Exactly(1), "absolute value", |a, m| abs(
        &a[0], m
    )),
    builtin!(
        "round",
        "round(x[, n])",
        Between(1, 2),
        "round half to even; an int without n",
        round
    ),
    builtin!(
        "min",
        "min(a, b, ...)",
        AtLeast(2),
        "smallest argument",
        |a, _| Ok(min_max(a, false))
    ),
    builtin!(
        "max",
        "max(a, b, ...)",
        AtLeast(2),
        "largest argument",
        |a, _| Ok(min_max(a, true))
    ),
    builtin!("sqrt", "sqrt(x)", Exactly(1), "square root", |a, _| math_1(
        &a[0],
        f64::sqrt,
        false
    )),
    builtin!("exp", "exp(x)", Exactly(1), "e ** x", |a, _| math_1(
        &a[0],
        f64::exp,
        true
    )),
    builtin!(
        "log",
        "log(x[, base])",
        Between(1, 2),
        "natural logarithm, or to a base",
        log
    ),
    builtin!("log2", "log2(x)", Exactly(1), "base-2 logarithm", |a, m| {
        log_of(&a[0], f64::log2, m).map(Value::Float)
    }),
    builtin!(
        "log10",
        "log10(x)",
        Exactly(1),
        "base-10 logarithm",
        |a, m| log_of(&a[0], f64::log10, m).map(Value::Float)
    ),
    builtin!(
        "sin",
        "sin(x)",
        Exactly(1),
        "sine (radians)",
        |a, _| math_1(&a[0], f64::sin, false)
    ),
    builtin!("cos", "cos(x)", Exactly(1), "cosine (radians)", |a, _| {
        math_1(&a[0], f64::cos, false)
    }),
    builtin!("tan", "tan(x)", Exactly(1), "tangent (radians)", |a, _| {
        math_1(&a[0], f64::tan, false)
    }),
    builtin!("asin", "asin(x)", Exactly(1), "arc sine", |a, _| math_1(
        &a[0],
        f64::asin,
        false
    )),
    builtin!("acos", "acos(x)", Exactly(1), "arc cosine", |a, _| math_1(
        &a[0],
        f64::acos,
        false
    )),
    builtin!("atan", "atan(x)", Exactly(1), "arc tangent", |a, _| math_1(
        &a[0],
        f64::atan,
        false
    )),
    builtin!(
        "atan2",
        "atan2(y, x)",
        Exactly(2),
        "arc tangent of y/x, in the right quadrant",
        atan2
    ),
    builtin!("sinh", "sinh(x)", Exactly(1), "hyperbolic sine", |a, _| {
        math_1(&a[0], f64::sinh, true)
    }),
    builtin!(
        "cosh",
        "cosh(x)",
        Exactly(1),
        "hyperbolic cosine",
        |a, _| math_1(&a[0], f64::cosh, true)
    ),
    builtin!(
        "tanh",
        "tanh(x)",
        Exactly(1),
        "hyperbolic tangent",
        |a, _| math_1(&a[0], f64::tanh, false)
    ),
    builtin!(
        "floor",
        "floor(x)",
        Exactly(1),
        "largest int <= x",
        |a, m| to_int_with(&a[0], f64::floor, m)
    ),
    builtin!(
        "ceil",
        "ceil(x)",
        Exactly(1),
        "smallest int >= x",
        |a, m| to_int_with(&a[0], f64::ceil, m)
    ),
    builtin!(
        "trunc",
        "trunc(x)",
        Exactly(1),
        "x without its fraction, as an int",
        |a, m| to_int_with(&a[0], f64::trunc, m)
    ),
    builtin!(
        "factorial",
        "factorial(n)",
        Exactly(1),
        "n! for an int n >= 0",
        factorial
    ),
    builtin!(
        "gcd",
        "gcd(a, b, ...)",
        AtLeast(0),
        "greatest common divisor of ints",
        gcd
    ),
    builtin!(
        "hypot",
        "hypot(x, y, ...)",
        AtLeast(0),
        "Euclidean norm, sqrt(x*x + y*y + ...)",
        hypot
    ),
    builtin!(
        "degrees",
        "degrees(x)",
        Exactly(1),
        "radians to degrees",
        |a, _| Ok(Value::Float(
            a[0].to_f64()? * (180.0 / std::f64::consts::PI)
        ))
    ),
    builtin!(
        "radians",
        "radians(x)",
        Exactly(1),
        "degrees to radians",
        |a, _| Ok(Value::Float(
            a[0].to_f64()? * (std::f64::consts::PI / 180.0)
        ))
    ),
];

/// The function of that name, if any.
pub fn function(name: &str) -> Option<&'static Builtin> {
    // The first byte rules out most names without a call to `memcmp`.
    let first = name.as_bytes().first();
    FUNCTIONS
        .iter()
        .find(|f| f.name.as_bytes().first() == first && f.name == name)
}

/// The constant of that name, if any.
pub fn constant(name: &str) -> Option<&'static Constant> {
    CONSTANTS.iter().find(|c| c.name == name)
}

/// True for the names a session may not assign to.
pub fn is_builtin_name(name: &str) -> bool {
    function(name).is_some() || constant(name).is_some()
}

/// Python's error for an int-only argument given a float.
fn not_an_integer(v: &Value) -> CalcError {
    CalcError::Type(format!(
        "'{}' object cannot be interpreted as an integer",
        v.type_name()
    ))
}

fn int_arg(v: &Value) -> CalcResult<&Int> {
    match v {
        Value::Int(i) => Ok(i),
        Value::Float(_) => Err(not_an_integer(v)),
    }
}

/// CPython's `math_1`: call a libm function and turn NaN-from-non-NaN into
/// a domain error and infinity-from-finite into an overflow (or domain)
/// error. Rust's `f64` methods call the same C library functions.
fn math_1(x: &Value, f: fn(f64) -> f64, can_overflow: bool) -> CalcResult<Value> {
    let x = x.to_f64()?;
    let r = f(x);
    if r.is_nan() && !x.is_nan() {
        return Err(CalcError::MathDomain);
    }
    if r.is_infinite() && x.is_finite() {
        return Err(if can_overflow {
            CalcError::Overflow("math range error")
        } else {
            CalcError::MathDomain
        });
    }
    Ok(Value::Float(r))
}

fn abs(x: &Value, m: &mut Meter) -> CalcResult<Value> {
    Ok(match x {
        Value::Float(f) => Value::Float(f.abs()),
        Value::Int(i) if i.is_negative() => return super::number::neg(x, m),
        Value::Int(_) => x.clone(),
    })
}

/// `min`/`max` as CPython does it: keep the first, replace it only when a
/// later argument compares strictly better (so NaN handling and ties match).
fn min_max(args: &[Value], want_max: bool) -> Value {
    let mut best = &args[0];
    for candidate in &args[1..] {
        let better = if want_max {
            best.less_than(candidate)
        } else {
            candidate.less_than(best)
        };
        if better {
            best = candidate;
        }
    }
    best.clone()
}

/// `floor`, `ceil`, `trunc`: ints pass through; floats become exact ints.
fn to_int_with(x: &Value, f: fn(f64) -> f64, m: &mut Meter) -> CalcResult<Value> {
    match x {
        Value::Int(_) => Ok(x.clone()),
        Value::Float(v) => float_to_int(f(*v), m).map(Value::Int),
    }
}

/// CPython's `loghelper`: ints too large for a float still have a
/// logarithm, computed from their leading bits and their bit length.
fn log_of(x: &Value, f: fn(f64) -> f64, m: &mut Meter) -> CalcResult<f64> {
    if let Value::Int(i) = x {
        if i.is_negative() || i.is_zero() {
            return Err(CalcError::MathDomain);
        }
        if let Ok(v) = i.to_f64() {
            return Ok(f(v));
        }
        m.charge(4 * i.words())?;
        let (mantissa, exponent) = frexp_int(&i.big());
        return Ok(f(mantissa) + f(2.0) * exponent as f64);
    }
    let v = x.to_f64()?;
    // CPython's m_log family: log(0) and log(negative) are domain errors,
    // log(inf) is inf and log(nan) is nan.
    if v.is_nan() || v == f64::INFINITY {
        return Ok(v);
    }
    if v <= 0.0 {
        return Err(CalcError::MathDomain);
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

fn log(args: &[Value], m: &mut Meter) -> CalcResult<Value> {
    let num = log_of(&args[0], f64::ln, m)?;
    let Some(base) = args.get(1) else {
        return Ok(Value::Float(num));
    };
    let den = log_of(base, f64::ln, m)?;
    if den == 0.0 {
        return Err(CalcError::ZeroDivision("float division by zero"));
    }
    Ok(Value::Float(num / den))
}

/// CPython's `m_atan2`, which pins down the IEEE special cases itself.
fn atan2(args: &[Value], _: &mut Meter) -> CalcResult<Value> {
    use std::f64::consts::PI;
    let (y, x) = (args[0].to_f64()?, args[1].to_f64()?);
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
    Ok(Value::Float(r))
}

/// `round(x)` and `round(x, n)` with Python 3's round-half-to-even on the
/// exact binary value (so `round(2.675, 2)` is `2.67`, as in Python).
fn round(args: &[Value], m: &mut Meter) -> CalcResult<Value> {
    let ndigits = match args.get(1) {
        None => None,
        Some(Value::Int(n)) => Some(n),
        Some(other) => return Err(not_an_integer(other)),
    };
    match (&args[0], ndigits) {
        (Value::Float(x), None) => float_to_int(x.round_ties_even(), m).map(Value::Int),
        (Value::Int(_), None) => Ok(args[0].clone()),
        (Value::Float(x), Some(n)) => round_float(*x, n).map(Value::Float),
        (Value::Int(i), Some(n)) => round_int(i, n, m).map(Value::Int),
    }
}

/// CPython's `double_round`: round to `n` decimal places, then back to the
/// nearest float, done here in exact integer arithmetic.
fn round_float(x: f64, n: &Int) -> CalcResult<f64> {
    if !x.is_finite() {
        return Ok(x);
    }
    // CPython's NDIGITS_MAX / NDIGITS_MIN: beyond them the answer is known.
    let n = match n.to_i64() {
        Some(n) if n > 323 => return Ok(x),
        Some(n) if n < -308 => return Ok(0.0 * x),
        Some(n) => n,
        None if n.is_negative() => return Ok(0.0 * x),
        None => return Ok(x),
    };
    let (negative, mantissa, exponent) = float_parts(x);
    // |x| = mantissa * 2**exponent; scaled = |x| * 10**n = num / den.
    let ten_n = num_traits::pow(BigUint::from(10u32), n.unsigned_abs() as usize);
    let mut num = BigUint::from(mantissa);
    let mut den = BigUint::from(1u32);
    if exponent >= 0 {
        num <<= exponent as u64;
    } else {
        den <<= (-exponent) as u64;
    }
    if n >= 0 {
        num *= &ten_n;
    } else {
        den *= &ten_n;
    }
    let rounded = round_half_even(&num, &den);
    // Back to a float: rounded / 10**n, correctly rounded.
    let magnitude = if n >= 0 {
        ratio_to_f64(&rounded, &ten_n)
    } else {
        ratio_to_f64(&(rounded * ten_n), &BigUint::from(1u32))
    }
    .ok_or(CalcError::Overflow("rounded value too large to represent"))?;
    Ok(if negative { -magnitude } else { magnitude })
}

/// `round(int, n)`: unchanged for `n >= 0`; otherwise to a multiple of
/// `10**-n`, ties to even, as CPython's `_PyLong_DivmodNear`.
fn round_int(i: &Int, n: &Int, m: &mut Meter) -> CalcResult<Int> {
    if !n.is_negative() {
        return Ok(i.clone());
    }
    // 10**k > 2*|i| means the answer is 0; no need to build 10**k.
    let digits_bound = (i.bits() as f64 / std::f64::consts::LOG2_10) as i64 + 2;
    let k = match n.to_i64() {
        Some(n) if -n <= digits_bound => n.unsigned_abs() as usize,
        _ => return Ok(Int::Small(0)),
    };
    // Building 10**k, then one long division.
    m.charge(2 * product_cost(i.words(), i.words()) + division_cost(i.words(), i.words()))?;
    let unit = num_traits::pow(BigUint::from(10u32), k);
    let big = i.big();
    let q = round_half_even(big.magnitude(), &unit);
    m.check_int(Int::from(signed(big.is_negative(), q * unit)))
}

/// `factorial(n)`, refused before computing when `n!` would exceed the
/// digit limit (estimated with Stirling's formula).
fn factorial(args: &[Value], m: &mut Meter) -> CalcResult<Value> {
    let n = int_arg(&args[0])?;
    if n.is_negative() {
        return Err(CalcError::InvalidValue(
            "factorial() not defined for negative values".into(),
        ));
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
fn gcd(args: &[Value], m: &mut Meter) -> CalcResult<Value> {
    let mut acc = Int::Small(0);
    for arg in args {
        let x = int_arg(arg)?;
        acc = match (&acc, x) {
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
fn hypot(args: &[Value], _: &mut Meter) -> CalcResult<Value> {
    let mut coordinates = Vec::with_capacity(args.len());
    let mut max = 0.0f64;
    let mut found_nan = false;
    for arg in args {
        let x = arg.to_f64()?.abs();
        found_nan |= x.is_nan();
        if x > max {
            max = x;
        }
        coordinates.push(x);
    }
    Ok(Value::Float(vector_norm(&mut coordinates, max, found_nan)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::Limits;

    fn call(name: &str, args: &[Value]) -> CalcResult<Value> {
        let mut meter = Meter::new(&Limits::default());
        function(name).unwrap().call(args, &mut meter)
    }

    #[test]
    fn every_function_is_found_by_name() {
        for f in FUNCTIONS.iter() {
            assert_eq!(function(f.name).unwrap().name, f.name);
            assert!(f.signature.starts_with(f.name));
        }
        assert!(function("open").is_none());
        assert!(function("__import__").is_none());
    }

    #[test]
    fn round_matches_python() {
        let r = |x: f64, n: i64| call("round", &[Value::Float(x), Value::from(n)]).unwrap();
        assert_eq!(r(2.675, 2).to_string(), "2.67");
        assert_eq!(r(0.125, 2).to_string(), "0.12");
        assert_eq!(r(1234.5678, -2).to_string(), "1200.0");
        assert_eq!(r(-0.4, 0).to_string(), "-0.0");
        let one = |x: f64| call("round", &[Value::Float(x)]).unwrap().to_string();
        assert_eq!(one(2.5), "2");
        assert_eq!(one(-0.5), "0");
        assert_eq!(one(3.5), "4");
        let ri = |i: i64, n: i64| call("round", &[Value::from(i), Value::from(n)]).unwrap();
        assert_eq!(ri(15, -1).to_string(), "20");
        assert_eq!(ri(25, -1).to_string(), "20");
        assert_eq!(ri(-25, -1).to_string(), "-20");
        assert_eq!(ri(7, -100).to_string(), "0");
    }

    #[test]
    fn arity_and_type_errors() {
        assert!(matches!(
            call("sqrt", &[]),
            Err(CalcError::Arity { got: 0, .. })
        ));
        assert!(matches!(
            call("factorial", &[Value::Float(5.0)]),
            Err(CalcError::Type(_))
        ));
        assert!(matches!(
            call("factorial", &[Value::from(-1)]),
            Err(CalcError::InvalidValue(_))
        ));
    }

    #[test]
    fn factorial_refuses_huge_inputs_without_computing() {
        let mut meter = Meter::new(&Limits::default());
        let err = function("factorial")
            .unwrap()
            .call(&[Value::from(1_000_000)], &mut meter)
            .unwrap_err();
        assert!(matches!(err, CalcError::IntTooLarge { .. }));
        assert!(meter.used() < 10);
        assert_eq!(
            call("factorial", &[Value::from(20)]).unwrap().to_string(),
            "2432902008176640000"
        );
    }

    #[test]
    fn logs_of_huge_ints() {
        let big = Value::Int(Int::from(num_traits::pow(BigInt::from(10), 400)));
        let r = call("log10", &[big]).unwrap();
        assert_eq!(r.to_string(), "400.0");
    }

    #[test]
    fn hypot_matches_python() {
        let r = call("hypot", &[Value::from(3), Value::from(4)]).unwrap();
        assert_eq!(r.to_string(), "5.0");
        assert_eq!(call("hypot", &[]).unwrap().to_string(), "0.0");
    }
}
