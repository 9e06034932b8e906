//! Calling a math function by name: the shape check, CPython's argument
//! conversions (in CPython's order, so the first error is CPython's first
//! error), the cost, and the computation.

use num_bigint::BigInt;

use super::convert::{IntArg, float_to_integer, index, real};
use super::cost::{self, Cost, Size, Work};
use super::float::{self, LogBase};
use super::int::{self, CombPlan};
use super::signature::{Function, Params};
use super::sum;
use super::{Arg, Integer, MathError, MathResult, MathValue, PyException};

/// A math call whose arguments have passed CPython's checks, ready to be
/// costed ([`Call::cost`]) and run ([`Call::run`]).
#[derive(Debug, Clone)]
pub struct Call<'a> {
    plan: Plan<'a>,
}

/// What a call will do, with its arguments converted.
#[derive(Debug, Clone)]
enum Plan<'a> {
    /// A float function that may fail.
    Float(fn(f64) -> MathResult<f64>, f64),
    /// A float function that cannot fail.
    Pure(fn(f64) -> f64, f64),
    Float2(fn(f64, f64) -> MathResult<f64>, f64, f64),
    Pure2(fn(f64, f64) -> f64, f64, f64),
    Test(fn(f64) -> bool, f64),
    Isclose([f64; 4]),
    Frexp(f64),
    Modf(f64),
    Ldexp(f64, IntArg<'a>),
    /// `log`, `log2`, `log10`: of an int or a float, and for `log` an
    /// optional base, converted only after `log(x)` is computed (CPython
    /// reports `log(-1, None)` as a domain error, not a `TypeError`).
    Log(LogArg<'a>, Option<Arg<'a>>, LogBase),
    /// `floor`, `ceil`, `trunc` of a float.
    Round(fn(f64) -> f64, f64),
    /// `floor`, `ceil`, `trunc` of an int: the int itself.
    Same(IntArg<'a>),
    Factorial(u64),
    CombPerm(CombPlan<'a>),
    Isqrt(IntArg<'a>),
    Gcd(Vec<IntArg<'a>>),
    Lcm(Vec<IntArg<'a>>),
    /// `hypot` and `dist`: converted coordinates, their maximum, any NaN.
    Norm(Vec<f64>, f64, bool),
    Fsum(&'a [Arg<'a>]),
    Prod(&'a [Arg<'a>], Option<Arg<'a>>),
}

/// An argument of the log family: ints take CPython's exact path.
#[derive(Debug, Clone, Copy)]
enum LogArg<'a> {
    Int(IntArg<'a>),
    Float(f64),
}

fn log_arg<'a>(arg: &Arg<'a>) -> MathResult<LogArg<'a>> {
    match arg {
        Arg::Small(_) | Arg::Big(_) | Arg::Bool(_) => index(arg).map(LogArg::Int),
        _ => real(arg).map(LogArg::Float),
    }
}

fn log_of(x: LogArg<'_>, base: LogBase) -> MathResult<f64> {
    match x {
        LogArg::Int(i) => int::log(i, base),
        LogArg::Float(f) => float::log(f, base),
    }
}

fn log_cost(x: &LogArg<'_>) -> u64 {
    match x {
        LogArg::Int(i) => Work::words(i.bits()),
        LogArg::Float(_) => 1,
    }
}

/// Checks a call of `math.NAME(*args, **kwargs)` and converts its
/// arguments, with CPython's exceptions for anything wrong. `kwargs` are
/// in the call's order; names must not repeat.
pub fn prepare<'a>(
    name: &str,
    args: &'a [Arg<'a>],
    kwargs: &'a [(&'a str, Arg<'a>)],
) -> MathResult<Call<'a>> {
    let Some(function) = Function::from_name(name) else {
        return Err(MathError::new(
            PyException::AttributeError,
            format!("module 'math' has no attribute '{name}'"),
        ));
    };
    prepare_function(function, args, kwargs)
}

/// [`prepare`] for a function already resolved (at parse time, say).
pub fn prepare_function<'a>(
    function: Function,
    args: &'a [Arg<'a>],
    kwargs: &'a [(&'a str, Arg<'a>)],
) -> MathResult<Call<'a>> {
    let signature = function.signature();
    if kwargs.is_empty() {
        signature.check(args.len(), &[])?;
    } else {
        let keywords: Vec<&str> = kwargs.iter().map(|(k, _)| *k).collect();
        signature.check(args.len(), &keywords)?;
    }
    let plan = match signature.params {
        Params::One => one(function, &args[0])?,
        Params::Two => two(function, &args[0], &args[1])?,
        Params::Log => Plan::Log(log_arg(&args[0])?, args.get(1).copied(), LogBase::E),
        Params::Perm => match args.get(1) {
            None | Some(Arg::Other("NoneType")) => {
                Plan::Factorial(int::factorial_arg(index(&args[0])?)?)
            }
            Some(k) => Plan::CombPerm(int::perm_plan(index(&args[0])?, index(k)?)?),
        },
        Params::Varargs => match function {
            Function::Gcd => Plan::Gcd(args.iter().map(index).collect::<MathResult<_>>()?),
            Function::Lcm => Plan::Lcm(args.iter().map(index).collect::<MathResult<_>>()?),
            _ => norm(args.iter().map(real))?,
        },
        Params::Isclose => {
            // Parameters in order: given by position or by name.
            let mut values = [0.0, 0.0, 1e-9, 0.0];
            let names = signature.keywords;
            for (i, value) in values.iter_mut().enumerate() {
                let arg = args
                    .get(i)
                    .or_else(|| kwargs.iter().find(|(k, _)| *k == names[i]).map(|(_, v)| v));
                if let Some(arg) = arg {
                    *value = real(arg)?;
                }
            }
            Plan::Isclose(values)
        }
        Params::Prod => Plan::Prod(sum::items(&args[0])?, kwargs.first().map(|(_, v)| *v)),
    };
    Ok(Call { plan })
}

/// Prepares and runs a call at once, for callers with no limits to apply.
pub fn call(name: &str, args: &[Arg<'_>], kwargs: &[(&str, Arg<'_>)]) -> MathResult<MathValue> {
    prepare(name, args, kwargs)?.run()
}

/// True for a `prod` call that multiplies values other than numbers
/// (tuples, lists, strings, complex numbers, `None`...): Python's `*` on
/// them is the caller's, so the caller must fold `start * x1 * x2 ...`
/// itself (an empty iterable gives `start`).
pub fn prod_needs_generic_multiply(args: &[Arg<'_>], kwargs: &[(&str, Arg<'_>)]) -> bool {
    let non_number = |a: &Arg<'_>| matches!(a, Arg::Seq(..) | Arg::Other(_));
    let items_non_number = match args.first() {
        Some(Arg::Seq(_, items)) => items.iter().any(non_number),
        _ => false,
    };
    items_non_number || kwargs.iter().any(|(_, v)| non_number(v))
}

fn floor(x: f64) -> f64 {
    x.floor()
}
fn ceil(x: f64) -> f64 {
    x.ceil()
}
fn trunc(x: f64) -> f64 {
    x.trunc()
}

/// The one-argument functions.
fn one<'a>(function: Function, arg: &'a Arg<'a>) -> MathResult<Plan<'a>> {
    use Function as F;
    let f: fn(f64) -> MathResult<f64> = match function {
        F::Acos => float::acos,
        F::Acosh => float::acosh,
        F::Asin => float::asin,
        F::Asinh => float::asinh,
        F::Atan => float::atan,
        F::Atanh => float::atanh,
        F::Cbrt => float::cbrt,
        F::Cos => float::cos,
        F::Cosh => float::cosh,
        F::Exp => float::exp,
        F::Exp2 => float::exp2,
        F::Expm1 => float::expm1,
        F::Fabs => float::fabs,
        F::Gamma => float::gamma,
        F::Lgamma => float::lgamma,
        F::Log1p => float::log1p,
        F::Sin => float::sin,
        F::Sinh => float::sinh,
        F::Sqrt => float::sqrt,
        F::Tan => float::tan,
        F::Tanh => float::tanh,
        _ => return special_one(function, arg),
    };
    Ok(Plan::Float(f, real(arg)?))
}

/// The one-argument functions that are not `math_1` wrappers.
fn special_one<'a>(function: Function, arg: &'a Arg<'a>) -> MathResult<Plan<'a>> {
    use Function as F;
    Ok(match function {
        F::Erf => Plan::Pure(float::erf, real(arg)?),
        F::Erfc => Plan::Pure(float::erfc, real(arg)?),
        F::Degrees => Plan::Pure(float::degrees, real(arg)?),
        F::Radians => Plan::Pure(float::radians, real(arg)?),
        F::Ulp => Plan::Pure(float::ulp, real(arg)?),
        F::Isfinite => Plan::Test(f64::is_finite, real(arg)?),
        F::Isinf => Plan::Test(f64::is_infinite, real(arg)?),
        F::Isnan => Plan::Test(f64::is_nan, real(arg)?),
        F::Frexp => Plan::Frexp(real(arg)?),
        F::Modf => Plan::Modf(real(arg)?),
        F::Log2 => Plan::Log(log_arg(arg)?, None, LogBase::Two),
        F::Log10 => Plan::Log(log_arg(arg)?, None, LogBase::Ten),
        F::Floor | F::Ceil | F::Trunc => rounding(function, arg)?,
        F::Factorial => Plan::Factorial(int::factorial_arg(index(arg)?)?),
        F::Isqrt => Plan::Isqrt(int::isqrt_arg(index(arg)?)?),
        F::Fsum => Plan::Fsum(sum::items(arg)?),
        _ => unreachable_function(function),
    })
}

/// `floor`, `ceil`, `trunc`: an int is returned as it is (its `__floor__`
/// is itself); a float is rounded and converted exactly; anything else is
/// converted as a float first (`floor`, `ceil`) or refused (`trunc`,
/// which only calls `__trunc__`).
fn rounding<'a>(function: Function, arg: &Arg<'a>) -> MathResult<Plan<'a>> {
    let f = match function {
        Function::Floor => floor,
        Function::Ceil => ceil,
        _ => trunc,
    };
    match arg {
        Arg::Small(_) | Arg::Big(_) | Arg::Bool(_) => Ok(Plan::Same(index(arg)?)),
        Arg::Float(x) => Ok(Plan::Round(f, *x)),
        other if function == Function::Trunc => Err(MathError::new(
            PyException::TypeError,
            format!("type {} doesn't define __trunc__ method", other.type_name()),
        )),
        other => Ok(Plan::Round(f, real(other)?)),
    }
}

/// The two-argument functions.
fn two<'a>(function: Function, x: &'a Arg<'a>, y: &'a Arg<'a>) -> MathResult<Plan<'a>> {
    use Function as F;
    let f: fn(f64, f64) -> MathResult<f64> = match function {
        F::Atan2 => float::atan2,
        F::Copysign => float::copysign,
        F::Fmod => float::fmod,
        F::Pow => float::pow,
        F::Remainder => float::remainder,
        F::Nextafter => return Ok(Plan::Pure2(float::nextafter, real(x)?, real(y)?)),
        F::Comb => return Ok(Plan::CombPerm(int::comb_plan(index(x)?, index(y)?)?)),
        F::Ldexp => {
            let x = real(x)?;
            let i = match y {
                Arg::Small(_) | Arg::Big(_) | Arg::Bool(_) => index(y)?,
                _ => {
                    return Err(MathError::new(
                        PyException::TypeError,
                        "Expected an int as second argument to ldexp.",
                    ));
                }
            };
            return Ok(Plan::Ldexp(x, i));
        }
        F::Dist => {
            let (p, q) = (sum::items(x)?, sum::items(y)?);
            if p.len() != q.len() {
                return Err(MathError::new(
                    PyException::ValueError,
                    "both points must have the same number of dimensions",
                ));
            }
            let pairs = p
                .iter()
                .zip(q)
                .map(|(a, b)| Ok((real(a)? - real(b)?).abs()));
            return norm(pairs);
        }
        _ => unreachable_function(function),
    };
    Ok(Plan::Float2(f, real(x)?, real(y)?))
}

/// `hypot`'s and `dist`'s coordinates, converted in order.
fn norm<'a>(values: impl Iterator<Item = MathResult<f64>>) -> MathResult<Plan<'a>> {
    let mut coordinates = Vec::new();
    let mut max = 0.0f64;
    let mut found_nan = false;
    for x in values {
        let x = x?.abs();
        found_nan |= x.is_nan();
        if x > max {
            max = x;
        }
        coordinates.push(x);
    }
    Ok(Plan::Norm(coordinates, max, found_nan))
}

/// The table sends each function to exactly one of the helpers above; a
/// function reaching the wrong one is a bug in this file, caught by the
/// tests (every function is called there).
fn unreachable_function(function: Function) -> ! {
    unreachable!("math.{} is dispatched by its Params", function.name())
}

impl Call<'_> {
    /// An upper bound on the result's size and the work of [`Call::run`],
    /// computed from the arguments' sizes in microseconds.
    pub fn cost(&self) -> Cost {
        match &self.plan {
            Plan::Factorial(n) => cost::factorial_cost(*n),
            Plan::CombPerm(CombPlan::Known(i)) => Cost::new(i.bits(), 1),
            Plan::CombPerm(CombPlan::Compute { n, k, comb }) => {
                let size = match n {
                    IntArg::Small(s) => Size::of_u64(*s as u64),
                    IntArg::Big(b) => Size::of_big(b.magnitude()),
                };
                if *comb {
                    cost::comb_cost(size, *k)
                } else {
                    cost::perm_cost(size, *k)
                }
            }
            Plan::Isqrt(n) => cost::isqrt_cost(n.bits()),
            Plan::Gcd(args) => cost::gcd_cost(&args.iter().map(|a| a.bits()).collect::<Vec<_>>()),
            Plan::Lcm(args) => cost::lcm_cost(&args.iter().map(|a| a.bits()).collect::<Vec<_>>()),
            Plan::Same(i) => Cost::new(i.bits(), Work::words(i.bits())),
            // A float below 2**1024 has at most 1024 bits as an int.
            Plan::Round(..) => Cost::new(1024, 17),
            Plan::Log(x, base, _) => {
                let base = match base {
                    Some(Arg::Big(b)) => Work::words(b.bits()),
                    _ => 1,
                };
                Cost::new(0, 1 + log_cost(x) + base)
            }
            Plan::Ldexp(..) | Plan::Frexp(_) => Cost::new(64, 1),
            Plan::Norm(values, ..) => Cost::new(0, values.len() as u64 + 1),
            Plan::Fsum(items) => fsum_cost(items),
            Plan::Prod(items, start) => prod_cost(items, start.as_ref()),
            Plan::Float(..)
            | Plan::Pure(..)
            | Plan::Float2(..)
            | Plan::Pure2(..)
            | Plan::Test(..)
            | Plan::Isclose(_)
            | Plan::Modf(_) => Cost::CHEAP,
        }
    }

    /// Computes the result, or the exception CPython raises while
    /// computing it.
    pub fn run(self) -> MathResult<MathValue> {
        self.run_counted().0
    }

    /// [`Call::run`], also returning the work actually done, in
    /// [`Cost::work`]'s unit (for tests of the estimators and calibration).
    pub fn run_counted(self) -> (MathResult<MathValue>, u64) {
        let mut work = Work::default();
        let result = self.compute(&mut work);
        (result, work.units())
    }

    fn compute(self, work: &mut Work) -> MathResult<MathValue> {
        let float = |x: MathResult<f64>| x.map(MathValue::Float);
        match self.plan {
            Plan::Float(f, x) => float(f(x)),
            Plan::Pure(f, x) => Ok(MathValue::Float(f(x))),
            Plan::Float2(f, x, y) => float(f(x, y)),
            Plan::Pure2(f, x, y) => Ok(MathValue::Float(f(x, y))),
            Plan::Test(f, x) => Ok(MathValue::Bool(f(x))),
            Plan::Isclose([a, b, rel, abs]) => float::isclose(a, b, rel, abs).map(MathValue::Bool),
            Plan::Frexp(x) => {
                let (m, e) = float::frexp(x);
                Ok(MathValue::FloatInt(m, e))
            }
            Plan::Modf(x) => {
                let (f, i) = float::modf(x);
                Ok(MathValue::FloatPair(f, i))
            }
            Plan::Ldexp(x, i) => float(float::ldexp(x, i)),
            Plan::Log(x, base, kind) => {
                work.small(1);
                if let LogArg::Int(i) = x {
                    work.linear(Work::words(i.bits()));
                }
                let num = log_of(x, kind)?;
                let Some(base) = base else {
                    return Ok(MathValue::Float(num));
                };
                let base = log_arg(&base)?;
                if let LogArg::Int(i) = base {
                    work.linear(Work::words(i.bits()));
                }
                float(float::log_ratio(num, log_of(base, kind)?))
            }
            Plan::Round(f, x) => {
                work.linear(17);
                float_to_integer(f(x)).map(MathValue::Int)
            }
            Plan::Same(i) => {
                work.linear(Work::words(i.bits()));
                Ok(MathValue::Int(i.to_integer()))
            }
            Plan::Factorial(n) => {
                let r = int::factorial(n, work);
                Ok(MathValue::Int(Integer::from(BigInt::from(r))))
            }
            Plan::CombPerm(plan) => Ok(MathValue::Int(int::comb_perm(&plan, work))),
            Plan::Isqrt(n) => Ok(MathValue::Int(int::isqrt(n, work))),
            Plan::Gcd(args) => Ok(MathValue::Int(int::gcd(&args, work))),
            Plan::Lcm(args) => Ok(MathValue::Int(int::lcm(&args, work))),
            Plan::Norm(values, max, nan) => {
                work.linear(values.len() as u64);
                Ok(MathValue::Float(sum::vector_norm(&values, max, nan)))
            }
            Plan::Fsum(items) => float(sum::fsum(items, work)),
            Plan::Prod(items, start) => sum::prod(items, start.as_ref(), work),
        }
    }
}

/// `fsum` visits at most all partials per item; there are never more
/// partials than items, nor than the 2,098 bit positions of a double.
fn fsum_cost(items: &[Arg<'_>]) -> Cost {
    let n = items.len() as u64;
    let per_item = n.min(2100) + 1;
    let conversions: u64 = items
        .iter()
        .map(|a| match a {
            Arg::Big(b) => Work::words(b.bits()),
            _ => 0,
        })
        .sum();
    Cost::new(0, n.saturating_mul(per_item).saturating_add(conversions))
}

/// `prod`: the int products up to the first float (after which every
/// step is a float multiplication, plus converting big ints).
fn prod_cost(items: &[Arg<'_>], start: Option<&Arg<'_>>) -> Cost {
    let bits_of = |a: &Arg<'_>| match a {
        Arg::Small(i) => u64::from(64 - i.unsigned_abs().leading_zeros()),
        Arg::Big(b) => b.bits(),
        Arg::Bool(_) => 1,
        _ => 0,
    };
    let start_bits = start.map_or(1, bits_of);
    let is_int = |a: &Arg<'_>| matches!(a, Arg::Small(_) | Arg::Big(_) | Arg::Bool(_));
    if !start.is_none_or(is_int) {
        let conversions: u64 = items.iter().map(|a| Work::words(bits_of(a))).sum();
        return Cost::new(0, conversions + items.len() as u64 + 1);
    }
    let ints = items.iter().take_while(|a| is_int(a)).count();
    let int_part = cost::product_cost(start_bits, items[..ints].iter().map(bits_of));
    let rest: u64 = items[ints..]
        .iter()
        .map(|a| Work::words(bits_of(a)) + 1)
        .sum();
    let result_bits = if ints == items.len() {
        int_part.result_bits
    } else {
        0
    };
    Cost::new(
        result_bits,
        int_part
            .work
            .saturating_add(rest)
            .saturating_add(int_part.result_bits / 64 + 1),
    )
}
