//! The grammar: text to [`Statement`], with nom.
//!
//! One method per grammar rule, in Python's precedence order (lowest first):
//!
//! ```text
//! statement := NAME '=' expr | expr
//! expr      := term   (('+' | '-') term)*              left-assoc, kept flat
//! term      := factor (('*' | '/' | '//' | '%') factor)* left-assoc, kept flat
//! factor    := ('+' | '-')* power                      unary binds looser than **
//! power     := primary [('**' | '^') factor]           right-assoc: 2**3**2 = 512
//! primary   := NUMBER | NAME | NAME '(' [expr (',' expr)* [',']] ')' | '(' expr ')'
//! ```
//!
//! `power`'s right operand is a `factor`, which is why `-2**2` is `-4` and
//! `2**-1` is `0.5`, exactly as in Python.
//!
//! Safety: the grammar recurses, so every place where nesting can grow
//! (parentheses, unary signs, `**` exponents, call arguments) enters a depth
//! guard, and input deeper than [`Limits::max_depth`] is an error long before
//! the stack is in danger. Chains of `+` or `*` do not nest at all. Nothing
//! here backtracks over more than one token, so parsing is linear in the
//! input (no super-linear blow-up on `-----1`).

use std::cell::Cell;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while};
use nom::character::complete::{char, satisfy};
use nom::combinator::{cut, not, opt, recognize, value};
use nom::error::{ErrorKind, ParseError};
use nom::multi::fold_many0;
use nom::sequence::{pair, preceded, terminated};
use nom::{IResult, Parser};
use num_bigint::BigUint;
use num_traits::Num;

use super::ast::{BinaryOp, Callee, Expr, Statement, UnaryOp};
use super::builtins;
use super::error::{CalcError, CalcResult};
use super::limits::Limits;
use super::number::{Int, Meter};

/// Parses one line into a statement, enforcing `limits` on input length,
/// nesting depth and the size of integer literals.
pub fn parse_statement(input: &str, limits: &Limits) -> CalcResult<Statement> {
    if input.len() > limits.max_input_bytes {
        return Err(CalcError::InputTooLong {
            max: limits.max_input_bytes,
        });
    }
    let parser = Grammar {
        limits,
        depth: Cell::new(0),
    };
    match parser.statement(input) {
        Ok((_, statement)) => Ok(statement),
        Err(nom::Err::Error(failure) | nom::Err::Failure(failure)) => {
            Err(failure.into_calc_error(input, limits))
        }
        Err(nom::Err::Incomplete(_)) => Err(CalcError::Syntax {
            column: 1,
            message: "incomplete input".into(),
        }),
    }
}

/// Why parsing stopped, and where (as the length of the unparsed rest, so
/// that it is independent of which sub-slice the failing parser saw).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    remaining: usize,
    kind: FailureKind,
}

#[derive(Debug, Clone, PartialEq)]
enum FailureKind {
    /// What the grammar expected at this point.
    Expected(&'static str),
    /// A malformed token, with Python's wording.
    Invalid(String),
    TooDeep,
    IntTooLarge,
}

impl Failure {
    fn at(input: &str, kind: FailureKind) -> Self {
        Failure {
            remaining: input.len(),
            kind,
        }
    }

    fn into_calc_error(self, source: &str, limits: &Limits) -> CalcError {
        let offset = source.len().saturating_sub(self.remaining);
        let (before, after) = source.split_at(floor_char_boundary(source, offset));
        let column = before.chars().count() + 1;
        let found = match after.chars().next() {
            None => "the end of the input".to_string(),
            Some('\'') => "\"'\"".to_string(),
            Some(c) if c.is_ascii_graphic() || c == ' ' => format!("'{c}'"),
            Some(c) => format!("{c:?}"),
        };
        let message = match self.kind {
            FailureKind::Expected(what) => format!("expected {what}, found {found}"),
            FailureKind::Invalid(message) => message,
            FailureKind::TooDeep => {
                return CalcError::TooDeep {
                    max: limits.max_depth,
                };
            }
            FailureKind::IntTooLarge => {
                return CalcError::IntTooLarge {
                    max: limits.max_int_digits,
                };
            }
        };
        CalcError::Syntax { column, message }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl ParseError<&str> for Failure {
    fn from_error_kind(input: &str, _: ErrorKind) -> Self {
        Failure::at(input, FailureKind::Expected("something else"))
    }

    fn append(_: &str, _: ErrorKind, other: Self) -> Self {
        other
    }

    /// Of two alternatives, report the one that got further.
    fn or(self, other: Self) -> Self {
        if other.remaining < self.remaining {
            other
        } else {
            self
        }
    }
}

type PResult<'a, T> = IResult<&'a str, T, Failure>;

fn fail<T>(input: &str, kind: FailureKind) -> PResult<'_, T> {
    Err(nom::Err::Failure(Failure::at(input, kind)))
}

fn expected<'i, T>(input: &'i str, what: &'static str) -> PResult<'i, T> {
    Err(nom::Err::Error(Failure::at(
        input,
        FailureKind::Expected(what),
    )))
}

/// Python's insignificant white space inside a line.
fn ws(input: &str) -> PResult<'_, &str> {
    take_while(|c| matches!(c, ' ' | '\t' | '\x0c')).parse(input)
}

/// White space allowed at the end of the input (a trailing newline, as
/// `eval("1+1\n")` accepts).
fn trailing_ws(input: &str) -> PResult<'_, &str> {
    take_while(|c| matches!(c, ' ' | '\t' | '\x0c' | '\r' | '\n')).parse(input)
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn name(input: &str) -> PResult<'_, &str> {
    recognize(pair(satisfy(is_name_start), take_while(is_name_char))).parse(input)
}

/// Digits with single underscores between them (`1_000`, `ff_ff`): a run
/// of digits, then any number of `_` + run. A trailing or doubled `_` is
/// left unconsumed, which the literal's end check then reports. Scanned by
/// hand because it is the hottest rule and must not allocate.
fn digit_part(is_digit: fn(char) -> bool) -> impl Fn(&str) -> PResult<'_, &str> {
    move |input| {
        let bytes = input.as_bytes();
        let digit = |i: usize| bytes.get(i).is_some_and(|b| is_digit(char::from(*b)));
        if !digit(0) {
            return expected(input, "a digit");
        }
        let mut end = 1;
        loop {
            if digit(end) {
                end += 1;
            } else if bytes.get(end) == Some(&b'_') && digit(end + 1) {
                end += 2;
            } else {
                return Ok((&input[end..], &input[..end]));
            }
        }
    }
}

/// The text of a literal without its underscores, borrowed when it has none
/// (the common case).
fn without_underscores(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('_') {
        text.replace('_', "").into()
    } else {
        text.into()
    }
}

fn additive_op(input: &str) -> PResult<'_, BinaryOp> {
    alt((
        value(BinaryOp::Add, char('+')),
        value(BinaryOp::Sub, char('-')),
    ))
    .parse(input)
}

fn multiplicative_op(input: &str) -> PResult<'_, BinaryOp> {
    alt((
        value(BinaryOp::FloorDiv, tag("//")),
        value(BinaryOp::TrueDiv, char('/')),
        value(BinaryOp::Mod, char('%')),
        // `*` but not the first half of `**`.
        value(BinaryOp::Mul, terminated(char('*'), not(char('*')))),
    ))
    .parse(input)
}

fn power_op(input: &str) -> PResult<'_, &str> {
    alt((tag("**"), tag("^"))).parse(input)
}

fn unary_op(input: &str) -> PResult<'_, UnaryOp> {
    alt((
        value(UnaryOp::Plus, char('+')),
        value(UnaryOp::Minus, char('-')),
    ))
    .parse(input)
}

/// The grammar, with the state it needs: the limits and the current depth.
struct Grammar<'l> {
    limits: &'l Limits,
    depth: Cell<usize>,
}

/// Holds `levels` of nesting depth until dropped.
struct DepthGuard<'g> {
    depth: &'g Cell<usize>,
    levels: usize,
}

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        self.depth.set(self.depth.get() - self.levels);
    }
}

const OPERAND: &str = "a number, a name or '('";

impl Grammar<'_> {
    /// Enters `levels` of nesting, or fails if that passes the limit.
    fn enter(&self, input: &str, levels: usize) -> Result<DepthGuard<'_>, nom::Err<Failure>> {
        let depth = self.depth.get() + levels;
        if depth > self.limits.max_depth {
            return Err(nom::Err::Failure(Failure::at(input, FailureKind::TooDeep)));
        }
        self.depth.set(depth);
        Ok(DepthGuard {
            depth: &self.depth,
            levels,
        })
    }

    fn statement<'i>(&self, input: &'i str) -> PResult<'i, Statement> {
        let (input, _) = trailing_ws(input)?;
        let assignment = (name, ws, char('='), not(char('=')), ws).parse(input);
        let (rest, statement) = match assignment {
            Ok((after, (target, ..))) => {
                let (rest, value) = cut(|i| self.expr(i)).parse(after)?;
                let name = target.to_string();
                (rest, Statement::Assign { name, value })
            }
            Err(_) => {
                let (rest, e) = self.expr(input).map_err(as_failure)?;
                (rest, Statement::Expr(e))
            }
        };
        let (rest, _) = trailing_ws(rest)?;
        if rest.is_empty() {
            Ok((rest, statement))
        } else if rest.starts_with(')') {
            fail(rest, FailureKind::Invalid("unmatched ')'".into()))
        } else {
            fail(
                rest,
                FailureKind::Expected("an operator or the end of the input"),
            )
        }
    }

    fn expr<'i>(&self, input: &'i str) -> PResult<'i, Expr> {
        self.chain(input, additive_op, Self::term)
    }

    fn term<'i>(&self, input: &'i str) -> PResult<'i, Expr> {
        self.chain(input, multiplicative_op, Self::factor)
    }

    /// `operand (op operand)*`, folded into one flat [`Expr::Chain`]; after
    /// an operator an operand is required (`cut`), so `1 +` reports the
    /// missing operand rather than a stray `+`.
    fn chain<'i>(
        &self,
        input: &'i str,
        op: fn(&str) -> PResult<'_, BinaryOp>,
        operand: for<'x> fn(&Self, &'x str) -> PResult<'x, Expr>,
    ) -> PResult<'i, Expr> {
        let (input, first) = operand(self, input)?;
        let (input, rest) = fold_many0(
            pair(preceded(ws, op), cut(preceded(ws, |i| operand(self, i)))),
            Vec::new,
            |mut rest, item| {
                rest.push(item);
                rest
            },
        )
        .parse(input)?;
        if rest.is_empty() {
            Ok((input, first))
        } else {
            let first = Box::new(first);
            Ok((input, Expr::Chain { first, rest }))
        }
    }

    /// Unary signs are read in a loop, not by recursion, but each still
    /// counts as a level, since evaluating and dropping them recurses.
    fn factor<'i>(&self, input: &'i str) -> PResult<'i, Expr> {
        let mut signs = Vec::new();
        let mut rest = input;
        while let Ok((after, op)) = terminated(unary_op, ws).parse(rest) {
            signs.push(op);
            rest = after;
        }
        if signs.is_empty() {
            return self.power(input);
        }
        let _guard = self.enter(rest, signs.len())?;
        let (rest, mut e) = cut(|i| self.power(i)).parse(rest)?;
        for op in signs.into_iter().rev() {
            e = Expr::Unary {
                op,
                operand: Box::new(e),
            };
        }
        Ok((rest, e))
    }

    fn power<'i>(&self, input: &'i str) -> PResult<'i, Expr> {
        let (input, base) = self.primary(input)?;
        let Ok((after_op, _)) = preceded(ws, power_op).parse(input) else {
            return Ok((input, base));
        };
        let _guard = self.enter(after_op, 1)?;
        let (rest, exponent) = cut(preceded(ws, |i| self.factor(i))).parse(after_op)?;
        let base = Box::new(base);
        let exponent = Box::new(exponent);
        Ok((rest, Expr::Power { base, exponent }))
    }

    fn primary<'i>(&self, input: &'i str) -> PResult<'i, Expr> {
        match input.chars().next() {
            Some(c) if c.is_ascii_digit() => self.number(input),
            Some('.') if input[1..].starts_with(|c: char| c.is_ascii_digit()) => self.number(input),
            Some(c) if is_name_start(c) => self.name_or_call(input),
            Some('(') => self.parenthesized(input),
            _ => expected(input, OPERAND),
        }
    }

    fn parenthesized<'i>(&self, input: &'i str) -> PResult<'i, Expr> {
        let (input, _) = char('(').parse(input)?;
        let _guard = self.enter(input, 1)?;
        let (input, e) = cut(preceded(ws, |i| self.expr(i))).parse(input)?;
        let (input, _) = ws(input)?;
        match char::<_, Failure>(')').parse(input) {
            Ok((rest, _)) => Ok((rest, e)),
            Err(_) => fail(input, FailureKind::Expected("')'")),
        }
    }

    fn name_or_call<'i>(&self, input: &'i str) -> PResult<'i, Expr> {
        let (rest, identifier) = name(input)?;
        let Ok((args_start, _)) = preceded(ws, char::<_, Failure>('(')).parse(rest) else {
            let e = match builtins::constant(identifier) {
                Some(c) => Expr::Constant(c),
                None => Expr::Variable(identifier.to_string()),
            };
            return Ok((rest, e));
        };
        let _guard = self.enter(args_start, 1)?;
        let mut args = Vec::new();
        let mut input = ws(args_start)?.0;
        loop {
            if let Ok((rest, _)) = char::<_, Failure>(')').parse(input) {
                input = rest;
                break;
            }
            let (rest, arg) = cut(|i| self.expr(i)).parse(input)?;
            args.push(arg);
            let (rest, _) = ws(rest)?;
            if let Ok((rest, _)) = char::<_, Failure>(',').parse(rest) {
                input = ws(rest)?.0;
            } else if let Ok((rest, _)) = char::<_, Failure>(')').parse(rest) {
                input = rest;
                break;
            } else {
                return fail(rest, FailureKind::Expected("',' or ')'"));
            }
        }
        let callee = match builtins::function(identifier) {
            Some(f) => Callee::Builtin(f),
            None => Callee::Other(identifier.to_string()),
        };
        Ok((input, Expr::Call { callee, args }))
    }

    /// A numeric literal, by Python's tokenizer rules.
    fn number<'i>(&self, input: &'i str) -> PResult<'i, Expr> {
        let radix = match input.get(..2) {
            Some("0x" | "0X") => Some((16, "hexadecimal", 4)),
            Some("0o" | "0O") => Some((8, "octal", 3)),
            Some("0b" | "0B") => Some((2, "binary", 1)),
            _ => None,
        };
        if let Some((radix, kind, bits_per_digit)) = radix {
            return self.radix_number(input, radix, kind, bits_per_digit);
        }
        let digits = digit_part(|c| c.is_ascii_digit());
        let (rest, int_part) = opt(digits).parse(input)?;
        let (rest, fraction) =
            opt(preceded(char('.'), opt(digit_part(|c| c.is_ascii_digit())))).parse(rest)?;
        let (rest, exponent) = self.exponent(rest)?;
        let text = &input[..input.len() - rest.len()];
        check_literal_end(rest, "decimal")?;
        if fraction.is_some() || exponent {
            let x: f64 = without_underscores(text).parse().unwrap_or(f64::NAN);
            if x.is_nan() {
                return fail(
                    input,
                    FailureKind::Invalid("invalid decimal literal".into()),
                );
            }
            return Ok((rest, Expr::Float(x)));
        }
        let int_text = int_part.unwrap_or("0");
        let digits = without_underscores(int_text);
        if digits.starts_with('0') && digits.bytes().any(|b| b != b'0') {
            return fail(
                input,
                FailureKind::Invalid(
                    "leading zeros in decimal integer literals are not permitted".into(),
                ),
            );
        }
        let value = self.int_literal(
            input,
            &digits,
            10,
            digits.len() as f64 * std::f64::consts::LOG2_10,
        )?;
        Ok((rest, Expr::Int(value)))
    }

    /// An optional exponent `e[+-]digits`; `1e` alone is malformed.
    fn exponent<'i>(&self, input: &'i str) -> PResult<'i, bool> {
        let Ok((after_e, _)) = alt((char::<_, Failure>('e'), char('E'))).parse(input) else {
            return Ok((input, false));
        };
        let (after_sign, _) = opt(alt((char('+'), char('-')))).parse(after_e)?;
        match digit_part(|c| c.is_ascii_digit())(after_sign) {
            Ok((rest, _)) => Ok((rest, true)),
            Err(_) => fail(
                input,
                FailureKind::Invalid("invalid decimal literal".into()),
            ),
        }
    }

    fn radix_number<'i>(
        &self,
        input: &'i str,
        radix: u32,
        kind: &'static str,
        bits_per_digit: u32,
    ) -> PResult<'i, Expr> {
        let after_prefix = &input[2..];
        let is_digit = match radix {
            16 => |c: char| c.is_ascii_hexdigit(),
            8 => |c: char| ('0'..='7').contains(&c),
            _ => |c: char| c == '0' || c == '1',
        };
        let parsed = preceded(opt(char('_')), digit_part(is_digit)).parse(after_prefix);
        let Ok((rest, digits)) = parsed else {
            return fail(
                input,
                FailureKind::Invalid(invalid_digit(after_prefix, kind)),
            );
        };
        if rest.starts_with(is_name_char) {
            return fail(rest, FailureKind::Invalid(invalid_digit(rest, kind)));
        }
        let digits = without_underscores(digits);
        let significant = digits.trim_start_matches('0').len();
        let bits = (significant as u32).saturating_mul(bits_per_digit) as f64;
        let value = self.int_literal(input, &digits, radix, bits)?;
        Ok((rest, Expr::Int(value)))
    }

    /// Converts validated digits to an [`Int`], refusing (before the
    /// quadratic conversion) a literal beyond the integer-size limit.
    fn int_literal(
        &self,
        at: &str,
        digits: &str,
        radix: u32,
        bits_upper_bound: f64,
    ) -> Result<Int, nom::Err<Failure>> {
        let too_large = || nom::Err::Failure(Failure::at(at, FailureKind::IntTooLarge));
        let max_bits = self.limits.max_int_digits as f64 * std::f64::consts::LOG2_10;
        let significant = digits.trim_start_matches('0');
        let lower_bound = match radix {
            10 => (significant.len().saturating_sub(1)) as f64 * std::f64::consts::LOG2_10,
            _ => bits_upper_bound - f64::from(radix.trailing_zeros()),
        };
        if lower_bound > max_bits + 1.0 {
            return Err(too_large());
        }
        if let Ok(small) = i64::from_str_radix(digits, radix) {
            return Meter::new(self.limits)
                .check_int(Int::Small(small))
                .map_err(|_| too_large());
        }
        let big = BigUint::from_str_radix(digits, radix).map_err(|_| too_large())?;
        Meter::new(self.limits)
            .check_int(Int::from(num_bigint::BigInt::from(big)))
            .map_err(|_| too_large())
    }
}

/// Python rejects a number glued to a name (`1abc`, `2x`) and complex
/// literals (`1j`), which safecalc does not support.
fn check_literal_end(rest: &str, kind: &str) -> Result<(), nom::Err<Failure>> {
    match rest.chars().next() {
        Some('j' | 'J') => Err(nom::Err::Failure(Failure::at(
            rest,
            FailureKind::Invalid("complex numbers (j) are not supported".into()),
        ))),
        Some(c) if is_name_char(c) => Err(nom::Err::Failure(Failure::at(
            rest,
            FailureKind::Invalid(format!("invalid {kind} literal")),
        ))),
        _ => Ok(()),
    }
}

fn invalid_digit(at: &str, kind: &str) -> String {
    match at.chars().next() {
        Some(c) if c.is_ascii_alphanumeric() => format!("invalid digit '{c}' in {kind} literal"),
        _ => format!("invalid {kind} literal"),
    }
}

/// A top-level `Error` means nothing matched: report it as a failure.
fn as_failure(e: nom::Err<Failure>) -> nom::Err<Failure> {
    match e {
        nom::Err::Error(f) => nom::Err::Failure(f),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> CalcResult<Statement> {
        parse_statement(s, &Limits::default())
    }

    fn syntax_column(s: &str) -> usize {
        match parse(s) {
            Err(CalcError::Syntax { column, .. }) => column,
            other => panic!("{s:?} should be a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn precedence_follows_python() {
        let shown = |s: &str| parse(s).unwrap().to_string();
        assert_eq!(shown("-2**2"), "-2 ** 2");
        assert_eq!(shown("2**3**2"), "2 ** 3 ** 2");
        assert_eq!(shown("(2**3)**2"), "(2 ** 3) ** 2");
        assert_eq!(shown("1+2*3-4"), "1 + 2 * 3 - 4");
        assert_eq!(shown("(1+2)*3"), "(1 + 2) * 3");
        assert_eq!(shown("2^-1"), "2 ** -1");
        assert_eq!(shown("x = 1"), "x = 1");
        assert_eq!(shown("max(1, 2,)"), "max(1, 2)");
    }

    #[test]
    fn literals_follow_python() {
        let shown = |s: &str| parse(s).unwrap().to_string();
        assert_eq!(shown("1_000"), "1000");
        assert_eq!(shown("0x1F"), "31");
        assert_eq!(shown("0o17"), "15");
        assert_eq!(shown("0b101"), "5");
        assert_eq!(shown("0x_ff"), "255");
        assert_eq!(shown(".5"), "0.5");
        assert_eq!(shown("5."), "5.0");
        assert_eq!(shown("1e3"), "1000.0");
        assert_eq!(shown("2.5E-7"), "2.5e-07");
        assert_eq!(shown("09.5"), "9.5");
        assert_eq!(shown("00"), "0");
        assert_eq!(shown("1e999"), "1e999");
        for bad in [
            "007", "1__0", "1_", "1e", "1e+", "0x", "0b2", "0o8", "1abc", "1j", "1._5",
        ] {
            assert!(
                matches!(parse(bad), Err(CalcError::Syntax { .. })),
                "{bad} should be a syntax error"
            );
        }
    }

    #[test]
    fn syntax_errors_say_where() {
        assert_eq!(syntax_column("1 +"), 4);
        assert_eq!(syntax_column("2 3"), 3);
        assert_eq!(syntax_column("(1"), 3);
        assert_eq!(syntax_column("1)"), 2);
        assert_eq!(syntax_column("é + 1"), 1);
        assert_eq!(syntax_column("1 + é"), 5);
        assert_eq!(syntax_column(""), 1);
        assert_eq!(syntax_column("__import__('os')"), 12);
        let Err(CalcError::Syntax { message, .. }) = parse("1 +") else {
            panic!()
        };
        assert_eq!(
            message,
            "expected a number, a name or '(', found the end of the input"
        );
    }

    #[test]
    fn depth_is_limited() {
        let limits = Limits::default();
        let ok = format!(
            "{}1{}",
            "(".repeat(limits.max_depth),
            ")".repeat(limits.max_depth)
        );
        assert!(parse(&ok).is_ok());
        let deep = format!(
            "{}1{}",
            "(".repeat(limits.max_depth + 1),
            ")".repeat(limits.max_depth + 1)
        );
        assert!(matches!(parse(&deep), Err(CalcError::TooDeep { .. })));
        assert!(matches!(
            parse(&"-".repeat(60_000)),
            Err(CalcError::TooDeep { .. })
        ));
    }
}
