//! The `math` module's functions: CPython 3.11's, computed by
//! [`pymath`](crate::calc::pymath), with the calculator's limits applied
//! before anything is computed.
//!
//! Every row here hands its call to `pymath` the same way ([`general`]):
//! the values become [`pymath::Arg`]s (an iterable is gathered first, for
//! the three functions that iterate, within the sequence limit), `pymath`
//! checks the call as CPython does (count, keywords, types, domain: its
//! errors are CPython's), prices it ([`pymath::Call::cost`]: the result's
//! size and the work, known from the arguments' sizes), and only then,
//! once the meter has accepted the price, computes it. So
//! `factorial(10**6)` or `comb(10**6, 5*10**5)` is refused in
//! microseconds, before any big number exists.
//!
//! The float functions of one argument, which nearly every call is
//! (`sqrt(2)`), take a shorter road with the same result ([`float`]): the
//! argument is a float or a machine-word int, so none of `pymath`'s checks
//! can fail but the function's own.

use super::super::error::{CalcError, CalcResult};
use super::super::number::Int;
use super::super::ops;
use super::super::pymath::{self, Function, MathError, MathResult, MathValue, PyException};
use super::super::sequence;
use super::super::value::Value;
use super::args::{Arg, Params};
use super::{Builtin, Call, Doc};

/// A row of the math module's functions: its name (and spelling, which
/// differs for `math.pow`), its help group, and its body. The signature,
/// the help line and the argument checks are `pymath`'s.
macro_rules! math {
    ($name:literal, $spelling:literal, $group:ident, $function:ident, $body:expr) => {
        $crate::calc::builtins::Builtin {
            name: $name,
            spelling: $spelling,
            module: $crate::calc::builtins::Module::Math,
            group: $crate::calc::builtins::Group::$group,
            doc: Doc::Math(Function::$function),
            params: Params::Custom,
            body: $body,
        }
    };
}

/// A float function of one argument (`math_1` in CPython): the short road
/// for a float or a machine-word int, else [`general`].
#[inline]
fn float(call: &mut Call<'_, '_>, f: fn(f64) -> MathResult<f64>) -> CalcResult<Value> {
    if let Some(x) = one_real(call) {
        return f(x).map(Value::float).map_err(math_error);
    }
    general(call)
}

/// [`float`] for the functions that cannot fail.
#[inline]
fn pure(call: &mut Call<'_, '_>, f: fn(f64) -> f64) -> CalcResult<Value> {
    if let Some(x) = one_real(call) {
        return Ok(Value::float(f(x)));
    }
    general(call)
}

/// The one argument of a call that has exactly one, no keywords, and
/// whose argument is a float or an int that converts exactly as CPython's
/// `PyFloat_AsDouble` would (Rust's `as` rounds to nearest, ties to even,
/// as CPython's conversion does).
#[inline]
fn one_real(call: &Call<'_, '_>) -> Option<f64> {
    if call.len() != 1 || !call.keywords().is_empty() {
        return None;
    }
    match call.arg(0) {
        Some(Arg::Value(Value::Float(x))) => Some(*x),
        Some(Arg::Value(Value::Int(Int::Small(i)))) => Some(*i as f64),
        _ => None,
    }
}

/// The functions that iterate over an argument: their iterables are
/// gathered into [`pymath::Arg::Seq`] before the call.
fn iterates(function: Function) -> bool {
    matches!(function, Function::Fsum | Function::Prod | Function::Dist)
}

/// Any call of a math function, through `pymath`: converted, checked,
/// priced, charged, computed.
fn general(call: &mut Call<'_, '_>) -> CalcResult<Value> {
    let Some(function) = Function::from_name(call.function.name) else {
        return Err(CalcError::Type(
            format!("{} is not a math function", call.function.name).into(),
        ));
    };
    // The values, with each iterable argument gathered (for the functions
    // that iterate) into a list of its items.
    let gather = iterates(function);
    let mut positional: Vec<Gathered> = Vec::with_capacity(call.len());
    for i in 0..call.len() {
        let arg = call.arg(i);
        positional.push(gathered(call, arg, gather)?);
    }
    let mut keywords: Vec<(&str, Gathered)> = Vec::with_capacity(call.keywords().len());
    for (name, arg) in call.keywords() {
        keywords.push((name, gathered(call, Some(arg), gather)?));
    }
    let items: Vec<Vec<pymath::Arg<'_>>> = positional
        .iter()
        .chain(keywords.iter().map(|(_, g)| g))
        .map(|g| match g {
            Gathered::Items(_, values) => values.iter().map(math_arg).collect(),
            Gathered::One(_) | Gathered::Generator => Vec::new(),
        })
        .collect();
    let args: Vec<pymath::Arg<'_>> = positional
        .iter()
        .zip(&items)
        .map(|(g, items)| g.as_math_arg(items))
        .collect();
    let kwargs: Vec<(&str, pymath::Arg<'_>)> = keywords
        .iter()
        .zip(&items[positional.len()..])
        .map(|((name, g), items)| (*name, g.as_math_arg(items)))
        .collect();
    if function == Function::Prod && pymath::prod_needs_generic_multiply(&args, &kwargs) {
        return generic_prod(call, &positional, &keywords);
    }
    let prepared = pymath::prepare_function(function, &args, &kwargs).map_err(math_error)?;
    let mut cost = prepared.cost();
    if let (Function::Fsum, Some(pymath::Arg::Seq(_, items))) = (function, args.first()) {
        cost.work = cost.work.min(fsum_work(items)).saturating_mul(FSUM_VISIT);
    }
    let meter = call.meter();
    meter.precheck_bits(cost.result_bits as f64)?;
    meter.charge(cost.work)?;
    let result = prepared.run().map_err(math_error)?;
    let meter = call.meter();
    Ok(match result {
        MathValue::Float(x) => Value::float(x),
        MathValue::Bool(b) => Value::Bool(b),
        MathValue::Int(i) => Value::Int(meter.check_int(integer(i))?),
        MathValue::FloatPair(f, i) => {
            sequence::tuple(vec![Value::float(f), Value::float(i)], meter)?
        }
        MathValue::FloatInt(m, e) => sequence::tuple(vec![Value::float(m), Value::from(e)], meter)?,
    })
}

/// An argument as `pymath` will see it: a value, or an iterable's type
/// name and items.
enum Gathered {
    One(Value),
    Items(&'static str, Vec<Value>),
    /// A generator given to a function that does not iterate.
    Generator,
}

impl Gathered {
    fn as_math_arg<'a>(&'a self, items: &'a [pymath::Arg<'a>]) -> pymath::Arg<'a> {
        match self {
            Gathered::One(v) => math_arg(v),
            Gathered::Items(type_name, _) => pymath::Arg::Seq(type_name, items),
            Gathered::Generator => pymath::Arg::Other("generator"),
        }
    }
}

/// Gathers `arg` if it is iterable and `gather` is set; a generator that
/// is not gathered is a value of type `generator`, which no math function
/// accepts.
fn gathered(call: &mut Call<'_, '_>, arg: Option<&Arg>, gather: bool) -> CalcResult<Gathered> {
    let Some(arg) = arg else {
        return Ok(Gathered::One(Value::None));
    };
    let type_name = arg.type_name();
    let iterable = matches!(
        arg,
        Arg::Generator(_) | Arg::Value(Value::Tuple(_) | Value::List(_) | Value::Range(_))
    );
    match arg {
        _ if gather && iterable => Ok(Gathered::Items(type_name, super::core::collect(call, arg)?)),
        Arg::Value(v) => Ok(Gathered::One(v.clone())),
        Arg::Generator(_) => Ok(Gathered::Generator),
    }
}

/// A value as a `pymath` argument: numbers as themselves, anything else
/// by its type name (an iterable that is an item of an iterable, a
/// complex number, `None`).
fn math_arg(v: &Value) -> pymath::Arg<'_> {
    match v {
        Value::Int(Int::Small(i)) => pymath::Arg::Small(*i),
        Value::Int(Int::Big(b)) => pymath::Arg::Big(b),
        Value::Bool(b) => pymath::Arg::Bool(*b),
        Value::Float(x) => pymath::Arg::Float(*x),
        other => pymath::Arg::Other(other.type_name()),
    }
}

/// `prod` of values other than numbers (`prod([(1,), 2])`, complex
/// numbers): Python's `*` folded left to right from `start`, as CPython's
/// `math_prod_impl` does once its fast paths give up.
fn generic_prod(
    call: &mut Call<'_, '_>,
    positional: &[Gathered],
    keywords: &[(&str, Gathered)],
) -> CalcResult<Value> {
    let items: &[Value] = match positional {
        [Gathered::Items(_, items)] => items,
        _ => &[],
    };
    let mut acc = match keywords {
        [(_, Gathered::One(start))] => start.clone(),
        _ => Value::from(1),
    };
    let meter = call.meter();
    for item in items {
        acc = ops::binary(super::super::ast::BinaryOp::Mul, &acc, item, meter)?;
    }
    Ok(acc)
}

/// What visiting one of `fsum`'s partials costs, in the meter's units:
/// about 2 ns (measured with `examples/worst_lines.rs`: a sum of 1,000
/// floats spread over the whole exponent range, about a million visits,
/// takes about 2 ms), where `pymath` counts it as one.
const FSUM_VISIT: u64 = 8;

/// A bound on `fsum`'s work (in `pymath`'s unit, a partial visited per
/// item) that is tight for ordinary sums, where `pymath`'s bound covers the
/// worst case of any floats (a partial per bit of the whole float range,
/// which a sum of `2.0**(2*k)` reaches). Shewchuk's partials do not
/// overlap, and each is a multiple of the smallest bit any item has,
/// below a bound on the sum: so there are at most as many as there are bit
/// positions from the items' lowest bit to `log2(n * max)`. Summing 2,000
/// floats of similar size then costs 2,000 times a few dozen, not 2,000
/// times 2,000.
fn fsum_work(items: &[pymath::Arg<'_>]) -> u64 {
    let (mut lowest, mut highest) = (i64::MAX, i64::MIN);
    let mut conversions = 0u64;
    for item in items {
        // The item's top bit and the lowest bit its float can have.
        let (top, low) = match *item {
            pymath::Arg::Float(x) if x.is_finite() && x != 0.0 => {
                let (_, e) = pymath::float::frexp(x);
                (e - 1, (e - 53).max(-1075))
            }
            pymath::Arg::Small(i) if i != 0 => {
                let bits = i64::from(64 - i.unsigned_abs().leading_zeros());
                (bits - 1, bits - 54)
            }
            pymath::Arg::Big(b) => {
                conversions += pymath::Work::words(b.bits());
                let bits = b.bits() as i64;
                (bits - 1, bits - 54)
            }
            pymath::Arg::Bool(true) => (0, -53),
            // Zero adds no partial; an infinity, a NaN or a non-number
            // ends the sum or is summed apart.
            _ => continue,
        };
        highest = highest.max(top);
        lowest = lowest.min(low);
    }
    let n = items.len() as u64;
    let positions = if highest < lowest {
        0
    } else {
        let growth = i64::from(64 - n.leading_zeros()) + 2;
        (highest + growth - lowest).max(0) as u64
    };
    n.saturating_mul(n.min(positions) + 1)
        .saturating_add(conversions)
}

/// A `pymath` int as the calculator's.
fn integer(i: pymath::Integer) -> Int {
    match i {
        pymath::Integer::Small(i) => Int::Small(i),
        pymath::Integer::Big(b) => Int::from(b),
    }
}

/// A `pymath` exception as the calculator's error: same class, same
/// message.
fn math_error(e: MathError) -> CalcError {
    let message = e.message;
    match e.class {
        PyException::ValueError => CalcError::Value(message),
        PyException::OverflowError => CalcError::Overflow(message),
        PyException::TypeError => CalcError::Type(message),
        PyException::ZeroDivisionError => CalcError::ZeroDivision(message),
        PyException::AttributeError => CalcError::Attribute {
            message: message.into_owned(),
            suggestion: None,
        },
    }
}

// ---------------------------------------------------------------------
// The table, by help group
// ---------------------------------------------------------------------

// powers and logarithms
pub const SQRT: Builtin = math!("sqrt", "sqrt", Powers, Sqrt, |c| float(
    c,
    pymath::float::sqrt
));
pub const CBRT: Builtin = math!("cbrt", "cbrt", Powers, Cbrt, |c| float(
    c,
    pymath::float::cbrt
));
pub const EXP: Builtin = math!("exp", "exp", Powers, Exp, |c| float(c, pymath::float::exp));
pub const EXP2: Builtin = math!("exp2", "exp2", Powers, Exp2, |c| float(
    c,
    pymath::float::exp2
));
pub const EXPM1: Builtin = math!("expm1", "expm1", Powers, Expm1, |c| {
    float(c, pymath::float::expm1)
});
pub const LOG: Builtin = math!("log", "log", Powers, Log, general);
pub const LOG2: Builtin = math!("log2", "log2", Powers, Log2, general);
pub const LOG10: Builtin = math!("log10", "log10", Powers, Log10, general);
pub const LOG1P: Builtin = math!("log1p", "log1p", Powers, Log1p, |c| {
    float(c, pymath::float::log1p)
});
pub const POW: Builtin = math!("pow", "math.pow", Powers, Pow, general);

// trigonometry
pub const SIN: Builtin = math!("sin", "sin", Trigonometry, Sin, |c| float(
    c,
    pymath::float::sin
));
pub const COS: Builtin = math!("cos", "cos", Trigonometry, Cos, |c| float(
    c,
    pymath::float::cos
));
pub const TAN: Builtin = math!("tan", "tan", Trigonometry, Tan, |c| float(
    c,
    pymath::float::tan
));
pub const ASIN: Builtin = math!("asin", "asin", Trigonometry, Asin, |c| {
    float(c, pymath::float::asin)
});
pub const ACOS: Builtin = math!("acos", "acos", Trigonometry, Acos, |c| {
    float(c, pymath::float::acos)
});
pub const ATAN: Builtin = math!("atan", "atan", Trigonometry, Atan, |c| {
    float(c, pymath::float::atan)
});
pub const ATAN2: Builtin = math!("atan2", "atan2", Trigonometry, Atan2, general);
pub const HYPOT: Builtin = math!("hypot", "hypot", Trigonometry, Hypot, general);
pub const DIST: Builtin = math!("dist", "dist", Trigonometry, Dist, general);
pub const DEGREES: Builtin = math!("degrees", "degrees", Trigonometry, Degrees, |c| {
    pure(c, pymath::float::degrees)
});
pub const RADIANS: Builtin = math!("radians", "radians", Trigonometry, Radians, |c| {
    pure(c, pymath::float::radians)
});

// hyperbolic functions
pub const SINH: Builtin = math!("sinh", "sinh", Hyperbolic, Sinh, |c| {
    float(c, pymath::float::sinh)
});
pub const COSH: Builtin = math!("cosh", "cosh", Hyperbolic, Cosh, |c| {
    float(c, pymath::float::cosh)
});
pub const TANH: Builtin = math!("tanh", "tanh", Hyperbolic, Tanh, |c| {
    float(c, pymath::float::tanh)
});
pub const ASINH: Builtin = math!("asinh", "asinh", Hyperbolic, Asinh, |c| {
    float(c, pymath::float::asinh)
});
pub const ACOSH: Builtin = math!("acosh", "acosh", Hyperbolic, Acosh, |c| {
    float(c, pymath::float::acosh)
});
pub const ATANH: Builtin = math!("atanh", "atanh", Hyperbolic, Atanh, |c| {
    float(c, pymath::float::atanh)
});

// rounding and float parts
pub const FLOOR: Builtin = math!("floor", "floor", Rounding, Floor, general);
pub const CEIL: Builtin = math!("ceil", "ceil", Rounding, Ceil, general);
pub const TRUNC: Builtin = math!("trunc", "trunc", Rounding, Trunc, general);
pub const FABS: Builtin = math!("fabs", "fabs", Rounding, Fabs, |c| {
    float(c, pymath::float::fabs)
});
pub const COPYSIGN: Builtin = math!("copysign", "copysign", Rounding, Copysign, general);
pub const FMOD: Builtin = math!("fmod", "fmod", Rounding, Fmod, general);
pub const REMAINDER: Builtin = math!("remainder", "remainder", Rounding, Remainder, general);
pub const MODF: Builtin = math!("modf", "modf", Rounding, Modf, general);
pub const FREXP: Builtin = math!("frexp", "frexp", Rounding, Frexp, general);
pub const LDEXP: Builtin = math!("ldexp", "ldexp", Rounding, Ldexp, general);
pub const NEXTAFTER: Builtin = math!("nextafter", "nextafter", Rounding, Nextafter, general);
pub const ULP: Builtin = math!("ulp", "ulp", Rounding, Ulp, |c| pure(c, pymath::float::ulp));

// integer functions
pub const FACTORIAL: Builtin = math!("factorial", "factorial", Integers, Factorial, general);
pub const COMB: Builtin = math!("comb", "comb", Integers, Comb, general);
pub const PERM: Builtin = math!("perm", "perm", Integers, Perm, general);
pub const ISQRT: Builtin = math!("isqrt", "isqrt", Integers, Isqrt, general);
pub const GCD: Builtin = math!("gcd", "gcd", Integers, Gcd, general);
pub const LCM: Builtin = math!("lcm", "lcm", Integers, Lcm, general);

// sequences
pub const FSUM: Builtin = math!("fsum", "fsum", Sequences, Fsum, general);
pub const PROD: Builtin = math!("prod", "prod", Sequences, Prod, general);

// special functions
pub const ERF: Builtin = math!("erf", "erf", Special, Erf, |c| pure(c, pymath::float::erf));
pub const ERFC: Builtin = math!("erfc", "erfc", Special, Erfc, |c| pure(
    c,
    pymath::float::erfc
));
pub const GAMMA: Builtin = math!("gamma", "gamma", Special, Gamma, |c| {
    float(c, pymath::float::gamma)
});
pub const LGAMMA: Builtin = math!("lgamma", "lgamma", Special, Lgamma, |c| {
    float(c, pymath::float::lgamma)
});

// tests
pub const ISFINITE: Builtin = math!("isfinite", "isfinite", Tests, Isfinite, general);
pub const ISINF: Builtin = math!("isinf", "isinf", Tests, Isinf, general);
pub const ISNAN: Builtin = math!("isnan", "isnan", Tests, Isnan, general);
pub const ISCLOSE: Builtin = math!("isclose", "isclose", Tests, Isclose, general);
