//! The calculator: a safe replacement for Python's `eval()` on arithmetic.
//!
//! For every expression of the arithmetic subset of Python, safecalc gives
//! the answer CPython's `eval()` gives, printed as Python's `repr`:
//!
//! ```
//! use safecalc::calc;
//!
//! assert_eq!(calc::eval("2**100").unwrap().to_string(), "1267650600228229401496703205376");
//! assert_eq!(calc::eval("0.1 + 0.2").unwrap().to_string(), "0.30000000000000004");
//! assert_eq!(calc::eval("-7 // 2").unwrap().to_string(), "-4");
//! assert_eq!(calc::eval("round(2.675, 2)").unwrap().to_string(), "2.67");
//! ```
//!
//! For everything else it returns a [`CalcError`] — never a panic, a hang or
//! an unbounded allocation:
//!
//! ```
//! use safecalc::calc::{self, CalcError};
//!
//! assert!(matches!(calc::eval("1/0"), Err(CalcError::ZeroDivision(_))));
//! assert!(matches!(calc::eval("9**9**9**9"), Err(CalcError::IntTooLarge { .. })));
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
//! The one departure from Python's syntax: `^` means `**`, as on calculators
//! (in Python it is bitwise xor).
//!
//! Layout: [`parser`](parse) builds an [`ast`] of the line; [`number`] holds
//! Python's int and float rules; [`builtins`] the fixed table of functions
//! and constants; `eval` walks the tree; `format` prints floats as Python
//! does; [`Limits`] bounds all of it. Nothing here does I/O.

pub mod ast;
pub mod builtins;
mod error;
mod eval;
mod format;
mod limits;
pub mod number;
mod parser;
pub mod pymath;

use std::collections::HashMap;

pub use ast::{Expr, Statement};
pub use builtins::{Builtin, CONSTANTS, Constant, FUNCTIONS};
pub use error::{CalcError, CalcResult};
pub use format::float_repr;
pub use limits::Limits;
pub use number::{Int, Value};

use eval::NoVariables;
use number::Meter;

/// Evaluates one expression with the default [`Limits`] and no variables.
pub fn eval(input: &str) -> CalcResult<Value> {
    eval_with_limits(input, &Limits::DEFAULT)
}

/// Evaluates one expression with the given limits and no variables.
/// An assignment is accepted and its value returned, but binds nothing.
pub fn eval_with_limits(input: &str, limits: &Limits) -> CalcResult<Value> {
    let expr = match parse_with_limits(input, limits)? {
        Statement::Expr(e) | Statement::Assign { value: e, .. } => e,
    };
    evaluate(&expr, limits)
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

/// Evaluates a parsed expression that uses no variables.
pub fn evaluate(expr: &Expr, limits: &Limits) -> CalcResult<Value> {
    eval::evaluate(expr, &NoVariables, &mut Meter::new(limits))
}

/// A calculator session: variables and `_` persist between lines, as in
/// Python's REPL. Each network connection has its own.
#[derive(Debug, Clone, Default)]
pub struct Session {
    limits: Limits,
    /// Named variables, not `_`.
    variables: HashMap<String, Value>,
    /// `_`: kept out of the map because every expression sets it, and a
    /// hashed insert per line was a measurable part of serving `1+2`.
    last_result: Option<Value>,
}

/// What an expression of a session sees: its named variables and `_`.
struct SessionVariables<'s> {
    named: &'s HashMap<String, Value>,
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
            last_result: None,
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

    /// Evaluates one line: an expression, or `name = expression`.
    ///
    /// An expression's value becomes `_`; an assignment binds the name and
    /// returns the value (leaving `_` alone, as Python's REPL does).
    pub fn eval(&mut self, input: &str) -> CalcResult<Value> {
        let statement = parser::parse_statement(input, &self.limits)?;
        self.execute(&statement)
    }

    /// Executes a parsed statement.
    pub fn execute(&mut self, statement: &Statement) -> CalcResult<Value> {
        let mut meter = Meter::new(&self.limits);
        let variables = SessionVariables {
            named: &self.variables,
            last_result: self.last_result.as_ref(),
        };
        match statement {
            Statement::Expr(e) => {
                let value = eval::evaluate(e, &variables, &mut meter)?;
                self.last_result = Some(value.clone());
                Ok(value)
            }
            Statement::Assign { name, value } => {
                if builtins::is_builtin_name(name) {
                    return Err(CalcError::ReadOnlyName(name.clone()));
                }
                let value = eval::evaluate(value, &variables, &mut meter)?;
                if name == LAST_RESULT {
                    self.last_result = Some(value.clone());
                    return Ok(value);
                }
                if let Some(slot) = self.variables.get_mut(name.as_str()) {
                    *slot = value.clone();
                } else if self.variables.len() >= self.limits.max_variables {
                    return Err(CalcError::TooManyVariables {
                        max: self.limits.max_variables,
                    });
                } else {
                    self.variables.insert(name.clone(), value.clone());
                }
                Ok(value)
            }
        }
    }
}

/// The built-in functions, for help screens.
pub fn functions() -> &'static [Builtin] {
    &FUNCTIONS
}

/// The operators, for help screens.
pub const OPERATORS_HELP: &str = "+ - * / // % ** (^ means **), unary + -, parentheses; name = expr binds a variable; _ is the last result";
