//! How a call's arguments reach a built-in: binding positional and keyword
//! arguments to parameters with CPython's rules and CPython's messages,
//! and the [`Host`] through which a built-in iterates its arguments.
//!
//! CPython's built-ins do not share one way of reading arguments, and each
//! way has its own wording for the same mistake: `abs()` says "takes
//! exactly one argument (0 given)", `divmod()` says "divmod expected 2
//! arguments, got 0", `round()` says "missing required argument 'number'
//! (pos 1)". Each function's [`Params`] names the way CPython 3.11 uses
//! for it, and [`Params::bind`] reproduces that way's checks in its order.

use super::super::error::{CalcError, CalcResult, type_error};
use super::super::number::Meter;
use super::super::value::Value;

/// An argument as the evaluator passes it: a value, or a generator
/// expression that has not run yet (only a function that iterates runs
/// it, through its [`Host`]).
#[derive(Debug, Clone)]
pub enum Arg {
    Value(Value),
    /// The generator expression at this node of the caller's tree.
    Generator(usize),
}

impl Arg {
    /// Python's type name of the argument (`generator` for a generator).
    pub fn type_name(&self) -> &'static str {
        match self {
            Arg::Value(v) => v.type_name(),
            Arg::Generator(_) => "generator",
        }
    }

    /// The value, unless it is a generator.
    pub fn value(&self) -> Option<&Value> {
        match self {
            Arg::Value(v) => Some(v),
            Arg::Generator(_) => None,
        }
    }
}

/// Whether an iteration goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Break,
}

/// A function that receives each item of an iteration.
pub type Sink<'s> = dyn FnMut(&mut Meter, Value) -> CalcResult<Flow> + 's;

/// What a built-in may ask of the evaluator that calls it.
pub trait Host<'l> {
    /// The evaluation's work meter.
    fn meter(&mut self) -> &mut Meter<'l>;

    /// Feeds each item of `iterable` (a value, or a generator expression
    /// run on the spot) to `sink`, in order, until it answers
    /// [`Flow::Break`]; every item is charged to the work budget. A value
    /// that is not iterable is CPython's `TypeError`.
    fn for_each(&mut self, iterable: &Arg, sink: &mut Sink<'_>) -> CalcResult<()>;
}

/// How a built-in reads its arguments: one variant per way CPython 3.11's
/// built-ins do it, each with its own checks, order and wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Params {
    /// `METH_O`: exactly one positional argument (`abs`, `math.sqrt`).
    One,
    /// `_PyArg_CheckPositional`: `min..=max` positional arguments
    /// (`divmod`, `math.atan2`, `float`, `range`).
    Positional { min: usize, max: usize },
    /// Argument Clinic's `_PyArg_UnpackKeywords` (`round`, `pow`, `sum`,
    /// `int`, `complex`, `math.isclose`, `math.prod`): parameters `names`,
    /// of which the first `positional_only` cannot be given by keyword,
    /// the first `required` must be given, and only the first
    /// `max_positional` may be given by position.
    Keywords {
        names: &'static [&'static str],
        positional_only: usize,
        required: usize,
        max_positional: usize,
    },
    /// Any number of positional arguments, no keywords (`math.gcd`,
    /// `math.hypot`).
    Varargs,
    /// The function reads its arguments itself (`min`, `max`, `sorted`,
    /// `math.log`), because CPython's own checks for it are particular.
    Custom,
}

/// The arguments of a call with keywords, bound to a function's
/// parameters.
#[derive(Debug)]
pub struct Bound<'k> {
    /// One slot per parameter (`None`: not given), or, for
    /// [`Params::Custom`], the positional arguments in order.
    pub slots: Vec<Option<Arg>>,
    /// The keyword arguments, for [`Params::Custom`] (empty otherwise:
    /// binding has placed or refused them).
    pub keywords: Vec<(&'k str, Arg)>,
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl Params {
    /// Checks the count of a call without keywords (the common case, whose
    /// arguments then stay where the caller has them): the checks of
    /// [`Self::bind`] that depend on the count alone, with their messages.
    #[inline(always)]
    pub fn check_count(
        self,
        name: &str,
        qualified: &dyn std::fmt::Display,
        n: usize,
    ) -> CalcResult<()> {
        match self {
            // The common cases, in line.
            Params::One if n == 1 => Ok(()),
            Params::Positional { min, max } if (min..=max).contains(&n) => Ok(()),
            Params::Varargs | Params::Custom => Ok(()),
            _ => self.count_error(name, qualified, n),
        }
    }

    fn count_error(
        self,
        name: &str,
        qualified: &dyn std::fmt::Display,
        n: usize,
    ) -> CalcResult<()> {
        match self {
            Params::One if n != 1 => Err(type_error(format!(
                "{qualified}() takes exactly one argument ({n} given)"
            ))),
            Params::Positional { min, max } => check_positional(name, n, min, max),
            Params::Keywords {
                names,
                positional_only,
                required,
                max_positional,
            } => {
                count_errors(
                    name,
                    names.len(),
                    positional_only,
                    required,
                    max_positional,
                    n,
                    0,
                )?;
                match names.get(n) {
                    Some(missing) if n < required => Err(missing_required(name, missing, n)),
                    _ => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    /// Binds `positional` and `keywords` (in the order written) to the
    /// parameters, or fails as CPython would. `qualified` is the name
    /// CPython's `METH_O` and no-keyword messages use (`math.sqrt`), `name`
    /// the bare one (`sqrt`).
    pub fn bind<'k>(
        self,
        name: &str,
        qualified: &dyn std::fmt::Display,
        positional: Vec<Arg>,
        keywords: Vec<(&'k str, Arg)>,
    ) -> CalcResult<Bound<'k>> {
        let n = positional.len();
        let no_keywords = || type_error(format!("{qualified}() takes no keyword arguments"));
        let wrap = |args: Vec<Arg>| Bound {
            slots: args.into_iter().map(Some).collect(),
            keywords: Vec::new(),
        };
        match self {
            Params::One => {
                if !keywords.is_empty() {
                    return Err(no_keywords());
                }
                if n != 1 {
                    return Err(type_error(format!(
                        "{qualified}() takes exactly one argument ({n} given)"
                    )));
                }
                Ok(wrap(positional))
            }
            Params::Positional { min, max } => {
                if !keywords.is_empty() {
                    return Err(no_keywords());
                }
                check_positional(name, n, min, max)?;
                Ok(wrap(positional))
            }
            Params::Varargs => {
                if !keywords.is_empty() {
                    return Err(no_keywords());
                }
                Ok(wrap(positional))
            }
            Params::Custom => Ok(Bound {
                slots: positional.into_iter().map(Some).collect(),
                keywords,
            }),
            Params::Keywords {
                names,
                positional_only,
                required,
                max_positional,
            } => unpack_keywords(
                name,
                names,
                positional_only,
                required,
                max_positional,
                positional,
                keywords,
            ),
        }
    }
}

/// `_PyArg_CheckPositional` (and `PyArg_UnpackTuple`): `name expected ...`.
pub fn check_positional(name: &str, n: usize, min: usize, max: usize) -> CalcResult<()> {
    if n < min {
        let how = if min == max { "" } else { "at least " };
        return Err(type_error(format!(
            "{name} expected {how}{min} argument{}, got {n}",
            plural(min)
        )));
    }
    if n > max {
        let how = if min == max { "" } else { "at most " };
        return Err(type_error(format!(
            "{name} expected {how}{max} argument{}, got {n}",
            plural(max)
        )));
    }
    Ok(())
}

fn missing_required(name: &str, parameter: &str, i: usize) -> CalcError {
    type_error(format!(
        "{name}() missing required argument '{parameter}' (pos {})",
        i + 1
    ))
}

/// The checks of `_PyArg_UnpackKeywords` on the counts alone: `n`
/// positional and `keywords` keyword arguments.
fn count_errors(
    name: &str,
    max_args: usize,
    positional_only: usize,
    required: usize,
    max_positional: usize,
    n: usize,
    keywords: usize,
) -> CalcResult<()> {
    let total = n + keywords;
    if total > max_args {
        return Err(type_error(format!(
            "{name}() takes at most {max_args} {}argument{} ({total} given)",
            if n == 0 { "keyword " } else { "" },
            plural(max_args)
        )));
    }
    let min_positional = required.min(max_positional);
    if n > max_positional {
        if max_positional == 0 {
            return Err(type_error(format!(
                "{name}() takes no positional arguments"
            )));
        }
        return Err(type_error(format!(
            "{name}() takes {} {max_positional} positional argument{} ({n} given)",
            if min_positional < max_positional {
                "at most"
            } else {
                "exactly"
            },
            plural(max_positional)
        )));
    }
    // Only positional-only parameters are counted here; a missing one
    // that may be named is reported by name below.
    if n < required.min(positional_only) {
        return Err(type_error(format!(
            "{name}() takes {} {min_positional} positional argument{} ({n} given)",
            if min_positional < max_positional {
                "at least"
            } else {
                "exactly"
            },
            plural(min_positional)
        )));
    }
    Ok(())
}

/// CPython 3.11's `_PyArg_UnpackKeywords`, check for check: too many in
/// all, too many or too few by position, a required one missing, one
/// given both by position and by name, an unknown name.
fn unpack_keywords<'k>(
    name: &str,
    names: &[&str],
    positional_only: usize,
    required: usize,
    max_positional: usize,
    positional: Vec<Arg>,
    keywords: Vec<(&'k str, Arg)>,
) -> CalcResult<Bound<'k>> {
    let n = positional.len();
    let max_args = names.len();
    count_errors(
        name,
        max_args,
        positional_only,
        required,
        max_positional,
        n,
        keywords.len(),
    )?;
    let mut slots: Vec<Option<Arg>> = positional.into_iter().map(Some).collect();
    slots.resize(max_args, None);
    let find =
        |keywords: &[(&str, Arg)], wanted: &str| keywords.iter().position(|(k, _)| *k == wanted);
    // Parameters after the positional ones, from keywords; a required one
    // missing is reported at its place.
    let mut used = vec![false; keywords.len()];
    for i in n..max_args {
        let found = if i >= positional_only {
            find(&keywords, names[i])
        } else {
            None
        };
        match found {
            Some(k) => {
                slots[i] = Some(keywords[k].1.clone());
                used[k] = true;
            }
            None if i < required => return Err(missing_required(name, names[i], i)),
            None => {}
        }
    }
    if used.iter().any(|u| !u) {
        // Given by position and by name?
        for (i, parameter) in names.iter().enumerate().take(n).skip(positional_only) {
            if find(&keywords, parameter).is_some() {
                return Err(type_error(format!(
                    "argument for {name}() given by name ('{parameter}') and position ({})",
                    i + 1
                )));
            }
        }
        // An unknown name (a positional-only parameter's name is one).
        for (k, (keyword, _)) in keywords.iter().enumerate() {
            if !used[k] && !names.iter().skip(positional_only).any(|p| p == keyword) {
                return Err(type_error(format!(
                    "'{keyword}' is an invalid keyword argument for {name}()"
                )));
            }
        }
    }
    Ok(Bound {
        slots,
        keywords: Vec::new(),
    })
}

/// `'X' is an invalid keyword argument for NAME()`, for the functions that
/// read keywords themselves.
pub fn invalid_keyword(keyword: &str, name: &str) -> CalcError {
    type_error(format!(
        "'{keyword}' is an invalid keyword argument for {name}()"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(i: i64) -> Arg {
        Arg::Value(Value::from(i))
    }

    fn bind(params: Params, name: &str, n: usize, keywords: &[&str]) -> Result<usize, String> {
        let positional = (0..n as i64).map(arg).collect();
        let keywords: Vec<(&str, Arg)> = keywords.iter().map(|k| (*k, arg(9))).collect();
        let qualified = format!("math.{name}");
        if keywords.is_empty() {
            params
                .check_count(name, &qualified, n)
                .map_err(|e| e.to_string())?;
        }
        params
            .bind(name, &qualified, positional, keywords)
            .map(|b| b.slots.iter().filter(|s| s.is_some()).count())
            .map_err(|e| e.to_string())
    }

    const POW: Params = Params::Keywords {
        names: &["base", "exp", "mod"],
        positional_only: 0,
        required: 2,
        max_positional: 3,
    };
    const SUM: Params = Params::Keywords {
        names: &["iterable", "start"],
        positional_only: 1,
        required: 1,
        max_positional: 2,
    };
    const ISCLOSE: Params = Params::Keywords {
        names: &["a", "b", "rel_tol", "abs_tol"],
        positional_only: 0,
        required: 2,
        max_positional: 2,
    };

    /// Each message below is what CPython 3.11 says for the same call.
    #[test]
    fn keyword_binding_matches_cpython() {
        assert_eq!(
            bind(POW, "pow", 0, &[]),
            Err("pow() missing required argument 'base' (pos 1)".into())
        );
        assert_eq!(
            bind(POW, "pow", 1, &["foo"]),
            Err("pow() missing required argument 'exp' (pos 2)".into())
        );
        assert_eq!(
            bind(POW, "pow", 2, &["foo"]),
            Err("'foo' is an invalid keyword argument for pow()".into())
        );
        assert_eq!(
            bind(POW, "pow", 4, &[]),
            Err("pow() takes at most 3 arguments (4 given)".into())
        );
        assert_eq!(
            bind(POW, "pow", 1, &["base"]),
            Err("pow() missing required argument 'exp' (pos 2)".into())
        );
        assert_eq!(
            bind(POW, "pow", 2, &["base"]),
            Err("argument for pow() given by name ('base') and position (1)".into())
        );
        assert_eq!(bind(POW, "pow", 0, &["base", "exp"]), Ok(2));
        assert_eq!(bind(POW, "pow", 2, &["mod"]), Ok(3));
        assert_eq!(
            bind(SUM, "sum", 0, &["start"]),
            Err("sum() takes at least 1 positional argument (0 given)".into())
        );
        assert_eq!(
            bind(SUM, "sum", 1, &["iterable"]),
            Err("'iterable' is an invalid keyword argument for sum()".into())
        );
        assert_eq!(
            bind(SUM, "sum", 2, &["start"]),
            Err("sum() takes at most 2 arguments (3 given)".into())
        );
        assert_eq!(
            bind(ISCLOSE, "isclose", 3, &[]),
            Err("isclose() takes exactly 2 positional arguments (3 given)".into())
        );
        assert_eq!(
            bind(ISCLOSE, "isclose", 0, &["a", "b", "c", "d", "e"]),
            Err("isclose() takes at most 4 keyword arguments (5 given)".into())
        );
        assert_eq!(
            bind(Params::One, "sqrt", 2, &[]),
            Err("math.sqrt() takes exactly one argument (2 given)".into())
        );
        assert_eq!(
            bind(Params::One, "sqrt", 2, &["x"]),
            Err("math.sqrt() takes no keyword arguments".into())
        );
        let atan2 = Params::Positional { min: 2, max: 2 };
        assert_eq!(
            bind(atan2, "atan2", 1, &[]),
            Err("atan2 expected 2 arguments, got 1".into())
        );
        let perm = Params::Positional { min: 1, max: 2 };
        assert_eq!(
            bind(perm, "perm", 3, &[]),
            Err("perm expected at most 2 arguments, got 3".into())
        );
    }
}
