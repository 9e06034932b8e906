//! The grammar: text to [`Statement`], with nom.
//!
//! One method per grammar rule, in Python's precedence order (lowest first):
//!
//! ```text
//! statement   := NAME '=' expressions | expressions
//! expressions := expression (',' expression)* [',']       a tuple if there is a comma
//! expression  := disjunction ['if' disjunction 'else' expression]
//! disjunction := conjunction ('or' conjunction)*            kept flat
//! conjunction := inversion ('and' inversion)*               kept flat
//! inversion   := 'not' inversion | comparison
//! comparison  := binary (COMPARE binary)*                   a < b < c, kept flat
//! binary      := factor (BINOP factor)*                     | ^ & << >> + - * / // % @,
//!                                                           by precedence, each level flat
//! factor      := ('+' | '-' | '~') factor | power           unary binds looser than **
//! power       := primary [('**' | '^') factor]              right-assoc: 2**3**2 = 512
//! primary     := atom ('(' arguments ')' | '[' subscript ']' | '.' NAME)*
//! atom        := NUMBER | NAME | True | False | None
//!              | '(' [expressions | expression comprehension] ')'
//!              | '[' [expressions | expression comprehension] ']'
//! comprehension := ('for' targets 'in' disjunction ('if' disjunction)*)+
//! ```
//!
//! `^` is read as `**` (at `power`) unless [`Limits::caret`] makes it
//! Python's xor (at `binary`, between `&` and `|`). `power`'s right
//! operand is a `factor`, which is why `-2**2` is `-4` and `2**-1` is
//! `0.5`, exactly as in Python.
//!
//! The binary operators of the six levels from `|` to `*` are parsed by
//! precedence climbing in one loop ([`Grammar::binary`]): an operand, then
//! while the next operator binds at least as tightly as the level asked
//! for, a flat chain of that operator's level whose operands are parsed one
//! level up. That is the same tree six nested rules would build, without
//! six nested calls per operand.
//!
//! What is outside the language is refused at its column with a message
//! that says so: string literals, `lambda`, dict and set displays, `is`,
//! unpacking with `*`. What Python only rejects when it runs (an unknown
//! name, an attribute safecalc does not offer) is left to the evaluator,
//! so that errors come in Python's order.
//!
//! Safety: the grammar recurses, so every place where nesting can grow
//! (brackets, unary signs, `not`, `**` exponents, calls, subscripts,
//! comprehension clauses, `else` branches) enters a depth guard, and input
//! deeper than [`Limits::max_depth`] is an error long before the stack is
//! in danger. Chains of operators do not nest at all. Nothing here
//! backtracks over more than one token, so parsing is linear in the input
//! (no super-linear blow-up on `-----1`).
//!
//! Speed: this is the hot path of every request, so the rules that run once
//! per token choose by looking at the next byte instead of trying
//! alternatives in turn, the error type is two words (messages are only
//! formatted when a [`CalcError`] is made), short decimal integers are
//! converted on the spot, and an operand followed by nothing that could
//! continue a comparison, `and`/`or` or a conditional returns from
//! [`Grammar::expression`] without passing through those rules.
//! `benches/evaluators.rs` and `scripts/evalcount.sh` measure it.

use std::cell::{Cell, RefCell};

use nom::branch::alt;
use nom::character::complete::char;
use nom::combinator::{cut, opt};
use nom::error::{ErrorKind, ParseError};
use nom::sequence::preceded;
use nom::{IResult, Parser};
use num_bigint::BigUint;
use num_traits::Num;

use super::ast::{
    BinaryOp, BoolOp, Callee, CompareOp, ComprehensionKind, Expr, ListBuilder, NameId, Node,
    NodeId, Scope, Statement, UnaryOp,
};
use super::attributes;
use super::builtins;
use super::error::{CalcError, CalcResult};
use super::limits::{Caret, Limits};
use super::number::{Int, Meter};

/// Parses one line into a statement, enforcing `limits` on input length,
/// nesting depth and the size of integer literals.
pub fn parse_statement(input: &str, limits: &Limits) -> CalcResult<Statement> {
    parse_then(input, limits, |value, target| {
        Ok(match target {
            Some(name) => Statement::Assign {
                name: name.to_string(),
                value,
            },
            None => Statement::Expr(value),
        })
    })
}

/// Parses one line as [`parse_statement`] does, and hands the tree and the
/// assignment's target, if any, to `then`. One-shot evaluation uses this
/// to evaluate the tree where it is, rather than have it wrapped in a
/// [`Statement`] and taken out again: those moves of the tree were a
/// measurable part of evaluating `1+2`.
#[inline]
pub fn parse_then<R>(
    input: &str,
    limits: &Limits,
    then: impl FnOnce(Expr, Option<&str>) -> CalcResult<R>,
) -> CalcResult<R> {
    if input.len() > limits.max_input_bytes {
        return Err(CalcError::InputTooLong {
            max: limits.max_input_bytes,
        });
    }
    let parser = Grammar {
        limits,
        depth: Cell::new(0),
        tree: RefCell::new(Expr::recycled(initial_nodes(input))),
        unresolved: Cell::new(false),
        refused: RefCell::new(None),
        pending: Cell::new(None),
    };
    // The rules return the root and the target; the statement is built
    // here, so that it is not moved through every rule's result.
    match parser.statement(input) {
        Ok((_, (root, target))) => {
            if parser.unresolved.get() {
                parser.tree.borrow().refuse_unresolved()?;
            }
            let mut value = parser.tree.into_inner();
            value.set_root(root);
            then(value, target)
        }
        Err(nom::Err::Error(failure) | nom::Err::Failure(failure)) => match parser.refused.take() {
            Some(error) => Err(error),
            None => Err(failure.into_calc_error(input, limits)),
        },
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
    /// A malformed token, with Python's wording, or something outside the
    /// language, with safecalc's.
    Invalid(&'static str),
    /// `invalid {kind} literal`, as for `1abc`.
    InvalidLiteral(&'static str),
    /// `invalid digit '{digit}' in {kind} literal` (or `invalid {kind}
    /// literal` when no digit-like character is to blame).
    InvalidDigit {
        kind: &'static str,
        digit: Option<char>,
    },
    /// A decimal literal of more digits than CPython converts, with
    /// CPython's message (`significant` digits).
    TooManyDigits {
        significant: usize,
    },
    /// Outside the language, for a reason the grammar's `refused` holds.
    Refused,
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
        let word = take_bytes(after, is_name_byte).1;
        let found = match after.chars().next() {
            None => "the end of the input".to_string(),
            Some('\'') => "\"'\"".to_string(),
            // A whole word: `found 'import'`, not `found 'i'`.
            Some(c) if c.is_ascii_alphabetic() || c == '_' => format!("'{word}'"),
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
            FailureKind::TooManyDigits { significant } => format!(
                "Exceeds the limit ({} digits) for integer string conversion: value has \
                 {significant} digits; use sys.set_int_max_str_digits() to increase the limit \
                 - Consider hexadecimal for huge integer literals to avoid decimal conversion \
                 limits.",
                limits.max_str_digits
            ),
            FailureKind::Refused => "outside the language".to_string(),
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

/// What [`Parser::chain_operand`] reads: the rest of the input, the
/// operand, and the binary operator after it (with its length), if any.
type ChainOperand<'i> = (&'i str, NodeId, Option<(BinaryOp, usize)>);

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

/// Whether `word` is one of Python's keywords (never a name). Chosen by
/// length and first letter, then compared: most names are rejected
/// without comparing any text.
pub(crate) fn is_keyword(word: &str) -> bool {
    let bytes = word.as_bytes();
    let Some(first) = bytes.first() else {
        return false;
    };
    let candidates: &[&str] = match (bytes.len(), first) {
        (2, b'a') => &["as"],
        (2, b'i') => &["if", "in", "is"],
        (2, b'o') => &["or"],
        (3, b'a') => &["and"],
        (3, b'd') => &["def", "del"],
        (3, b'f') => &["for"],
        (3, b'n') => &["not"],
        (3, b't') => &["try"],
        (4, b'N') => &["None"],
        (4, b'T') => &["True"],
        (4, b'e') => &["elif", "else"],
        (4, b'f') => &["from"],
        (4, b'p') => &["pass"],
        (4, b'w') => &["with"],
        (5, b'F') => &["False"],
        (5, b'a') => &["async", "await"],
        (5, b'b') => &["break"],
        (5, b'c') => &["class"],
        (5, b'r') => &["raise"],
        (5, b'w') => &["while"],
        (5, b'y') => &["yield"],
        (6, b'a') => &["assert"],
        (6, b'e') => &["except"],
        (6, b'g') => &["global"],
        (6, b'i') => &["import"],
        (6, b'l') => &["lambda"],
        (6, b'r') => &["return"],
        (7, b'f') => &["finally"],
        (8, b'c') => &["continue"],
        (8, b'n') => &["nonlocal"],
        _ => &[],
    };
    candidates.contains(&word)
}

/// The input after keyword `word`, if it starts with it (and not with a
/// longer name).
#[inline]
fn keyword<'i>(input: &'i str, word: &str) -> Option<&'i str> {
    // The first byte rules out most places without comparing the rest.
    if input.as_bytes().first() != word.as_bytes().first() {
        return None;
    }
    let rest = input.strip_prefix(word)?;
    match peek(rest) {
        Some(b) if is_name_byte(b) => None,
        _ => Some(rest),
    }
}

/// Whether the text after an operand (white space skipped) could continue
/// an expression above the binary operators: a comparison, `and`, `or`,
/// `not in`, `is`, or a conditional. Most operands are followed by none of
/// these, and [`Grammar::expression`] then returns at once.
#[inline(always)]
fn continues_expression(next: &[u8]) -> bool {
    match next {
        [b'<' | b'>', ..] | [b'=' | b'!', b'=', ..] => true,
        [b'a' | b'o' | b'i' | b'n', ..] => {
            let word = &next[..next
                .iter()
                .position(|b| !is_name_byte(*b))
                .unwrap_or(next.len())];
            matches!(word, b"and" | b"or" | b"if" | b"in" | b"is" | b"not")
        }
        _ => false,
    }
}

/// Whether a byte can start an expression (to tell a trailing comma from a
/// separating one).
fn starts_expression(input: &str) -> bool {
    match peek(input) {
        Some(b'0'..=b'9' | b'.' | b'(' | b'[' | b'+' | b'-' | b'~' | b'\'' | b'"' | b'{') => true,
        Some(b) if b.is_ascii_alphabetic() || b == b'_' => {
            let word = take_bytes(input, is_name_byte).1;
            !is_keyword(word) || matches!(word, "True" | "False" | "None" | "not" | "lambda")
        }
        _ => false,
    }
}

/// The level of `* / // % @`, the binary operators that bind tightest.
const TIGHTEST_LEVEL: u8 = 5;

/// The binding level of the binary operators, lowest first (the order of
/// [`Precedence`](super::ast::Precedence) from `|` to `*`).
fn level(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::BitOr => 0,
        BinaryOp::BitXor => 1,
        BinaryOp::BitAnd => 2,
        BinaryOp::LShift | BinaryOp::RShift => 3,
        BinaryOp::Add | BinaryOp::Sub => 4,
        _ => TIGHTEST_LEVEL,
    }
}

/// `NAME '='` (but not `NAME '=='`) at the start of an argument: the input
/// after the `=` and its white space, and the name. [`assignment_target`]
/// without building a parse error for the common argument, which is not a
/// keyword argument.
#[inline]
fn keyword_argument(input: &str) -> Option<(&str, &str)> {
    if !matches!(peek(input), Some(b'a'..=b'z' | b'A'..=b'Z' | b'_')) {
        return None;
    }
    let (rest, name) = take_bytes(input, is_name_byte);
    let rest = ws(rest).ok()?.0;
    match rest.as_bytes() {
        [b'=', b'=', ..] => None,
        [b'=', ..] => Some((ws(&rest[1..]).ok()?.0, name)),
        _ => None,
    }
}

/// `NAME '='` (but not `NAME '=='`) at the start of a statement or a
/// keyword argument, with the white space after it: the name, and the
/// input after the `=`.
#[inline(always)]
fn assignment_target(input: &str) -> PResult<'_, &str> {
    let (rest, target) = name(input)?;
    let (rest, _) = ws(rest)?;
    match rest.as_bytes() {
        [b'=', b'=', ..] => expected(rest, "'='"),
        [b'=', ..] => Ok((ws(&rest[1..])?.0, target)),
        _ => expected(rest, "'='"),
    }
}

/// A string prefix (`b`, `r`, `f`, `rb`, ...) glued to a quote.
fn is_string_prefix(word: &str, rest: &str) -> bool {
    matches!(peek(rest), Some(b'\'' | b'"'))
        && word.len() <= 2
        && word.bytes().all(|b| b"bBrRuUfF".contains(&b))
}

const OPERAND: &str = "a number, a name or '('";
const STRING_LITERALS: &str =
    "string literals are not supported (safecalc computes with numbers only)";

/// The grammar, with the state it needs: the limits, the current depth,
/// and the tree being built. The rules return the [`NodeId`] of what they
/// parsed, its nodes already appended to `tree` (children first).
struct Grammar<'l> {
    limits: &'l Limits,
    depth: Cell<usize>,
    tree: RefCell<Expr>,
    /// Whether the tree has a node that the end of parsing must look at
    /// again, once every comprehension's scope is known: a function's
    /// name not called, `math` alone, `math.NAME` that is not one of the
    /// module's constants or called functions ([`Expr::refuse_unresolved`]).
    /// Most lines have none, and skip that pass.
    unresolved: Cell<bool>,
    /// Why a [`FailureKind::Refused`] failure refused the input.
    refused: RefCell<Option<CalcError>>,
    /// A short literal that a rule read and could not use (`2` of `2**10`,
    /// `4` of `1 + 4/8`), for the rule it hands over to, which reads the
    /// same text: where it starts and ends (as the lengths of the input
    /// from there) and its node. The literal at a place is always the same,
    /// so a stale one is never wrong; it only saves reading it again.
    pending: Cell<Option<(usize, usize, Node)>>,
}

/// Holds `levels` of nesting depth until dropped; [`Self::add`] holds more
/// (for a chain of calls, subscripts and attributes, each of which nests
/// the tree one level deeper).
struct DepthGuard<'g> {
    depth: &'g Cell<usize>,
    levels: usize,
    max: usize,
}

impl DepthGuard<'_> {
    fn add(&mut self, input: &str) -> Result<(), nom::Err<Failure>> {
        let depth = self.depth.get() + 1;
        if depth > self.max {
            return Err(nom::Err::Failure(Failure::at(input, FailureKind::TooDeep)));
        }
        self.depth.set(depth);
        self.levels += 1;
        Ok(())
    }
}

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        self.depth.set(self.depth.get() - self.levels);
    }
}

impl Grammar<'_> {
    /// Fails with `error`, which the caller gets as it is (a
    /// [`FailureKind::Refused`] failure cannot be backtracked over).
    #[cold]
    fn refuse<'i, T>(&self, at: &'i str, error: CalcError) -> PResult<'i, T> {
        *self.refused.borrow_mut() = Some(error);
        fail(at, FailureKind::Refused)
    }

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
            max: self.limits.max_depth,
        })
    }

    /// Appends a node to the tree.
    fn push(&self, node: Node) -> NodeId {
        self.tree.borrow_mut().push(node)
    }

    /// How many nodes the tree has (where the next one will go).
    fn mark(&self) -> NodeId {
        self.tree.borrow().len()
    }

    /// Keeps a name in the tree.
    fn add_name(&self, name: &str) -> NameId {
        self.tree.borrow_mut().add_name(name)
    }

    /// Appends a cell to `list`.
    fn push_cell(&self, list: &mut ListBuilder, cell: Node) {
        list.push(&mut self.tree.borrow_mut(), cell);
    }

    /// A list of [`Node::Item`]s whose first item is `first`, already
    /// parsed (a comma has just shown that there is a list).
    fn first_item(&self, first: NodeId) -> ListBuilder {
        let mut items = ListBuilder::default();
        let next = None;
        self.push_cell(&mut items, Node::Item { value: first, next });
        items
    }

    /// A whole line: the root of its expression, and the name it assigns
    /// to, if any. In line in both users of [`parse_then`]: called, it
    /// cost parsing `1+2` 30 instructions more.
    #[inline(always)]
    fn statement<'i>(&self, input: &'i str) -> PResult<'i, (NodeId, Option<&'i str>)> {
        let (input, _) = trailing_ws(input)?;
        let (rest, target, root) = match assignment_target(input) {
            Ok((after, target)) => {
                if is_keyword(target) {
                    return fail(input, FailureKind::Invalid("cannot assign to a keyword"));
                }
                let (rest, root) = cut(|i| self.expressions(i)).parse(after)?;
                (rest, Some(target), root)
            }
            Err(_) => {
                let (rest, root) = self.expressions(input).map_err(as_failure)?;
                (rest, None, root)
            }
        };
        let (rest, _) = trailing_ws(rest)?;
        if rest.is_empty() {
            Ok((rest, (root, target)))
        } else if rest.starts_with(')') {
            fail(rest, FailureKind::Invalid("unmatched ')'"))
        } else if rest.starts_with(']') {
            fail(rest, FailureKind::Invalid("unmatched ']'"))
        } else {
            fail(
                rest,
                FailureKind::Expected("an operator or the end of the input"),
            )
        }
    }

    /// `expression (',' expression)* [',']`: a tuple if there is a comma.
    #[inline(always)]
    fn expressions<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        let (rest, first) = self.expression(input)?;
        let after = ws(rest)?.0;
        if peek(after) != Some(b',') {
            return Ok((rest, first));
        }
        let mut items = self.first_item(first);
        let rest = self.more_items(&after[1..], &mut items)?;
        let items = items.head;
        Ok((rest, self.push(Node::Tuple { items })))
    }

    /// The items after a comma: `(expression ',')* [expression]`.
    fn more_items<'i>(
        &self,
        mut input: &'i str,
        items: &mut ListBuilder,
    ) -> Result<&'i str, nom::Err<Failure>> {
        loop {
            let at = ws(input)?.0;
            if !starts_expression(at) {
                return Ok(at);
            }
            let (rest, value) = self.expression(at).map_err(as_failure)?;
            self.push_cell(items, Node::Item { value, next: None });
            let after = ws(rest)?.0;
            match peek(after) {
                Some(b',') => input = &after[1..],
                _ => return Ok(rest),
            }
        }
    }

    /// An expression, with the common one (operators up to `|`, followed by
    /// nothing that continues it) taken without the rules above them.
    #[inline(always)]
    fn expression<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        if !matches!(peek(input), Some(b'n' | b'l')) {
            let (rest, first) = self.binary(input, 0)?;
            if !continues_expression(ws(rest)?.0.as_bytes()) {
                return Ok((rest, first));
            }
            return self.expression_tail(rest, first);
        }
        self.full_expression(input)
    }

    /// An argument that is a lone number or a plain name, followed by `,`
    /// or `)`: built as the rules would build it, without the dozen nested
    /// rules (each returning through memory) that each argument of
    /// `max(x, x, ...)` would otherwise pass through. A keyword, a built-in
    /// function's or `math`'s name, a string prefix, or anything after the
    /// operand but `,` and `)` is left to the rules (`None`).
    #[inline]
    fn lone_argument<'i>(&self, input: &'i str) -> Option<(&'i str, NodeId)> {
        let first = *input.as_bytes().first()?;
        let ends = |rest: &str| {
            matches!(
                rest.trim_start_matches([' ', '\t', '\x0c']).as_bytes(),
                [b',' | b')', ..]
            )
        };
        if first.is_ascii_digit() {
            let (rest, literal) = self.short_literal(input)?;
            return ends(rest).then(|| (rest, self.push(literal)));
        }
        if !(first.is_ascii_alphabetic() || first == b'_') {
            return None;
        }
        let (rest, word) = take_bytes(input, is_name_byte);
        if !ends(rest) || is_keyword(word) {
            return None;
        }
        let node = match builtins::constant(word) {
            Some(c) => Node::Constant(c),
            None if word == builtins::MATH || builtins::function(word).is_some() => return None,
            None => Node::Variable(self.add_name(word)),
        };
        Some((rest, self.push(node)))
    }

    /// [`Self::expression`] when it starts with a name that may be `not`
    /// or `lambda`.
    fn full_expression<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        if let Some(after) = keyword(input, "lambda") {
            let _ = after;
            return fail(
                input,
                FailureKind::Invalid("lambda is not supported: functions are not values"),
            );
        }
        if keyword(input, "not").is_some() {
            let (rest, node) = self.disjunction(input)?;
            return self.conditional_tail(rest, node);
        }
        let (rest, first) = self.binary(input, 0)?;
        self.expression_tail(rest, first)
    }

    /// What may follow an expression's first operand: comparisons, `and`,
    /// `or`, a conditional.
    fn expression_tail<'i>(&self, rest: &'i str, first: NodeId) -> PResult<'i, NodeId> {
        let (rest, compared) = self.compare_tail(rest, first)?;
        let (rest, conjunction) = self.bool_tail(rest, compared, BoolOp::And)?;
        let (rest, node) = self.bool_tail(rest, conjunction, BoolOp::Or)?;
        self.conditional_tail(rest, node)
    }

    /// `body if test else orelse`, after `body`.
    fn conditional_tail<'i>(&self, input: &'i str, body: NodeId) -> PResult<'i, NodeId> {
        let Some(after_if) = keyword(ws(input)?.0, "if") else {
            return Ok((input, body));
        };
        let _guard = self.enter(after_if, 1)?;
        let (rest, test) = self.disjunction(ws(after_if)?.0).map_err(as_failure)?;
        let at = ws(rest)?.0;
        let Some(after_else) = keyword(at, "else") else {
            return fail(at, FailureKind::Expected("'else'"));
        };
        let (rest, orelse) = self.expression(ws(after_else)?.0).map_err(as_failure)?;
        Ok((rest, self.push(Node::IfElse { body, test, orelse })))
    }

    fn disjunction<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        let (rest, first) = self.conjunction(input)?;
        self.bool_tail(rest, first, BoolOp::Or)
    }

    fn conjunction<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        let (rest, first) = self.inversion(input)?;
        self.bool_tail(rest, first, BoolOp::And)
    }

    /// `first (op operand)*` for `and` (operands: inversions) or `or`
    /// (operands: conjunctions), kept flat.
    fn bool_tail<'i>(&self, input: &'i str, first: NodeId, op: BoolOp) -> PResult<'i, NodeId> {
        let word = op.symbol();
        let Some(mut after) = keyword(ws(input)?.0, word) else {
            return Ok((input, first));
        };
        let mut operands = self.first_item(first);
        let mut input;
        loop {
            let at = ws(after)?.0;
            let (rest, value) = match op {
                BoolOp::And => self.inversion(at),
                BoolOp::Or => self.conjunction(at),
            }
            .map_err(as_failure)?;
            input = rest;
            self.push_cell(&mut operands, Node::Item { value, next: None });
            match keyword(ws(input)?.0, word) {
                Some(next) => after = next,
                None => break,
            }
        }
        // There are at least two operands.
        let operands = operands.head.unwrap_or(first);
        Ok((input, self.push(Node::BoolOp { op, operands })))
    }

    fn inversion<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        if let Some(after) = keyword(input, "not") {
            let _guard = self.enter(after, 1)?;
            let (rest, operand) = self.inversion(ws(after)?.0).map_err(as_failure)?;
            let op = UnaryOp::Not;
            return Ok((rest, self.push(Node::Unary { op, operand })));
        }
        let (rest, first) = self.binary(input, 0)?;
        self.compare_tail(rest, first)
    }

    /// A comparison operator at the start of `input`, and the input after
    /// it.
    fn compare_op<'i>(
        &self,
        input: &'i str,
    ) -> Result<Option<(CompareOp, &'i str)>, nom::Err<Failure>> {
        let op = match input.as_bytes() {
            [b'<', b'=', ..] => (CompareOp::Le, 2),
            [b'>', b'=', ..] => (CompareOp::Ge, 2),
            [b'=', b'=', ..] => (CompareOp::Eq, 2),
            [b'!', b'=', ..] => (CompareOp::Ne, 2),
            [b'<', b'>', ..] => {
                return Err(nom::Err::Failure(Failure::at(
                    input,
                    FailureKind::Invalid("'<>' is not Python 3: use '!='"),
                )));
            }
            [b'<', b'<', ..] | [b'>', b'>', ..] => return Ok(None),
            [b'<', ..] => (CompareOp::Lt, 1),
            [b'>', ..] => (CompareOp::Gt, 1),
            _ => {
                if let Some(rest) = keyword(input, "in") {
                    return Ok(Some((CompareOp::In, rest)));
                }
                if let Some(rest) = keyword(input, "not") {
                    return match keyword(ws(rest)?.0, "in") {
                        Some(rest) => Ok(Some((CompareOp::NotIn, rest))),
                        None => Ok(None),
                    };
                }
                if keyword(input, "is").is_some() {
                    return Err(nom::Err::Failure(Failure::at(
                        input,
                        FailureKind::Invalid(
                            "'is' is not supported: safecalc values have no identity; use '=='",
                        ),
                    )));
                }
                return Ok(None);
            }
        };
        Ok(Some((op.0, &input[op.1..])))
    }

    /// `first (op operand)*` for comparisons, kept flat.
    fn compare_tail<'i>(&self, input: &'i str, first: NodeId) -> PResult<'i, NodeId> {
        let Some((mut op, mut after)) = self.compare_op(ws(input)?.0)? else {
            return Ok((input, first));
        };
        let mut links = ListBuilder::default();
        let mut input;
        loop {
            let (rest, operand) = self.binary(ws(after)?.0, 0).map_err(as_failure)?;
            input = rest;
            self.push_cell(
                &mut links,
                Node::CompareLink {
                    op,
                    operand,
                    next: None,
                },
            );
            match self.compare_op(ws(input)?.0)? {
                Some((next, rest)) => (op, after) = (next, rest),
                None => break,
            }
        }
        let rest = links.head.unwrap_or(first);
        Ok((input, self.push(Node::Compare { first, rest })))
    }

    /// A binary operator (other than `**`) at the start of `input`, and
    /// its length.
    #[inline]
    fn binary_op(&self, input: &str) -> Option<(BinaryOp, usize)> {
        Some(match input.as_bytes() {
            [b'+', ..] => (BinaryOp::Add, 1),
            [b'-', ..] => (BinaryOp::Sub, 1),
            [b'*', b'*', ..] => return None,
            [b'*', ..] => (BinaryOp::Mul, 1),
            [b'/', b'/', ..] => (BinaryOp::FloorDiv, 2),
            [b'/', ..] => (BinaryOp::TrueDiv, 1),
            [b'%', ..] => (BinaryOp::Mod, 1),
            [b'@', ..] => (BinaryOp::MatMul, 1),
            [b'<', b'<', ..] => (BinaryOp::LShift, 2),
            [b'>', b'>', ..] => (BinaryOp::RShift, 2),
            [b'&', ..] => (BinaryOp::BitAnd, 1),
            [b'|', ..] => (BinaryOp::BitOr, 1),
            [b'^', ..] if self.limits.caret == Caret::Xor => (BinaryOp::BitXor, 1),
            _ => return None,
        })
    }

    /// The binary operators from `|` to `*`, by precedence climbing (see
    /// the module docs): operands of `min`'s level or above.
    fn binary<'i>(&self, input: &'i str, min: u8) -> PResult<'i, NodeId> {
        let (mut input, mut left) = self.operand(input)?;
        let mut next = self.binary_op(ws(input)?.0);
        loop {
            let Some((mut op, mut len)) = next else {
                return Ok((input, left));
            };
            let chain_level = level(op);
            if chain_level < min {
                return Ok((input, left));
            }
            // A flat chain of this level: each operand binds tighter.
            let mut links = ListBuilder::default();
            loop {
                let at = ws(&ws(input)?.0[len..])?.0;
                let (after, operand, following) = self.chain_operand(at, chain_level)?;
                input = after;
                self.push_cell(
                    &mut links,
                    Node::Link {
                        op,
                        operand,
                        next: None,
                    },
                );
                match following {
                    Some((o, l)) if level(o) == chain_level => (op, len) = (o, l),
                    _ => {
                        next = following;
                        break;
                    }
                }
            }
            let rest = links.head.unwrap_or(left);
            left = self.push(Node::Chain { first: left, rest });
        }
    }

    /// An operand of a chain of level `chain_level` (one that binds
    /// tighter), and the operator after it, if any. The common operand, a
    /// lone number followed by nothing tighter (`2` in `1 + 2 + 3`), is
    /// taken here without the recursive call, which on `1+2+...` was most
    /// of the parser's time.
    #[inline]
    fn chain_operand<'i>(
        &self,
        at: &'i str,
        chain_level: u8,
    ) -> Result<ChainOperand<'i>, nom::Err<Failure>> {
        if let Some((rest, literal)) = self.short_literal(at) {
            let after = ws(rest)?.0;
            if !self.continues_primary(after.as_bytes()) {
                let following = self.binary_op(after);
                if following.is_none_or(|(o, _)| level(o) <= chain_level) {
                    return Ok((rest, self.push(literal), following));
                }
            }
            // The first operand of a tighter chain, or a power's atom.
            self.stash(at, rest, literal);
        }
        // Nothing binds tighter than `*` but the unary signs and `**`.
        let (rest, operand) = if chain_level >= TIGHTEST_LEVEL {
            self.factor(at)
        } else {
            self.binary(at, chain_level + 1)
        }
        .map_err(as_failure)?;
        let following = self.binary_op(ws(rest)?.0);
        Ok((rest, operand, following))
    }

    /// A `factor`, with the most common one taken on the spot: a lone
    /// number (`1` in `1 + 2`) followed by nothing that binds tighter. That
    /// case builds the same tree the rules would, without the nested calls
    /// (factor, power, primary, number) that would each move the result
    /// through memory: on `1+2+...` that is most of the parser's time.
    #[inline]
    fn operand<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        if let Some((rest, literal)) = self.literal_at(input) {
            if !self.continues_primary(ws(rest)?.0.as_bytes()) {
                return Ok((rest, self.push(literal)));
            }
            // `2**10`: the power's atom, for `number` to take.
            self.stash(input, rest, literal);
        }
        self.factor(input)
    }

    /// The short literal at the start of `input`: the one a rule left
    /// ([`Self::stash`]), or read now.
    #[inline]
    fn literal_at<'i>(&self, input: &'i str) -> Option<(&'i str, Node)> {
        if let Some((at, end, node)) = self.pending.get()
            && at == input.len()
        {
            return Some((&input[input.len() - end..], node));
        }
        self.short_literal(input)
    }

    /// Leaves the literal `literal` read from `input` (up to `rest`) for
    /// the next rule that reads `input`.
    #[inline]
    fn stash(&self, input: &str, rest: &str, literal: Node) {
        self.pending.set(Some((input.len(), rest.len(), literal)));
    }

    /// Whether the text after a primary continues it (a power, a call, a
    /// subscript, an attribute).
    #[inline]
    fn continues_primary(&self, next: &[u8]) -> bool {
        match next {
            [b'*', b'*', ..] | [b'(' | b'[' | b'.', ..] => true,
            [b'^', ..] => self.limits.caret == Caret::Power,
            _ => false,
        }
    }

    /// Unary signs are read in a loop, not by recursion, but each still
    /// counts as a level, since evaluating and dropping them recurses.
    fn factor<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        let mut count = 0;
        let mut rest = input;
        while let Some(b'+' | b'-' | b'~') = peek(rest) {
            count += 1;
            rest = ws(&rest[1..])?.0;
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
                b'~' => UnaryOp::Invert,
                _ => continue, // white space
            };
            operand = self.push(Node::Unary { op, operand });
        }
        Ok((after, operand))
    }

    fn power<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        let (input, base) = self.primary(input)?;
        let after = ws(input)?.0;
        let after_op = match after.as_bytes() {
            [b'*', b'*', ..] => &after[2..],
            [b'^', ..] if self.limits.caret == Caret::Power => &after[1..],
            _ => return Ok((input, base)),
        };
        let _guard = self.enter(after_op, 1)?;
        let (rest, exponent) = self.power_exponent(ws(after_op)?.0).map_err(as_failure)?;
        Ok((rest, self.push(Node::Power { base, exponent })))
    }

    /// A power's exponent: a factor, with a lone number (`2` of `x**2`)
    /// taken at once. Kept out of line: in line, it made the compiler lay
    /// out the rules above it less well.
    #[inline(never)]
    fn power_exponent<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        if let Some((rest, literal)) = self.short_literal(input)
            && !self.continues_primary(ws(rest)?.0.as_bytes())
        {
            return Ok((rest, self.push(literal)));
        }
        self.factor(input)
    }

    /// An atom and its calls, subscripts and attributes.
    fn primary<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        let (mut input, mut node) = self.atom(input)?;
        let mut guard = None;
        loop {
            let after = ws(input)?.0;
            let open = match peek(after) {
                Some(b'(' | b'[' | b'.') => after,
                _ => return Ok((input, node)),
            };
            // Each of these nests the tree one level deeper.
            match &mut guard {
                None => guard = Some(self.enter(open, 1)?),
                Some(g) => g.add(open)?,
            }
            (input, node) = match peek(open) {
                Some(b'(') => self.arguments(&open[1..], Callee::Expr(node))?,
                Some(b'[') => self.subscript(&open[1..], node)?,
                _ => self.attribute(&open[1..], node)?,
            };
        }
    }

    fn atom<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        match input.as_bytes() {
            [b'0'..=b'9', ..] | [b'.', b'0'..=b'9', ..] => {
                let (rest, literal) = self.number(input)?;
                Ok((rest, self.push(literal)))
            }
            [b'a'..=b'z' | b'A'..=b'Z' | b'_', ..] => self.name_atom(input),
            [b'(', ..] => self.parenthesized(&input[1..]),
            [b'[', ..] => self.list_display(&input[1..]),
            [b'\'' | b'"', ..] => fail(input, FailureKind::Invalid(STRING_LITERALS)),
            [b'{', ..] => fail(
                input,
                FailureKind::Invalid("dict and set displays are not supported"),
            ),
            _ => expected(input, OPERAND),
        }
    }

    fn name_atom<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        let (rest, identifier) = name(input)?;
        if is_string_prefix(identifier, rest) {
            return fail(input, FailureKind::Invalid(STRING_LITERALS));
        }
        if is_keyword(identifier) {
            let literal = match identifier {
                "True" => Node::Bool(true),
                "False" => Node::Bool(false),
                "None" => Node::None,
                _ => return expected(input, OPERAND),
            };
            return Ok((rest, self.push(literal)));
        }
        if identifier.as_bytes().first() == Some(&b'm') && identifier == builtins::MATH {
            return self.math_atom(rest);
        }
        let after = ws(rest)?.0;
        if peek(after) == Some(b'(')
            && let Some(function) = builtins::function(identifier)
        {
            let _guard = self.enter(after, 1)?;
            return self.arguments(&after[1..], Callee::Builtin(function));
        }
        let node = match builtins::constant(identifier) {
            Some(c) => Node::Constant(c),
            None => {
                if builtins::function(identifier).is_some() {
                    // Not called: refused, unless a loop variable.
                    self.unresolved.set(true);
                }
                Node::Variable(self.add_name(identifier))
            }
        };
        Ok((rest, self.push(node)))
    }

    /// `math`, `math.pi`, `math.sqrt(...)`: resolved here when the name is
    /// one of the module's, so that `math.sqrt(2)` evaluates as `sqrt(2)`
    /// does. Anything else (`math` alone, `math.foo`, `math.sqrt` not
    /// called) is refused when parsing ends, unless a comprehension
    /// variable named `math` gives it a meaning (`[math.real for math in
    /// [1]]`).
    fn math_atom<'i>(&self, rest: &'i str) -> PResult<'i, NodeId> {
        let after = ws(rest)?.0;
        let Some(after_dot) = after.strip_prefix('.') else {
            self.unresolved.set(true);
            return Ok((rest, self.push(Node::Math)));
        };
        let Ok((after_name, attribute)) = name(ws(after_dot)?.0) else {
            return fail(ws(after_dot)?.0, FailureKind::Expected("a name"));
        };
        if let Some(c) = builtins::constant(attribute) {
            return Ok((after_name, self.push(Node::MathConstant(c))));
        }
        let open = ws(after_name)?.0;
        if peek(open) == Some(b'(')
            && let Some(function) = builtins::math_function(attribute)
        {
            let _guard = self.enter(open, 1)?;
            return self.arguments(&open[1..], Callee::Math(function));
        }
        self.unresolved.set(true);
        let value = self.push(Node::Math);
        let name = self.add_name(attribute);
        Ok((after_name, self.push(Node::Attribute { value, name })))
    }

    /// After `(`: `()`, `(expression)`, a tuple, or a generator expression.
    fn parenthesized<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        let _guard = self.enter(input, 1)?;
        let input = ws(input)?.0;
        if let Some(rest) = input.strip_prefix(')') {
            return Ok((rest, self.push(Node::Tuple { items: None })));
        }
        let start = self.mark();
        let (rest, first) = self.expression(input).map_err(as_failure)?;
        let after = ws(rest)?.0;
        let (rest, node) = if keyword(after, "for").is_some() {
            self.comprehension(after, ComprehensionKind::Generator, start, first)?
        } else if peek(after) == Some(b',') {
            let mut items = self.first_item(first);
            let rest = self.more_items(&after[1..], &mut items)?;
            let items = items.head;
            (rest, self.push(Node::Tuple { items }))
        } else {
            (rest, first)
        };
        let rest = ws(rest)?.0;
        match peek(rest) {
            Some(b')') => Ok((&rest[1..], node)),
            _ => fail(rest, FailureKind::Expected("')'")),
        }
    }

    /// After `[`: a list display or a list comprehension.
    fn list_display<'i>(&self, input: &'i str) -> PResult<'i, NodeId> {
        let _guard = self.enter(input, 1)?;
        let input = ws(input)?.0;
        if let Some(rest) = input.strip_prefix(']') {
            return Ok((rest, self.push(Node::List { items: None })));
        }
        let start = self.mark();
        let (rest, first) = self.expression(input).map_err(as_failure)?;
        let after = ws(rest)?.0;
        let (rest, node) = if keyword(after, "for").is_some() {
            self.comprehension(after, ComprehensionKind::List, start, first)?
        } else {
            let mut items = self.first_item(first);
            let rest = if peek(after) == Some(b',') {
                self.more_items(&after[1..], &mut items)?
            } else {
                rest
            };
            let items = items.head;
            (rest, self.push(Node::List { items }))
        };
        let rest = ws(rest)?.0;
        match peek(rest) {
            Some(b']') => Ok((&rest[1..], node)),
            _ => fail(rest, FailureKind::Expected("']'")),
        }
    }

    /// `for ... in ... if ...` clauses after a comprehension's element
    /// (whose nodes start at `start`); resolves its scope (see the ast
    /// module's docs).
    fn comprehension<'i>(
        &self,
        input: &'i str,
        kind: ComprehensionKind,
        start: NodeId,
        element: NodeId,
    ) -> PResult<'i, NodeId> {
        let mut scope = Scope::default();
        let mut clauses = ListBuilder::default();
        let mut first_iterable = 0..0;
        let mut guard: Option<DepthGuard<'_>> = None;
        let mut input = input;
        loop {
            let at = ws(input)?.0;
            if let Some(after_for) = keyword(at, "for") {
                // Each loop nests the evaluation one level deeper.
                match &mut guard {
                    None => guard = Some(self.enter(at, 1)?),
                    Some(g) => g.add(at)?,
                }
                let (rest, target) = self.targets(ws(after_for)?.0, &mut scope)?;
                let at_in = ws(rest)?.0;
                let Some(after_in) = keyword(at_in, "in") else {
                    return fail(at_in, FailureKind::Expected("'in'"));
                };
                let from = self.mark();
                let (rest, iterable) = self.disjunction(ws(after_in)?.0).map_err(as_failure)?;
                if clauses.head.is_none() {
                    first_iterable = from..self.mark();
                }
                let next = None;
                self.push_cell(
                    &mut clauses,
                    Node::For {
                        target,
                        iterable,
                        next,
                    },
                );
                input = rest;
            } else if clauses.head.is_some()
                && let Some(after_if) = keyword(at, "if")
            {
                let (rest, condition) = self.disjunction(ws(after_if)?.0).map_err(as_failure)?;
                self.push_cell(
                    &mut clauses,
                    Node::If {
                        condition,
                        next: None,
                    },
                );
                input = rest;
            } else {
                break;
            }
        }
        let Some(first) = clauses.head else {
            return fail(input, FailureKind::Expected("'for'"));
        };
        let finished = self.tree.borrow_mut().finish_comprehension(
            kind,
            element,
            first,
            start,
            first_iterable,
            &scope,
        );
        match finished {
            Ok(node) => Ok((input, self.push(node))),
            Err(error) => self.refuse(input, error),
        }
    }

    /// A comprehension's loop variables: `target (',' target)* [',']`, a
    /// tuple if there is a comma.
    fn targets<'i>(&self, input: &'i str, scope: &mut Scope) -> PResult<'i, NodeId> {
        let (rest, first) = self.target(input, scope)?;
        let after = ws(rest)?.0;
        if peek(after) != Some(b',') {
            return Ok((rest, first));
        }
        let mut items = self.first_item(first);
        let mut input = &after[1..];
        loop {
            let at = ws(input)?.0;
            let starts_target = match peek(at) {
                Some(b'(' | b'[') => true,
                Some(b) if b.is_ascii_alphabetic() || b == b'_' => {
                    !is_keyword(take_bytes(at, is_name_byte).1)
                }
                _ => false,
            };
            if !starts_target {
                input = at;
                break;
            }
            let (rest, value) = self.target(at, scope)?;
            self.push_cell(&mut items, Node::Item { value, next: None });
            let after = ws(rest)?.0;
            if peek(after) == Some(b',') {
                input = &after[1..];
            } else {
                input = rest;
                break;
            }
        }
        let items = items.head;
        Ok((input, self.push(Node::StoreTuple { items })))
    }

    /// One loop variable, or a bracketed tuple of them.
    fn target<'i>(&self, input: &'i str, scope: &mut Scope) -> PResult<'i, NodeId> {
        if let Some(close) = match peek(input) {
            Some(b'(') => Some(b')'),
            Some(b'[') => Some(b']'),
            _ => None,
        } {
            let _guard = self.enter(input, 1)?;
            let inner = ws(&input[1..])?.0;
            if peek(inner) == Some(close) {
                return Ok((&inner[1..], self.push(Node::StoreTuple { items: None })));
            }
            let (rest, node) = self.targets(inner, scope)?;
            let rest = ws(rest)?.0;
            return if peek(rest) == Some(close) {
                Ok((&rest[1..], node))
            } else {
                fail(
                    rest,
                    FailureKind::Expected(if close == b')' { "')'" } else { "']'" }),
                )
            };
        }
        let Ok((rest, identifier)) = name(input) else {
            return fail(input, FailureKind::Expected("a name"));
        };
        if is_keyword(identifier) {
            return fail(input, FailureKind::Expected("a name"));
        }
        let slot = scope.slot(identifier);
        let name = self.add_name(identifier);
        let store = self.push(Node::Store { slot, name });
        scope.own(store);
        Ok((rest, store))
    }

    /// After `(` of a call: the arguments, positional then keyword, or a
    /// generator expression alone; then the call node.
    fn arguments<'i>(&self, input: &'i str, callee: Callee) -> PResult<'i, NodeId> {
        let mut args = ListBuilder::default();
        // The keyword names so far (made only for a call that has some).
        let mut keywords: Option<Vec<&str>> = None;
        let mut count = 0;
        let mut input = ws(input)?.0;
        loop {
            if let Some(rest) = input.strip_prefix(')') {
                input = rest;
                break;
            }
            if peek(input) == Some(b'*') {
                return fail(
                    input,
                    FailureKind::Invalid("argument unpacking (* and **) is not supported"),
                );
            }
            let (rest, value) = match keyword_argument(input) {
                Some((after, keyword_name)) => {
                    if is_keyword(keyword_name) {
                        return fail(
                            input,
                            FailureKind::Invalid("a keyword argument's name cannot be a keyword"),
                        );
                    }
                    let seen = keywords.get_or_insert_with(Vec::new);
                    if seen.contains(&keyword_name) {
                        return fail(input, FailureKind::Invalid("keyword argument repeated"));
                    }
                    seen.push(keyword_name);
                    let name = self.add_name(keyword_name);
                    let (rest, value) = self.expression(after).map_err(as_failure)?;
                    (rest, self.push(Node::Keyword { name, value }))
                }
                None => {
                    if keywords.is_some() {
                        return fail(
                            input,
                            FailureKind::Invalid("positional argument follows keyword argument"),
                        );
                    }
                    if let Some((rest, value)) = self.lone_argument(input) {
                        self.push_cell(&mut args, Node::Item { value, next: None });
                        count += 1;
                        // `lone_argument` saw `,` or `)` after it.
                        let rest = ws(rest)?.0;
                        match peek(rest) {
                            Some(b',') => input = ws(&rest[1..])?.0,
                            _ => {
                                input = &rest[1..];
                                break;
                            }
                        }
                        continue;
                    }
                    let start = self.mark();
                    let (rest, value) = self.expression(input).map_err(as_failure)?;
                    let after = ws(rest)?.0;
                    if keyword(after, "for").is_some() {
                        if count > 0 {
                            return fail(
                                input,
                                FailureKind::Invalid("Generator expression must be parenthesized"),
                            );
                        }
                        let (rest, generator) =
                            self.comprehension(after, ComprehensionKind::Generator, start, value)?;
                        let close = ws(rest)?.0;
                        if peek(close) != Some(b')') {
                            return fail(
                                close,
                                FailureKind::Invalid("Generator expression must be parenthesized"),
                            );
                        }
                        (rest, generator)
                    } else {
                        (rest, value)
                    }
                }
            };
            self.push_cell(&mut args, Node::Item { value, next: None });
            count += 1;
            let rest = ws(rest)?.0;
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

    /// After `[` of a subscript: an index (or a tuple of them), or a slice.
    fn subscript<'i>(&self, input: &'i str, value: NodeId) -> PResult<'i, NodeId> {
        let input = ws(input)?.0;
        let (rest, index) = if peek(input) == Some(b':') {
            let lower = self.push(Node::Omitted);
            self.slice_rest(input, lower)?
        } else {
            let (rest, first) = self.expression(input).map_err(as_failure)?;
            let after = ws(rest)?.0;
            match peek(after) {
                Some(b':') => self.slice_rest(after, first)?,
                Some(b',') => {
                    let mut items = self.first_item(first);
                    let rest = self.more_items(&after[1..], &mut items)?;
                    if peek(ws(rest)?.0) == Some(b':') {
                        return fail(
                            ws(rest)?.0,
                            FailureKind::Invalid("a slice inside a tuple index is not supported"),
                        );
                    }
                    let items = items.head;
                    (rest, self.push(Node::Tuple { items }))
                }
                _ => (rest, first),
            }
        };
        let rest = ws(rest)?.0;
        match peek(rest) {
            Some(b']') => Ok((&rest[1..], self.push(Node::Subscript { value, index }))),
            _ => fail(rest, FailureKind::Expected("']'")),
        }
    }

    /// `:upper[:step]`, at the first `:` of a slice whose lower part is
    /// `lower` (a node, or [`Node::Omitted`]).
    fn slice_rest<'i>(&self, input: &'i str, lower: NodeId) -> PResult<'i, NodeId> {
        let part = |input: &'i str| -> PResult<'i, NodeId> {
            let at = ws(input)?.0;
            if matches!(peek(at), Some(b':' | b']' | b',')) {
                Ok((at, self.push(Node::Omitted)))
            } else {
                self.expression(at).map_err(as_failure)
            }
        };
        let (rest, upper) = part(&input[1..])?;
        let after = ws(rest)?.0;
        let (rest, step) = match after.strip_prefix(':') {
            Some(after_colon) => part(after_colon)?,
            None => (rest, self.push(Node::Omitted)),
        };
        Ok((rest, self.push(Node::Slice { lower, upper, step })))
    }

    /// After `.`: an attribute name.
    fn attribute<'i>(&self, input: &'i str, value: NodeId) -> PResult<'i, NodeId> {
        let at = ws(input)?.0;
        let Ok((rest, attribute)) = name(at) else {
            return fail(at, FailureKind::Expected("a name"));
        };
        if is_keyword(attribute) {
            return fail(at, FailureKind::Expected("a name"));
        }
        // Decided here, even where evaluation would never reach it (`0 and
        // (1).__class__`): the attributes are part of the language, not of
        // the values.
        let called = peek(ws(rest)?.0) == Some(b'(');
        if let Err(error) = attributes::check_name(attribute, called) {
            return self.refuse(at, error);
        }
        let name = self.add_name(attribute);
        Ok((rest, self.push(Node::Attribute { value, name })))
    }

    /// A numeric literal, by Python's tokenizer rules.
    fn number<'i>(&self, input: &'i str) -> PResult<'i, Node> {
        if let Some(done) = self.literal_at(input) {
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
        if let Some(after_j) = rest.strip_prefix(['j', 'J']) {
            // An imaginary literal: its digits are a float's, whatever
            // they look like (`007j` is `7j`).
            check_literal_end(after_j, "decimal")?;
            let x: f64 = without_underscores(text).parse().unwrap_or(f64::NAN);
            if x.is_nan() {
                return fail(input, FailureKind::Invalid("invalid imaginary literal"));
            }
            return Ok((after_j, Node::Imaginary(x)));
        }
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
        // CPython converts a decimal literal as `int(text)` does, under
        // its 4,300-digit rule (hexadecimal literals are not limited).
        let significant = digits.trim_start_matches('0').len();
        if significant > self.limits.max_str_digits {
            return fail(input, FailureKind::TooManyDigits { significant });
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
            let plain = len > 0
                && (len == 1 || bytes[0] != b'0')
                && self.limits.max_int_digits >= 19
                && self.limits.max_str_digits >= 18;
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
        if rest.starts_with(is_name_char) && !keyword_follows(rest) {
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

/// Python rejects a number glued to a name (`1abc`, `2x`), except to the
/// keywords that can follow a number in valid code (CPython 3.11 reads
/// `1if x else 2` and `0x1for` with a deprecation warning).
fn check_literal_end(rest: &str, kind: &'static str) -> Result<(), nom::Err<Failure>> {
    match rest.chars().next() {
        Some(c) if is_name_char(c) && !keyword_follows(rest) => Err(nom::Err::Failure(
            Failure::at(rest, FailureKind::InvalidLiteral(kind)),
        )),
        _ => Ok(()),
    }
}

/// Whether `rest` starts with a keyword CPython's tokenizer lets follow a
/// number directly.
fn keyword_follows(rest: &str) -> bool {
    ["and", "else", "for", "if", "in", "is", "not", "or"]
        .iter()
        .any(|k| keyword(rest, k).is_some())
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
