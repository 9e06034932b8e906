//! The bridges between Python's ints and floats, and the argument
//! conversions CPython applies before a math function sees its arguments.
//!
//! Every conversion here is exact or correctly rounded, as CPython's are:
//! `PyLong_AsDouble` rounds half to even and refuses results of 2**1024 or
//! more, `PyLong_FromDouble` truncates exactly, and `frexp`/`ldexp` are the
//! C library's (exact, or rounded once for subnormal results).

use std::borrow::Cow;

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{ToPrimitive, Zero};

use super::{Arg, Integer, MathError, MathResult, PyException};

/// An int argument after `PyNumber_Index`: a machine word when it fits
/// (the fast paths), otherwise a borrowed big integer that does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntArg<'a> {
    Small(i64),
    Big(&'a BigInt),
}

impl<'a> IntArg<'a> {
    fn from_big(b: &'a BigInt) -> Self {
        match b.to_i64() {
            Some(i) => IntArg::Small(i),
            None => IntArg::Big(b),
        }
    }

    pub fn is_negative(self) -> bool {
        match self {
            IntArg::Small(i) => i < 0,
            IntArg::Big(b) => b.sign() == Sign::Minus,
        }
    }

    pub fn is_zero(self) -> bool {
        matches!(self, IntArg::Small(0))
    }

    /// Bits of the magnitude (0 for zero).
    pub fn bits(self) -> u64 {
        match self {
            IntArg::Small(i) => u64::from(64 - i.unsigned_abs().leading_zeros()),
            IntArg::Big(b) => b.bits(),
        }
    }

    /// The value as a `u64`, if it is non-negative and fits.
    pub fn to_u64(self) -> Option<u64> {
        match self {
            IntArg::Small(i) => u64::try_from(i).ok(),
            IntArg::Big(b) => b.to_u64(),
        }
    }

    /// The value as a big integer (a copy for `Small`).
    pub fn big(self) -> Cow<'a, BigInt> {
        match self {
            IntArg::Small(i) => Cow::Owned(BigInt::from(i)),
            IntArg::Big(b) => Cow::Borrowed(b),
        }
    }

    /// The magnitude as an unsigned big integer.
    pub fn magnitude(self) -> Cow<'a, BigUint> {
        match self {
            IntArg::Small(i) => Cow::Owned(BigUint::from(i.unsigned_abs())),
            IntArg::Big(b) => Cow::Borrowed(b.magnitude()),
        }
    }

    pub fn to_integer(self) -> Integer {
        match self {
            IntArg::Small(i) => Integer::Small(i),
            IntArg::Big(b) => Integer::Big(b.clone()),
        }
    }

    /// `PyLong_AsDouble`.
    pub fn to_f64(self) -> MathResult<f64> {
        match self {
            // cvtsi2sd rounds to nearest, ties to even: CPython's rounding.
            IntArg::Small(i) => Ok(i as f64),
            IntArg::Big(b) => big_to_f64(b),
        }
    }
}

/// CPython's `PyNumber_Index`: ints and bools pass, anything else is a
/// `TypeError` naming its type.
pub fn index<'a>(arg: &Arg<'a>) -> MathResult<IntArg<'a>> {
    match *arg {
        Arg::Small(i) => Ok(IntArg::Small(i)),
        Arg::Big(b) => Ok(IntArg::from_big(b)),
        Arg::Bool(b) => Ok(IntArg::Small(i64::from(b))),
        _ => Err(MathError::not_integer(arg.type_name())),
    }
}

/// CPython's `PyFloat_AsDouble` (and Argument Clinic's `double`
/// converter): floats as they are, ints correctly rounded (or
/// `OverflowError`), anything else a `TypeError`.
pub fn real(arg: &Arg<'_>) -> MathResult<f64> {
    match *arg {
        Arg::Float(x) => Ok(x),
        Arg::Small(i) => Ok(i as f64),
        Arg::Big(b) => big_to_f64(b),
        Arg::Bool(b) => Ok(if b { 1.0 } else { 0.0 }),
        Arg::Seq(..) | Arg::Other(_) => Err(MathError::not_real(arg.type_name())),
    }
}

/// CPython's `_PyLong_Frexp` of a non-zero magnitude: `(m, e)` with
/// `|x| ~= m * 2**e` and `0.5 <= m < 1`, `m` rounded to 53 bits, half to
/// even.
///
/// As in CPython, the top 55 bits are kept, the rest folded into a sticky
/// bit, and the rounding done on the 55-bit integer, so the result is
/// correctly rounded however long the number is.
pub fn big_frexp(magnitude: &BigUint) -> (f64, u64) {
    let bits = magnitude.bits();
    const KEEP: u64 = 55; // DBL_MANT_DIG + 2
    let top: u64 = if bits <= KEEP {
        // Fits: shift left, nothing is lost.
        magnitude.to_u64().unwrap_or(0) << (KEEP - bits)
    } else {
        let shift = bits - KEEP;
        let top = (magnitude >> shift).to_u64().unwrap_or(0);
        let sticky = magnitude
            .trailing_zeros()
            .is_some_and(|zeros| zeros < shift);
        top | u64::from(sticky)
    };
    // Round to a multiple of 4 (53 significant bits), half to even: the
    // table is CPython's `half_even_correction`.
    const CORRECTION: [i64; 8] = [0, -1, -2, 1, 0, -1, 2, 1];
    let rounded = top.wrapping_add_signed(CORRECTION[(top & 7) as usize]);
    // Exact: a 55-bit integer with two zero low bits, over 2**55.
    let m = rounded as f64 / (1u64 << KEEP) as f64;
    if m == 1.0 { (0.5, bits + 1) } else { (m, bits) }
}

/// CPython's `PyLong_AsDouble` for any int.
pub fn big_to_f64(b: &BigInt) -> MathResult<f64> {
    if b.is_zero() {
        return Ok(0.0);
    }
    let (m, e) = big_frexp(b.magnitude());
    if e > 1024 {
        return Err(MathError::int_too_large());
    }
    let x = ldexp(m, e as i64);
    Ok(if b.sign() == Sign::Minus { -x } else { x })
}

/// CPython's `PyLong_FromDouble`: the float truncated toward zero, as an
/// exact int; `nan` and infinities are errors, with CPython's messages.
pub fn float_to_integer(x: f64) -> MathResult<Integer> {
    if x.is_nan() {
        return Err(MathError::new(
            PyException::ValueError,
            "cannot convert float NaN to integer",
        ));
    }
    if x.is_infinite() {
        return Err(MathError::new(
            PyException::OverflowError,
            "cannot convert float infinity to integer",
        ));
    }
    // Every float below 2**63 in magnitude truncates into an i64.
    if x.abs() < 9_223_372_036_854_775_808.0 {
        return Ok(Integer::Small(x as i64));
    }
    // |x| >= 2**63 is an integer: mantissa * 2**exponent, exactly.
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) - 1075;
    let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
    let magnitude = BigUint::from(mantissa) << exponent;
    let sign = if x < 0.0 { Sign::Minus } else { Sign::Plus };
    Ok(Integer::Big(BigInt::from_biguint(sign, magnitude)))
}

/// C's `frexp`: `x = m * 2**e` with `0.5 <= |m| < 1`; zeros, infinities
/// and NaNs come back unchanged with `e = 0` (glibc's behaviour, which
/// CPython's `math.frexp` also imposes).
pub fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 {
        // Subnormal: scale into the normal range first (exact).
        let (m, e) = frexp(x * TWO_POW_54);
        return (m, e - 54);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, biased - 1022)
}

/// 2**54, exactly.
const TWO_POW_54: f64 = 18_014_398_509_481_984.0;

/// C's `ldexp`/`scalbn`: `x * 2**n`, exact unless the result is
/// subnormal, where it is rounded once (to nearest, ties to even).
///
/// The scaling goes by at most three exact steps; when the result lands
/// in the subnormal range, the last step is the only inexact one (the
/// same scheme as the C libraries', so the same bits).
pub fn ldexp(x: f64, n: i64) -> f64 {
    let mut y = x;
    let mut n = n;
    if n > 1023 {
        y *= pow2(1023);
        n -= 1023;
        if n > 1023 {
            y *= pow2(1023);
            n -= 1023;
            n = n.min(1023);
        }
    } else if n < -1022 {
        // Keep the final step's exponent below -53, so that if the first
        // steps lost bits, the result underflows to zero anyway and no
        // double rounding can occur in the subnormal range.
        y *= pow2(-1022) * pow2(53);
        n += 1022 - 53;
        if n < -1022 {
            y *= pow2(-1022) * pow2(53);
            n += 1022 - 53;
            n = n.max(-1022);
        }
    }
    y * pow2(n as i32)
}

/// `2**e` for `-1022 <= e <= 1023`, exactly.
pub fn pow2(e: i32) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frexp_and_ldexp_round_trip() {
        for x in [1.0, -3.5, 5e-324, 2.2250738585072014e-308, f64::MAX, 0.1] {
            let (m, e) = frexp(x);
            assert!((0.5..1.0).contains(&m.abs()), "{x}");
            assert_eq!(ldexp(m, i64::from(e)), x);
        }
        assert_eq!(ldexp(1.0, -1075), 0.0); // exactly half the smallest subnormal: to even
        assert_eq!(ldexp(3.0, -1076), 5e-324);
        assert_eq!(ldexp(1.0, 1024), f64::INFINITY);
        assert_eq!(ldexp(f64::MIN_POSITIVE, 2045), 2.0f64.powi(1023));
    }

    #[test]
    fn big_ints_round_half_even() {
        let two53 = BigInt::from(1u64 << 53);
        assert_eq!(big_to_f64(&(&two53 + 1)).unwrap(), 9007199254740992.0);
        assert_eq!(big_to_f64(&(&two53 + 3)).unwrap(), 9007199254740996.0);
        let huge = BigInt::from(1) << 1024u32;
        assert_eq!(big_to_f64(&huge), Err(MathError::int_too_large()));
        // The largest int below 2**1024 that rounds down to f64::MAX.
        let below = (BigInt::from(1) << 1024u32) - (BigInt::from(1) << 970u32) - 1;
        assert_eq!(big_to_f64(&below).unwrap(), f64::MAX);
        let rounds_up = (BigInt::from(1) << 1024u32) - (BigInt::from(1) << 970u32);
        assert!(big_to_f64(&rounds_up).is_err());
    }
}
