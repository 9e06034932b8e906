//! The syntax tree of one line, and how to print it back.
//!
//! An [`Expr`] keeps all its nodes in one `Vec`, children before their
//! parents, and nodes refer to each other by index ([`NodeId`]). A line of
//! numbers and operators is then one allocation instead of a `Box` or `Vec`
//! per node (8 to 10 for `2*(3+4)-5/2` and the like, whose `malloc` and
//! `free` had been the largest cost left after parsing itself). Dropping a
//! tree frees its buffers and never recurses.
//!
//! Left-associative chains (`a + b - c`, `a * b / c`, `a | b | c`) are kept
//! flat as one [`Node::Chain`] instead of a left-deep tree of binary nodes,
//! and so are comparison chains ([`Node::Compare`]) and `and`/`or`
//! ([`Node::BoolOp`]): a 2,000-term sum is then one chain, so evaluating it
//! and printing it never recurse deeper than the nesting the user wrote,
//! which the parser bounds by [`Limits::max_depth`](super::Limits::max_depth).
//! A chain's operators and operands, and the items of a call, a tuple, a
//! list or a comprehension, are lists of cells ([`Node::Link`],
//! [`Node::Item`], [`Node::For`], ...) in the same `Vec`, each naming the
//! next. The parser appends each cell as soon as its operand is parsed,
//! which keeps it to one `push` per cell: cells that had to be contiguous
//! would have to be held aside and copied, since an operand's own nodes
//! come in between (tried: that cost more than following the links).
//!
//! What nodes would own (names, integer literals beyond a machine word) is
//! kept in two side lists of the tree (empty, so unallocated, on most
//! lines), so that [`Node`] is plain data without a destructor: dropping a
//! tree frees its buffers without visiting each node, which had cost about
//! 13 instructions a node (7% of evaluating `1+2+...+200`).
//!
//! **Comprehension scopes.** A comprehension's loop variables are local to
//! it (Python 3), so they are resolved when the comprehension has been
//! parsed: every name of its element, conditions and later iterables that
//! is one of its targets becomes a [`Node::Local`], a slot of the
//! evaluator's stack of locals, and every other name stays a
//! [`Node::Variable`] of the session. Slots are numbered from the bottom of
//! that stack: a comprehension's own slots start after those of the
//! comprehensions it is evaluated inside, so when an outer comprehension
//! is resolved, the slots of the inner ones in its scope move up by the
//! number of its own. Its first iterable is evaluated outside its scope,
//! as in Python, and is left alone.
//!
//! Every tree is laid out in the same order, children first (the order the
//! parser finishes them), with names and big integers listed in the order
//! they are written, whether it was parsed or built with the constructors
//! ([`Expr::chain`] and the others); so two trees are equal exactly when
//! their lists are, and the derived `PartialEq` compares structure.
//!
//! Printing (`Display`) produces text that parses back to the same tree,
//! with `^` read as xor ([`Caret::Xor`](super::Caret::Xor)), since `^`
//! only appears in a tree as xor (a power prints as `**`); the property
//! tests and the `roundtrip` fuzz target rely on that.

use std::cell::Cell;
use std::fmt;

use super::attributes;
use super::builtins::{Builtin, Constant, MATH};
use super::error::{CalcResult, unsupported};
use super::format::float_repr;
use super::number::Int;
use crate::spare;

/// One line: an expression, or an assignment to a variable.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Expr(Expr),
    Assign { name: String, value: Expr },
}

/// Where a node is in its tree's node list.
pub type NodeId = usize;

/// Where a name is in its tree's list of names.
pub type NameId = usize;

/// Where an integer literal beyond a machine word is in its tree's list of
/// them.
pub type BigIntId = usize;

/// An expression: a tree of [`Node`]s, stored flat (see the module docs).
///
/// Built by the parser or by the constructors ([`Expr::int`],
/// [`Expr::chain`], ...), which keep it well formed: every id names a node
/// of the same tree, and cells are only reached through their owner.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    nodes: Vec<Node>,
    names: Names,
    big_ints: Vec<Int>,
    root: NodeId,
}

/// The names of a tree, in the order they were added, in one string.
///
/// A line like `max(x,x,...,x)` has 2,000 names: one `String` each cost an
/// allocation to parse and a free to drop, most of the parse's work. One
/// buffer and the end of each name cost two allocations per tree.
#[derive(Debug, Clone, PartialEq, Default)]
struct Names {
    text: String,
    /// Where each name ends in `text` (it starts where the previous ends).
    ends: Vec<usize>,
}

impl Names {
    fn push(&mut self, name: &str) -> NameId {
        self.text.push_str(name);
        self.ends.push(self.text.len());
        self.ends.len() - 1
    }

    fn get(&self, id: NameId) -> &str {
        let start = if id == 0 { 0 } else { self.ends[id - 1] };
        &self.text[start..self.ends[id]]
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    /// Appends `other`'s names (their ids move by `self.len()`).
    fn append(&mut self, other: &Names) {
        let shift = self.text.len();
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|end| end + shift));
    }
}

thread_local! {
    /// The node buffer of the last small tree dropped on this thread, empty,
    /// for the next tree the parser builds ([`Expr::recycled`]): one
    /// allocation and free less per line, in memory the cache still holds
    /// (see `crate::spare`).
    static SPARE_NODES: Cell<Vec<Node>> = const { Cell::new(Vec::new()) };
}

/// A tree's node buffer is kept for the next one only up to as many nodes
/// as fit in 4 KiB: 102, as many as a line of 100 bytes reserves, so that
/// most typed lines reuse it. A buffer past glibc's per-thread cache
/// (1,032 bytes, 25 nodes) is the costly one to allocate: at 1 KiB, every
/// line of 24 to 100 bytes (`sqrt(16)+abs(-3)*max(1,2)`) paid a malloc and
/// a free, about 500 instructions, a tenth of its whole evaluation.
const MAX_SPARE_NODES: usize = 4096 / std::mem::size_of::<Node>();

impl Drop for Expr {
    /// Gives a small node buffer to `SPARE_NODES`.
    fn drop(&mut self) {
        let nodes = std::mem::take(&mut self.nodes);
        spare::give_vec(&SPARE_NODES, nodes, MAX_SPARE_NODES);
    }
}

/// One node of an [`Expr`]; children are named by their [`NodeId`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Node {
    /// An integer literal that fits a machine word (any base in the source;
    /// the value is kept).
    Int(i64),
    /// A larger integer literal: [`Expr::big_int`].
    BigInt(BigIntId),
    /// A float literal: finite and non-negative, or `inf` from an overflowing
    /// literal such as `1e999`.
    Float(f64),
    /// An imaginary literal (`2j`, `1.5e3j`): the complex number with this
    /// imaginary part and a real part of `+0.0`.
    Imaginary(f64),
    /// `True` or `False`.
    Bool(bool),
    /// `None`.
    None,
    /// A built-in constant named bare (`pi`), resolved at parse time: a
    /// session cannot rebind it, and a comprehension variable of the same
    /// name turns it into a [`Node::Local`] when the comprehension's scope
    /// is resolved.
    Constant(&'static Constant),
    /// A constant of the math module named as such (`math.pi`): the same
    /// value as [`Node::Constant`], kept apart because a comprehension
    /// variable named `math` changes what it means.
    MathConstant(&'static Constant),
    /// The name `math` itself, as the object of an attribute that is not
    /// one of its functions or constants (`math.foo`), or alone. The
    /// parser refuses both unless a comprehension variable named `math`
    /// makes it a [`Node::Local`].
    Math,
    /// A variable of the session (or `_`), looked up when evaluated:
    /// [`Expr::name`].
    Variable(NameId),
    /// A comprehension's loop variable: slot `slot` of the evaluator's
    /// locals (see "Comprehension scopes" in the module docs).
    Local { slot: u32, name: NameId },
    /// `+x`, `-x`, `~x` or `not x`.
    Unary { op: UnaryOp, operand: NodeId },
    /// `first op1 e1 op2 e2 ...`, all operators of one precedence level,
    /// applied left to right. `rest` is the first of one or more
    /// [`Node::Link`]s (a chain of one is just its operand).
    Chain { first: NodeId, rest: NodeId },
    /// One `op operand` of a chain, and the next one, if any.
    Link {
        op: BinaryOp,
        operand: NodeId,
        next: Option<NodeId>,
    },
    /// `base ** exponent` (right-associative, so `exponent` may be another
    /// power).
    Power { base: NodeId, exponent: NodeId },
    /// `first op1 e1 op2 e2 ...` for comparisons, which Python chains:
    /// `a < b < c` is `a < b and b < c`, with `b` evaluated once. `rest` is
    /// the first [`Node::CompareLink`].
    Compare { first: NodeId, rest: NodeId },
    /// One `op operand` of a comparison chain.
    CompareLink {
        op: CompareOp,
        operand: NodeId,
        next: Option<NodeId>,
    },
    /// `a or b or ...` / `a and b and ...`: `operands` is the first of two
    /// or more [`Node::Item`]s.
    BoolOp { op: BoolOp, operands: NodeId },
    /// `body if test else orelse`.
    IfElse {
        body: NodeId,
        test: NodeId,
        orelse: NodeId,
    },
    /// `(a, b)`, `(a,)`, `()`, or `a, b` at the top: `items` is the first
    /// [`Node::Item`], if any.
    Tuple { items: Option<NodeId> },
    /// `[a, b]`.
    List { items: Option<NodeId> },
    /// A call. `args` is the first [`Node::Item`], if any; a keyword
    /// argument is an item whose value is a [`Node::Keyword`].
    Call {
        callee: Callee,
        args: Option<NodeId>,
    },
    /// One item of a list of them (arguments, tuple and list items,
    /// `and`/`or` operands), and the next one, if any.
    Item { value: NodeId, next: Option<NodeId> },
    /// `name=value` in a call.
    Keyword { name: NameId, value: NodeId },
    /// `value[index]`; `index` may be a [`Node::Slice`].
    Subscript { value: NodeId, index: NodeId },
    /// `lower:upper:step` in a subscript; an omitted part is a
    /// [`Node::Omitted`].
    Slice {
        lower: NodeId,
        upper: NodeId,
        step: NodeId,
    },
    /// An omitted part of a slice.
    Omitted,
    /// `value.name`.
    Attribute { value: NodeId, name: NameId },
    /// A list comprehension or a generator expression: `element`, then the
    /// clauses from `clauses` (a [`Node::For`]). Its loop variables use
    /// `slots` slots of the locals from `base` (see the module docs).
    Comprehension {
        kind: ComprehensionKind,
        element: NodeId,
        clauses: NodeId,
        base: u32,
        slots: u32,
    },
    /// `for target in iterable`, and the next clause.
    For {
        target: NodeId,
        iterable: NodeId,
        next: Option<NodeId>,
    },
    /// `if condition`, and the next clause.
    If {
        condition: NodeId,
        next: Option<NodeId>,
    },
    /// A loop variable as a target: slot `slot`.
    Store { slot: u32, name: NameId },
    /// `a, b` or `(a, b)` as a target: `items` is the first [`Node::Item`]
    /// (whose values are [`Node::Store`]s or [`Node::StoreTuple`]s).
    StoreTuple { items: Option<NodeId> },
}

/// What a call calls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Callee {
    /// A function named bare (`sqrt(2)`, `pow(2, 3)`).
    Builtin(&'static Builtin),
    /// A function of the math module named as such (`math.sqrt(2)`,
    /// `math.pow(2, 3)`): kept apart from [`Callee::Builtin`] for the same
    /// reason as [`Node::MathConstant`].
    Math(&'static Builtin),
    /// Any other expression: an attribute (a method, as in
    /// `x.bit_length()`), or something that is not callable: a name that
    /// is not a function (Python raises `NameError`, or `TypeError` for a
    /// variable or constant, when the call is evaluated), `(1)(2)`.
    Expr(NodeId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Plus,
    Minus,
    Invert,
    Not,
}

/// The left-associative binary operators, kept in [`Node::Chain`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    MatMul,
    TrueDiv,
    FloorDiv,
    Mod,
    LShift,
    RShift,
    BitAnd,
    BitXor,
    BitOr,
}

/// The comparison operators (`is` is not part of the language: values
/// have no identity).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    In,
    NotIn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoolOp {
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComprehensionKind {
    /// `[x for ...]`: a list.
    List,
    /// `(x for ...)`: consumed lazily by the function it is passed to.
    Generator,
}

/// Binding strength, lowest first, as in Python's grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precedence {
    Conditional,
    Or,
    And,
    Not,
    Comparison,
    BitOr,
    BitXor,
    BitAnd,
    Shift,
    Additive,
    Multiplicative,
    Unary,
    Power,
    /// Calls, subscripts and attributes.
    Postfix,
    /// Literals, names and displays (tuples, lists, comprehensions).
    Atom,
}

impl BinaryOp {
    /// The operator as written (xor as `^`, see the module docs).
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::MatMul => "@",
            BinaryOp::TrueDiv => "/",
            BinaryOp::FloorDiv => "//",
            BinaryOp::Mod => "%",
            BinaryOp::LShift => "<<",
            BinaryOp::RShift => ">>",
            BinaryOp::BitAnd => "&",
            BinaryOp::BitXor => "^",
            BinaryOp::BitOr => "|",
        }
    }

    pub fn precedence(self) -> Precedence {
        match self {
            BinaryOp::Add | BinaryOp::Sub => Precedence::Additive,
            BinaryOp::LShift | BinaryOp::RShift => Precedence::Shift,
            BinaryOp::BitAnd => Precedence::BitAnd,
            BinaryOp::BitXor => Precedence::BitXor,
            BinaryOp::BitOr => Precedence::BitOr,
            _ => Precedence::Multiplicative,
        }
    }
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::In => "in",
            CompareOp::NotIn => "not in",
        }
    }
}

impl UnaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            UnaryOp::Plus => "+",
            UnaryOp::Minus => "-",
            UnaryOp::Invert => "~",
            UnaryOp::Not => "not ",
        }
    }
}

impl BoolOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BoolOp::And => "and",
            BoolOp::Or => "or",
        }
    }
}

/// How far the ids of a tree move when it is appended to another.
#[derive(Clone, Copy)]
struct Offsets {
    nodes: usize,
    names: usize,
    big_ints: usize,
}

impl Node {
    /// The same node in a tree appended at `offsets`.
    fn shifted(self, offsets: Offsets) -> Node {
        let at = |id: NodeId| id + offsets.nodes;
        let name = |id: NameId| id + offsets.names;
        match self {
            Node::BigInt(id) => Node::BigInt(id + offsets.big_ints),
            Node::Variable(id) => Node::Variable(name(id)),
            Node::Local { slot, name: n } => Node::Local {
                slot,
                name: name(n),
            },
            Node::Store { slot, name: n } => Node::Store {
                slot,
                name: name(n),
            },
            Node::Unary { op, operand } => Node::Unary {
                op,
                operand: at(operand),
            },
            Node::Chain { first, rest } => Node::Chain {
                first: at(first),
                rest: at(rest),
            },
            Node::Link { op, operand, next } => Node::Link {
                op,
                operand: at(operand),
                next: next.map(at),
            },
            Node::Power { base, exponent } => Node::Power {
                base: at(base),
                exponent: at(exponent),
            },
            Node::Compare { first, rest } => Node::Compare {
                first: at(first),
                rest: at(rest),
            },
            Node::CompareLink { op, operand, next } => Node::CompareLink {
                op,
                operand: at(operand),
                next: next.map(at),
            },
            Node::BoolOp { op, operands } => Node::BoolOp {
                op,
                operands: at(operands),
            },
            Node::IfElse { body, test, orelse } => Node::IfElse {
                body: at(body),
                test: at(test),
                orelse: at(orelse),
            },
            Node::Tuple { items } => Node::Tuple {
                items: items.map(at),
            },
            Node::List { items } => Node::List {
                items: items.map(at),
            },
            Node::Call { callee, args } => Node::Call {
                callee: match callee {
                    Callee::Expr(id) => Callee::Expr(at(id)),
                    builtin => builtin,
                },
                args: args.map(at),
            },
            Node::Item { value, next } => Node::Item {
                value: at(value),
                next: next.map(at),
            },
            Node::Keyword { name: n, value } => Node::Keyword {
                name: name(n),
                value: at(value),
            },
            Node::Subscript { value, index } => Node::Subscript {
                value: at(value),
                index: at(index),
            },
            Node::Slice { lower, upper, step } => Node::Slice {
                lower: at(lower),
                upper: at(upper),
                step: at(step),
            },
            Node::Attribute { value, name: n } => Node::Attribute {
                value: at(value),
                name: name(n),
            },
            Node::Comprehension {
                kind,
                element,
                clauses,
                base,
                slots,
            } => Node::Comprehension {
                kind,
                element: at(element),
                clauses: at(clauses),
                base,
                slots,
            },
            Node::For {
                target,
                iterable,
                next,
            } => Node::For {
                target: at(target),
                iterable: at(iterable),
                next: next.map(at),
            },
            Node::If { condition, next } => Node::If {
                condition: at(condition),
                next: next.map(at),
            },
            Node::StoreTuple { items } => Node::StoreTuple {
                items: items.map(at),
            },
            leaf @ (Node::Int(_)
            | Node::Float(_)
            | Node::Imaginary(_)
            | Node::Bool(_)
            | Node::None
            | Node::Constant(_)
            | Node::MathConstant(_)
            | Node::Math
            | Node::Omitted) => leaf,
        }
    }

    /// The `next` of a cell, for linking the one after it.
    fn next_mut(&mut self) -> Option<&mut Option<NodeId>> {
        match self {
            Node::Link { next, .. }
            | Node::CompareLink { next, .. }
            | Node::Item { next, .. }
            | Node::For { next, .. }
            | Node::If { next, .. } => Some(next),
            _ => None,
        }
    }
}

/// A list of cells ([`Node::Link`], [`Node::Item`], ...) being appended to
/// a tree: each new cell is linked from the one before it.
#[derive(Default)]
pub(super) struct ListBuilder {
    /// The first cell, once there is one.
    pub(super) head: Option<NodeId>,
    tail: Option<NodeId>,
}

impl ListBuilder {
    /// Appends `cell` (whose `next` is `None`) to `tree` and to the list.
    pub(super) fn push(&mut self, tree: &mut Expr, cell: Node) {
        let id = tree.push(cell);
        if let Some(tail) = self.tail
            && let Some(next) = tree.nodes[tail].next_mut()
        {
            *next = Some(id);
        }
        self.head.get_or_insert(id);
        self.tail = Some(id);
    }
}

/// The `(op, operand)` pairs of a chain, from its first [`Node::Link`].
pub struct Links<'t> {
    nodes: &'t [Node],
    next: Option<NodeId>,
}

impl Iterator for Links<'_> {
    type Item = (BinaryOp, NodeId);

    fn next(&mut self) -> Option<Self::Item> {
        let Node::Link { op, operand, next } = self.nodes[self.next?] else {
            return None;
        };
        self.next = next;
        Some((op, operand))
    }
}

/// The `(op, operand)` pairs of a comparison chain.
pub struct CompareLinks<'t> {
    nodes: &'t [Node],
    next: Option<NodeId>,
}

impl Iterator for CompareLinks<'_> {
    type Item = (CompareOp, NodeId);

    fn next(&mut self) -> Option<Self::Item> {
        let Node::CompareLink { op, operand, next } = self.nodes[self.next?] else {
            return None;
        };
        self.next = next;
        Some((op, operand))
    }
}

/// The values of a list of [`Node::Item`]s.
pub struct Items<'t> {
    nodes: &'t [Node],
    next: Option<NodeId>,
}

impl Iterator for Items<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<Self::Item> {
        let Node::Item { value, next } = self.nodes[self.next?] else {
            return None;
        };
        self.next = next;
        Some(value)
    }
}

/// One argument of a call, for the constructors.
#[derive(Debug, Clone)]
pub enum Argument {
    Positional(Expr),
    Keyword(String, Expr),
}

/// One clause of a comprehension, for the constructors.
#[derive(Debug, Clone)]
pub enum Clause {
    For { target: Target, iterable: Expr },
    If(Expr),
}

/// A loop variable, or a tuple of them, for the constructors.
#[derive(Debug, Clone)]
pub enum Target {
    Name(String),
    Tuple(Vec<Target>),
}

/// Constructors: each takes its children's trees and appends them, in the
/// order the parser would have made them.
impl Expr {
    pub fn int(value: Int) -> Expr {
        let mut tree = Expr::with_capacity(1);
        let node = tree.int_node(value);
        tree.finish(node)
    }

    pub fn float(value: f64) -> Expr {
        Expr::leaf(Node::Float(value))
    }

    /// An imaginary literal (`2j` is `Expr::imaginary(2.0)`).
    pub fn imaginary(value: f64) -> Expr {
        Expr::leaf(Node::Imaginary(value))
    }

    pub fn bool(value: bool) -> Expr {
        Expr::leaf(Node::Bool(value))
    }

    pub fn none() -> Expr {
        Expr::leaf(Node::None)
    }

    pub fn constant(constant: &'static Constant) -> Expr {
        Expr::leaf(Node::Constant(constant))
    }

    pub fn variable(name: String) -> Expr {
        let mut tree = Expr::with_capacity(1);
        let node = Node::Variable(tree.add_name(&name));
        tree.finish(node)
    }

    pub fn unary(op: UnaryOp, operand: Expr) -> Expr {
        let mut tree = Expr::with_capacity(operand.nodes.len() + 1);
        let operand = tree.append(operand);
        tree.finish(Node::Unary { op, operand })
    }

    /// `first op1 e1 ...`; with no `rest`, just `first` (as the parser
    /// reads a chain of one).
    pub fn chain(first: Expr, rest: Vec<(BinaryOp, Expr)>) -> Expr {
        Expr::linked(first, rest, |op, operand| Node::Link {
            op,
            operand,
            next: None,
        })
        .unwrap_or_else(|(tree, first, rest)| tree.finish(Node::Chain { first, rest }))
    }

    /// A comparison chain; with no `rest`, just `first`.
    pub fn compare(first: Expr, rest: Vec<(CompareOp, Expr)>) -> Expr {
        Expr::linked(first, rest, |op, operand| Node::CompareLink {
            op,
            operand,
            next: None,
        })
        .unwrap_or_else(|(tree, first, rest)| tree.finish(Node::Compare { first, rest }))
    }

    /// `first` and the cells `link` makes of `rest`, for a chain node to
    /// finish: `Ok(first)` alone when `rest` is empty, else the tree with
    /// the ids of `first` and of the first cell.
    fn linked<Op>(
        first: Expr,
        rest: Vec<(Op, Expr)>,
        link: fn(Op, NodeId) -> Node,
    ) -> Result<Expr, (Expr, NodeId, NodeId)> {
        if rest.is_empty() {
            return Ok(first);
        }
        let mut tree = Expr::with_capacity(first.nodes.len() + 2 * rest.len() + 1);
        let first = tree.append(first);
        let mut links = ListBuilder::default();
        for (op, operand) in rest {
            let operand = tree.append(operand);
            links.push(&mut tree, link(op, operand));
        }
        // `rest` was not empty, so neither is `links`.
        let rest = links.head.unwrap_or(first);
        Err((tree, first, rest))
    }

    /// `a or b or ...`; with one operand, just that operand.
    pub fn bool_op(op: BoolOp, mut operands: Vec<Expr>) -> Expr {
        if operands.len() == 1 {
            return operands.remove(0);
        }
        let mut tree = Expr::with_capacity(2 * operands.len() + 1);
        let operands = tree.append_items(operands).unwrap_or(0);
        tree.finish(Node::BoolOp { op, operands })
    }

    pub fn if_else(body: Expr, test: Expr, orelse: Expr) -> Expr {
        let mut tree = Expr::with_capacity(body.nodes.len() + test.nodes.len() + 2);
        let body = tree.append(body);
        let test = tree.append(test);
        let orelse = tree.append(orelse);
        tree.finish(Node::IfElse { body, test, orelse })
    }

    pub fn tuple(items: Vec<Expr>) -> Expr {
        let mut tree = Expr::with_capacity(2 * items.len() + 1);
        let items = tree.append_items(items);
        tree.finish(Node::Tuple { items })
    }

    pub fn list(items: Vec<Expr>) -> Expr {
        let mut tree = Expr::with_capacity(2 * items.len() + 1);
        let items = tree.append_items(items);
        tree.finish(Node::List { items })
    }

    pub fn power(base: Expr, exponent: Expr) -> Expr {
        let mut tree = Expr::with_capacity(base.nodes.len() + exponent.nodes.len() + 1);
        let base = tree.append(base);
        let exponent = tree.append(exponent);
        tree.finish(Node::Power { base, exponent })
    }

    /// A call of a built-in function with positional arguments.
    pub fn call(function: &'static Builtin, args: Vec<Expr>) -> Expr {
        let args = args.into_iter().map(Argument::Positional).collect();
        Expr::call_with(function, args)
    }

    /// A call of a built-in function, with keyword arguments too. The
    /// math module's `pow`, which no bare name reaches, is called as
    /// `math.pow`.
    pub fn call_with(function: &'static Builtin, args: Vec<Argument>) -> Expr {
        let callee = if function.spelling == function.name {
            Callee::Builtin(function)
        } else {
            Callee::Math(function)
        };
        Expr::call_of(callee, Expr::with_capacity(2 * args.len() + 1), args)
    }

    /// A call of a name that is not a built-in function.
    pub fn call_unknown(name: String, args: Vec<Expr>) -> Expr {
        let args = args.into_iter().map(Argument::Positional).collect();
        Expr::call_expr(Expr::variable(name), args)
    }

    /// A call of an expression (a method, or something not callable).
    pub fn call_expr(callee: Expr, args: Vec<Argument>) -> Expr {
        let mut tree = Expr::with_capacity(callee.nodes.len() + 2 * args.len() + 1);
        let callee = Callee::Expr(tree.append(callee));
        Expr::call_of(callee, tree, args)
    }

    /// Appends `args` and a call of `callee` to `tree`.
    fn call_of(callee: Callee, mut tree: Expr, args: Vec<Argument>) -> Expr {
        let mut cells = ListBuilder::default();
        for arg in args {
            let value = match arg {
                Argument::Positional(e) => tree.append(e),
                Argument::Keyword(name, e) => {
                    let name = tree.add_name(&name);
                    let value = tree.append(e);
                    tree.push(Node::Keyword { name, value })
                }
            };
            cells.push(&mut tree, Node::Item { value, next: None });
        }
        let args = cells.head;
        tree.finish(Node::Call { callee, args })
    }

    /// `value[index]`.
    pub fn subscript(value: Expr, index: Expr) -> Expr {
        let mut tree = Expr::with_capacity(value.nodes.len() + index.nodes.len() + 1);
        let value = tree.append(value);
        let index = tree.append(index);
        tree.finish(Node::Subscript { value, index })
    }

    /// `value[lower:upper:step]`, each part optional.
    pub fn slice(
        value: Expr,
        lower: Option<Expr>,
        upper: Option<Expr>,
        step: Option<Expr>,
    ) -> Expr {
        let mut tree = Expr::with_capacity(value.nodes.len() + 8);
        let value = tree.append(value);
        let part = |tree: &mut Expr, e: Option<Expr>| match e {
            Some(e) => tree.append(e),
            None => tree.push(Node::Omitted),
        };
        let lower = part(&mut tree, lower);
        let upper = part(&mut tree, upper);
        let step = part(&mut tree, step);
        let index = tree.push(Node::Slice { lower, upper, step });
        tree.finish(Node::Subscript { value, index })
    }

    /// `value.name`.
    pub fn attribute(value: Expr, name: String) -> Expr {
        let mut tree = Expr::with_capacity(value.nodes.len() + 1);
        let value = tree.append(value);
        let name = tree.add_name(&name);
        tree.finish(Node::Attribute { value, name })
    }

    /// A comprehension: `element`, then `clauses`, the first of which must
    /// be a `for` (else `None`; `None` too for what the parser refuses, a
    /// loop variable `math` under `math.pi` or `math.sqrt(x)`).
    pub fn comprehension(
        kind: ComprehensionKind,
        element: Expr,
        clauses: Vec<Clause>,
    ) -> Option<Expr> {
        if !matches!(clauses.first(), Some(Clause::For { .. })) {
            return None;
        }
        let mut tree = Expr::with_capacity(element.nodes.len() + 4 * clauses.len() + 1);
        let start = tree.nodes.len();
        let element = tree.append(element);
        let mut scope = Scope::default();
        let mut cells = ListBuilder::default();
        let mut first_iterable = 0..0;
        for (i, clause) in clauses.into_iter().enumerate() {
            match clause {
                Clause::For { target, iterable } => {
                    let target = tree.append_target(&target, &mut scope);
                    let from = tree.nodes.len();
                    let iterable = tree.append(iterable);
                    if i == 0 {
                        first_iterable = from..tree.nodes.len();
                    }
                    let next = None;
                    cells.push(
                        &mut tree,
                        Node::For {
                            target,
                            iterable,
                            next,
                        },
                    );
                }
                Clause::If(condition) => {
                    let condition = tree.append(condition);
                    cells.push(
                        &mut tree,
                        Node::If {
                            condition,
                            next: None,
                        },
                    );
                }
            }
        }
        let clauses = cells.head?;
        let node = tree
            .finish_comprehension(kind, element, clauses, start, first_iterable, &scope)
            .ok()?;
        Some(tree.finish(node))
    }

    /// Appends a target, naming its loop variables in `scope`.
    fn append_target(&mut self, target: &Target, scope: &mut Scope) -> NodeId {
        match target {
            Target::Name(name) => {
                let slot = scope.slot(name);
                let name = self.add_name(name);
                let store = self.push(Node::Store { slot, name });
                scope.own(store);
                store
            }
            Target::Tuple(targets) => {
                let mut cells = ListBuilder::default();
                for t in targets {
                    let value = self.append_target(t, scope);
                    cells.push(self, Node::Item { value, next: None });
                }
                let items = cells.head;
                self.push(Node::StoreTuple { items })
            }
        }
    }

    fn leaf(node: Node) -> Expr {
        Expr::with_capacity(1).finish(node)
    }

    /// Appends `items` as a list of [`Node::Item`]s; the first, if any.
    fn append_items(&mut self, items: Vec<Expr>) -> Option<NodeId> {
        let mut cells = ListBuilder::default();
        for item in items {
            let value = self.append(item);
            cells.push(self, Node::Item { value, next: None });
        }
        cells.head
    }

    /// Appends `other`'s nodes, names and big integers, renumbered, and
    /// returns where its root is now.
    fn append(&mut self, mut other: Expr) -> NodeId {
        let offsets = Offsets {
            nodes: self.nodes.len(),
            names: self.names.len(),
            big_ints: self.big_ints.len(),
        };
        let nodes = other.nodes.iter().map(|n| n.shifted(offsets));
        self.nodes.extend(nodes);
        self.names.append(&other.names);
        self.big_ints.append(&mut other.big_ints);
        other.root + offsets.nodes
    }
}

/// The loop variables of one comprehension, in the order they are first
/// written: a name's slot is its place in that order.
#[derive(Default, Debug)]
pub(super) struct Scope {
    names: Vec<String>,
    /// The comprehension's own [`Node::Store`]s.
    stores: Vec<NodeId>,
}

impl Scope {
    /// The slot of `name`, given one if it has none yet.
    pub(super) fn slot(&mut self, name: &str) -> u32 {
        match self.names.iter().position(|n| n == name) {
            Some(i) => i as u32,
            None => {
                self.names.push(name.to_string());
                (self.names.len() - 1) as u32
            }
        }
    }

    fn find(&self, name: &str) -> Option<u32> {
        self.names.iter().position(|n| n == name).map(|i| i as u32)
    }

    pub(super) fn len(&self) -> u32 {
        self.names.len() as u32
    }

    /// Notes that `store` is one of the comprehension's own targets.
    pub(super) fn own(&mut self, store: NodeId) {
        self.stores.push(store);
    }
}

/// Building, for the parser and the constructors.
impl Expr {
    /// An empty tree with room for `nodes` nodes. Not a valid tree until
    /// [`Self::finish`]ed.
    pub(super) fn with_capacity(nodes: usize) -> Expr {
        Expr {
            nodes: Vec::with_capacity(nodes),
            names: Names::default(),
            big_ints: Vec::new(),
            root: 0,
        }
    }

    /// An empty tree like [`Self::with_capacity`], in the node buffer of
    /// the last small tree dropped on this thread if that has room (see
    /// [`SPARE_NODES`]).
    pub(super) fn recycled(capacity: usize) -> Expr {
        // A spare too small is kept for a shorter line: a fresh allocation
        // is cheaper than growing it (and copying).
        let Some(spare) = spare::take_if(&SPARE_NODES, |s| s.capacity() >= capacity) else {
            return Expr::with_capacity(capacity);
        };
        Expr {
            nodes: spare,
            names: Names::default(),
            big_ints: Vec::new(),
            root: 0,
        }
    }

    /// The node of an integer literal (the value kept aside if it is big).
    pub(super) fn int_node(&mut self, value: Int) -> Node {
        match value {
            Int::Small(i) => Node::Int(i),
            big => {
                self.big_ints.push(big);
                Node::BigInt(self.big_ints.len() - 1)
            }
        }
    }

    /// Keeps a name, for a [`Node::Variable`] and the other nodes that name
    /// something.
    pub(super) fn add_name(&mut self, name: &str) -> NameId {
        self.names.push(name)
    }

    /// Appends a node whose children are already in the tree.
    pub(super) fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// How many nodes the tree has so far (where the next one will go).
    pub(super) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Makes `root` the root (of a tree built with [`Self::push`]).
    pub(super) fn set_root(&mut self, root: NodeId) {
        self.root = root;
    }

    /// Appends the root node and makes it the root.
    fn finish(mut self, root: Node) -> Expr {
        self.root = self.push(root);
        self
    }

    /// Resolves the scope of a comprehension whose nodes are
    /// `start..self.len()` (see "Comprehension scopes" in the module docs)
    /// and returns its node, for the caller to push: names of `scope`
    /// become locals, and the locals, stores and bases of comprehensions
    /// nested in its scope move up by its number of slots. Its first
    /// iterable (`first_iterable`) is outside its scope, and its own
    /// stores (`scope`'s) keep their slots.
    ///
    /// A loop variable may shadow any name, as in Python: a constant
    /// (`[pi for pi in range(2)]`), a function (`[abs(x) for abs in
    /// [1]]` calls the int, which fails) or `math`. The parser resolved
    /// those names as built-ins before it met the `for`, so they are
    /// rewritten here. `math.pi` or `math.sqrt(x)` with `math` a loop
    /// variable would be an attribute of a number that is not one of the
    /// numeric ones: refused, as such attributes always are.
    pub(super) fn finish_comprehension(
        &mut self,
        kind: ComprehensionKind,
        element: NodeId,
        clauses: NodeId,
        start: NodeId,
        first_iterable: std::ops::Range<NodeId>,
        scope: &Scope,
    ) -> CalcResult<Node> {
        let shift = scope.len();
        let math = scope.find(MATH);
        for id in start..self.nodes.len() {
            if first_iterable.contains(&id) || scope.stores.contains(&id) {
                continue;
            }
            match self.nodes[id] {
                Node::Variable(name) => {
                    if let Some(slot) = scope.find(self.names.get(name)) {
                        self.nodes[id] = Node::Local { slot, name };
                    }
                }
                Node::Constant(c) => {
                    if let Some(slot) = scope.find(c.name) {
                        self.nodes[id] = self.local(slot, c.name);
                    }
                }
                Node::Math => {
                    if let Some(slot) = math {
                        self.nodes[id] = self.local(slot, MATH);
                    }
                }
                Node::Call {
                    callee: Callee::Builtin(function),
                    args,
                } => {
                    if let Some(slot) = scope.find(function.name) {
                        let local = self.local(slot, function.name);
                        let callee = Callee::Expr(self.push(local));
                        self.nodes[id] = Node::Call { callee, args };
                    }
                }
                Node::MathConstant(Constant { name, .. })
                | Node::Call {
                    callee: Callee::Math(Builtin { name, .. }),
                    ..
                } if math.is_some() => return Err(attributes::not_offered(name)),
                // An inner comprehension's variables (this one's names were
                // still `Variable`s when it was resolved).
                Node::Local { ref mut slot, .. } | Node::Store { ref mut slot, .. } => {
                    *slot += shift
                }
                Node::Comprehension { ref mut base, .. } => *base += shift,
                _ => {}
            }
        }
        Ok(Node::Comprehension {
            kind,
            element,
            clauses,
            base: 0,
            slots: shift,
        })
    }

    /// Refuses what the parser could only judge once every comprehension
    /// scope was known, and that no loop variable claimed: a function's
    /// name used as a value (`f = sqrt`, `0 and sqrt`), `math` alone, and
    /// `math.NAME` other than a constant or a called function. Refused
    /// even where evaluation would not reach them: they are outside the
    /// language, not errors of a value. (Every node the parser makes is
    /// part of the tree: it never backtracks over one.)
    pub(super) fn refuse_unresolved(&self) -> CalcResult<()> {
        let mut math_alone = false;
        for node in &self.nodes {
            match *node {
                Node::Variable(name)
                    if super::builtins::function(self.names.get(name)).is_some() =>
                {
                    let name = self.names.get(name);
                    return Err(unsupported(format!(
                        "functions are not values: call it, as in {name}(x)"
                    )));
                }
                Node::Attribute { value, name } if matches!(self.nodes[value], Node::Math) => {
                    return Err(attributes::math(self.names.get(name)));
                }
                Node::Math => math_alone = true,
                _ => {}
            }
        }
        if math_alone {
            return Err(unsupported(
                "math is a module, not a value: use its names, as in math.pi or math.sqrt(x)",
            ));
        }
        Ok(())
    }

    /// A [`Node::Local`] for slot `slot`, named `name`.
    fn local(&mut self, slot: u32, name: &str) -> Node {
        let name = self.add_name(name);
        Node::Local { slot, name }
    }
}

/// Reading.
impl Expr {
    pub fn root(&self) -> NodeId {
        self.root
    }

    /// The root node: for a literal, the literal.
    pub fn root_node(&self) -> &Node {
        self.node(self.root)
    }

    /// The node `id` names. Ids come from this tree's own nodes (a
    /// [`Node`]'s fields, [`Expr::root`]); like a slice index, an id of
    /// another tree is a bug in the caller, and may panic.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// The name of a [`Node::Variable`] (or any node naming one) of this
    /// tree (panics, like [`Expr::node`], on an id from elsewhere).
    pub fn name(&self, id: NameId) -> &str {
        self.names.get(id)
    }

    /// The value of a [`Node::BigInt`] of this tree (panics, like
    /// [`Expr::node`], on an id from elsewhere).
    pub fn big_int(&self, id: BigIntId) -> &Int {
        &self.big_ints[id]
    }

    /// The `(op, operand)` pairs of the chain whose `rest` is `first_link`.
    pub fn links(&self, first_link: NodeId) -> Links<'_> {
        Links {
            nodes: &self.nodes,
            next: Some(first_link),
        }
    }

    /// The `(op, operand)` pairs of the comparison chain whose `rest` is
    /// `first_link`.
    pub fn compare_links(&self, first_link: NodeId) -> CompareLinks<'_> {
        CompareLinks {
            nodes: &self.nodes,
            next: Some(first_link),
        }
    }

    /// The values of the items from `first` (arguments, tuple or list
    /// items, `and`/`or` operands).
    pub fn items(&self, first: Option<NodeId>) -> Items<'_> {
        Items {
            nodes: &self.nodes,
            next: first,
        }
    }

    /// The precedence of `id`'s node, for printing.
    fn precedence(&self, id: NodeId) -> Precedence {
        match self.nodes[id] {
            Node::Chain { rest, .. } => self
                .links(rest)
                .next()
                .map_or(Precedence::Atom, |(op, _)| op.precedence()),
            Node::Compare { .. } => Precedence::Comparison,
            Node::BoolOp { op: BoolOp::Or, .. } => Precedence::Or,
            Node::BoolOp {
                op: BoolOp::And, ..
            } => Precedence::And,
            Node::Unary {
                op: UnaryOp::Not, ..
            } => Precedence::Not,
            Node::Unary { .. } => Precedence::Unary,
            Node::Power { .. } => Precedence::Power,
            Node::IfElse { .. } => Precedence::Conditional,
            Node::Call { .. } | Node::Subscript { .. } | Node::Attribute { .. } => {
                Precedence::Postfix
            }
            _ => Precedence::Atom,
        }
    }

    /// Writes node `id`, in parentheses unless its precedence is at least
    /// `min`.
    fn write_at(&self, f: &mut fmt::Formatter<'_>, id: NodeId, min: Precedence) -> fmt::Result {
        if self.precedence(id) < min {
            f.write_str("(")?;
            self.write(f, id)?;
            f.write_str(")")
        } else {
            self.write(f, id)
        }
    }

    /// The precedence one level above `p`: what an operand of a flat chain
    /// of level `p` needs, since a nested chain of the same level keeps its
    /// parentheses (so that the tree reads back unchanged).
    fn above(p: Precedence) -> Precedence {
        use Precedence::*;
        match p {
            Conditional => Or,
            Or => And,
            And => Not,
            Not => Comparison,
            Comparison => BitOr,
            BitOr => BitXor,
            BitXor => BitAnd,
            BitAnd => Shift,
            Shift => Additive,
            Additive => Multiplicative,
            Multiplicative => Unary,
            Unary => Power,
            Power => Postfix,
            Postfix | Atom => Atom,
        }
    }

    /// Writes `items`, separated by commas.
    fn write_items(&self, f: &mut fmt::Formatter<'_>, first: Option<NodeId>) -> fmt::Result {
        for (i, item) in self.items(first).enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            self.write_at(f, item, Precedence::Conditional)?;
        }
        Ok(())
    }

    /// Writes node `id`; recursion is bounded by the tree's nesting depth.
    fn write(&self, f: &mut fmt::Formatter<'_>, id: NodeId) -> fmt::Result {
        use Precedence as P;
        match &self.nodes[id] {
            Node::Int(i) => write!(f, "{i}"),
            // In decimal, unless that has more digits than a decimal
            // literal may (CPython's 4,300): then in hexadecimal, which
            // reads back (`0xfff...` of any length is a literal).
            Node::BigInt(id) => match self.big_int(*id) {
                Int::Big(b) if b.bits() as f64 * std::f64::consts::LOG10_2 >= 4299.0 => {
                    write!(f, "{:#x}", **b)
                }
                i => write!(f, "{i}"),
            },
            // `repr` reads back exactly; `inf` would read back as a name.
            Node::Float(x) if x.is_infinite() => f.write_str("1e999"),
            Node::Float(x) => f.write_str(&float_repr(*x)),
            Node::Imaginary(x) if x.is_infinite() => f.write_str("1e999j"),
            Node::Imaginary(x) => write!(f, "{}j", float_repr(*x)),
            Node::Bool(true) => f.write_str("True"),
            Node::Bool(false) => f.write_str("False"),
            Node::None => f.write_str("None"),
            Node::Constant(c) => f.write_str(c.name),
            Node::MathConstant(c) => write!(f, "math.{}", c.name),
            Node::Math => f.write_str("math"),
            Node::Variable(name) | Node::Local { name, .. } | Node::Store { name, .. } => {
                f.write_str(self.name(*name))
            }
            Node::Unary { op, operand } => {
                f.write_str(op.symbol())?;
                let min = if *op == UnaryOp::Not {
                    P::Not
                } else {
                    P::Unary
                };
                self.write_at(f, *operand, min)
            }
            Node::Chain { first, rest } => {
                let min = Self::above(self.precedence(id));
                self.write_at(f, *first, min)?;
                for (op, operand) in self.links(*rest) {
                    write!(f, " {} ", op.symbol())?;
                    self.write_at(f, operand, min)?;
                }
                Ok(())
            }
            Node::Power { base, exponent } => {
                self.write_at(f, *base, P::Postfix)?;
                f.write_str(" ** ")?;
                self.write_at(f, *exponent, P::Unary)
            }
            Node::Compare { first, rest } => {
                self.write_at(f, *first, P::BitOr)?;
                for (op, operand) in self.compare_links(*rest) {
                    write!(f, " {} ", op.symbol())?;
                    self.write_at(f, operand, P::BitOr)?;
                }
                Ok(())
            }
            Node::BoolOp { op, operands } => {
                let min = Self::above(self.precedence(id));
                for (i, operand) in self.items(Some(*operands)).enumerate() {
                    if i > 0 {
                        write!(f, " {} ", op.symbol())?;
                    }
                    self.write_at(f, operand, min)?;
                }
                Ok(())
            }
            Node::IfElse { body, test, orelse } => {
                self.write_at(f, *body, P::Or)?;
                f.write_str(" if ")?;
                self.write_at(f, *test, P::Or)?;
                f.write_str(" else ")?;
                self.write_at(f, *orelse, P::Conditional)
            }
            Node::Tuple { items } => {
                f.write_str("(")?;
                self.write_items(f, *items)?;
                if self.items(*items).count() == 1 {
                    f.write_str(",")?;
                }
                f.write_str(")")
            }
            Node::List { items } => {
                f.write_str("[")?;
                self.write_items(f, *items)?;
                f.write_str("]")
            }
            Node::Call { callee, args } => {
                match callee {
                    Callee::Builtin(b) => f.write_str(b.name)?,
                    Callee::Math(b) => write!(f, "math.{}", b.name)?,
                    Callee::Expr(e) => self.write_postfix_object(f, *e)?,
                }
                // A generator alone needs no parentheses of its own.
                let mut items = self.items(*args);
                if let (Some(only), None) = (items.next(), items.next())
                    && let Node::Comprehension {
                        kind: ComprehensionKind::Generator,
                        ..
                    } = self.nodes[only]
                {
                    f.write_str("(")?;
                    self.write_comprehension_body(f, only)?;
                    return f.write_str(")");
                }
                f.write_str("(")?;
                for (i, arg) in self.items(*args).enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match self.nodes[arg] {
                        Node::Keyword { name, value } => {
                            write!(f, "{}=", self.name(name))?;
                            self.write_at(f, value, P::Conditional)?;
                        }
                        _ => self.write_at(f, arg, P::Conditional)?,
                    }
                }
                f.write_str(")")
            }
            Node::Subscript { value, index } => {
                self.write_postfix_object(f, *value)?;
                f.write_str("[")?;
                match self.nodes[*index] {
                    Node::Slice { lower, upper, step } => {
                        self.write_slice_part(f, lower)?;
                        f.write_str(":")?;
                        self.write_slice_part(f, upper)?;
                        if !matches!(self.nodes[step], Node::Omitted) {
                            f.write_str(":")?;
                            self.write_slice_part(f, step)?;
                        }
                    }
                    _ => self.write_at(f, *index, P::Conditional)?,
                }
                f.write_str("]")
            }
            Node::Attribute { value, name } => {
                self.write_postfix_object(f, *value)?;
                write!(f, ".{}", self.name(*name))
            }
            Node::Comprehension { kind, .. } => {
                let (open, close) = match kind {
                    ComprehensionKind::List => ("[", "]"),
                    ComprehensionKind::Generator => ("(", ")"),
                };
                f.write_str(open)?;
                self.write_comprehension_body(f, id)?;
                f.write_str(close)
            }
            Node::StoreTuple { items } => {
                // Targets are written in parentheses, which read back the
                // same.
                f.write_str("(")?;
                for (i, item) in self.items(*items).enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    self.write(f, item)?;
                }
                if self.items(*items).count() == 1 {
                    f.write_str(",")?;
                }
                f.write_str(")")
            }
            // Written by their owner, never reached on their own.
            Node::Link { .. }
            | Node::CompareLink { .. }
            | Node::Item { .. }
            | Node::Keyword { .. }
            | Node::Slice { .. }
            | Node::Omitted
            | Node::For { .. }
            | Node::If { .. } => Ok(()),
        }
    }

    /// The object of a call, subscript or attribute: parenthesised unless
    /// it binds at least as tightly; an int literal too, since `1.real`
    /// would read as a malformed float.
    fn write_postfix_object(&self, f: &mut fmt::Formatter<'_>, id: NodeId) -> fmt::Result {
        if matches!(self.nodes[id], Node::Int(_) | Node::BigInt(_)) {
            f.write_str("(")?;
            self.write(f, id)?;
            return f.write_str(")");
        }
        self.write_at(f, id, Precedence::Postfix)
    }

    fn write_slice_part(&self, f: &mut fmt::Formatter<'_>, id: NodeId) -> fmt::Result {
        match self.nodes[id] {
            Node::Omitted => Ok(()),
            _ => self.write_at(f, id, Precedence::Conditional),
        }
    }

    /// `element for ... in ... if ...`, without brackets.
    fn write_comprehension_body(&self, f: &mut fmt::Formatter<'_>, id: NodeId) -> fmt::Result {
        let Node::Comprehension {
            element, clauses, ..
        } = self.nodes[id]
        else {
            return Ok(());
        };
        self.write_at(f, element, Precedence::Conditional)?;
        let mut clause = Some(clauses);
        while let Some(c) = clause {
            match self.nodes[c] {
                Node::For {
                    target,
                    iterable,
                    next,
                } => {
                    f.write_str(" for ")?;
                    self.write(f, target)?;
                    f.write_str(" in ")?;
                    self.write_at(f, iterable, Precedence::Or)?;
                    clause = next;
                }
                Node::If { condition, next } => {
                    f.write_str(" if ")?;
                    self.write_at(f, condition, Precedence::Or)?;
                    clause = next;
                }
                _ => clause = None,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, self.root)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The node is copied on every step of parsing and evaluation: it must
    /// not grow past the five words it has always had.
    #[test]
    fn the_node_stays_small() {
        assert!(std::mem::size_of::<Node>() <= 40);
    }
}
