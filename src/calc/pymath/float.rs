//! The math functions of floats, each with CPython 3.11's error rules.
//!
//! CPython wraps the C library's functions in `math_1` (one argument),
//! `math_1a` (functions that report errors through `errno`) and `math_2`
//! (two arguments), which turn special results into exceptions: a NaN from
//! non-NaN arguments is `ValueError: math domain error`; an infinity from
//! finite arguments is `OverflowError: math range error` where the function
//! can overflow (`exp`, `cosh`, ...) and a domain error where it cannot
//! (it is then a singularity: `atanh(1)`, `log1p(-1)`). Those wrappers are
//! `math_1`, `math_1a` and `math_2` here, and each public function
//! below uses the one CPython uses for it.
//!
//! The functions take `f64`: the argument conversions (ints to floats,
//! `TypeError`s) happen before, in the dispatcher.

use super::convert::{IntArg, frexp as c_frexp, ldexp as c_ldexp};
use super::libm;
use super::{MathError, MathResult, PyException};

/// CPython's `math_1`: NaN from non-NaN is a domain error; infinity from a
/// finite argument is a range error if `can_overflow`, else a domain
/// error (a singularity).
///
/// CPython also checks `errno` when the result is finite, but glibc sets
/// it then only for underflow (`ERANGE` with a result below 1.5, which
/// CPython ignores), so there is nothing more to port.
fn math_1(x: f64, f: fn(f64) -> f64, can_overflow: bool) -> MathResult<f64> {
    let r = f(x);
    if r.is_nan() && !x.is_nan() {
        return Err(MathError::domain());
    }
    if r.is_infinite() && x.is_finite() {
        return Err(if can_overflow {
            MathError::range()
        } else {
            MathError::domain()
        });
    }
    Ok(r)
}

/// What a CPython helper left in `errno`, for [`math_1a`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Errno {
    None,
    /// `EDOM`: invalid argument or singularity.
    Domain,
    /// `ERANGE`: overflow (or an underflow, which is forgiven).
    Range,
}

/// CPython's `math_1a` and `is_error`: `EDOM` is a domain error; `ERANGE`
/// is a range error unless the result is below 1.5 in magnitude (an
/// underflow, which CPython lets through).
fn math_1a((r, errno): (f64, Errno)) -> MathResult<f64> {
    match errno {
        Errno::None => Ok(r),
        Errno::Domain => Err(MathError::domain()),
        Errno::Range if r.abs() < 1.5 => Ok(r),
        Errno::Range => Err(MathError::range()),
    }
}

/// CPython's `math_2`: NaN from non-NaN arguments is a domain error,
/// infinity from finite arguments a range error.
fn math_2(x: f64, y: f64, f: fn(f64, f64) -> f64) -> MathResult<f64> {
    let r = f(x, y);
    if r.is_nan() && !x.is_nan() && !y.is_nan() {
        return Err(MathError::domain());
    }
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        return Err(MathError::range());
    }
    Ok(r)
}

// ---------------------------------------------------------------------
// math_1 functions. Rust's f64 methods used here call glibc's functions of
// the same name (directly, or through LLVM intrinsics that become libm
// calls), so they return CPython's bits; the others come from `libm.rs`.
// ---------------------------------------------------------------------

pub fn acos(x: f64) -> MathResult<f64> {
    math_1(x, f64::acos, false)
}
pub fn acosh(x: f64) -> MathResult<f64> {
    math_1(x, libm::acosh, false)
}
pub fn asin(x: f64) -> MathResult<f64> {
    math_1(x, f64::asin, false)
}
pub fn asinh(x: f64) -> MathResult<f64> {
    math_1(x, libm::asinh, false)
}
pub fn atan(x: f64) -> MathResult<f64> {
    math_1(x, f64::atan, false)
}
pub fn atanh(x: f64) -> MathResult<f64> {
    math_1(x, libm::atanh, false)
}
pub fn cbrt(x: f64) -> MathResult<f64> {
    math_1(x, libm::cbrt, false)
}
pub fn cos(x: f64) -> MathResult<f64> {
    math_1(x, f64::cos, false)
}
pub fn cosh(x: f64) -> MathResult<f64> {
    math_1(x, f64::cosh, true)
}
pub fn exp(x: f64) -> MathResult<f64> {
    math_1(x, f64::exp, true)
}
pub fn exp2(x: f64) -> MathResult<f64> {
    math_1(x, f64::exp2, true)
}
pub fn expm1(x: f64) -> MathResult<f64> {
    math_1(x, f64::exp_m1, true)
}
pub fn fabs(x: f64) -> MathResult<f64> {
    math_1(x, f64::abs, false)
}
/// CPython's `m_log1p` returns zeros unchanged (some libms lose the sign
/// of -0.0), then calls `log1p`.
pub fn log1p(x: f64) -> MathResult<f64> {
    math_1(x, |x| if x == 0.0 { x } else { x.ln_1p() }, false)
}
pub fn sin(x: f64) -> MathResult<f64> {
    math_1(x, f64::sin, false)
}
pub fn sinh(x: f64) -> MathResult<f64> {
    math_1(x, f64::sinh, true)
}
pub fn sqrt(x: f64) -> MathResult<f64> {
    math_1(x, f64::sqrt, false)
}
pub fn tan(x: f64) -> MathResult<f64> {
    math_1(x, f64::tan, false)
}
pub fn tanh(x: f64) -> MathResult<f64> {
    math_1(x, f64::tanh, false)
}

/// `erf`: glibc's, which never fails (CPython wraps it in `math_1a`, and
/// glibc sets no `errno` for it).
pub fn erf(x: f64) -> f64 {
    libm::erf(x)
}

/// `erfc`: glibc's. Its only `errno` is `ERANGE` on underflow to zero,
/// which CPython forgives.
pub fn erfc(x: f64) -> f64 {
    libm::erfc(x)
}

// ---------------------------------------------------------------------
// The logarithms: CPython's m_log, m_log2 and m_log10 deal with special
// values themselves, then call the C library for positive finite x.
// ---------------------------------------------------------------------

/// Which logarithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogBase {
    E,
    Two,
    Ten,
}

impl LogBase {
    /// CPython's `m_log`/`m_log2`/`m_log10`, without `errno`: `log(0)` is
    /// `-inf`, `log(negative)` and `log(-inf)` NaN, `log(nan)` the NaN
    /// itself, `log(inf)` inf.
    pub(crate) fn m_log(self, x: f64) -> f64 {
        if x.is_finite() {
            if x > 0.0 {
                match self {
                    LogBase::E => x.ln(),
                    LogBase::Two => x.log2(),
                    LogBase::Ten => x.log10(),
                }
            } else if x == 0.0 {
                f64::NEG_INFINITY
            } else {
                f64::NAN
            }
        } else if x.is_nan() || x > 0.0 {
            x
        } else {
            f64::NAN
        }
    }
}

/// `log`, `log2` or `log10` of a float (CPython's `loghelper` for a
/// non-int: `math_1` around `m_log`, so `log(0.0)` is a domain error).
pub fn log(x: f64, base: LogBase) -> MathResult<f64> {
    let r = base.m_log(x);
    if r.is_nan() && !x.is_nan() {
        return Err(MathError::domain());
    }
    if r.is_infinite() && x.is_finite() {
        return Err(MathError::domain());
    }
    Ok(r)
}

/// `math.log(x, base)` given the two logarithms CPython's `loghelper`
/// computed: their quotient, as Python's float division, which refuses
/// a zero denominator (`log(10, 1)`).
pub fn log_ratio(num: f64, den: f64) -> MathResult<f64> {
    if den == 0.0 {
        return Err(MathError::new(
            PyException::ZeroDivisionError,
            "float division by zero",
        ));
    }
    // Division keeps the dividend's NaN when both are NaN (CPython:
    // `log(nan, -nan)` is `nan`); said explicitly, not left to codegen.
    Ok(if num.is_nan() { num } else { num / den })
}

// ---------------------------------------------------------------------
// Two-argument functions.
// ---------------------------------------------------------------------

/// CPython's `m_atan2`, which settles the special cases itself (some C
/// libraries got them wrong) and calls `atan2` for the rest. Note that a
/// NaN argument gives a *positive* NaN, whatever its sign.
pub fn atan2(y: f64, x: f64) -> MathResult<f64> {
    use std::f64::consts::PI;
    math_2(y, x, |y, x| {
        if x.is_nan() || y.is_nan() {
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
        }
    })
}

pub fn copysign(x: f64, y: f64) -> MathResult<f64> {
    math_2(x, y, f64::copysign)
}

/// CPython's `m_remainder`: the IEEE remainder, always exact, computed
/// from `fmod` with CPython's careful halfway test.
pub fn remainder(x: f64, y: f64) -> MathResult<f64> {
    math_2(x, y, m_remainder)
}

fn m_remainder(x: f64, y: f64) -> f64 {
    if x.is_finite() && y.is_finite() {
        if y == 0.0 {
            return f64::NAN;
        }
        let absx = x.abs();
        let absy = y.abs();
        let m = absx % absy;
        // m < absy/2 iff m < absy - m, and absy - m is exact whenever the
        // answer depends on it (CPython's comment proves it).
        let c = absy - m;
        let r = if m < c {
            m
        } else if m > c {
            -c
        } else {
            // Exactly halfway: choose the even multiple.
            m - 2.0 * ((0.5 * (absx - m)) % absy)
        };
        return 1.0f64.copysign(x) * r;
    }
    if x.is_nan() {
        return x;
    }
    if y.is_nan() {
        return y;
    }
    if x.is_infinite() {
        return f64::NAN;
    }
    x // y is infinite, x finite
}

/// `math.fmod`: C's `fmod`, except that `fmod(x, ±inf)` is `x` for finite
/// `x` (CPython's own rule), and a NaN from non-NaN is a domain error.
pub fn fmod(x: f64, y: f64) -> MathResult<f64> {
    if y.is_infinite() && x.is_finite() {
        return Ok(x);
    }
    let r = x % y;
    if r.is_nan() && !x.is_nan() && !y.is_nan() {
        return Err(MathError::domain());
    }
    Ok(r)
}

/// `math.pow`: CPython settles the IEEE special cases itself, lets the C
/// library compute finite ** finite, and then tells `0.0 ** -1` (a
/// domain error, a singularity) from an overflow (a range error).
/// `(-8.0) ** (1/3)` is a domain error here, not a complex number.
pub fn pow(x: f64, y: f64) -> MathResult<f64> {
    if !x.is_finite() || !y.is_finite() {
        let r = if x.is_nan() {
            if y == 0.0 { 1.0 } else { x }
        } else if y.is_nan() {
            if x == 1.0 { 1.0 } else { y }
        } else if x.is_infinite() {
            let odd_y = y.is_finite() && (y.abs() % 2.0) == 1.0;
            if y > 0.0 {
                if odd_y { x } else { x.abs() }
            } else if y == 0.0 {
                1.0
            } else if odd_y {
                0.0f64.copysign(x)
            } else {
                0.0
            }
        } else {
            // y is infinite, x finite.
            if x.abs() == 1.0 {
                1.0
            } else if y > 0.0 && x.abs() > 1.0 {
                y
            } else if y < 0.0 && x.abs() < 1.0 {
                -y
            } else {
                0.0
            }
        };
        return Ok(r);
    }
    let r = x.powf(y);
    if r.is_nan() {
        return Err(MathError::domain());
    }
    if r.is_infinite() {
        return Err(if x == 0.0 {
            MathError::domain()
        } else {
            MathError::range()
        });
    }
    Ok(r)
}

/// `math.nextafter`: C's `nextafter`, the float next to `x` toward `y`.
pub fn nextafter(x: f64, y: f64) -> f64 {
    // C returns x + y for NaNs: as glibc is compiled, y's NaN when both
    // are NaN (CPython: `nextafter(nan, -nan)` is `-nan`).
    if y.is_nan() {
        return y;
    }
    if x.is_nan() {
        return x;
    }
    if x == y {
        return y;
    }
    if x == 0.0 {
        return f64::from_bits(1).copysign(y);
    }
    let bits = x.to_bits();
    // Away from zero when y is beyond x on x's side, else toward it.
    let away = (y > x) == (x > 0.0);
    f64::from_bits(if away { bits + 1 } else { bits - 1 })
}

/// `math.ulp`: the gap from `|x|` to the next float away from zero (or,
/// for the largest float, to the one below).
pub fn ulp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let x = x.abs();
    if x.is_infinite() {
        return x;
    }
    let next = nextafter(x, f64::INFINITY);
    if next.is_infinite() {
        return x - nextafter(x, f64::NEG_INFINITY);
    }
    next - x
}

/// `math.isclose`: CPython's "weak" test from Boost: the difference is
/// within `rel_tol` of either value, or within `abs_tol`.
pub fn isclose(a: f64, b: f64, rel_tol: f64, abs_tol: f64) -> MathResult<bool> {
    if rel_tol < 0.0 || abs_tol < 0.0 {
        return Err(MathError::new(
            PyException::ValueError,
            "tolerances must be non-negative",
        ));
    }
    if a == b {
        return Ok(true);
    }
    if a.is_infinite() || b.is_infinite() {
        return Ok(false);
    }
    let diff = (b - a).abs();
    Ok(diff <= (rel_tol * b).abs() || diff <= (rel_tol * a).abs() || diff <= abs_tol)
}

/// `math.ldexp(x, i)`. CPython clamps an int exponent that does not fit a
/// C long to `LONG_MIN`/`LONG_MAX`, then anything beyond a C int is an
/// overflow (range error) or an underflow (a signed zero).
pub fn ldexp(x: f64, i: IntArg<'_>) -> MathResult<f64> {
    let exp: i64 = match i {
        IntArg::Small(e) => e,
        IntArg::Big(_) if i.is_negative() => i64::MIN,
        IntArg::Big(_) => i64::MAX,
    };
    if x == 0.0 || !x.is_finite() {
        return Ok(x);
    }
    if exp > i64::from(i32::MAX) {
        return Err(MathError::range());
    }
    if exp < i64::from(i32::MIN) {
        return Ok(0.0f64.copysign(x));
    }
    let r = c_ldexp(x, exp);
    if r.is_infinite() {
        return Err(MathError::range());
    }
    Ok(r)
}

/// `math.frexp`: `(m, e)` with `x == m * 2**e`, `0.5 <= |m| < 1`; zeros,
/// infinities and NaNs give `(x, 0)`.
pub fn frexp(x: f64) -> (f64, i64) {
    let (m, e) = c_frexp(x);
    (m, i64::from(e))
}

/// `math.modf`: `(fractional part, integral part)`, both with the sign of
/// `x`; `modf(inf)` is `(0.0, inf)` and `modf(nan)` is `(nan, nan)`.
pub fn modf(x: f64) -> (f64, f64) {
    if x.is_infinite() {
        return (0.0f64.copysign(x), x);
    }
    if x.is_nan() {
        return (x, x);
    }
    let whole = x.trunc();
    // C's modf gives a fractional part with x's sign, zero included.
    ((x - whole).copysign(x), whole)
}

/// `math.degrees`: CPython multiplies by the constant `180/pi`, rounded
/// once (not by 180 then divided by pi).
pub fn degrees(x: f64) -> f64 {
    const RAD_TO_DEG: f64 = 180.0 / std::f64::consts::PI;
    x * RAD_TO_DEG
}

/// `math.radians`: `x * (pi/180)`, the constant rounded once.
pub fn radians(x: f64) -> f64 {
    const DEG_TO_RAD: f64 = std::f64::consts::PI / 180.0;
    x * DEG_TO_RAD
}

// ---------------------------------------------------------------------
// gamma and lgamma: CPython's own Lanczos approximation (m_tgamma,
// m_lgamma), not the C library's, ported operation by operation so that
// every rounding happens in the same place.
// ---------------------------------------------------------------------

const LANCZOS_N: usize = 13;
/// Exactly 6.024680040776729583740234375 (a dyadic rational).
const LANCZOS_G: f64 = 6.024_680_040_776_73;
const LANCZOS_G_MINUS_HALF: f64 = 5.524_680_040_776_73;
/// CPython's `lanczos_num_coeffs` (Boost's, for N = 13).
const LANCZOS_NUM: [f64; LANCZOS_N] = [
    23_531_376_880.410_76,
    42_919_803_642.649_1,
    35_711_959_237.355_67,
    17_921_034_426.037_21,
    6_039_542_586.352_028,
    1_439_720_407.311_721_6,
    248_874_557.862_054_17,
    31_426_415.585_400_194,
    2_876_370.628_935_372_5,
    186_056.265_395_223_48,
    8_071.672_002_365_816,
    210.824_277_751_579_36,
    2.506_628_274_631_000_2,
];
/// `x*(x+1)*...*(x+11)` expanded: CPython's `lanczos_den_coeffs`.
const LANCZOS_DEN: [f64; LANCZOS_N] = [
    0.0,
    39_916_800.0,
    120_543_840.0,
    150_917_976.0,
    105_258_076.0,
    45_995_730.0,
    13_339_535.0,
    2_637_558.0,
    357_423.0,
    32_670.0,
    1_925.0,
    66.0,
    1.0,
];
/// Gamma of 1..=23, exact.
const GAMMA_INTEGRAL: [f64; 23] = [
    1.0,
    1.0,
    2.0,
    6.0,
    24.0,
    120.0,
    720.0,
    5040.0,
    40320.0,
    362_880.0,
    3_628_800.0,
    39_916_800.0,
    479_001_600.0,
    6_227_020_800.0,
    87_178_291_200.0,
    1_307_674_368_000.0,
    20_922_789_888_000.0,
    355_687_428_096_000.0,
    6_402_373_705_728_000.0,
    121_645_100_408_832_000.0,
    2_432_902_008_176_640_000.0,
    51_090_942_171_709_440_000.0,
    1_124_000_727_777_607_680_000.0,
];
/// pi and log(pi) as CPython's source spells them.
const PI: f64 = std::f64::consts::PI;
const LOG_PI: f64 = 1.144_729_885_849_400_2;

/// The Lanczos sum as a rational function, evaluated in `x` below 5 and
/// in `1/x` above (CPython's choice, against overflow).
fn lanczos_sum(x: f64) -> f64 {
    let (mut num, mut den) = (0.0f64, 0.0f64);
    if x < 5.0 {
        for i in (0..LANCZOS_N).rev() {
            num = num * x + LANCZOS_NUM[i];
            den = den * x + LANCZOS_DEN[i];
        }
    } else {
        for i in 0..LANCZOS_N {
            num = num / x + LANCZOS_NUM[i];
            den = den / x + LANCZOS_DEN[i];
        }
    }
    num / den
}

/// `sin(pi*x)` for finite `x`, accurate near integers (CPython's
/// `m_sinpi`, for the reflection formula).
fn m_sinpi(x: f64) -> f64 {
    let y = x.abs() % 2.0;
    // C's round(): halves away from zero, as f64::round.
    let n = (2.0 * y).round() as i32;
    let r = match n {
        0 => (PI * y).sin(),
        1 => (PI * (y - 0.5)).cos(),
        // Not -sin(pi*(y-1)), which would give -0.0 at y == 1.
        2 => (PI * (1.0 - y)).sin(),
        3 => -(PI * (y - 1.5)).cos(),
        _ => (PI * (y - 2.0)).sin(),
    };
    1.0f64.copysign(x) * r
}

/// CPython's `m_tgamma`, returning what it leaves in `errno` too.
fn m_tgamma(x: f64) -> (f64, Errno) {
    if !x.is_finite() {
        if x.is_nan() || x > 0.0 {
            return (x, Errno::None);
        }
        return (f64::NAN, Errno::Domain); // gamma(-inf)
    }
    if x == 0.0 {
        return (f64::INFINITY.copysign(x), Errno::Domain);
    }
    if x == x.floor() {
        if x < 0.0 {
            return (f64::NAN, Errno::Domain);
        }
        if x <= GAMMA_INTEGRAL.len() as f64 {
            return (GAMMA_INTEGRAL[x as usize - 1], Errno::None);
        }
    }
    let absx = x.abs();
    if absx < 1e-20 {
        let r = 1.0 / x;
        let errno = if r.is_infinite() {
            Errno::Range
        } else {
            Errno::None
        };
        return (r, errno);
    }
    if absx > 200.0 {
        if x < 0.0 {
            return (0.0 / m_sinpi(x), Errno::None);
        }
        return (f64::INFINITY, Errno::Range);
    }
    let y = absx + LANCZOS_G_MINUS_HALF;
    // The rounding error of y, from whichever operand is larger.
    let z = if absx > LANCZOS_G_MINUS_HALF {
        let q = y - absx;
        q - LANCZOS_G_MINUS_HALF
    } else {
        let q = y - LANCZOS_G_MINUS_HALF;
        q - absx
    };
    let z = z * LANCZOS_G / y;
    let mut r;
    if x < 0.0 {
        r = -PI / m_sinpi(absx) / absx * y.exp() / lanczos_sum(absx);
        r -= z * r;
        if absx < 140.0 {
            r /= y.powf(absx - 0.5);
        } else {
            let sqrtpow = y.powf(absx / 2.0 - 0.25);
            r /= sqrtpow;
            r /= sqrtpow;
        }
    } else {
        r = lanczos_sum(absx) / y.exp();
        r += z * r;
        if absx < 140.0 {
            r *= y.powf(absx - 0.5);
        } else {
            let sqrtpow = y.powf(absx / 2.0 - 0.25);
            r *= sqrtpow;
            r *= sqrtpow;
        }
    }
    let errno = if r.is_infinite() {
        Errno::Range
    } else {
        Errno::None
    };
    (r, errno)
}

/// CPython's `m_lgamma`, returning its `errno` too.
fn m_lgamma(x: f64) -> (f64, Errno) {
    if !x.is_finite() {
        if x.is_nan() {
            return (x, Errno::None);
        }
        return (f64::INFINITY, Errno::None);
    }
    if x == x.floor() && x <= 2.0 {
        if x <= 0.0 {
            return (f64::INFINITY, Errno::Domain);
        }
        return (0.0, Errno::None);
    }
    let absx = x.abs();
    if absx < 1e-20 {
        return (-absx.ln(), Errno::None);
    }
    let mut r = lanczos_sum(absx).ln() - LANCZOS_G;
    r += (absx - 0.5) * ((absx + LANCZOS_G - 0.5).ln() - 1.0);
    if x < 0.0 {
        // The reflection formula.
        r = LOG_PI - m_sinpi(absx).abs().ln() - absx.ln() - r;
    }
    let errno = if r.is_infinite() {
        Errno::Range
    } else {
        Errno::None
    };
    (r, errno)
}

/// `math.gamma`.
pub fn gamma(x: f64) -> MathResult<f64> {
    math_1a(m_tgamma(x))
}

/// `math.lgamma`.
pub fn lgamma(x: f64) -> MathResult<f64> {
    math_1a(m_lgamma(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanczos_constants_are_cpythons() {
        // The decimal strings of mathmodule.c, parsed (correctly rounded,
        // as a C compiler does) must give the constants above.
        const SOURCE: [&str; LANCZOS_N] = [
            "23531376880.410759688572007674451636754734846804940",
            "42919803642.649098768957899047001988850926355848959",
            "35711959237.355668049440185451547166705960488635843",
            "17921034426.037209699919755754458931112671403265390",
            "6039542586.3520280050642916443072979210699388420708",
            "1439720407.3117216736632230727949123939715485786772",
            "248874557.86205415651146038641322942321632125127801",
            "31426415.585400194380614231628318205362874684987640",
            "2876370.6289353724412254090516208496135991145378768",
            "186056.26539522349504029498971604569928220784236328",
            "8071.6720023658162106380029022722506138218516325024",
            "210.82427775157934587250973392071336271166969580291",
            "2.5066282746310002701649081771338373386264310793408",
        ];
        for (value, text) in LANCZOS_NUM.iter().zip(SOURCE) {
            assert_eq!(*value, text.parse::<f64>().unwrap(), "{text}");
        }
        let log_pi = "1.144729885849400174143427351353058711647";
        assert_eq!(LOG_PI, log_pi.parse::<f64>().unwrap());
        assert_eq!(
            LANCZOS_G,
            "6.024680040776729583740234375".parse::<f64>().unwrap()
        );
        assert_eq!(LANCZOS_G - 0.5, LANCZOS_G_MINUS_HALF);
    }

    #[test]
    fn special_cases() {
        assert_eq!(gamma(0.0), Err(MathError::domain()));
        assert_eq!(gamma(5e-324), Err(MathError::range()));
        assert_eq!(gamma(6.0), Ok(120.0));
        assert_eq!(lgamma(-3.0), Err(MathError::domain()));
        assert_eq!(pow(0.0, f64::NEG_INFINITY), Ok(f64::INFINITY));
        assert_eq!(pow(0.0, -1.0), Err(MathError::domain()));
        assert_eq!(pow(10.0, 400.0), Err(MathError::range()));
        assert_eq!(remainder(5.0, 2.0), Ok(1.0));
        assert_eq!(remainder(7.0, 2.0), Ok(-1.0));
        assert_eq!(fmod(1.0, f64::INFINITY), Ok(1.0));
        assert_eq!(ulp(1.0), f64::EPSILON);
        assert_eq!(ulp(f64::MAX), 2f64.powi(971));
        assert_eq!(nextafter(0.0, -1.0), -5e-324);
        assert_eq!(modf(-0.0).0.to_bits(), (-0.0f64).to_bits());
        assert_eq!(
            log_ratio(1.0, 0.0).unwrap_err().class,
            PyException::ZeroDivisionError
        );
    }
}
