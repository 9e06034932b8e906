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
//!
//! Speed: this is the hot path of every request, so the rules that run once
//! per token choose by looking at the next byte instead of trying
//! alternatives in turn, the error type is two words (messages are only
//! formatted when a [`CalcError`] is made), and short decimal integers are
//! converted on the spot. `benches/evaluators.rs` and `scripts/evalcount.sh`
//! measure it.

use std::cell::{Cell, RefCell};

use nom::branch::alt;
use nom::character::complete::char;
use nom::combinator::{cut, opt};
use nom::error::{ErrorKind, ParseError};
use nom::sequence::preceded;
use nom::{IResult, Parser};
use num_bigint::BigUint;
use num_traits::Num;

use super::ast::{BinaryOp, Callee, Expr, ListBuilder, NameId, Node, NodeId, Statement, UnaryOp};
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
        tree: RefCell::new(Expr::recycled(initial_nodes(input))),
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

/// Room for the nodes of most lines of `input`'s length, so that the tree
/// is one allocation: a line of `n` bytes rarely has more than `n + 2`
/// nodes (`2*(3+4)-5/2` has 13 in 11 bytes); a longer one grows the `Vec`.
/// Capped, so that a long line does not reserve room in proportion to its
/// length up front (a 64 KiB input would reserve megabytes of nodes, most
/// of them unused when the line is mostly a long name or number): past
/// the cap, the `Vec` doubles as nodes are actually made.
fn initial_nodes(input: &str) -> usize {
    const MOST_NODES_RESERVED: usize = 1024;
    (input.len() + 2).min(MOST_NODES_RESERVED)
}

/// Why parsing stopped, and where (as the length of the unparsed rest, so
/// that it is independent of which sub-slice the failing parser saw).
/// Small and free of allocations: failing is part of normal parsing (every
/// chain ends with an operator that is not there).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Failure {
    remaining: usize,
    kind: FailureKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum FailureKind {
    /// What the grammar expected at this point.
    Expected(&'static str),
    /// A malformed token, with Python's wording.
    Invalid(&'static str),
    /// `invalid {kind} literal`, as for `1abc`.
    InvalidLiteral(&'static str),
    /// `invalid digit '{digit}' in {kind} literal` (or `invalid {kind}
    /// literal` when no digit-like character is to blame).
    InvalidDigit {
        kind: &'static str,
        digit: Option<char>,
    },
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
            FailureKind::Invalid(message) => message.to_string(),
            FailureKind::InvalidLiteral(kind) => format!("invalid {kind} literal"),
            FailureKind::InvalidDigit {
                kind,
                digit: Some(c),
            } => format!("invalid digit '{c}' in {kind} literal"),
            FailureKind::InvalidDigit { kind, digit: None } => format!("invalid {kind} literal"),
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

/// The next byte, if any.
#[inline]
fn peek(input: &str) -> Option<u8> {
    input.as_bytes().first().copied()
}

/// The longest prefix of bytes that satisfy `accept`, split off.
#[inline]
fn take_bytes(input: &str, accept: impl Fn(u8) -> bool) -> (&str, &str) {
    let end = input
        .as_bytes()
        .iter()
        .position(|&b| !accept(b))
        .unwrap_or(input.len());
    // `accept` only takes ASCII bytes, so `end` is a char boundary.
    (&input[end..], &input[..end])
}

/// Python's insignificant white space inside a line.
#[inline]
fn ws(input: &str) -> PResult<'_, &str> {
    Ok(take_bytes(input, |b| matches!(b, b' ' | b'\t' | b'\x0c')))
}

/// White space allowed at the end of the input (a trailing newline, as
/// `eval("1+1\n")` accepts).
fn trailing_ws(input: &str) -> PResult<'_, &str> {
    Ok(take_bytes(input, |b| {
        matches!(b, b' ' | b'\t' | b'\x0c' | b'\r' | b'\n')
    }))
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn name(input: &str) -> PResult<'_, &str> {
    match peek(input) {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' => Ok(take_bytes(input, is_name_byte)),
        _ => expected(input, "a name"),
    }
}

/// Digits with single underscores between them (`1_000`, `ff_ff`): a run
/// of digits, then any number of `_` + run. A trailing or doubled `_` is
/// left unconsumed, which the literal's end check then reports. Scanned by
/// hand because it is the hottest rule and must not allocate.
#[inline]
fn digit_part(input: &str, is_digit: impl Fn(u8) -> bool) -> PResult<'_, &str> {
    let bytes = input.as_bytes();
    let digit = |i: usize| bytes.get(i).is_some_and(|&b| is_digit(b));
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

fn decimal_digits(input: &str) -> PResult<'_, &str> {
    digit_part(input, |b| b.is_ascii_digit())
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
    match peek(input) {
        Some(b'+') => Ok((&input[1..], BinaryOp::Add)),
        Some(b'-') => Ok((&input[1..], BinaryOp::Sub)),
        _ => expected(input, "'+' or '-'"),
    }
}

fn multiplicative_op(input: &str) -> PResult<'_, BinaryOp> {
    match input.as_bytes() {
        [b'/', b'/', ..] => Ok((&input[2..], BinaryOp::FloorDiv)),
        [b'/', ..] => Ok((&input[1..], BinaryOp::TrueDiv)),
        [b'%', ..] => Ok((&input[1..], BinaryOp::Mod)),
        // `*` but not the first half of `**`.
        [b'*', b'*', ..] => expected(input, "'*', '/', '//' or '%'"),
        [b'*', ..] => Ok((&input[1..], BinaryOp::Mul)),
        _ => expected(input, "'*', '/', '//' or '%'"),
    }
}

fn power_op(input: &str) -> PResult<'_, &str> {
    match input.as_bytes() {
        [b'*', b'*', ..] => Ok((&input[2..], &input[..2])),
        [b'^', ..] => Ok((&input[1..], &input[..1])),
        _ => expected(input, "'**'"),
    }
}

fn unary_op(input: &str) -> PResult<'_, UnaryOp> {
    match peek(input) {
        Some(b'+') => Ok((&input[1..], UnaryOp::Plus)),
        Some(b'-') => Ok((&input[1..], UnaryOp::Minus)),
        _ => expected(input, "'+' or '-'"),
    }
}

fn open_paren(input: &str) -> PResult<'_, char> {
    match peek(input) {
        Some(b'(') => Ok((&input[1..], '(')),
        _ => expected(input, "'('"),
    }
}

/// `NAME '='` (but not `NAME '=='`) at the start of a statement, with the
/// white space after it: the name, and the input after the `=`.
fn assignment_target(input: &str) -> PResult<'_, &str> {
    let (rest, target) = name(input)?;
    let (rest, _) = ws(rest)?;
    match rest.as_bytes() {
        [b'=', b'=', ..] => expected(rest, "'='"),
        [b'=', ..] => Ok((ws(&rest[1..])?.0, target)),
        _ => expected(rest, "'='"),
    }
}

/// The grammar, with the state it needs: the limits, the current depth,
/// and the tree being built. The rules return the [`NodeId`] of what they
/// parsed, its nodes already appended to `tree` (children first).
struct Grammar<'l> {
    limits: &'l Limits,
    depth: Cell<usize>,
    tree: RefCell<Expr>,
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

    /// Appends a node to the tree.
    fn push(&self, node: Node) -> NodeId {
        self.tree.borrow_mut().push(node)
    }

    /// Keeps a name in the tree.
    fn add_name(&self, name: &str) -> NameId {
        self.tree.borrow_mut().add_name(name.to_string())
    }

    /// Appends a cell to `list`.
    fn push_cell(&self, list: &mut ListBuilder, cell: Node) {
        list.push(&mut self.tree.borrow_mut(), cell);
    }

    fn statement<'i>(self, input: &'i str) -> PResult<'i, Statement> {
        let (input, _) = trailing_ws(input)?;
        let (rest, target, root) = match assignment_target(input) {
            Ok((after, target)) => {
                let (rest, root) = cut(|i| self.expr(i)).parse(after)?;
                (rest, Some(target), root)
            }
            Err(_) => {
                let (rest, root) = self.expr(input).map_err(as_failure)?;
                (rest, None, root)
            }
        };
        let (rest, _) = trailing_ws(rest)?;
        if rest.is_empty() {
            let mut value = self.tree.into_inner();
            value.set_root(root);
            let statement = match target {
                Some(name) => Statement::Assign {
                    name: name.to_string(),
                    value,
                },
                None => Statement::Expr(value),
            };
            Ok((rest, statement))
        } else if rest.starts_with(')') {
            fail(rest, FailureKind::Invalid("unmatched ')'"))
        } else {
            fail(
                rest,
                FailureKind::Expected("an operator or the end of the input"),
            )
        }
    }

    fn expr<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        // A literal followed by `*`, `/`, `//`, `%`, `**` or `^` is only
        // the start of a term.
        let term_goes_on = |next: &[u8]| matches!(next, [b'*' | b'/' | b'%' | b'^', ..]);
        self.chain(input, additive_op, Self::term, term_goes_on)
    }

    fn term<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        // A literal followed by `**` or `^` is only the base of a power.
        let factor_goes_on = |next: &[u8]| matches!(next, [b'^', ..] | [b'*', b'*', ..]);
        self.chain(input, multiplicative_op, Self::factor, factor_goes_on)
    }

    /// `operand (op operand)*`, folded into one flat [`Node::Chain`]; after
    /// an operator an operand is required (`cut`), so `1 +` reports the
    /// missing operand rather than a stray `+`.
    ///
    /// Generic over both rules (rather than taking function pointers) so
    /// that each chain compiles to straight-line code with its operator
    /// test inlined.
    ///
    /// The common operand is a lone number (`1` in `1 + 2`): a whole
    /// operand unless `goes_on` says the text after it continues it (`2` in
    /// `2 * 3` is only the start of a term). That case is taken here
    /// directly, the same tree the operand rule would build, without the
    /// four nested calls (factor, power, primary, number) that would each
    /// move the result through memory: on `1+2+...` that is most of the
    /// parser's time.
    #[inline]
    fn chain<'i, Op, Operand, GoesOn>(
        &self,
        input: &'i str,
        op: Op,
        operand: Operand,
        goes_on: GoesOn,
    ) -> PResult<'i, NodeId>
    where
        Op: Fn(&str) -> PResult<'_, BinaryOp>,
        Operand: Fn(&Self, &'i str) -> PResult<'i, NodeId>,
        GoesOn: Fn(&[u8]) -> bool,
    {
        let operand = |input: &'i str| -> PResult<'i, NodeId> {
            if let Some((rest, literal)) = self.short_literal(input)
                && !goes_on(ws(rest)?.0.as_bytes())
            {
                return Ok((rest, self.push(literal)));
            }
            operand(self, input)
        };
        let (mut input, first) = operand(input)?;
        let mut links = ListBuilder::default();
        while let Ok((after_op, op)) = op(ws(input)?.0) {
            let (after, operand) = operand(ws(after_op)?.0).map_err(as_failure)?;
            input = after;
            let next = None;
            self.push_cell(&mut links, Node::Link { op, operand, next });
        }
        // A chain of one (most operands) is just its operand.
        let Some(rest) = links.head else {
            return Ok((input, first));
        };
        Ok((input, self.push(Node::Chain { first, rest })))
    }

    /// Unary signs are read in a loop, not by recursion, but each still
    /// counts as a level, since evaluating and dropping them recurses.
    fn factor<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        let mut count = 0;
        let mut rest = input;
        while let Ok((after, _)) = unary_op(rest) {
            count += 1;
            rest = ws(after)?.0;
        }
        if count == 0 {
            return self.power(input);
        }
        let _guard = self.enter(rest, count)?;
        let (after, mut operand) = self.power(rest).map_err(as_failure)?;
        // The signs, innermost (rightmost) first, read back from the text
        // instead of being collected.
        let signs = &input[..input.len() - rest.len()];
        for b in signs.bytes().rev() {
            let op = match b {
                b'+' => UnaryOp::Plus,
                b'-' => UnaryOp::Minus,
                _ => continue, // white space
            };
            operand = self.push(Node::Unary { op, operand });
        }
        Ok((after, operand))
    }

    fn power<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        let (input, base) = self.primary(input)?;
        let Ok((after_op, _)) = power_op(ws(input)?.0) else {
            return Ok((input, base));
        };
        let _guard = self.enter(after_op, 1)?;
        let (rest, exponent) = self.factor(ws(after_op)?.0).map_err(as_failure)?;
        Ok((rest, self.push(Node::Power { base, exponent })))
    }

    fn primary<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        match input.as_bytes() {
            [b'0'..=b'9', ..] | [b'.', b'0'..=b'9', ..] => {
                let (rest, literal) = self.number(input)?;
                Ok((rest, self.push(literal)))
            }
            [b'a'..=b'z' | b'A'..=b'Z' | b'_', ..] => self.name_or_call(input),
            [b'(', ..] => self.parenthesized(input),
            _ => expected(input, OPERAND),
        }
    }

    fn parenthesized<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        let Some(input) = input.strip_prefix('(') else {
            return expected(input, "'('");
        };
        let _guard = self.enter(input, 1)?;
        let (input, e) = self.expr(ws(input)?.0).map_err(as_failure)?;
        let (input, _) = ws(input)?;
        match peek(input) {
            Some(b')') => Ok((&input[1..], e)),
            _ => fail(input, FailureKind::Expected("')'")),
        }
    }

    fn name_or_call<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        let (rest, identifier) = name(input)?;
        let Ok((args_start, _)) = open_paren(ws(rest)?.0) else {
            let e = match builtins::constant(identifier) {
                Some(c) => Node::Constant(c),
                None => Node::Variable(self.add_name(identifier)),
            };
            return Ok((rest, self.push(e)));
        };
        let _guard = self.enter(args_start, 1)?;
        // Named before the arguments are parsed, so that the tree keeps
        // its names in the order the constructors do (`Expr::call_unknown`).
        let callee = match builtins::function(identifier) {
            Some(f) => Callee::Builtin(f),
            None => Callee::Other(self.add_name(identifier)),
        };
        let mut args = ListBuilder::default();
        let mut input = ws(args_start)?.0;
        loop {
            if let Some(rest) = input.strip_prefix(')') {
                input = rest;
                break;
            }
            let (rest, value) = self.expr(input).map_err(as_failure)?;
            self.push_cell(&mut args, Node::Arg { value, next: None });
            let (rest, _) = ws(rest)?;
            match peek(rest) {
                Some(b',') => input = ws(&rest[1..])?.0,
                Some(b')') => {
                    input = &rest[1..];
                    break;
                }
                _ => return fail(rest, FailureKind::Expected("',' or ')'")),
            }
        }
        let args = args.head;
        Ok((input, self.push(Node::Call { callee, args })))
    }

    /// A numeric literal, by Python's tokenizer rules.
    fn number<'i>(&self, input: &'i str) -> PResult<'i, Node> {
        if let Some(done) = self.short_literal(input) {
            return Ok(done);
        }
        let radix = match input.get(..2) {
            Some("0x" | "0X") => Some((16, "hexadecimal", 4)),
            Some("0o" | "0O") => Some((8, "octal", 3)),
            Some("0b" | "0B") => Some((2, "binary", 1)),
            _ => None,
        };
        if let Some((radix, kind, bits_per_digit)) = radix {
            return self.radix_number(input, radix, kind, bits_per_digit);
        }
        let (rest, int_part) = match decimal_digits(input) {
            Ok((rest, digits)) => (rest, Some(digits)),
            Err(_) => (input, None),
        };
        let (rest, fraction) = match rest.strip_prefix('.') {
            Some(after_dot) => (
                decimal_digits(after_dot).map_or(after_dot, |(r, _)| r),
                true,
            ),
            None => (rest, false),
        };
        let (rest, exponent) = self.exponent(rest)?;
        let text = &input[..input.len() - rest.len()];
        check_literal_end(rest, "decimal")?;
        if fraction || exponent {
            let x: f64 = without_underscores(text).parse().unwrap_or(f64::NAN);
            if x.is_nan() {
                return fail(input, FailureKind::Invalid("invalid decimal literal"));
            }
            return Ok((rest, Node::Float(x)));
        }
        let int_text = int_part.unwrap_or("0");
        let digits = without_underscores(int_text);
        if digits.starts_with('0') && digits.bytes().any(|b| b != b'0') {
            return fail(
                input,
                FailureKind::Invalid("leading zeros in decimal integer literals are not permitted"),
            );
        }
        let value = self.int_literal(
            input,
            &digits,
            10,
            digits.len() as f64 * std::f64::consts::LOG2_10,
        )?;
        Ok((rest, self.tree.borrow_mut().int_node(value)))
    }

    /// The fast path for the most common literals: a short plain decimal
    /// integer (up to 18 digits, which always fit an `i64` and the digit
    /// limit, unless it was set below 19), or a short plain decimal
    /// fraction (`1.5`, `.25`, `3.`) of at most 15 digits. Anything else
    /// (`_`, an exponent, a leading zero, a glued name, more digits) is
    /// left to the full rules.
    ///
    /// A fraction of at most 15 digits is `m / 10**k` with `m < 2**53` and
    /// `10**k` both exact in an `f64`, so the one correctly rounded
    /// division gives the correctly rounded value, as Python's `float()`
    /// does (Clinger's fast path).
    #[inline]
    fn short_literal<'i>(&self, input: &'i str) -> Option<(&'i str, Node)> {
        const POW10: [f64; 16] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
        ];
        let bytes = input.as_bytes();
        let mut mantissa = 0i64;
        let mut len = 0;
        while let Some(&b) = bytes.get(len) {
            if !b.is_ascii_digit() || len == 18 {
                break;
            }
            mantissa = mantissa * 10 + i64::from(b - b'0');
            len += 1;
        }
        let int_digits = len;
        let fraction = bytes.get(len) == Some(&b'.');
        if fraction {
            len += 1;
            while let Some(&b) = bytes.get(len) {
                if !b.is_ascii_digit() || len >= 17 {
                    break;
                }
                mantissa = mantissa * 10 + i64::from(b - b'0');
                len += 1;
            }
        }
        // After the digits taken, one more digit, `_`, `.` or an exponent
        // all fall to the full rules.
        if bytes
            .get(len)
            .is_some_and(|&b| b == b'.' || is_name_byte(b))
        {
            return None;
        }
        let rest = &input[len..];
        if fraction {
            let digits = len - 1;
            let scale = digits - int_digits;
            (digits > 0 && digits <= 15)
                .then(|| (rest, Node::Float(mantissa as f64 / POW10[scale])))
        } else {
            let plain =
                len > 0 && (len == 1 || bytes[0] != b'0') && self.limits.max_int_digits >= 19;
            plain.then_some((rest, Node::Int(mantissa)))
        }
    }

    /// An optional exponent `e[+-]digits`; `1e` alone is malformed.
    fn exponent<'i>(&self, input: &'i str) -> PResult<'i, bool> {
        let Ok((after_e, _)) = alt((char::<_, Failure>('e'), char('E'))).parse(input) else {
            return Ok((input, false));
        };
        let (after_sign, _) = opt(alt((char('+'), char('-')))).parse(after_e)?;
        match decimal_digits(after_sign) {
            Ok((rest, _)) => Ok((rest, true)),
            Err(_) => fail(input, FailureKind::Invalid("invalid decimal literal")),
        }
    }

    fn radix_number<'i>(
        &self,
        input: &'i str,
        radix: u32,
        kind: &'static str,
        bits_per_digit: u32,
    ) -> PResult<'i, Node> {
        let after_prefix = &input[2..];
        let is_digit = match radix {
            16 => |b: u8| b.is_ascii_hexdigit(),
            8 => |b: u8| (b'0'..=b'7').contains(&b),
            _ => |b: u8| b == b'0' || b == b'1',
        };
        let parsed = preceded(opt(char('_')), |i| digit_part(i, is_digit)).parse(after_prefix);
        let Ok((rest, digits)) = parsed else {
            return fail(input, invalid_digit(after_prefix, kind));
        };
        if rest.starts_with(is_name_char) {
            return fail(rest, invalid_digit(rest, kind));
        }
        let digits = without_underscores(digits);
        let significant = digits.trim_start_matches('0').len();
        let bits = (significant as u32).saturating_mul(bits_per_digit) as f64;
        let value = self.int_literal(input, &digits, radix, bits)?;
        Ok((rest, self.tree.borrow_mut().int_node(value)))
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
fn check_literal_end(rest: &str, kind: &'static str) -> Result<(), nom::Err<Failure>> {
    match rest.chars().next() {
        Some('j' | 'J') => Err(nom::Err::Failure(Failure::at(
            rest,
            FailureKind::Invalid("complex numbers (j) are not supported"),
        ))),
        Some(c) if is_name_char(c) => Err(nom::Err::Failure(Failure::at(
            rest,
            FailureKind::InvalidLiteral(kind),
        ))),
        _ => Ok(()),
    }
}

fn invalid_digit(at: &str, kind: &'static str) -> FailureKind {
    let digit = at.chars().next().filter(char::is_ascii_alphanumeric);
    FailureKind::InvalidDigit { kind, digit }
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
    fn short_literals_match_the_full_rules() {
        // The fast path must give exactly what Rust's correctly rounded
        // `str::parse` (the full rules) gives.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..20_000 {
            let int_digits = next(12) as usize;
            let frac_digits = next(12) as usize;
            let digits: String = (0..int_digits + frac_digits)
                .map(|_| char::from(b'0' + next(10) as u8))
                .collect();
            let (int, frac) = digits.split_at(int_digits);
            let text = format!("{int}.{frac}");
            if text == "." {
                continue;
            }
            let expected: f64 = text.parse().unwrap();
            let parsed = parse(&text);
            match &parsed {
                Ok(Statement::Expr(e)) => match e.root_node() {
                    Node::Float(x) => assert_eq!(x.to_bits(), expected.to_bits(), "{text}"),
                    _ => panic!("{text}: {parsed:?}"),
                },
                _ => panic!("{text}: {parsed:?}"),
            }
            let int_text = format!("{}{}", next(9) + 1, &digits[..digits.len().min(17)]);
            let expected: i64 = int_text.parse().unwrap();
            assert_eq!(
                parse(&int_text).unwrap(),
                Statement::Expr(Expr::int(Int::Small(expected)))
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
