//! Evaluation of a parsed expression.
//!
//! A plain tree walk: the parser has already bounded the tree's depth, and
//! chains keep long sums, comparisons and `and`/`or` flat, so recursion
//! here is bounded by [`Limits::max_depth`](super::Limits::max_depth).
//! Work is charged to a [`Meter`] as it is done. Operands are evaluated
//! left to right, as Python does, so the first error Python would raise is
//! the one reported; `and`, `or` and `x if c else y` evaluate only what
//! Python evaluates.
//!
//! **Comprehensions** run push-style: a comprehension feeds each element
//! to a *sink* (a closure), which collects it into a list, or is the
//! consuming function's own loop (`sum`, `any`, `sorted`...), so a
//! generator expression is never materialised and `any` stops at the
//! first true element. Each `for` clause is a loop over a value (items of
//! a tuple or list, characters of a string, numbers of a range, computed
//! one at a time) or over another generator, and each item is charged to
//! the work budget: `sum(1 for _ in range(10**12))` stops when the budget
//! is spent. Loop variables live in `locals`, a stack of slots (see the ast
//! module on comprehension scopes). As in Python, a comprehension's first
//! iterable is evaluated where the comprehension is written (so its errors
//! come first), the rest inside it.

use super::ast::{
    BinaryOp, BoolOp, Callee, CompareOp, ComprehensionKind, Expr, NameId, Node, NodeId, UnaryOp,
};
use super::attributes;
use super::builtins::{self, Arg, Builtin, Call, Flow, Host, Sink};
use super::error::{CalcError, CalcResult, type_error, unsupported, value_error};
use super::number::{self, FloatPow, Int, Meter};
use super::ops::{self, Unary};
use super::sequence::{self, ITEM_COST, Slice};
use super::suggest::suggestion;
use super::value::{Value, release};
use std::mem::ManuallyDrop;

/// Where names that are not built-ins are looked up.
pub trait Variables {
    fn get(&self, name: &str) -> Option<&Value>;

    /// The names, in the order they were first bound (for suggestions).
    fn names(&self) -> Vec<&str> {
        Vec::new()
    }
}

/// No variables at all (one-shot evaluation).
pub struct NoVariables;

impl Variables for NoVariables {
    fn get(&self, _: &str) -> Option<&Value> {
        None
    }
}

/// Evaluates `expr`, resolving variables in `variables`.
pub fn evaluate(expr: &Expr, variables: &dyn Variables, meter: &mut Meter) -> CalcResult<Value> {
    // Kept here rather than in the evaluator, so that the evaluator has
    // nothing to drop (a call per evaluation otherwise).
    let mut scratch: Option<Box<Scratch>> = None;
    let result = Evaluator {
        tree: expr,
        variables,
        meter,
        scratch: &mut scratch,
    }
    .eval(expr.root());
    // The drop glue of an `Option<Box<_>>` is a call; the test is not.
    if let Some(used) = scratch.take() {
        drop(used);
    }
    std::mem::forget(scratch);
    result
}

/// What a str was about to be used as, when it is refused
/// ([`Value::check_computable`]).
const OPERAND: &str = "an operand";
const COMPARISON_OPERAND: &str = "a comparison operand";
const ATTRIBUTE_OBJECT: &str = "an attribute's object";

/// Something a `for` clause (or a function) iterates: a value, or a
/// generator expression that has been created (its first iterable
/// evaluated) but not run.
#[derive(Debug, Clone)]
enum Source {
    Value(Value),
    Generator(usize),
}

/// A created generator expression: its node and its first iterable.
struct Generator {
    node: NodeId,
    first: Source,
}

/// What an iteration step receives: the evaluator, and the item.
type Body<'b, 'a, 'l> = dyn FnMut(&mut Evaluator<'a, 'l>, Value) -> CalcResult<Flow> + 'b;

struct Evaluator<'a, 'l> {
    tree: &'a Expr,
    variables: &'a dyn Variables,
    meter: &'a mut Meter<'l>,
    /// What comprehensions need, made when the first one runs: most lines
    /// have none, and an empty `Vec` still costs its drop.
    scratch: &'a mut Option<Box<Scratch>>,
}

#[derive(Default)]
struct Scratch {
    /// The comprehension variables in scope (`None`: not yet bound).
    locals: Vec<Option<Value>>,
    /// Generators created for the call being evaluated (and its
    /// arguments'), named by [`Arg::Generator`] and [`Source::Generator`].
    generators: Vec<Generator>,
}

impl<'a, 'l> Evaluator<'a, 'l> {
    /// The comprehensions' scratch space, made on first use.
    fn scratch(&mut self) -> &mut Scratch {
        self.scratch.get_or_insert_with(Box::default)
    }

    /// How many generators exist now, to release the ones a call creates
    /// when it returns.
    #[inline(always)]
    fn generator_mark(&self) -> usize {
        self.scratch.as_ref().map_or(0, |s| s.generators.len())
    }

    #[inline(always)]
    fn release_generators(&mut self, mark: usize) {
        if let Some(scratch) = &mut self.scratch {
            scratch.generators.truncate(mark);
        }
    }

    fn eval(&mut self, id: NodeId) -> CalcResult<Value> {
        let tree = self.tree;
        match tree.node(id) {
            Node::Int(i) => {
                self.meter.step()?;
                Ok(Value::Int(Int::Small(*i)))
            }
            Node::BigInt(id) => {
                self.meter.step()?;
                Ok(Value::Int(tree.big_int(*id).clone()))
            }
            Node::Float(x) => Ok(Value::Float(*x)),
            Node::Imaginary(x) => {
                self.meter.step()?;
                Ok(Value::complex(0.0, *x))
            }
            Node::Bool(b) => Ok(Value::Bool(*b)),
            Node::None => Ok(Value::None),
            Node::Constant(c) | Node::MathConstant(c) => Ok(Value::Float(c.value)),
            Node::Math => Err(unsupported(
                "math is a module, not a value: use its names, as in math.pi or math.sqrt(x)",
            )),
            Node::Variable(name) => self.variable(tree.name(*name)),
            Node::Local { slot, name } => self.local(*slot, *name),
            Node::Unary { op, operand } => {
                let v = self.operand(*operand)?;
                let op = match op {
                    // The common case in line: `-2`, `-x`.
                    UnaryOp::Minus => match v {
                        Value::Int(Int::Small(i)) if i != i64::MIN => {
                            self.meter.step()?;
                            return Ok(Value::Int(Int::Small(-i)));
                        }
                        Value::Float(x) => {
                            self.meter.step()?;
                            return Ok(Value::float(-x));
                        }
                        _ => Unary::Minus,
                    },
                    UnaryOp::Not => {
                        self.meter.step()?;
                        let negated = !self.truth(&v)?;
                        release(v);
                        return Ok(Value::Bool(negated));
                    }
                    UnaryOp::Plus => Unary::Plus,
                    UnaryOp::Invert => Unary::Invert,
                };
                v.check_computable(OPERAND)?;
                let result = ops::unary(op, &v, self.meter);
                release(v);
                result
            }
            Node::Chain { first, rest } => {
                let mut acc = self.operand(*first)?;
                for (op, operand) in tree.links(*rest) {
                    let rhs = self.operand(operand)?;
                    match machine_word_op(op, &acc, &rhs, self.meter) {
                        Some(result) => {
                            // Both operands were machine words, which own
                            // nothing: forgetting them is dropping them,
                            // without the drop glue's tests.
                            std::mem::forget(std::mem::replace(&mut acc, result?));
                            std::mem::forget(rhs);
                        }
                        None => {
                            acc.check_computable(OPERAND)?;
                            rhs.check_computable(OPERAND)?;
                            let next = ops::binary(op, &acc, &rhs, self.meter)?;
                            release(std::mem::replace(&mut acc, next));
                            release(rhs);
                        }
                    }
                }
                Ok(acc)
            }
            Node::Power { base, exponent } => {
                let b = self.operand(*base)?;
                let e = self.operand(*exponent)?;
                if let Some(result) = machine_word_power(&b, &e, self.meter) {
                    // Machine words own nothing: forgetting them is
                    // dropping them, without the drop glue's tests.
                    std::mem::forget(b);
                    std::mem::forget(e);
                    return result;
                }
                b.check_computable(OPERAND)?;
                e.check_computable(OPERAND)?;
                let result = ops::power(&b, &e, self.meter);
                release(b);
                release(e);
                result
            }
            Node::Compare { first, rest } => self.compare(*first, *rest),
            Node::BoolOp { op, operands } => {
                let mut last = Value::None;
                let mut operands = tree.items(Some(*operands)).peekable();
                while let Some(operand) = operands.next() {
                    last = self.eval(operand)?;
                    // `and` stops at the first false operand, `or` at the
                    // first true one; either returns the operand itself.
                    // The last one is returned untested (it may be a str).
                    if operands.peek().is_none() || self.truth(&last)? == (*op == BoolOp::Or) {
                        break;
                    }
                }
                Ok(last)
            }
            Node::IfElse { body, test, orelse } => {
                let test = self.eval(*test)?;
                if self.truth(&test)? {
                    self.eval(*body)
                } else {
                    self.eval(*orelse)
                }
            }
            Node::Tuple { items } => {
                let items = self.eval_items(*items)?;
                sequence::tuple(items, self.meter)
            }
            Node::List { items } => {
                let items = self.eval_items(*items)?;
                sequence::list(items, self.meter)
            }
            Node::Call { callee, args } => match callee {
                Callee::Builtin(f) | Callee::Math(f) => self.call_builtin(f, *args),
                Callee::Expr(target) => self.call_other(*target, *args),
            },
            Node::Subscript { value, index } => {
                let v = self.eval(*value)?;
                v.check_computable("a subscripted value")?;
                match *tree.node(*index) {
                    Node::Slice { lower, upper, step } => {
                        let slice = Slice {
                            lower: self.slice_part(lower)?,
                            upper: self.slice_part(upper)?,
                            step: self.slice_part(step)?,
                        };
                        sequence::slice(&v, &slice, self.meter)
                    }
                    _ => {
                        let i = self.eval(*index)?;
                        i.check_computable("an index")?;
                        self.meter.step()?;
                        sequence::index(&v, &i)
                    }
                }
            }
            Node::Attribute { value, name } => {
                let name = tree.name(*name);
                if let Node::Math = tree.node(*value) {
                    return Err(attributes::math(name));
                }
                let v = self.eval(*value)?;
                v.check_computable(ATTRIBUTE_OBJECT)?;
                self.meter.step()?;
                attributes::get(&v, name)
            }
            Node::Comprehension {
                kind: ComprehensionKind::List,
                ..
            } => {
                let mut items = Vec::new();
                let first = self.first_iterable(id)?;
                self.run_comprehension(id, first, &mut |ev, item| {
                    let max = ev.meter.limits().max_sequence_len;
                    if items.len() == max {
                        return Err(CalcError::SequenceTooLong { max });
                    }
                    items.push(item);
                    Ok(Flow::Continue)
                })?;
                sequence::list(items, self.meter)
            }
            Node::Comprehension { .. } => {
                // Created, as Python would (its first iterable's errors
                // come first), but a generator is not a value here.
                self.first_iterable(id)?;
                Err(unsupported(
                    "a generator expression is not a value: pass it to a function that \
                     consumes it, as in sum(x for x in ...)",
                ))
            }
            Node::Link { .. }
            | Node::CompareLink { .. }
            | Node::Item { .. }
            | Node::Keyword { .. }
            | Node::Slice { .. }
            | Node::Omitted
            | Node::For { .. }
            | Node::If { .. }
            | Node::Store { .. }
            | Node::StoreTuple { .. } => {
                unreachable!("cells and targets are only reached through their owner")
            }
        }
    }

    /// [`Self::eval`], with literals (most operands) evaluated in place:
    /// the same value and charge, without a call that would return the
    /// value through memory.
    #[inline(always)]
    fn operand(&mut self, id: NodeId) -> CalcResult<Value> {
        match self.tree.node(id) {
            Node::Int(i) => {
                self.meter.step()?;
                Ok(Value::Int(Int::Small(*i)))
            }
            Node::Float(x) => Ok(Value::Float(*x)),
            Node::Local { slot, name } => self.local(*slot, *name),
            _ => self.eval(id),
        }
    }

    /// A comprehension's variable.
    #[inline]
    fn local(&mut self, slot: u32, name: NameId) -> CalcResult<Value> {
        self.meter.step()?;
        match self
            .scratch
            .as_ref()
            .and_then(|s| s.locals.get(slot as usize))
        {
            Some(Some(v)) => Ok(v.share()),
            _ => Err(CalcError::UnboundLocal(self.tree.name(name).to_string())),
        }
    }

    /// A value's truth, as a condition uses it.
    #[inline]
    fn truth(&mut self, v: &Value) -> CalcResult<bool> {
        v.check_computable("a truth value")?;
        Ok(v.is_true())
    }

    fn eval_items(&mut self, first: Option<NodeId>) -> CalcResult<Vec<Value>> {
        let tree = self.tree;
        let mut items = Vec::with_capacity(tree.items(first).count());
        for item in tree.items(first) {
            items.push(self.eval(item)?);
        }
        Ok(items)
    }

    fn slice_part(&mut self, id: NodeId) -> CalcResult<Option<Value>> {
        match self.tree.node(id) {
            Node::Omitted => Ok(None),
            _ => {
                let bound = self.eval(id)?;
                bound.check_computable("a slice bound")?;
                Ok(Some(bound))
            }
        }
    }

    fn variable(&mut self, name: &str) -> CalcResult<Value> {
        if let Some(v) = self.variables.get(name) {
            self.meter.step()?; // big values are shared, not copied
            return Ok(v.clone());
        }
        if builtins::function(name).is_some() {
            return Err(unsupported(format!(
                "functions are not values: call it, as in {name}(x)"
            )));
        }
        let mut known = self.variables.names();
        for builtin in builtins::names() {
            known.push(builtin);
        }
        Err(CalcError::UnknownName {
            name: name.to_string(),
            suggestion: suggestion(name, known).map(Into::into),
        })
    }

    /// A comparison chain: each middle operand evaluated once, stopping at
    /// the first false comparison.
    fn compare(&mut self, first: NodeId, rest: NodeId) -> CalcResult<Value> {
        let tree = self.tree;
        let mut left = self.operand(first)?;
        for (op, operand) in tree.compare_links(rest) {
            let holds =
                if matches!(op, CompareOp::In | CompareOp::NotIn) && self.is_generator(operand) {
                    left.check_computable(COMPARISON_OPERAND)?;
                    let source = self.first_iterable(operand)?;
                    let generator = self.generator_mark();
                    self.scratch().generators.push(Generator {
                        node: operand,
                        first: source,
                    });
                    let found = self.search(Source::Generator(generator), &left);
                    self.release_generators(generator);
                    // `x in gen < y` would compare the generator: not a value.
                    left = Value::None;
                    found? == (op == CompareOp::In)
                } else {
                    let right = self.operand(operand)?;
                    left.check_computable(COMPARISON_OPERAND)?;
                    right.check_computable(COMPARISON_OPERAND)?;
                    let holds = ops::compare(op, &left, &right, self.meter)?;
                    left = right;
                    holds
                };
            if !holds {
                return Ok(Value::Bool(false));
            }
        }
        Ok(Value::Bool(true))
    }

    /// `item in source`, item by item.
    fn search(&mut self, source: Source, item: &Value) -> CalcResult<bool> {
        let mut found = false;
        self.for_each_source(source, &mut |ev, candidate| {
            candidate.check_computable(COMPARISON_OPERAND)?;
            if ops::same_or_equal(&candidate, item, ev.meter)? {
                found = true;
                return Ok(Flow::Break);
            }
            Ok(Flow::Continue)
        })?;
        Ok(found)
    }

    fn is_generator(&self, id: NodeId) -> bool {
        matches!(
            self.tree.node(id),
            Node::Comprehension {
                kind: ComprehensionKind::Generator,
                ..
            }
        )
    }

    // -----------------------------------------------------------------
    // Calls
    // -----------------------------------------------------------------

    /// An argument: a value, or a generator expression (created, not run).
    #[inline]
    fn argument(&mut self, id: NodeId) -> CalcResult<Arg> {
        match self.tree.node(id) {
            Node::Int(i) => {
                self.meter.step()?;
                return Ok(Arg::Value(Value::Int(Int::Small(*i))));
            }
            Node::Float(x) => return Ok(Arg::Value(Value::Float(*x))),
            _ => {}
        }
        if self.is_generator(id) {
            let first = self.first_iterable(id)?;
            let generators = &mut self.scratch().generators;
            generators.push(Generator { node: id, first });
            return Ok(Arg::Generator(generators.len() - 1));
        }
        let value = self.eval(id)?;
        value.check_computable("a function's argument")?;
        Ok(Arg::Value(value))
    }

    /// Evaluates a call of `function`, whose first argument cell is
    /// `first_arg`: the arguments left to right, then the binding, then
    /// the function.
    fn call_builtin(
        &mut self,
        function: &'static Builtin,
        first_arg: Option<NodeId>,
    ) -> CalcResult<Value> {
        let tree = self.tree;
        // The common call, a few positional arguments and no generator
        // expression, kept on the stack; any other goes on from where it
        // shows that it is not one.
        let mut positional = Arguments::default();
        let mut items = tree.items(first_arg);
        while let Some(arg) = items.next() {
            let plain = positional.len < INLINE_ARGUMENTS
                && !matches!(
                    tree.node(arg),
                    Node::Keyword { .. }
                        | Node::Comprehension {
                            kind: ComprehensionKind::Generator,
                            ..
                        }
                );
            if !plain {
                return self.call_builtin_general(function, positional, arg, items);
            }
            let value = self.operand(arg)?;
            value.check_computable("a function's argument")?;
            positional.push(Arg::Value(value));
        }
        function
            .params
            .check_count(function.name, &function.qualified(), positional.len)?;
        let mut call = Call::new(function, positional.as_slice(), &[], self);
        function.run(&mut call)
    }

    /// [`Self::call_builtin`] for a call with keywords, generator
    /// expressions or many arguments: `done` are the positional arguments
    /// evaluated before `arg`, the first one the common call could not
    /// take, and `rest` the ones after it.
    #[inline(never)]
    fn call_builtin_general(
        &mut self,
        function: &'static Builtin,
        mut done: Arguments,
        arg: NodeId,
        rest: crate::calc::ast::Items<'a>,
    ) -> CalcResult<Value> {
        let tree = self.tree;
        let generators = self.generator_mark();
        // The positional arguments, in the slots that a call without
        // keywords passes on as they are.
        let mut slots: Vec<Option<Arg>> = done.take_all();
        let mut keywords: Vec<(&str, Arg)> = Vec::new();
        for arg in std::iter::once(arg).chain(rest) {
            if let Node::Keyword { name, value } = *tree.node(arg) {
                let value = self.argument(value)?;
                keywords.push((tree.name(name), value));
            } else {
                slots.push(Some(self.argument(arg)?));
            }
        }
        let result = if keywords.is_empty() || function.params == builtins::Params::Custom {
            if keywords.is_empty() {
                function
                    .params
                    .check_count(function.name, &function.qualified(), slots.len())?;
            }
            let mut call = Call::new(function, &slots, &keywords, self);
            function.run(&mut call)
        } else {
            let positional = slots.into_iter().flatten().collect();
            let bound =
                function
                    .params
                    .bind(function.name, &function.qualified(), positional, keywords)?;
            let mut call = Call::new(function, &bound.slots, &[], self);
            function.run(&mut call)
        };
        self.release_generators(generators);
        result
    }

    /// A call of something that is not a built-in: a method
    /// (`x.bit_length()`), or a value, which is not callable.
    fn call_other(&mut self, target: NodeId, first_arg: Option<NodeId>) -> CalcResult<Value> {
        let tree = self.tree;
        // Python evaluates what is called first, then the arguments.
        let callee = match *tree.node(target) {
            Node::Attribute { value, name } if !matches!(tree.node(value), Node::Math) => {
                let object = self.eval(value)?;
                object.check_computable(ATTRIBUTE_OBJECT)?;
                Ok((object, tree.name(name)))
            }
            _ => Err(self.eval(target)?),
        };
        let generators = self.generator_mark();
        let (mut positional, mut keywords) = (0, 0);
        for arg in tree.items(first_arg) {
            match *tree.node(arg) {
                Node::Keyword { value, .. } => {
                    self.argument(value)?;
                    keywords += 1;
                }
                _ => {
                    self.argument(arg)?;
                    positional += 1;
                }
            }
        }
        self.release_generators(generators);
        match callee {
            Ok((object, method)) => {
                attributes::call_method(&object, method, positional, keywords, self.meter)
            }
            Err(value) => Err(type_error(format!(
                "'{}' object is not callable",
                value.type_name()
            ))),
        }
    }

    // -----------------------------------------------------------------
    // Comprehensions and iteration
    // -----------------------------------------------------------------

    /// What a `for` clause iterates, checked iterable as Python's `iter()`
    /// checks it: a value, or a generator expression, created here.
    fn iterable(&mut self, id: NodeId) -> CalcResult<Source> {
        if self.is_generator(id) {
            let first = self.first_iterable(id)?;
            let generators = &mut self.scratch().generators;
            generators.push(Generator { node: id, first });
            return Ok(Source::Generator(generators.len() - 1));
        }
        let v = self.eval(id)?;
        v.check_computable("an iterable")?;
        match v {
            Value::Tuple(_) | Value::List(_) | Value::Range(_) => Ok(Source::Value(v)),
            other => Err(sequence::not_iterable(other.type_name())),
        }
    }

    /// Evaluates the first iterable of comprehension `id`, outside its
    /// scope, as Python does when the comprehension is created.
    fn first_iterable(&mut self, id: NodeId) -> CalcResult<Source> {
        let Node::Comprehension { clauses, .. } = *self.tree.node(id) else {
            return Err(type_error("not a comprehension"));
        };
        let Node::For { iterable, .. } = *self.tree.node(clauses) else {
            return Err(type_error("a comprehension starts with a for clause"));
        };
        self.iterable(iterable)
    }

    /// Runs comprehension `id` (its first iterable already evaluated) and
    /// feeds each element to `sink`.
    fn run_comprehension(
        &mut self,
        id: NodeId,
        first: Source,
        sink: &mut Body<'_, 'a, 'l>,
    ) -> CalcResult<Flow> {
        let Node::Comprehension {
            element,
            clauses,
            base,
            slots,
            ..
        } = *self.tree.node(id)
        else {
            return Err(type_error("not a comprehension"));
        };
        let locals = &mut self.scratch().locals;
        let saved = locals.len();
        let base = base as usize;
        locals.truncate(base);
        locals.resize(base + slots as usize, None);
        let result = self.run_clauses(Some(clauses), element, Some(first), sink);
        self.scratch().locals.truncate(saved.min(base));
        result
    }

    /// The clauses from `clause` on, then the element.
    fn run_clauses(
        &mut self,
        clause: Option<NodeId>,
        element: NodeId,
        first: Option<Source>,
        sink: &mut Body<'_, 'a, 'l>,
    ) -> CalcResult<Flow> {
        let Some(clause) = clause else {
            let item = self.eval(element)?;
            return sink(self, item);
        };
        match *self.tree.node(clause) {
            Node::For {
                target,
                iterable,
                next,
            } => {
                let source = match first {
                    Some(source) => source,
                    None => self.iterable(iterable)?,
                };
                let generators = self.generator_mark();
                let flow = self.for_each_source(source, &mut |ev, item| {
                    ev.bind(target, item)?;
                    ev.run_clauses(next, element, None, sink)
                });
                self.release_generators(generators);
                flow
            }
            Node::If { condition, next } => {
                let test = self.eval(condition)?;
                if self.truth(&test)? {
                    self.run_clauses(next, element, None, sink)
                } else {
                    Ok(Flow::Continue)
                }
            }
            _ => Err(type_error("not a comprehension clause")),
        }
    }

    /// Binds an item to a loop target, unpacking tuples of targets as
    /// Python does.
    fn bind(&mut self, target: NodeId, item: Value) -> CalcResult<()> {
        match *self.tree.node(target) {
            Node::Store { slot, .. } => {
                if let Some(place) = self.scratch().locals.get_mut(slot as usize)
                    && let Some(old) = place.replace(item)
                {
                    release(old);
                }
                Ok(())
            }
            Node::StoreTuple { items } => {
                let targets: Vec<NodeId> = self.tree.items(items).collect();
                let values = unpack(&item, targets.len(), self.meter)?;
                for (target, value) in targets.into_iter().zip(values) {
                    self.bind(target, value)?;
                }
                Ok(())
            }
            _ => Err(type_error("not a loop target")),
        }
    }

    /// Feeds each item of `source` to `body`, charging each; `Break` if
    /// the body stopped it.
    fn for_each_source(&mut self, source: Source, body: &mut Body<'_, 'a, 'l>) -> CalcResult<Flow> {
        match source {
            Source::Generator(index) => {
                let Some(generator) = self.scratch().generators.get(index) else {
                    return Err(type_error("generator already finished"));
                };
                let (node, first) = (generator.node, generator.first.clone());
                self.run_comprehension(node, first, &mut |ev, item| {
                    ev.meter.charge(ITEM_COST)?;
                    body(ev, item)
                })
            }
            Source::Value(Value::Range(r)) if r.small_bounds().is_some() => {
                // The common loop, without a value per step of the range
                // beyond the item itself.
                let (start, step, len) = r.small_bounds().unwrap_or((0, 1, 0));
                for k in 0..len {
                    self.meter.charge(ITEM_COST)?;
                    if body(self, Value::from(start + k * step))? == Flow::Break {
                        return Ok(Flow::Break);
                    }
                }
                Ok(Flow::Continue)
            }
            Source::Value(Value::Tuple(seq) | Value::List(seq)) => {
                // The sequence is shared, not copied: the body may borrow
                // the evaluator meanwhile.
                for item in seq.items() {
                    self.meter.charge(ITEM_COST)?;
                    if body(self, item.clone())? == Flow::Break {
                        return Ok(Flow::Break);
                    }
                }
                Ok(Flow::Continue)
            }
            Source::Value(Value::Range(r)) => {
                // A range beyond machine words: each number computed in
                // turn, until the range or the budget ends.
                let mut k = 0u64;
                while Int::from(num_bigint::BigInt::from(k)) != *r.len_int() {
                    self.meter.charge(ITEM_COST)?;
                    if body(self, Value::Int(r.nth(k)))? == Flow::Break {
                        return Ok(Flow::Break);
                    }
                    k += 1;
                }
                Ok(Flow::Continue)
            }
            Source::Value(other) => Err(sequence::not_iterable(other.type_name())),
        }
    }
}

/// Python's unpacking of an item into `n` targets.
fn unpack(item: &Value, n: usize, meter: &mut Meter) -> CalcResult<Vec<Value>> {
    let mut values = Vec::with_capacity(n);
    let mut too_many = false;
    let iterable = matches!(
        item,
        Value::Tuple(_) | Value::List(_) | Value::Str(_) | Value::Range(_)
    );
    if !iterable {
        return Err(type_error(format!(
            "cannot unpack non-iterable {} object",
            item.type_name()
        )));
    }
    sequence::for_each_item(item, meter, &mut |_, v| {
        if values.len() == n {
            too_many = true;
            return Ok(Flow::Break);
        }
        values.push(v);
        Ok(Flow::Continue)
    })?;
    if too_many {
        return Err(value_error(format!(
            "too many values to unpack (expected {n})"
        )));
    }
    if values.len() < n {
        return Err(value_error(format!(
            "not enough values to unpack (expected {n}, got {})",
            values.len()
        )));
    }
    Ok(values)
}

/// The positional arguments of a call of a few (most calls), on the
/// stack. Their values are released by hand (see `value::release`) so
/// that dropping a call's numbers costs a comparison each rather than a
/// call of `Value`'s drop glue per slot.
#[derive(Default)]
struct Arguments {
    slots: ManuallyDrop<[Option<Arg>; INLINE_ARGUMENTS]>,
    len: usize,
    /// Whether a slot holds something that owns shared data.
    owns_heap: bool,
}

/// The most arguments [`Arguments`] holds.
const INLINE_ARGUMENTS: usize = 4;

impl Arguments {
    #[inline]
    fn push(&mut self, arg: Arg) {
        self.owns_heap |= !matches!(&arg, Arg::Value(v) if !v.owns_heap());
        if let Some(slot) = self.slots.get_mut(self.len) {
            *slot = Some(arg);
            self.len += 1;
        }
    }

    #[inline]
    fn as_slice(&self) -> &[Option<Arg>] {
        &self.slots[..self.len]
    }
}

impl Drop for Arguments {
    #[inline(always)]
    fn drop(&mut self) {
        // Numbers own nothing: when there are only numbers, nothing to do.
        if self.owns_heap {
            self.release();
        }
    }
}

impl Arguments {
    /// The arguments, moved out into a vector (leaving none).
    fn take_all(&mut self) -> Vec<Option<Arg>> {
        let taken = self.slots[..self.len]
            .iter_mut()
            .map(Option::take)
            .collect();
        self.len = 0;
        self.owns_heap = false;
        taken
    }

    #[inline(never)]
    fn release(&mut self) {
        for slot in &mut self.slots[..self.len] {
            drop(slot.take());
        }
    }
}

impl<'l> Host<'l> for Evaluator<'_, 'l> {
    fn meter(&mut self) -> &mut Meter<'l> {
        self.meter
    }

    fn for_each(&mut self, iterable: &Arg, sink: &mut Sink<'_>) -> CalcResult<()> {
        let source = match iterable {
            Arg::Value(v @ (Value::Tuple(_) | Value::List(_) | Value::Range(_))) => {
                Source::Value(v.clone())
            }
            Arg::Value(other) => return Err(sequence::not_iterable(other.type_name())),
            Arg::Generator(index) => Source::Generator(*index),
        };
        self.for_each_source(source, &mut |ev, item| {
            item.check_computable("an element a function consumes")?;
            sink(ev.meter, item)
        })
        .map(|_| ())
    }
}

/// The common binary operations on machine words (`i64` and `f64`), in
/// line: exactly what [`ops::binary`] computes and charges for them, or
/// `None` (before charging anything) for everything else, which
/// `ops::binary` does. Kept in line because a call would return the value
/// through memory, which on `1+2+...` costs more than the arithmetic.
#[inline(always)]
fn machine_word_op(
    op: BinaryOp,
    a: &Value,
    b: &Value,
    meter: &mut Meter,
) -> Option<CalcResult<Value>> {
    /// Integers up to this size are exact as floats.
    const EXACT: u64 = 1 << 53;
    let value = match (a, b) {
        (Value::Int(Int::Small(x)), Value::Int(Int::Small(y))) => {
            if meter.limits().max_int_digits < 19 {
                return None;
            }
            match op {
                BinaryOp::Add => Value::Int(Int::Small(x.checked_add(*y)?)),
                BinaryOp::Sub => Value::Int(Int::Small(x.checked_sub(*y)?)),
                BinaryOp::Mul => Value::Int(Int::Small(x.checked_mul(*y)?)),
                BinaryOp::TrueDiv
                    if *y != 0 && x.unsigned_abs() <= EXACT && y.unsigned_abs() <= EXACT =>
                {
                    Value::Float(*x as f64 / *y as f64)
                }
                _ => return None,
            }
        }
        (Value::Int(_), Value::Int(_)) => return None,
        _ => {
            // A float with a float or a machine-word int: Python converts
            // the int (exactly or correctly rounded: `i64 as f64`).
            let as_f64 = |v: &Value| match v {
                Value::Float(x) => Some(*x),
                Value::Int(Int::Small(i)) => Some(*i as f64),
                _ => None,
            };
            let (x, y) = (as_f64(a)?, as_f64(b)?);
            Value::float(match op {
                BinaryOp::Add => x + y,
                BinaryOp::Sub => x - y,
                BinaryOp::Mul => x * y,
                BinaryOp::TrueDiv if y != 0.0 => x / y,
                _ => return None,
            })
        }
    };
    Some(meter.step().map(|()| value))
}

/// `float ** float` (or a float with a machine-word int) when it is a
/// float, in line: what [`ops::power`] computes and charges for it, or
/// `None` (before charging anything) for everything else, which
/// `ops::power` does (it charges first, then computes; the computation
/// cannot fail on the budget, so computing first changes no error).
/// Kept in line for the reason [`machine_word_op`] is.
#[inline(always)]
fn machine_word_power(a: &Value, b: &Value, meter: &mut Meter) -> Option<CalcResult<Value>> {
    let (x, y) = match (a, b) {
        (Value::Float(x), Value::Float(y)) => (*x, *y),
        (Value::Float(x), Value::Int(Int::Small(i))) => (*x, *i as f64),
        (Value::Int(Int::Small(i)), Value::Float(y)) => (*i as f64, *y),
        _ => return None,
    };
    match number::float_pow(x, y) {
        Ok(FloatPow::Real(r)) => Some(meter.step().map(|()| Value::float(r))),
        // A complex result, or an error (which ops::power reports after
        // its charge): left to it.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::Limits;

    /// The in-line fast paths must agree with `ops::binary` and
    /// `ops::power` on value, error and charge.
    #[test]
    fn machine_word_ops_match_the_general_path() {
        let ints = [
            0,
            1,
            -1,
            7,
            -7,
            3,
            1 << 53,
            (1 << 53) + 1,
            -(1 << 53),
            i64::MAX,
            i64::MIN,
            i64::MAX / 2,
            1 << 32,
        ];
        let floats = [
            0.0,
            -0.0,
            1.5,
            -2.25,
            0.1,
            1e308,
            -1e308,
            5e-324,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let values: Vec<Value> = ints
            .iter()
            .map(|&i| Value::Int(Int::Small(i)))
            .chain(floats.iter().map(|&x| Value::Float(x)))
            .chain([Value::Bool(true), Value::None])
            .collect();
        let ops = [
            BinaryOp::Add,
            BinaryOp::Sub,
            BinaryOp::Mul,
            BinaryOp::TrueDiv,
            BinaryOp::FloorDiv,
            BinaryOp::Mod,
            BinaryOp::BitAnd,
            BinaryOp::LShift,
        ];
        // NaN payloads differ between two computations by design: compare
        // values through their repr, which prints every NaN as `nan`.
        let shown = |r: &CalcResult<Value>| match r {
            Ok(v) => format!("Ok({v})"),
            Err(e) => format!("{e:?}"),
        };
        for limits in [
            Limits::DEFAULT,
            Limits {
                max_int_digits: 5,
                ..Limits::DEFAULT
            },
        ] {
            for a in &values {
                for b in &values {
                    for op in ops {
                        let mut fast_meter = Meter::new(&limits);
                        let Some(fast) = machine_word_op(op, a, b, &mut fast_meter) else {
                            assert_eq!(fast_meter.used(), 0, "declined after charging");
                            continue;
                        };
                        let mut meter = Meter::new(&limits);
                        let slow = ops::binary(op, a, b, &mut meter);
                        assert_eq!(shown(&fast), shown(&slow), "{a:?} {op:?} {b:?}");
                        assert_eq!(fast_meter.used(), meter.used(), "{a:?} {op:?} {b:?}");
                    }
                    let mut fast_meter = Meter::new(&limits);
                    let Some(fast) = machine_word_power(a, b, &mut fast_meter) else {
                        assert_eq!(fast_meter.used(), 0, "declined after charging");
                        continue;
                    };
                    let mut meter = Meter::new(&limits);
                    let slow = ops::power(a, b, &mut meter);
                    assert_eq!(shown(&fast), shown(&slow), "{a:?} ** {b:?}");
                    assert_eq!(fast_meter.used(), meter.used(), "{a:?} ** {b:?}");
                }
            }
        }
    }
}
