//! The integer functions: `factorial`, `comb`, `perm`, `isqrt`, `gcd`,
//! `lcm`, and the logarithm of ints of any size.
//!
//! The results are exact integers, so any correct algorithm gives
//! CPython's answer; the algorithms are CPython's anyway (divide and
//! conquer everywhere, so the big multiplications are balanced and
//! num-bigint's Karatsuba and Toom-3 pay off), because the estimators in
//! `cost.rs` bound *these* algorithms' work. Every big multiplication and
//! division goes through [`Work`], which counts it in the unit of
//! [`Cost::work`](super::Cost::work); the tests check the estimators
//! against that count.

use num_bigint::BigUint;
use num_integer::Integer as _;
use num_traits::{One, ToPrimitive};

use super::convert::{IntArg, big_frexp};
use super::cost::Work;
use super::float::LogBase;
use super::{Integer, MathError, MathResult, PyException};

/// `LLONG_MAX`, the bound CPython's `comb`, `perm` and `factorial` put on
/// their arguments.
pub const LLONG_MAX: u64 = i64::MAX as u64;

fn bit_length(x: u64) -> u32 {
    64 - x.leading_zeros()
}

// ---------------------------------------------------------------------
// factorial
// ---------------------------------------------------------------------

/// Checks `factorial`'s argument as CPython does, giving `n` as a `u64`.
pub fn factorial_arg(n: IntArg<'_>) -> MathResult<u64> {
    if n.is_negative() {
        return Err(MathError::new(
            PyException::ValueError,
            "factorial() not defined for negative values",
        ));
    }
    match n.to_u64().filter(|&n| n <= LLONG_MAX) {
        Some(n) => Ok(n),
        None => Err(MathError::new(
            PyException::OverflowError,
            "factorial() argument should not exceed 9223372036854775807",
        )),
    }
}

/// `n!` by CPython's method: the odd part by divide and conquer over runs
/// of odd numbers, then a shift by the power of two, `n - popcount(n)`.
pub fn factorial(n: u64, work: &mut Work) -> BigUint {
    if n <= 20 {
        return BigUint::from((1..=n).product::<u64>());
    }
    let odd = factorial_odd_part(n, work);
    let two_valuation = n - u64::from(n.count_ones());
    work.linear(Work::words(odd.bits() + two_valuation));
    odd << two_valuation
}

/// The product of the odd numbers in `[start, stop)`, both odd. Products
/// that fit a machine word are done in one; longer runs are split in half
/// (`max_bits` bounds the bit length of `stop - 2`).
fn odd_product(start: u64, stop: u64, max_bits: u32, work: &mut Work) -> BigUint {
    let operands = (stop - start) / 2;
    work.small(Work::NODE);
    if operands <= 64 && operands * u64::from(max_bits) <= 64 {
        let mut total = start;
        let mut j = start + 2;
        while j < stop {
            total *= j;
            j += 2;
        }
        work.small(operands);
        return BigUint::from(total);
    }
    let midpoint = (start + operands) | 1;
    let left = odd_product(start, midpoint, bit_length(midpoint - 2), work);
    let right = odd_product(midpoint, stop, max_bits, work);
    work.mul(&left, &right)
}

/// The odd part of `n!`: `prod over i of (product of odd j <= n / 2**i)`,
/// each inner product extending the previous one (CPython's
/// `factorial_odd_part`).
fn factorial_odd_part(n: u64, work: &mut Work) -> BigUint {
    let mut inner = BigUint::one();
    let mut outer = BigUint::one();
    let mut upper: u64 = 3;
    for i in (0..bit_length(n).saturating_sub(1)).rev() {
        let v = n >> i;
        if v <= 2 {
            continue;
        }
        let lower = upper;
        upper = (v + 1) | 1;
        let partial = odd_product(lower, upper, bit_length(upper - 2), work);
        inner = work.mul(&inner, &partial);
        outer = work.mul(&outer, &inner);
    }
    outer
}

// ---------------------------------------------------------------------
// comb and perm
// ---------------------------------------------------------------------

/// What `comb(n, k)` or `perm(n, k)` computes once CPython's checks are
/// done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CombPlan<'a> {
    /// The answer is known without computing (`0`, `1`, or `n`).
    Known(Integer),
    /// `perm` or `comb` (when `comb`) of `n` and `k`, with `k <= n` and,
    /// for `comb`, `k <= n - k`.
    Compute { n: IntArg<'a>, k: u64, comb: bool },
}

impl<'a> CombPlan<'a> {
    /// `C(n, 0) = P(n, 0) = 1` and `C(n, 1) = P(n, 1) = n` need no work.
    fn new(n: IntArg<'a>, k: u64, comb: bool) -> Self {
        match k {
            0 => CombPlan::Known(Integer::Small(1)),
            1 => CombPlan::Known(n.to_integer()),
            _ => CombPlan::Compute { n, k, comb },
        }
    }
}

fn non_negative(x: IntArg<'_>, which: &str) -> MathResult<()> {
    if x.is_negative() {
        return Err(MathError::new(
            PyException::ValueError,
            format!("{which} must be a non-negative integer"),
        ));
    }
    Ok(())
}

/// CPython's `math_comb_impl` up to the computation.
pub fn comb_plan<'a>(n: IntArg<'a>, k: IntArg<'a>) -> MathResult<CombPlan<'a>> {
    non_negative(n, "n")?;
    non_negative(k, "k")?;
    let k = match (n, k) {
        (IntArg::Small(n), _) => {
            let Some(k) = k.to_u64().filter(|&k| k <= n as u64) else {
                return Ok(CombPlan::Known(Integer::Small(0)));
            };
            k.min(n as u64 - k)
        }
        (IntArg::Big(nb), _) => {
            // k = min(k, n - k); n - k < 0 means 0.
            let kb = k.big();
            let rest = nb - kb.as_ref();
            if rest.sign() == num_bigint::Sign::Minus {
                return Ok(CombPlan::Known(Integer::Small(0)));
            }
            let smaller = if rest < *kb { rest } else { kb.into_owned() };
            match smaller.to_u64().filter(|&k| k <= LLONG_MAX) {
                Some(k) => k,
                None => {
                    return Err(MathError::new(
                        PyException::OverflowError,
                        "min(n - k, k) must not exceed 9223372036854775807",
                    ));
                }
            }
        }
    };
    Ok(CombPlan::new(n, k, true))
}

/// CPython's `math_perm_impl` with a `k` (without one, `perm` is
/// `factorial`), up to the computation.
pub fn perm_plan<'a>(n: IntArg<'a>, k: IntArg<'a>) -> MathResult<CombPlan<'a>> {
    non_negative(n, "n")?;
    non_negative(k, "k")?;
    let k_fits = k.to_u64().filter(|&k| k <= LLONG_MAX);
    let n_less_than_k = match (n.to_u64(), k_fits) {
        (Some(n), Some(k)) => n < k,
        (None, Some(_)) => false,
        (_, None) => n.big() < k.big(),
    };
    if n_less_than_k {
        return Ok(CombPlan::Known(Integer::Small(0)));
    }
    let Some(k) = k_fits else {
        return Err(MathError::new(
            PyException::OverflowError,
            "k must not exceed 9223372036854775807",
        ));
    };
    Ok(CombPlan::new(n, k, false))
}

/// Computes a [`CombPlan`].
pub fn comb_perm(plan: &CombPlan<'_>, work: &mut Work) -> Integer {
    match plan {
        CombPlan::Known(i) => i.clone(),
        CombPlan::Compute { n, k, comb } => {
            let r = match n {
                IntArg::Small(n) => perm_comb_small(*n as u64, *k, *comb, work),
                IntArg::Big(_) => perm_comb(&n.magnitude(), *k, *comb, work),
            };
            Integer::from(num_bigint::BigInt::from(r))
        }
    }
}

/// The odd part of `n!` modulo 2**64, for `n < 128` (CPython's
/// `reduced_factorial_odd_part`, computed here rather than copied).
const FACTORIAL_ODD_PART: [u64; 128] = {
    let mut table = [1u64; 128];
    let mut n = 1;
    while n < 128 {
        let odd = (n as u64) >> (n as u64).trailing_zeros();
        table[n] = table[n - 1].wrapping_mul(odd);
        n += 1;
    }
    table
};

/// The inverses modulo 2**64 of [`FACTORIAL_ODD_PART`] (odd numbers are
/// invertible mod 2**64): Newton's iteration `x = x * (2 - a*x)` doubles
/// the correct low bits each step, from 3 bits (`a*a == 1 mod 8`) to 64.
const FACTORIAL_ODD_PART_INVERSE: [u64; 128] = {
    let mut table = [0u64; 128];
    let mut n = 0;
    while n < 128 {
        let a = FACTORIAL_ODD_PART[n];
        let mut x = a;
        let mut step = 0;
        while step < 5 {
            x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
            step += 1;
        }
        table[n] = x;
        n += 1;
    }
    table
};

/// `P(n, k)` or `C(n, k)` in one machine word, when it fits.
///
/// For `n <= 67` every `C(n, k)` fits, and (as in CPython) it comes from
/// the tables: `odd(n!) / (odd(k!) * odd((n-k)!))` modulo 2**64, shifted by
/// the power of two, which Kummer's theorem counts as the carries of
/// `k + (n-k)`. Likewise `P(n, k)` for `n <= 20`. Otherwise a running
/// product (and exact running binomial) in 128 bits, given up as soon as
/// it passes 64 bits; a run of more than 64 factors never fits (`C(n, k)
/// >= 2**k` when `k <= n/2`, `P(n, k) >= k!`), so it is not tried.
fn word_perm_comb(n: u64, k: u64, comb: bool, work: &mut Work) -> Option<u64> {
    let carries = |a: u64, b: u64| a.count_ones() + b.count_ones() - (a + b).count_ones();
    if comb && n <= 67 {
        work.small(Work::STEP);
        let (n, k) = (n as usize, k as usize);
        let odd = FACTORIAL_ODD_PART[n]
            .wrapping_mul(FACTORIAL_ODD_PART_INVERSE[k])
            .wrapping_mul(FACTORIAL_ODD_PART_INVERSE[n - k]);
        return Some(odd << carries(k as u64, (n - k) as u64));
    }
    if !comb && n <= 20 {
        work.small(Work::STEP);
        let odd = FACTORIAL_ODD_PART[n as usize]
            .wrapping_mul(FACTORIAL_ODD_PART_INVERSE[(n - k) as usize]);
        // 2-adic valuation of n!/(n-k)!: (n - popcount(n)) - (m - popcount(m)).
        let shift = k + u64::from((n - k).count_ones()) - u64::from(n.count_ones());
        return Some(odd << shift);
    }
    if k > 64 {
        return None;
    }
    let mut r: u128 = 1;
    for i in 0..k {
        work.small(Work::STEP);
        r *= u128::from(n - i);
        if comb {
            r /= u128::from(i + 1);
        }
        if r > u128::from(u64::MAX) {
            return None;
        }
    }
    Some(r as u64)
}

/// CPython's `perm_comb_small`, for `n` below 2**63: machine words when
/// the answer fits, otherwise `C(n, k) = C(n, j) * C(n-j, k-j) // C(k, j)`
/// (and `P(n, k) = P(n, j) * P(n-j, k-j)`) with `j = k/2`, which keeps the
/// factors balanced.
fn perm_comb_small(n: u64, k: u64, comb: bool, work: &mut Work) -> BigUint {
    if k == 0 {
        return BigUint::one();
    }
    work.small(Work::NODE);
    if let Some(r) = word_perm_comb(n, k, comb, work) {
        return BigUint::from(r);
    }
    let j = k / 2;
    let a = perm_comb_small(n, j, comb, work);
    let b = perm_comb_small(n - j, k - j, comb, work);
    let product = work.mul(&a, &b);
    if comb {
        let divisor = perm_comb_small(k, j, true, work);
        work.div(&product, &divisor)
    } else {
        product
    }
}

/// CPython's `perm_comb`, for any `n`: the same halving, on big `n`.
fn perm_comb(n: &BigUint, k: u64, comb: bool, work: &mut Work) -> BigUint {
    if k == 0 {
        return BigUint::one();
    }
    if k == 1 {
        return n.clone();
    }
    let j = k / 2;
    let a = perm_comb(n, j, comb, work);
    work.small(Work::NODE);
    work.linear(Work::words(n.bits()));
    let rest = n - BigUint::from(j);
    let b = perm_comb(&rest, k - j, comb, work);
    let product = work.mul(&a, &b);
    if comb {
        let divisor = perm_comb_small(k, j, true, work);
        work.div(&product, &divisor)
    } else {
        product
    }
}

// ---------------------------------------------------------------------
// isqrt
// ---------------------------------------------------------------------

/// `isqrt`'s argument check.
pub fn isqrt_arg(n: IntArg<'_>) -> MathResult<IntArg<'_>> {
    if n.is_negative() {
        return Err(MathError::new(
            PyException::ValueError,
            "isqrt() argument must be nonnegative",
        ));
    }
    Ok(n)
}

/// CPython's `_approximate_isqrt`: for `2**62 <= n < 2**64`, an `a` with
/// `(a - 1)**2 < n < (a + 1)**2`, by four Newton steps in 32-bit integers.
fn approximate_isqrt(n: u64) -> u64 {
    let mut u: u32 = 1 + (n >> 62) as u32;
    u = (u << 1) + ((n >> 59) / u64::from(u)) as u32;
    u = (u << 3) + ((n >> 53) / u64::from(u)) as u32;
    u = (u << 7) + ((n >> 41) / u64::from(u)) as u32;
    (u64::from(u) << 15) + (n >> 17) / u64::from(u)
}

/// `isqrt(n)` for `n >= 0`, by CPython's adaptive-precision Newton
/// iteration (exactly `floor(log2(log2(n)))` steps, then one correction).
pub fn isqrt(n: IntArg<'_>, work: &mut Work) -> Integer {
    if n.is_zero() {
        return Integer::Small(0);
    }
    let bits = n.bits();
    let c = (bits - 1) / 2;
    if c <= 31 {
        // n < 2**64: one machine-word approximation and a correction.
        let m = n.to_u64().unwrap_or(0);
        let mut u = approximate_isqrt(m << (62 - 2 * c)) >> (31 - c);
        // `u*u - 1 >= m`, wrapping, gets u = 2**32 right.
        if u.wrapping_mul(u).wrapping_sub(1) >= m {
            u -= 1;
        }
        work.small(1);
        return Integer::Small(u as i64);
    }
    let n = n.magnitude();
    let mut c_bit_length = 6;
    while (c >> c_bit_length) > 0 {
        c_bit_length += 1;
    }
    let mut d = c >> (c_bit_length - 5);
    let top = (n.as_ref() >> (2 * c - 62)).to_u64().unwrap_or(0);
    let mut a = BigUint::from(approximate_isqrt(top) >> (31 - d));
    for s in (0..=c_bit_length - 6).rev() {
        let e = d;
        d = c >> s;
        work.small(Work::NODE);
        work.linear(Work::words(bits));
        let q = work.div(&(n.as_ref() >> (2 * c - d - e + 1)), &a);
        a = (a << (d - 1 - e)) + q;
    }
    let square = work.mul(&a, &a);
    if square > *n {
        a -= 1u32;
    }
    Integer::from(num_bigint::BigInt::from(a))
}

// ---------------------------------------------------------------------
// gcd and lcm
// ---------------------------------------------------------------------

/// `gcd(*integers)`: non-negative; CPython skips the arithmetic once the
/// running gcd is 1 (the arguments are still checked, by the caller).
pub fn gcd(args: &[IntArg<'_>], work: &mut Work) -> Integer {
    let Some((first, rest)) = args.split_first() else {
        return Integer::Small(0);
    };
    let mut acc = Acc::of(*first);
    for x in rest {
        if acc.is_one() {
            break;
        }
        acc = acc.gcd(Acc::of(*x), work);
    }
    acc.into_integer()
}

/// `lcm(*integers)`: non-negative; 0 once any argument is 0.
pub fn lcm(args: &[IntArg<'_>], work: &mut Work) -> Integer {
    let Some((first, rest)) = args.split_first() else {
        return Integer::Small(1);
    };
    let mut acc = Acc::of(*first);
    for x in rest {
        if acc.is_zero() {
            break;
        }
        let x = Acc::of(*x);
        if x.is_zero() {
            acc = Acc::Small(0);
            continue;
        }
        // lcm(a, b) = a // gcd(a, b) * b.
        let g = acc.clone().gcd(x.clone(), work);
        let a = acc.into_big();
        let quotient = work.div(&a, &g.into_big());
        acc = Acc::Big(work.mul(&quotient, &x.into_big())).normalize();
    }
    acc.into_integer()
}

/// A non-negative running value of `gcd`/`lcm`, on machine words while it
/// fits.
#[derive(Debug, Clone)]
enum Acc {
    Small(u64),
    Big(BigUint),
}

impl Acc {
    fn of(x: IntArg<'_>) -> Acc {
        match x {
            IntArg::Small(i) => Acc::Small(i.unsigned_abs()),
            IntArg::Big(b) => Acc::Big(b.magnitude().clone()).normalize(),
        }
    }

    fn normalize(self) -> Acc {
        match self {
            Acc::Big(b) => match b.to_u64() {
                Some(s) => Acc::Small(s),
                None => Acc::Big(b),
            },
            small => small,
        }
    }

    fn is_one(&self) -> bool {
        matches!(self, Acc::Small(1))
    }

    fn is_zero(&self) -> bool {
        matches!(self, Acc::Small(0))
    }

    fn into_big(self) -> BigUint {
        match self {
            Acc::Small(s) => BigUint::from(s),
            Acc::Big(b) => b,
        }
    }

    fn gcd(self, other: Acc, work: &mut Work) -> Acc {
        match (self, other) {
            (Acc::Small(a), Acc::Small(b)) => {
                work.small(1);
                Acc::Small(a.gcd(&b))
            }
            (a, b) => {
                let (a, b) = (a.into_big(), b.into_big());
                work.gcd(a.bits(), b.bits());
                Acc::Big(a.gcd(&b)).normalize()
            }
        }
    }

    fn into_integer(self) -> Integer {
        match self {
            Acc::Small(s) => match i64::try_from(s) {
                Ok(i) => Integer::Small(i),
                Err(_) => Integer::Big(num_bigint::BigInt::from(s)),
            },
            Acc::Big(b) => Integer::from(num_bigint::BigInt::from(b)),
        }
    }
}

// ---------------------------------------------------------------------
// Logarithms of ints
// ---------------------------------------------------------------------

/// CPython's `loghelper` for an int: a domain error for `n <= 0`; the
/// logarithm of `float(n)` when that conversion succeeds; otherwise, from
/// `n ~= m * 2**e` (`_PyLong_Frexp`), `log(m) + log(2) * e`, so ints far
/// beyond the float range still have a logarithm.
pub fn log(n: IntArg<'_>, base: LogBase) -> MathResult<f64> {
    if n.is_negative() || n.is_zero() {
        return Err(MathError::domain());
    }
    match n.to_f64() {
        Ok(x) => Ok(base.m_log(x)),
        Err(_) => {
            let (m, e) = big_frexp(&n.magnitude());
            Ok(base.m_log(m) + base.m_log(2.0) * e as f64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigInt;

    fn naive_factorial(n: u64) -> BigUint {
        (1..=n).fold(BigUint::one(), |acc, k| acc * k)
    }

    #[test]
    fn factorial_matches_the_definition() {
        for n in [0, 1, 2, 20, 21, 22, 63, 64, 65, 100, 127, 128, 500, 1000] {
            assert_eq!(
                factorial(n, &mut Work::default()),
                naive_factorial(n),
                "{n}"
            );
        }
    }

    #[test]
    fn comb_and_perm_match_the_definition() {
        for n in 0..90u64 {
            for k in 0..=n {
                let c = comb_plan(IntArg::Small(n as i64), IntArg::Small(k as i64)).unwrap();
                let p = perm_plan(IntArg::Small(n as i64), IntArg::Small(k as i64)).unwrap();
                let expected_p = naive_factorial(n) / naive_factorial(n - k);
                let expected_c = &expected_p / naive_factorial(k);
                let got_c: BigInt = comb_perm(&c, &mut Work::default()).into();
                let got_p: BigInt = comb_perm(&p, &mut Work::default()).into();
                assert_eq!(got_c, BigInt::from(expected_c), "comb({n}, {k})");
                assert_eq!(got_p, BigInt::from(expected_p), "perm({n}, {k})");
            }
        }
    }

    #[test]
    fn isqrt_is_the_floor_of_the_square_root() {
        let mut values: Vec<BigUint> = (0..2000u64).map(BigUint::from).collect();
        for bits in [62u32, 63, 64, 65, 127, 128, 129, 1000] {
            let p = BigUint::one() << bits;
            values.push(&p - 1u32);
            values.push(p.clone());
            values.push(&p + 1u32);
        }
        values.push(BigUint::from(u64::MAX));
        values.push(BigUint::from((1u64 << 32) - 1) * BigUint::from((1u64 << 32) - 1));
        for v in values {
            let b = BigInt::from(v.clone());
            let arg = match b.to_i64() {
                Some(i) => IntArg::Small(i),
                None => IntArg::Big(&b),
            };
            let r: BigInt = isqrt(arg, &mut Work::default()).into();
            let r = r.to_biguint().unwrap();
            assert!(
                &r * &r <= v && (&r + 1u32) * (&r + 1u32) > v,
                "isqrt({v}) = {r}"
            );
        }
    }
}
