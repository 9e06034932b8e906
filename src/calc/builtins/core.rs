//! The builtins of the language: `abs round divmod pow int float complex
//! bool hex oct bin len range list tuple sorted sum min max all any`, each
//! as CPython 3.11's `bltinmodule.c` (and the type constructors) define
//! it, with its messages.

use std::sync::Arc;

use num_bigint::BigUint;
use num_traits::Signed;

use super::super::ast::CompareOp;
use super::super::error::{
    CalcError, CalcResult, overflow_error, type_error, unsupported, value_error,
};
use super::super::number::{
    self, Int, Meter, division_cost, float_parts, float_to_int, product_cost, ratio_to_f64,
    round_half_even, signed,
};
use super::super::ops::{self, Num};
use super::super::sequence::{self, Range, check_len};
use super::super::value::{Value, release};
use super::args::{Arg, Flow, Params, invalid_keyword};
use super::sort;
use super::{Builtin, Call};

/// A row of the builtins.
macro_rules! builtin {
    ($name:literal, $group:ident, $sig:literal, $params:expr, $help:literal, $body:expr) => {
        function!(Builtins, $name, $name, $group, $sig, $params, $help, $body)
    };
}

const ONE: Params = Params::One;

/// The message CPython gives when a value is used as an index.
pub(crate) fn not_an_integer(type_name: &str) -> CalcError {
    type_error(format!(
        "'{type_name}' object cannot be interpreted as an integer"
    ))
}

/// An argument that must be an int (or a bool), read as CPython's
/// `__index__` reads it.
pub(crate) fn index_arg(arg: &Arg) -> CalcResult<Int> {
    match arg {
        Arg::Value(v) => v.as_int().ok_or_else(|| not_an_integer(v.type_name())),
        other => Err(not_an_integer(other.type_name())),
    }
}

/// Argument `i`, which the binding has made sure is there.
fn required<'c>(call: &Call<'c, '_>, i: usize) -> &'c Arg {
    match call.arg(i) {
        Some(arg) => arg,
        // Unreachable after binding; still an error, not a panic.
        None => &MISSING,
    }
}

static MISSING: Arg = Arg::Value(Value::None);

// ---------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------

pub const ABS: Builtin = builtin!(
    "abs",
    Numbers,
    "abs(x)",
    ONE,
    "absolute value (of a complex number: its modulus)",
    |c| {
        match required(c, 0) {
            Arg::Value(Value::Int(Int::Small(i))) if *i != i64::MIN => Ok(Value::from(i.abs())),
            Arg::Value(v @ (Value::Int(_) | Value::Bool(_))) => {
                let i = v.as_int().unwrap_or(Int::Small(0));
                if i.is_negative() {
                    number::int_neg(&i, c.meter()).map(Value::Int)
                } else {
                    Ok(Value::Int(i))
                }
            }
            Arg::Value(Value::Float(x)) => Ok(Value::float(x.abs())),
            Arg::Value(Value::Complex(z)) => z.abs().map(Value::float),
            other => Err(type_error(format!(
                "bad operand type for abs(): '{}'",
                other.type_name()
            ))),
        }
    }
);

pub const ROUND: Builtin = builtin!(
    "round",
    Numbers,
    "round(number, ndigits=None)",
    Params::Keywords {
        names: &["number", "ndigits"],
        positional_only: 0,
        required: 1,
        max_positional: 2,
    },
    "round half to even; an int without ndigits",
    round
);

fn round(c: &mut Call<'_, '_>) -> CalcResult<Value> {
    let number = required(c, 0);
    let ndigits = c.arg_not_none(1);
    let Arg::Value(value @ (Value::Int(_) | Value::Bool(_) | Value::Float(_))) = number else {
        return Err(type_error(format!(
            "type {} doesn't define __round__ method",
            number.type_name()
        )));
    };
    let ndigits = ndigits.map(index_arg).transpose()?;
    match (value, ndigits) {
        (Value::Float(x), None) => float_to_int(x.round_ties_even(), c.meter()).map(Value::Int),
        (Value::Float(x), Some(n)) => round_float(*x, &n).map(Value::float),
        (_, None) => Ok(Value::Int(value.as_int().unwrap_or(Int::Small(0)))),
        (_, Some(n)) => {
            let i = value.as_int().unwrap_or(Int::Small(0));
            round_int(&i, &n, c.meter()).map(Value::Int)
        }
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
    .ok_or_else(|| overflow_error("rounded value too large to represent"))?;
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
    let unit_words = (k as f64 * std::f64::consts::LOG2_10 / 64.0) as u64 + 1;
    m.charge(2 * product_cost(unit_words, unit_words) + division_cost(i.words(), unit_words))?;
    let unit = num_traits::pow(BigUint::from(10u32), k);
    let big = i.big();
    let q = round_half_even(big.magnitude(), &unit);
    m.check_int(Int::from(signed(big.is_negative(), q * unit)))
}

pub const DIVMOD: Builtin = builtin!(
    "divmod",
    Numbers,
    "divmod(a, b)",
    Params::Positional { min: 2, max: 2 },
    "(a // b, a % b)",
    |c| {
        let (a, b) = (value_of(required(c, 0)), value_of(required(c, 1)));
        let (q, r) = ops::divmod(&a, &b, c.meter())?;
        sequence::tuple(vec![q, r], c.meter())
    }
);

/// The value of an argument; a generator stands in as a value no
/// operator accepts, so that the operator's own message names its type.
fn value_of(arg: &Arg) -> Value {
    match arg {
        Arg::Value(v) => v.clone(),
        Arg::Generator(_) => Value::None,
    }
}

pub const POW: Builtin = builtin!(
    "pow",
    Numbers,
    "pow(base, exp, mod=None)",
    Params::Keywords {
        names: &["base", "exp", "mod"],
        positional_only: 0,
        required: 2,
        max_positional: 3,
    },
    "base ** exp; with mod, modular (a negative exp inverts)",
    |c| {
        let (a, b) = (value_of(required(c, 0)), value_of(required(c, 1)));
        match c.arg(2) {
            Some(m) => ops::power_mod(&a, &b, &value_of(m), c.meter()),
            None => ops::power(&a, &b, c.meter()),
        }
    }
);

pub const INT: Builtin = builtin!(
    "int",
    Numbers,
    "int(x=0)",
    Params::Keywords {
        names: &["x", "base"],
        positional_only: 1,
        required: 0,
        max_positional: 2,
    },
    "an int: truncates a float toward zero (from text: not supported)",
    |c| {
        let x = c.arg(0);
        if c.arg(1).is_some() {
            return match x {
                None => Err(type_error("int() missing string argument")),
                Some(Arg::Value(Value::Str(_))) => Err(text_conversion("int")),
                Some(_) => Err(type_error(
                    "int() can't convert non-string with explicit base",
                )),
            };
        }
        match x {
            None => Ok(Value::from(0)),
            Some(Arg::Value(v @ (Value::Int(_) | Value::Bool(_)))) => {
                Ok(Value::Int(v.as_int().unwrap_or(Int::Small(0))))
            }
            Some(Arg::Value(Value::Float(f))) => float_to_int(f.trunc(), c.meter()).map(Value::Int),
            Some(Arg::Value(Value::Str(_))) => Err(text_conversion("int")),
            Some(other) => Err(type_error(format!(
                "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                other.type_name()
            ))),
        }
    }
);

/// safecalc's refusal to read numbers from text (Python's `int('12')`).
fn text_conversion(function: &str) -> CalcError {
    unsupported(format!(
        "{function}() of a string is not supported: safecalc reads numbers only as literals"
    ))
}

pub const FLOAT: Builtin = builtin!(
    "float",
    Numbers,
    "float(x=0.0)",
    Params::Positional { min: 0, max: 1 },
    "a float (an int too large for one is an error)",
    |c| match c.arg(0) {
        None => Ok(Value::Float(0.0)),
        // The float itself: the same object, as in CPython.
        Some(Arg::Value(v @ Value::Float(_))) => Ok(v.clone()),
        Some(Arg::Value(v @ (Value::Int(_) | Value::Bool(_)))) => {
            let i = v.as_int().unwrap_or(Int::Small(0));
            i.to_f64().map(Value::Float)
        }
        Some(Arg::Value(Value::Str(_))) => Err(text_conversion("float")),
        Some(other) => Err(type_error(format!(
            "float() argument must be a string or a real number, not '{}'",
            other.type_name()
        ))),
    }
);

pub const COMPLEX: Builtin = builtin!(
    "complex",
    Numbers,
    "complex(real=0, imag=0)",
    Params::Keywords {
        names: &["real", "imag"],
        positional_only: 0,
        required: 0,
        max_positional: 2,
    },
    "a complex number real + imag*1j",
    complex
);

/// CPython's `complex_new_impl`, for numbers.
fn complex(c: &mut Call<'_, '_>) -> CalcResult<Value> {
    let real = c.arg(0);
    let imag = c.arg(1);
    if let Some(Arg::Value(Value::Str(_))) = real {
        if imag.is_some() {
            return Err(type_error(
                "complex() can't take second arg if first is a string",
            ));
        }
        return Err(text_conversion("complex"));
    }
    if let Some(Arg::Value(Value::Str(_))) = imag {
        return Err(type_error("complex() second arg can't be a string"));
    }
    let number = |arg: Option<&Arg>| -> Option<Option<Num>> {
        match arg {
            None => Some(None),
            Some(Arg::Value(v)) => Num::of(v).map(Some),
            Some(Arg::Generator(_)) => None,
        }
    };
    let Some(r) = number(real) else {
        return Err(type_error(format!(
            "complex() first argument must be a string or a number, not '{}'",
            real.map_or("NoneType", Arg::type_name)
        )));
    };
    let Some(i) = number(imag) else {
        return Err(type_error(format!(
            "complex() second argument must be a number, not '{}'",
            imag.map_or("NoneType", Arg::type_name)
        )));
    };
    // A complex argument alone is returned as it is.
    if let (Some(Arg::Value(v @ Value::Complex(_))), None) = (real, imag) {
        return Ok(v.clone());
    }
    let as_parts = |n: &Num| -> CalcResult<(f64, f64, bool)> {
        Ok(match n {
            Num::Complex(z) => (z.re, z.im, true),
            Num::Float(x) => (*x, 0.0, false),
            Num::Int(k) => (k.to_f64()?, 0.0, false),
        })
    };
    let (mut re, cr_imag, cr_is_complex) = match &r {
        Some(n) => as_parts(n)?,
        None => (0.0, 0.0, false),
    };
    let (mut im, ci_imag, ci_is_complex) = match &i {
        Some(n) => as_parts(n)?,
        // `complex(x)`: the imaginary part is x's.
        None => (cr_imag, 0.0, false),
    };
    if ci_is_complex {
        re -= ci_imag;
    }
    if cr_is_complex && i.is_some() {
        im += cr_imag;
    }
    Ok(Value::complex(re, im))
}

pub const BOOL: Builtin = builtin!(
    "bool",
    Numbers,
    "bool(x=False)",
    Params::Positional { min: 0, max: 1 },
    "the truth value of x",
    |c| Ok(Value::Bool(match c.arg(0) {
        None => false,
        Some(Arg::Value(v)) => v.is_true(),
        Some(Arg::Generator(_)) => true,
    }))
);

/// `hex`, `oct` and `bin`: the digits of an int in base 2**`bits`, with
/// the prefix, refused before they are written if the string would be
/// longer than the sequence limit.
fn radix_string(c: &mut Call<'_, '_>, prefix: &str, bits: u64) -> CalcResult<Value> {
    let i = index_arg(required(c, 0))?;
    let digits = i.bits().div_ceil(bits).max(1);
    let len = digits as usize + prefix.len() + usize::from(i.is_negative());
    check_len(len, c.meter().limits())?;
    c.meter().charge(digits / 8 + 1)?;
    let magnitude = i.big();
    let digits = magnitude.magnitude().to_str_radix(1 << bits);
    let sign = if i.is_negative() { "-" } else { "" };
    Ok(Value::str(format!("{sign}{prefix}{digits}")))
}

pub const HEX: Builtin = builtin!(
    "hex",
    Numbers,
    "hex(x)",
    ONE,
    "'0x...': an int in hexadecimal",
    |c| radix_string(c, "0x", 4)
);
pub const OCT: Builtin = builtin!(
    "oct",
    Numbers,
    "oct(x)",
    ONE,
    "'0o...': an int in octal",
    |c| radix_string(c, "0o", 3)
);
pub const BIN: Builtin = builtin!(
    "bin",
    Numbers,
    "bin(x)",
    ONE,
    "'0b...': an int in binary",
    |c| radix_string(c, "0b", 1)
);

// ---------------------------------------------------------------------
// Sequences and iteration
// ---------------------------------------------------------------------

pub const LEN: Builtin = builtin!(
    "len",
    Sequences,
    "len(s)",
    ONE,
    "the length of a tuple, list, range or string",
    |c| {
        let n = match required(c, 0) {
            Arg::Value(Value::Tuple(s) | Value::List(s)) => s.len(),
            Arg::Value(Value::Str(s)) => s.len(),
            Arg::Value(Value::Range(r)) => r.len()?,
            other => {
                return Err(type_error(format!(
                    "object of type '{}' has no len()",
                    other.type_name()
                )));
            }
        };
        Ok(Value::from(n as i64))
    }
);

pub const RANGE: Builtin = builtin!(
    "range",
    Sequences,
    "range(stop), range(start, stop[, step])",
    Params::Positional { min: 1, max: 3 },
    "the ints start, start+step, ... before stop (never built in memory)",
    |c| {
        let args: Vec<Int> = (0..c.len())
            .map(|i| index_arg(required(c, i)))
            .collect::<CalcResult<_>>()?;
        let (start, stop, step) = match args.as_slice() {
            [stop] => (Int::Small(0), stop.clone(), Int::Small(1)),
            [start, stop] => (start.clone(), stop.clone(), Int::Small(1)),
            [start, stop, step] => (start.clone(), stop.clone(), step.clone()),
            _ => return Err(type_error("range expected at most 3 arguments")),
        };
        if step.is_zero() {
            return Err(value_error("range() arg 3 must not be zero"));
        }
        c.meter().charge(4)?;
        Ok(Value::Range(Arc::new(Range::new(start, stop, step))))
    }
);

/// Gathers the items of `iterable`, refused as soon as there would be
/// more than the sequence limit (a range's length is known before
/// anything is gathered).
pub(crate) fn collect(c: &mut Call<'_, '_>, iterable: &Arg) -> CalcResult<Vec<Value>> {
    let max = c.meter().limits().max_sequence_len;
    if let Arg::Value(Value::Range(r)) = iterable
        && sequence::bounded_len(r, max).is_none()
    {
        return Err(CalcError::SequenceTooLong { max });
    }
    // A tuple or list is copied at once (its items are shared, not
    // copied), each item charged as the loop below would.
    if let Arg::Value(Value::Tuple(seq) | Value::List(seq)) = iterable {
        c.meter()
            .charge(sequence::ITEM_COST.saturating_mul(seq.len() as u64))?;
        return Ok(seq.items().to_vec());
    }
    let mut items = Vec::new();
    c.for_each(iterable, &mut |meter, item| {
        if items.len() == meter.limits().max_sequence_len {
            return Err(CalcError::SequenceTooLong {
                max: meter.limits().max_sequence_len,
            });
        }
        items.push(item);
        Ok(Flow::Continue)
    })?;
    Ok(items)
}

pub const LIST: Builtin = builtin!(
    "list",
    Sequences,
    "list(iterable=())",
    Params::Positional { min: 0, max: 1 },
    "a list of the items",
    |c| {
        let items = match c.arg(0) {
            None => Vec::new(),
            Some(iterable) => collect(c, iterable)?,
        };
        sequence::list(items, c.meter())
    }
);

pub const TUPLE: Builtin = builtin!(
    "tuple",
    Sequences,
    "tuple(iterable=())",
    Params::Positional { min: 0, max: 1 },
    "a tuple of the items",
    |c| match c.arg(0) {
        None => sequence::tuple(Vec::new(), c.meter()),
        // A tuple is returned as it is, as in CPython.
        Some(Arg::Value(v @ Value::Tuple(_))) => Ok(v.clone()),
        Some(iterable) => {
            let items = collect(c, iterable)?;
            sequence::tuple(items, c.meter())
        }
    }
);

pub const SORTED: Builtin = builtin!(
    "sorted",
    Sequences,
    "sorted(iterable, *, key=None, reverse=False)",
    Params::Custom,
    "a sorted list (stable); reverse=True for descending",
    sorted
);

/// `sorted`: the positional argument is checked, the list built, and only
/// then the keywords read, by `list.sort` (hence its name in their
/// messages), as CPython does.
fn sorted(c: &mut Call<'_, '_>) -> CalcResult<Value> {
    super::args::check_positional("sorted", c.len(), 1, 1)?;
    let mut items = collect(c, required(c, 0))?;
    let mut key = None;
    let mut reverse = None;
    for (name, value) in c.keywords() {
        match *name {
            "key" if key.is_none() => key = Some(value),
            "reverse" if reverse.is_none() => reverse = Some(value),
            "key" | "reverse" => {
                return Err(type_error(format!(
                    "sort() got multiple values for argument '{name}'"
                )));
            }
            other => return Err(invalid_keyword(other, "sort")),
        }
    }
    let reverse = match reverse {
        Some(arg) => !index_arg(arg)?.is_zero(),
        None => false,
    };
    if let Some(key) = key
        && !matches!(key, Arg::Value(Value::None))
        && !items.is_empty()
    {
        return Err(not_callable(key));
    }
    sort::sort(&mut items, reverse, c.meter())?;
    sequence::list(items, c.meter())
}

/// Functions are not values, so a `key` other than `None` can never be
/// called.
fn not_callable(arg: &Arg) -> CalcError {
    type_error(format!("'{}' object is not callable", arg.type_name()))
}

pub const SUM: Builtin = builtin!(
    "sum",
    Sequences,
    "sum(iterable, start=0)",
    Params::Keywords {
        names: &["iterable", "start"],
        positional_only: 1,
        required: 1,
        max_positional: 2,
    },
    "start + the items, left to right",
    |c| {
        let start = c.arg(1).map_or(Value::from(0), value_of);
        if matches!(start, Value::Str(_)) {
            return Err(type_error(
                "sum() can't sum strings [use ''.join(seq) instead]",
            ));
        }
        let mut total = start;
        c.for_each(required(c, 0), &mut |meter, item| {
            let sum = ops::add(&total, &item, meter)?;
            release(std::mem::replace(&mut total, sum));
            release(item);
            Ok(Flow::Continue)
        })?;
        Ok(total)
    }
);

pub const MIN: Builtin = builtin!(
    "min",
    Sequences,
    "min(iterable, *, default), min(a, b, ...)",
    Params::Custom,
    "the smallest item (the first of equals)",
    |c| min_max(c, "min", CompareOp::Lt)
);

pub const MAX: Builtin = builtin!(
    "max",
    Sequences,
    "max(iterable, *, default), max(a, b, ...)",
    Params::Custom,
    "the largest item (the first of equals)",
    |c| min_max(c, "max", CompareOp::Gt)
);

/// CPython's `min_max`: one iterable, or several arguments; keywords
/// `key` (only `None`: functions are not values) and `default` (with one
/// iterable only). An item replaces the best so far only when it
/// compares strictly better (`<` for min, `>` for max), so ties and NaNs
/// go as in CPython.
fn min_max(c: &mut Call<'_, '_>, name: &'static str, op: CompareOp) -> CalcResult<Value> {
    let positional = c.len();
    if positional == 0 {
        return Err(type_error(format!(
            "{name} expected at least 1 argument, got 0"
        )));
    }
    let mut key = None;
    let mut default = None;
    for (keyword, value) in c.keywords() {
        match *keyword {
            "key" if key.is_none() => key = Some(value),
            "default" if default.is_none() => default = Some(value),
            "key" | "default" => {
                return Err(type_error(format!(
                    "{name}() got multiple values for argument '{keyword}'"
                )));
            }
            other => return Err(invalid_keyword(other, name)),
        }
    }
    if positional > 1 && default.is_some() {
        return Err(type_error(format!(
            "Cannot specify a default for {name}() with multiple positional arguments"
        )));
    }
    let key = key.filter(|k| !matches!(k, Arg::Value(Value::None)));
    if positional > 1 {
        // The arguments themselves: the best is chosen by reference and
        // copied once. Each is an item visited, charged at once.
        c.meter()
            .charge(sequence::ITEM_COST.saturating_mul(positional as u64))?;
        let mut best: Option<&Value> = None;
        for i in 0..positional {
            let item = match required(c, i) {
                Arg::Value(v) => v,
                other => {
                    return Err(type_error(format!(
                        "'{}' not supported between instances of '{}' and '{}'",
                        op.symbol(),
                        other.type_name(),
                        best.map_or("NoneType", Value::type_name)
                    )));
                }
            };
            if let Some(key) = key {
                return Err(not_callable(key));
            }
            match best {
                Some(b) if !ops::compare(op, item, b, c.meter())? => {}
                _ => best = Some(item),
            }
        }
        return Ok(best.cloned().unwrap_or(Value::None));
    }
    let mut best: Option<Value> = None;
    c.for_each(required(c, 0), &mut |meter, item| {
        if let Some(key) = key {
            return Err(not_callable(key));
        }
        match &best {
            Some(b) if !ops::compare(op, &item, b, meter)? => {}
            _ => best = Some(item),
        }
        Ok(Flow::Continue)
    })?;
    match (best, default) {
        (Some(b), _) => Ok(b),
        (None, Some(d)) => Ok(value_of(d)),
        (None, None) => Err(value_error(format!("{name}() arg is an empty sequence"))),
    }
}

pub const ALL: Builtin = builtin!(
    "all",
    Sequences,
    "all(iterable)",
    ONE,
    "True if no item is false",
    |c| { any_all(c, false) }
);

pub const ANY: Builtin = builtin!(
    "any",
    Sequences,
    "any(iterable)",
    ONE,
    "True if some item is true",
    |c| { any_all(c, true) }
);

/// `any` stops at the first true item, `all` at the first false one.
fn any_all(c: &mut Call<'_, '_>, any: bool) -> CalcResult<Value> {
    let mut found = false;
    c.for_each(required(c, 0), &mut |_, item| {
        if item.is_true() == any {
            found = true;
            return Ok(Flow::Break);
        }
        Ok(Flow::Continue)
    })?;
    Ok(Value::Bool(if any { found } else { !found }))
}
