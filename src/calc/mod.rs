//! The calculator: a safe replacement for Python's `eval()` on numeric
//! expressions.
//!
//! For every expression of Python's numeric language, safecalc gives the
//! answer CPython 3.11's `eval()` gives, printed as Python's `repr`, and
//! the error CPython raises, with CPython's message:
//!
//! ```
//! use safecalc::calc;
//!
//! assert_eq!(calc::eval("2**100").unwrap().to_string(), "1267650600228229401496703205376");
//! assert_eq!(calc::eval("0.1 + 0.2").unwrap().to_string(), "0.30000000000000004");
//! assert_eq!(calc::eval("(-8)**(1/3)").unwrap().to_string(), "(1.0000000000000002+1.7320508075688772j)");
//! assert_eq!(calc::eval("divmod(17, 5)[0], 1 < 2 < 3, 0 or 5").unwrap().to_string(), "(3, True, 5)");
//! assert_eq!(calc::eval("[x*x for x in range(5) if x % 2]").unwrap().to_string(), "[1, 9]");
//! assert_eq!(calc::eval("sum(1/k**2 for k in range(1, 4))").unwrap().to_string(), "1.3611111111111112");
//! assert_eq!(calc::eval("hex(255), math.floor(-0.5), (5).bit_length()").unwrap().to_string(), "('0xff', -1, 3)");
//! assert_eq!(calc::eval("math.isqrt(10**40), comb(52, 5), gamma(0.5)**2").unwrap().to_string(), "(100000000000000000000, 2598960, 3.1415926535897927)");
//! assert_eq!(calc::eval("5 % 0").unwrap_err().to_string(), "integer modulo by zero");
//! ```
//!
//! **The values** ([`Value`]) are Python's: `int` (any size), `float`,
//! `complex`, `bool`, `None`, `tuple`, `list`, `range`, and `str` only as
//! `hex`, `bin` and `oct` make it (there are no string literals).
//! Functions are not values; nor are generator expressions, which are
//! consumed by the function they are passed to.
//!
//! **The language** is Python's expression grammar for those values:
//! every operator with Python's precedence ([`OPERATORS`]), subscripts and
//! slices, the numeric attributes (`.real`, `.bit_length()`, ...), the
//! builtins and the whole `math` module ([`FUNCTIONS`], [`CONSTANTS`]),
//! keyword arguments, list comprehensions and generator expressions. The
//! one departure: `^` means `**` unless [`Limits::caret`] makes it
//! Python's xor ([`Caret`]).
//!
//! For everything else, and for anything beyond its [`Limits`], it returns
//! a [`CalcError`] — never a panic, a hang or an unbounded allocation:
//!
//! ```
//! use safecalc::calc::{self, CalcError};
//!
//! assert!(matches!(calc::eval("1/0"), Err(CalcError::ZeroDivision(_))));
//! assert!(matches!(calc::eval("9**9**9**9"), Err(CalcError::IntTooLarge { .. })));
//! assert!(matches!(calc::eval("sum(1 for _ in range(10**12))"), Err(CalcError::TooMuchWork { .. })));
//! assert!(matches!(calc::eval("().__class__"), Err(CalcError::Unsupported(_))));
//! assert!(matches!(calc::eval("__import__('os')"), Err(CalcError::Syntax { column: 12, .. })));
//! ```
//!
//! A [`Session`] keeps variables between lines, and `_` holds the last
//! result, as in Python's REPL:
//!
//! ```
//! let mut session = safecalc::calc::Session::new();
//! session.eval("r = 2").unwrap();
//! assert_eq!(session.eval("pi * r**2").unwrap().to_string(), "12.566370614359172");
//! assert_eq!(session.eval("_ / 2").unwrap().to_string(), "6.283185307179586");
//! ```
//!
//! Layout: [`parser`](parse) builds an [`ast`] of the line; `eval` walks
//! it; [`value`] holds the values and their repr, `ops` Python's operators
//! on them, [`number`] the int and float rules, `complex` the complex
//! ones, `sequence` tuples, lists, strings and ranges; [`builtins`] the
//! fixed table of functions and constants (the math module's computed by
//! [`pymath`]), `attributes` the numeric attributes; `format` prints floats as Python does; `suggest` finds the
//! close name for a `NameError`; [`Limits`] bounds all of it. Nothing
//! here does I/O.

pub mod ast;
mod attributes;
pub mod builtins;
mod complex;
mod error;
mod eval;
mod format;
mod limits;
pub mod number;
mod ops;
pub(crate) mod parser;
pub mod pymath;
mod sequence;
mod suggest;
pub mod value;

use std::collections::HashMap;

pub use ast::{Expr, Statement};
pub use builtins::{Builtin, CONSTANTS, Constant, FUNCTIONS};
pub use complex::Complex;
pub use error::{CalcError, CalcResult};
pub use format::float_repr;
pub use limits::{Caret, Limits};
pub use number::Int;
pub use sequence::{Range, Sequence};
pub use value::Value;

use eval::NoVariables;
use number::Meter;

/// Evaluates one expression with the default [`Limits`] and no variables,
/// as CPython's `repr(eval(input))` would: the value, which can be printed
/// within the limits (an int of more than 4,300 digits is CPython's
/// `ValueError` when printed).
pub fn eval(input: &str) -> CalcResult<Value> {
    eval_with_limits(input, &Limits::DEFAULT)
}

/// Evaluates one expression with the given limits and no variables.
/// An assignment is accepted and its value returned, but binds nothing.
pub fn eval_with_limits(input: &str, limits: &Limits) -> CalcResult<Value> {
    // Evaluated where the parser leaves it, without a `Statement` (see
    // `parse_then`); an assignment's target is ignored.
    parser::parse_then(input, limits, |expr, _| evaluate(&expr, limits))
}

/// Parses one line with the default limits.
pub fn parse(input: &str) -> CalcResult<Statement> {
    parse_with_limits(input, &Limits::DEFAULT)
}

/// Parses one line, enforcing the input-length, depth and literal-size
/// limits; the tree can then be evaluated many times.
pub fn parse_with_limits(input: &str, limits: &Limits) -> CalcResult<Statement> {
    parser::parse_statement(input, limits)
}

/// Evaluates a parsed expression that uses no variables (its value, which
/// can be printed, as for [`eval`]).
///
/// Inlined into [`eval_with_limits`], and the result checked where it
/// lies rather than taken out of its `Result` and wrapped again: each of
/// those moves and the call were measurable in evaluating `1+2`.
#[inline]
pub fn evaluate(expr: &Expr, limits: &Limits) -> CalcResult<Value> {
    let result = eval::evaluate(expr, &NoVariables, &mut Meter::new(limits));
    if let Ok(value) = &result {
        value.check_printable(limits)?;
    }
    result
}

/// A calculator session: variables and `_` persist between lines, as in
/// Python's REPL. Each network connection has its own.
///
/// Its memory is bounded: at most [`Limits::max_variables`] variables,
/// holding at most [`Limits::max_session_bytes`] together with `_` (as
/// estimated by [`Value::memory_bytes`]).
#[derive(Debug, Clone, Default)]
pub struct Session {
    limits: Limits,
    /// Named variables, not `_`.
    variables: HashMap<String, Value>,
    /// The variables' names in the order they were first bound: the order
    /// in which CPython's suggestions consider them.
    order: Vec<String>,
    /// `_`: kept out of the map because every expression sets it, and a
    /// hashed insert per line was a measurable part of serving `1+2`.
    last_result: Option<Value>,
    /// The bytes the variables and `_` hold.
    memory: usize,
}

/// What an expression of a session sees: its named variables and `_`.
struct SessionVariables<'s> {
    named: &'s HashMap<String, Value>,
    order: &'s [String],
    last_result: Option<&'s Value>,
}

impl eval::Variables for SessionVariables<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        if name == LAST_RESULT {
            self.last_result
        } else {
            self.named.get(name)
        }
    }

    fn names(&self) -> Vec<&str> {
        let underscore = self.last_result.map(|_| LAST_RESULT);
        self.order
            .iter()
            .map(String::as_str)
            .chain(underscore)
            .collect()
    }
}

/// The name that holds the last result.
const LAST_RESULT: &str = "_";

impl Session {
    /// A session with the default limits.
    pub fn new() -> Self {
        Session::with_limits(Limits::DEFAULT)
    }

    pub fn with_limits(limits: Limits) -> Self {
        Session {
            limits,
            variables: HashMap::new(),
            order: Vec::new(),
            last_result: None,
            memory: 0,
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The session's variables (including `_` once a result exists).
    pub fn variables(&self) -> impl Iterator<Item = (&str, &Value)> {
        let named = self.variables.iter().map(|(k, v)| (k.as_str(), v));
        named.chain(self.last_result.as_ref().map(|v| (LAST_RESULT, v)))
    }

    /// The bytes the variables and `_` hold, as the session's memory bound
    /// counts them.
    pub fn memory_bytes(&self) -> usize {
        self.memory
    }

    /// Evaluates one line: an expression, or `name = expression`.
    ///
    /// An expression's value is returned if it can be printed (an error
    /// otherwise, as CPython's REPL fails to print it) and becomes `_`,
    /// unless it is `None`, which the REPL does not keep either.
    ///
    /// An assignment binds the name and leaves `_` alone, as Python's REPL
    /// does. The REPL prints nothing for it; this returns the value, to be
    /// shown as the line's answer, or `None` when the value is too long to
    /// print (the name is bound all the same: `x = 10**5000` then
    /// `x // 10**4990` works, as in Python).
    pub fn eval(&mut self, input: &str) -> CalcResult<Value> {
        let statement = parser::parse_statement(input, &self.limits)?;
        self.execute(&statement)
    }

    /// Executes a parsed statement (see [`Self::eval`]).
    pub fn execute(&mut self, statement: &Statement) -> CalcResult<Value> {
        let mut meter = Meter::new(&self.limits);
        let variables = SessionVariables {
            named: &self.variables,
            order: &self.order,
            last_result: self.last_result.as_ref(),
        };
        match statement {
            Statement::Expr(e) => {
                let value = eval::evaluate(e, &variables, &mut meter)?;
                if let Value::None = value {
                    return Ok(value);
                }
                if let Err(e) = value.check_printable(&self.limits) {
                    // CPython's display hook sets `_` to None before it
                    // tries to print.
                    self.set_last_result(Value::None)?;
                    return Err(e);
                }
                self.set_last_result(value.clone())?;
                Ok(value)
            }
            Statement::Assign { name, value } => {
                if builtins::is_builtin_name(name) {
                    return Err(CalcError::ReadOnlyName(name.clone()));
                }
                let value = eval::evaluate(value, &variables, &mut meter)?;
                if name == LAST_RESULT {
                    self.set_last_result(value.clone())?;
                } else {
                    self.bind(name, value.clone())?;
                }
                Ok(match value.check_printable(&self.limits) {
                    Ok(()) => value,
                    Err(_) => Value::None,
                })
            }
        }
    }

    /// Sets `_`, within the session's memory.
    fn set_last_result(&mut self, value: Value) -> CalcResult<()> {
        let old = self.last_result.as_ref().map_or(0, Value::memory_bytes);
        self.reserve(old, value.memory_bytes())?;
        self.last_result = Some(value);
        Ok(())
    }

    /// Binds a named variable, within the session's limits.
    fn bind(&mut self, name: &str, value: Value) -> CalcResult<()> {
        let new = value.memory_bytes() + name.len();
        if let Some(slot) = self.variables.get_mut(name) {
            let old = slot.memory_bytes() + name.len();
            let total = self.memory - old + new;
            if total > self.limits.max_session_bytes {
                return Err(CalcError::SessionMemory {
                    max: self.limits.max_session_bytes,
                });
            }
            *slot = value;
            self.memory = total;
            return Ok(());
        }
        if self.variables.len() >= self.limits.max_variables {
            return Err(CalcError::TooManyVariables {
                max: self.limits.max_variables,
            });
        }
        self.reserve(0, new)?;
        self.variables.insert(name.to_string(), value);
        self.order.push(name.to_string());
        Ok(())
    }

    /// Replaces `old` bytes of the session's memory with `new`, or fails
    /// if that would pass the limit (and changes nothing).
    fn reserve(&mut self, old: usize, new: usize) -> CalcResult<()> {
        let total = self.memory - old + new;
        if total > self.limits.max_session_bytes {
            return Err(CalcError::SessionMemory {
                max: self.limits.max_session_bytes,
            });
        }
        self.memory = total;
        Ok(())
    }
}

/// The built-in functions, for help screens.
pub fn functions() -> &'static [Builtin] {
    FUNCTIONS
}

/// The operators, lowest precedence first, as help screens list them:
/// `(operators, what they do)`.
pub const OPERATORS: &[(&str, &str)] = &[
    (
        "x if c else y",
        "conditional (only the chosen side is evaluated)",
    ),
    ("or", "the first true operand, or the last"),
    ("and", "the first false operand, or the last"),
    ("not x", "logical not"),
    (
        "< <= > >= == != in, not in",
        "comparisons, chained: 1 < x < 3",
    ),
    ("|", "bitwise or"),
    (
        "^",
        "bitwise xor, with --python-caret only (by default ^ is a power, see **)",
    ),
    ("&", "bitwise and"),
    ("<< >>", "shifts"),
    ("+ -", "addition, subtraction; joins tuples and lists"),
    (
        "* / // % @",
        "multiplication (repeats sequences), division, floor division, modulo",
    ),
    ("+x -x ~x", "unary plus, minus, bitwise not"),
    (
        "** (and ^)",
        "power, right-associative: -2**2 is -4, 2**3**2 is 512; 2^10 is 1024",
    ),
    (
        "f(x) x[i] x[a:b:c] x.attr",
        "calls, subscripts and slices, attributes",
    ),
];

/// The operators in one line, for short help.
pub const OPERATORS_HELP: &str = "lowest first: x if c else y; or; and; not; comparisons \
    (< <= > >= == != in, chained); |; ^ (power, or xor with --python-caret); &; << >>; + -; \
    * / // %; unary + - ~; ** (right-assoc); calls, x[i], x[a:b], x.attr. name = expr binds \
    a variable; _ is the last result";

/// The calculator's part of a help screen, from its own tables: the
/// operators by precedence, the `^` note, the functions by group, the
/// constants.
pub fn help() -> Vec<String> {
    let mut lines = vec!["operators: lowest precedence first".to_string()];
    let width = OPERATORS.iter().map(|(o, _)| o.len()).max().unwrap_or(0);
    for (operators, meaning) in OPERATORS {
        lines.push(format!("  {operators:width$}  {meaning}"));
    }
    lines.push(
        "values: int float complex (1j) bool None tuple list range, and the strings \
         hex/bin/oct return (shown, not computed with); [x*x for x in range(9) if x % 2] \
         and (x for x in ...) comprehensions"
            .to_string(),
    );
    lines.push(
        "attributes: x.real x.imag x.conjugate() n.numerator n.denominator \
         n.bit_length() n.bit_count() x.as_integer_ratio() f.is_integer()"
            .to_string(),
    );
    for group in builtins::Group::ALL {
        let names: Vec<&str> = FUNCTIONS
            .iter()
            .filter(|f| f.group == group)
            .map(|f| f.spelling)
            .collect();
        if !names.is_empty() {
            lines.push(format!("{}: {}", group.title(), names.join(" ")));
        }
    }
    lines.push(format!(
        "constants: {} (also as math.pi ...; math.NAME reaches every math function)",
        CONSTANTS
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(" ")
    ));
    lines.push("name = expr binds a variable; _ is the last result".to_string());
    lines
}
