//! Python's numbers, reduced to `int` and `float`, with Python's rules.
//!
//! Every operation here follows what CPython's `int` and `float` objects do
//! (the C code in `longobject.c` and `floatobject.c`), because the point of
//! safecalc is to give the answer `eval()` gives. Two things are added that
//! Python lacks: every operation is charged to a [`Meter`], and any result
//! that could exceed the integer-size limit is refused *before* it is
//! computed, so no input can make the process do unbounded work.
//!
//! Integers live on a machine-word fast path ([`Int::Small`]) and move to a
//! big integer only when a checked `i64` operation overflows.

use std::borrow::Cow;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use num_traits::{FromPrimitive, Signed, ToPrimitive, Zero};

use super::error::{CalcError, CalcResult};
use super::format::float_repr;
use super::limits::Limits;

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

/// A calculator value: Python's `int` or `float`.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(Int),
    Float(f64),
}

impl fmt::Display for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Int::Small(i) => write!(f, "{i}"),
            Int::Big(b) => write!(f, "{b}"),
        }
    }
}

impl fmt::Display for Value {
    /// Python's `repr` of the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => i.fmt(f),
            Value::Float(x) => f.write_str(&float_repr(*x)),
        }
    }
}

impl Value {
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
            Value::Int(Int::Big(_)) => {
                use std::fmt::Write as _;
                // Writing to a `String` cannot fail.
                let _ = write!(out, "{self}");
            }
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
            Err(CalcError::Overflow("int too large to convert to float"))
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
    fn cmp_f64(&self, x: f64) -> Option<Ordering> {
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

/// Counts the work one evaluation does and enforces the [`Limits`] on it.
///
/// A `Meter` is created per evaluation; every arithmetic operation charges
/// it *before* doing expensive work, so a request that would exceed the
/// budget fails at once instead of after the work is done.
#[derive(Debug)]
pub struct Meter {
    limits: Limits,
    used: u64,
}

impl Meter {
    pub fn new(limits: &Limits) -> Self {
        Meter {
            limits: *limits,
            used: 0,
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Work charged so far.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// Charges `units` of work, failing if the budget would be exceeded.
    pub fn charge(&mut self, units: u64) -> CalcResult<()> {
        self.used = self.used.saturating_add(units);
        if self.used > self.limits.max_work {
            Err(CalcError::TooMuchWork {
                max: self.limits.max_work,
            })
        } else {
            Ok(())
        }
    }

    /// A machine-word result. Any `i64` has at most 19 digits, so it is
    /// checked only when the digit limit has been set below that.
    fn small(&self, i: i64) -> CalcResult<Value> {
        if self.limits.max_int_digits >= 19 {
            Ok(Value::Int(Int::Small(i)))
        } else {
            self.check_int(Int::Small(i)).map(Value::Int)
        }
    }

    fn too_large(&self) -> CalcError {
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
    fn precheck_bits(&self, bits: f64) -> CalcResult<()> {
        if bits > self.max_bits() + 2.0 {
            Err(self.too_large())
        } else {
            Ok(())
        }
    }

    /// The exact check: `|x| < 10**max_int_digits`, which is what CPython's
    /// int-to-str limit allows. Cheap except within a bit of the limit.
    pub fn check_int(&self, x: Int) -> CalcResult<Int> {
        let digits = self.limits.max_int_digits;
        let bits = x.bits() as f64;
        let max_bits = self.max_bits();
        if bits + 1e-9 < max_bits {
            return Ok(x); // |x| < 2**bits <= 10**digits
        }
        if bits - 1.0 > max_bits + 1e-9 {
            return Err(self.too_large()); // |x| >= 2**(bits-1) > 10**digits
        }
        let below = pow10(digits, |limit| x.big().magnitude() < limit);
        if below { Ok(x) } else { Err(self.too_large()) }
    }

    fn check_big(&self, b: BigInt) -> CalcResult<Value> {
        self.check_int(Int::from(b)).map(Value::Int)
    }
}

/// Applies `f` to `10**n`, which is cached per thread for the limit in use
/// (it is the same number for every evaluation with the same limits).
fn pow10<R>(n: usize, f: impl FnOnce(&BigUint) -> R) -> R {
    thread_local! {
        static CACHE: RefCell<Option<(usize, BigUint)>> = const { RefCell::new(None) };
    }
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        match &*cache {
            Some((k, v)) if *k == n => f(v),
            _ => {
                let v = num_traits::pow(BigUint::from(10u32), n);
                let r = f(&v);
                *cache = Some((n, v));
                r
            }
        }
    })
}

/// The cost of multiplying numbers of `a` and `b` words (schoolbook: the
/// product of the sizes). One unit is about a quarter of a nanosecond of
/// work on the machines we measured (see `examples/worst_lines.rs`).
pub(crate) fn product_cost(a: u64, b: u64) -> u64 {
    a.saturating_mul(b)
}

/// Adding or subtracting allocates a new number: about six units a word.
pub(crate) fn addition_cost(words: u64) -> u64 {
    words.saturating_mul(6)
}

/// Long division costs about three times a product of the same sizes.
pub(crate) fn division_cost(a: u64, b: u64) -> u64 {
    product_cost(a, b).saturating_mul(3)
}

// ---------------------------------------------------------------------
// Value-level operators: the dispatch on int/float that Python's binary
// operators do, then the per-type rule.
// ---------------------------------------------------------------------

/// Both operands as floats, as Python converts an int mixed with a float.
fn both_f64(a: &Value, b: &Value) -> CalcResult<(f64, f64)> {
    Ok((a.to_f64()?, b.to_f64()?))
}

impl Value {
    /// Python's `float(x)`.
    pub fn to_f64(&self) -> CalcResult<f64> {
        match self {
            Value::Int(i) => i.to_f64(),
            Value::Float(x) => Ok(*x),
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Float(_) => "float",
        }
    }

    /// Python's `<` between numbers (exact across int and float; false
    /// whenever a NaN is involved).
    pub fn less_than(&self, other: &Value) -> bool {
        let ordering = match (self, other) {
            (Value::Int(a), Value::Int(b)) => Some(cmp_int(a, b)),
            (Value::Float(a), Value::Float(b)) => a.partial_cmp(b),
            (Value::Int(a), Value::Float(b)) => a.cmp_f64(*b),
            (Value::Float(a), Value::Int(b)) => b.cmp_f64(*a).map(Ordering::reverse),
        };
        ordering == Some(Ordering::Less)
    }
}

fn cmp_int(a: &Int, b: &Int) -> Ordering {
    match (a, b) {
        (Int::Small(x), Int::Small(y)) => x.cmp(y),
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

/// Unary minus.
pub fn neg(a: &Value, m: &mut Meter) -> CalcResult<Value> {
    m.charge(1)?;
    Ok(match a {
        Value::Float(x) => Value::Float(-x),
        Value::Int(Int::Small(i)) => match i.checked_neg() {
            Some(n) => m.small(n)?,
            None => m.check_big(-BigInt::from(*i))?,
        },
        Value::Int(big @ Int::Big(b)) => {
            m.charge(big.words())?;
            Value::Int(Int::from(-&**b))
        }
    })
}

/// Binary `+`.
pub fn add(a: &Value, b: &Value, m: &mut Meter) -> CalcResult<Value> {
    add_sub(a, b, false, m)
}

/// Binary `-`.
pub fn sub(a: &Value, b: &Value, m: &mut Meter) -> CalcResult<Value> {
    add_sub(a, b, true, m)
}

fn add_sub(a: &Value, b: &Value, subtract: bool, m: &mut Meter) -> CalcResult<Value> {
    m.charge(1)?;
    match (a, b) {
        (Value::Int(Int::Small(x)), Value::Int(Int::Small(y))) => {
            let fast = if subtract {
                x.checked_sub(*y)
            } else {
                x.checked_add(*y)
            };
            match fast {
                Some(r) => m.small(r),
                None => {
                    let (x, y) = (BigInt::from(*x), BigInt::from(*y));
                    m.check_big(if subtract { x - y } else { x + y })
                }
            }
        }
        (Value::Int(x), Value::Int(y)) => {
            m.charge(addition_cost(x.words().max(y.words())))?;
            let (x, y) = (x.big(), y.big());
            m.check_big(if subtract { &*x - &*y } else { &*x + &*y })
        }
        _ => {
            let (x, y) = both_f64(a, b)?;
            Ok(Value::Float(if subtract { x - y } else { x + y }))
        }
    }
}

/// Binary `*`.
pub fn mul(a: &Value, b: &Value, m: &mut Meter) -> CalcResult<Value> {
    m.charge(1)?;
    match (a, b) {
        (Value::Int(Int::Small(x)), Value::Int(Int::Small(y))) => match x.checked_mul(*y) {
            Some(r) => m.small(r),
            None => m.check_big(BigInt::from(*x) * BigInt::from(*y)),
        },
        (Value::Int(x), Value::Int(y)) => {
            if x.is_zero() || y.is_zero() {
                return Ok(Value::from(0));
            }
            // The product has at least bits(x) + bits(y) - 1 bits.
            m.precheck_bits((x.bits() + y.bits() - 1) as f64)?;
            m.charge(product_cost(x.words(), y.words()))?;
            m.check_big(&*x.big() * &*y.big())
        }
        _ => {
            let (x, y) = both_f64(a, b)?;
            Ok(Value::Float(x * y))
        }
    }
}

/// Binary `/`: always a float, as in Python 3.
pub fn true_div(a: &Value, b: &Value, m: &mut Meter) -> CalcResult<Value> {
    m.charge(1)?;
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => int_true_div(x, y, m).map(Value::Float),
        _ => {
            let (x, y) = both_f64(a, b)?;
            if y == 0.0 {
                return Err(CalcError::ZeroDivision("float division by zero"));
            }
            Ok(Value::Float(x / y))
        }
    }
}

/// Binary `//`: floor division, for ints and floats alike.
pub fn floor_div(a: &Value, b: &Value, m: &mut Meter) -> CalcResult<Value> {
    m.charge(1)?;
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => {
            let (q, _) = int_div_mod(x, y, m)?;
            m.check_int(q).map(Value::Int)
        }
        _ => {
            let (x, y) = both_f64(a, b)?;
            if y == 0.0 {
                return Err(CalcError::ZeroDivision("float floor division by zero"));
            }
            Ok(Value::Float(float_div_mod(x, y).0))
        }
    }
}

/// Binary `%`: the remainder takes the sign of the divisor.
pub fn modulo(a: &Value, b: &Value, m: &mut Meter) -> CalcResult<Value> {
    m.charge(1)?;
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => int_div_mod(x, y, m).map(|(_, r)| Value::Int(r)),
        _ => {
            let (x, y) = both_f64(a, b)?;
            if y == 0.0 {
                return Err(CalcError::ZeroDivision("float modulo by zero"));
            }
            Ok(Value::Float(float_mod(x, y)))
        }
    }
}

/// Binary `**`.
pub fn pow(a: &Value, b: &Value, m: &mut Meter) -> CalcResult<Value> {
    m.charge(1)?;
    match (a, b) {
        // int ** negative int is computed on floats, as CPython does.
        (Value::Int(x), Value::Int(y)) if !y.is_negative() => int_pow(x, y, m),
        _ => {
            let (x, y) = both_f64(a, b)?;
            float_pow(x, y).map(Value::Float)
        }
    }
}

// ---------------------------------------------------------------------
// int rules
// ---------------------------------------------------------------------

/// Floor division and modulo of ints (`divmod`), with the fast path.
fn int_div_mod(x: &Int, y: &Int, m: &mut Meter) -> CalcResult<(Int, Int)> {
    if y.is_zero() {
        return Err(CalcError::ZeroDivision(
            "integer division or modulo by zero",
        ));
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
    Ok((Int::from(q), Int::from(r)))
}

/// `int ** non-negative int`, refused before computing when the result
/// would be over the digit limit (so `9**9**9**9` costs microseconds).
fn int_pow(base: &Int, exponent: &Int, m: &mut Meter) -> CalcResult<Value> {
    // Bases whose powers never grow.
    match base {
        Int::Small(0) => return Ok(Value::from(if exponent.is_zero() { 1 } else { 0 })),
        Int::Small(1) => return Ok(Value::from(1)),
        Int::Small(-1) => {
            let odd = match exponent {
                Int::Small(e) => e % 2 != 0,
                Int::Big(e) => e.is_odd(),
            };
            return Ok(Value::from(if odd { -1 } else { 1 }));
        }
        _ => {}
    }
    let Some(e) = exponent.to_i64().and_then(|e| u32::try_from(e).ok()) else {
        // |base| >= 2 and an exponent beyond u32: far beyond any limit.
        return Err(m.too_large());
    };
    if e == 0 {
        return Ok(Value::from(1));
    }
    // Estimate log2 of the result from log2 |base|, then refuse early.
    let base_log2 = match base {
        Int::Small(b) => (b.unsigned_abs() as f64).log2(),
        Int::Big(b) => {
            let bits = b.bits();
            let shift = bits.saturating_sub(64);
            let top = (b.magnitude() >> shift).to_f64().unwrap_or(f64::MAX);
            top.log2() + shift as f64
        }
    };
    let result_bits = base_log2 * f64::from(e);
    m.precheck_bits(result_bits)?;
    if let Int::Small(b) = base
        && let Some(r) = b.checked_pow(e)
    {
        return m.small(r);
    }
    // Square-and-multiply costs about twice the final squaring.
    let words = (result_bits / 64.0).ceil() as u64 + 1;
    m.charge(2 * product_cost(words, words))?;
    m.check_big(num_traits::pow(base.big().into_owned(), e as usize))
}

/// Python's int / int: the correctly rounded quotient (CPython's
/// `long_true_divide`), not the quotient of two rounded floats.
fn int_true_div(x: &Int, y: &Int, m: &mut Meter) -> CalcResult<f64> {
    if y.is_zero() {
        return Err(CalcError::ZeroDivision("division by zero"));
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
    let q = ratio_to_f64(a.magnitude(), b.magnitude()).ok_or(CalcError::Overflow(
        "integer division result too large for a float",
    ))?;
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
fn float_div_mod(x: f64, y: f64) -> (f64, f64) {
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
fn float_mod(x: f64, y: f64) -> f64 {
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

/// CPython's `float_pow`, special cases and all; an overflow is an error
/// (`10.0**400`), and a negative base to a fractional power, which Python
/// answers with a complex number, is [`CalcError::ComplexResult`].
pub fn float_pow(mut x: f64, y: f64) -> CalcResult<f64> {
    if y == 0.0 {
        return Ok(1.0);
    }
    if x.is_nan() {
        return Ok(x);
    }
    if y.is_nan() {
        return Ok(if x == 1.0 { 1.0 } else { y });
    }
    if y.is_infinite() {
        let ax = x.abs();
        return Ok(if ax == 1.0 {
            1.0
        } else if (y > 0.0) == (ax > 1.0) {
            y.abs()
        } else {
            0.0
        });
    }
    if x.is_infinite() {
        let odd = is_odd_integer(y);
        return Ok(if y > 0.0 {
            if odd { x } else { x.abs() }
        } else if odd {
            0.0f64.copysign(x)
        } else {
            0.0
        });
    }
    if x == 0.0 {
        if y < 0.0 {
            return Err(CalcError::ZeroDivision(
                "0.0 cannot be raised to a negative power",
            ));
        }
        return Ok(if is_odd_integer(y) { x } else { 0.0 });
    }
    let mut negate = false;
    if x < 0.0 {
        if y != y.floor() {
            return Err(CalcError::ComplexResult);
        }
        x = -x;
        negate = is_odd_integer(y);
    }
    if x == 1.0 {
        return Ok(if negate { -1.0 } else { 1.0 });
    }
    let r = x.powf(y);
    if r.is_infinite() {
        return Err(CalcError::Overflow("(34, 'Numerical result out of range')"));
    }
    Ok(if negate { -r } else { r })
}

/// The exact integer value of a finite float (Python's `int(x)` after
/// `floor`/`ceil`/`round`); errors as CPython gives them for inf and NaN.
pub fn float_to_int(x: f64, m: &Meter) -> CalcResult<Int> {
    if x.is_nan() {
        return Err(CalcError::InvalidValue(
            "cannot convert float NaN to integer".into(),
        ));
    }
    if x.is_infinite() {
        return Err(CalcError::Overflow(
            "cannot convert float infinity to integer",
        ));
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

    fn m() -> Meter {
        Meter::new(&Limits::default())
    }

    fn int(i: i64) -> Value {
        Value::from(i)
    }

    #[test]
    fn repr_is_display() {
        let big = add(&int(i64::MAX), &int(1), &mut m()).unwrap();
        let values = [
            int(0),
            int(-7),
            int(i64::MIN),
            big,
            Value::Float(0.1),
            Value::Float(-0.0),
            Value::Float(1e16),
            Value::Float(f64::INFINITY),
            Value::Float(f64::NAN),
        ];
        for v in values {
            assert_eq!(v.repr(), v.to_string(), "{v:?}");
            let mut reused = String::from("1+2");
            reused.clear();
            v.write_repr(&mut reused);
            assert_eq!(reused, v.to_string(), "{v:?}");
        }
    }

    #[test]
    fn small_ints_promote_on_overflow() {
        let r = add(&int(i64::MAX), &int(1), &mut m()).unwrap();
        assert_eq!(r.to_string(), "9223372036854775808");
        let r = mul(&int(i64::MIN), &int(-1), &mut m()).unwrap();
        assert_eq!(r.to_string(), "9223372036854775808");
        let r = neg(&int(i64::MIN), &mut m()).unwrap();
        assert_eq!(r.to_string(), "9223372036854775808");
    }

    #[test]
    fn min_div_minus_one_does_not_overflow() {
        let r = floor_div(&int(i64::MIN), &int(-1), &mut m()).unwrap();
        assert_eq!(r.to_string(), "9223372036854775808");
        let r = modulo(&int(i64::MIN), &int(-1), &mut m()).unwrap();
        assert_eq!(r.to_string(), "0");
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
            assert_eq!(floor_div(&int(a), &int(b), &mut m()).unwrap(), int(q));
            assert_eq!(modulo(&int(a), &int(b), &mut m()).unwrap(), int(r));
        }
        assert_eq!(float_div_mod(-7.0, 2.0), (-4.0, 1.0));
        assert_eq!(float_mod(7.0, -2.0), -1.0);
        assert!(float_mod(0.0, -2.0).is_sign_negative());
    }

    #[test]
    fn true_division_of_big_ints_is_correctly_rounded() {
        // 2**60+1 / 3 needs the exact algorithm.
        let a = Value::Int(Int::Small((1 << 60) + 1));
        let r = true_div(&a, &int(3), &mut m()).unwrap();
        assert_eq!(r.to_string(), "3.843071682022823e+17");
        let r = ratio_to_f64(&BigUint::from(1u32), &(BigUint::from(1u32) << 1075u32));
        assert_eq!(r, Some(0.0)); // exactly half the smallest subnormal: ties to even
        let r = ratio_to_f64(&BigUint::from(3u32), &(BigUint::from(1u32) << 1076u32));
        assert_eq!(r, Some(5e-324));
    }

    #[test]
    fn power_limits_are_checked_before_computing() {
        let mut meter = m();
        let err = pow(&int(9), &int(387_420_489), &mut meter).unwrap_err();
        assert!(matches!(err, CalcError::IntTooLarge { max: 4300 }));
        assert!(meter.used() < 10);
        assert!(pow(&int(10), &int(4299), &mut m()).is_ok());
        assert!(pow(&int(10), &int(4300), &mut m()).is_err());
    }

    #[test]
    fn float_pow_special_cases() {
        assert_eq!(float_pow(0.0, 0.0).unwrap(), 1.0);
        assert!(float_pow(-8.0, 1.0 / 3.0).is_err());
        assert!(matches!(
            float_pow(10.0, 400.0),
            Err(CalcError::Overflow(_))
        ));
        assert_eq!(float_pow(-1.0, f64::INFINITY).unwrap(), 1.0);
        assert_eq!(float_pow(-2.0, 3.0).unwrap(), -8.0);
    }

    #[test]
    fn int_float_comparison_is_exact() {
        let big = Value::Int(Int::Small((1 << 53) + 1));
        let f = Value::Float((1u64 << 53) as f64);
        assert!(f.less_than(&big));
        assert!(!big.less_than(&f));
        assert!(!Value::Float(f64::NAN).less_than(&int(1)));
    }
}
