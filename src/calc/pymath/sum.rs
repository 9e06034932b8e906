//! The functions of many values: `fsum`, `hypot`, `dist` and `prod`.
//!
//! `fsum` and `hypot`/`dist` are CPython's accurate algorithms (Shewchuk's
//! exact partial sums; the scaled, compensated `vector_norm`), ported
//! operation by operation: their answers are correctly rounded (`fsum`) or
//! almost always so (`hypot`), which means any other algorithm would
//! differ from CPython in the rare cases. `prod` is Python's `*` folded
//! left to right, with CPython's int and float fast paths (which give the
//! same values as the generic path).
//!
//! These functions convert their arguments themselves, one at a time and
//! in CPython's order, because an error met midway (`fsum([1e308, 1e308,
//! None])` overflows before it sees `None`) must be the one CPython
//! reports.

use num_bigint::{BigInt, BigUint, Sign};

use super::convert::{IntArg, index, ldexp, real};
use super::cost::Work;
use super::{Arg, Integer, MathError, MathResult, MathValue, PyException};

/// The items of an iterable argument, or CPython's error for a value that
/// is not iterable.
pub fn items<'s, 'a>(arg: &'s Arg<'a>) -> MathResult<&'s [Arg<'a>]> {
    match arg {
        Arg::Seq(_, items) => Ok(items),
        other => Err(MathError::not_iterable(other.type_name())),
    }
}

/// `math.fsum(iterable)`: the correctly rounded sum.
///
/// Partials are kept exact and non-overlapping (each addition's rounding
/// error becomes a new partial); infinities and NaNs are summed apart, so
/// `fsum([inf, 1])` is `inf` and `fsum([inf, -inf])` is CPython's
/// `ValueError`; a finite sum that overflows is CPython's
/// `OverflowError: intermediate overflow in fsum`. `work` counts one unit
/// per partial visited.
pub fn fsum(items: &[Arg<'_>], work: &mut Work) -> MathResult<f64> {
    let mut partials: Vec<f64> = Vec::new();
    let mut special_sum = 0.0f64;
    let mut inf_sum = 0.0f64;
    for item in items {
        let mut x = real(item)?;
        if let Arg::Big(b) = item {
            work.linear(Work::words(b.bits()));
        }
        let xsave = x;
        let mut i = 0;
        work.small(partials.len() as u64 + 1);
        for j in 0..partials.len() {
            let mut y = partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let yr = hi - x;
            let lo = y - yr;
            if lo != 0.0 {
                partials[i] = lo;
                i += 1;
            }
            x = hi;
        }
        partials.truncate(i);
        if x != 0.0 {
            if !x.is_finite() {
                // From overflow, or from an inf or nan among the items.
                if xsave.is_finite() {
                    return Err(MathError::new(
                        PyException::OverflowError,
                        "intermediate overflow in fsum",
                    ));
                }
                if xsave.is_infinite() {
                    inf_sum += xsave;
                }
                special_sum = nan_right(special_sum, xsave, special_sum + xsave);
                partials.clear();
            } else {
                partials.push(x);
            }
        }
    }
    if special_sum != 0.0 {
        if inf_sum.is_nan() {
            return Err(MathError::new(
                PyException::ValueError,
                "-inf + inf in fsum",
            ));
        }
        return Ok(special_sum);
    }
    Ok(sum_exact(&partials))
}

/// The partials' exact sum, correctly rounded: add from the top until the
/// sum becomes inexact, then fix up a half-way case against the next
/// partial (CPython's round-half-even across partials).
fn sum_exact(partials: &[f64]) -> f64 {
    let mut n = partials.len();
    if n == 0 {
        return 0.0;
    }
    n -= 1;
    let mut hi = partials[n];
    let mut lo = 0.0;
    while n > 0 {
        let x = hi;
        n -= 1;
        let y = partials[n];
        hi = x + y;
        let yr = hi - x;
        lo = y - yr;
        if lo != 0.0 {
            break;
        }
    }
    if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
        let y = lo * 2.0;
        let x = hi + y;
        let yr = x - hi;
        if y == yr {
            hi = x;
        }
    }
    hi
}

/// `left OP right` as CPython computes it when both may be NaN: with the
/// right operand's NaN (sign included). IEEE 754 leaves open which NaN an
/// operation on two NaNs returns; x86 returns its first source operand,
/// and GCC, compiling CPython, puts the right operand there for `a + b`
/// and `a * b` (measured: `fsum([nan, -nan])` and `prod([nan, -nan])` are
/// `-nan`). LLVM treats these operations as commutative and may pick
/// either, so the choice is made here, explicitly.
pub(crate) fn nan_right(_left: f64, right: f64, result: f64) -> f64 {
    if right.is_nan() { right } else { result }
}

/// `math.hypot(*coordinates)`.
pub fn hypot(args: &[Arg<'_>]) -> MathResult<f64> {
    let mut coordinates = Vec::with_capacity(args.len());
    let mut max = 0.0f64;
    let mut found_nan = false;
    for arg in args {
        let x = real(arg)?.abs();
        found_nan |= x.is_nan();
        if x > max {
            max = x;
        }
        coordinates.push(x);
    }
    Ok(vector_norm(&coordinates, max, found_nan))
}

/// `math.dist(p, q)`: both must be iterables of the same length; the
/// coordinates are converted in pairs, `p[i]` then `q[i]`.
pub fn dist(p: &Arg<'_>, q: &Arg<'_>) -> MathResult<f64> {
    let p = items(p)?;
    let q = items(q)?;
    if p.len() != q.len() {
        return Err(MathError::new(
            PyException::ValueError,
            "both points must have the same number of dimensions",
        ));
    }
    let mut diffs = Vec::with_capacity(p.len());
    let mut max = 0.0f64;
    let mut found_nan = false;
    for (pi, qi) in p.iter().zip(q) {
        let (px, qx) = (real(pi)?, real(qi)?);
        let x = (px - qx).abs();
        found_nan |= x.is_nan();
        if x > max {
            max = x;
        }
        diffs.push(x);
    }
    Ok(vector_norm(&diffs, max, found_nan))
}

/// CPython 3.11's `vector_norm`: `sqrt(sum(x*x))` of non-negative `vec`
/// whose largest element is `max`, almost always correctly rounded.
///
/// The elements are scaled by a power of two so the largest lies in
/// [0.5, 1); each square is split exactly (Veltkamp-Dekker) and summed
/// with Neumaier compensation into `csum` (which starts at 1.0, so that
/// `|csum| >= |x|` always holds and no branch is needed), and the square
/// root gets one differential (Newton) correction. When `max` is so small
/// that the scale factor would overflow, the elements are divided by
/// `max` instead, with a simpler sum.
pub fn vector_norm(vec: &[f64], max: f64, found_nan: bool) -> f64 {
    /// 2**27 + 1: the Veltkamp splitting constant.
    const T27: f64 = 134_217_729.0;
    if max.is_infinite() {
        return max;
    }
    if found_nan {
        return f64::NAN;
    }
    if max == 0.0 || vec.len() <= 1 {
        return max;
    }
    let (_, max_e) = super::convert::frexp(max);
    let mut csum = 1.0f64;
    let mut frac1 = 0.0f64;
    if max_e < -1023 {
        for &v in vec {
            let x = v / max;
            let x = x * x;
            let old = csum;
            csum += x;
            frac1 += (old - csum) + x;
        }
        return max * (csum - 1.0 + frac1).sqrt();
    }
    let (mut frac2, mut frac3) = (0.0f64, 0.0f64);
    let scale = ldexp(1.0, -i64::from(max_e));
    let split = |x: f64| {
        let t = x * T27;
        let hi = t - (t - x);
        (hi, x - hi)
    };
    // Adds x to csum, keeping the rounding error in frac.
    let add = |csum: &mut f64, frac: &mut f64, x: f64| {
        let old = *csum;
        *csum += x;
        *frac += (old - *csum) + x;
    };
    for &v in vec {
        let (hi, lo) = split(v * scale);
        add(&mut csum, &mut frac1, hi * hi);
        add(&mut csum, &mut frac2, 2.0 * hi * lo);
        frac3 += lo * lo;
    }
    let h = (csum - 1.0 + (frac1 + frac2 + frac3)).sqrt();
    let (hi, lo) = split(h);
    add(&mut csum, &mut frac1, -hi * hi);
    add(&mut csum, &mut frac2, -2.0 * hi * lo);
    add(&mut csum, &mut frac3, -lo * lo);
    let x = csum - 1.0 + (frac1 + frac2 + frac3);
    (h + x / (2.0 * h)) / scale
}

/// A running product of `prod`.
#[derive(Debug, Clone)]
enum Product {
    Int(Integer),
    Float(f64),
}

/// `math.prod(iterable, *, start=1)` over numbers: Python's `*` from
/// `start` left to right. An empty iterable gives `start` itself (so
/// `prod([], start=True)` is `True`). Exact ints, int-float products
/// converting the int first (`OverflowError` for ints of 2**1024 and
/// more), bools as ints.
///
/// An operand that is not a number gets CPython's message for types that
/// do not multiply with numbers (`None`); tuples, lists, strings and
/// complex numbers do multiply in Python, and the caller must handle such
/// calls itself (see [`prod_needs_generic_multiply`](super::prod_needs_generic_multiply)).
pub fn prod(items: &[Arg<'_>], start: Option<&Arg<'_>>, work: &mut Work) -> MathResult<MathValue> {
    let start = start.copied().unwrap_or(Arg::Small(1));
    if items.is_empty() {
        return value_of(&start);
    }
    let Some(mut acc) = number(&start)? else {
        return Err(unsupported(start.type_name(), items[0].type_name()));
    };
    let mut acc_type = start.type_name();
    for item in items {
        let Some(x) = number(item)? else {
            return Err(unsupported(acc_type, item.type_name()));
        };
        acc = multiply(acc, x, work)?;
        acc_type = match acc {
            Product::Int(_) => "int",
            Product::Float(_) => "float",
        };
    }
    Ok(match acc {
        Product::Int(i) => MathValue::Int(i),
        Product::Float(x) => MathValue::Float(x),
    })
}

/// `start` itself, for an empty iterable.
fn value_of(arg: &Arg<'_>) -> MathResult<MathValue> {
    Ok(match *arg {
        Arg::Bool(b) => MathValue::Bool(b),
        Arg::Float(x) => MathValue::Float(x),
        Arg::Small(_) | Arg::Big(_) => MathValue::Int(index(arg)?.to_integer()),
        // Python returns the object itself, which is not a number: a call
        // the caller must handle (`prod_needs_generic_multiply`).
        Arg::Seq(name, _) | Arg::Other(name) => {
            return Err(MathError::new(
                PyException::TypeError,
                format!("prod() with a start of type '{name}' is the caller's to evaluate"),
            ));
        }
    })
}

/// A number as an operand of `*`, or `None` for any other value.
fn number(arg: &Arg<'_>) -> MathResult<Option<Product>> {
    Ok(match *arg {
        Arg::Float(x) => Some(Product::Float(x)),
        Arg::Small(_) | Arg::Big(_) | Arg::Bool(_) => Some(Product::Int(index(arg)?.to_integer())),
        Arg::Seq(..) | Arg::Other(_) => None,
    })
}

/// Python's `TypeError` for `*` between types that do not multiply.
fn unsupported(left: &str, right: &str) -> MathError {
    MathError::new(
        PyException::TypeError,
        format!("unsupported operand type(s) for *: '{left}' and '{right}'"),
    )
}

fn multiply(a: Product, b: Product, work: &mut Work) -> MathResult<Product> {
    Ok(match (a, b) {
        (Product::Float(x), Product::Float(y)) => Product::Float(nan_right(x, y, x * y)),
        (Product::Float(x), Product::Int(i)) | (Product::Int(i), Product::Float(x)) => {
            Product::Float(x * integer_to_f64(&i, work)?)
        }
        (Product::Int(Integer::Small(x)), Product::Int(Integer::Small(y))) => {
            work.small(1);
            match x.checked_mul(y) {
                Some(p) => Product::Int(Integer::Small(p)),
                None => Product::Int(Integer::from(BigInt::from(x) * BigInt::from(y))),
            }
        }
        (Product::Int(x), Product::Int(y)) => {
            let (x, y) = (BigInt::from(x), BigInt::from(y));
            let magnitude: BigUint = work.mul(x.magnitude(), y.magnitude());
            let sign = if (x.sign() == Sign::Minus) != (y.sign() == Sign::Minus) {
                Sign::Minus
            } else {
                Sign::Plus
            };
            Product::Int(Integer::from(BigInt::from_biguint(sign, magnitude)))
        }
    })
}

fn integer_to_f64(i: &Integer, work: &mut Work) -> MathResult<f64> {
    match i {
        Integer::Small(s) => Ok(*s as f64),
        Integer::Big(b) => {
            work.linear(Work::words(b.bits()));
            IntArg::Big(b).to_f64()
        }
    }
}
