//! The syntax tree of one line, and how to print it back.
//!
//! Left-associative chains (`a + b - c`, `a * b / c`) are kept flat as a
//! [`Expr::Chain`] instead of a left-deep tree of binary nodes: a 2,000-term
//! sum is then one node with a `Vec`, so evaluating it, printing it and even
//! dropping it never recurses deeper than the nesting the user wrote, which
//! the parser bounds by [`Limits::max_depth`](super::Limits::max_depth).
//!
//! Printing (`Display`) produces text that parses back to the same tree; the
//! property tests and the `roundtrip` fuzz target rely on that.

use std::fmt;

use super::builtins::{Builtin, Constant};
use super::format::float_repr;
use super::number::Int;

/// One line: an expression, or an assignment to a variable.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Expr(Expr),
    Assign { name: String, value: Expr },
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// An integer literal (any base in the source; the value is kept).
    Int(Int),
    /// A float literal: finite and non-negative, or `inf` from an overflowing
    /// literal such as `1e999`.
    Float(f64),
    /// A built-in constant (`pi`), resolved at parse time since it cannot be
    /// rebound.
    Constant(&'static Constant),
    /// A variable (or `_`), looked up when evaluated.
    Variable(String),
    /// `+x` or `-x`.
    Unary { op: UnaryOp, operand: Box<Expr> },
    /// `first op1 e1 op2 e2 ...`, all operators of one precedence level,
    /// applied left to right.
    Chain {
        first: Box<Expr>,
        rest: Vec<(BinaryOp, Expr)>,
    },
    /// `base ** exponent` (right-associative, so `exponent` may be another
    /// power).
    Power {
        base: Box<Expr>,
        exponent: Box<Expr>,
    },
    /// A call of a built-in function, or of a name that is not one (an
    /// error when evaluated, as in Python).
    Call { callee: Callee, args: Vec<Expr> },
}

/// What a call names.
#[derive(Debug, Clone, PartialEq)]
pub enum Callee {
    Builtin(&'static Builtin),
    /// Not a function: Python raises `NameError` (or `TypeError` for a
    /// variable or constant) when the call is evaluated.
    Other(String),
}

impl Callee {
    pub fn name(&self) -> &str {
        match self {
            Callee::Builtin(b) => b.name,
            Callee::Other(name) => name,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Plus,
    Minus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    TrueDiv,
    FloorDiv,
    Mod,
}

/// Binding strength, lowest first, as in Python's grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precedence {
    Additive,
    Multiplicative,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::TrueDiv => "/",
            BinaryOp::FloorDiv => "//",
            BinaryOp::Mod => "%",
        }
    }

    pub fn precedence(self) -> Precedence {
        match self {
            BinaryOp::Add | BinaryOp::Sub => Precedence::Additive,
            _ => Precedence::Multiplicative,
        }
    }
}

impl UnaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Plus => "+",
            UnaryOp::Minus => "-",
        }
    }
}

impl Expr {
    /// The precedence of a chain, if this is one.
    fn chain_precedence(&self) -> Option<Precedence> {
        match self {
            Expr::Chain { rest, .. } => rest.first().map(|(op, _)| op.precedence()),
            _ => None,
        }
    }
}

/// Writes `e`, in parentheses when `needs_parens`.
fn write_operand(f: &mut fmt::Formatter<'_>, e: &Expr, needs_parens: bool) -> fmt::Result {
    if needs_parens {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Int(i) => write!(f, "{i}"),
            // `repr` reads back exactly; `inf` would read back as a name.
            Expr::Float(x) if x.is_infinite() => f.write_str("1e999"),
            Expr::Float(x) => f.write_str(&float_repr(*x)),
            Expr::Constant(c) => f.write_str(c.name),
            Expr::Variable(name) => f.write_str(name),
            Expr::Unary { op, operand } => {
                f.write_str(op.symbol())?;
                write_operand(f, operand, operand.chain_precedence().is_some())
            }
            Expr::Chain { first, rest } => {
                let level = self.chain_precedence();
                // A nested chain of the same or a lower level keeps its
                // parentheses, so that the tree reads back unchanged.
                let needs = |e: &Expr| e.chain_precedence().is_some_and(|p| Some(p) <= level);
                write_operand(f, first, needs(first))?;
                for (op, operand) in rest {
                    write!(f, " {} ", op.symbol())?;
                    write_operand(f, operand, needs(operand))?;
                }
                Ok(())
            }
            Expr::Power { base, exponent } => {
                let base_parens = matches!(
                    **base,
                    Expr::Unary { .. } | Expr::Chain { .. } | Expr::Power { .. }
                );
                write_operand(f, base, base_parens)?;
                f.write_str(" ** ")?;
                write_operand(f, exponent, exponent.chain_precedence().is_some())
            }
            Expr::Call { callee, args } => {
                write!(f, "{}(", callee.name())?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statement::Expr(e) => write!(f, "{e}"),
            Statement::Assign { name, value } => write!(f, "{name} = {value}"),
        }
    }
}
