//! Evaluation of a parsed expression.
//!
//! A plain tree walk: the parser has already bounded the tree's depth, and
//! [`Node::Chain`] keeps long sums flat, so recursion here is bounded by
//! [`Limits::max_depth`](super::Limits::max_depth). Work is charged to a
//! [`Meter`] as it is done. Operands are evaluated left to right, as Python
//! does, so the first error Python would raise is the one reported.

use super::ast::{BinaryOp, Callee, Expr, Node, NodeId, UnaryOp};
use super::builtins;
use super::error::{CalcError, CalcResult};
use super::number::{self, Int, Meter, Value};

/// Where names that are not built-ins are looked up.
pub trait Variables {
    fn get(&self, name: &str) -> Option<&Value>;
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
    Evaluator {
        tree: expr,
        variables,
        meter,
    }
    .eval(expr.root())
}

struct Evaluator<'a> {
    tree: &'a Expr,
    variables: &'a dyn Variables,
    meter: &'a mut Meter,
}

impl Evaluator<'_> {
    fn eval(&mut self, id: NodeId) -> CalcResult<Value> {
        let tree = self.tree;
        match tree.node(id) {
            Node::Int(i) => {
                self.meter.charge(1)?;
                Ok(Value::Int(Int::Small(*i)))
            }
            Node::BigInt(id) => {
                self.meter.charge(1)?;
                Ok(Value::Int(tree.big_int(*id).clone()))
            }
            Node::Float(x) => Ok(Value::Float(*x)),
            Node::Constant(c) => Ok(Value::Float(c.value)),
            Node::Variable(id) => self.variable(tree.name(*id)),
            Node::Unary { op, operand } => {
                let v = self.operand(*operand)?;
                match op {
                    UnaryOp::Minus => number::neg(&v, self.meter),
                    UnaryOp::Plus => {
                        self.meter.charge(1)?;
                        Ok(v)
                    }
                }
            }
            Node::Chain { first, rest } => {
                let mut acc = self.operand(*first)?;
                for (op, operand) in tree.links(*rest) {
                    let rhs = self.operand(operand)?;
                    acc = match machine_word_op(op, &acc, &rhs, self.meter) {
                        Some(result) => result?,
                        None => apply(op, &acc, &rhs, self.meter)?,
                    };
                }
                Ok(acc)
            }
            Node::Power { base, exponent } => {
                let b = self.operand(*base)?;
                let e = self.operand(*exponent)?;
                number::pow(&b, &e, self.meter)
            }
            Node::Call { callee, args } => self.call(*callee, *args),
            Node::Link { .. } | Node::Arg { .. } => {
                unreachable!("list cells are only reached through their chain or call")
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
                self.meter.charge(1)?;
                Ok(Value::Int(Int::Small(*i)))
            }
            Node::Float(x) => Ok(Value::Float(*x)),
            _ => self.eval(id),
        }
    }

    fn variable(&mut self, name: &str) -> CalcResult<Value> {
        if let Some(v) = self.variables.get(name) {
            self.meter.charge(1)?; // big values are shared, not copied
            return Ok(v.clone());
        }
        if builtins::function(name).is_some() {
            return Err(CalcError::Type(format!(
                "{name} is a function: call it, as in {name}(x)"
            )));
        }
        Err(CalcError::UnknownName(name.to_string()))
    }

    /// Evaluates a call of `callee`, whose first [`Node::Arg`] is `args`.
    fn call(&mut self, callee: Callee, first_arg: Option<NodeId>) -> CalcResult<Value> {
        let tree = self.tree;
        let args = tree.args(first_arg);
        let function = match callee {
            Callee::Builtin(f) => f,
            Callee::Other(id) => {
                let name = tree.name(id);
                // Python looks the name up first (NameError), then evaluates
                // the arguments, then finds the value is not callable.
                let value = match builtins::constant(name) {
                    Some(c) => Value::Float(c.value),
                    None => self.variable(name)?,
                };
                for arg in args {
                    self.eval(arg)?;
                }
                return Err(CalcError::Type(format!(
                    "'{}' object is not callable",
                    value.type_name()
                )));
            }
        };
        // Most calls have a few arguments: keep them on the stack.
        const INLINE: usize = 4;
        let count = self.tree.args(first_arg).count();
        if count <= INLINE {
            let mut values: [Value; INLINE] = std::array::from_fn(|_| Value::Float(0.0));
            for (slot, arg) in values.iter_mut().zip(args) {
                *slot = self.eval(arg)?;
            }
            return function.call(&values[..count], self.meter);
        }
        let mut values = Vec::with_capacity(count);
        for arg in args {
            values.push(self.eval(arg)?);
        }
        function.call(&values, self.meter)
    }
}

/// The common binary operations on machine words (`i64` and `f64`), in
/// line: exactly what [`apply`] computes and charges for them, or `None`
/// (before charging anything) for everything else, which `apply` does.
/// Kept in line because a call would return the value through memory,
/// which on `1+2+...` costs more than the arithmetic.
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
                Value::Int(Int::Big(_)) => None,
            };
            let (x, y) = (as_f64(a)?, as_f64(b)?);
            Value::Float(match op {
                BinaryOp::Add => x + y,
                BinaryOp::Sub => x - y,
                BinaryOp::Mul => x * y,
                BinaryOp::TrueDiv if y != 0.0 => x / y,
                _ => return None,
            })
        }
    };
    Some(meter.charge(1).map(|()| value))
}

fn apply(op: BinaryOp, a: &Value, b: &Value, meter: &mut Meter) -> CalcResult<Value> {
    match op {
        BinaryOp::Add => number::add(a, b, meter),
        BinaryOp::Sub => number::sub(a, b, meter),
        BinaryOp::Mul => number::mul(a, b, meter),
        BinaryOp::TrueDiv => number::true_div(a, b, meter),
        BinaryOp::FloorDiv => number::floor_div(a, b, meter),
        BinaryOp::Mod => number::modulo(a, b, meter),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calc::Limits;

    /// The in-line fast path must agree with `apply` on value and charge.
    #[test]
    fn machine_word_ops_match_apply() {
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
            .collect();
        let ops = [
            BinaryOp::Add,
            BinaryOp::Sub,
            BinaryOp::Mul,
            BinaryOp::TrueDiv,
            BinaryOp::FloorDiv,
            BinaryOp::Mod,
        ];
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
                        let slow = apply(op, a, b, &mut meter);
                        assert_eq!(
                            format!("{fast:?}"),
                            format!("{slow:?}"),
                            "{a:?} {op:?} {b:?}"
                        );
                        assert_eq!(fast_meter.used(), meter.used(), "{a:?} {op:?} {b:?}");
                    }
                }
            }
        }
    }
}
