//! The calculator: a safe replacement for Python's `eval()` on arithmetic.
//!
//! SKELETON: the real parser/evaluator is being written on branch main by the
//! calc author; this placeholder only evaluates integer literals so that the
//! server can be built against the final API.

mod error;
mod limits;

pub use error::{CalcError, CalcResult};
pub use limits::Limits;

use std::collections::HashMap;
use std::fmt;

/// A calculator value: Python's `int` or `float`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Float(f64),
}

impl fmt::Display for Value {
    /// Python's `repr` of the value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
        }
    }
}

/// Evaluates one line with default limits and no variables.
pub fn eval(input: &str) -> CalcResult<Value> {
    Session::new().eval(input)
}

/// A calculator session: variables and `_` persist between lines, as in
/// Python's REPL.
#[derive(Debug, Clone, Default)]
pub struct Session {
    limits: Limits,
    variables: HashMap<String, Value>,
}

impl Session {
    pub fn new() -> Self {
        Session::with_limits(Limits::default())
    }

    pub fn with_limits(limits: Limits) -> Self {
        Session {
            limits,
            variables: HashMap::new(),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Evaluates one line: an expression, or `name = expression`.
    pub fn eval(&mut self, input: &str) -> CalcResult<Value> {
        let _ = &self.variables;
        input
            .trim()
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| CalcError::Syntax {
                column: 1,
                message: "placeholder".into(),
            })
    }
}

/// One row of the built-in function table: the name and a one-line help.
pub struct FunctionHelp {
    pub name: &'static str,
    pub signature: &'static str,
    pub help: &'static str,
}

/// The built-in functions, for `/help`.
pub fn functions() -> &'static [FunctionHelp] {
    &[]
}

/// The built-in constants, for `/help`.
pub const CONSTANTS: &[&str] = &["pi", "e", "tau", "inf", "nan"];

/// The operators, for `/help`.
pub const OPERATORS_HELP: &str =
    "+ - * / // % ** (^ is **), unary + -, parentheses; name = expr; _ is the last result";
