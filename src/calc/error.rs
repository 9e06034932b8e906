//! The calculator's one error type.
//!
//! Every way an expression can fail is a variant a library user can match on.
//! Where CPython's `eval()` would raise, [`CalcError::python_exception`] names
//! the exception class it would raise, so tests can check that safecalc fails
//! exactly where Python does (and says why it fails where Python would not).

use thiserror::Error;

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalcError {
    /// The text is not an expression of the language. `column` is 1-based and
    /// counts characters, so it can be used to point under the input.
    #[error("syntax error at column {column}: {message}")]
    Syntax { column: usize, message: String },

    /// A name that is neither a variable, a constant nor a function.
    #[error("name '{0}' is not defined")]
    UnknownName(String),

    /// An attempt to assign to a constant or a function name.
    #[error("cannot assign to '{0}': it is a built-in name")]
    ReadOnlyName(String),

    /// Division or modulo by zero, or zero raised to a negative power.
    #[error("{0}")]
    ZeroDivision(&'static str),

    /// An argument outside a function's domain (`sqrt(-1)`, `log(0)`).
    #[error("math domain error")]
    MathDomain,

    /// A result too large to represent as a float.
    #[error("{0}")]
    Overflow(&'static str),

    /// A value the function cannot take (`factorial(-1)`, `floor(nan)`).
    #[error("{0}")]
    InvalidValue(String),

    /// The result would be a complex number (`(-8)**(1/3)`), which safecalc
    /// does not support; Python would return a `complex`.
    #[error("the result is a complex number, which safecalc does not support")]
    ComplexResult,

    /// An argument of the wrong type (`factorial(2.5)`, `gcd(1.0, 2)`).
    #[error("{0}")]
    Type(String),

    /// A function called with the wrong number of arguments.
    #[error("{function}() takes {expected} ({got} given)")]
    Arity {
        function: &'static str,
        expected: &'static str,
        got: usize,
    },

    /// The expression nests deeper than [`Limits::max_depth`](crate::calc::Limits::max_depth).
    #[error("expression nested too deeply (max depth {max})")]
    TooDeep { max: usize },

    /// An integer would exceed [`Limits::max_int_digits`](crate::calc::Limits::max_int_digits).
    #[error("integer too large (max {max} decimal digits)")]
    IntTooLarge { max: usize },

    /// The evaluation would need more work than [`Limits::max_work`](crate::calc::Limits::max_work) allows.
    #[error("expression too expensive to evaluate (work limit {max})")]
    TooMuchWork { max: u64 },

    /// The input is longer than [`Limits::max_input_bytes`](crate::calc::Limits::max_input_bytes).
    #[error("expression too long (max {max} bytes)")]
    InputTooLong { max: usize },

    /// The session already holds [`Limits::max_variables`](crate::calc::Limits::max_variables) variables.
    #[error("too many variables (max {max})")]
    TooManyVariables { max: usize },
}

impl CalcError {
    /// The CPython exception class `eval()` raises for the same input, or
    /// `None` where safecalc refuses an input that Python would accept
    /// (limits, and complex results).
    pub fn python_exception(&self) -> Option<&'static str> {
        match self {
            CalcError::Syntax { .. } => Some("SyntaxError"),
            CalcError::UnknownName(_) => Some("NameError"),
            CalcError::ZeroDivision(_) => Some("ZeroDivisionError"),
            CalcError::MathDomain | CalcError::InvalidValue(_) => Some("ValueError"),
            CalcError::Overflow(_) => Some("OverflowError"),
            CalcError::Type(_) | CalcError::Arity { .. } => Some("TypeError"),
            CalcError::ReadOnlyName(_)
            | CalcError::ComplexResult
            | CalcError::TooDeep { .. }
            | CalcError::IntTooLarge { .. }
            | CalcError::TooMuchWork { .. }
            | CalcError::InputTooLong { .. }
            | CalcError::TooManyVariables { .. } => None,
        }
    }

    /// True for the errors that come from a [`Limits`](crate::calc::Limits)
    /// check rather than from the expression's meaning.
    pub fn is_limit(&self) -> bool {
        matches!(
            self,
            CalcError::TooDeep { .. }
                | CalcError::IntTooLarge { .. }
                | CalcError::TooMuchWork { .. }
                | CalcError::InputTooLong { .. }
                | CalcError::TooManyVariables { .. }
        )
    }
}

/// The calculator's result type.
pub type CalcResult<T> = Result<T, CalcError>;
