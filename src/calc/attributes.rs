//! Attributes: the numeric ones, and nothing else.
//!
//! Python's attribute lookup is the road to everything `eval()` should not
//! reach (`().__class__.__bases__[0].__subclasses__()`): so the attributes
//! here are a fixed list, the ones a calculation needs, on numbers only:
//! `.real`, `.imag`, `.numerator`, `.denominator`, and the methods
//! `.conjugate()`, `.bit_length()`, `.bit_count()`, `.is_integer()`,
//! `.as_integer_ratio()`; and `math.NAME` for the math module's names.
//!
//! Any other attribute is refused, in one of two ways:
//! - one that the Python type does have (`__class__`, `from_bytes`,
//!   `append`) is outside the language ([`CalcError::Unsupported`]): Python
//!   would give it, safecalc will not;
//! - one that it does not have is Python's own `AttributeError`, with
//!   CPython's message and a suggestion among the attributes safecalc
//!   offers (`(1).bit_lenght()`: did you mean `bit_length`?).
//!
//! To tell the two apart, this module keeps the names `dir()` lists for
//! each type in CPython 3.11.

use num_bigint::BigInt;
use num_traits::{One, Zero};

use super::error::{CalcError, CalcResult, overflow_error, type_error, unsupported, value_error};
use super::number::{Int, Meter, float_parts, signed};
use super::sequence;
use super::suggest::suggestion;
use super::value::Value;

/// Every attribute safecalc offers on some number, and whether it is a
/// method: the only attribute names the language has.
pub(crate) const NUMBER_ATTRIBUTES: [(&str, bool); 9] = [
    ("real", false),
    ("imag", false),
    ("numerator", false),
    ("denominator", false),
    ("conjugate", true),
    ("bit_length", true),
    ("bit_count", true),
    ("is_integer", true),
    ("as_integer_ratio", true),
];

/// Refuses, when parsing, an attribute that no number offers, and a
/// method that is not called (`called`: a `(` follows). Whether the value
/// has it (an int has no `is_integer` in Python 3.11) is decided when it
/// is evaluated, with CPython's `AttributeError`.
pub(crate) fn check_name(name: &str, called: bool) -> CalcResult<()> {
    match NUMBER_ATTRIBUTES.iter().find(|(n, _)| *n == name) {
        None => Err(not_offered(name)),
        Some((_, true)) if !called => Err(unsupported(format!(
            "methods are not values: call it, as in x.{name}()"
        ))),
        Some(_) => Ok(()),
    }
}

/// The error for an attribute name no number offers (`__class__`,
/// `mro`), with the close one if there is one (`bit_lenght`).
pub(crate) fn not_offered(name: &str) -> CalcError {
    let close = suggestion(name, NUMBER_ATTRIBUTES.iter().map(|(n, _)| *n))
        .map(|s| format!(". Did you mean: '{s}'?"))
        .unwrap_or_default();
    unsupported(format!(
        "safecalc has no attribute '{name}': numbers offer only .real, .imag, .numerator, \
         .denominator, .conjugate(), .bit_length(), .bit_count(), .is_integer() and \
         .as_integer_ratio(){close}"
    ))
}

/// The attributes safecalc offers, by type, and whether each is a method.
fn offered(value: &Value) -> &'static [(&'static str, bool)] {
    match value {
        Value::Int(_) | Value::Bool(_) => &[
            ("real", false),
            ("imag", false),
            ("numerator", false),
            ("denominator", false),
            ("conjugate", true),
            ("bit_length", true),
            ("bit_count", true),
            ("as_integer_ratio", true),
        ],
        Value::Float(_) => &[
            ("real", false),
            ("imag", false),
            ("conjugate", true),
            ("is_integer", true),
            ("as_integer_ratio", true),
        ],
        Value::Complex(_) => &[("real", false), ("imag", false), ("conjugate", true)],
        _ => &[],
    }
}

/// What `dir()` lists for the type in CPython 3.11 besides what safecalc
/// offers (the dunder names are common to all and checked separately).
fn python_only(value: &Value) -> &'static [&'static str] {
    match value {
        Value::Int(_) | Value::Bool(_) => &["from_bytes", "to_bytes"],
        Value::Float(_) => &["fromhex", "hex"],
        Value::Tuple(_) => &["count", "index"],
        Value::List(_) => &[
            "append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove",
            "reverse", "sort",
        ],
        Value::Str(_) => &[
            "capitalize",
            "casefold",
            "center",
            "count",
            "encode",
            "endswith",
            "expandtabs",
            "find",
            "format",
            "format_map",
            "index",
            "isalnum",
            "isalpha",
            "isascii",
            "isdecimal",
            "isdigit",
            "isidentifier",
            "islower",
            "isnumeric",
            "isprintable",
            "isspace",
            "istitle",
            "isupper",
            "join",
            "ljust",
            "lower",
            "lstrip",
            "maketrans",
            "partition",
            "removeprefix",
            "removesuffix",
            "replace",
            "rfind",
            "rindex",
            "rjust",
            "rpartition",
            "rsplit",
            "rstrip",
            "split",
            "splitlines",
            "startswith",
            "strip",
            "swapcase",
            "title",
            "translate",
            "upper",
            "zfill",
        ],
        Value::Range(_) => &["count", "index", "start", "step", "stop"],
        _ => &[],
    }
}

/// Whether Python's object has the attribute (for the names safecalc does
/// not offer): its type's own names, and every dunder name, since every
/// object has some and they are exactly the ones an escape walks.
fn python_has(value: &Value, name: &str) -> bool {
    is_dunder(name) || python_only(value).contains(&name)
}

/// `__name__`: Python's special names, which every object and module has
/// some of.
fn is_dunder(name: &str) -> bool {
    name.starts_with("__") && name.ends_with("__") && name.len() > 4
}

/// The names of the math module that are not functions or constants.
const MATH_DUNDERS: [&str; 6] = [
    "__doc__",
    "__file__",
    "__loader__",
    "__name__",
    "__package__",
    "__spec__",
];

/// Looks `name` up on `value`: an attribute's value, or, for a method,
/// `Ok(None)` (the caller calls it, or refuses it as a value).
fn lookup(value: &Value, name: &str) -> CalcResult<Option<Value>> {
    match offered(value).iter().find(|(n, _)| *n == name) {
        Some((_, true)) => Ok(None),
        Some((_, false)) => attribute_value(value, name).map(Some),
        None if python_has(value, name) => Err(unsupported(format!(
            "'{}' object attribute '{name}' is not available: safecalc offers {}",
            value.type_name(),
            offered_list(value)
        ))),
        None => Err(CalcError::Attribute {
            message: format!("'{}' object has no attribute '{name}'", value.type_name()),
            suggestion: suggestion(name, offered(value).iter().map(|(n, _)| *n)).map(Into::into),
        }),
    }
}

/// The offered attributes of a type, for messages.
fn offered_list(value: &Value) -> String {
    let names: Vec<String> = offered(value)
        .iter()
        .map(|(n, method)| {
            if *method {
                format!(".{n}()")
            } else {
                format!(".{n}")
            }
        })
        .collect();
    if names.is_empty() {
        "attributes on numbers only".to_string()
    } else {
        format!("only {}", names.join(" "))
    }
}

/// `value.name`, not called.
pub fn get(value: &Value, name: &str) -> CalcResult<Value> {
    match lookup(value, name)? {
        Some(v) => Ok(v),
        None => Err(unsupported(format!(
            "methods are not values: call it, as in x.{name}()"
        ))),
    }
}

/// `math.name` for a name that is not one of the module's functions or
/// constants (those the parser has resolved).
pub fn math(name: &str) -> CalcError {
    if super::builtins::math_function(name).is_some() {
        return unsupported(format!(
            "functions are not values: call it, as in math.{name}(x)"
        ));
    }
    if MATH_DUNDERS.contains(&name) || is_dunder(name) {
        return unsupported(format!(
            "the math module's attribute '{name}' is not available in safecalc"
        ));
    }
    let names = super::builtins::FUNCTIONS
        .iter()
        .filter(|f| f.module == super::builtins::Module::Math)
        .map(|f| f.name)
        .chain(super::builtins::CONSTANTS.iter().map(|c| c.name));
    CalcError::Attribute {
        message: format!("module 'math' has no attribute '{name}'"),
        suggestion: suggestion(name, names).map(Into::into),
    }
}

fn attribute_value(value: &Value, name: &str) -> CalcResult<Value> {
    Ok(match (value, name) {
        (Value::Int(_) | Value::Bool(_), "real" | "numerator") => {
            Value::Int(value.as_int().unwrap_or(Int::Small(0)))
        }
        (Value::Int(_) | Value::Bool(_), "imag") => Value::from(0),
        (Value::Int(_) | Value::Bool(_), "denominator") => Value::from(1),
        // The float itself: the same object, as in CPython.
        (Value::Float(_), "real") => value.clone(),
        (Value::Float(_), "imag") => Value::Float(0.0),
        (Value::Complex(c), "real") => Value::Float(c.re),
        (Value::Complex(c), "imag") => Value::Float(c.im),
        _ => return Err(type_error(format!("no attribute {name}"))),
    })
}

/// `value.name(args)`: `positional` and `keywords` are the counts of the
/// call's arguments (none of the methods takes any).
pub fn call_method(
    value: &Value,
    name: &str,
    positional: usize,
    keywords: usize,
    meter: &mut Meter,
) -> CalcResult<Value> {
    let Some(attribute) = lookup(value, name)? else {
        let owner = match value {
            Value::Bool(_) => "int",
            other => other.type_name(),
        };
        if keywords > 0 {
            return Err(type_error(format!(
                "{owner}.{name}() takes no keyword arguments"
            )));
        }
        if positional > 0 {
            return Err(type_error(format!(
                "{owner}.{name}() takes no arguments ({positional} given)"
            )));
        }
        meter.step()?;
        return method(value, name, meter);
    };
    // An attribute that is a value is not callable.
    Err(type_error(format!(
        "'{}' object is not callable",
        attribute.type_name()
    )))
}

fn method(value: &Value, name: &str, meter: &mut Meter) -> CalcResult<Value> {
    match (value, name) {
        (Value::Int(_) | Value::Bool(_), "conjugate") => {
            Ok(Value::Int(value.as_int().unwrap_or(Int::Small(0))))
        }
        (Value::Int(_) | Value::Bool(_), "bit_length") => {
            let i = value.as_int().unwrap_or(Int::Small(0));
            Ok(Value::from(i.bits() as i64))
        }
        (Value::Int(_) | Value::Bool(_), "bit_count") => {
            let i = value.as_int().unwrap_or(Int::Small(0));
            meter.charge(i.words())?;
            let ones = match &i {
                Int::Small(s) => u64::from(s.unsigned_abs().count_ones()),
                Int::Big(b) => b.magnitude().count_ones(),
            };
            Ok(Value::from(ones as i64))
        }
        (Value::Int(_) | Value::Bool(_), "as_integer_ratio") => {
            let i = value.as_int().unwrap_or(Int::Small(0));
            sequence::tuple(vec![Value::Int(i), Value::from(1)], meter)
        }
        (Value::Float(_), "conjugate") => Ok(value.clone()),
        (Value::Float(x), "is_integer") => Ok(Value::Bool(x.is_finite() && x.fract() == 0.0)),
        (Value::Float(x), "as_integer_ratio") => float_ratio(*x, meter),
        (Value::Complex(c), "conjugate") => Ok(Value::complex(c.re, -c.im)),
        _ => Err(type_error(format!("no method {name}"))),
    }
}

/// `float.as_integer_ratio()`: the exact fraction in lowest terms.
fn float_ratio(x: f64, meter: &mut Meter) -> CalcResult<Value> {
    if x.is_nan() {
        return Err(value_error("cannot convert NaN to integer ratio"));
    }
    if x.is_infinite() {
        return Err(overflow_error("cannot convert Infinity to integer ratio"));
    }
    let (negative, mantissa, exponent) = float_parts(x);
    let (numerator, denominator) = if mantissa == 0 {
        (BigInt::zero(), BigInt::one())
    } else {
        let shift = mantissa.trailing_zeros() as i64;
        let (mantissa, exponent) = (mantissa >> shift, exponent + shift);
        let m = signed(negative, mantissa.into());
        if exponent >= 0 {
            (m << exponent as u64, BigInt::one())
        } else {
            (m, BigInt::one() << (-exponent) as u64)
        }
    };
    sequence::tuple(
        vec![
            Value::Int(Int::from(numerator)),
            Value::Int(Int::from(denominator)),
        ],
        meter,
    )
}
