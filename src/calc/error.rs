//! The calculator's one error type.
//!
//! Every way an expression can fail is a variant a library user can match
//! on, in three families:
//!
//! - **Python's errors**: where CPython 3.11's `eval()` raises, safecalc
//!   fails with the same exception class ([`CalcError::python_exception`])
//!   and the same message, word for word ([`CalcError::python_message`]),
//!   as the oracle test checks. Syntax errors are the exception: safecalc
//!   writes its own messages, which name the column.
//! - **Limits** ([`CalcError::is_limit`]): where CPython would compute (or
//!   run out of memory), safecalc refuses before computing, because the
//!   result or the work is beyond a [`Limits`](crate::calc::Limits) bound.
//! - **Outside the language** ([`CalcError::is_outside_language`]): what
//!   Python can do and safecalc refuses by design (strings, functions as
//!   values, attributes other than the numeric ones).
//!
//! Messages are `Cow<'static, str>`: most are fixed texts, and an error
//! only allocates when its message names a value's type or a number.

use std::borrow::Cow;

use thiserror::Error;

/// A message: a fixed text or one formatted for the occasion.
pub type Message = Cow<'static, str>;

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalcError {
    /// The text is not an expression of the language. `column` is 1-based and
    /// counts characters, so it can be used to point under the input.
    #[error("syntax error at column {column}: {message}")]
    Syntax { column: usize, message: String },

    /// Python's `NameError`: a name that is neither a variable nor a
    /// built-in. `suggestion` is the close name CPython's REPL would offer
    /// (its rule, safecalc's names); it is shown after the message, as the
    /// REPL shows it, but is not part of Python's `str(exc)`.
    #[error("name '{name}' is not defined{}", did_you_mean(suggestion))]
    UnknownName {
        name: String,
        suggestion: Option<Box<str>>,
    },

    /// Python's `UnboundLocalError`: a comprehension's loop variable read
    /// before its loop has given it a value.
    #[error("cannot access local variable '{0}' where it is not associated with a value")]
    UnboundLocal(String),

    /// Python's `AttributeError`, with a suggestion as for names.
    #[error("{message}{}", did_you_mean(suggestion))]
    Attribute {
        message: String,
        suggestion: Option<Box<str>>,
    },

    /// Python's `ZeroDivisionError`.
    #[error("{0}")]
    ZeroDivision(Message),

    /// Python's `ValueError` (`math domain error`, `negative shift count`,
    /// the 4,300-digit rule, ...).
    #[error("{0}")]
    Value(Message),

    /// Python's `OverflowError`.
    #[error("{0}")]
    Overflow(Message),

    /// Python's `TypeError` (wrong operand or argument types, wrong
    /// argument counts).
    #[error("{0}")]
    Type(Message),

    /// Python's `IndexError`.
    #[error("{0}")]
    Index(Message),

    /// An attempt to assign to a built-in name (a function, a constant,
    /// `math`): Python would allow it, but here those names are fixed, so
    /// that a line always means what it says.
    #[error("cannot assign to '{0}': it is a built-in name")]
    ReadOnlyName(String),

    /// Something Python can do that safecalc refuses by design: string
    /// literals, functions or generators used as values, attributes other
    /// than the numeric ones, conversions from text.
    #[error("{0}")]
    Unsupported(Message),

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

    /// A tuple, list or string would be longer than
    /// [`Limits::max_sequence_len`](crate::calc::Limits::max_sequence_len).
    #[error("sequence too long (max {max} items)")]
    SequenceTooLong { max: usize },

    /// The result's text would be longer than
    /// [`Limits::max_result_chars`](crate::calc::Limits::max_result_chars).
    #[error("result too long to print (max {max} characters)")]
    ResultTooLong { max: usize },

    /// The session's variables would hold more than
    /// [`Limits::max_session_bytes`](crate::calc::Limits::max_session_bytes).
    #[error("session memory full (max {max} bytes of variables)")]
    SessionMemory { max: usize },
}

/// CPython's REPL trailer for a suggestion.
fn did_you_mean(suggestion: &Option<Box<str>>) -> String {
    match suggestion {
        Some(name) => format!(". Did you mean: '{name}'?"),
        None => String::new(),
    }
}

impl CalcError {
    /// The CPython exception class `eval()` raises for the same input, or
    /// `None` where safecalc refuses an input that Python would accept
    /// (limits, and what is outside the language).
    pub fn python_exception(&self) -> Option<&'static str> {
        match self {
            CalcError::Syntax { .. } => Some("SyntaxError"),
            CalcError::UnknownName { .. } => Some("NameError"),
            CalcError::UnboundLocal(_) => Some("UnboundLocalError"),
            CalcError::Attribute { .. } => Some("AttributeError"),
            CalcError::ZeroDivision(_) => Some("ZeroDivisionError"),
            CalcError::Value(_) => Some("ValueError"),
            CalcError::Overflow(_) => Some("OverflowError"),
            CalcError::Type(_) => Some("TypeError"),
            CalcError::Index(_) => Some("IndexError"),
            CalcError::ReadOnlyName(_)
            | CalcError::Unsupported(_)
            | CalcError::TooDeep { .. }
            | CalcError::IntTooLarge { .. }
            | CalcError::TooMuchWork { .. }
            | CalcError::InputTooLong { .. }
            | CalcError::TooManyVariables { .. }
            | CalcError::SequenceTooLong { .. }
            | CalcError::ResultTooLong { .. }
            | CalcError::SessionMemory { .. } => None,
        }
    }

    /// Python's `str(exc)` for the exception CPython raises, exactly: the
    /// message without the REPL's suggestion. `None` for syntax errors
    /// (whose messages are safecalc's own, naming the column) and for
    /// errors CPython would not raise.
    pub fn python_message(&self) -> Option<String> {
        match self {
            CalcError::Syntax { .. } => None,
            CalcError::UnknownName { name, .. } => Some(format!("name '{name}' is not defined")),
            CalcError::UnboundLocal(_) => Some(self.to_string()),
            CalcError::Attribute { message, .. } => Some(message.clone()),
            CalcError::ZeroDivision(m)
            | CalcError::Value(m)
            | CalcError::Overflow(m)
            | CalcError::Type(m)
            | CalcError::Index(m) => Some(m.to_string()),
            _ => None,
        }
    }

    /// The close name offered for an unknown name or attribute, if any.
    pub fn suggestion(&self) -> Option<&str> {
        match self {
            CalcError::UnknownName { suggestion, .. } | CalcError::Attribute { suggestion, .. } => {
                suggestion.as_deref()
            }
            _ => None,
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
                | CalcError::SequenceTooLong { .. }
                | CalcError::ResultTooLong { .. }
                | CalcError::SessionMemory { .. }
        )
    }

    /// True for what Python can do and safecalc refuses by design.
    pub fn is_outside_language(&self) -> bool {
        matches!(self, CalcError::Unsupported(_) | CalcError::ReadOnlyName(_))
    }

    /// A `NameError` without a suggestion (one is added where the names
    /// in scope are known).
    pub fn unknown_name(name: &str) -> CalcError {
        CalcError::UnknownName {
            name: name.to_string(),
            suggestion: None,
        }
    }
}

/// The calculator's result type.
pub type CalcResult<T> = Result<T, CalcError>;

/// Shorthands for the Python errors, whose messages are mostly fixed texts.
pub(crate) fn type_error(message: impl Into<Message>) -> CalcError {
    CalcError::Type(message.into())
}

pub(crate) fn value_error(message: impl Into<Message>) -> CalcError {
    CalcError::Value(message.into())
}

pub(crate) fn overflow_error(message: impl Into<Message>) -> CalcError {
    CalcError::Overflow(message.into())
}

pub(crate) fn zero_division(message: impl Into<Message>) -> CalcError {
    CalcError::ZeroDivision(message.into())
}

pub(crate) fn index_error(message: impl Into<Message>) -> CalcError {
    CalcError::Index(message.into())
}

pub(crate) fn unsupported(message: impl Into<Message>) -> CalcError {
    CalcError::Unsupported(message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every result of the evaluator carries a `CalcError`: it must not
    /// grow past the six words it has always had (so that a
    /// `CalcResult<Value>` stays six words too).
    #[test]
    fn the_error_stays_small() {
        assert!(std::mem::size_of::<CalcError>() <= 48);
        assert!(std::mem::size_of::<CalcResult<crate::calc::Value>>() <= 48);
        assert_eq!(std::mem::size_of::<crate::calc::Value>(), 16);
    }

    #[test]
    fn the_suggestion_is_shown_but_is_not_pythons_message() {
        let e = CalcError::UnknownName {
            name: "sqr".into(),
            suggestion: Some("sqrt".into()),
        };
        assert_eq!(
            e.to_string(),
            "name 'sqr' is not defined. Did you mean: 'sqrt'?"
        );
        assert_eq!(
            e.python_message().as_deref(),
            Some("name 'sqr' is not defined")
        );
        assert_eq!(e.suggestion(), Some("sqrt"));
        assert_eq!(
            CalcError::unknown_name("zz").to_string(),
            "name 'zz' is not defined"
        );
    }
}
