//! Python's `complex`, step by step as CPython 3.11 computes it
//! (`complexobject.c`), so that every result matches to the bit: the same
//! operations in the same order, on the same C library (Rust's `f64`
//! methods call the platform's libm, as CPython does).
//!
//! CPython reports some errors through C's `errno`, which the libm
//! functions set; the one case where that changes a result
//! ([`Complex::pow`]: `cos` and `sin` of an infinite phase set `EDOM`) is
//! reproduced explicitly.

use super::error::{CalcError, CalcResult, zero_division};
use super::format::float_repr_short;

/// A complex number: two floats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Complex {
    pub re: f64,
    pub im: f64,
}

const ONE: Complex = Complex { re: 1.0, im: 0.0 };

impl std::ops::Add for Complex {
    type Output = Complex;

    fn add(self, b: Complex) -> Complex {
        Complex::new(self.re + b.re, self.im + b.im)
    }
}

impl std::ops::Sub for Complex {
    type Output = Complex;

    fn sub(self, b: Complex) -> Complex {
        Complex::new(self.re - b.re, self.im - b.im)
    }
}

/// `_Py_c_prod`.
impl std::ops::Mul for Complex {
    type Output = Complex;

    fn mul(self, b: Complex) -> Complex {
        Complex::new(
            self.re * b.re - self.im * b.im,
            self.re * b.im + self.im * b.re,
        )
    }
}

/// CPython's message for `0j ** -1` (and for `EDOM` from libm).
const ZERO_POWER: &str = "0.0 to a negative or complex power";

impl Complex {
    pub const fn new(re: f64, im: f64) -> Complex {
        Complex { re, im }
    }

    /// `_Py_c_quot`: Smith's algorithm, scaled by the larger part of the
    /// divisor; `None` when the divisor is zero (`EDOM`).
    pub fn quot(self, b: Complex) -> Option<Complex> {
        let (abs_re, abs_im) = (b.re.abs(), b.im.abs());
        if abs_re >= abs_im {
            if abs_re == 0.0 {
                return None;
            }
            let ratio = b.im / b.re;
            let denom = b.re + b.im * ratio;
            Some(Complex::new(
                (self.re + self.im * ratio) / denom,
                (self.im - self.re * ratio) / denom,
            ))
        } else if abs_im >= abs_re {
            let ratio = b.re / b.im;
            let denom = b.re * ratio + b.im;
            Some(Complex::new(
                (self.re * ratio + self.im) / denom,
                (self.im * ratio - self.re) / denom,
            ))
        } else {
            // At least one part of the divisor is a NaN.
            Some(Complex::new(f64::NAN, f64::NAN))
        }
    }

    /// `a / b`, with CPython's error for a zero divisor.
    pub fn divide(self, b: Complex) -> CalcResult<Complex> {
        self.quot(b)
            .ok_or_else(|| zero_division("complex division by zero"))
    }

    /// `complex_pow`: small integral exponents by repeated squaring
    /// (`c_powi`), others through polar form (`_Py_c_pow`); a result with
    /// an infinite part is an `OverflowError`, as CPython's
    /// `_Py_ADJUST_ERANGE2` makes it.
    pub fn pow(self, b: Complex) -> CalcResult<Complex> {
        let (p, edom) = if b.im == 0.0 && b.re == b.re.floor() && b.re.abs() <= 100.0 {
            let p = self.powi(b.re as i64);
            (p.unwrap_or(Complex::new(0.0, 0.0)), p.is_none())
        } else {
            self.pow_polar(b)
        };
        if edom {
            return Err(zero_division(ZERO_POWER));
        }
        if p.re.is_infinite() || p.im.is_infinite() {
            return Err(CalcError::Overflow("complex exponentiation".into()));
        }
        Ok(p)
    }

    /// `c_powu`.
    fn powu(self, n: i64) -> Complex {
        let mut r = ONE;
        let mut p = self;
        let mut mask: i64 = 1;
        while mask > 0 && n >= mask {
            if n & mask != 0 {
                r = r * p;
            }
            mask <<= 1;
            p = p * p;
        }
        r
    }

    /// `c_powi`; `None` for `EDOM` (zero to a negative power).
    fn powi(self, n: i64) -> Option<Complex> {
        if n > 0 {
            Some(self.powu(n))
        } else {
            ONE.quot(self.powu(-n))
        }
    }

    /// `_Py_c_pow`, and whether it set `EDOM`.
    fn pow_polar(self, b: Complex) -> (Complex, bool) {
        if b.re == 0.0 && b.im == 0.0 {
            return (ONE, false);
        }
        if self.re == 0.0 && self.im == 0.0 {
            let edom = b.im != 0.0 || b.re < 0.0;
            return (Complex::new(0.0, 0.0), edom);
        }
        let vabs = self.re.hypot(self.im);
        let mut len = vabs.powf(b.re);
        let at = self.im.atan2(self.re);
        let mut phase = at * b.re;
        if b.im != 0.0 {
            len /= (at * b.im).exp();
            phase += b.im * vabs.ln();
        }
        // glibc's cos and sin set EDOM for an infinite argument.
        let edom = phase.is_infinite();
        (Complex::new(len * phase.cos(), len * phase.sin()), edom)
    }

    /// `abs(z)`: `_Py_c_abs`, infinities first (even with a NaN part).
    pub fn abs(self) -> CalcResult<f64> {
        if !self.re.is_finite() || !self.im.is_finite() {
            if self.re.is_infinite() {
                return Ok(self.re.abs());
            }
            if self.im.is_infinite() {
                return Ok(self.im.abs());
            }
            return Ok(f64::NAN);
        }
        let r = self.re.hypot(self.im);
        if r.is_finite() {
            Ok(r)
        } else {
            Err(CalcError::Overflow("absolute value too large".into()))
        }
    }

    /// Python's `repr`: `1j`, `(1+2j)`, `(-0-0j)`, `(nan+infj)`.
    pub fn write_repr(&self, out: &mut String) {
        if self.re == 0.0 && self.re.is_sign_positive() {
            out.push_str(&float_repr_short(self.im));
            out.push('j');
            return;
        }
        out.push('(');
        out.push_str(&float_repr_short(self.re));
        let im = float_repr_short(self.im);
        if !im.starts_with('-') {
            out.push('+');
        }
        out.push_str(&im);
        out.push_str("j)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr(re: f64, im: f64) -> String {
        let mut s = String::new();
        Complex::new(re, im).write_repr(&mut s);
        s
    }

    #[test]
    fn repr_matches_python() {
        assert_eq!(repr(0.0, 1.0), "1j");
        assert_eq!(repr(0.0, 0.0), "0j");
        assert_eq!(repr(0.0, -0.0), "-0j");
        assert_eq!(repr(-0.0, -0.0), "(-0-0j)");
        assert_eq!(repr(-0.0, -1.0), "(-0-1j)");
        assert_eq!(repr(1.0, 2.0), "(1+2j)");
        assert_eq!(repr(f64::NAN, f64::INFINITY), "(nan+infj)");
        assert_eq!(repr(1e16, 1.0), "(1e+16+1j)");
        assert_eq!(repr(1.5, -0.0), "(1.5-0j)");
        assert_eq!(repr(0.0, 1e-5), "1e-05j");
        assert_eq!(repr(-0.0, f64::NAN), "(-0+nanj)");
        assert_eq!(repr(0.0, f64::NAN), "nanj");
    }

    #[test]
    fn arithmetic_matches_python() {
        let c = |re, im| Complex::new(re, im);
        let r = (c(1.0, 2.0) * c(3.0, -4.0)).divide(c(2.0, 1.0)).unwrap();
        assert_eq!((r.re, r.im), (4.8, -1.4));
        assert_eq!(c(1.0, 1.0).pow(c(2.0, 0.0)).unwrap(), c(0.0, 2.0));
        let r = c(1.0, 1.0).pow(c(101.0, 0.0)).unwrap();
        assert_eq!((r.re, r.im), (-1125899906842634.5, -1125899906842629.5));
        assert!(c(0.0, 0.0).pow(c(-1.0, 0.0)).is_err());
        assert!(c(1.0, 1.0).pow(c(f64::INFINITY, 0.0)).is_err());
        assert!(matches!(
            c(1e200, 1.0).pow(c(2.0, 0.0)),
            Err(CalcError::Overflow(_))
        ));
        let r = c(f64::INFINITY, 0.0).pow(c(2.0, 0.0)).unwrap();
        assert!(r.re.is_nan() && r.im.is_nan());
    }
}
