//! The bodies of the fuzz targets, shared with their regression tests.
//!
//! Each public function here is one target of the `fuzz/` crate (see
//! `fuzz/README.md`): it takes the fuzzer's bytes, runs them through
//! safecalc, and **panics when a property is violated**. Panicking is the
//! point: a panic is how libFuzzer (and `tests/fuzz_regressions.rs`, which
//! replays the seed corpora and every fixed crash input on the stable
//! toolchain) detects a finding. A panic from inside safecalc itself is a
//! finding too, since no input may make the calculator panic.
//!
//! Keeping the bodies in the library means the fuzzers and `cargo test` run
//! one code path. Nothing else in the crate calls this module; it is not
//! for production use.
//!
//! | target         | input                         | property |
//! |----------------|-------------------------------|----------|
//! | [`parse`](crate::fuzzing::parse)        | any bytes, as (lossy) UTF-8     | no panic; a syntax error's column lies in `1..=chars+1`; an accepted line prints back to the same tree |
//! | [`eval`](crate::fuzzing::eval)         | any bytes, one line per `\n`    | no panic; results stay within the limits and read back as number literals |
//! | [`roundtrip`](crate::fuzzing::roundtrip)    | structured: a syntax tree       | print → parse gives the same tree; both evaluate alike |
//! | [`differential`](crate::fuzzing::differential) | structured: an int expression   | agrees with a simple `BigInt` reference wherever both succeed |
//! | [`session`](crate::fuzzing::session)      | a chunking byte, then a byte stream | codec and session: no panic, split reads change nothing, replies bounded and well-formed |

use std::sync::{Arc, OnceLock};

use arbitrary::{Arbitrary, Unstructured};
use bytes::BytesMut;
use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{Signed, ToPrimitive, Zero};
use tokio_util::codec::Decoder;

use crate::calc::ast::{
    Argument, BinaryOp, BoolOp, Clause, CompareOp, ComprehensionKind, Node, Target, UnaryOp,
};
use crate::calc::{
    self, CONSTANTS, CalcError, Expr, FUNCTIONS, Int, Limits, Session, Statement, Value, builtins,
};
use crate::server::accounts::{Accounts, HashCost};
use crate::server::codec::{DONT, IAC, WILL_ECHO, WONT, WONT_ECHO};
use crate::server::text::is_unsafe;
use crate::server::{Action, Config, Frame, LineCodec, Mode, Stats};

/// A target body: bytes in, a panic when a property is violated.
pub type Body = fn(&[u8]);

/// The targets by name (the folder names under `fuzz/corpus/` and
/// `fuzz/regressions/`), for replaying inputs.
pub const TARGETS: &[(&str, Body)] = &[
    ("parse", parse),
    ("eval", eval),
    ("roundtrip", roundtrip),
    ("differential", differential),
    ("session", session),
];

/// The body for the target `name`, if there is one.
pub fn target(name: &str) -> Option<Body> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

// ---------------------------------------------------------------------
// parse
// ---------------------------------------------------------------------

/// `parse`: arbitrary bytes into the parser (invalid UTF-8 is replaced by
/// U+FFFD, which the parser must then reject like any other stray char).
///
/// Properties: the parser never panics; a [`CalcError::Syntax`] column lies
/// inside the input (`1..=chars + 1`, the last meaning "at the end"); any
/// other error is a limit; an accepted line prints (`Display`) to text that
/// parses back to the same tree.
pub fn parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match calc::parse(&text) {
        Ok(statement) => {
            let printed = statement.to_string();
            if printed.len() <= Limits::DEFAULT.max_input_bytes {
                let again = calc::parse(&printed);
                assert_eq!(
                    again.as_ref(),
                    Ok(&statement),
                    "{text:?} printed as {printed:?}, which parses differently"
                );
            }
        }
        Err(error) => assert_error_is_sane(&error, &text),
    }
}

/// A syntax error points inside `line`; anything else from the parser is a
/// limit (or, after evaluation, an ordinary calculator error).
fn assert_error_is_sane(error: &CalcError, line: &str) {
    if let CalcError::Syntax { column, message } = error {
        let chars = line.chars().count();
        assert!(
            (1..=chars + 1).contains(column),
            "column {column} outside 1..={} for {line:?} ({message})",
            chars + 1
        );
        assert!(!message.is_empty(), "empty syntax message for {line:?}");
    }
}

// ---------------------------------------------------------------------
// eval
// ---------------------------------------------------------------------

/// `eval`: arbitrary text through one fresh [`Session`] with the default
/// limits, one line per `\n` (so assignments, variables, `_` and the
/// variable limit are reached too).
///
/// Properties: no panic; a syntax error's column lies in its line; every
/// successful result stays within the limits and re-parses as a number
/// literal (see [`assert_reads_back`]). Time and memory per input are
/// bounded by libFuzzer's `-timeout` and `-rss_limit_mb`, set tight.
pub fn eval(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut session = Session::new();
    for line in text.split('\n') {
        match session.eval(line) {
            Ok(value) => assert_reads_back(&value, session.limits()),
            Err(error) => assert_error_is_sane(&error, line),
        }
    }
}

/// A result "reads back", precisely: its text (Python's `repr`) is what
/// `Display` prints, fits [`Limits::max_result_chars`], and is made of
/// pieces that each read back as the value they stand for:
///
/// - an int or a float: let `t` be its text and `m` be `t` without one
///   leading `-`. The `-` is there exactly when the value is negative (for
///   a float: when its sign bit is set and it is not a NaN; Python prints
///   every NaN as `nan`). A NaN prints as `nan` and an infinity's `m` is
///   `inf`: names of constants, not literals, so they are accepted by
///   name. Otherwise `m` parses, alone, as an integer literal equal to
///   `|int|` or a float literal with the same bits as `|float|` (so `repr`
///   loses nothing: `-0.0` gives `0.0`, which is `|-0.0|`). An int has at
///   most `max_str_digits` digits (CPython's printing rule);
/// - a complex number: `IMj`, or `(RE±IMj)`, each part reading back as
///   above (written without a `.0`);
/// - `True`, `False`, `None`; a string `'...'` of printable ASCII;
/// - a tuple or list: its items' texts, joined by `, `, in brackets (a
///   tuple of one with a trailing comma);
/// - a range: `range(start, stop)` or `range(start, stop, step)`, with its
///   three ints.
pub fn assert_reads_back(value: &Value, limits: &Limits) {
    let text = value.to_string();
    assert_eq!(text, value.repr(), "Display and repr differ for {value:?}");
    assert!(
        text.len() <= limits.max_result_chars,
        "a result of {} characters passed the limit of {}",
        text.len(),
        limits.max_result_chars
    );
    check_repr(value, &text, limits);
}

fn check_repr(value: &Value, text: &str, limits: &Limits) {
    match value {
        Value::Int(_) | Value::Float(_) => check_number(value, text, limits),
        Value::Bool(b) => assert_eq!(text, if *b { "True" } else { "False" }),
        Value::None => assert_eq!(text, "None"),
        Value::Str(s) => {
            assert!(
                s.bytes().all(|b| b.is_ascii_graphic() || b == b' '),
                "string {s:?}"
            );
            assert_eq!(text, format!("'{s}'"));
        }
        Value::Complex(c) => {
            let (re, im) = match text.strip_prefix('(') {
                Some(inner) => {
                    let inner = inner
                        .strip_suffix("j)")
                        .unwrap_or_else(|| panic!("{text:?}"));
                    // The imaginary part starts at the last sign that is
                    // not an exponent's.
                    let split = inner
                        .char_indices()
                        .filter(|(i, ch)| {
                            (*ch == '+' || *ch == '-') && *i > 0 && !inner[..*i].ends_with('e')
                        })
                        .map(|(i, _)| i)
                        .next_back()
                        .unwrap_or_else(|| panic!("no imaginary part in {text:?}"));
                    (
                        Some(&inner[..split]),
                        inner[split..].trim_start_matches('+'),
                    )
                }
                None => (
                    None,
                    text.strip_suffix('j').unwrap_or_else(|| panic!("{text:?}")),
                ),
            };
            match re {
                Some(re) => check_part(c.re, re),
                None => assert!(c.re == 0.0 && c.re.is_sign_positive(), "{text:?}"),
            }
            check_part(c.im, im);
        }
        Value::Tuple(s) | Value::List(s) => {
            let items: Vec<String> = s.items().iter().map(Value::to_string).collect();
            for (item, shown) in s.items().iter().zip(&items) {
                check_repr(item, shown, limits);
            }
            let inner = items.join(", ");
            let expected = match value {
                Value::List(_) => format!("[{inner}]"),
                _ if items.len() == 1 => format!("({inner},)"),
                _ => format!("({inner})"),
            };
            assert_eq!(text, expected);
        }
        Value::Range(r) => {
            for part in [&r.start, &r.stop, &r.step] {
                check_number(&Value::Int(part.clone()), &part.to_string(), limits);
            }
            let expected = if r.step == Int::Small(1) {
                format!("range({}, {})", r.start, r.stop)
            } else {
                format!("range({}, {}, {})", r.start, r.stop, r.step)
            };
            assert_eq!(text, expected);
        }
    }
}

/// A part of a complex number's text reads back as the part (a float
/// written without `.0`, so possibly as an int).
fn check_part(x: f64, text: &str) {
    let magnitude = text.strip_prefix('-').unwrap_or(text);
    assert_eq!(
        text.starts_with('-'),
        !x.is_nan() && x.is_sign_negative(),
        "sign of {x:?} printed as {text:?}"
    );
    if x.is_nan() {
        return assert_eq!(magnitude, "nan");
    }
    if x.is_infinite() {
        return assert_eq!(magnitude, "inf");
    }
    let read = match literal(magnitude) {
        Ok(Value::Float(y)) => y,
        Ok(Value::Int(i)) => i.to_f64().unwrap_or(f64::NAN),
        other => panic!("{x:?} printed as {text:?}, which parses as {other:?}"),
    };
    assert_eq!(read.to_bits(), x.abs().to_bits(), "{text:?} for {x:?}");
}

fn check_number(value: &Value, text: &str, limits: &Limits) {
    let magnitude = text.strip_prefix('-').unwrap_or(text);
    let negative = match value {
        Value::Int(i) => i.is_negative(),
        Value::Float(x) => !x.is_nan() && x.is_sign_negative(),
        _ => false,
    };
    assert_eq!(
        text.starts_with('-'),
        negative,
        "sign of {value:?} printed as {text:?}"
    );
    match value {
        Value::Float(x) if x.is_nan() => assert_eq!(text, "nan"),
        Value::Float(x) if x.is_infinite() => assert_eq!(magnitude, "inf"),
        Value::Float(x) => match literal(magnitude) {
            Ok(Value::Float(y)) => assert_eq!(
                y.to_bits(),
                x.abs().to_bits(),
                "{text:?} reads back as {y:?}, not {x:?}"
            ),
            other => panic!("float {x:?} printed as {text:?}, which parses as {other:?}"),
        },
        Value::Int(i) => {
            assert!(
                magnitude.len() <= limits.max_str_digits,
                "an int of {} digits was printed past the limit of {}",
                magnitude.len(),
                limits.max_str_digits
            );
            match literal(magnitude) {
                Ok(Value::Int(j)) => assert_eq!(
                    j.to_bigint(),
                    i.to_bigint().abs(),
                    "{text:?} does not read back as {i:?}"
                ),
                other => panic!("int {i:?} printed as {text:?}, which parses as {other:?}"),
            }
        }
        other => panic!("not a number: {other:?}"),
    }
}

/// The value of `text` if it parses as a lone number literal, or what
/// parsing gave instead, as text.
fn literal(text: &str) -> Result<Value, String> {
    match calc::parse(text) {
        Ok(Statement::Expr(e))
            if matches!(
                e.root_node(),
                Node::Int(_) | Node::BigInt(_) | Node::Float(_)
            ) =>
        {
            calc::evaluate(&e, &Limits::DEFAULT).map_err(|err| err.to_string())
        }
        other => Err(format!("{other:?}")),
    }
}

// ---------------------------------------------------------------------
// roundtrip
// ---------------------------------------------------------------------

/// Deepest tree the generator builds. Each level costs the parser at most
/// two levels of its depth budget (a sign or call, plus parentheses), so
/// trees stay far below [`Limits::max_depth`].
const TREE_DEPTH: usize = 12;
/// Most nodes in one generated tree.
const TREE_NODES: usize = 160;

/// Keyword argument names for generated calls: the builtins' own, and one
/// that none accepts.
const KEYWORDS: &[&str] = &[
    "ndigits", "start", "reverse", "key", "default", "base", "exp", "mod", "real", "imag",
    "rel_tol", "abs_tol", "flag",
];

/// Names the generated trees use, bound in the roundtrip sessions so that
/// evaluation gets past name lookup; a few random names are made too.
const BOUND: &[(&str, &str)] = &[
    ("x", "7"),
    ("y", "2.5"),
    ("n", "-3"),
    ("z", "0"),
    ("big", "2**200"),
    ("c", "1-2j"),
    ("t", "(1, 2.5, [3])"),
    ("s", "[5, 3, 9, 1]"),
    ("r", "range(2, 20, 3)"),
    ("h", "hex(255)"),
    ("_", "-0.0"),
];

/// `roundtrip`: structured fuzzing. The bytes drive an
/// [`arbitrary::Unstructured`] that builds a [`Statement`] of the whole
/// language, with the shapes the parser produces: literals (ints, floats
/// finite or `+inf`, imaginary numbers, `True`, `False`, `None`), the
/// constants, variables (mostly bound ones, of every kind of value),
/// chains of one precedence level (arithmetic, bitwise, shifts), powers,
/// unary operators and `not`, comparison chains, `and`/`or`, conditionals,
/// tuples and lists, calls of built-ins (with keyword arguments too), of
/// `math.NAME` and of other names, subscripts and slices, the numeric
/// attributes and methods, and comprehensions (loop variables that may
/// shadow built-in names, several `for` and `if` clauses).
///
/// Properties: printing it and parsing the text gives the same tree, and
/// printing that gives the same text; executing the tree and evaluating the
/// text (each in a fresh session with the same variables) give the same
/// result or the same error. `^` is read as xor ([`Limits::PYTHON`]), since
/// a tree's xor prints as `^`.
pub fn roundtrip(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(statement) = TreeBuilder::new(&mut u).statement() else {
        return;
    };
    let text = statement.to_string();
    let parsed = calc::parse_with_limits(&text, &Limits::PYTHON);
    assert_eq!(
        parsed.as_ref(),
        Ok(&statement),
        "{statement:?} printed as {text:?}, which parses differently"
    );
    if let Ok(parsed) = &parsed {
        assert_eq!(parsed.to_string(), text, "printing is not stable");
    }
    let direct = bound_session().execute(&statement);
    let via_text = bound_session().eval(&text);
    // Debug, not ==: a NaN result must count as equal to itself.
    assert_eq!(
        format!("{direct:?}"),
        format!("{via_text:?}"),
        "tree and text {text:?} evaluate differently"
    );
}

/// The statement the `roundtrip` target builds from `data`, printed (for
/// looking at a corpus file or a crash input).
pub fn roundtrip_text(data: &[u8]) -> Option<String> {
    let mut u = Unstructured::new(data);
    TreeBuilder::new(&mut u)
        .statement()
        .ok()
        .map(|s| s.to_string())
}

/// A fresh session with the [`BOUND`] variables, `^` read as xor.
fn bound_session() -> Session {
    let mut session = Session::with_limits(Limits::PYTHON);
    for (name, value) in BOUND {
        let bound = session.eval(&format!("{name} = {value}"));
        assert!(bound.is_ok(), "binding {name}: {bound:?}");
    }
    session
}

/// Builds syntax trees from unstructured bytes, within a node budget.
struct TreeBuilder<'u, 'd> {
    u: &'u mut Unstructured<'d>,
    nodes_left: usize,
}

impl<'u, 'd> TreeBuilder<'u, 'd> {
    fn new(u: &'u mut Unstructured<'d>) -> Self {
        TreeBuilder {
            u,
            nodes_left: TREE_NODES,
        }
    }

    fn statement(&mut self) -> arbitrary::Result<Statement> {
        if self.u.ratio(1, 8)? {
            let name = self.name()?;
            let value = self.expr(0)?;
            Ok(Statement::Assign { name, value })
        } else {
            Ok(Statement::Expr(self.expr(0)?))
        }
    }

    fn expr(&mut self, depth: usize) -> arbitrary::Result<Expr> {
        self.nodes_left = self.nodes_left.saturating_sub(1);
        // Running out of bytes picks 0, a leaf, so generation always ends.
        let kind = if depth >= TREE_DEPTH || self.nodes_left == 0 {
            0
        } else {
            self.u.int_in_range(0..=17u8)?
        };
        let depth = depth + 1;
        Ok(match kind {
            0 => self.leaf()?,
            1 => {
                let op = *self.u.choose(&[
                    UnaryOp::Minus,
                    UnaryOp::Plus,
                    UnaryOp::Invert,
                    UnaryOp::Not,
                ])?;
                Expr::unary(op, self.expr(depth)?)
            }
            2 => self.chain(depth, &[BinaryOp::Add, BinaryOp::Sub])?,
            3 => self.chain(
                depth,
                &[
                    BinaryOp::Mul,
                    BinaryOp::TrueDiv,
                    BinaryOp::FloorDiv,
                    BinaryOp::Mod,
                    BinaryOp::MatMul,
                ],
            )?,
            4 => {
                let ops: &[BinaryOp] = match self.u.int_in_range(0..=3u8)? {
                    0 => &[BinaryOp::BitOr],
                    1 => &[BinaryOp::BitXor],
                    2 => &[BinaryOp::BitAnd],
                    _ => &[BinaryOp::LShift, BinaryOp::RShift],
                };
                self.chain(depth, ops)?
            }
            5 => {
                let base = self.expr(depth)?;
                Expr::power(base, self.expr(depth)?)
            }
            6 => {
                let first = self.expr(depth)?;
                let mut rest = Vec::new();
                for _ in 0..self.u.int_in_range(1..=3usize)? {
                    let op = *self.u.choose(&[
                        CompareOp::Lt,
                        CompareOp::Le,
                        CompareOp::Gt,
                        CompareOp::Ge,
                        CompareOp::Eq,
                        CompareOp::Ne,
                        CompareOp::In,
                        CompareOp::NotIn,
                    ])?;
                    rest.push((op, self.expr(depth)?));
                }
                Expr::compare(first, rest)
            }
            7 => {
                let op = if self.u.arbitrary()? {
                    BoolOp::And
                } else {
                    BoolOp::Or
                };
                let count = self.u.int_in_range(2..=3usize)?;
                Expr::bool_op(op, self.args_exactly(depth, count)?)
            }
            8 => {
                let body = self.expr(depth)?;
                let test = self.expr(depth)?;
                Expr::if_else(body, test, self.expr(depth)?)
            }
            9 => {
                let items = self.args(depth, 3)?;
                if self.u.arbitrary()? {
                    Expr::tuple(items)
                } else {
                    Expr::list(items)
                }
            }
            10 => {
                let function = self.u.choose(FUNCTIONS)?;
                let args = self.args(depth, 3)?;
                Expr::call(function, args)
            }
            11 => {
                let function = self.u.choose(FUNCTIONS)?;
                let mut args: Vec<Argument> = self
                    .args(depth, 2)?
                    .into_iter()
                    .map(Argument::Positional)
                    .collect();
                let mut names: Vec<&str> = Vec::new();
                for _ in 0..self.u.int_in_range(1..=2usize)? {
                    let name = *self.u.choose(KEYWORDS)?;
                    if !names.contains(&name) {
                        names.push(name);
                        args.push(Argument::Keyword(name.to_string(), self.expr(depth)?));
                    }
                }
                Expr::call_with(function, args)
            }
            12 => {
                let name = self.name()?;
                let args = self.args(depth, 2)?;
                Expr::call_unknown(name, args)
            }
            13 => {
                let value = self.expr(depth)?;
                if self.u.arbitrary()? {
                    Expr::subscript(value, self.expr(depth)?)
                } else {
                    let mut part = || -> arbitrary::Result<Option<Expr>> {
                        Ok(if self.u.arbitrary()? {
                            Some(self.expr(depth)?)
                        } else {
                            None
                        })
                    };
                    let (lower, upper, step) = (part()?, part()?, part()?);
                    Expr::slice(value, lower, upper, step)
                }
            }
            14 => {
                let value = self.expr(depth)?;
                let (name, method) = *self.u.choose(&[
                    ("real", false),
                    ("imag", false),
                    ("numerator", false),
                    ("denominator", false),
                    ("conjugate", true),
                    ("bit_length", true),
                    ("bit_count", true),
                    ("is_integer", true),
                    ("as_integer_ratio", true),
                ])?;
                let attribute = Expr::attribute(value, name.to_string());
                if method {
                    Expr::call_expr(attribute, Vec::new())
                } else {
                    attribute
                }
            }
            _ => self.comprehension(depth)?,
        })
    }

    /// A list comprehension or a generator expression (given to a
    /// function that consumes it, where it is a value), of one to three
    /// clauses, the first a `for`.
    fn comprehension(&mut self, depth: usize) -> arbitrary::Result<Expr> {
        let element = self.expr(depth)?;
        let mut clauses = vec![Clause::For {
            target: self.target()?,
            iterable: self.expr(depth)?,
        }];
        for _ in 0..self.u.int_in_range(0..=2usize)? {
            clauses.push(if self.u.arbitrary()? {
                Clause::For {
                    target: self.target()?,
                    iterable: self.expr(depth)?,
                }
            } else {
                Clause::If(self.expr(depth)?)
            });
        }
        let list = self.u.arbitrary()?;
        let kind = if list {
            ComprehensionKind::List
        } else {
            ComprehensionKind::Generator
        };
        let Some(comprehension) = Expr::comprehension(kind, element, clauses) else {
            return Ok(Expr::int(Int::Small(0)));
        };
        if list {
            return Ok(comprehension);
        }
        let consumer = *self
            .u
            .choose(&["sum", "max", "min", "list", "sorted", "any"])?;
        let function = builtins::function(consumer).ok_or(arbitrary::Error::IncorrectFormat)?;
        Ok(Expr::call(function, vec![comprehension]))
    }

    /// A loop variable (sometimes one that shadows a built-in name), or a
    /// tuple of two.
    fn target(&mut self) -> arbitrary::Result<Target> {
        let name = |b: &mut Self| -> arbitrary::Result<Target> {
            let name = *b.u.choose(&["i", "j", "k", "x", "pi", "abs", "math"])?;
            Ok(Target::Name(name.to_string()))
        };
        if self.u.ratio(1, 5)? {
            Ok(Target::Tuple(vec![name(self)?, name(self)?]))
        } else {
            name(self)
        }
    }

    fn chain(&mut self, depth: usize, ops: &[BinaryOp]) -> arbitrary::Result<Expr> {
        let first = self.expr(depth)?;
        let count = self.u.int_in_range(1..=4usize)?;
        let mut rest = Vec::with_capacity(count);
        for _ in 0..count {
            let op = *self.u.choose(ops)?;
            rest.push((op, self.expr(depth)?));
        }
        Ok(Expr::chain(first, rest))
    }

    fn args(&mut self, depth: usize, max: usize) -> arbitrary::Result<Vec<Expr>> {
        let count = self.u.int_in_range(0..=max)?;
        self.args_exactly(depth, count)
    }

    fn args_exactly(&mut self, depth: usize, count: usize) -> arbitrary::Result<Vec<Expr>> {
        (0..count).map(|_| self.expr(depth)).collect()
    }

    fn leaf(&mut self) -> arbitrary::Result<Expr> {
        Ok(match self.u.int_in_range(0..=9u8)? {
            0 => Expr::int(Int::Small(i64::from(self.u.int_in_range(0..=20u8)?))),
            1 => Expr::int(Int::from(BigInt::from(self.u.arbitrary::<u64>()?))),
            2 => {
                let len = self.u.int_in_range(0..=64usize)?.min(self.u.len());
                let bytes = self.u.bytes(len)?;
                Expr::int(Int::from(BigInt::from(BigUint::from_bytes_le(bytes))))
            }
            3 => {
                // Any non-negative float, +inf included (printed `1e999`);
                // NaN is not a literal (it is the constant `nan`).
                let x = f64::from_bits(self.u.arbitrary()?).abs();
                Expr::float(if x.is_nan() { f64::INFINITY } else { x })
            }
            4 => Expr::float(f64::from(self.u.int_in_range(0..=16u8)?) / 4.0),
            5 => Expr::constant(self.u.choose(&CONSTANTS)?),
            6 => Expr::imaginary(f64::from(self.u.int_in_range(0..=8u8)?) / 2.0),
            7 => match self.u.int_in_range(0..=2u8)? {
                0 => Expr::bool(true),
                1 => Expr::bool(false),
                _ => Expr::none(),
            },
            _ => Expr::variable(self.name()?),
        })
    }

    /// A variable name: mostly a bound one, sometimes a random identifier
    /// that is neither a built-in name nor a keyword.
    fn name(&mut self) -> arbitrary::Result<String> {
        if self.u.ratio(3, 4)? {
            return Ok(self.u.choose(BOUND)?.0.to_string());
        }
        const FIRST: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
        const REST: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_";
        let mut name = String::from(char::from(*self.u.choose(FIRST)?));
        for _ in 0..self.u.int_in_range(0..=6u8)? {
            name.push(char::from(*self.u.choose(REST)?));
        }
        // Neither a built-in name nor a keyword (`and`, `if`, `lambda`...):
        // a variable called `and` prints as text that cannot read back.
        if builtins::is_builtin_name(&name) || crate::calc::parser::is_keyword(&name) {
            name.insert_str(0, "v_");
        }
        Ok(name)
    }
}

// ---------------------------------------------------------------------
// differential
// ---------------------------------------------------------------------

/// CPython's limit on printing an int, in decimal digits (safecalc's
/// default `max_str_digits`).
const PRINT_DIGIT_LIMIT: usize = 4300;
/// safecalc's limit on any int, in decimal digits (the default
/// `max_int_digits`).
const INT_DIGIT_LIMIT: usize = 100_000;
/// Deepest generated int expression (each level is at most two levels of
/// the parser's depth budget: a sign or `**`, plus parentheses).
const INT_EXPR_DEPTH: usize = 10;
/// Most nodes in one generated int expression.
const INT_EXPR_NODES: usize = 64;
/// Big-number work (in words multiplied) the reference may spend on one
/// input before it gives up on it (keeps each run near a millisecond).
const REFERENCE_BUDGET: u64 = 4_000_000;

/// An expression over Python's integer operators: `+ - * // % **`, the
/// bitwise `& | ^ << >>`, unary `- + ~`, comparisons (single and chained,
/// whose bools then take part in arithmetic), and `True`/`False`.
#[derive(Debug, Clone)]
enum IntExpr {
    Literal(BigInt, LiteralStyle),
    Bool(bool),
    Unary(IntUnary, Box<IntExpr>),
    Binary(IntOp, Box<IntExpr>, Box<IntExpr>),
    Pow {
        base: Box<IntExpr>,
        exponent: Box<IntExpr>,
        caret: bool,
    },
    /// `first op1 second [op2 third]`: a comparison chain.
    Compare(Box<IntExpr>, Vec<(IntCompare, IntExpr)>),
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum IntUnary {
    Neg,
    Plus,
    Invert,
}

#[derive(Debug, Clone, Copy, PartialEq, Arbitrary)]
enum IntOp {
    Add,
    Sub,
    Mul,
    FloorDiv,
    Mod,
    And,
    Or,
    Xor,
    LShift,
    RShift,
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum IntCompare {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

/// How a literal is written; every spelling must give the same value.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum LiteralStyle {
    Decimal,
    Underscored,
    Hex,
    HexUpper,
    Octal,
    Binary,
}

/// `differential`: the bytes drive an [`Unstructured`] that chooses what
/// `^` means (a power, safecalc's default, or Python's xor with
/// [`Limits::PYTHON`]) and builds an int expression (non-negative literals
/// of up to 64 bytes in every base and spelling, `True`, `False`, every
/// integer operator, comparisons). It is printed fully parenthesised,
/// evaluated by safecalc, and evaluated again by `reference_eval`, a
/// deliberately simple interpreter written here on `num_bigint::BigInt`
/// alone, which knows Python's rules for ints and bools.
///
/// Properties: the text always parses (the generator stays far below the
/// depth limit); wherever the reference reaches a verdict, safecalc gives
/// the same value (an int, or a bool where Python gives one), the same
/// `ZeroDivisionError` or `ValueError` (a negative shift count; a result
/// of more than 4,300 digits, which CPython refuses to print), or the same
/// refusal of an int of 100,000 digits or more. safecalc may additionally
/// refuse with [`CalcError::TooMuchWork`] (the reference has no such
/// budget), and the reference skips inputs it cannot judge (a negative
/// exponent, which makes a float; more work than `REFERENCE_BUDGET`).
pub fn differential(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(xor) = u.arbitrary::<bool>() else {
        return;
    };
    let mut nodes_left = INT_EXPR_NODES;
    let Ok(expr) = int_expr(&mut u, 0, &mut nodes_left, xor) else {
        return;
    };
    let text = print_int_expr(&expr);
    let limits = if xor { Limits::PYTHON } else { Limits::DEFAULT };
    let ours = calc::eval_with_limits(&text, &limits);
    let mut budget = REFERENCE_BUDGET;
    let theirs = reference_eval(&expr, &mut budget).and_then(printable);
    match (&theirs, &ours) {
        (_, Err(CalcError::Syntax { .. } | CalcError::TooDeep { .. })) => {
            panic!("generated text {text:?} was refused: {ours:?}")
        }
        (Err(Verdict::Skip), _) | (_, Err(CalcError::TooMuchWork { .. })) => {}
        (Ok(want), Ok(got)) => assert_eq!(
            reference_value(got),
            Ok(want.clone()),
            "{text:?}: safecalc and the reference disagree"
        ),
        (Err(Verdict::ZeroDivision), Err(CalcError::ZeroDivision(_)))
        | (Err(Verdict::TooLarge), Err(CalcError::IntTooLarge { .. }))
        | (Err(Verdict::Huge), Err(CalcError::IntTooLarge { .. } | CalcError::Overflow(_))) => {}
        (Err(Verdict::NegativeShift), Err(CalcError::Value(message)))
            if message == "negative shift count" => {}
        (Err(Verdict::Unprintable), Err(CalcError::Value(message)))
            if message.starts_with("Exceeds the limit (4300 digits)") => {}
        _ => panic!("{text:?}: safecalc gives {ours:?}, the reference {theirs:?}"),
    }
}

/// The text the `differential` target builds from `data` (for looking at
/// a corpus file or a crash input), and whether `^` is xor in it.
pub fn differential_text(data: &[u8]) -> Option<String> {
    let mut u = Unstructured::new(data);
    let xor = u.arbitrary::<bool>().ok()?;
    let mut nodes_left = INT_EXPR_NODES;
    int_expr(&mut u, 0, &mut nodes_left, xor).ok().map(|e| {
        format!(
            "{}{}",
            if xor { "[^ is xor] " } else { "" },
            print_int_expr(&e)
        )
    })
}

fn int_expr(
    u: &mut Unstructured<'_>,
    depth: usize,
    nodes_left: &mut usize,
    xor: bool,
) -> arbitrary::Result<IntExpr> {
    *nodes_left = nodes_left.saturating_sub(1);
    let kind = if depth >= INT_EXPR_DEPTH || *nodes_left == 0 {
        u.int_in_range(0..=1u8)?
    } else {
        u.int_in_range(0..=6u8)?
    };
    let depth = depth + 1;
    Ok(match kind {
        0 => {
            let value = match u.int_in_range(0..=3u8)? {
                0 => BigInt::from(u.int_in_range(0..=10u8)?),
                1 => BigInt::from(u.arbitrary::<u16>()?),
                2 => BigInt::from(u.arbitrary::<u64>()?),
                _ => {
                    let len = u.int_in_range(0..=64usize)?.min(u.len());
                    BigInt::from(BigUint::from_bytes_le(u.bytes(len)?))
                }
            };
            IntExpr::Literal(value, u.arbitrary()?)
        }
        1 => IntExpr::Bool(u.arbitrary()?),
        2 => IntExpr::Unary(
            u.arbitrary()?,
            Box::new(int_expr(u, depth, nodes_left, xor)?),
        ),
        3 => {
            // Mostly a small literal exponent (so powers get computed
            // rather than refused), sometimes any expression.
            let base = Box::new(int_expr(u, depth, nodes_left, xor)?);
            let exponent = if u.ratio(3, 4)? {
                let e = BigInt::from(u.int_in_range(0..=70u16)?);
                IntExpr::Literal(e, LiteralStyle::Decimal)
            } else {
                int_expr(u, depth, nodes_left, xor)?
            };
            IntExpr::Pow {
                base,
                exponent: Box::new(exponent),
                caret: !xor && u.arbitrary()?,
            }
        }
        4 => {
            let first = Box::new(int_expr(u, depth, nodes_left, xor)?);
            let mut rest = vec![(u.arbitrary()?, int_expr(u, depth, nodes_left, xor)?)];
            if u.ratio(1, 3)? {
                rest.push((u.arbitrary()?, int_expr(u, depth, nodes_left, xor)?));
            }
            IntExpr::Compare(first, rest)
        }
        _ => {
            let mut op = u.arbitrary()?;
            let a = Box::new(int_expr(u, depth, nodes_left, xor)?);
            // A shift count is mostly small, so that shifts get computed.
            let b = if matches!(op, IntOp::LShift | IntOp::RShift) && u.ratio(3, 4)? {
                let count = BigInt::from(u.int_in_range(0..=300u16)?);
                IntExpr::Literal(count, LiteralStyle::Decimal)
            } else {
                int_expr(u, depth, nodes_left, xor)?
            };
            // `^` is a power unless it is xor: no other spelling of xor.
            if op == IntOp::Xor && !xor {
                op = IntOp::Or;
            }
            IntExpr::Binary(op, a, Box::new(b))
        }
    })
}

/// Prints with every operand parenthesised, so that the text's meaning
/// does not depend on safecalc's precedence rules being right.
fn print_int_expr(e: &IntExpr) -> String {
    let p = print_int_expr;
    match e {
        IntExpr::Literal(value, style) => print_literal(value, *style),
        IntExpr::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        IntExpr::Unary(op, operand) => {
            let symbol = match op {
                IntUnary::Neg => "-",
                IntUnary::Plus => "+",
                IntUnary::Invert => "~",
            };
            format!("{symbol}({})", p(operand))
        }
        IntExpr::Binary(op, a, b) => {
            let symbol = match op {
                IntOp::Add => "+",
                IntOp::Sub => "-",
                IntOp::Mul => "*",
                IntOp::FloorDiv => "//",
                IntOp::Mod => "%",
                IntOp::And => "&",
                IntOp::Or => "|",
                IntOp::Xor => "^",
                IntOp::LShift => "<<",
                IntOp::RShift => ">>",
            };
            format!("({}) {symbol} ({})", p(a), p(b))
        }
        IntExpr::Pow {
            base,
            exponent,
            caret,
        } => format!(
            "({}){}({})",
            p(base),
            if *caret { "^" } else { "**" },
            p(exponent)
        ),
        IntExpr::Compare(first, rest) => {
            let mut text = format!("({})", p(first));
            for (op, operand) in rest {
                let symbol = match op {
                    IntCompare::Lt => "<",
                    IntCompare::Le => "<=",
                    IntCompare::Gt => ">",
                    IntCompare::Ge => ">=",
                    IntCompare::Eq => "==",
                    IntCompare::Ne => "!=",
                };
                text.push_str(&format!(" {symbol} ({})", p(operand)));
            }
            text
        }
    }
}

fn print_literal(value: &BigInt, style: LiteralStyle) -> String {
    match style {
        LiteralStyle::Decimal => value.to_str_radix(10),
        LiteralStyle::Underscored => {
            // `1_234_567`: a `_` between every group of three digits.
            let digits = value.to_str_radix(10);
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    out.push('_');
                }
                out.push(c);
            }
            out
        }
        LiteralStyle::Hex => format!("0x{}", value.to_str_radix(16)),
        LiteralStyle::HexUpper => format!("0X{}", value.to_str_radix(16).to_uppercase()),
        LiteralStyle::Octal => format!("0o{}", value.to_str_radix(8)),
        LiteralStyle::Binary => format!("0b{}", value.to_str_radix(2)),
    }
}

/// A value of the reference: an int, or a bool (`True` is the int 1 with
/// the type bool, as in Python).
#[derive(Debug, Clone, PartialEq)]
enum RefValue {
    Int(BigInt),
    Bool(bool),
}

impl RefValue {
    fn int(&self) -> BigInt {
        match self {
            RefValue::Int(i) => i.clone(),
            RefValue::Bool(b) => BigInt::from(u8::from(*b)),
        }
    }
}

/// safecalc's value as the reference's (anything else is a mismatch the
/// comparison shows).
fn reference_value(value: &Value) -> Result<RefValue, Verdict> {
    match value {
        Value::Int(i) => Ok(RefValue::Int(i.to_bigint())),
        Value::Bool(b) => Ok(RefValue::Bool(*b)),
        _ => Err(Verdict::Skip),
    }
}

/// Why the reference stopped without a value.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    /// Division or modulo by zero: Python's `ZeroDivisionError`.
    ZeroDivision,
    /// `x << -1`: Python's `ValueError`.
    NegativeShift,
    /// An intermediate int of 100,000 digits or more: safecalc refuses to
    /// compute it (CPython would, slowly).
    TooLarge,
    /// A left shift by a count beyond a machine word: CPython's
    /// `OverflowError` or a `MemoryError` by its own rule; safecalc's
    /// overflow or size-limit error.
    Huge,
    /// A result of more than 4,300 digits: CPython's `ValueError` when it
    /// prints it.
    Unprintable,
    /// Not judged (a float result, or too much work for the reference).
    Skip,
}

/// `10**digits`.
fn pow10(digits: usize) -> BigInt {
    num_traits::pow(BigInt::from(10), digits)
}

/// `10**100000`: every int must be smaller in magnitude.
fn int_limit() -> &'static BigInt {
    static LIMIT: OnceLock<BigInt> = OnceLock::new();
    LIMIT.get_or_init(|| pow10(INT_DIGIT_LIMIT))
}

fn within_limit(v: BigInt) -> Result<RefValue, Verdict> {
    if v.magnitude() < int_limit().magnitude() {
        Ok(RefValue::Int(v))
    } else {
        Err(Verdict::TooLarge)
    }
}

/// The last step, printing: an int of more than 4,300 digits is refused.
fn printable(v: RefValue) -> Result<RefValue, Verdict> {
    static LIMIT: OnceLock<BigInt> = OnceLock::new();
    let limit = LIMIT.get_or_init(|| pow10(PRINT_DIGIT_LIMIT));
    match &v {
        RefValue::Int(i) if i.magnitude() >= limit.magnitude() => Err(Verdict::Unprintable),
        _ => Ok(v),
    }
}

/// Charges the reference's budget `words` words of work.
fn spend(budget: &mut u64, words: u64) -> Result<(), Verdict> {
    *budget = budget.checked_sub(words).ok_or(Verdict::Skip)?;
    Ok(())
}

fn words(i: &BigInt) -> u64 {
    i.bits() / 64 + 1
}

/// The reference interpreter: Python's int and bool semantics done the
/// obvious way, left operand first, each intermediate result checked
/// against safecalc's 100,000-digit limit.
fn reference_eval(e: &IntExpr, budget: &mut u64) -> Result<RefValue, Verdict> {
    match e {
        IntExpr::Literal(value, _) => within_limit(value.clone()),
        IntExpr::Bool(b) => Ok(RefValue::Bool(*b)),
        IntExpr::Unary(op, operand) => {
            let x = reference_eval(operand, budget)?.int();
            Ok(RefValue::Int(match op {
                IntUnary::Neg => -x,
                IntUnary::Plus => x,
                IntUnary::Invert => -x - 1,
            }))
        }
        IntExpr::Binary(op, a, b) => {
            let a = reference_eval(a, budget)?;
            let b = reference_eval(b, budget)?;
            // `&`, `|` and `^` of two bools are bools; all else is an int.
            if let (RefValue::Bool(x), RefValue::Bool(y)) = (&a, &b) {
                match op {
                    IntOp::And => return Ok(RefValue::Bool(*x & *y)),
                    IntOp::Or => return Ok(RefValue::Bool(*x | *y)),
                    IntOp::Xor => return Ok(RefValue::Bool(*x ^ *y)),
                    _ => {}
                }
            }
            let (a, b) = (a.int(), b.int());
            spend(budget, words(&a) * words(&b))?;
            match op {
                IntOp::Add => within_limit(a + b),
                IntOp::Sub => within_limit(a - b),
                IntOp::Mul => within_limit(a * b),
                IntOp::FloorDiv => floor_div_mod(&a, &b).and_then(|(q, _)| within_limit(q)),
                IntOp::Mod => floor_div_mod(&a, &b).and_then(|(_, r)| within_limit(r)),
                IntOp::And => within_limit(a & b),
                IntOp::Or => within_limit(a | b),
                IntOp::Xor => within_limit(a ^ b),
                IntOp::LShift | IntOp::RShift => reference_shift(&a, &b, *op == IntOp::LShift),
            }
        }
        IntExpr::Pow { base, exponent, .. } => {
            let base = reference_eval(base, budget)?.int();
            let exponent = reference_eval(exponent, budget)?.int();
            reference_pow(&base, &exponent, budget)
        }
        IntExpr::Compare(first, rest) => {
            let mut left = reference_eval(first, budget)?.int();
            for (op, operand) in rest {
                let right = reference_eval(operand, budget)?.int();
                let holds = match op {
                    IntCompare::Lt => left < right,
                    IntCompare::Le => left <= right,
                    IntCompare::Gt => left > right,
                    IntCompare::Ge => left >= right,
                    IntCompare::Eq => left == right,
                    IntCompare::Ne => left != right,
                };
                if !holds {
                    // A chain stops at the first false comparison: the
                    // operands after it are not evaluated.
                    return Ok(RefValue::Bool(false));
                }
                left = right;
            }
            Ok(RefValue::Bool(true))
        }
    }
}

/// Python's `divmod` for ints, built from Rust's truncating `/` and `%`:
/// when the remainder is non-zero and its sign differs from the divisor's,
/// step the quotient down by one and move the remainder by the divisor.
fn floor_div_mod(a: &BigInt, b: &BigInt) -> Result<(BigInt, BigInt), Verdict> {
    if b.is_zero() {
        return Err(Verdict::ZeroDivision);
    }
    let mut q = a / b;
    let mut r = a % b;
    if !r.is_zero() && (r.sign() == Sign::Minus) != (b.sign() == Sign::Minus) {
        q -= 1;
        r += b;
    }
    Ok((q, r))
}

/// `a << n` as `a * 2**n` and `a >> n` as floor division by `2**n`, the
/// definitions Python gives them.
fn reference_shift(a: &BigInt, n: &BigInt, left: bool) -> Result<RefValue, Verdict> {
    if n.is_negative() {
        return Err(Verdict::NegativeShift);
    }
    if a.is_zero() {
        return Ok(RefValue::Int(BigInt::zero()));
    }
    let Some(count) = n.to_u64().filter(|c| *c <= i64::MAX as u64) else {
        return if left {
            Err(Verdict::Huge)
        } else {
            Ok(RefValue::Int(BigInt::from(if a.is_negative() {
                -1
            } else {
                0
            })))
        };
    };
    // Beyond these, the answer is known without the power of two.
    let max_bits = (INT_DIGIT_LIMIT as f64 * std::f64::consts::LOG2_10) as u64 + 2;
    if !left && count > a.bits() {
        return Ok(RefValue::Int(BigInt::from(if a.is_negative() {
            -1
        } else {
            0
        })));
    }
    if left && a.bits() + count > max_bits + 1 {
        return Err(Verdict::TooLarge);
    }
    let power = num_traits::pow(BigInt::from(2), count as usize);
    if left {
        within_limit(a * power)
    } else {
        floor_div_mod(a, &power).and_then(|(q, _)| within_limit(q))
    }
}

/// `base ** exponent` by repeated multiplication. A negative exponent
/// makes a float in Python: not judged. With `|base| >= 2` every step at
/// least doubles the magnitude, so the first step past the limit decides,
/// and an exponent of `log2(10**100000)` or more is over it at once.
fn reference_pow(base: &BigInt, exponent: &BigInt, budget: &mut u64) -> Result<RefValue, Verdict> {
    if exponent.is_negative() {
        return Err(Verdict::Skip);
    }
    if exponent.is_zero() {
        return Ok(RefValue::Int(BigInt::from(1)));
    }
    let one = BigInt::from(1);
    if base.is_zero() || *base == one {
        return Ok(RefValue::Int(base.clone()));
    }
    if *base == -one.clone() {
        let odd = (exponent % 2u32) == one;
        return Ok(RefValue::Int(BigInt::from(if odd { -1 } else { 1 })));
    }
    let max_bits = (INT_DIGIT_LIMIT as f64 * std::f64::consts::LOG2_10) as u64 + 2;
    if *exponent > BigInt::from(max_bits) {
        return Err(Verdict::TooLarge);
    }
    let mut result = BigInt::from(1);
    let mut step = BigInt::zero();
    while step < *exponent {
        spend(budget, words(&result) * words(base))?;
        result = match within_limit(result * base)? {
            RefValue::Int(i) => i,
            RefValue::Bool(_) => return Err(Verdict::Skip),
        };
        step += 1;
    }
    Ok(RefValue::Int(result))
}

// ---------------------------------------------------------------------
// session
// ---------------------------------------------------------------------

/// The most a session may send in answer to one frame. A line is at most
/// `max_line_bytes` (4,096 by default), a result at most
/// `max_result_chars` (65,536: a list of 10,000 elements), an error repeats
/// at most one line, and `/help` is a few KB.
const MAX_REPLY_BYTES_PER_FRAME: usize = 70 * 1024;

/// `session`: a connection without a socket. The first byte chooses how the
/// rest is cut into reads (0: one read; otherwise pseudo-random reads of
/// 1 to `(first & 31) + 1` bytes, so that lines, telnet commands and UTF-8
/// sequences get split across reads) and, with its top bit, a small line
/// limit (64 bytes) instead of the default 4,096. The reads go through a
/// [`LineCodec`] and the frames through a [`crate::server::Session`], as
/// the connection handler does (and [`crate::server::simulate`]).
///
/// Properties:
/// - the codec consumes every byte it is given, holds at most twice the
///   line limit, and yields the same frames however the input was split;
/// - a [`Frame::Line`] holds no line ending and fits the line limit;
/// - every reply line is free of CR and LF (the protocol's framing), and
///   the replies to one frame fit in `MAX_REPLY_BYTES_PER_FRAME` (70 KiB);
/// - telnet replies are only `IAC WONT x` or `IAC DONT x`, and `IAC WILL
///   ECHO` before a password prompt, which is always followed by `IAC WONT
///   ECHO` before the session closes (echo is never left off);
/// - every non-blank line outside chat mode, over-long line and
///   invalid-UTF-8 line gets a reply until the session closes, and after
///   `Close` nothing more (chat runs on a hub of the target's own, on an
///   ephemeral store with the cheapest password hashing, so chat and
///   account commands are exercised too; pending work is done in place);
/// - in calc mode, except for `/echo TEXT`, no reply carries a terminal
///   control character (C0, C1, DEL, bidi overrides: what
///   [`crate::server::text::printable`] removes).
pub fn session(data: &[u8]) {
    let Some((&mode, stream)) = data.split_first() else {
        return;
    };
    let mut config = Config::default();
    if mode & 0x80 != 0 {
        config.max_line_bytes = 64;
    }
    config.accounts.hash_cost = HashCost::Minimal;
    let whole = decode_all(&config, stream, &[stream.len()]);
    if mode != 0 {
        let sizes = read_sizes(mode, stream.len());
        let split = decode_all(&config, stream, &sizes);
        assert_eq!(split, whole, "read sizes {sizes:?} change the frames");
    }

    // A hub of its own, so chat commands (/nick, /chat, /msg, ...) run for
    // real; the inbox is kept so the member's queue stays open.
    let (member, _inbox) = crate::server::chat::ChatHub::new(config.chat.clone()).register();
    let mut session = crate::server::Session::new(config.limits, Arc::new(Stats::new()), member)
        .with_accounts(Arc::new(Accounts::new(config.accounts)));
    let mut actions = Vec::new();
    let mut closed = false;
    let mut echo_off = false;
    for frame in whole {
        if let Frame::Line(text) = &frame {
            assert!(
                text.len() <= config.max_line_bytes && !text.contains(['\r', '\n']),
                "bad line frame {text:?}"
            );
        }
        let calc_mode = session.mode() == Mode::Calc && !is_echo_command(&frame);
        // In chat mode a message goes to the others and its sender gets no
        // copy (nor for `/me`, `/msg`, `/all`), so only outside chat must
        // every line be answered.
        let chatting = session.mode() == Mode::Chat;
        let needs_reply = match &frame {
            Frame::Line(text) => !chatting && !text.trim().is_empty(),
            Frame::TooLong { .. } | Frame::InvalidUtf8 | Frame::Interrupt => true,
            Frame::Telnet(_) => false,
        };
        session.handle(frame.clone(), &mut actions);
        while let Some(pending) = session.take_pending() {
            let resume = pending.resolve_now();
            session.resume(resume, &mut actions);
        }
        if closed {
            assert!(actions.is_empty(), "{frame:?} answered after close");
            continue;
        }
        let mut sent = 0usize;
        let mut replied = false;
        for action in actions.drain(..) {
            match action {
                Action::Send(line) => {
                    replied = true;
                    sent += line.len() + 2;
                    assert!(!line.contains(['\r', '\n']), "reply {line:?} breaks lines");
                    if calc_mode {
                        assert!(
                            !line.chars().any(is_unsafe),
                            "reply {line:?} to {frame:?} carries a control character"
                        );
                    }
                }
                Action::Telnet(bytes) => {
                    sent += bytes.len();
                    if bytes == WILL_ECHO {
                        echo_off = true;
                    } else if bytes == WONT_ECHO {
                        echo_off = false;
                    } else {
                        assert!(
                            bytes[0] == IAC && (bytes[1] == WONT || bytes[1] == DONT),
                            "telnet reply {bytes:?}"
                        );
                    }
                }
                Action::Prompt(text) => {
                    replied = true;
                    sent += text.len();
                    assert!(echo_off, "a prompt {text:?} with echo on");
                    assert!(!text.contains(['\r', '\n']), "prompt {text:?} breaks lines");
                }
                Action::Close => {
                    assert!(session.is_closed(), "Close from an open session");
                    assert!(!echo_off, "the session closed with echo off");
                    closed = true;
                }
            }
        }
        assert!(
            sent <= MAX_REPLY_BYTES_PER_FRAME,
            "{sent} bytes in answer to {frame:?}"
        );
        assert!(!needs_reply || replied, "no reply to {frame:?}");
    }
}

/// True for the frame of a `/echo TEXT` command, whose reply is the
/// client's own text, unfiltered by design.
fn is_echo_command(frame: &Frame) -> bool {
    let Frame::Line(text) = frame else {
        return false;
    };
    let Some(command) = text.trim().strip_prefix('/') else {
        return false;
    };
    let name = command.split(char::is_whitespace).next().unwrap_or("");
    name.eq_ignore_ascii_case("echo")
}

/// Read sizes from 1 to `(mode & 31) + 1` that add up to `len`, from a
/// small xorshift generator seeded by `mode`.
fn read_sizes(mode: u8, len: usize) -> Vec<usize> {
    let max = usize::from(mode & 31) + 1;
    let mut state = u32::from(mode) | 0x9e37_7900;
    let mut sizes = Vec::new();
    let mut left = len;
    while left > 0 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let size = (state as usize % max + 1).min(left);
        sizes.push(size);
        left -= size;
    }
    sizes
}

/// Decodes `stream` arriving in reads of `sizes` bytes, then end of input,
/// as the connection does, checking the codec's own promises on the way.
fn decode_all(config: &Config, stream: &[u8], sizes: &[usize]) -> Vec<Frame> {
    let mut codec = LineCodec::new(config.max_line_bytes);
    let mut buffer = BytesMut::new();
    let mut frames = Vec::new();
    let mut rest = stream;
    for &size in sizes {
        let (read, after) = rest.split_at(size.min(rest.len()));
        rest = after;
        buffer.extend_from_slice(read);
        loop {
            let frame = codec.decode(&mut buffer);
            assert!(
                codec.buffered_capacity() <= 2 * config.max_line_bytes,
                "the codec holds {} bytes",
                codec.buffered_capacity()
            );
            match frame {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(e) => panic!("decode failed: {e}"),
            }
        }
        assert!(buffer.is_empty(), "decode left {} bytes", buffer.len());
    }
    loop {
        match codec.decode_eof(&mut buffer) {
            Ok(Some(frame)) => frames.push(frame),
            Ok(None) => break,
            Err(e) => panic!("decode_eof failed: {e}"),
        }
    }
    frames
}
