//! Python's `int` and `float` rules, and the [`Meter`] that bounds them.
//!
//! Every operation here follows what CPython's `int` and `float` objects do
//! (the C code in `longobject.c` and `floatobject.c`), because the point of
//! safecalc is to give the answer `eval()` gives. Two things are added that
//! Python lacks: every operation is charged to a [`Meter`], and any result
//! that could exceed the integer-size limit is refused *before* it is
//! computed, so no input can make the process do unbounded work.
//!
//! Integers live on a machine-word fast path ([`Int::Small`]) and move to a
//! big integer only when a checked `i64` operation overflows. Which
//! operation applies to which pair of values (and the `TypeError`s when
//! none does) is decided in `ops`; this module has the rules for one type.

use std::borrow::Cow;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use num_traits::{FromPrimitive, One, Signed, ToPrimitive, Zero};

use super::error::{CalcError, CalcResult, overflow_error, value_error, zero_division};
use super::limits::Limits;

pub use super::value::Value;

/// log2(10): how many bits one decimal digit needs.
const LOG2_10: f64 = std::f64::consts::LOG2_10;

/// A Python `int`. Invariant: `Big` never holds a value that fits in `i64`,
/// so equal numbers have one representation and the fast path is always
/// taken when it can be. Big values are shared (`Arc`), so reading a
/// variable that holds a 4,300-digit number copies a pointer, not 1.8 KB.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Int {
    Small(i64),
    Big(Arc<BigInt>),
}

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Int::Small(i) => write!(f, "{i}"),
            Int::Big(b) => write!(f, "{b}"),
        }
    }
}

impl From<BigInt> for Int {
    fn from(b: BigInt) -> Self {
        match b.to_i64() {
            Some(i) => Int::Small(i),
            None => Int::Big(Arc::new(b)),
        }
    }
}

impl Int {
    /// The value as a big integer (a copy for `Small`).
    pub fn to_bigint(&self) -> BigInt {
        self.big().into_owned()
    }

    /// The value as a big integer, borrowed when it already is one: the
    /// slow path must not copy kilobyte-sized operands just to read them.
    pub fn big(&self) -> Cow<'_, BigInt> {
        match self {
            Int::Small(i) => Cow::Owned(BigInt::from(*i)),
            Int::Big(b) => Cow::Borrowed(&**b),
        }
    }

    /// Number of bits of `|self|` (0 for zero).
    pub fn bits(&self) -> u64 {
        match self {
            Int::Small(i) => u64::from(64 - i.unsigned_abs().leading_zeros()),
            Int::Big(b) => b.bits(),
        }
    }

    /// How many machine words the magnitude takes: the unit of cost.
    pub fn words(&self) -> u64 {
        self.bits().div_ceil(64).max(1)
    }

    pub fn is_zero(&self) -> bool {
        matches!(self, Int::Small(0))
    }

    pub fn is_negative(&self) -> bool {
        match self {
            Int::Small(i) => *i < 0,
            Int::Big(b) => b.is_negative(),
        }
    }

    /// Python's `float(int)`: correctly rounded, and an error (not `inf`)
    /// when the magnitude is too large, as in CPython.
    pub fn to_f64(&self) -> CalcResult<f64> {
        let x = match self {
            // Exact for |i| <= 2**53, correctly rounded above.
            Int::Small(i) => *i as f64,
            // num-bigint rounds to odd then to nearest: correctly rounded.
            Int::Big(b) => b.to_f64().unwrap_or(f64::INFINITY),
        };
        if x.is_infinite() {
            Err(overflow_error("int too large to convert to float"))
        } else {
            Ok(x)
        }
    }

    /// The value as an `i64`, if it fits.
    pub fn to_i64(&self) -> Option<i64> {
        match self {
            Int::Small(i) => Some(*i),
            Int::Big(_) => None,
        }
    }

    /// Python's exact comparison of an int with a float (`None` for NaN).
    pub fn cmp_f64(&self, x: f64) -> Option<Ordering> {
        if x.is_nan() {
            return None;
        }
        if x.is_infinite() {
            return Some(if x > 0.0 {
                Ordering::Less
            } else {
                Ordering::Greater
            });
        }
        if let Int::Small(i) = self
            && i.unsigned_abs() <= 1 << 53
        {
            return (*i as f64).partial_cmp(&x);
        }
        let whole = x.trunc();
        let whole_int = BigInt::from_f64(whole)?;
        match self.big().as_ref().cmp(&whole_int) {
            Ordering::Equal => 0.0f64.partial_cmp(&(x - whole)),
            unequal => Some(unequal),
        }
    }
}

/// Python's ordering of two ints.
pub fn cmp_int(a: &Int, b: &Int) -> Ordering {
    match (a, b) {
        (Int::Small(x), Int::Small(y)) => x.cmp(y),
        // One shared allocation is equal to itself without reading its
        // digits: `max(x, x, ...)` on a 4,300-digit `x` compares the same
        // `Arc` thousands of times, and a full comparison reads all 224
        // words each time (`Arc`'s `==` already does this; `cmp` does not).
        (Int::Big(x), Int::Big(y)) if Arc::ptr_eq(x, y) => Ordering::Equal,
        (Int::Big(x), Int::Big(y)) => x.cmp(y),
        // A `Big` is outside the i64 range, so its sign decides.
        (Int::Small(_), Int::Big(y)) => {
            if y.is_positive() {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        (Int::Big(x), Int::Small(_)) => {
            if x.is_positive() {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

/// Counts the work one evaluation does and enforces the [`Limits`] on it.
///
/// A `Meter` is created per evaluation; every arithmetic operation charges
/// it *before* doing expensive work, so a request that would exceed the
/// budget fails at once instead of after the work is done.
#[derive(Debug)]
pub struct Meter<'l> {
    limits: &'l Limits,
    /// The work still allowed: counting down makes a charge one
    /// comparison and one subtraction.
    left: u64,
}

impl<'l> Meter<'l> {
    pub fn new(limits: &'l Limits) -> Self {
        Meter {
            limits,
            left: limits.max_work,
        }
    }

    pub fn limits(&self) -> &'l Limits {
        self.limits
    }

    /// Work charged so far (the whole budget, once it has run out).
    pub fn used(&self) -> u64 {
        self.limits.max_work - self.left
    }

    /// Charges one step of the evaluator ([`STEP`]).
    #[inline(always)]
    pub fn step(&mut self) -> CalcResult<()> {
        self.charge(STEP)
    }

    /// Charges `units` of work, failing if the budget would be exceeded
    /// (and from then on, for any work at all).
    #[inline]
    pub fn charge(&mut self, units: u64) -> CalcResult<()> {
        if units > self.left {
            self.left = 0;
            return Err(self.out_of_work());
        }
        self.left -= units;
        Ok(())
    }

    #[cold]
    fn out_of_work(&self) -> CalcError {
        CalcError::TooMuchWork {
            max: self.limits.max_work,
        }
    }

    /// A machine-word result. Any `i64` has at most 19 digits, so it is
    /// checked only when the digit limit has been set below that.
    pub(crate) fn small(&self, i: i64) -> CalcResult<Int> {
        if self.limits.max_int_digits >= 19 {
            Ok(Int::Small(i))
        } else {
            self.check_int(Int::Small(i))
        }
    }

    pub(crate) fn too_large(&self) -> CalcError {
        CalcError::IntTooLarge {
            max: self.limits.max_int_digits,
        }
    }

    /// The most bits an allowed integer can have (`10**digits` has about
    /// `digits * log2(10)` bits). Used for cheap checks before computing.
    fn max_bits(&self) -> f64 {
        self.limits.max_int_digits as f64 * LOG2_10
    }

    /// Refuses, before computing it, a result estimated at `bits` bits when
    /// that is certainly beyond the digit limit (one bit of slack covers
    /// the rounding of the estimate; [`Meter::check_int`] is exact).
    pub(crate) fn precheck_bits(&self, bits: f64) -> CalcResult<()> {
        if bits > self.max_bits() + 2.0 {
            Err(self.too_large())
        } else {
            Ok(())
        }
    }

    /// The exact check: `|x| < 10**max_int_digits`. Cheap except within a
    /// bit of the limit.
    pub fn check_int(&self, x: Int) -> CalcResult<Int> {
        if at_least_pow10(&x, self.limits.max_int_digits) {
            Err(self.too_large())
        } else {
            Ok(x)
        }
    }

    pub(crate) fn check_big(&self, b: BigInt) -> CalcResult<Int> {
        self.check_int(Int::from(b))
    }
}

/// `|x| >= 10**digits`: from the bit length, except within a bit of the
/// boundary, where it compares with `10**digits` itself.
pub fn at_least_pow10(x: &Int, digits: usize) -> bool {
    let bits = x.bits() as f64;
    let boundary_bits = digits as f64 * LOG2_10;
    if bits + 1e-9 < boundary_bits {
        return false; // |x| < 2**bits <= 10**digits
    }
    if bits - 1.0 > boundary_bits + 1e-9 {
        return true; // |x| >= 2**(bits-1) > 10**digits
    }
    pow10(digits, |limit| x.big().magnitude() >= limit)
}

/// Applies `f` to `10**n`, which is cached per thread for the few limits
/// in use (they are the same numbers for every evaluation).
fn pow10<R>(n: usize, f: impl FnOnce(&BigUint) -> R) -> R {
    const KEPT: usize = 4;
    thread_local! {
        static CACHE: RefCell<Vec<(usize, BigUint)>> = const { RefCell::new(Vec::new()) };
    }
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((_, v)) = cache.iter().find(|(k, _)| *k == n) {
            return f(v);
        }
        let v = num_traits::pow(BigUint::from(10u32), n);
        let r = f(&v);
        if cache.len() == KEPT {
            cache.remove(0);
        }
        cache.push((n, v));
        r
    })
}

/// What one step of the evaluator is charged: a node evaluated, an
/// operation on machine words, a call's dispatch. About 12 ns, in the
/// meter's units of about ¼ ns of big-number work, so that a line of many
/// small steps (a long comprehension) and a line of a few big products
/// run out of budget after about the same time.
pub const STEP: u64 = 48;

/// The cost of multiplying numbers of `a` and `b` words: the product of
/// the sizes (schoolbook; num-bigint's Karatsuba and Toom-3 do better on
/// big numbers, so this errs on the safe side there), plus what any
/// operation on big numbers costs per word (allocating and reading them),
/// which dominates below a few dozen words. One unit is about a quarter
/// of a nanosecond of work on the machines we measured (see
/// `examples/worst_lines.rs`).
pub(crate) fn product_cost(a: u64, b: u64) -> u64 {
    a.saturating_mul(b)
        .saturating_add(32u64.saturating_mul(a.saturating_add(b)))
}

/// Adding or subtracting allocates a new number: about six units a word.
pub(crate) fn addition_cost(words: u64) -> u64 {
    words.saturating_mul(6)
}

/// Long division of `a` words by `b` words costs about four times the
/// product of the divisor's and the quotient's sizes: dividing numbers of
/// the same size is cheap (`10**20000 // 10**19999`), halving one is not.
pub(crate) fn division_cost(a: u64, b: u64) -> u64 {
    let quotient = a.saturating_sub(b) + 1;
    b.saturating_mul(quotient)
        .saturating_mul(4)
        .saturating_add(64u64.saturating_mul(a.saturating_add(b)))
}

// ---------------------------------------------------------------------
// int rules
// ---------------------------------------------------------------------

/// `x + y` or `x - y`.
pub fn int_add_sub(x: &Int, y: &Int, subtract: bool, m: &mut Meter) -> CalcResult<Int> {
    if let (Int::Small(a), Int::Small(b)) = (x, y) {
        let fast = if subtract {
            a.checked_sub(*b)
        } else {
            a.checked_add(*b)
        };
        return match fast {
            Some(r) => m.small(r),
            None => {
                let (a, b) = (BigInt::from(*a), BigInt::from(*b));
                m.check_big(if subtract { a - b } else { a + b })
            }
        };
    }
    m.charge(addition_cost(x.words().max(y.words())))?;
    let (a, b) = (x.big(), y.big());
    m.check_big(if subtract { &*a - &*b } else { &*a + &*b })
}

/// `x * y`.
pub fn int_mul(x: &Int, y: &Int, m: &mut Meter) -> CalcResult<Int> {
    if let (Int::Small(a), Int::Small(b)) = (x, y) {
        return match a.checked_mul(*b) {
            Some(r) => m.small(r),
            None => m.check_big(BigInt::from(*a) * BigInt::from(*b)),
        };
    }
    if x.is_zero() || y.is_zero() {
        return Ok(Int::Small(0));
    }
    // The product has at least bits(x) + bits(y) - 1 bits.
    m.precheck_bits((x.bits() + y.bits() - 1) as f64)?;
    m.charge(product_cost(x.words(), y.words()))?;
    m.check_big(&*x.big() * &*y.big())
}

/// `-x`.
pub fn int_neg(x: &Int, m: &mut Meter) -> CalcResult<Int> {
    match x {
        Int::Small(i) => match i.checked_neg() {
            Some(n) => m.small(n),
            None => m.check_big(-BigInt::from(*i)),
        },
        Int::Big(b) => {
            m.charge(x.words())?;
            Ok(Int::from(-&**b))
        }
    }
}

/// `~x`, which is `-(x + 1)`.
pub fn int_invert(x: &Int, m: &mut Meter) -> CalcResult<Int> {
    match x {
        Int::Small(i) => m.small(!i),
        Int::Big(b) => {
            m.charge(addition_cost(x.words()))?;
            m.check_big(!&**b)
        }
    }
}

/// The three bitwise operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bitwise {
    And,
    Or,
    Xor,
}

/// `x & y`, `x | y`, `x ^ y` on two's complement, as Python defines them
/// for ints of any size. The result is never longer than the longer
/// operand, so it needs no size check.
pub fn int_bitwise(op: Bitwise, x: &Int, y: &Int, m: &mut Meter) -> CalcResult<Int> {
    if let (Int::Small(a), Int::Small(b)) = (x, y) {
        return Ok(Int::Small(match op {
            Bitwise::And => a & b,
            Bitwise::Or => a | b,
            Bitwise::Xor => a ^ b,
        }));
    }
    m.charge(addition_cost(x.words().max(y.words())))?;
    let (a, b) = (x.big(), y.big());
    Ok(Int::from(match op {
        Bitwise::And => &*a & &*b,
        Bitwise::Or => &*a | &*b,
        Bitwise::Xor => &*a ^ &*b,
    }))
}

/// CPython's `MAX_LONG_DIGITS`: the most 30-bit digits an int may have.
/// A left shift whose result would need more is `OverflowError: too many
/// digits in integer`; a smaller one beyond safecalc's size limit is
/// merely a `MemoryError` in CPython, and a limit error here.
const MAX_LONG_DIGITS: u128 = ((i64::MAX as u128) - 24) / 4;

/// `x << n` and `x >> n` (`n` already known to be an int).
pub fn int_shift(x: &Int, n: &Int, left: bool, m: &mut Meter) -> CalcResult<Int> {
    if n.is_negative() {
        return Err(value_error("negative shift count"));
    }
    if x.is_zero() {
        return Ok(Int::Small(0));
    }
    let Some(shift) = n.to_i64().map(|s| s as u64) else {
        // A shift beyond a machine word: everything shifts out to the
        // right; to the left, CPython's size check decides the error.
        if !left {
            return Ok(Int::Small(if x.is_negative() { -1 } else { 0 }));
        }
        return Err(huge_shift_error(x, n, m));
    };
    if !left {
        if let Int::Small(a) = x {
            return Ok(Int::Small(a >> shift.min(63)));
        }
        m.charge(addition_cost(x.words()))?;
        // num-bigint's `>>` on a negative number rounds toward negative
        // infinity, as Python's does.
        return Ok(Int::from(&*x.big() >> shift));
    }
    if let Int::Small(a) = x
        && shift < 63
        && let Some(r) = a.checked_mul(1 << shift)
    {
        return m.small(r);
    }
    let bits = x.bits().saturating_add(shift);
    m.precheck_bits(bits as f64 - 1.0)?;
    m.charge(addition_cost(bits / 64 + 1))?;
    m.check_big(&*x.big() << shift)
}

/// The error for `x << n` with `n` beyond a machine word: CPython's
/// `divmod_shift` splits `n` into 30-bit digits (clipping an absurd count),
/// and `_PyLong_New` refuses a result of more than `MAX_LONG_DIGITS`
/// digits with `OverflowError`; below that it would try to allocate.
fn huge_shift_error(x: &Int, n: &Int, m: &Meter) -> CalcError {
    const CLIP: u128 = (i64::MAX as u128) / 4;
    let (word_shift, rem_shift) = n.big().magnitude().div_rem(&BigUint::from(30u32));
    let (word_shift, rem_shift) = match word_shift.to_u128() {
        Some(w) if w < CLIP => (w, !rem_shift.is_zero()),
        _ => (CLIP, false),
    };
    let old_digits = u128::from(x.bits().div_ceil(30));
    if old_digits + word_shift + u128::from(rem_shift) > MAX_LONG_DIGITS {
        overflow_error("too many digits in integer")
    } else {
        m.too_large()
    }
}

/// Floor division and modulo of ints (`divmod`), with the fast path;
/// `zero` is CPython's message for a zero divisor, which differs between
/// `%` and the others.
pub fn int_div_mod(x: &Int, y: &Int, zero: &'static str, m: &mut Meter) -> CalcResult<(Int, Int)> {
    if y.is_zero() {
        return Err(zero_division(zero));
    }
    if let (Int::Small(a), Int::Small(b)) = (x, y) {
        // i64::MIN / -1 overflows; it falls through to the big path.
        if let (Some(q), Some(r)) = (a.checked_div(*b), a.checked_rem(*b)) {
            if r != 0 && ((r < 0) != (*b < 0)) {
                return Ok((Int::Small(q - 1), Int::Small(r + b)));
            }
            return Ok((Int::Small(q), Int::Small(r)));
        }
    }
    m.charge(division_cost(x.words(), y.words()))?;
    let (q, r) = x.big().div_mod_floor(&y.big());
    Ok((m.check_big(q)?, Int::from(r)))
}

/// CPython's messages for a zero divisor.
pub const INT_DIVISION_BY_ZERO: &str = "integer division or modulo by zero";
pub const INT_MODULO_BY_ZERO: &str = "integer modulo by zero";

/// `int ** non-negative int`, refused before computing when the result
/// would be over the digit limit (so `9**9**9**9` costs microseconds).
pub fn int_pow(base: &Int, exponent: &Int, m: &mut Meter) -> CalcResult<Int> {
    // Bases whose powers never grow.
    match base {
        Int::Small(0) => return Ok(Int::Small(if exponent.is_zero() { 1 } else { 0 })),
        Int::Small(1) => return Ok(Int::Small(1)),
        Int::Small(-1) => {
            let odd = match exponent {
                Int::Small(e) => e % 2 != 0,
                Int::Big(e) => e.is_odd(),
            };
            return Ok(Int::Small(if odd { -1 } else { 1 }));
        }
        _ => {}
    }
    let Some(e) = exponent.to_i64().and_then(|e| u32::try_from(e).ok()) else {
        // |base| >= 2 and an exponent beyond u32: far beyond any limit.
        return Err(m.too_large());
    };
    if e == 0 {
        return Ok(Int::Small(1));
    }
    // Estimate log2 of the result from log2 |base|, then refuse early.
    let result_bits = log2_abs(base) * f64::from(e);
    m.precheck_bits(result_bits)?;
    if let Int::Small(b) = base
        && let Some(r) = b.checked_pow(e)
    {
        return m.small(r);
    }
    // Square-and-multiply costs about twice the final squaring, and only
    // the base's odd part is multiplied (num-bigint shifts the power of
    // two in: `2**65536` is a shift, `10**k` the squarings of `5**k`).
    let twos = f64::from(e) * base_trailing_zeros(base) as f64;
    let words = ((result_bits - twos) / 64.0).ceil() as u64 + 1;
    m.charge(2 * product_cost(words, words) + (result_bits / 64.0) as u64)?;
    if let Int::Small(b) = base {
        // A power that fits 128 bits (`3**50`) in machine arithmetic: no
        // big-number squarings, one allocation for the result.
        if let Some(r) = i128::from(*b).checked_pow(e) {
            return m.check_big(BigInt::from(r));
        }
        // A power of a power of two is a shift (`2**200`, `(-8)**99`):
        // one allocation instead of a squaring per bit of the exponent.
        let magnitude = b.unsigned_abs();
        if magnitude.is_power_of_two() {
            let shift = u64::from(magnitude.trailing_zeros()) * u64::from(e);
            let power = BigInt::one() << shift;
            return m.check_big(if *b < 0 && e % 2 == 1 { -power } else { power });
        }
    }
    m.check_big(num_traits::pow(base.big().into_owned(), e as usize))
}

/// How many times 2 divides a non-zero int.
fn base_trailing_zeros(x: &Int) -> u64 {
    match x {
        Int::Small(b) => u64::from(b.trailing_zeros()),
        Int::Big(b) => b.trailing_zeros().unwrap_or(0),
    }
}

/// log2 |x| for a non-zero int.
fn log2_abs(x: &Int) -> f64 {
    match x {
        Int::Small(b) => (b.unsigned_abs() as f64).log2(),
        Int::Big(b) => {
            let bits = b.bits();
            let shift = bits.saturating_sub(64);
            let top = (b.magnitude() >> shift).to_f64().unwrap_or(f64::MAX);
            top.log2() + shift as f64
        }
    }
}

/// `pow(base, exponent, modulus)` on ints, with Python's modular inverse
/// for a negative exponent. The work is charged before it is done: one
/// modular squaring and multiplication per bit of the exponent.
pub fn int_pow_mod(base: &Int, exponent: &Int, modulus: &Int, m: &mut Meter) -> CalcResult<Int> {
    if modulus.is_zero() {
        return Err(value_error("pow() 3rd argument cannot be 0"));
    }
    let words = modulus.words().max(1);
    let bits = exponent.bits().max(1);
    m.charge(bits.saturating_mul(2 * division_cost(2 * words, words)))?;
    let n = modulus.big();
    let n_abs = n.abs();
    let mut base = base.big().into_owned();
    let mut e = exponent.big().into_owned();
    if e.is_negative() {
        base = mod_inverse(&base, &n_abs)
            .ok_or_else(|| value_error("base is not invertible for the given modulus"))?;
        e = -e;
    }
    let mut r = base.mod_floor(&n_abs).modpow(&e, &n_abs);
    // Python's result takes the sign of the modulus.
    if n.is_negative() && !r.is_zero() {
        r -= &n_abs;
    }
    Ok(Int::from(r))
}

/// The inverse of `a` modulo `n > 0`, if `gcd(a, n) == 1`.
fn mod_inverse(a: &BigInt, n: &BigInt) -> Option<BigInt> {
    let a = a.mod_floor(n);
    let egcd = a.extended_gcd(n);
    if !egcd.gcd.is_one() {
        // CPython: 1 % 1 == 0 is invertible (every power is 0 mod 1).
        return n.is_one().then(BigInt::zero);
    }
    Some(egcd.x.mod_floor(n))
}

/// Python's int / int: the correctly rounded quotient (CPython's
/// `long_true_divide`), not the quotient of two rounded floats.
pub fn int_true_div(x: &Int, y: &Int, m: &mut Meter) -> CalcResult<f64> {
    if y.is_zero() {
        return Err(zero_division("division by zero"));
    }
    const EXACT: u64 = 1 << 53;
    if let (Int::Small(a), Int::Small(b)) = (x, y)
        && a.unsigned_abs() <= EXACT
        && b.unsigned_abs() <= EXACT
    {
        // Both operands exact as floats: IEEE division rounds correctly.
        return Ok(*a as f64 / *b as f64);
    }
    m.charge(division_cost(x.words(), y.words()))?;
    let negative = x.is_negative() != y.is_negative();
    let (a, b) = (x.big(), y.big());
    let q = ratio_to_f64(a.magnitude(), b.magnitude())
        .ok_or_else(|| overflow_error("integer division result too large for a float"))?;
    Ok(if negative { -q } else { q })
}

/// The float nearest to `num / den` (ties to even), including subnormal
/// results; `None` when it overflows. `den` must be non-zero.
pub(crate) fn ratio_to_f64(num: &BigUint, den: &BigUint) -> Option<f64> {
    if num.is_zero() {
        return Some(0.0);
    }
    // num/den lies in [2**(d-1), 2**(d+1)); find the exact binade 2**(top-1)..2**top.
    let d = num.bits() as i64 - den.bits() as i64;
    let at_least_2_pow_d = if d >= 0 {
        *num >= den << d as u64
    } else {
        num << (-d) as u64 >= *den
    };
    let top = if at_least_2_pow_d { d + 1 } else { d };
    if top > 1024 {
        return None;
    }
    // Weight of the last kept bit: 53 significant bits, or fewer when
    // subnormal (the smallest step is 2**-1074).
    let lsb = (top - 53).max(-1074);
    let (scaled_num, scaled_den) = if lsb >= 0 {
        (num.clone(), den << lsb as u64)
    } else {
        (num << (-lsb) as u64, den.clone())
    };
    let (mut q, r) = scaled_num.div_rem(&scaled_den);
    let twice_r = r << 1u32;
    if twice_r > scaled_den || (twice_r == scaled_den && q.is_odd()) {
        q += 1u32;
    }
    // q < 2**54 here, so the conversion is exact; scale by 2**lsb in two
    // exact steps to avoid leaving the range of f64 exponents midway.
    let q = q.to_f64()?;
    let result = if lsb >= 0 {
        q * pow2(lsb.min(1023) as i32)
    } else {
        let first = lsb.max(-1022);
        q * pow2(first as i32) * pow2((lsb - first) as i32)
    };
    if result.is_infinite() {
        None
    } else {
        Some(result)
    }
}

/// `2**e` exactly, for `-1074 <= e <= 1023` (C's `ldexp(1.0, e)`); `powi`
/// would compute `1 / 2**1024 = 0` for `e = -1024`.
pub(crate) fn pow2(e: i32) -> f64 {
    if e >= -1022 {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (e + 1074).max(0))
    }
}

// ---------------------------------------------------------------------
// float rules (floatobject.c)
// ---------------------------------------------------------------------

/// CPython's `_float_div_mod`: floor quotient and modulo of floats; `y`
/// must be non-zero.
pub fn float_div_mod(x: f64, y: f64) -> (f64, f64) {
    let mut modulo = x % y;
    let mut div = (x - modulo) / y;
    if modulo != 0.0 {
        if (y < 0.0) != (modulo < 0.0) {
            modulo += y;
            div -= 1.0;
        }
    } else {
        modulo = 0.0f64.copysign(y);
    }
    let floordiv = if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0.0f64.copysign(x / y)
    };
    (floordiv, modulo)
}

/// CPython's `float_rem`.
pub fn float_mod(x: f64, y: f64) -> f64 {
    let modulo = x % y;
    if modulo != 0.0 {
        if (y < 0.0) != (modulo < 0.0) {
            return modulo + y;
        }
        modulo
    } else {
        0.0f64.copysign(y)
    }
}

fn is_odd_integer(x: f64) -> bool {
    x.abs() % 2.0 == 1.0
}

/// What `float ** float` gives: a float, or "ask complex", which is what
/// CPython's `float_pow` does for a negative base and a fractional
/// exponent (`(-8)**(1/3)` is a complex number).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FloatPow {
    Real(f64),
    Complex,
}

/// CPython's `float_pow`, special cases and all; an overflow is an error
/// (`10.0**400`).
pub fn float_pow(mut x: f64, y: f64) -> CalcResult<FloatPow> {
    use FloatPow::Real;
    if y == 0.0 {
        return Ok(Real(1.0));
    }
    if x.is_nan() {
        return Ok(Real(x));
    }
    if y.is_nan() {
        return Ok(Real(if x == 1.0 { 1.0 } else { y }));
    }
    if y.is_infinite() {
        let ax = x.abs();
        return Ok(Real(if ax == 1.0 {
            1.0
        } else if (y > 0.0) == (ax > 1.0) {
            y.abs()
        } else {
            0.0
        }));
    }
    if x.is_infinite() {
        let odd = is_odd_integer(y);
        return Ok(Real(if y > 0.0 {
            if odd { x } else { x.abs() }
        } else if odd {
            0.0f64.copysign(x)
        } else {
            0.0
        }));
    }
    if x == 0.0 {
        if y < 0.0 {
            return Err(zero_division("0.0 cannot be raised to a negative power"));
        }
        return Ok(Real(if is_odd_integer(y) { x } else { 0.0 }));
    }
    let mut negate = false;
    if x < 0.0 {
        if y != y.floor() {
            return Ok(FloatPow::Complex);
        }
        x = -x;
        negate = is_odd_integer(y);
    }
    if x == 1.0 {
        return Ok(Real(if negate { -1.0 } else { 1.0 }));
    }
    let r = x.powf(y);
    if r.is_infinite() {
        return Err(overflow_error("(34, 'Numerical result out of range')"));
    }
    Ok(Real(if negate { -r } else { r }))
}

/// The exact integer value of a finite float (Python's `int(x)` after
/// `floor`/`ceil`/`round`); errors as CPython gives them for inf and NaN.
pub fn float_to_int(x: f64, m: &Meter) -> CalcResult<Int> {
    if x.is_nan() {
        return Err(value_error("cannot convert float NaN to integer"));
    }
    if x.is_infinite() {
        return Err(overflow_error("cannot convert float infinity to integer"));
    }
    if x.abs() < 9.2e18 {
        return Ok(Int::Small(x as i64));
    }
    let b = BigInt::from_f64(x).unwrap_or_default();
    m.check_int(Int::from(b))
}

/// Splits a finite float into sign, integer mantissa and binary exponent:
/// `x == (-1)**negative * mantissa * 2**exponent`, exactly.
pub(crate) fn float_parts(x: f64) -> (bool, u64, i64) {
    let bits = x.to_bits();
    let negative = bits >> 63 != 0;
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1 << 52) - 1);
    if biased == 0 {
        (negative, fraction, -1074)
    } else {
        (negative, fraction | (1 << 52), biased - 1075)
    }
}

/// Rounds `value` (exact `num / den`, non-negative) to an integer, ties to
/// even.
pub(crate) fn round_half_even(num: &BigUint, den: &BigUint) -> BigUint {
    let (mut q, r) = num.div_rem(den);
    let twice_r = r << 1u32;
    if twice_r > *den || (twice_r == *den && q.is_odd()) {
        q += 1u32;
    }
    q
}

/// Convenience for the built-ins: a big integer from its sign and
/// magnitude.
pub(crate) fn signed(negative: bool, magnitude: BigUint) -> BigInt {
    BigInt::from_biguint(if negative { Sign::Minus } else { Sign::Plus }, magnitude)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> Meter<'static> {
        Meter::new(&Limits::DEFAULT)
    }

    fn small(i: i64) -> Int {
        Int::Small(i)
    }

    #[test]
    fn small_ints_promote_on_overflow() {
        let r = int_add_sub(&small(i64::MAX), &small(1), false, &mut m()).unwrap();
        assert_eq!(r.to_string(), "9223372036854775808");
        let r = int_mul(&small(i64::MIN), &small(-1), &mut m()).unwrap();
        assert_eq!(r.to_string(), "9223372036854775808");
        let r = int_neg(&small(i64::MIN), &mut m()).unwrap();
        assert_eq!(r.to_string(), "9223372036854775808");
    }

    #[test]
    fn min_div_minus_one_does_not_overflow() {
        let (q, r) =
            int_div_mod(&small(i64::MIN), &small(-1), INT_DIVISION_BY_ZERO, &mut m()).unwrap();
        assert_eq!(q.to_string(), "9223372036854775808");
        assert_eq!(r, small(0));
    }

    #[test]
    fn floor_division_and_modulo_follow_the_divisor() {
        let cases = [
            (7, 2, 3, 1),
            (-7, 2, -4, 1),
            (7, -2, -4, -1),
            (-7, -2, 3, -1),
        ];
        for (a, b, q, r) in cases {
            let got = int_div_mod(&small(a), &small(b), INT_DIVISION_BY_ZERO, &mut m()).unwrap();
            assert_eq!(got, (small(q), small(r)));
        }
        assert_eq!(float_div_mod(-7.0, 2.0), (-4.0, 1.0));
        assert_eq!(float_mod(7.0, -2.0), -1.0);
        assert!(float_mod(0.0, -2.0).is_sign_negative());
    }

    #[test]
    fn true_division_of_big_ints_is_correctly_rounded() {
        // 2**60+1 / 3 needs the exact algorithm.
        let r = int_true_div(&small((1 << 60) + 1), &small(3), &mut m()).unwrap();
        assert_eq!(r, 3.843071682022823e17);
        let r = ratio_to_f64(&BigUint::from(1u32), &(BigUint::from(1u32) << 1075u32));
        assert_eq!(r, Some(0.0)); // exactly half the smallest subnormal: ties to even
        let r = ratio_to_f64(&BigUint::from(3u32), &(BigUint::from(1u32) << 1076u32));
        assert_eq!(r, Some(5e-324));
    }

    #[test]
    fn machine_and_shift_powers_match_repeated_multiplication() {
        // The i128 path, the shift path (negative bases, odd and even
        // exponents, i64::MIN) and the general one, against a product.
        let bases = [
            3,
            -3,
            2,
            -2,
            8,
            -8,
            1 << 40,
            -(1 << 40),
            10,
            -7,
            i64::MIN,
            i64::MAX,
        ];
        for base in bases {
            for e in [2u32, 3, 17, 40, 63, 64, 127, 128, 129, 200] {
                let mut want = BigInt::one();
                for _ in 0..e {
                    want *= BigInt::from(base);
                }
                let got = int_pow(&small(base), &small(i64::from(e)), &mut m()).unwrap();
                assert_eq!(got, Int::from(want), "{base}**{e}");
            }
        }
    }

    #[test]
    fn power_limits_are_checked_before_computing() {
        let mut meter = m();
        let err = int_pow(&small(9), &small(387_420_489), &mut meter).unwrap_err();
        assert!(matches!(err, CalcError::IntTooLarge { max: 100_000 }));
        assert!(meter.used() < 10);
        let narrow = Limits {
            max_int_digits: 4300,
            ..Limits::DEFAULT
        };
        assert!(int_pow(&small(10), &small(4299), &mut Meter::new(&narrow)).is_ok());
        assert!(int_pow(&small(10), &small(4300), &mut Meter::new(&narrow)).is_err());
    }

    #[test]
    fn shifts_follow_python() {
        let shift = |x: i64, n: i64, left: bool| int_shift(&small(x), &small(n), left, &mut m());
        assert_eq!(shift(1, 10, true).unwrap(), small(1024));
        assert_eq!(shift(-1, 100, false).unwrap(), small(-1));
        assert_eq!(shift(-5, 1, false).unwrap(), small(-3));
        assert_eq!(
            shift(1, 64, true).unwrap().to_string(),
            "18446744073709551616"
        );
        assert!(matches!(shift(1, -1, true), Err(CalcError::Value(_))));
        assert!(matches!(
            shift(1, 1_000_000_000, true),
            Err(CalcError::IntTooLarge { .. })
        ));
        let huge = Int::from(num_traits::pow(BigInt::from(10), 100));
        assert!(matches!(
            int_shift(&small(1), &huge, true, &mut m()),
            Err(CalcError::Overflow(_))
        ));
        assert_eq!(
            int_shift(&small(-7), &huge, false, &mut m()).unwrap(),
            small(-1)
        );
        assert_eq!(
            int_shift(&small(0), &huge, true, &mut m()).unwrap(),
            small(0)
        );
    }

    #[test]
    fn modular_powers_and_inverses() {
        let pm = |a: i64, b: i64, n: i64| int_pow_mod(&small(a), &small(b), &small(n), &mut m());
        assert_eq!(pm(2, 100, 97).unwrap(), small(2i64.pow(100 % 96) % 97));
        assert_eq!(pm(38, -1, 97).unwrap(), small(23));
        assert_eq!(pm(3, 4, -5).unwrap(), small(-4));
        assert!(matches!(pm(0, -1, 7), Err(CalcError::Value(_))));
        assert!(matches!(pm(2, 3, 0), Err(CalcError::Value(_))));
        assert_eq!(pm(5, -1, 1).unwrap(), small(0));
    }

    #[test]
    fn float_pow_special_cases() {
        assert_eq!(float_pow(0.0, 0.0).unwrap(), FloatPow::Real(1.0));
        assert_eq!(float_pow(-8.0, 1.0 / 3.0).unwrap(), FloatPow::Complex);
        assert!(matches!(
            float_pow(10.0, 400.0),
            Err(CalcError::Overflow(_))
        ));
        assert_eq!(float_pow(-1.0, f64::INFINITY).unwrap(), FloatPow::Real(1.0));
        assert_eq!(float_pow(-2.0, 3.0).unwrap(), FloatPow::Real(-8.0));
    }

    #[test]
    fn int_float_comparison_is_exact() {
        let big = small((1 << 53) + 1);
        assert_eq!(big.cmp_f64((1u64 << 53) as f64), Some(Ordering::Greater));
        assert_eq!(small(1).cmp_f64(f64::NAN), None);
    }

    #[test]
    fn the_digit_boundary_is_exact() {
        let ten_pow = |n: usize| Int::from(num_traits::pow(BigInt::from(10), n));
        assert!(at_least_pow10(&ten_pow(4300), 4300));
        let below = int_add_sub(&ten_pow(4300), &small(1), true, &mut m()).unwrap();
        assert!(!at_least_pow10(&below, 4300));
        assert!(!at_least_pow10(&small(i64::MAX), 19));
        assert!(at_least_pow10(&small(i64::MAX), 18));
    }
}
