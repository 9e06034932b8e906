//! The syntax tree of one line, and how to print it back.
//!
//! An [`Expr`] keeps all its nodes in one `Vec`, children before their
//! parents, and nodes refer to each other by index ([`NodeId`]). A line of
//! numbers and operators is then one allocation instead of a `Box` or `Vec`
//! per node (8 to 10 for `2*(3+4)-5/2` and the like, whose `malloc` and
//! `free` had been the largest cost left after parsing itself). Dropping a
//! tree frees its buffers and never recurses.
//!
//! Left-associative chains (`a + b - c`, `a * b / c`) are kept flat as one
//! [`Node::Chain`] instead of a left-deep tree of binary nodes: a
//! 2,000-term sum is then one chain, so evaluating it and printing it never
//! recurse deeper than the nesting the user wrote, which the parser bounds
//! by [`Limits::max_depth`](super::Limits::max_depth). A chain's operators
//! and operands, and a call's arguments, are lists of cells ([`Node::Link`],
//! [`Node::Arg`]) in the same `Vec`, each naming the next. The parser
//! appends each cell as soon as its operand is parsed, which keeps it to
//! one `push` per cell: cells that had to be contiguous would have to be
//! held aside and copied, since an operand's own nodes come in between
//! (tried: that cost more than following the links).
//!
//! What nodes would own (names, integer literals beyond a machine word) is
//! kept in two side lists of the tree (empty, so unallocated, on most
//! lines), so that [`Node`] is plain data without a destructor: dropping a
//! tree frees its buffers without visiting each node, which had cost about
//! 13 instructions a node (7% of evaluating `1+2+...+200`).
//!
//! Every tree is laid out in the same order, children first (the order the
//! parser finishes them), with names and big integers listed in the order
//! they are written, whether it was parsed or built with the constructors
//! ([`Expr::chain`] and the others); so two trees are equal exactly when
//! their lists are, and the derived `PartialEq` compares structure.
//!
//! Printing (`Display`) produces text that parses back to the same tree; the
//! property tests and the `roundtrip` fuzz target rely on that.

use std::cell::Cell;
use std::fmt;

use super::builtins::{Builtin, Constant};
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
/// of the same tree, and cells are only reached through their chain or
/// call.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    nodes: Vec<Node>,
    names: Vec<String>,
    big_ints: Vec<Int>,
    root: NodeId,
}

thread_local! {
    /// The node buffer of the last small tree dropped on this thread, empty,
    /// for the next tree the parser builds ([`Expr::recycled`]): one
    /// allocation and free less per line, in memory the cache still holds
    /// (see `crate::spare`).
    static SPARE_NODES: Cell<Vec<Node>> = const { Cell::new(Vec::new()) };
}

/// A tree's node buffer is kept for the next one only up to as many nodes
/// as fit in 1 KiB: 25, as many as a line of 23 bytes reserves.
const MAX_SPARE_NODES: usize = 1024 / std::mem::size_of::<Node>();

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
    /// A built-in constant (`pi`), resolved at parse time since it cannot be
    /// rebound.
    Constant(&'static Constant),
    /// A variable (or `_`), looked up when evaluated: [`Expr::name`].
    Variable(NameId),
    /// `+x` or `-x`.
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
    /// A call of a built-in function, or of a name that is not one (an
    /// error when evaluated, as in Python). `args` is the first
    /// [`Node::Arg`], if there are arguments.
    Call {
        callee: Callee,
        args: Option<NodeId>,
    },
    /// One argument of a call, and the next one, if any.
    Arg { value: NodeId, next: Option<NodeId> },
}

/// What a call names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Callee {
    Builtin(&'static Builtin),
    /// Not a function ([`Expr::name`]): Python raises `NameError` (or
    /// `TypeError` for a variable or constant) when the call is evaluated.
    Other(NameId),
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
        match self {
            Node::BigInt(id) => Node::BigInt(id + offsets.big_ints),
            Node::Variable(id) => Node::Variable(id + offsets.names),
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
            Node::Call { callee, args } => Node::Call {
                callee: match callee {
                    Callee::Other(id) => Callee::Other(id + offsets.names),
                    builtin => builtin,
                },
                args: args.map(at),
            },
            Node::Arg { value, next } => Node::Arg {
                value: at(value),
                next: next.map(at),
            },
            leaf => leaf,
        }
    }
}

/// A list of cells ([`Node::Link`] or [`Node::Arg`]) being appended to a
/// tree: each new cell is linked from the one before it.
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
            && let Node::Link { next, .. } | Node::Arg { next, .. } = &mut tree.nodes[tail]
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

/// The arguments of a call, from its first [`Node::Arg`].
pub struct Args<'t> {
    nodes: &'t [Node],
    next: Option<NodeId>,
}

impl Iterator for Args<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<Self::Item> {
        let Node::Arg { value, next } = self.nodes[self.next?] else {
            return None;
        };
        self.next = next;
        Some(value)
    }
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

    pub fn constant(constant: &'static Constant) -> Expr {
        Expr::leaf(Node::Constant(constant))
    }

    pub fn variable(name: String) -> Expr {
        let mut tree = Expr::with_capacity(1);
        let node = Node::Variable(tree.add_name(name));
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
        if rest.is_empty() {
            return first;
        }
        let mut tree = Expr::with_capacity(first.nodes.len() + 2 * rest.len() + 1);
        let first = tree.append(first);
        let mut links = ListBuilder::default();
        for (op, operand) in rest {
            let operand = tree.append(operand);
            let next = None;
            links.push(&mut tree, Node::Link { op, operand, next });
        }
        // `rest` was not empty, so neither is `links`.
        let rest = links.head.unwrap_or(first);
        tree.finish(Node::Chain { first, rest })
    }

    pub fn power(base: Expr, exponent: Expr) -> Expr {
        let mut tree = Expr::with_capacity(base.nodes.len() + exponent.nodes.len() + 1);
        let base = tree.append(base);
        let exponent = tree.append(exponent);
        tree.finish(Node::Power { base, exponent })
    }

    /// A call of a built-in function.
    pub fn call(function: &'static Builtin, args: Vec<Expr>) -> Expr {
        Expr::call_of(
            Callee::Builtin(function),
            Expr::with_capacity(2 * args.len() + 1),
            args,
        )
    }

    /// A call of a name that is not a built-in function.
    pub fn call_unknown(name: String, args: Vec<Expr>) -> Expr {
        let mut tree = Expr::with_capacity(2 * args.len() + 1);
        let callee = Callee::Other(tree.add_name(name));
        Expr::call_of(callee, tree, args)
    }

    /// Appends `args` and a call of `callee` to `tree`.
    fn call_of(callee: Callee, mut tree: Expr, args: Vec<Expr>) -> Expr {
        let mut cells = ListBuilder::default();
        for arg in args {
            let value = tree.append(arg);
            cells.push(&mut tree, Node::Arg { value, next: None });
        }
        let args = cells.head;
        tree.finish(Node::Call { callee, args })
    }

    fn leaf(node: Node) -> Expr {
        Expr::with_capacity(1).finish(node)
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
        self.names.append(&mut other.names);
        self.big_ints.append(&mut other.big_ints);
        other.root + offsets.nodes
    }
}

/// Building, for the parser and the constructors.
impl Expr {
    /// An empty tree with room for `nodes` nodes. Not a valid tree until
    /// [`Self::finish`]ed.
    pub(super) fn with_capacity(nodes: usize) -> Expr {
        Expr {
            nodes: Vec::with_capacity(nodes),
            names: Vec::new(),
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
            names: Vec::new(),
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

    /// Keeps a name, for a [`Node::Variable`] or [`Callee::Other`].
    pub(super) fn add_name(&mut self, name: String) -> NameId {
        self.names.push(name);
        self.names.len() - 1
    }

    /// Appends a node whose children are already in the tree.
    pub(super) fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
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

    /// The name of a [`Node::Variable`] or [`Callee::Other`] of this tree
    /// (panics, like [`Expr::node`], on an id from elsewhere).
    pub fn name(&self, id: NameId) -> &str {
        &self.names[id]
    }

    /// The value of a [`Node::BigInt`] of this tree (panics, like
    /// [`Expr::node`], on an id from elsewhere).
    pub fn big_int(&self, id: BigIntId) -> &Int {
        &self.big_ints[id]
    }

    /// The name a call is written with.
    pub fn callee_name(&self, callee: Callee) -> &str {
        match callee {
            Callee::Builtin(b) => b.name,
            Callee::Other(id) => self.name(id),
        }
    }

    /// The `(op, operand)` pairs of the chain whose `rest` is `first_link`.
    pub fn links(&self, first_link: NodeId) -> Links<'_> {
        Links {
            nodes: &self.nodes,
            next: Some(first_link),
        }
    }

    /// The arguments of the call whose `args` is `first_arg`.
    pub fn args(&self, first_arg: Option<NodeId>) -> Args<'_> {
        Args {
            nodes: &self.nodes,
            next: first_arg,
        }
    }

    /// The precedence of `id`'s node, if it is a chain.
    fn chain_precedence(&self, id: NodeId) -> Option<Precedence> {
        match self.nodes[id] {
            Node::Chain { rest, .. } => self.links(rest).next().map(|(op, _)| op.precedence()),
            _ => None,
        }
    }

    /// Writes node `id`, in parentheses when `needs_parens`.
    fn write_operand(
        &self,
        f: &mut fmt::Formatter<'_>,
        id: NodeId,
        needs_parens: bool,
    ) -> fmt::Result {
        if needs_parens {
            f.write_str("(")?;
            self.write(f, id)?;
            f.write_str(")")
        } else {
            self.write(f, id)
        }
    }

    /// Writes node `id`; recursion is bounded by the tree's nesting depth.
    fn write(&self, f: &mut fmt::Formatter<'_>, id: NodeId) -> fmt::Result {
        match &self.nodes[id] {
            Node::Int(i) => write!(f, "{i}"),
            Node::BigInt(id) => write!(f, "{}", self.big_int(*id)),
            // `repr` reads back exactly; `inf` would read back as a name.
            Node::Float(x) if x.is_infinite() => f.write_str("1e999"),
            Node::Float(x) => f.write_str(&float_repr(*x)),
            Node::Constant(c) => f.write_str(c.name),
            Node::Variable(id) => f.write_str(self.name(*id)),
            Node::Unary { op, operand } => {
                f.write_str(op.symbol())?;
                let parens = self.chain_precedence(*operand).is_some();
                self.write_operand(f, *operand, parens)
            }
            Node::Chain { first, rest } => {
                let level = self.chain_precedence(id);
                // A nested chain of the same or a lower level keeps its
                // parentheses, so that the tree reads back unchanged.
                let needs = |e: NodeId| self.chain_precedence(e).is_some_and(|p| Some(p) <= level);
                self.write_operand(f, *first, needs(*first))?;
                for (op, operand) in self.links(*rest) {
                    write!(f, " {} ", op.symbol())?;
                    self.write_operand(f, operand, needs(operand))?;
                }
                Ok(())
            }
            Node::Power { base, exponent } => {
                let base_parens = matches!(
                    self.nodes[*base],
                    Node::Unary { .. } | Node::Chain { .. } | Node::Power { .. }
                );
                self.write_operand(f, *base, base_parens)?;
                f.write_str(" ** ")?;
                let exponent_parens = self.chain_precedence(*exponent).is_some();
                self.write_operand(f, *exponent, exponent_parens)
            }
            Node::Call { callee, args } => {
                write!(f, "{}(", self.callee_name(*callee))?;
                for (i, arg) in self.args(*args).enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    self.write(f, arg)?;
                }
                f.write_str(")")
            }
            // Written by their chain or call, never reached on their own.
            Node::Link { .. } | Node::Arg { .. } => Ok(()),
        }
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
