#!/usr/bin/env python3
"""Generate tests/data/python_oracle.tsv: CPython's answers for safecalc's differential test.

How to run (from the repository root; standard library only, CPython 3.11):

    python3 scripts/gen_python_oracle.py            # writes tests/data/python_oracle.tsv
    python3 scripts/gen_python_oracle.py -o FILE    # writes elsewhere

It takes well under a minute (25 s here). Running it twice writes the same file.

What it does
------------
safecalc promises the answers of CPython 3.11's ``eval()`` for Python's whole numeric
expression language (ints, floats, complex numbers, bools, None, tuples, lists, ranges, the
strings hex/bin/oct return; every operator, comparisons, comprehensions, subscripts, the
numeric attributes, the builtins and the math module). This script writes the evidence:
more than 20,000 expressions -- hand-written edge cases for every construct, then random
expressions of the whole grammar -- each with what CPython answers, one per line:

    EXPR<TAB>EXPECTED

EXPECTED is one of

* ``repr(result)``: CPython's repr of the value (``3``, ``(1+2j)``, ``[1, 2]``, ``'0xff'``);
* ``!ClassName: message``: CPython raised; ``message`` is exactly ``str(exception)``
  (``!ZeroDivisionError: division by zero``). Printing an int of more than 4,300 digits is
  CPython's ``ValueError`` too (its int/str limit applies to repr, not to the ints
  themselves), so ``10**5000`` is ``!ValueError: Exceeds the limit (4300 digits) ...``;
* ``!SyntaxError: message``: the test ignores the message (safecalc names the column);
* ``!limit``: CPython computes it, but one of safecalc's documented caps refuses it (the
  CAP_ constants below): an int reaches 10**100000, a sequence holds more than 10,000 elements, or
  the input is longer than 65,536 bytes;
* ``!outside: reason``: not in the language, so safecalc must refuse it (any error, never
  a panic): string literals, attributes other than the numeric ones and ``math.NAME``,
  functions or generators used as values, ``lambda``, dicts, sets, ``is``, ``*args``...
  The reason says why, and for hand-written rows what CPython itself does.

In the fixture ``^`` is Python's xor: the test evaluates it with the option that makes
``^`` xor (safecalc's default reads ``^`` as a power, as calculators do).

Where the language stops (static_outside and Tracer.operand say it in code):

* names: the builtins and math names of NAMESPACE, ``True False None``, and comprehension
  variables (which may shadow any of them). Functions may only be called; ``math`` may
  only be followed by ``.NAME``, NAME one of its 60 public names;
* attributes: ``.real .imag .numerator .denominator``, and calls of ``.conjugate()
  .bit_length() .bit_count() .is_integer() .as_integer_ratio()``, on any value (CPython's
  AttributeError where its type lacks one: an int has no ``is_integer`` in 3.11);
* the strings hex/bin/oct return may be displayed -- returned, put in a tuple or list,
  chosen by ``if``/``else``, or be the last operand of ``and``/``or`` -- but never
  computed with: as an operand, a truth value, an argument, an index or an iterable;
* a generator expression only as a function's argument;
* no string, bytes or f-string literals, ``...``, ``lambda``, ``:=``, dicts, sets, ``is``,
  ``@``, ``*``/``**`` unpacking, or extended slicing (``x[1:2, 3]``).

CPython decides, always
-----------------------
Every EXPECTED comes from CPython's own ``eval()`` in a namespace holding exactly the
language's names (NAMESPACE below: the builtins of the language and nothing else as
``__builtins__``; every math name bare, except that bare ``pow`` is the builtin; the math
module itself for ``math.NAME``).

Before ``eval()`` runs, a *tracer* (class Tracer) evaluates the same syntax tree node by
node with the very same CPython operations (``operator.add``, the real builtins, the real
math functions), in CPython's order. It exists for three reasons:

* to observe every intermediate value, so that ``!limit`` is decided by what CPython
  really computes (an int that reaches 10**100000, a list of 10,001 elements, a partial
  sum of ``sum()``), never by an estimate;
* to guard CPython: before each operation it checks the sizes involved, and refuses to
  let CPython start anything huge (``9**9**9**9``, ``[0]*10**9``, ``1 << 2**63``,
  ``round(5, -10**20)``): such expressions are left out of the fixture (the header says
  how many). A SIGALRM timeout and an address-space rlimit are a second safety net: if
  either fires, the run stops with an error rather than write a machine-dependent file;
* to notice what is outside the language while it happens (a str used as an operand,
  an object that is not a value of the language).

The tracer's own result is only compared with ``eval()``'s (they must agree, or the
expression is left out and counted); the fixture always records ``eval()``'s answer.

Left out (not emitted), and counted in the header:

* expressions where a cap is exceeded *and* CPython raises, in either order (the outcome
  would depend on when an implementation notices), and those where only a partial result
  inside ``sum``/``prod``/``lcm`` exceeds a cap while the final one does not;
* expressions the guard would not let CPython compute, and those whose estimated CPython
  cost (a deterministic cost model, COST below) is above about 1 ms: safecalc's work
  budget is not modelled, so the fixture keeps to cheap expressions (``!limit`` rows
  excepted: any limit error matches them, the work limit's included);
* rows nested 200 brackets deep or more (CPython's parser refuses 200 with a
  SyntaxError, safecalc's depth cap with a limit error), or more than 150 syntax-tree
  levels deep;
* random rows that compare containers holding a NaN: CPython's ``[nan] == [nan]`` is True
  because its containers compare by identity first; hand-written rows keep a few.

Determinism: every random choice comes from ``random.Random(SEED)``; no set or dict order
is relied on, nothing depends on time; the cost model is arithmetic, not a stopwatch.
"""

import argparse
import ast
import builtins
import math
import operator
import os
import random
import re
import resource
import signal
import sys
import types
import warnings

SEED = 20261125
N_RANDOM_ARITHMETIC = 4500   # random expressions of + - * / // % ** and literal spellings
N_RANDOM_GRAMMAR = 14500     # random expressions of the whole grammar

# --------------------------------------------------------------------------------------
# The language: the names an expression may use
# --------------------------------------------------------------------------------------

BUILTIN_NAMES = ("abs", "all", "any", "bin", "bool", "complex", "divmod", "float", "hex",
                 "int", "len", "list", "max", "min", "oct", "pow", "range", "round",
                 "sorted", "sum", "tuple")
MATH_CONSTANTS = ("e", "inf", "nan", "pi", "tau")
MATH_FUNCTIONS = ("acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cbrt", "ceil",
                  "comb", "copysign", "cos", "cosh", "degrees", "dist", "erf", "erfc", "exp",
                  "exp2", "expm1", "fabs", "factorial", "floor", "fmod", "frexp", "fsum",
                  "gamma", "gcd", "hypot", "isclose", "isfinite", "isinf", "isnan", "isqrt",
                  "lcm", "ldexp", "lgamma", "log", "log10", "log1p", "log2", "modf",
                  "nextafter", "perm", "pow", "prod", "radians", "remainder", "sin", "sinh",
                  "sqrt", "tan", "tanh", "trunc", "ulp")
# Attributes of numbers: data attributes, and methods (which may only be called).
NUMBER_DATA_ATTRIBUTES = ("real", "imag", "numerator", "denominator")
NUMBER_METHODS = ("conjugate", "bit_length", "bit_count", "is_integer", "as_integer_ratio")
# Names that are functions (or types, or the module): they may only be called.
CALLABLE_NAMES = frozenset(BUILTIN_NAMES + MATH_FUNCTIONS + ("math",))


def make_namespace():
    """The globals of every eval(): the language's names and nothing else."""
    ns = {"__builtins__": {name: getattr(builtins, name) for name in BUILTIN_NAMES}}
    for name in MATH_CONSTANTS + MATH_FUNCTIONS:
        if name != "pow":  # bare pow is the builtin (three arguments, modular inverse)
            ns[name] = getattr(math, name)
    ns["math"] = math
    return ns


NAMESPACE = make_namespace()

# --------------------------------------------------------------------------------------
# safecalc's caps (calc::Limits defaults), and the guard's own bounds
# --------------------------------------------------------------------------------------

CAP_INT = 10**100_000        # max_int_digits: an int with abs(n) >= CAP_INT is over
CAP_INT_BITS = CAP_INT.bit_length()
CAP_SEQUENCE = 10_000        # max elements of a materialised tuple/list
CAP_INPUT_BYTES = 65_536     # max_input_bytes
CPYTHON_BRACKETS = 200       # CPython's parser refuses this many nested brackets
MAX_TREE_DEPTH = 150         # deeper rows are not emitted (safecalc's depth counting differs)

# The guard: the tracer never lets CPython build an int of more than HARD_BITS bits, a
# sequence of more than HARD_SEQUENCE elements, iterate more than HARD_STEPS times, or start
# anything the cost model puts above HARD_NS. Those expressions are not emitted.
HARD_BITS = 2 * CAP_INT_BITS
HARD_SEQUENCE = 200_000
HARD_STEPS = 200_000
HARD_NS = 100e6
EXPENSIVE_NS = 1e6           # non-!limit rows estimated above 1 ms are not emitted
ALARM_SECONDS = 20           # the safety net: no expression may take this long
ADDRESS_SPACE = 4 << 30      # ... or need this much memory
MAX_EXPECTED_CHARS = 40_000  # longer answers are not emitted (the fixture stays small)

# --------------------------------------------------------------------------------------
# COST: a deterministic model of CPython's time, in nanoseconds
# --------------------------------------------------------------------------------------
# Calibrated on this machine's CPython 3.11 (ints are arrays of 30-bit "limbs"; products
# use Karatsuba above 70 limbs, division is quadratic, int->str is quadratic). Only its
# order of magnitude matters: it keeps the fixture to expressions CPython answers in well
# under a millisecond, and it is the same on every machine, so the file is too.
NODE_NS = 30                 # evaluating one node of the tree
STEP_NS = 40                 # one iteration of a comprehension
ELEMENT_NS = 10              # one element handled inside a builtin (sum, sorted, +, ==...)
CALL_NS = 150                # calling a function (more for a comprehension: it builds one)


def limbs(n):
    return abs(n).bit_length() // 30 + 1


def mul_ns(la, lb):
    small, big = min(la, lb), max(la, lb)
    if small < 70:
        return small * big + 10.0
    return 4.0 * (big / small) * small ** 1.585


def div_ns(la, lb):
    return 1.3 * max(la - lb + 1, 1) * lb + 10.0


def pow_ns(bits):
    half = bits / 60 + 1
    return 1.5 * mul_ns(half, half)


def int_str_ns(digits):
    return 0.012 * digits * digits


# --------------------------------------------------------------------------------------
# Outside the language, seen in the text: string literals, lambda, dicts, other attributes
# --------------------------------------------------------------------------------------

FORBIDDEN_NODES = {
    ast.JoinedStr: "an f-string", ast.Lambda: "lambda", ast.NamedExpr: "':=' (assignment)",
    ast.Dict: "a dict display", ast.Set: "a set display", ast.DictComp: "a dict comprehension",
    ast.SetComp: "a set comprehension", ast.Starred: "'*' unpacking", ast.Await: "await",
    ast.Yield: "yield", ast.YieldFrom: "yield",
}


def static_outside(node, bound=frozenset(), callee=False, math_base=False):
    """Why the expression's text is outside the language, or None.

    `bound` holds the comprehension variables in scope (they may shadow any name);
    `callee` is true for the function part of a call, `math_base` for the `math` of
    `math.NAME`."""
    kind = type(node)
    if kind in FORBIDDEN_NODES:
        return FORBIDDEN_NODES[kind]
    if kind is ast.Constant:
        if isinstance(node.value, str):
            return "a string literal"
        if isinstance(node.value, bytes):
            return "a bytes literal"
        if node.value is Ellipsis:
            return "'...'"
        return None
    if kind is ast.Name:
        if node.id in bound:
            return None
        if node.id.startswith("__"):
            return f"the name {node.id}"
        if node.id == "math" and not math_base:
            return "the math module used as a value"
        if node.id in CALLABLE_NAMES and node.id != "math" and not callee:
            return f"the function {node.id} used as a value"
        return None
    if kind is ast.Attribute:
        if isinstance(node.value, ast.Name) and node.value.id == "math" \
                and "math" not in bound:
            if node.attr in MATH_FUNCTIONS:
                return None if callee else f"the function math.{node.attr} used as a value"
            if node.attr in MATH_CONSTANTS:
                return None
            return f"math.{node.attr} is not a name of the language"
        if node.attr in NUMBER_METHODS and not callee:
            return f"the method .{node.attr} used as a value"
        if node.attr not in NUMBER_DATA_ATTRIBUTES + NUMBER_METHODS:
            return f"the attribute .{node.attr}"
        return static_outside(node.value, bound)
    if kind is ast.Compare:
        for op in node.ops:
            if isinstance(op, (ast.Is, ast.IsNot)):
                return "'is' comparisons"
    if kind is ast.BinOp and isinstance(node.op, ast.MatMult):
        return "the '@' operator"
    if kind is ast.Call:
        for kw in node.keywords:
            if kw.arg is None:
                return "'**' unpacking"
        why = static_outside(node.func, bound, callee=True)
        for arg in node.args:
            if why:
                break
            if isinstance(arg, ast.GeneratorExp):  # a generator as an argument is fine
                why = comprehension_outside(arg, bound)
            else:
                why = static_outside(arg, bound)
        for kw in node.keywords:
            why = why or static_outside(kw.value, bound)
        return why
    if kind is ast.Subscript and isinstance(node.slice, ast.Slice):
        parts = [node.value, node.slice.lower, node.slice.upper, node.slice.step]
        for part in parts:
            why = part and static_outside(part, bound)
            if why:
                return why
        return None
    if kind is ast.Slice:  # a slice inside a tuple: x[1:2, 3]
        return "extended slicing"
    if kind is ast.GeneratorExp:
        return "a generator used as a value (only a function's argument may be one)"
    if kind is ast.ListComp:
        return comprehension_outside(node, bound)
    for child in ast.iter_child_nodes(node):
        why = static_outside(child, bound)
        if why:
            return why
    return None


def comprehension_outside(node, bound):
    """static_outside for a comprehension: its first iterable is read in the enclosing
    scope, everything else sees the loop variables."""
    inner = set(bound)
    for i, gen in enumerate(node.generators):
        if gen.is_async:
            return "async comprehensions"
        why = static_outside(gen.iter, frozenset(bound if i == 0 else inner))
        if why:
            return why
        for target in ast.walk(gen.target):
            if isinstance(target, ast.Name):
                inner.add(target.id)
            elif not isinstance(target, (ast.Tuple, ast.List, ast.Store)):
                return "a loop target that is not a name"
        for cond in gen.ifs:
            why = static_outside(cond, frozenset(inner))
            if why:
                return why
    return static_outside(node.elt, frozenset(inner))


# --------------------------------------------------------------------------------------
# The tracer: the tree evaluated node by node with CPython's own operations
# --------------------------------------------------------------------------------------


class Outside(BaseException):
    """Evaluation met something outside the language (a BaseException, so that it passes
    through the builtins that consume the tracer's generators, as every exception does)."""


class TooCostly(BaseException):
    """The guard refuses to let CPython do this; the expression is not emitted."""


UNBOUND = object()       # a comprehension variable not assigned yet
FREE_UNBOUND = object()  # ... seen from a nested comprehension

BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
          ast.Pow: operator.pow, ast.LShift: operator.lshift, ast.RShift: operator.rshift,
          ast.BitOr: operator.or_, ast.BitXor: operator.xor, ast.BitAnd: operator.and_}
UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg, ast.Invert: operator.invert,
         ast.Not: operator.not_}
COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
           ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
           ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}


def make_unpacker(n):
    """A function doing `a0, ..., a(n-1) = value`, so that unpacking errors carry
    CPython's own messages ("not enough values to unpack (expected 2, got 1)")."""
    names = ", ".join(f"a{i}" for i in range(n)) + ("," if n == 1 else "")
    scope = {}
    exec(f"def unpack(value):\n    {names} = value\n    return [{names}]", scope)  # noqa: S102
    return scope["unpack"]


UNPACKERS = {}


def is_int(x):
    return type(x) in (int, bool)


def range_length(r):
    """len(r) without CPython's OverflowError for ranges longer than sys.maxsize."""
    if r.step > 0:
        return max(0, (r.stop - r.start + r.step - 1) // r.step)
    return max(0, (r.start - r.stop - r.step - 1) // -r.step)


def size_of(x):
    """How many elements iterating x visits (for the guard and the cost model)."""
    if isinstance(x, range):
        return range_length(x)
    if isinstance(x, (tuple, list)):
        return len(x)
    return 0


def contains(x, predicate):
    """Whether x or anything inside its tuples and lists satisfies predicate."""
    if isinstance(x, (tuple, list)):
        return any(contains(item, predicate) for item in x)
    return predicate(x)


def is_nan(x):
    return (type(x) is float and x != x) or (type(x) is complex and x != x)


def is_str(x):
    return type(x) is str


# The builtins that iterate over their argument to the end.
CONSUMERS = {sorted, list, tuple, sum, min, max, all, any, math.fsum, math.prod}


class Tracer:
    """Evaluates a syntax tree as CPython does, watching every value it produces.

    Each node is evaluated with the operation CPython itself uses (the result *is*
    CPython's), after the guard has checked the sizes involved. It records
    `over_cap` (values beyond safecalc's caps), `partial_over_cap` (partial results inside
    sum/prod/lcm beyond them), `nan_in_container_compare`, and `cost_ns`."""

    def __init__(self):
        self.over_cap = []
        self.partial_over_cap = []
        self.nan_in_container_compare = False
        self.cost_ns = 0.0
        self.steps = 0
        self.made_str = False  # a hex/bin/oct string exists: watch where it goes

    # ---- bookkeeping ----------------------------------------------------------------
    def charge(self, ns):
        self.cost_ns += ns
        if self.cost_ns > HARD_NS:
            raise TooCostly("estimated to take CPython over %d ms" % (HARD_NS / 1e6))

    def step(self):
        self.steps += 1
        if self.steps > HARD_STEPS:
            raise TooCostly("too many iterations")
        self.charge(STEP_NS)

    def observe(self, value, what):
        """Checks a value that evaluation produced against the caps; returns it."""
        kind = type(value)
        if kind is int:
            if value.bit_length() >= CAP_INT_BITS and abs(value) >= CAP_INT:
                self.over_cap.append(f"{what}: an int of {value.bit_length()} bits")
        elif kind is tuple or kind is list:
            if len(value) > CAP_SEQUENCE:
                self.over_cap.append(f"{what}: a {kind.__name__} of {len(value)} elements")
        elif kind not in (bool, float, complex, type(None), range, str):
            raise Outside(f"{what} is a {kind.__name__} object, not a value of the language")
        return value

    def operand(self, value, role):
        """A value about to be used by an operation: a str (or a sequence holding one)
        may be displayed, never computed with."""
        if self.made_str and contains(value, is_str):
            raise Outside(f"a str used as {role}")
        return value

    def truth(self, value):
        return bool(self.operand(value, "a truth value"))

    # ---- evaluation -------------------------------------------------------------------
    def run(self, tree):
        return self.eval(tree.body, {})

    def eval(self, node, scope):
        self.charge(NODE_NS)
        method = getattr(self, "eval_" + type(node).__name__, None)
        if method is None:
            raise Outside(f"{type(node).__name__} is not in the language")
        return method(node, scope)

    def eval_Constant(self, node, scope):
        return self.observe(node.value, "a literal")

    def lookup(self, name, scope):
        if name in scope:
            value = scope[name]
            if value is UNBOUND:
                raise UnboundLocalError(f"cannot access local variable '{name}' where it "
                                        "is not associated with a value")
            if value is FREE_UNBOUND:
                raise NameError(f"cannot access free variable '{name}' where it is not "
                                "associated with a value in enclosing scope")
            return value
        if name in NAMESPACE and name != "__builtins__":
            return NAMESPACE[name]
        if name in NAMESPACE["__builtins__"]:
            return NAMESPACE["__builtins__"][name]
        raise NameError(f"name '{name}' is not defined")

    def eval_Name(self, node, scope):
        return self.observe(self.lookup(node.id, scope), f"the name {node.id}")

    def eval_UnaryOp(self, node, scope):
        x = self.operand(self.eval(node.operand, scope), "an operand")
        if is_int(x):
            self.charge(limbs(x))
        return self.observe(UNARY[type(node.op)](x), "a unary operation")

    def eval_BinOp(self, node, scope):
        a = self.operand(self.eval(node.left, scope), "an operand")
        b = self.operand(self.eval(node.right, scope), "an operand")
        op = type(node.op)
        self.guard_binary(op, a, b)
        return self.observe(BINARY[op](a, b), "an operation")

    def guard_binary(self, op, a, b):
        """Checks (and charges) `a op b` before CPython computes it."""
        if is_int(a) and is_int(b):
            la, lb = limbs(a), limbs(b)
            if op is ast.Pow:
                self.guard_int_power(a, b)
            elif op is ast.LShift:
                if b > 0 and a != 0:
                    if b > HARD_BITS or a.bit_length() + b > HARD_BITS:
                        raise TooCostly("a shift to more than %d bits" % HARD_BITS)
                    self.charge((a.bit_length() + b) / 30)
            elif op is ast.Mult:
                if a.bit_length() + b.bit_length() > HARD_BITS:
                    raise TooCostly("a product of more than %d bits" % HARD_BITS)
                self.charge(mul_ns(la, lb))
            elif op in (ast.FloorDiv, ast.Mod):
                self.charge(div_ns(la, lb))
            else:
                self.charge(la + lb)
            return
        if op is ast.Mult:
            for seq, n in ((a, b), (b, a)):
                if isinstance(seq, (tuple, list)) and is_int(n):
                    if n > 0 and len(seq) * n > HARD_SEQUENCE:
                        raise TooCostly("a repetition of more than %d elements" % HARD_SEQUENCE)
                    self.charge(ELEMENT_NS * len(seq) * max(n, 0))
        elif op is ast.Add and isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
            if len(a) + len(b) > HARD_SEQUENCE:
                raise TooCostly("a concatenation of more than %d elements" % HARD_SEQUENCE)
            self.charge(ELEMENT_NS * (len(a) + len(b)))
        elif op is ast.Pow and is_int(a) and isinstance(b, (float, complex)):
            self.charge(limbs(a))

    def guard_int_power(self, base, exp):
        if exp <= 0 or abs(base) <= 1:
            return
        if exp > HARD_BITS:
            raise TooCostly("a power of more than %d bits" % HARD_BITS)
        bits = exp * math.log2(abs(base))
        if bits > HARD_BITS:
            raise TooCostly("a power of more than %d bits" % HARD_BITS)
        self.charge(pow_ns(bits))

    def eval_BoolOp(self, node, scope):
        stop_on_false = isinstance(node.op, ast.And)
        for i, sub in enumerate(node.values):
            value = self.eval(sub, scope)
            if i == len(node.values) - 1:
                return value  # the last operand is returned untested
            if self.truth(value) != stop_on_false:
                return value

    def eval_Compare(self, node, scope):
        left = self.operand(self.eval(node.left, scope), "a comparison operand")
        result = True
        for op, comparator in zip(node.ops, node.comparators):
            right = self.operand(self.eval(comparator, scope), "a comparison operand")
            self.guard_compare(op, left, right)
            result = COMPARE[type(op)](left, right)
            if not result:
                return result
            left = right
        return result

    def guard_compare(self, op, left, right):
        containers = isinstance(left, (tuple, list)) or isinstance(right, (tuple, list))
        if containers and (contains(left, is_nan) or contains(right, is_nan)):
            self.nan_in_container_compare = True
        if isinstance(op, (ast.In, ast.NotIn)):
            n = size_of(right)
            if isinstance(right, range) and is_int(left):
                n = 1  # CPython answers `int in range` arithmetically
            if n > HARD_STEPS:
                raise TooCostly("a linear search of %d elements" % n)
            self.charge(ELEMENT_NS * n)
        elif containers:
            self.charge(ELEMENT_NS * min(size_of(left), size_of(right)))
        elif is_int(left) and is_int(right):
            self.charge(limbs(left))

    def eval_IfExp(self, node, scope):
        test = self.truth(self.eval(node.test, scope))
        return self.eval(node.body if test else node.orelse, scope)

    def eval_Tuple(self, node, scope):
        items = tuple(self.eval(e, scope) for e in node.elts)
        self.charge(ELEMENT_NS * len(items))
        return self.observe(items, "a tuple display")

    def eval_List(self, node, scope):
        items = [self.eval(e, scope) for e in node.elts]
        self.charge(ELEMENT_NS * len(items))
        return self.observe(items, "a list display")

    def eval_Subscript(self, node, scope):
        base = self.operand(self.eval(node.value, scope), "a subscripted value")
        if isinstance(node.slice, ast.Slice):
            parts = [None if p is None else self.operand(self.eval(p, scope), "a slice bound")
                     for p in (node.slice.lower, node.slice.upper, node.slice.step)]
            index = slice(*parts)
        else:
            index = self.operand(self.eval(node.slice, scope), "an index")
        result = base[index]
        if isinstance(result, (tuple, list)):
            self.charge(ELEMENT_NS * len(result))
        return self.observe(result, "a subscript")

    def eval_Attribute(self, node, scope, callee=False):
        if isinstance(node.value, ast.Name) and node.value.id == "math" and "math" not in scope:
            value = getattr(math, node.attr)
        else:
            base = self.operand(self.eval(node.value, scope), "an attribute's object")
            value = getattr(base, node.attr)  # AttributeError: CPython's message
        return value if callee else self.observe(value, f"the attribute .{node.attr}")

    def eval_Call(self, node, scope):
        if isinstance(node.func, ast.Name):
            function = self.lookup(node.func.id, scope)
        elif isinstance(node.func, ast.Attribute):
            self.charge(NODE_NS)
            function = self.eval_Attribute(node.func, scope, callee=True)
        else:
            function = self.eval(node.func, scope)
        args = []
        for arg in node.args:
            if isinstance(arg, ast.GeneratorExp):
                args.append(self.generator(arg, scope))
            else:
                args.append(self.operand(self.eval(arg, scope), "a function's argument"))
        kwargs = {}
        for kw in node.keywords:
            kwargs[kw.arg] = self.operand(self.eval(kw.value, scope), "a keyword argument")
        args = self.guard_call(function, args, kwargs)
        self.charge(CALL_NS)
        result = function(*args, **kwargs)
        if function in (hex, bin, oct):
            self.made_str = True
        name = getattr(function, "__name__", "a call")
        if isinstance(result, (tuple, list)):
            self.charge(ELEMENT_NS * len(result))
        return self.observe(result, f"{name}()")

    # ---- calls: sizes checked before CPython computes ----------------------------------
    def guard_call(self, f, args, kwargs):
        """Checks a call's cost before it runs; returns the arguments to pass (generators
        given to sum/prod are wrapped so that their partial results are watched)."""
        if not callable(f):
            return args  # CPython raises "... object is not callable"
        ints = all(is_int(a) for a in args) and all(is_int(v) for v in kwargs.values())
        if f in CONSUMERS and args:
            n = size_of(args[0])
            if n > HARD_STEPS:
                raise TooCostly(f"{f.__name__}() over {n} elements")
            self.charge(ELEMENT_NS * n * (max(1, n.bit_length()) if f is sorted else 1))
        if f is pow or f is math.pow:
            base = args[0] if args else kwargs.get("base")
            exp = args[1] if len(args) > 1 else kwargs.get("exp")
            mod = args[2] if len(args) > 2 else kwargs.get("mod")
            if f is pow and mod is None and is_int(base) and is_int(exp):
                self.guard_int_power(base, exp)
            elif is_int(base) and is_int(exp) and is_int(mod) and mod:
                self.charge(abs(exp).bit_length() * 2 * mul_ns(limbs(mod), limbs(mod)))
        elif f is math.factorial and ints and len(args) == 1 and args[0] > 1:
            n = args[0]
            if n > 10**6:
                raise TooCostly("factorial of a huge number")
            bits = math.lgamma(n + 1) / math.log(2)
            if bits > HARD_BITS:
                raise TooCostly("a factorial of more than %d bits" % HARD_BITS)
            self.charge(2 * pow_ns(bits) + 10 * n)
        elif f in (math.comb, math.perm) and ints and args:
            self.guard_comb_perm(f, args)
        elif f is math.isqrt and ints and len(args) == 1:
            self.charge(div_ns(limbs(args[0]), limbs(args[0]) // 2 + 1))
        elif f is math.lcm and ints:
            self.mirror(args, math.lcm, 1, "lcm()")
            self.charge(sum(div_ns(2 * limbs(a), limbs(a)) for a in args))
        elif f is math.gcd and ints:
            self.charge(sum(limbs(a) for a in args) * 3)
        elif f is round and args and is_int(args[0]):
            ndigits = args[1] if len(args) > 1 else kwargs.get("ndigits")
            if is_int(ndigits) and ndigits < 0:
                # CPython computes 10**-ndigits to round an int
                if -ndigits > 30_000:
                    raise TooCostly("round() of an int to %d digits" % ndigits)
                self.charge(pow_ns(-ndigits * 3.33))
        elif f is divmod and ints and len(args) == 2:
            self.charge(div_ns(limbs(args[0]), limbs(args[1])))
        elif f in (hex, bin, oct, int, float, abs, complex) and args and is_int(args[0]):
            self.charge(limbs(args[0]))
        elif f in (sum, math.prod) and args:
            if f is sum:
                start = args[1] if len(args) > 1 else kwargs.get("start", 0)
                op = operator.add
            else:
                start = kwargs.get("start", 1)
                op = operator.mul
            args = list(args)
            if isinstance(args[0], types.GeneratorType):
                args[0] = self.mirrored(args[0], op, start, f.__name__ + "()")
            elif isinstance(args[0], (tuple, list, range)):
                self.mirror(args[0], op, start, f.__name__ + "()")
        return args

    def guard_comb_perm(self, f, args):
        n = args[0]
        k = args[1] if len(args) > 1 else n
        if n < 0 or k < 0 or k > n:
            return
        kk = min(k, n - k) if f is math.comb else k
        if kk > 10**6:
            raise TooCostly("comb/perm with a huge k")
        if n.bit_length() > 1000:
            bits = kk * n.bit_length()
        else:
            bits = math.lgamma(n + 1) - math.lgamma(n - k + 1)
            if f is math.comb:
                bits -= math.lgamma(k + 1)
            bits /= math.log(2)
        if bits > HARD_BITS:
            raise TooCostly("comb/perm of more than %d bits" % HARD_BITS)
        self.charge(kk * (bits / 30 + 1) + 10)

    def partial(self, acc, name):
        """A partial result of sum/prod/lcm (CPython's own, recomputed here)."""
        if type(acc) is int and acc.bit_length() >= CAP_INT_BITS and abs(acc) >= CAP_INT:
            self.partial_over_cap.append(f"{name}: a partial result of {acc.bit_length()} bits")
        elif type(acc) in (tuple, list) and len(acc) > CAP_SEQUENCE:
            self.partial_over_cap.append(f"{name}: a partial result of {len(acc)} elements")

    def accumulate(self, acc, x, op):
        if is_int(acc) and is_int(x):
            if op is operator.mul and acc.bit_length() + x.bit_length() > HARD_BITS:
                raise TooCostly("a product of more than %d bits" % HARD_BITS)
            self.charge(mul_ns(limbs(acc), limbs(x)) if op is not operator.add else limbs(acc))
        elif isinstance(acc, (tuple, list)):
            if len(acc) + size_of(x) > HARD_SEQUENCE:
                raise TooCostly("a partial result of more than %d elements" % HARD_SEQUENCE)
            self.charge(ELEMENT_NS * (len(acc) + size_of(x)))
        return op(acc, x)

    def mirror(self, items, op, start, name):
        """Recomputes the partial results of sum/prod/lcm over a sequence, for the caps
        (the real call then computes the result; an error stops the mirror, and the real
        call raises the same one)."""
        acc = start
        try:
            for x in items:
                if op is math.lcm:
                    if is_int(acc) and is_int(x) and acc.bit_length() + x.bit_length() > HARD_BITS:
                        raise TooCostly("an lcm of more than %d bits" % HARD_BITS)
                    acc = math.lcm(acc, x)
                else:
                    acc = self.accumulate(acc, x, op)
                self.partial(acc, name)
        except Exception:  # noqa: BLE001 - the real call raises it
            pass

    def mirrored(self, iterator, op, start, name):
        """A generator yielding what `iterator` yields, mirroring sum/prod's partials."""
        acc, ok = start, True
        for x in iterator:
            if ok:
                try:
                    acc = self.accumulate(acc, x, op)
                    self.partial(acc, name)
                except Exception:  # noqa: BLE001
                    ok = False
            yield x

    # ---- comprehensions ---------------------------------------------------------------
    def eval_ListComp(self, node, scope):
        result = []
        for element in self.comprehension(node, scope):
            result.append(element)
            if len(result) > HARD_SEQUENCE:
                raise TooCostly("a list comprehension of more than %d elements" % HARD_SEQUENCE)
        return self.observe(result, "a list comprehension")

    def eval_GeneratorExp(self, node, scope):
        raise Outside("a generator used as a value")

    def generator(self, node, scope):
        """A generator expression given to a function: lazy, as CPython's."""
        elements = self.comprehension(node, scope)

        def checked():
            for element in elements:
                yield self.operand(element, "an element consumed by a function")
        return checked()

    def comprehension(self, node, scope):
        """The elements of a comprehension, as a generator. As in CPython, the first
        iterable is evaluated (and iter() taken) at once, in the enclosing scope; the loop
        variables live in a scope of their own (they do not leak)."""
        iterable = self.operand(self.eval(node.generators[0].iter, scope), "an iterable")
        iterator = iter(iterable)
        self.charge(CALL_NS)
        local = {name: (FREE_UNBOUND if value is UNBOUND else value)
                 for name, value in scope.items()}
        for gen in node.generators:
            for target in ast.walk(gen.target):
                if isinstance(target, ast.Name):
                    local[target.id] = UNBOUND
        return self.loop(node, 0, iterator, local)

    def loop(self, node, i, iterator, local):
        gen = node.generators[i]
        for item in iterator:
            self.step()
            self.assign(gen.target, item, local)
            if all(self.truth(self.eval(cond, local)) for cond in gen.ifs):
                if i + 1 < len(node.generators):
                    inner = node.generators[i + 1].iter
                    iterable = self.operand(self.eval(inner, local), "an iterable")
                    yield from self.loop(node, i + 1, iter(iterable), local)
                else:
                    yield self.eval(node.elt, local)

    def assign(self, target, value, local):
        if isinstance(target, ast.Name):
            local[target.id] = value
            return
        n = len(target.elts)
        if n not in UNPACKERS:
            UNPACKERS[n] = make_unpacker(n)
        for sub, item in zip(target.elts, UNPACKERS[n](value)):
            self.assign(sub, item, local)


# --------------------------------------------------------------------------------------
# CPython's answer, and the decision of what a row says
# --------------------------------------------------------------------------------------


class Stats:
    """What happened to every expression offered to the oracle (for the header)."""

    def __init__(self):
        self.left_out = {}

    def leave_out(self, why):
        self.left_out[why] = self.left_out.get(why, 0) + 1
        return None


STATS = Stats()


class Alarm(BaseException):
    pass


def _on_alarm(signum, frame):
    raise Alarm()


def answer_of(value):
    """The EXPECTED text of a value: its repr, or CPython's error when printing fails (an
    int of more than 4,300 digits, anywhere in it)."""
    try:
        return repr(value)
    except ValueError as ex:
        return f"!ValueError: {ex}"


def error_text(ex):
    return f"!{type(ex).__name__}: {ex}"


def same_outcome(a, b):
    """Whether the tracer's and eval()'s outcomes agree: ("value", v) / ("error", ex)."""
    if a[0] != b[0]:
        return False
    if a[0] == "value":
        return answer_of(a[1]) == answer_of(b[1])
    return type(a[1]) is type(b[1]) and str(a[1]) == str(b[1])


def bracket_depth(text):
    depth = deepest = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    return deepest


def tree_depth(tree):
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
MODULE_PATH = re.compile(r" from '[^']*'")


def machine_independent(text):
    """A repr without memory addresses or file paths, so that the fixture is the same on
    every machine."""
    return MODULE_PATH.sub("", ADDRESS.sub("", text))


def cpython_note(code):
    """What CPython does with an expression outside the language (for the reader)."""
    try:
        value = eval(code, dict(NAMESPACE))  # noqa: S307
        text = "CPython: " + machine_independent(answer_of(value))
    except Exception as ex:  # noqa: BLE001
        text = "CPython raises " + machine_independent(error_text(ex)[1:])
    text = " ".join(text.split())
    return text if len(text) <= 70 else text[:67] + "..."


def fits_a_line(text):
    return "\t" not in text and "\n" not in text and "\r" not in text


def oracle(expr, hand_written=False):
    """EXPECTED for expr, or None to leave it out (STATS says why)."""
    if not fits_a_line(expr) or "#" in expr or expr != expr.strip() or not expr:
        return STATS.leave_out("not writable as a fixture line")
    if bracket_depth(expr) >= CPYTHON_BRACKETS:
        return STATS.leave_out("200 or more nested brackets")
    signal.alarm(ALARM_SECONDS)
    try:
        return decide(expr, hand_written)
    except Alarm:
        sys.exit(f"CPython took over {ALARM_SECONDS}s on {expr[:200]!r}: the guard missed it")
    except MemoryError:
        sys.exit(f"CPython ran out of memory on {expr[:200]!r}: the guard missed it")
    finally:
        signal.alarm(0)


def decide(expr, hand_written):
    try:
        code = compile(expr, "<oracle>", "eval")
    except SyntaxError as ex:
        return "!SyntaxError: " + " ".join(str(ex.msg).split())
    except (RecursionError, MemoryError, ValueError):
        return STATS.leave_out("CPython's compiler gave up")
    tree = ast.parse(expr, mode="eval")
    if tree_depth(tree) > MAX_TREE_DEPTH:
        return STATS.leave_out("more than %d levels deep" % MAX_TREE_DEPTH)

    why = static_outside(tree.body)
    if why:
        note = f" ({cpython_note(code)})" if hand_written else ""
        return f"!outside: {why}{note}"

    tracer = Tracer()
    try:
        traced = ("value", tracer.run(tree))
    except Outside as ex:
        note = f" ({cpython_note(code)})" if hand_written else ""
        return f"!outside: {ex}{note}"
    except TooCostly:
        return STATS.leave_out("too costly to let CPython compute")
    except RecursionError:
        return STATS.leave_out("too deep for the tracer")
    except Exception as ex:  # noqa: BLE001 - CPython's error, recorded below
        traced = ("error", ex)

    # CPython's own answer: the guard has seen every size it will meet.
    try:
        real = ("value", eval(code, dict(NAMESPACE)))  # noqa: S307 - that is the point
    except (RecursionError, MemoryError):
        return STATS.leave_out("CPython gave up")
    except Exception as ex:  # noqa: BLE001
        real = ("error", ex)
    if not same_outcome(traced, real):
        if hand_written:
            print(f"warning: the tracer disagrees with eval() on {expr[:120]!r}: "
                  f"{traced} vs {real}", file=sys.stderr)
        return STATS.leave_out("the tracer disagreed with eval()")

    over_cap = tracer.over_cap or len(expr.encode()) > CAP_INPUT_BYTES
    if over_cap:
        if real[0] == "error":
            return STATS.leave_out("over a cap and an error")
        return "!limit"
    if tracer.partial_over_cap:
        return STATS.leave_out("a partial result over a cap")
    if tracer.nan_in_container_compare and not hand_written:
        return STATS.leave_out("containers holding a NaN compared")
    if real[0] == "error":
        ex = real[1]
        if isinstance(ex, (RecursionError, SystemError)) or not fits_a_line(str(ex)) \
                or ADDRESS.search(str(ex)):
            return STATS.leave_out("an unprintable error")
        expected = error_text(ex)
    else:
        expected = answer_of(real[1])
        if isinstance(real[1], int) and expected[0] != "!":
            tracer.charge(int_str_ns(len(expected)))
        elif isinstance(real[1], (tuple, list)):
            tracer.charge(ELEMENT_NS * 5 * len(expected) / 4)
    if tracer.cost_ns > EXPENSIVE_NS:
        return STATS.leave_out("estimated above 1 ms of CPython time")
    if len(expected) > MAX_EXPECTED_CHARS or not fits_a_line(expected):
        return STATS.leave_out("answer too long for the fixture")
    return expected


# --------------------------------------------------------------------------------------
# Hand-written cases: the first oracle's, then one function per construct
# --------------------------------------------------------------------------------------


def hand_arithmetic():
    """The first oracle's cases: literals in every spelling, + - * / // % **, precedence,
    float corners, and the first functions."""
    c = []
    add = c.extend

    # literals: every spelling Python accepts, and the malformed ones
    add(["0", "00", "0_0", "000", "42", "1_000", "1_000_000", "0x1F", "0x1f", "0X1F", "0xff",
         "0x_ff", "0xFF_FF", "0o17", "0O17", "0o_17", "0b101", "0B101", "0b_1_0_1",
         "0x0", "0b0", "0o0", "0xDEADBEEF", "0x7fffffffffffffff", "0x8000000000000000",
         "0xffffffffffffffff", "0x10000000000000000", "0b" + "1" * 64, "0o" + "7" * 30,
         "1.5", ".5", "5.", "1e3", "2.5E-7", "1_0.5_0", "1.e3", "09.5", "0e5", "0E0",
         "1e+3", "1E+03", "1e-3", "1e-05", "1e16", "1e15", "1e+16", "1e22", "1e23",
         "123456789012345678.0", "0.1", "0.2", "0.3", "1.0", "2.0", "0.0", "00.0", "0.",
         "000.5", "1_000.0", "1_0e1_0", "1e0_1", "0.000001", "0.0000001", "1e-7",
         "5e-324", "4.9e-324", "2e-324", "3e-324", "1e-400", "2.2250738585072014e-308",
         "2.225073858507201e-308", "1.7976931348623157e308", "1.7976931348623158e308",
         "1.7976931348623159e308", "1e308", "1e309", "1e400", "1e-320",
         "0.1000000000000000055511151231257827", "9007199254740993.0",
         "9007199254740992.5", "9007199254740993.0000001", "123.456e-2", "1234567890123456789.",
         ".000_001", "1_2.3_4e5_6", "3.14159265358979323846264338327950288",
         "9" * 400 + ".0", "0." + "0" * 300 + "1", "1" + "0" * 308 + ".0",
         "1" + "0" * 309 + ".0", "2" * 4300, "0x" + "f" * 3000, "0x" + "f" * 4000,
         "1" * 4301, "9" * 4300, "1" + "0" * 4299, "1" + "0" * 4300])
    add(["007", "01", "00_7", "1__0", "1_", "1_000_", "_1", "1e", "1e+", "1e-", "1e_3",
         "1_e3", "0x", "0x_", "0xg", "0b2", "0b102", "0o8", "0o18", "0b", "0o", "0_x1",
         "1._5", "1_.5", "1.2.3", "1..5", "1abc", "1e3e3", "1.5f", "0x1.5", "2 3",
         "1 2 3", "(1", "1)", "((1)", "(1))", "1 +", "* 2", "+", "-", "", "1 *",
         "2 **", "2***3", "2 * * 3", "1 // / 2", "1 +* 2", "sqrt(", "sqrt(1", "sqrt 2",
         "sqrt(1 2)", "sqrt(,)", "max(1,,2)", "max(,1)", "2pi", "2 pi", "pi pi", "1;2",
         "0b1_", "0x_", "1_000__0", "1.5_", "1e3_", "._5", "1.0e", "1E-", "$1", "1 ? 2",
         "3!", "1,5", "[1]", "{1}", "1 /", "()()", "(1)(", "1)(", "sqrt())"])
    # operator precedence and associativity
    add(["-2**2", "2**-1", "2**3**2", "(2**3)**2", "-2**-2", "(-2)**2", "(-2)**3", "-(2**2)",
         "2**-2**-1", "--1", "---1", "+-+-1", "- - 1", "-+-+-2", "1--1", "1++1", "1-+-1",
         "2*-3", "2**+3", "-2**0.5", "-(-2)**0.5", "2+3*4", "(2+3)*4", "2*3**2", "-3**2*2",
         "10-2-3", "10-(2-3)", "100/10/5", "100/(10/5)", "2**2**2**2", "2**2**2**2**2",
         "17//5*5", "17%5*2", "-7//2*2", "2*3%4", "8/2//3", "2**3*2**3", "1+2-3*4/5//6%7**8",
         "1 + 2", " 1+2".strip(), "( 1 + 2 ) * 3", "((((1))))", "(" * 100 + "1" + ")" * 100,
         "-" * 50 + "1", "(" * 60 + "-1" + ")" * 60 + "**2"])
    # powers
    add(["0**0", "0**1", "0**-1", "0.0**-1", "(-0.0)**-1", "0**-1.0", "0.0**-1.5",
         "0.0**0", "0.0**0.0", "0**0.0", "(-0.0)**0.5", "(-0.0)**3", "(-0.0)**-3",
         "0.0**-inf", "0**inf", "0.0**nan", "(-2)**0.5", "(-8)**(1/3)", "(-1)**0.5",
         "(-2.0)**0.5", "(-8)**-0.5", "(-1.5)**2.5", "(-2)**-1.5", "(-inf)**0.5",
         "(-inf)**3", "(-inf)**-3", "(-inf)**2", "(-inf)**-0.5", "inf**0", "nan**0",
         "1**nan", "1.0**inf", "(-1)**inf", "(-1)**-inf", "(-1.0)**inf", "2**inf",
         "2**-inf", "0.5**inf", "0.5**-inf", "inf**-1", "inf**0.5", "nan**1", "1**1e300",
         "(-1)**1e300", "(-1)**1e15", "(-1)**(2**53)", "(-1)**(10**400)", "(-1)**(10**400+1)",
         "1**(10**400)", "0**(10**400)", "2**(10**400)", "(-8)**2.0", "(-8.0)**2",
         "(-8)**-1", "2**-1075", "(-2)**-1075", "2**-1074", "2**-1022", "2.0**-1074",
         "2**1023", "2**1024", "2.0**1023", "2.0**1024", "2**1023*2.0", "10.0**400",
         "10.0**308", "10.0**309", "10**308*1.0", "(-10.0)**401", "(-10.0)**400",
         "10**400.0", "(10**400)**0.5", "(10**400)**-1", "10**-400", "(-10)**-3",
         "2**0.5", "2**(1/2)", "4**0.5", "8**(1/3)", "1e300**2", "1e-300**2", "1e154**2",
         "1.5**1000", "1.5**2000", "(-1.5)**2001", "2**100", "2**63", "2**64", "-2**63",
         "2**63-1", "2**64-1", "2**53", "2**53+1", "2**31", "-2**31", "3**40", "(-3)**41",
         "7**300", "(-7)**301", "10**4299", "10**4300", "-10**4299", "-10**4300",
         "10**4299*9", "10**4299*10", "9**9**9**9", "10**10**10", "2**(2**40)",
         "2**14285", "2**14286", "2**14287", "2**14300", "(10**4299)**1", "(10**2150)**2",
         "(10**1433)**3", "(10**1434)**3", "2**-(10**400)", "2.0**(10**400)",
         "0.5**(10**400)", "1.0**(10**400)", "(-1.0)**(10**400)", "10**20000//10**19999",
         "10**5000*0", "10**4300//10", "(10**4300)%7", "2**3.0", "4**-0.5", "(-4)**-2",
         "2**62*2", "2**63*2", "-(2**63)*2", "9223372036854775807+1", "-9223372036854775808-1",
         "9223372036854775807*9223372036854775807", "(-9223372036854775808)//-1",
         "(-9223372036854775808)%-1", "-9223372036854775808*-1", "abs(-9223372036854775808)"])
    # floor division / modulo sign tables
    ivals = ["7", "-7", "0", "1", "-1", "3"]
    idivs = ["2", "-2", "3", "-3", "1", "-1", "0", "7", "-7"]
    for a in ivals:
        for b in idivs:
            for op in ("//", "%", "/"):
                c.append(f"{paren(a)}{op}{paren(b)}")
    fvals = ["7.0", "-7.0", "0.0", "-0.0", "7.5", "-7.5", "1e-300", "-1e-300", "inf", "-inf",
             "nan", "1e308", "5e-324"]
    fdivs = ["2.0", "-2.0", "0.0", "-0.0", "2", "-2", "0.5", "-0.5", "inf", "-inf", "nan",
             "1e-308", "3"]
    for a in fvals:
        for b in fdivs:
            for op in ("//", "%"):
                c.append(f"{paren(a)}{op}{paren(b)}")
    for a in ["7", "-7", "0"]:
        for b in ["2.0", "-2.0", "0.0", "-0.0", "inf", "-inf"]:
            for op in ("//", "%", "/"):
                c.append(f"{paren(a)}{op}{paren(b)}")
    add(["1 % inf", "-1 % inf", "1 // inf", "-1 // inf", "1 % -inf", "-1 % -inf",
         "1e308 // 1e-308", "-1e308 // 1e-308", "1e308 % 1e-308", "inf // 1", "inf % 1",
         "5 // 0.0", "5 % 0.0", "5.0 // 0", "0 // 0", "0 % 0", "0.0 % 0", "1 / 0", "1.0 / 0",
         "1 / 0.0", "0 / 0", "0.0 / 0.0", "inf / 0", "nan / 0", "10**400 // 0", "10**400 % 0",
         "10**400 // 1.5", "10**400 % 2.0", "-10**300 // 7", "-10**300 % 7", "10**300 % -7",
         "-10**300 // -7", "10**300 // 10**299", "-10**300 // 10**299", "(-10**300 - 1) // 10**299",
         "(-10**300 - 1) % 10**299", "-0.0 // 1", "0.0 // -1", "-0.0 % 1", "0.0 % -1",
         "-0.0 // -1", "-0.0 % -1", "6.0 // 0.1", "6.0 % 0.1", "1 // 0.1", "1 % 0.1",
         "-1 // 0.1", "-1 % 0.1", "0.3 // 0.1", "0.3 % 0.1", "2**53 % 3.0", "(2**53+1) % 3",
         "-(2**64) // 3", "-(2**64) % 3", "2**63 // -1", "2**63 % -3", "-1e-320 % 1",
         "1e-320 % -1", "-5e-324 // 1", "5e-324 // -1", "1e16 % 3", "-1e16 // 3"])
    # true division, int/float mixing, boundaries
    add(["1/3", "2/3", "-1/3", "1/7", "10/2", "7/2", "-7/2", "0/5", "-0/5", "0/-5", "0.0/-5",
         "1/2**1074", "1/2**1075", "1/2**1076", "2**1023/2**-1", "10**400/10**399",
         "10**400/3", "(10**400+1)/3", "1/10**400", "-1/10**400", "10**308/10**-1",
         "2**1024/2", "2**1025/2", "(2**1024-1)/1", "2**1024/3", "(10**30+1)/10**15",
         "(2**53+1)/1", "(2**53+1)/2", "(2**53+3)/2", "(2**54+2)/2", "(2**54+6)/2",
         "(10**40)/(10**20+1)", "123456789123456789123456789/987654321987654321",
         "-123456789123456789123456789/987654321987654321",
         "(2**200+2**147)/2**100", "(2**200+2**147+1)/2**100", "(2**200+2**148)/2**100",
         "(2**200+3*2**147)/2**100", "10**4299/10**4298", "-(10**4299)/7",
         "2**53+1.0", "2**53+2.0", "2**53+1+0.0", "2**53+0.0+1", "(2**53+1)*1.0",
         "(2**53+3)*1.0", "(2**64+1)*1.0", "(2**63-1)*1.0", "(2**63-1)+0.0",
         "9007199254740993+0.0", "9007199254740993.0", "-9007199254740993*1.0",
         "10**400*1.0", "10**400+0.0", "-10**400*1.0", "10**400*0.0", "10**308*10.0",
         "2**1024*1.0", "(2**1024-1)*1.0", "(2**1024-2**970)*1.0", "(2**1024-2**970-1)*1.0",
         "(2**1024-2**971)*1.0", "1e308*10", "-1e308*10", "1e308+1e308", "1e308*-10",
         "inf-inf", "inf*0", "inf+1", "-inf", "nan+1", "-nan", "+nan", "inf*-1", "nan*0",
         "1e-320*1e-10", "-1e-320*1e-10", "5e-324/2", "-5e-324/2", "1e300*1e10", "1e-300/1e300",
         "0.1+0.2", "0.1*3", "0.3-0.1", "1.1*1.1", "1e16+1", "1e16+2", "1e16+1.0",
         "2.0", "-0.0", "0.0*-1", "-0.0+0.0", "-0.0-0.0", "0.0-0.0", "-0.0*0", "0*-0.0",
         "-0.0+0", "-(0.0)", "-(-0.0)", "+-0.0", "-0", "inf", "nan", "pi", "e", "tau",
         "-pi", "pi*2", "tau-2*pi", "e**1", "e**2", "2**0.5*2**0.5", "1/3*3", "100*1.1",
         "3*0.1", "1e15+0.3", "1e-5", "1e-4", "0.0001", "123456789.123456789",
         "1234567890123456789012.0", "1e21", "1e21+1", "123e-20", "2.5e-5", "100.0", "1e2",
         "12345678901234567.0", "0.1**2", "1/1e-5", "1e16*1.0", "9999999999999998.0",
         "1e16-2", "2**100", "-2**100", "2**100*1.0", "2**100/1", "2**200", "3**200",
         "2**1000", "-(2**1000)", "10**300", "10**300+1", "10**300-1", "(10**300-1)*(10**300+1)",
         "10**2000*10**2000", "10**2150*10**2149", "10**2150*10**2150",
         "123456789**10", "987654321987654321987654321*123456789123456789123456789",
         "-987654321987654321987654321*123456789123456789123456789",
         "2**64*2**64", "2**64-2**64", "-(2**63)-(2**63)", "2**63+2**63",
         "18446744073709551615+1", "18446744073709551616-1", "-18446744073709551616",
         "4294967295+1", "2147483647+1", "-2147483648-1", "2147483647*2147483647",
         "65536*65536", "4294967296*4294967296", "3037000499*3037000499",
         "3037000500*3037000500", "-3037000500*3037000500"])
    add(["x", "y+1", "foo(1)", "Pi", "PI", "E", "Inf", "NaN", "infinity", "ln(2)",
         "pow(2, 3)", "int(2.5)", "float(1)", "sum(1)", "exp2(3)", "cbrt(8)", "isqrt(4)",
         "lcm(2, 3)", "sqrt2", "math", "_x", "__import__", "__import__(1)", "x(1/0)",
         "sqrt(x)", "x+1/0", "1/0+x", "1/0+sqrt(-1)", "sqrt(-1)+1/0", "(1/0)/0", "log(0)*x",
         "pi(1)", "e(2)", "inf(0)", "nan()", "abs(x)", "mx(1,2)", "sin1"])
    # functions
    add(["abs(-3)", "abs(3)", "abs(-3.5)", "abs(-0.0)", "abs(0.0)", "abs(-inf)", "abs(nan)",
         "abs(-nan)", "abs(-10**300)", "abs(-2**63)", "abs(-(2**64))", "abs()", "abs(1, 2)",
         "abs(-5e-324)", "abs(-10**4299)"])
    for x in ["0.5", "1.5", "2.5", "-0.5", "-1.5", "-2.5", "0.49999999999999994", "2.675",
              "1e300", "-1e300", "1e16", "4503599627370497.0", "inf", "-inf", "nan", "7",
              "-7", "10**300", "0.0", "-0.0", "1.7976931348623157e308", "123.456", "5e-324"]:
        c.append(f"round({x})")
    for x, n in [("2.675", "2"), ("1234.5", "-2"), ("15", "-1"), ("25", "-1"), ("35", "-1"),
                 ("-15", "-1"), ("-25", "-1"), ("5", "-1"), ("-5", "-1"), ("15", "1"),
                 ("1.5", "1.0"), ("1.5", "1"), ("2.5", "0"), ("-0.5", "0"), ("-0.4", "0"),
                 ("0.5", "0"), ("1.25", "1"), ("1.35", "1"), ("-1.25", "1"), ("1e300", "-300"),
                 ("1.5e308", "-308"), ("1.7e308", "-308"), ("1e308", "-308"), ("inf", "2"),
                 ("nan", "2"), ("-inf", "-2"), ("1.5", "400"), ("1.5", "-400"), ("-1.5", "-400"),
                 ("123456789", "-4"), ("123456789", "-9"), ("123456789", "-10"),
                 ("10**300+5", "-1"), ("10**300+5", "-301"), ("5*10**299", "-300"),
                 ("15*10**299", "-300"), ("5", "-5000"), ("5", "10**20"), ("1.5", "10**20"),
                 ("1.5", "-10**20"), ("0.125", "2"), ("0.375", "2"), ("2.5", "-1"),
                 ("5e-324", "323"), ("5e-324", "324"), ("1.0", "2**63"), ("12", "0"),
                 ("12.0", "0"), ("7", "2.0"), ("7", "-1.0"), ("7.5", "nan"), ("2", "3")]:
        c.append(f"round({x}, {n})")
    add(["round()", "round(1, 2, 3)", "round(1,)", "round(0.5+1)", "round(2**53+0.5)"])
    for f in ["floor", "ceil", "trunc"]:
        for x in ["2.5", "-2.5", "2.0", "-0.0", "0.5", "-0.5", "1e300", "-1e300", "1e16",
                  "1.7976931348623157e308", "inf", "-inf", "nan", "7", "-7", "10**300",
                  "-10**4299", "5e-324", "-5e-324", "4503599627370495.5", "2**53+1.0", ""]:
            c.append(f"{f}({x})")
        c.append(f"{f}(1, 2)")
    for n in list(range(0, 31)) + [50, 100, 170, 171, 500, 1000, 1500, 1700, 1800, 2000,
                                    2001, 10**6, "10**20", "2**63", "2**64"]:
        c.append(f"factorial({n})")
    add(["factorial(-1)", "factorial(-10**20)", "factorial(2.5)", "factorial(5.0)",
         "factorial(-1.0)", "factorial(inf)", "factorial(nan)", "factorial()",
         "factorial(1, 2)", "factorial(1e300)", "factorial(True)", "factorial(3)*1.0",
         "factorial(20)+1", "factorial(21)-1", "factorial(1000)//factorial(998)"])
    add(["gcd()", "gcd(0)", "gcd(5)", "gcd(-5)", "gcd(0, 0)", "gcd(12, 18)", "gcd(-12, 18)",
         "gcd(12, -18)", "gcd(-12, -18)", "gcd(0, -7)", "gcd(12, 18, 8)", "gcd(12, 18, 9, 6)",
         "gcd(2**64, 2**32*3)", "gcd(10**300, 10**299*7)", "gcd(1.0, 2)", "gcd(1, 2.0)",
         "gcd(2.5)", "gcd(inf)", "gcd(0, 0, 0)", "gcd(-2**63, 0)", "gcd(17)", "gcd(1, 1)"])
    add(["hypot()", "hypot(3)", "hypot(-3)", "hypot(3, 4)", "hypot(3, 4, 12)",
         "hypot(1, 2, 2, 4)", "hypot(-0.0)", "hypot(inf, nan)", "hypot(nan, inf)",
         "hypot(nan, 1)", "hypot(1e308, 1e308)", "hypot(1.5e308, 1.5e308)", "hypot(5e-324, 5e-324)",
         "hypot(10**400)", "hypot(2**53+1)", "hypot(3, 4.0)", "hypot(-inf)", "hypot(1e200, 1e200)",
         "hypot(1, 1)", "hypot(0.1, 0.2, 0.3)"])
    unary_math = ["sqrt", "exp", "log", "log2", "log10", "sin", "cos", "tan", "asin", "acos",
                  "atan", "sinh", "cosh", "tanh", "degrees", "radians"]
    args = ["0", "1", "-1", "2", "0.5", "-0.5", "0.0", "-0.0", "inf", "-inf", "nan", "10",
            "100", "1000", "-1000", "710", "1e300", "5e-324", "pi", "pi/2", "pi/4", "e",
            "10**400", "2**1000", "2**53+1", "-2", "1e-10", "3.0"]
    for f in unary_math:
        for a in args:
            c.append(f"{f}({a})")
        c.append(f"{f}()")
        c.append(f"{f}(1, 2)")
    add(["sqrt(-1)", "log(0)", "log(-1)", "acos(2)", "asin(-2)", "exp(1000)", "cosh(1000)",
         "sinh(-1000)", "exp(709)", "exp(709.79)", "exp(709.78)", "exp(-745)", "exp(-746)",
         "exp(-inf)", "log(10**400)", "log(-10**400)", "log2(2**1000)", "log10(10**300)",
         "log10(10**4299)", "log2(2**10000)", "log(2**1000, 2)", "log(10**400, 10)",
         "log(8, 2)", "log(100, 10)", "log(1, 1)", "log(2, 1)", "log(1, 2)", "log(0, 10)",
         "log(10, 0)", "log(10, -1)", "log(10, 0.5)", "log(0.5, 0.5)", "log(inf, 2)",
         "log(2, inf)", "log(nan, 2)", "log(e)", "log(e, e)", "log(1, 2, 3)", "log()",
         "log(10**400, 10**300)", "log(5e-324)", "log10(5e-324)", "log2(5e-324)",
         "log10(1000)", "log10(0.001)", "log2(0)", "log10(-1)", "log2(-inf)", "log10(inf)",
         "sqrt(2**1023)", "sqrt(10**308)", "sqrt(10**309)", "sqrt(4)", "sqrt(2)",
         "sqrt(1e-320)", "sin(inf)", "cos(-inf)", "tan(inf)", "tan(pi/2)", "sin(pi)",
         "cos(pi)", "sin(1e22)", "cos(1e22)", "tan(1e22)", "atan(inf)", "atan(-inf)",
         "tanh(inf)", "tanh(-1000)", "sinh(inf)", "cosh(-inf)", "sinh(-0.0)", "tanh(-0.0)",
         "asin(1)", "acos(-1)", "acos(1)", "asin(1.0000000000000002)", "degrees(pi)",
         "radians(180)", "degrees(1e308)", "radians(1e308)", "degrees(10**400)",
         "radians(-0.0)", "degrees(2*pi)", "radians(360)"])
    for a, b in [("1", "1"), ("1", "-1"), ("-1", "1"), ("-1", "-1"), ("0", "0"), ("0.0", "-0.0"),
                 ("-0.0", "-0.0"), ("-0.0", "0.0"), ("0", "-1"), ("inf", "inf"), ("-inf", "inf"),
                 ("inf", "-inf"), ("nan", "1"), ("1", "nan"), ("1", "0"), ("-1", "0"),
                 ("1e308", "1e-308"), ("10**400", "1"), ("3", "4")]:
        c.append(f"atan2({a}, {b})")
    add(["atan2(1)", "atan2()", "atan2(1, 2, 3)"])
    add(["min(1)", "max()", "min()", "max(1)", "min(1.5)", "min(1, 2)", "max(1, 2)",
         "min(2, 1.0)", "min(1, 1.0)", "min(1.0, 1)", "max(1, 1.0)", "max(1.0, 1)",
         "min(nan, 1)", "min(1, nan)", "max(nan, 1)", "max(1, nan)", "min(1, nan, 0)",
         "max(1, nan, 2)", "min(nan, nan)", "max(nan, -inf)", "min(-0.0, 0.0)",
         "min(0.0, -0.0)", "max(-0.0, 0.0)", "max(0.0, -0.0)", "min(0, -0.0)", "max(0, -0.0)",
         "min(2**53+1, 2.0**53)", "max(2**53+1, 2.0**53)", "min(2**53, 2.0**53)",
         "max(2.0**53, 2**53)", "max(10**400, inf)", "min(10**400, inf)", "max(10**400, 1e308)",
         "min(-10**400, -inf)", "max(-10**400, -1e308)", "max(1, 2, 3, 4, 5)", "min(5, 4, 3, 2, 1)",
         "max(-1, -2.5, -0.5)", "min(3, 2, 2.0)", "max(2.0, 3, 3.0)", "min(inf, nan)",
         "max(-inf, inf)", "min(1/0, 2)", "max(sqrt(-1), 2)", "min(x, 1)", "max(1, 2, y)"])
    add(["sqrt(1, 2)", "sqrt()", "exp(1, 2)", "sin()", "floor()", "hypot(1, x)",
         "factorial(5)/factorial(3)", "sqrt(factorial(20))", "floor(2.5)+ceil(2.5)",
         "trunc(-2.5)*2", "sqrt(sqrt(16))", "max(min(1, 2), min(3, 4))", "abs(min(-1, -2))",
         "round(pi, 2)", "round(e, 5)", "round(tau, -1)", "round(1/3, 10)",
         "log(exp(2))", "exp(log(2))", "sin(pi/6)", "cos(pi/3)", "atan2(1, 1)*4",
         "gcd(factorial(10), 2**20)", "hypot(*1)", "round(2.5, ndigits=1)"])
    return c


def paren(s):
    return f"({s})" if s.startswith("-") else s

# --------------------------------------------------------------------------------------
# Hand-written cases for the whole language, one function per construct
# --------------------------------------------------------------------------------------

# Operands of every type, for the operator grids.
GRID_VALUES = ["0", "5", "-3", "True", "2.5", "-0.0", "nan", "1j", "(1-2j)", "None", "(1, 2)",
               "[3]", "range(3)", "10**20"]
ARITHMETIC_OPERATORS = ["+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^"]
COMPARISON_OPERATORS = ["<", "<=", ">", ">=", "==", "!=", "in", "not in"]


def hand_values():
    """Every kind of value and its repr."""
    return [
        "None", "True", "False", "()", "(1,)", "(1, 2)", "(3, 2)", "[]", "[1]", "[1, 2, 3]",
        "[1, 2,]", "(1, 2,)", "((),)", "[[]]", "[(1, 2), [3, (4,)]]", "((1,),)",
        "(True, None, 1.5, 1j)", "[None]", "[-0.0, 0.0]", "[nan, inf, -inf]", "(1e16, 1e-7)",
        "[[1, 2], [3, 4]]", "(((((1,),),),),)", "[1, [2, [3, [4, [5]]]]]", "(None,)",
        "range(3)", "range(0)", "range(-5)", "range(1, 10, 2)", "range(10, 0, -3)",
        "range(0, 10, 1)", "range(10**20)", "range(-10**20, 10**20, 10**19)", "range(5, 5)",
        "range(True)", "range(1, 2, 0)", "range(1.0)", "range(1, 2.5)", "range()",
        "range(1, 2, 3, 4)", "range(None)", "[range(3), range(0)]", "(range(2),)",
        "hex(255)", "hex(-255)", "hex(0)", "hex(True)", "bin(5)", "bin(-5)", "bin(0)",
        "oct(8)", "oct(-8)", "oct(0)", "hex(2**64)", "bin(2**70)", "oct(10**30)",
        "hex(2.5)", "hex(None)", "hex(1j)", "bin(1.0)", "oct([1])", "hex()", "hex(1, 2)",
        "(hex(255), bin(5))", "[oct(8), hex(16)]", "hex(1) if 1 else 0", "0 or hex(0)",
        "1 and bin(1)", "[hex(i) for i in range(4)]", "(hex(-1), -1)", "hex(10**5000)",
        "bin(2**5000)", "oct(10**4400)", "hex(-(2**100))", "bin(-1)", "hex(0x_ff)",
        "-1", "+1", "-(-1)", "2**100", "-2**100", "1.0", "-1.0", "1e16", "1e-5", "123.456",
        "1_000_000", "0.1", "1e22", "1e23", "5e-324", "1.7976931348623157e308",
        "0b1111", "0o777", "0xdead_beef", "1.", ".5", "1e0", "0e0", "1E5",
    ]


def hand_complex():
    """Complex numbers: reprs with signed zeros, nan and inf, and their arithmetic."""
    return [
        "1j", "-1j", "0j", "-0j", "(-0-0j)", "0-0j", "-0+0j", "-(0j)", "+(-0j)", "1j*1j",
        "-1j*-1j", "1j**2", "complex(0.0, -0.0)", "complex(-0.0, 0.0)", "complex(-0.0, -0.0)",
        "complex(0.0, 0.0)", "complex()", "complex(1)", "complex(1, 2)", "complex(1.5, -2.5)",
        "complex(nan, inf)", "complex(inf, nan)", "complex(nan, nan)", "complex(-inf, -inf)",
        "complex(nan, 0)", "complex(0, nan)", "complex(inf, 0)", "complex(0, -inf)",
        "(nan+infj)", "nan+inf*1j", "1e16+0j", "(1e+16+0j)", "complex(1e16, 0)", "1e16+1j",
        "1e16j", "1e22j", "1e-7j", "1e-7+1e-7j", "123456789.123j", "1.5j", "2.5+0.5j",
        "complex(True, False)", "complex(False, True)", "complex(1j)", "complex(1j, 1j)",
        "complex(1+2j, 3+4j)", "complex(real=1, imag=2)", "complex(imag=3)", "complex(None)",
        "complex(1, None)", "complex([1])", "complex(10**400)", "complex(1, 10**400)",
        "complex(1, 2, 3)", "(1+2j)+(3-4j)", "(1+2j)-(1+2j)", "(1+2j)*(3-4j)", "(1+2j)/(3-4j)",
        "(1+2j)/0", "(1+2j)/0j", "1/(0j)", "1j/1e-320", "(1+2j)**2", "(1+2j)**0.5",
        "(1+2j)**-1", "(1+2j)**(1+1j)", "2**1j", "2 ** 0.5j", "1j**1j", "0j**0", "0j**0j",
        "0j**1", "0j**-1", "0j**(1+1j)", "0**1j", "0.0**1j", "(-1)**0.5", "(-8)**(1/3)",
        "(-1)**(1/2)", "(-2.0)**1.5", "(-1)**0.25", "(1+1j)**100", "(1+1j)**1000",
        "(1+1j)**10000", "(1+1j)**-10000", "(1e200+1e200j)**2", "(1e200j)*(1e200j)",
        "1e308j*10", "(1+2j)//1", "(1+2j)%2", "divmod(1j, 1)", "abs(3+4j)", "abs(-0j)",
        "abs(complex(inf, nan))", "abs(complex(nan, inf))", "abs(1e308+1e308j)",
        "(3+4j).real", "(3+4j).imag", "(3+4j).conjugate()", "(-0j).conjugate()",
        "1j.imag", "1j.real", "(1j).conjugate()", "1j == 1j", "1j != 1j", "1+0j == 1",
        "1j < 2j", "1j > 0", "1j <= 1j", "0j == 0.0", "0j == -0.0", "complex(nan, 0) == nan",
        "1j in [1j]", "1j in (0, 1j)", "bool(0j)", "bool(-0j)", "bool(1j)", "not 0j",
        "round(1j)", "int(1j)", "float(1j)", "1j & 1", "1j << 1", "~1j", "-(1+2j)", "+(1+2j)",
        "-(-0.0-0j)", "sqrt(1j)", "exp(1j)", "isnan(1j)", "math.fabs(1j)", "hex(1j)",
        "sum([1j, 2j, 3])", "sum([1j], 1)", "sum([0.5, 1j])", "max(1j, 2j)", "min([1j])",
        "sorted([1j, 2j])", "pow(1j, 2)", "pow(1j, 2, 3)", "pow(2, 1j)", "1j ** 2 ** 2",
        "(2+3j) * True", "(2+3j) + None", "[1j] * 2", "(1j,) + (2j,)", "complex(1, 2) * 0",
        "complex(inf, 0) * 0", "complex(0, inf) * 1j", "complex(1, 1) / complex(inf, inf)",
        "1j ** 1e300", "(0.5+0.5j) ** 1e300", "(1+1j) ** 0.5 ** 2", "1e-320j / 1e10",
    ]


def hand_bool_and_none():
    """Booleans are ints in arithmetic; None is a value that supports nothing."""
    return [
        "True + True", "True - False", "True * 3", "True / 2", "True // 2", "True % 2",
        "True ** 2", "2 ** True", "True & False", "True | False", "True ^ True", "True & 3",
        "~True", "~False", "-True", "+True", "-False", "not True", "not False", "True << 2",
        "True >> 1", "True + 0.5", "True * 1j", "True == 1", "True == 1.0", "True is 1",
        "True < 2", "False < True", "True > False > -1", "sum([True, True, False])",
        "max(True, 1)", "max(1, True)", "min(False, 0)", "sorted([True, 0, False, 1])",
        "abs(True)", "abs(-True)", "round(True)", "round(True, 2)", "int(True)",
        "float(False)", "complex(True)", "bool(True)", "bool(0)", "bool(0.0)", "bool(-0.0)",
        "bool(nan)", "bool(None)", "bool(())", "bool([0])", "bool(range(0))", "bool(range(1))",
        "bool()", "bool(1, 2)", "bool(x=1)", "hex(True)", "divmod(True, 2)", "pow(True, 10)",
        "(1, 2)[True]", "[1, 2][False]", "range(True)", "True.real", "True.imag",
        "True.numerator", "True.denominator", "True.conjugate()", "True.bit_length()",
        "True.bit_count()", "True.as_integer_ratio()", "False.as_integer_ratio()",
        "True in [1]", "1 in [True]", "True in range(2)", "[True] * 2", "(True,) * True",
        "[1] * False", "factorial(True)", "comb(True, True)", "gcd(True, 2)", "isqrt(True)",
        "True / False", "True // False", "True % False", "1 / False", "False ** -1",
        "True ** -1", "None", "None == None", "None != 0", "None == 0", "None < 1",
        "None > None", "None + 1", "-None", "~None", "not None", "None or 1", "None and 1",
        "1 and None", "[None] * 2", "(None,) == (None,)", "None in [None]", "None in [0]",
        "abs(None)", "int(None)", "float(None)", "round(None)", "len(None)", "sum(None)",
        "max(None, 1)", "min([None])", "sorted([None, None])", "sorted([None, 1])",
        "bool(None) + 1", "None if None else 0", "hex(None)", "range(None)", "1 < None",
        "None ** 0", "pow(None, 0)", "divmod(None, 1)", "None[0]", "None()", "None.real",
    ]


def hand_operator_grid():
    """Every binary operator on every pair of kinds of value: results, and CPython's exact
    TypeError messages ("unsupported operand type(s) for +: 'int' and 'NoneType'")."""
    rows = []
    for op in ARITHMETIC_OPERATORS + COMPARISON_OPERATORS:
        for a in GRID_VALUES:
            for b in GRID_VALUES:
                rows.append(f"{a} {op} {b}")
    for op in ("and", "or"):
        for a in ["0", "5", "0.0", "nan", "0j", "None", "()", "[3]"]:
            for b in ["0", "2.5", "None", "(1, 2)", "1/0"]:
                rows.append(f"{a} {op} {b}")
    return rows


def hand_unary():
    values = GRID_VALUES + ["1.5", "-1", "2**100", "-(2**100)", "inf", "False", "-0", "[]"]
    return [f"{op}{v}" for op in ("-", "+", "~", "not ") for v in values] + [
        "--1", "-+-1", "~~5", "~-5", "-~5", "not not 1", "not -1", "- - -2.5", "~~~0",
        "not 0 == 1", "not (0 == 1)", "-2**2", "~2**2", "(-2)**2", "(~2)**2", "- 2 ** -2",
        "not 1 + 1", "-(1 < 2)", "~(1 < 2)", "+(1 < 2)", "- not 1",
    ]


def hand_precedence():
    """Python's precedence table, from the conditional expression down to **."""
    return [
        "1 if 1 else 2", "1 if 0 else 2", "1 if 0 else 2 if 0 else 3", "(1 if 0 else 2) + 1",
        "1 + (2 if 0 else 3)", "1 + 2 if 0 else 3", "0 or 1 if 0 else 2", "0 or (1 if 0 else 2)",
        "1 if 0 or 1 else 2", "1 if not 0 else 2", "[1 if x else 0 for x in range(3)]",
        "not 1 or 0 and 1", "not (1 or 0) and 1", "0 and 1 or 2", "0 and (1 or 2)",
        "1 or 0 and 0", "(1 or 0) and 0", "not 1 == 2", "not 1 < 2 < 3", "1 < 2 == 2",
        "1 == 1 in [True]", "1 in [1] == True", "(1 in [1]) == True", "1 | 2 < 3",
        "1 | 2 ^ 3 & 4", "(1 | 2) ^ 3 & 4", "1 | (2 ^ 3) & 4", "6 & 3 << 1", "(6 & 3) << 1",
        "1 << 2 + 1", "(1 << 2) + 1", "1 + 2 * 3", "(1 + 2) * 3", "2 * 3 ** 2", "(2 * 3) ** 2",
        "-2 ** 2", "2 ** -2", "-2 ** -2", "2 ** 3 ** 2", "(2 ** 3) ** 2", "~1 + 1", "~(1 + 1)",
        "- 1 * 2", "-1 ** 0.5", "(-1) ** 0.5", "1 - 2 - 3", "1 - (2 - 3)", "64 // 4 // 2",
        "64 // (4 // 2)", "7 % 4 % 2", "2 * 3 % 4", "2 * (3 % 4)", "1 + 2 & 3", "1 + (2 & 3)",
        "5 ^ 3 | 1", "5 ^ (3 | 1)", "8 >> 1 << 2", "8 >> (1 << 2)", "1 < 2 and 2 < 3",
        "1 < 2 or 1/0", "(1, 2) + (3,) * 2", "((1, 2) + (3,)) * 2", "[1] * 2 + [3]",
        "-[1][0]", "-(2).real", "-2 .real", "2 ** -1 .real", "not [] == []", "not ([] == [])",
        "1 if 1 else 1/0", "1/0 if 0 else 2", "1 < 2 if 1 else 3", "(1, 2)[0] + 1",
        "1 ^ 1 == 0", "(1 ^ 1) == 0", "2 ^ 3 ** 2", "(2 ^ 3) ** 2", "2 ** 3 ^ 2", "~5 ^ 5",
        "not 0 + 1", "1 + 1 if 1 else 0", "1 & 1 if 1 & 1 else 0", "1 - -1", "1 - - - 1",
    ]


def hand_comparisons():
    """Chained comparisons (each middle operand evaluated once), mixed types, sequences."""
    return [
        "1 < 2 < 3", "1 < 3 < 2", "3 > 2 > 1", "1 < 2 > 1", "1 == 1.0 == True", "1 != 2 != 1",
        "1 < 2 < 3 < 4 < 5", "1 < 2 < 3 < 2 < 5", "0 <= 0.0 <= -0.0", "1 <= 1 < 2 <= 2",
        "nan < 1 < 2", "1 < 2 < nan", "nan == nan", "nan != nan", "nan <= nan", "inf == inf",
        "-inf < -10**400", "inf > 10**400", "10**400 < inf", "10**400 == 1e308",
        "10**400 > 1e308", "2**53 + 1 == 2.0**53", "2**53 + 1 > 2.0**53", "2**53 == 2.0**53",
        "2**1024 > 1e308", "-2**1024 < -1e308", "0.1 + 0.2 == 0.3", "1e16 + 1 == 1e16",
        "-0.0 == 0.0", "-0.0 < 0.0", "1 < 1j", "1j == 1", "1 == 1 + 0j", "None < 1",
        "None == None == None", "0 < 1 < 1/0", "1 < 0 < 1/0", "0 > 1 == 1/0", "1 < 2 < 1/0",
        "1 in [1] in [[1]]", "1 in [1] in [[2]]", "1 not in [2] not in [[3]]",
        "(1, 2) < (1, 3) < (2,)", "(1, 2) < (1, 2, 0)", "() < (1,)", "[] < [0]", "[1] < [1, 0]",
        "[1, 2] == [1, 2]", "[1, 2] == (1, 2)", "[1] < (1,)", "(1,) == (1.0,)", "(1, 2) != (1, 2)",
        "[1, 2] <= [1, 2]", "[1, 2] > [1, 1, 9]", "(1, nan) < (1, 2)", "[2, 1] < [2, None]",
        "[1, None] < [1, 2]", "[None] == [None]", "[1j] == [1j]", "[1j] < [2j]",
        "[[1, 2], [3]] < [[1, 2], [4]]", "((1, 2), 3) == ((1, 2), 3)", "[(1,)] < [(1, 0)]",
        "range(3) == range(0, 3)", "range(0) == range(2, 2)", "range(0, 3, 2) == range(0, 4, 2)",
        "range(3) == [0, 1, 2]", "range(3) < range(4)", "range(3) != range(3)", "range(1) == (0,)",
        "list(range(3)) == [0, 1, 2]", "1 in range(3)", "3 in range(3)", "-1 in range(3)",
        "2.0 in range(3)", "2.5 in range(3)", "True in range(3)", "None in range(3)",
        "1j in range(3)", "10**20 in range(10**21)", "10**20 in range(0, 10**21, 7)",
        "5 in range(10, 0, -1)", "0 in range(10, 0, -1)", "(1, 2) in [(1, 2)]", "[1] in [[1]]",
        "1 in (1,)", "1 in ()", "1 not in []", "1.0 in [1]", "nan in [nan]", "nan in [0.0]",
        "0 in [-0.0]", "0j in [0]", "[] in [[]]", "1 in 1", "1 in None", "1 in 2.5",
        "1 not in 1j", "(1,) in (1,)", "3 in [1, 2] + [3]", "1 < 2 == 2 > 1 != 0",
        "1 == 1 == 1.0 == 1 + 0j", "(1 < 2) < 3", "1 < (2 < 3)", "(1 < 2) + (2 < 3)",
        "[1 < 2, 2 < 1]", "1 < 2 == True", "0 == False == 0.0 == -0.0 == 0j",
        "10**100 < 10**100 + 1 < 10**100 + 2", "1e308 * 10 == inf", "-0.0 in [0.0]",
    ]


def hand_short_circuits():
    """and/or return a deciding operand; conditionals evaluate one side only."""
    return [
        "0 and 1/0", "1 or 1/0", "1 if 1 else 1/0", "1/0 if 0 else 1", "0 if 0 else 1",
        "0 or 5", "5 or 0", "0 and 5", "5 and 0", "[] or 0", "0 or []", "() and 1/0",
        "None or 5", "0 or None", "False or 0.0", "0.0 or False", "1 and 2 and 3",
        "1 and 0 and 1/0", "0 or 0 or 0", "0 or 0.0 or 0j or None", "0 or 1 or 1/0",
        "1 and [] and 1/0", "nan and 1", "nan or 1", "-0.0 or 1", "0j or 1", "range(0) or 1",
        "range(1) or 1/0", "[0] and 7", "(0,) or 1/0", "min(1, 2) if 0 else 1/0",
        "any(1/x for x in [1, 0])", "all(1/x for x in [0, 1])", "all(1/x for x in [1, 0])",
        "any(x > 1 for x in [3, 1/0])", "any([])", "all([])", "any(())", "all(range(0))",
        "1/0 or 1", "1/0 and 0", "(0 and 1/0) + 1", "(1 or 1/0) * 2", "not (0 and 1/0)",
        "[0 and 1/0, 1 or 1/0]", "1 if 0 else 2 if 0 else 1/0", "(1 if 1 else 1/0, 2)",
        "0 < 1 or 1/0", "1 < 0 and 1/0", "sqrt(-1) if 0 else 0", "0 if 1 else sqrt(-1)",
        "x if 0 else 1", "1 if 1 else x", "0 and x", "1 or x", "x and 0", "x or 1",
        "1 if x else 0", "0 and [][0]", "1 or [][0]", "0 and (1).__class__",
        "[x for x in range(3) if x and 1/x]", "sum(1/x for x in range(3) if x)",
    ]


def hand_bitwise():
    """Bitwise operators and shifts on ints and bools, including negative counts."""
    return [
        "1 << 10", "1 << 0", "1 << 64", "1 << 100", "-1 << 3", "5 << 1", "0 << 100",
        "0 << 10**20", "1 << -1", "1 >> -1", "0 << -1", "0 >> -1", "-1 >> 1", "-1 >> 100",
        "1 >> 100", "-1 >> 10**20", "1 >> 10**20", "2**100 >> 99", "-(2**100) >> 99",
        "-7 >> 1", "7 >> 1", "1 << True", "True << True", "1.0 << 1", "1 << 1.0", "1 >> 1j",
        "None << 1", "[1] << 1", "5 & 3", "5 | 3", "5 ^ 3", "-5 & 3", "-5 | 3", "-5 ^ 3",
        "-5 & -3", "-5 | -3", "-5 ^ -3", "~5", "~-5", "~0", "~(2**64)", "2**64 & (2**64 - 1)",
        "2**64 | 1", "2**64 ^ 2**64", "-(2**64) & 2**63", "(2**100 - 1) & -(2**50)",
        "0xff & 0x0f", "0b1010 | 0b0101", "0o777 ^ 0o111", "1 & 1.0", "1.0 | 1", "2.5 ^ 1",
        "1 & None", "1 | [1]", "(1, 2) & 1", "True & True", "True | 0", "False ^ False",
        "True ^ 2", "1 ^ 1 ^ 1", "7 & 3 | 8", "1 | 2 | 4 | 8", "255 >> 4 & 1",
        "1 << 31", "1 << 63", "1 << 64 >> 64", "2**63 >> 63", "-(2**63) >> 63",
        "12345678901234567890 & 0xffff", "(1 << 1000) >> 999", "3 << 2 ** 3",
        "(3 << 2) ** 3", "1 << 10 >> 5 << 2", "int(1e20) >> 3", "-1 & 0xff", "~0xff & 0xff",
        "(10**30).bit_length()", "(-10**30).bit_count()", "(0).bit_length()",
    ]


def hand_sequences():
    """Tuples and lists: concatenation, repetition, len, in, sum, min, max, comparisons."""
    return [
        "(1, 2) + (3,)", "[1, 2] + [3]", "(1, 2) + [3]", "[1] + (2,)", "() + ()", "[] + []",
        "(1,) * 3", "[1, 2] * 2", "3 * [0]", "2 * (1, 2)", "[1] * 0", "[1] * -1", "(1,) * -5",
        "[1] * True", "[1] * 2.0", "[1] * 1j", "[1] * None", "[1] * [2]", "(1,) * (2,)",
        "[1] * 10**20", "[] * 10**20", "() * 10**30", "[1] * -10**20", "[1] - [1]", "[1] / 2",
        "-[1]", "~(1,)", "range(3) + range(3)", "range(3) * 2", "[1, 2] + range(2)",
        "len([])", "len(())", "len([1, 2, 3])", "len((1,))", "len(range(10))",
        "len(range(10**20))", "len(range(0, 10**18, 3))", "len(range(5, 0))", "len(5)",
        "len(None)", "len(1.5)", "len()", "len([1], [2])", "len([[1, 2], [3]])",
        "len([1] * 100)", "len((1, 2) * 50)", "sum([1, 2, 3])", "sum((1.5, 2.5))", "sum([])",
        "sum(())", "sum([[1], [2]], [])", "sum([(1,), (2,)], ())", "sum([[1]], ())",
        "sum([1, 2], 10)", "sum([1, 2], start=10)", "sum([0.1] * 10)", "sum([1e100, 1, -1e100])",
        "sum([1, 2.5, 1j])", "sum([1, None])", "sum(1)", "sum([1], 2, 3)", "sum(range(101))",
        "sum(range(10**3))", "max([1, 3, 2])", "min((4, 2, 8))", "max(range(10))",
        "min(range(5, 0, -1))", "max([[1, 2], [1, 3]])", "min([(2, 1), (1, 9)])",
        "max([1, 2.5, True])", "max([nan, 1])", "max([1, nan])", "min([0.0, -0.0])",
        "min([-0.0, 0.0])", "max((1,), (1, 0))", "min([1], [0])", "max([1], (2,))",
        "sorted((3, 1, 2))", "sorted([3, 1, 2], reverse=True)", "sorted([1, 1.0, True])",
        "sorted([True, 1, 1.0])", "sorted([2.5, 1, -0.0, 0])", "sorted([[2], [1, 5], []])",
        "sorted([nan, 1, 0])", "sorted([1, nan, 0])", "sorted([1, 1j])", "sorted([1, None])",
        "sorted(range(5), reverse=1)", "sorted(range(5), reverse=0.0)", "sorted(5)",
        "sorted([3, 1], reverse=None)", "sorted([3, 1], True)", "sorted()", "sorted([], reverse=True)",
        "list((1, 2))", "list(range(4))", "list()", "list([])", "list([[1]])", "list(5)",
        "tuple([1, 2])", "tuple(range(3))", "tuple()", "tuple(())", "tuple(None)",
        "list(range(10, 0, -2))", "tuple(x for x in [])", "list(x * 2 for x in (1, 2))",
        "all([1, 2])", "all([1, 0])", "any([0, 0.0, 0j])", "any([0, None, []])", "all(5)",
        "any(range(0))", "all(range(1, 10))", "all([[]])", "any([[0]])", "all([nan])",
        "[1, 2][0] + (3, 4)[1]", "[1, 2] == [1, 2.0]", "[(1, 2), (3, 4)][1][0]",
        "len([1, 2] + [3] * 4)", "[0] * 3 + [1] * 2", "[[0] * 2] * 2", "([1] * 2) * 2",
        "(1, [2, 3])", "[(), [], (())]", "(1, 2) * 0 == ()", "sum([[1, 2], [3]], [0])",
        "max([], default=0)", "min((), default=None)", "max(range(0), default=-1)",
        "max([1, 2], default=0)", "min([], default=[])", "min([])", "max(())", "min(range(0))",
        "max(x for x in [])", "min(1, 2, default=0)", "max(default=1)", "max()", "min()",
        "max(1)", "min(5)", "max(1, 2)", "min(2, 1.0)", "max(1, 1.0)", "max(1.0, 1)",
        "min(3, 2, 2.0)", "max(-0.0, 0.0)", "max(0.0, -0.0)", "max(nan, 1)", "max(1, nan)",
        "min(1, 2, key=None)", "max([1, 2], key=None)", "max([1, 2], foo=1)",
    ]


def hand_subscripts():
    """Indexing and slicing of lists, tuples and ranges: a grid of starts, stops and steps,
    plus errors."""
    rows = []
    bounds = ["", "-7", "-1", "0", "2", "7"]
    steps = ["", "1", "2", "-1", "-2", "0"]
    for seq in ["[0, 1, 2, 3, 4]", "(0, 1, 2, 3, 4)", "range(5)"]:
        for i in ["0", "4", "-1", "-5", "5", "-6", "True", "10**20", "-10**20", "1.0", "None"]:
            rows.append(f"{seq}[{i}]")
        for lo in bounds:
            for hi in bounds:
                for st in steps:
                    rows.append(f"{seq}[{lo}:{hi}:{st}]" if st else f"{seq}[{lo}:{hi}]")
    rows += [
        "[][0]", "()[0]", "range(0)[0]", "[][:]", "[][::-1]", "[1, 2, 3][::-1]",
        "(1, 2, 3)[::-1]", "range(10)[::-3]", "range(10)[2:8:2]", "range(10)[-2:]",
        "range(1, 10**20, 3)[5:10]", "range(10**20)[10**19]", "range(10**20)[::-1][0]",
        "range(10**20)[-1]", "range(10**20)[10**20]", "range(10**20)[::10**19]",
        "range(0, 100, 7)[3]", "range(100, 0, -7)[-1]", "range(5)[1:4][1:]", "range(5)[::2][::-1]",
        "[1, 2, 3][10**20:]", "[1, 2, 3][:10**20]", "[1, 2, 3][::10**20]", "[1, 2, 3][-10**20:]",
        "[1, 2, 3][None:None:None]", "[1, 2, 3][1:None]", "[1, 2, 3][True:]",
        "[1, 2, 3][1.5:]", "[1, 2, 3][:1j]", "[1, 2, 3][::0.5]", "(1, 2)[1.5:]", "[1, 2][[0]]",
        "[1, 2][0, 1]", "(1, 2)[()]", "[1, 2, 3][0:1, 2]", "range(3)[1.0]", "range(3)[None]",
        "5[0]", "5.5[0]", "None[0]", "1j[0]", "(1,)[0][0]", "[[1, 2], [3, 4]][1][0]",
        "[[1, 2], [3, 4]][-1][-1]", "[(1, 2)][0][1:]", "[1, 2, 3][-1:-4:-1]", "[1, 2, 3][5:1:-1]",
        "divmod(17, 5)[0]", "divmod(17, 5)[1]", "divmod(17, 5)[2]", "(1.5).as_integer_ratio()[1]",
        "frexp(8.0)[1]", "modf(2.5)[0]", "sorted([3, 1, 2])[0]", "[x * x for x in range(5)][2:]",
        "list(range(10))[::3]", "tuple(range(10))[7:2:-2]", "[1, 2, 3][len([1, 2, 3]) - 1]",
        "[1, 2, 3][-0]", "[1, 2, 3][~0]", "[1, 2, 3][~1]", "(1, 2, 3)[1 if 1 else 0]",
        "[1, 2, 3][1:][1:][0]", "range(10)[3:][::-1][0]", "[0] * 3 == [0, 0, 0][:]",
    ]
    return rows


def number_attribute_rows():
    rows = []
    subjects = ["(5)", "5 .real", "(-5)", "True", "False", "(2.5)", "2.5", "(-0.0)", "1e300",
                "(nan)", "(inf)", "(3+4j)", "1j", "None", "(10**30)", "[1]", "(1, 2)",
                "range(3)", "pi", "math.e", "(2**100)", "(0.1)", "(-1.5)", "0x10", "(0)"]
    for s in subjects:
        base = s if s.endswith(")") or "." in s or s in ("True", "False", "None", "pi", "1j") \
            else f"({s})"
        if s == "5 .real":
            rows += ["5 .real", "5 .imag", "5 .numerator", "5 .bit_length()"]
            continue
        for attr in NUMBER_DATA_ATTRIBUTES:
            rows.append(f"{base}.{attr}")
        for method in NUMBER_METHODS:
            rows.append(f"{base}.{method}()")
    return rows


def hand_attributes():
    """The numeric attributes on every kind of value, math.NAME, and the escapes that must
    be refused (CPython answers them with objects that are not numbers)."""
    return number_attribute_rows() + [
        "1.5.real", "1..real", "1.real", "1 .real", "1e5.imag", "0x10.real", "0b1.imag",
        "(5).bit_length(1)", "(2.5).is_integer(1)", "(1).conjugate(2)", "(1).real()",
        "(2.5).as_integer_ratio(0)", "(7).numerator.denominator", "(2.5).real.imag",
        "(1+2j).conjugate().imag", "(0.1).as_integer_ratio()", "(-0.0).as_integer_ratio()",
        "(inf).as_integer_ratio()", "(nan).as_integer_ratio()", "(1e300).as_integer_ratio()",
        "(5e-324).as_integer_ratio()", "(2**64).as_integer_ratio()", "(-7).as_integer_ratio()",
        "(3.0).is_integer()", "(-0.0).is_integer()", "(inf).is_integer()", "(nan).is_integer()",
        "(1e300).is_integer()", "(-1).bit_length()", "(-255).bit_count()", "(2**64-1).bit_count()",
        "(1).numerator + (2).denominator", "sum(x.real for x in [1j, 2, 3.5])",
        "[x.imag for x in (1, 1j, 2.5)]", "(1).real.real.real", "math.pi", "math.e", "math.tau",
        "math.inf", "math.nan", "-math.inf", "math.pi * 2 == math.tau", "math.sqrt(2)",
        "math.pow(2, 10)", "pow(2, 10)", "math.pow(2, 0.5)", "math.pow(-8, 1/3)", "pow(-8, 1/3)",
        "math.pow(0, -1)", "pow(0, -1)", "math.pow(2, 3, 5)", "pow(2, 3, 5)", "math.floor(2.5)",
        "math.isqrt(99)", "math.factorial(5)", "math.gcd(12, 18)", "math.pi.real",
        "math.pi.is_integer()", "math.foo", "math.sumprod([1], [2])", "math.fma(1, 2, 3)",
        "math.e ** 2", "(math.pi, math.e)", "[math.inf]", "math.PI",
        # escapes: every one of these must be refused
        "(1).__class__", "().__class__.__bases__", "().__class__.__bases__[0].__subclasses__()",
        "x.mro", "(1).mro", "int.mro()", "(1).__add__(2)", "(1).conjugate", "math.__dict__",
        "math.__loader__", "math.__name__", "math.sqrt.__self__", "sqrt.__name__",
        "abs.__call__(-1)", "(1).__class__(5)", "[].__class__", "range(3).__iter__()",
        "(1.5).hex()", "(1).to_bytes(2)", "(2.5).fromhex", "max.__doc__", "pi.__class__.__mro__",
        "(1).__sizeof__()", "__builtins__", "__import__", "__import__(1)", "().__reduce__",
        "(1).__class__.__bases__[0]", "(0).__class__.__subclasses__", "True.__class__",
        "None.__class__", "(1).__doc__", "(1j).__class__.__name__", "(1).__dir__()",
        "(1).__getattribute__(1)", "[].copy()", "[1].append(2)", "(1, 2).count(1)",
        "range(3).index(1)", "range(3).start", "range(3).stop", "range(3).step", "(1).foo",
        "(2.5).foo", "(1).real.__class__", "len.__self__", "sum.__module__", "math.sqrt",
        "math", "math.__spec__", "(1).imag.__class__",
    ]


def hand_outside():
    """Strings, functions as values, and Python's other constructs: refused by design."""
    return [
        "'abc'", '"abc"', "'a' + 'b'", "'a' * 3", "len('abc')", "int('5')", "int('10', 2)",
        "float('nan')", "float('inf')", "complex('1+2j')", "'%d' % 5", "f'{1}'", "b'x'",
        "...", "1 + 'a'", "1/0 + 'a'", "'a' if 0 else 1", "[c for c in 'abc']", "hex(255) + 'x'",
        "hex(1) + hex(2)", "hex(255)[2:]", "len(hex(255))", "hex(1) == hex(1)", "hex(1) < hex(2)",
        "int(hex(255), 16)", "hex(1) * 2", "sorted([hex(2), hex(1)])", "hex(1) or 0",
        "not hex(0)", "[c for c in hex(255)]", "sum(len(hex(i)) for i in range(3))",
        "(hex(1),) == (hex(1),)", "hex(1) in [hex(1)]", "max(hex(1), hex(2))", "bool(hex(0))",
        "hex(hex(1))", "float(hex(1))", "hex(1).real", "-hex(1)", "hex(1)[0]",
        "sqrt", "abs", "pow", "int", "range", "math.floor", "[sqrt]", "(abs, 1)", "sqrt == sqrt",
        "abs if 1 else 0", "0 or sqrt", "max([1, 2], key=abs)", "sorted([3, 1], key=abs)",
        "min(1, 2, key=lambda x: -x)", "lambda: 1", "(lambda x: x)(1)", "{1: 2}", "{1, 2}",
        "{}", "{x for x in range(3)}", "{x: x for x in range(3)}", "(x := 5)", "max(*[1, 2])",
        "max(**{})", "sum(*[[1, 2]])", "hypot(*[3, 4])", "1 is 1", "None is None", "1 is not 2",
        "1 @ 2", "[1] @ [2]", "(x for x in range(3))", "[(x for x in range(3))]",
        "(x for x in range(3)) if 1 else 0", "sorted(reverse=(x for x in []))",
        "[x for x, *y in [(1, 2)]]", "[x for x.real in [1]]", "[x for [x][0] in [1]]",
        "sum(1 for __class__ in range(3))", "(1).__class__ if 0 else 1", "__name__",
        "__debug__", "__spec__", "(0 if 1 else __import__)(1)",
    ]


def hand_builtins():
    """The builtins of the language with their edge cases and keyword arguments."""
    rows = []
    for x in ["2.5", "-2.5", "-0.0", "0.5", "1.5", "inf", "-inf", "nan", "1e300", "-1e-300",
              "True", "10**30", "-7", "1j", "None", "[1]", "2**63", "-(2**63)"]:
        rows += [f"abs({x})", f"int({x})", f"float({x})", f"bool({x})", f"round({x})"]
    rows += [
        "abs()", "abs(1, 2)", "abs(x=1)", "int()", "int(2.5)", "int(-2.5)", "int(-0.0)",
        "int(inf)", "int(-inf)", "int(nan)", "int(1e308)", "int(5e-324)", "int(2.5, 10)",
        "int(10**5000)", "int(x=1)", "int(1, base=10)", "int([1, 2])", "int(())", "int(1, 2, 3)",
        "float()", "float(10**400)", "float(2**1024)", "float(2**1024 - 2**970)", "float(x=1)",
        "float(1, 2)", "float(-0)", "float(2**53 + 1)", "complex(2**1024)", "complex(1, 2.5)",
        "round(0.5)", "round(1.5)", "round(2.5)", "round(-0.5)", "round(-1.5)", "round(1.5, None)",
        "round(2.675, 2)", "round(2.5, 0)", "round(-0.0, 1)", "round(-0.4, 0)", "round(inf, 2)",
        "round(nan, 0)", "round(1e300, -300)", "round(5, -1)", "round(15, -1)", "round(25, -1)",
        "round(-25, -1)", "round(1, None)", "round(1.0, None)", "round(x=2.5)", "round(number=2.5)",
        "round(2.5, ndigits=1)", "round(2.675, ndigits=2)", "round(12345, ndigits=-2)",
        "round(1.5, 2.0)", "round(1, 1.0)", "round(2.5, True)", "round(1e16 + 0.5)",
        "round(0.49999999999999994)", "round(5e-324, 324)", "round(1.5, -10**20)",
        "round(1.5, 10**20)", "round(123, 10**20)", "round(123, -400)", "round(-5 * 10**399, -400)",
        "round(15 * 10**399, -400)", "round()", "round(1, 2, 3)", "round([1])", "round(1, x=1)",
        "divmod(17, 5)", "divmod(-17, 5)", "divmod(17, -5)", "divmod(-17, -5)", "divmod(7.5, 2)",
        "divmod(-7.5, 2)", "divmod(inf, 1)", "divmod(-inf, 1)", "divmod(nan, 1)", "divmod(1, inf)",
        "divmod(-1, inf)", "divmod(1, -inf)", "divmod(1, 0)", "divmod(1, 0.0)", "divmod(0.0, 0)",
        "divmod(10**30, 7)", "divmod(-10**30, 7)", "divmod(True, 2)", "divmod(2.5, -0.5)",
        "divmod(-0.0, 1)", "divmod(0.0, -1)", "divmod(1e308, 1e-308)", "divmod(5, 2.5)",
        "divmod(1)", "divmod(1, 2, 3)", "divmod(1, None)", "divmod([1], 2)", "divmod(x=1, y=2)",
        "pow(2, 10)", "pow(2, -1)", "pow(2, 0.5)", "pow(-8, 1/3)", "pow(0, 0)", "pow(0.0, -1)",
        "pow(0, -1)", "pow(2, 10, 1000)", "pow(2, 10, 1)", "pow(2, 10, 0)", "pow(2, 10, -7)",
        "pow(-2, 3, 5)", "pow(2, -1, 5)", "pow(38, -1, 97)", "pow(0, -1, 7)", "pow(2, -1, 4)",
        "pow(3, -2, 7)", "pow(7, -1, 1)", "pow(6, -1, 9)", "pow(2, -3, 9)", "pow(-3, -1, 7)",
        "pow(3, -1, -7)", "pow(10**30, -1, 10**9 + 7)", "pow(2, 10**100, 10**9 + 7)",
        "pow(10**100, 10**100, 97)", "pow(2.0, 3, 5)", "pow(2, 3.0, 5)", "pow(2, 3, 5.0)",
        "pow(1j, 2, 3)", "pow(True, True, True)", "pow(2, 3, mod=5)", "pow(base=2, exp=3)",
        "pow(base=2, exp=3, mod=5)", "pow(2, exp=-1, mod=5)", "pow(2)", "pow(2, 3, 4, 5)",
        "pow(2, 3, None)", "pow(None, 2)", "pow(2, 3, 0)", "pow(0, 0, 1)", "pow(0, 0, 7)",
        "pow(5, 0, 1)", "pow(-1, -1, 3)", "pow(2, -1, 2**64 + 1)",
        "bool(1, 2)", "list(1, 2)", "tuple(1, 2)", "list(x=[1])", "tuple(iterable=[1])",
        "sum([1, 2], start=0.5)", "sum(start=1)", "sum([], start=[])", "sum([1], start=None)",
        "sum(iterable=[1])", "sum([1, 2, 3], 0.0)", "sum([0.1, 0.2, 0.3])", "sum([1e308, 1e308])",
        "sum([inf, -inf])", "sum([1, -1j, 0.5])", "sum([2**64, 2**64])", "sum([[1], [2]])",
        "all(x > 0 for x in [1, 2])", "any(x > 1 for x in [1, 2])", "all(x for x in ())",
        "any(1, 2)", "all()", "len(range(3), 1)", "hex(10**20)", "oct(-10**20)", "bin(2**64 + 1)",
        "range(0, 10, -1)", "range(10, 0, 1)", "range(2**64)", "range(-2**64, 2**64, 2**63)",
        "range(1, 2, 10**20)", "range(1j)", "range(10)[-1]", "list(range(-3, 3))",
        "list(range(3, -3, -2))", "tuple(range(0, 30, 7))", "sorted(range(5, -5, -3))",
    ]
    return rows


# The math functions by the arguments they take.
MATH_UNARY = ["acos", "acosh", "asin", "asinh", "atan", "atanh", "cbrt", "ceil", "cos", "cosh",
              "degrees", "erf", "erfc", "exp", "exp2", "expm1", "fabs", "factorial", "floor",
              "frexp", "gamma", "isfinite", "isinf", "isnan", "isqrt", "lgamma", "log", "log10",
              "log1p", "log2", "modf", "radians", "sin", "sinh", "sqrt", "tan", "tanh", "trunc",
              "ulp"]
MATH_BINARY = ["atan2", "copysign", "fmod", "ldexp", "log", "nextafter", "pow", "remainder"]
UNARY_EDGES = ["0", "0.0", "-0.0", "1", "-1", "0.5", "-0.5", "2", "-2", "3", "10", "20", "100",
               "170", "171", "171.5", "709", "710", "1024", "-745", "-746", "-1075", "1e308",
               "-1e308", "5e-324", "-5e-324", "2.2250738585072014e-308", "1e-10", "1e16",
               "4503599627370495.5", "0.9999999999999999", "1.0000000000000002",
               "-1.0000000000000002", "-0.9999999999999999", "inf", "-inf", "nan", "True",
               "False", "10**400", "-10**400", "2**53 + 1", "2**64", "pi", "pi/2", "-pi/4",
               "e", "1.5", "2.5", "-2.5", "1j", "None", "(1,)", "2**1024"]
BINARY_EDGES = [("1", "1"), ("1", "0"), ("0", "0"), ("0", "1"), ("-0.0", "0.0"), ("0.0", "-0.0"),
                ("-0.0", "-0.0"), ("inf", "1"), ("1", "inf"), ("-inf", "inf"), ("inf", "inf"),
                ("nan", "1"), ("1", "nan"), ("nan", "nan"), ("1e308", "1e-308"),
                ("5e-324", "2"), ("10**400", "1"), ("1", "10**400"), ("3", "-2"), ("-7.5", "2"),
                ("7", "0.0"), ("7", "-0.0"), ("2", "1024"), ("2", "-1075"), ("2", "0.5"),
                ("-8", "1/3"), ("10", "-1"), ("0.5", "0.5"), ("True", "False"), ("1j", "1"),
                ("1", "1j"), ("None", "1"), ("1", "2.5"), ("-1", "-0.0"), ("1e300", "2"),
                ("100", "10"), ("8", "2"), ("1", "-1"), ("2.5", "-1"), ("-2", "3")]


def hand_math():
    """Every math function at its domain edges (bare), a sample as math.NAME, and the
    constants both ways."""
    rows = []
    for f in MATH_UNARY:
        for x in UNARY_EDGES:
            rows.append(f"{f}({x})")
        rows += [f"{f}()", f"{f}(1, 2, 3)", f"{f}(x=1)"]
        for x in UNARY_EDGES[:8]:
            rows.append(f"math.{f}({x})")
    for f in MATH_BINARY:
        for a, b in BINARY_EDGES:
            rows.append(f"{f}({a}, {b})")
            if f != "pow":
                rows.append(f"math.{f}({a}, {b})")
        rows += [f"{f}(1)", f"math.{f}(1, 2, 3)"]
    for name in MATH_CONSTANTS:
        rows += [name, f"math.{name}", f"-{name}", f"{name} * 2", f"math.{name} == {name}",
                 f"{name}()", f"({name},)"]
    rows += [
        # integer functions
        "factorial(0)", "factorial(20)", "factorial(21)", "factorial(100)", "factorial(1558)",
        "factorial(1559)", "factorial(-1)", "factorial(2.0)", "factorial(10**20)",
        "factorial(2**63)", "isqrt(0)", "isqrt(99)", "isqrt(100)", "isqrt(10**40)",
        "isqrt(10**8598)", "isqrt(10**8600)", "isqrt(-1)", "isqrt(2.0)", "isqrt(True)",
        "comb(5, 2)", "comb(5, 0)", "comb(5, 5)", "comb(5, 6)", "comb(0, 0)", "comb(-1, 1)",
        "comb(5, -1)", "comb(10**20, 5)", "comb(10**20, 10**20 - 3)", "comb(1000, 500)",
        "comb(5.0, 2)", "comb(5)", "comb(5, 2, 1)", "comb(True, False)", "comb(2**64, 2)",
        "perm(5)", "perm(5, 2)", "perm(5, 0)", "perm(5, 6)", "perm(0)", "perm(-1)", "perm(5, -1)",
        "perm(5, None)", "perm(10**20, 3)", "perm(100, 50)", "perm(5.0)", "perm(5, 2, 1)",
        "gcd()", "gcd(0)", "gcd(-5)", "gcd(12, 18)", "gcd(12, 18, 8)", "gcd(0, 0)", "gcd(-12, -18)",
        "gcd(2**64, 2**32 * 3)", "gcd(1.0, 2)", "gcd(None)", "gcd(True, True)",
        "lcm()", "lcm(0)", "lcm(-5)", "lcm(4, 6)", "lcm(4, 6, 10)", "lcm(0, 5)", "lcm(-4, 6)",
        "lcm(2**64, 3**40)", "lcm(1.0, 2)", "lcm(*[1])", "lcm(True, 2)",
        # sequences of floats
        "fsum([0.1] * 10)", "fsum([1e100, 1, -1e100])", "fsum([])", "fsum([inf, 1])",
        "fsum([inf, -inf])", "fsum([nan, 1])", "fsum([1e308, 1e308])", "fsum([1, 2**60])",
        "fsum(range(10))", "fsum(x / 10 for x in range(10))", "fsum([1j])", "fsum(1)",
        "fsum([10**400])", "fsum([1e308, 1e308, -1e308])", "fsum((0.1, 0.2, 0.3))",
        "prod([1, 2, 3])", "prod([])", "prod(range(1, 11))", "prod([1.5, 2])", "prod([2], start=3)",
        "prod([1j, 1j])", "prod([[1], 2])", "prod([2, [1]])", "prod(5)", "prod([1], 2)",
        "prod(x for x in range(1, 6))", "prod([10**100, 10**100])", "prod([True, True])",
        "prod([], start=0.5)", "prod([inf, 0])",
        "hypot()", "hypot(3)", "hypot(3, 4)", "hypot(3, 4, 12)", "hypot(-0.0)", "hypot(inf, nan)",
        "hypot(nan, inf)", "hypot(1e308, 1e308)", "hypot(5e-324, 5e-324)", "hypot(10**400)",
        "hypot(1j)", "hypot(None)", "hypot(True, True)",
        "dist((0, 0), (3, 4))", "dist([1], [4])", "dist((), ())", "dist((1, 2), (1,))",
        "dist((1, 2), [1, 2])", "dist((inf,), (inf,))", "dist((nan, 1), (1, 1))", "dist(1, 2)",
        "dist((1j,), (0,))", "dist((1e308, 1e308), (-1e308, -1e308))", "dist(range(3), range(3))",
        "isclose(1, 1)", "isclose(1, 1.0000000001)", "isclose(1, 1.00001)", "isclose(0, 1e-300)",
        "isclose(inf, inf)", "isclose(nan, nan)", "isclose(-inf, inf)", "isclose(1, 1.1, rel_tol=0.2)",
        "isclose(0, 1e-10, abs_tol=1e-9)", "isclose(1, 2, rel_tol=-1)", "isclose(1, 2, abs_tol=-1)",
        "isclose(1)", "isclose(1, 2, 3)", "isclose(1, 2, foo=3)", "isclose(1j, 1j)",
        "isclose(1, 1, rel_tol=nan)",
        "log(8, 2)", "log(100, 10)", "log(1, 1)", "log(2, 1)", "log(0, 10)", "log(10, 0)",
        "log(10**400, 10)", "log(2**1000, 2)", "log(10**400, 10**300)", "log(-10**400)",
        "log10(10**400)", "log2(2**10000)", "log1p(-1)", "log1p(-0.0)", "log(2, 0.5)",
        "ldexp(1.0, 1024)", "ldexp(1.0, 1023)", "ldexp(1.0, -1075)", "ldexp(1.0, -1074)",
        "ldexp(0.5, 10**100)", "ldexp(0.5, -10**100)", "ldexp(0.0, 10**100)", "ldexp(1, 2.0)",
        "ldexp(inf, -10**100)", "ldexp(1, True)",
        "nextafter(0, 1)", "nextafter(0, -1)", "nextafter(1, inf)", "nextafter(inf, 0)",
        "nextafter(-0.0, 0.0)", "nextafter(1e308, inf)", "nextafter(1.7976931348623157e308, inf)",
        "ulp(0)", "ulp(1)", "ulp(-1)", "ulp(1e308)", "ulp(5e-324)", "ulp(1.7976931348623157e308)",
        "frexp(0.0)", "frexp(-0.0)", "frexp(1e308)", "frexp(5e-324)", "frexp(inf)", "frexp(nan)",
        "modf(-0.0)", "modf(inf)", "modf(-inf)", "modf(nan)", "modf(-2.5)", "modf(1e16)",
        "copysign(1, -0.0)", "copysign(nan, -1)", "copysign(-0.0, 1)", "copysign(inf, -1)",
        "fmod(-7, 2)", "fmod(7, -2)", "fmod(inf, 1)", "fmod(1, inf)", "fmod(-0.0, 1)",
        "remainder(5, 2)", "remainder(7, 2)", "remainder(-5, 2)", "remainder(inf, 1)",
        "remainder(1, 0)", "remainder(nan, 0)", "remainder(3, inf)",
        "gamma(0.5)", "gamma(-0.5)", "gamma(-1)", "gamma(0)", "gamma(-0.0)", "gamma(171.6)",
        "gamma(171.7)", "gamma(-171.5)", "gamma(-inf)", "lgamma(0)", "lgamma(-1)", "lgamma(1e308)",
        "lgamma(-2.5)", "erf(inf)", "erfc(-inf)", "erfc(30)", "erf(1e-300)", "exp2(1024)",
        "exp2(-1075)", "exp2(1023.9999)", "expm1(1e-10)", "expm1(710)", "cbrt(-27)", "cbrt(-0.0)",
        "cbrt(1e308)", "atanh(1)", "atanh(-1)", "atanh(0.9999999999999999)", "acosh(1)",
        "acosh(0.9999999999999999)", "asinh(-0.0)", "sin(1e22)", "cos(1e22)", "tan(pi / 2)",
        "sqrt(-0.0)", "sqrt(10**400)", "sqrt(2**1023 * 2)", "exp(709.782712893384)",
        "exp(709.7827128933841)", "floor(-0.0)", "ceil(-0.5)", "trunc(-0.5)", "floor(1e300)",
        "ceil(inf)", "floor(nan)", "trunc(10**400)", "floor(True)", "ceil(1j)", "degrees(1e308)",
        "radians(1e308)", "degrees(10**400)",
    ]
    return rows


def hand_comprehensions():
    """List comprehensions and generator expressions: several for/if clauses, Python 3
    scoping (loop variables do not leak), laziness and early errors."""
    return [
        "sum(1/k**2 for k in range(1, 1000))", "[x*x for x in range(5) if x % 2]",
        "max(a*b for a in range(10) for b in range(a))", "[x for x in range(5)]",
        "[x for x in range(3)] and x", "[x for x in range(3)], x", "sum(x for x in range(3)) + x",
        "[x for x in range(x)]", "[x for y in range(2) for x in range(x)]",
        "[x for x in range(3) for x in range(x)]", "[x for x in [x for x in range(3)]]",
        "[[y for y in range(x)] for x in range(4)]", "[[x] for x in range(2) for y in range(2)]",
        "[(x, y) for x in range(3) if x for y in range(x) if y % 2 == 0]",
        "[(x, y) for x in range(3) for y in range(3) if x != y]", "[y for x in range(3) for y in range(x)]",
        "[x for x in range(10) if x % 2 if x % 3]", "[x for x in range(10) if x > 3 if x < 7]",
        "[x + y for x in (1, 2) for y in [10, 20]]", "[x for x in []]", "[x for x in ()]",
        "[x for x in range(0)]", "[1 for _ in range(3)]", "sum(1 for _ in range(100))",
        "len([0 for _ in range(50)])", "[x for x in 5]", "[x for x in None]", "[x for x in 1.5]",
        "sum(x for x in 5)", "sum(x for x in range(3) if x in (1, 2))", "list(x for x in range(3))",
        "tuple(x * 2 for x in range(3))", "sorted(-x for x in range(4))", "sorted(x % 3 for x in range(7))",
        "min(x * x - 4 * x for x in range(10))", "max(x for x in [2.5, 1, True])",
        "any(x > 3 for x in range(5))", "all(x < 3 for x in range(5))", "sum((x for x in range(4)), 10)",
        "sum(x for x in range(3), 10)", "max((x for x in range(3)), default=0)",
        "max((x for x in []), default=-1)", "min((x for x in []), default=None)",
        "fsum(1 / 2**k for k in range(60))", "prod(k for k in range(1, 10))",
        "sum([x for x in range(10)])", "sum([x / 3 for x in range(10)])",
        "[x / y for x in range(2) for y in range(2)]", "[1/x for x in range(3)]",
        "sum(1/x for x in range(3))", "[x for x in range(3) if 1/x]", "[x for x in range(3) if x if 1/x]",
        "[sqrt(x) for x in range(-1, 2)]", "[x ** 0.5 for x in (-1, 1)]", "[x for x in range(3)][-1]",
        "[x for x in range(10)][::2]", "[[x * y for y in range(3)] for x in range(3)][2]",
        "sum(sum(range(x)) for x in range(5))", "[sum(range(x)) for x in range(6)]",
        "[e for e in range(3)]", "[pi for pi in range(2)]", "[sqrt for sqrt in range(2)]",
        "sum(sqrt(x) for x in range(4))", "[math for math in range(2)]", "[abs(x) for abs in [1]]",
        "[x for x in range(3) for y in range(x) for z in range(y)]",
        "[(x, y, z) for x in range(3) for y in range(x) for z in range(y)]",
        "[x for x in range(3) for y in range(x) if y > x]", "[divmod(x, 3) for x in range(5)]",
        "[a * b for a, b in [(1, 2), (3, 4)]]", "[a for a, b in [(1,)]]", "[a for a, b in [1]]",
        "[a for a, b in [(1, 2, 3)]]", "sum(q * r for q, r in [divmod(17, 5)])",
        "[a + b for (a, b) in [(1, 2)]]", "[a for [a, b] in [[1, 2]]]", "[a for a, in [(1,), (2,)]]",
        "[(a, b, c) for a, (b, c) in [(1, (2, 3))]]", "len(x for x in [])", "round(x for x in [])",
        "[x for x in range(3)][x]", "[y for x in range(3)]", "[[x for x in range(2)], x]",
        "[x for x in range(3) if x == x]", "[x == y for x in [nan] for y in [nan]]",
        "[[x] == [x] for x in [nan, 1]]", "[x for x in (nan,) if x in [x]]", "[x in [x] for x in [nan]]",
        "[x for x in range(2)] + [y for y in range(2)]", "[x for x in range(2)] * 2",
        "(x for x in range(3)) == 0", "[x for x in [1, 2, 3] if x != 2]", "sorted([x for x in (3, 1, 2)])",
        "[[x for x in range(2)] for x in range(2)]", "[x for x in range(2) if [x for x in range(5)]]",
        "[i * j for i in range(1, 4) for j in range(i, 4) if (i + j) % 2]",
        "sum(i for i in range(10) if i % 2 == 0 if i % 3 == 0)", "[1 if x else 0 for x in range(3)]",
        "[x if x else -1 for x in range(3)]", "[not x for x in (0, 1)]", "[-x for x in range(3)]",
        "[(lambda: 1) for x in range(1)]", "[x for x in range(3) if (lambda: 1)]",
        "sum(x for x in range(10**12) if 0)", "any(True for _ in range(10**12))",
        "next(x for x in range(3))", "[x async for x in range(3)]",
    ]


def hand_caps():
    """safecalc's caps (!limit) and CPython's 4,300-digit printing rule, at their edges."""
    padding = 65_536 - len("1+ 1")
    return [
        # printing an int of more than 4,300 digits is CPython's ValueError
        "10**4299", "10**4300", "-10**4300", "10**4300 - 1", "10**4300 // 10", "10**5000 * 0",
        "10**5000 // 10**4000", "10**5000 % 7", "10**5000 > 0", "(10**5000,)", "[10**5000]",
        "[1, 10**4300]", "[10**4299]", "(10**5000).bit_length()", "(10**5000).bit_count()",
        "(10**5000).numerator", "-(10**5000)", "abs(-10**5000)", "10**5000 == 10**5000",
        "divmod(10**5000, 10**4999)", "divmod(10**5000, 7)", "sum([10**5000, -10**5000])",
        "max(10**5000, 1) > 0", "float(10**5000)", "10**5000 / 10**4999", "10**5000 * 1.0",
        "int(10**5000)", "round(10**5000)", "hex(10**5000)", "oct(10**4400)", "2**14284",
        "2**14285", "2**14286", "factorial(1558)", "factorial(1559)", "comb(15000, 2)",
        "10**4300 if 0 else 1", "1 if 0 else 10**4300", "(10**4300).real", "(10**4300).imag",
        "pow(10, 4300)", "pow(10, 4300, 10**4301)", "isqrt(10**8600)", "10**4300 + 0.5",
        "[10**4300][0] % 10", "10**4300 in [10**4300]", "len([10**4300] * 3)",
        "int('1' * 4301)", "1" * 4301, "1" * 4300, "0x" + "f" * 5000,
        # the int cap: 100,000 decimal digits (10**100000 is over, 2**332192 is under)
        "(1 << 332192) % 1000", "(1 << 332192) >> 332190", "(1 << 332192) * 0",
        "(1 << 332192).bit_length()", "-(1 << 332192) // (1 << 332191)",
        "(1 << 332193) % 1000", "(1 << 332193) >> 332193", "-(1 << 332193) < 0",
        "(1 << 332192) + (1 << 332192)", "((1 << 332193) - (1 << 332193))",
        "(1 << 200000) * (1 << 200000) > 0", "(1 << 332192) * 2 == 0", "[1 << 332193][0] % 7",
        "range(1 << 332193)[0]", "isqrt(1 << 500000) > 0", "hex(1 << 332193)[:4]",
        "factorial(25300) % 7", "(1 << 332193) // (1 << 332193)", "0 * (1 << 332193)",
        "1 << 332193 if 1 else 0", "0 and 1 << 332193", "(1 << 332192) | (1 << 332191)",
        "sum([1 << 332192, 1 << 332192]) > 0", "sum([1 << 332192, 1 << 332192, -(1 << 332192)]) > 0",
        "prod([1 << 200000, 1 << 200000, 0])", "lcm(1 << 200000, 3 ** 130000, 0)",
        "(1 << 332193) / 0", "1 / 0 + (1 << 332193)",
        # the sequence cap: 10,000 elements
        "len([0] * 10000)", "len([0] * 10001)", "len((0,) * 10001)", "len([1, 2] * 5000)",
        "len([1, 2] * 5001)", "len(list(range(10000)))", "len(list(range(10001)))",
        "len(tuple(range(10001)))", "len(sorted(range(10001)))", "len([x for x in range(10000)])",
        "len([x for x in range(10001)])", "sum(x for x in range(10001))", "sum(range(10001))",
        "max(range(10001))", "10000 in range(10001)", "len(range(10**12))", "range(10**12)[-1]",
        "len([1] * 10000 + [2])", "max([0] * 10001)", "sum([[0] * 5000] * 3, [])[:1]",
        "len(sum([[0] * 6000, [0] * 6000], [])[::2])", "len([[0] * 10000] * 2)",
        "[0] * 10000 == [0] * 10000", "len([0] * 10001) if 0 else 1", "([0] * 10001)[0]",
        "len(sorted(x for x in range(10001)))", "len(list(x for x in range(10001)))",
        "[0] * 10001 + 1", "min([] * 10**6, default=0)", "len([0] * 10**5 * 0)",
        # the input-length cap: 65,536 bytes
        "1" + " " * padding + "+ 1", "1" + " " * (padding + 1) + "+ 1",
        "1" + " " * (padding + 1) + "/ 0",
        # nesting: CPython refuses 200 nested brackets (rows at 200 are not emitted)
        "(" * 199 + "1" + ")" * 199, "(" * 200 + "1" + ")" * 200, "[" * 120 + "]" * 120,
        "-" * 100 + "1", "abs(" * 60 + "-1" + ")" * 60,
    ]


def hand_nan_identity():
    """CPython's containers compare elements by identity first, so the one `nan` object
    equals itself inside a list, though `nan == nan` is False."""
    return ["[nan] == [nan]", "nan in [nan]", "(nan,) == (nan,)", "[nan] == [nan + 0]",
            "nan + 0 in [nan + 0]", "[inf - inf] == [inf - inf]", "(nan, 1) < (nan, 2)",
            "[nan] != [nan]", "[math.nan] == [nan]", "nan in (1, nan)", "nan in [float(nan)]"]


HAND_SECTIONS = [
    ("literals, arithmetic and math basics (the first oracle's cases)", lambda: hand_arithmetic()),
    ("values and their repr", hand_values),
    ("complex numbers", hand_complex),
    ("bool and None", hand_bool_and_none),
    ("binary operators on every kind of value", hand_operator_grid),
    ("unary operators", hand_unary),
    ("precedence", hand_precedence),
    ("comparisons", hand_comparisons),
    ("short-circuits", hand_short_circuits),
    ("bitwise operators and shifts", hand_bitwise),
    ("sequences", hand_sequences),
    ("subscripts and slices", hand_subscripts),
    ("attributes", hand_attributes),
    ("builtins", hand_builtins),
    ("the math module", hand_math),
    ("comprehensions", hand_comprehensions),
    ("caps and the 4,300-digit rule", hand_caps),
    ("outside the language", hand_outside),
    ("NaN identity in containers", hand_nan_identity),
]


# --------------------------------------------------------------------------------------
# Random arithmetic: literal spellings, float corners, + - * / // % ** (the first oracle's)
# --------------------------------------------------------------------------------------

# An expression tree: ("lit", text) | ("name", n) | ("neg", x) | ("pos", x) |
# ("bin", op, l, r) | ("call", f, [args]) | ("paren", x)
PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "//": 2, "%": 2, "**": 4}

ARITY = {"abs": (1, 1), "round": (1, 2), "min": (2, 4), "max": (2, 4), "sqrt": (1, 1),
         "exp": (1, 1), "log": (1, 2), "log2": (1, 1), "log10": (1, 1), "sin": (1, 1),
         "cos": (1, 1), "tan": (1, 1), "asin": (1, 1), "acos": (1, 1), "atan": (1, 1),
         "atan2": (2, 2), "sinh": (1, 1), "cosh": (1, 1), "tanh": (1, 1), "floor": (1, 1),
         "ceil": (1, 1), "trunc": (1, 1), "factorial": (1, 1), "gcd": (0, 3),
         "hypot": (0, 4), "degrees": (1, 1), "radians": (1, 1)}
FUNCS = sorted(ARITY)


def prec(t):
    k = t[0]
    if k in ("lit", "name", "call", "paren"):
        return 5
    if k in ("neg", "pos"):
        return 3
    return PREC[t[1]]


class Gen:
    def __init__(self, rng):
        self.r = rng

    # ---- literals -------------------------------------------------------------------
    def int_value(self):
        r = self.r
        k = r.random()
        if k < 0.35:
            return r.randint(0, 20)
        if k < 0.55:
            return r.randint(0, 10**r.randint(2, 6))
        if k < 0.75:
            base = r.choice([2**31, 2**32, 2**53, 2**63, 2**64, 10**15, 10**16, 10**18])
            return max(0, base + r.randint(-3, 3))
        if k < 0.9:
            return r.randint(10**18, 10**r.randint(19, 60))
        return r.randint(1, 10**r.randint(60, 300))

    def int_text(self, v):
        r = self.r
        k = r.random()
        if v < 2**70 and k < 0.06:
            p = r.choice(["0x", "0X"])
            digits = format(v, "x" if r.random() < 0.5 else "X")
            return p + self.underscores(digits, r.random() < 0.3)
        if v < 2**70 and k < 0.09:
            return r.choice(["0o", "0O"]) + self.underscores(format(v, "o"), r.random() < 0.3)
        if v < 2**40 and k < 0.11:
            return r.choice(["0b", "0B"]) + self.underscores(format(v, "b"), r.random() < 0.3)
        s = str(v)
        if k < 0.16 and len(s) > 1:
            return self.underscores(s, False)
        if v == 0 and k < 0.2:
            return r.choice(["00", "0_0", "000"])
        return s

    def underscores(self, digits, after_prefix):
        r = self.r
        out = ["_"] if after_prefix else []
        for i, ch in enumerate(digits):
            if i > 0 and r.random() < 0.12:
                out.append("_")
            out.append(ch)
        return "".join(out)

    def float_value(self):
        r = self.r
        k = r.random()
        if k < 0.3:
            return round(r.uniform(0, 100), r.randint(0, 3))
        if k < 0.5:
            return r.uniform(0, 10**r.randint(-5, 20))
        if k < 0.6:
            return r.choice([0.0, 0.5, 1.0, 2.0, 0.1, 0.2, 0.3, 1.5, 2.5, 3.0, 10.0, 1e16,
                             1e22, 1e23, 9007199254740992.0, 4503599627370496.5])
        if k < 0.7:
            return r.choice([5e-324, 1e-320, 2.2250738585072014e-308, 1e-300, 1e-100,
                             2.5e-7, 1e-5])
        if k < 0.8:
            return r.choice([1e308, 1.7976931348623157e308, 1e300, 1e200, 1e154, 8.98846567431158e307])
        if k < 0.9:
            m = r.random()
            return m * 10.0 ** r.randint(-320, 308)
        return float(r.randint(0, 10**r.randint(1, 20)))

    def float_text(self, v):
        r = self.r
        s = repr(v)
        k = r.random()
        if k < 0.55:
            return s
        mant, _, exp = s.partition("e")
        if "." not in mant:
            mant += "."
        ip, fp = mant.split(".")
        if fp == "0" and r.random() < 0.5:
            fp = ""
        if ip == "0" and r.random() < 0.5:
            ip = ""
        if not ip and not fp:
            ip = "0"
        if r.random() < 0.1:
            ip = "0" * r.randint(1, 2) + (ip or "0")
        if r.random() < 0.15 and len(ip) > 1:
            ip = self.underscores(ip, False)
        if r.random() < 0.1 and len(fp) > 1:
            fp = self.underscores(fp, False)
        text = ip + "." + fp
        if exp:
            e = int(exp)
        elif r.random() < 0.25 and v != 0:
            # move the decimal point into an exponent
            shift = r.randint(-3, 3)
            return repr_shift(v, shift, r)
        else:
            return text
        es = str(e) if r.random() < 0.5 else (("+" if e >= 0 else "-") + str(abs(e)).zfill(r.randint(1, 3)))
        return text + r.choice("eE") + es

    def literal(self):
        if self.r.random() < 0.55:
            return ("lit", self.int_text(self.int_value()))
        return ("lit", self.float_text(self.float_value()))

    def small_exponent(self):
        r = self.r
        k = r.random()
        if k < 0.6:
            return ("lit", str(r.randint(0, 12)))
        if k < 0.75:
            return ("neg", ("lit", str(r.randint(1, 8))))
        if k < 0.9:
            return ("lit", r.choice(["0.5", "1.5", "2.0", "0.25", "3.0", ".5", "2."]))
        return ("paren", ("bin", "/", ("lit", "1"), ("lit", str(r.randint(2, 5)))))

    # ---- trees ------------------------------------------------------------------------
    def expr(self, budget, depth):
        """A random tree with about `budget` operators and nesting at most `depth`."""
        r = self.r
        if budget <= 0 or depth <= 0:
            k = r.random()
            if k < 0.85:
                return self.literal()
            return ("name", r.choice(["pi", "e", "tau", "pi", "e", "inf", "nan"]))
        k = r.random()
        if k < 0.12:
            return (r.choice(["neg", "neg", "pos"]), self.expr(budget - 1, depth - 1))
        if k < 0.27:
            return self.call(budget - 1, depth - 1)
        op = r.choice(["+", "-", "*", "/", "//", "%", "**", "+", "-", "*"])
        left_budget = r.randint(0, budget - 1)
        left = self.expr(left_budget, depth - 1)
        if op == "**":
            right = self.small_exponent() if r.random() < 0.85 else self.expr(min(2, budget - 1 - left_budget), 2)
        else:
            right = self.expr(budget - 1 - left_budget, depth - 1)
        return ("bin", op, left, right)

    def call(self, budget, depth):
        r = self.r
        f = r.choice(FUNCS)
        lo, hi = ARITY[f]
        n = r.randint(lo, hi)
        if f in ("factorial",):
            return ("call", f, [("lit", str(r.randint(0, 40)))] if r.random() < 0.7
                    else [self.expr(min(budget, 2), 2)])
        if f == "gcd":
            return ("call", f, [self.int_arg() for _ in range(n)])
        if f == "round" and n == 2:
            return ("call", f, [self.expr(budget, depth), ("lit", str(r.randint(-5, 8)))
                                if r.random() < 0.7 else ("neg", ("lit", str(r.randint(1, 5))))])
        parts = split_budget(r, budget, n)
        args = [self.expr(b, depth) for b in parts]
        if f in ("sqrt", "log", "log2", "log10") and r.random() < 0.7:
            args[0] = ("call", "abs", [args[0]])
        if f in ("asin", "acos") and r.random() < 0.7:
            args[0] = ("lit", repr(round(r.uniform(-1, 1), r.randint(1, 4))))
        if f in ("exp", "sinh", "cosh") and r.random() < 0.5:
            args[0] = ("lit", repr(round(r.uniform(0, 800), 2)))
        return ("call", f, args)

    def int_arg(self):
        r = self.r
        v = ("lit", self.int_text(self.int_value()))
        if r.random() < 0.3:
            v = ("neg", v)
        if r.random() < 0.1:
            v = ("bin", "*", v, ("lit", str(r.randint(2, 9))))
        return v


def repr_shift(v, shift, r):
    # write v as a decimal with an exponent, e.g. 12.5 -> 1.25e1 or 125e-1
    from decimal import Decimal
    d = Decimal(repr(v))
    m = d.scaleb(-shift)
    ms = format(m, "f")
    if "." in ms:
        ms = ms.rstrip("0")
    return ms + r.choice("eE") + str(shift)


def split_budget(r, budget, n):
    if n == 0:
        return []
    parts = [0] * n
    for _ in range(budget):
        parts[r.randrange(n)] += 1
    return parts


def render(t, r):
    """Python source for a tree, with the parentheses Python needs (and a few extra)."""
    k = t[0]
    if k == "lit" or k == "name":
        return t[1]
    if k == "paren":
        return "(" + render(t[1], r) + ")"
    sp = " " if r.random() < 0.3 else ""
    if k in ("neg", "pos"):
        x = t[1]
        s = render(x, r)
        if prec(x) < 3 or r.random() < 0.05:
            s = "(" + s + ")"
        return ("-" if k == "neg" else "+") + s
    if k == "call":
        sep = ", " if r.random() < 0.6 else ","
        return t[1] + "(" + sep.join(render(a, r) for a in t[2]) + ")"
    op, left, right = t[1], t[2], t[3]
    p = PREC[op]
    ls, rs = render(left, r), render(right, r)
    if op == "**":
        if prec(left) < 5 or r.random() < 0.05:
            ls = "(" + ls + ")"
        if prec(right) < 3 or r.random() < 0.05:
            rs = "(" + rs + ")"
    else:
        if prec(left) < p or r.random() < 0.05:
            ls = "(" + ls + ")"
        if prec(right) <= p or r.random() < 0.05:
            rs = "(" + rs + ")"
    return ls + sp + op + sp + rs


def focused(g):
    """One expression from a randomly chosen family that must be well represented."""
    r = g.r
    k = r.random()
    sgn = lambda t: ("neg", t) if r.random() < 0.5 else t  # noqa: E731
    if k < 0.40:  # general random tree
        budget = r.choice([1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10, 14, 20, 30])
        return g.expr(budget, r.randint(2, 8))
    if k < 0.55:  # floor division / modulo, mixed signs, ints and floats
        op = r.choice(["//", "%"])
        a = sgn(g.literal())
        b = sgn(("lit", str(r.randint(1, 12))) if r.random() < 0.5 else g.literal())
        t = ("bin", op, a, b)
        if r.random() < 0.3:
            t = ("bin", r.choice(["+", "*", "-"]), t, g.expr(1, 2))
        return t
    if k < 0.65:  # true division of (big) ints
        a = ("lit", g.int_text(r.randint(0, 10**r.randint(1, 400))))
        b = ("lit", g.int_text(r.randint(1, 10**r.randint(1, 400))))
        if r.random() < 0.3:
            a = ("bin", "**", ("lit", str(r.randint(2, 12))), ("lit", str(r.randint(10, 400))))
        if r.random() < 0.3:
            a = ("bin", "+", a, ("lit", str(r.randint(1, 1000))))
        return ("bin", "/", sgn(a), sgn(b))
    if k < 0.77:  # int/float mixing near the boundaries
        base = r.choice(["2**53", "2**63", "2**64", "2**62", "2**1023", "2**1024", "10**308",
                         "2**31", "10**16"])
        off = r.randint(-5, 5)
        n = f"({base}{off:+d})" if off else base
        f = g.float_text(g.float_value()) if r.random() < 0.6 else r.choice(["1.0", "0.0", "0.5", "-0.0"])
        op = r.choice(["+", "-", "*", "/", "//", "%"])
        if r.random() < 0.5:
            return ("bin", op, ("lit", n), ("lit", f))
        return ("bin", op, ("lit", f), ("lit", n))
    if k < 0.85:  # overflow
        c = r.random()
        if c < 0.3:
            return ("bin", "*", ("bin", "**", ("lit", "10"), ("lit", str(r.randint(300, 420)))),
                    ("lit", r.choice(["1.0", "0.5", "1e-10", "2.0"])))
        if c < 0.55:
            return ("bin", "**", ("lit", g.float_text(r.uniform(1, 20))),
                    ("lit", str(r.randint(100, 400))))
        if c < 0.8:
            return ("bin", r.choice(["*", "+", "/"]),
                    ("lit", g.float_text(r.choice([1e308, 1.5e308, 1e300, 1e200]))),
                    ("lit", g.float_text(r.choice([10.0, 1e10, 1e-10, 1.5, 1e8]))))
        return ("call", r.choice(["exp", "cosh", "sinh"]), [("lit", str(r.randint(600, 800)))])
    # functions
    return g.call(r.randint(0, 4), r.randint(1, 4))


def depth_of(t):
    k = t[0]
    if k in ("lit", "name"):
        return 1
    if k in ("neg", "pos", "paren"):
        return 1 + depth_of(t[1])
    if k == "call":
        return 1 + max([depth_of(a) for a in t[2]] or [0])
    return 1 + max(depth_of(t[2]), depth_of(t[3]))


# --------------------------------------------------------------------------------------
# Random expressions of the whole grammar
# --------------------------------------------------------------------------------------
# Each generator method builds an expression meant to have one type (int, float, complex,
# bool, sequence), so that most expressions mean something rather than raise TypeError;
# errors still come, naturally (a zero divisor, a math domain edge, an index off the end).
# An expression is an Expr: its text, and how tightly its outermost operator binds (Python's
# precedence table, lowest first), which decides where parentheses are needed.

P_GENEXP, P_IF, P_OR, P_AND, P_NOT, P_CMP, P_BOR, P_BXOR, P_BAND, P_SHIFT, P_ADD, P_MUL, \
    P_UNARY, P_POW, P_ATOM = range(15)

BINARY_PRECEDENCE = {"|": P_BOR, "^": P_BXOR, "&": P_BAND, "<<": P_SHIFT, ">>": P_SHIFT,
                     "+": P_ADD, "-": P_ADD, "*": P_MUL, "/": P_MUL, "//": P_MUL, "%": P_MUL,
                     "**": P_POW}
LOOP_VARIABLES = ["x", "y", "z", "k", "i", "j", "n", "m", "a", "b"]


class Expr:
    __slots__ = ("text", "prec")

    def __init__(self, text, prec=P_ATOM):
        self.text, self.prec = text, prec


def wrap(e, prec):
    """e's text, parenthesised if its operator binds less tightly than `prec` needs."""
    return e.text if e.prec >= prec else "(" + e.text + ")"


class Grammar:
    def __init__(self, rng):
        self.r = rng
        self.literals = Gen(rng)  # the arithmetic generator's literal spellings
        self.loop_vars = []       # comprehension variables in scope (all hold ints)

    # ---- choices ----------------------------------------------------------------------
    def chance(self, p):
        return self.r.random() < p

    def pick(self, *weighted):
        """Calls one of the (weight, function) pairs, chosen by weight."""
        total = sum(w for w, _ in weighted)
        x = self.r.random() * total
        for w, f in weighted:
            x -= w
            if x < 0:
                return f()
        return weighted[-1][1]()

    def space(self):
        return " " if self.chance(0.75) else ""

    # ---- building text ----------------------------------------------------------------
    def binary(self, a, op, b):
        p = BINARY_PRECEDENCE[op]
        sp = self.space()
        if op == "**":  # right-associative; its left operand must be a primary
            return Expr(wrap(a, P_ATOM) + sp + op + sp + wrap(b, P_UNARY), P_POW)
        return Expr(wrap(a, p) + sp + op + sp + wrap(b, p + 1), p)

    def unary(self, op, a):
        if op == "not":
            return Expr("not " + wrap(a, P_NOT), P_NOT)
        return Expr(op + wrap(a, P_UNARY), P_UNARY)

    def boolean(self, a, op, b):
        p = P_OR if op == "or" else P_AND
        return Expr(wrap(a, p) + f" {op} " + wrap(b, p + 1), p)

    def conditional(self, body, test, orelse):
        return Expr(wrap(body, P_OR) + " if " + wrap(test, P_OR) + " else " + wrap(orelse, P_IF),
                    P_IF)

    def compare(self, operands, ops):
        parts = [wrap(operands[0], P_BOR)]
        for op, e in zip(ops, operands[1:]):
            parts += [op, wrap(e, P_BOR)]
        return Expr(" ".join(parts), P_CMP)

    def call(self, name, *args, **kwargs):
        texts = []
        for a in args:
            if a.prec == P_GENEXP and len(args) == 1 and not kwargs:
                texts.append(a.text)  # a sole generator argument needs no parentheses
            else:
                texts.append(wrap(a, P_IF))
        texts += [f"{k}={wrap(v, P_IF)}" for k, v in kwargs.items()]
        return Expr(name + "(" + (", " if self.chance(0.8) else ",").join(texts) + ")")

    def math_call(self, name, *args, **kwargs):
        prefix = "math." if self.chance(0.3) else ""
        return self.call(prefix + name, *args, **kwargs)

    def attribute(self, base, name, call=False):
        text = base.text
        digits = text.replace("_", "")
        plain_int = digits.isdigit() or (digits[:2].lower() in ("0x", "0o", "0b"))
        if base.prec < P_ATOM or plain_int:
            text = f"({text})" if not (plain_int and self.chance(0.2)) else text + " "
        return Expr(text + "." + name + ("()" if call else ""))

    def subscript(self, base, index):
        return Expr(wrap(base, P_ATOM) + "[" + index + "]")

    # ---- leaves -----------------------------------------------------------------------
    def small_int(self, lo=0, hi=12):
        return Expr(str(self.r.randint(lo, hi)))

    def int_leaf(self):
        r = self.r
        if self.loop_vars and self.chance(0.55):
            return Expr(r.choice(self.loop_vars))
        k = r.random()
        if k < 0.55:
            return Expr(str(r.randint(0, 20)))
        if k < 0.65:
            return self.unary("-", Expr(str(r.randint(1, 20))))
        if k < 0.75:
            return Expr(self.literals.int_text(r.randint(0, 10**r.randint(2, 8))))
        if k < 0.85:
            return Expr(self.literals.int_text(self.literals.int_value()))
        if k < 0.93:
            return Expr(r.choice(["True", "False"]))
        return self.binary(self.small_int(2, 10), "**", self.small_int(10, 80))

    def float_leaf(self):
        r = self.r
        k = r.random()
        if k < 0.4:
            return Expr(repr(round(r.uniform(-10, 100), r.randint(0, 3))).lstrip("-")) \
                if self.chance(0.8) else self.unary("-", Expr(repr(round(r.uniform(0, 10), 2))))
        if k < 0.65:
            return Expr(self.literals.float_text(self.literals.float_value()))
        if k < 0.85:
            name = r.choice(["pi", "e", "tau", "pi", "e", "inf", "nan"])
            return Expr(("math." if self.chance(0.3) else "") + name)
        return Expr(r.choice(["0.0", "-0.0", "0.5", "1.5", "2.5", "0.1", "1e-5", "1e16",
                              "1e300", "5e-324", "1e308"]))

    def complex_leaf(self):
        r = self.r
        k = r.random()
        if k < 0.4:
            return Expr(r.choice(["1", "2", "0.5", "1.5", "3", "0", "1e16", "2.5"]) + "j")
        if k < 0.7:
            re, im = r.randint(-5, 5), r.randint(-5, 5)
            sign = "+" if im >= 0 else "-"
            return Expr(f"{re}{sign}{abs(im)}j", P_ADD) if re >= 0 else \
                Expr(f"({re}{sign}{abs(im)}j)")
        if k < 0.9:
            return self.call("complex", self.number(0), self.number(0))
        return self.unary("-", Expr(r.choice(["1j", "0j", "2.5j"])))

    # ---- typed expressions --------------------------------------------------------------
    def number(self, d):
        return self.pick((5, lambda: self.int_(d)), (4, lambda: self.float_(d)),
                         (1, lambda: self.complex_(d)) if d > 0 else (0.3, self.complex_leaf))

    def real(self, d):
        return self.pick((5, lambda: self.int_(d)), (4, lambda: self.float_(d)))

    def int_(self, d):
        r = self.r
        if d <= 0 or self.chance(0.2):
            return self.int_leaf()
        d1 = d - 1
        return self.pick(
            (18, lambda: self.binary(self.int_(d1), r.choice("+-*"), self.int_(d1))),
            (7, lambda: self.binary(self.int_(d1), r.choice(["//", "%"]), self.divisor(d1))),
            (4, lambda: self.binary(self.int_(d1), "**", self.small_int(0, 9))),
            (7, lambda: self.binary(self.int_(d1), r.choice("|&^"), self.int_(d1))),
            (4, lambda: self.binary(self.int_(d1), r.choice(["<<", ">>"]),
                                    self.small_int(0, 70) if self.chance(0.95)
                                    else self.unary("-", self.small_int(1, 3)))),
            (6, lambda: self.unary(r.choice(["-", "-", "+", "~"]), self.int_(d1))),
            (10, lambda: self.int_builtin(d1)),
            (8, lambda: self.int_math(d1)),
            (4, lambda: self.int_attribute(d1)),
            (5, lambda: self.subscript(self.seq(d1)[0], self.index_text(d1))),
            (4, lambda: self.conditional(self.int_(d1), self.bool_(d1), self.int_(d1))),
            (4, lambda: self.reduction(d1, "int")),
            (2, lambda: self.binary(Expr(r.choice(["True", "False"])), r.choice("+-*&|"),
                                    self.int_(d1))),
        )

    def divisor(self, d):
        if self.chance(0.6):
            return self.small_int(1, 12) if self.chance(0.9) else self.unary("-", self.small_int(1, 9))
        return self.int_(d)

    def index_text(self, d):
        r = self.r
        if self.chance(0.75):
            return str(r.randint(-4, 4))
        if self.chance(0.5):
            lo = r.choice(["", str(r.randint(-5, 5))])
            hi = r.choice(["", str(r.randint(-5, 5))])
            step = r.choice(["", "", ":" + str(r.choice([-2, -1, 1, 2, 3]))])
            return lo + ":" + hi + step
        return self.int_(d).text

    def int_builtin(self, d):
        r = self.r
        return self.pick(
            (3, lambda: self.call("abs", self.int_(d))),
            (3, lambda: self.call("round", self.float_(d))),
            (1, lambda: self.call("round", self.int_(d), self.unary("-", self.small_int(1, 4)))),
            (3, lambda: self.call("int", self.float_(d))),
            (4, lambda: self.call("len", self.seq(d)[0])),
            (3, lambda: self.call("sum", self.seq(d)[0])),
            (4, lambda: self.call(r.choice(["min", "max"]),
                                  *[self.int_(d) for _ in range(r.randint(2, 4))])),
            (3, lambda: self.call(r.choice(["min", "max"]), self.seq(d)[0])),
            (1, lambda: self.call(r.choice(["min", "max"]), self.seq(d)[0],
                                  default=self.small_int())),
            (3, lambda: self.call("pow", self.int_(d), self.small_int(0, 30),
                                  self.small_int(1, 100))),
            (1, lambda: self.call("pow", self.int_(d), self.unary("-", self.small_int(1, 3)),
                                  Expr(str(r.choice([7, 11, 13, 97, 10, 12, 1000000007]))))),
            (2, lambda: self.subscript(self.call("divmod", self.int_(d), self.divisor(d)),
                                       r.choice(["0", "1", "-1"]))),
            (1, lambda: self.call("int", self.int_(d))),
            (1, lambda: self.call("pow", self.int_(d), self.small_int(0, 6))),
        )

    def int_math(self, d):
        r = self.r
        return self.pick(
            (2, lambda: self.math_call("factorial", self.small_int(0, 25))),
            (2, lambda: self.math_call("comb", self.small_int(0, 30), self.small_int(0, 15))),
            (1, lambda: self.math_call("perm", self.small_int(0, 20), self.small_int(0, 8))),
            (1, lambda: self.math_call("perm", self.small_int(0, 10))),
            (2, lambda: self.math_call("gcd", *[self.int_(d) for _ in range(r.randint(0, 3))])),
            (2, lambda: self.math_call("lcm", *[self.int_(d) for _ in range(r.randint(0, 3))])),
            (2, lambda: self.math_call("isqrt", self.call("abs", self.int_(d))
                                       if self.chance(0.8) else self.int_(d))),
            (4, lambda: self.math_call(r.choice(["floor", "ceil", "trunc"]), self.float_(d))),
            (1, lambda: self.math_call("prod", self.seq(d)[0])),
        )

    def int_attribute(self, d):
        r = self.r
        return self.pick(
            (2, lambda: self.attribute(self.int_(d), r.choice(NUMBER_DATA_ATTRIBUTES))),
            (2, lambda: self.attribute(self.int_(d), r.choice(["bit_length", "bit_count"]),
                                       call=True)),
            (1, lambda: self.subscript(self.attribute(self.float_(d), "as_integer_ratio", True),
                                       r.choice(["0", "1"]))),
            (1, lambda: self.attribute(self.int_(d), "conjugate", call=True)),
        )

    def float_(self, d):
        r = self.r
        if d <= 0 or self.chance(0.2):
            return self.float_leaf()
        d1 = d - 1
        return self.pick(
            (14, lambda: self.binary(self.real(d1), r.choice("+-*"), self.float_(d1))),
            (8, lambda: self.binary(self.real(d1), "/", self.real(d1))),
            (3, lambda: self.binary(self.float_(d1), r.choice(["//", "%"]), self.real(d1))),
            (3, lambda: self.binary(self.positive(d1), "**", self.exponent())),
            (5, lambda: self.unary(r.choice(["-", "+"]), self.float_(d1))),
            (16, lambda: self.float_math(d1)),
            (5, lambda: self.float_builtin(d1)),
            (3, lambda: self.float_attribute(d1)),
            (3, lambda: self.conditional(self.float_(d1), self.bool_(d1), self.real(d1))),
            (3, lambda: self.reduction(d1, "float")),
        )

    def positive(self, d):
        if self.chance(0.5):
            return Expr(repr(round(self.r.uniform(0, 20), 2)))
        return self.call("abs", self.real(d))

    def exponent(self):
        r = self.r
        return Expr(r.choice(["0.5", "2", "3", "-1", "1.5", "0.25", "2.0", "-0.5", "10", "0"]))

    def unit(self):
        """An argument inside [-1, 1], for asin, acos and atanh."""
        return Expr(repr(round(self.r.uniform(-1, 1), self.r.randint(1, 4))))

    def float_math(self, d):
        r = self.r
        f1 = lambda name, arg: self.math_call(name, arg)  # noqa: E731
        return self.pick(
            (4, lambda: f1(r.choice(["sqrt", "log", "log2", "log10", "log1p"]),
                           self.positive(d) if self.chance(0.8) else self.real(d))),
            (3, lambda: f1(r.choice(["exp", "exp2", "expm1", "sinh", "cosh", "tanh"]),
                           self.real(d) if self.chance(0.5) else
                           Expr(repr(round(r.uniform(-800, 800), 1))))),
            (4, lambda: f1(r.choice(["sin", "cos", "tan", "atan", "asinh", "degrees",
                                     "radians", "erf", "erfc", "cbrt", "fabs", "ulp"]),
                           self.real(d))),
            (2, lambda: f1(r.choice(["asin", "acos", "atanh"]),
                           self.unit() if self.chance(0.8) else self.real(d))),
            (1, lambda: f1("acosh", self.binary(self.positive(d), "+", Expr("1")))),
            (1, lambda: f1(r.choice(["gamma", "lgamma"]), Expr(repr(round(r.uniform(-5, 30), 1))))),
            (3, lambda: self.math_call(r.choice(["atan2", "copysign", "fmod", "remainder",
                                                 "hypot", "nextafter", "pow"]),
                                       self.real(d), self.real(d))),
            (1, lambda: self.math_call("log", self.positive(d), Expr(r.choice(["2", "10", "3", "0.5", "e"])))),
            (1, lambda: self.math_call("ldexp", self.float_(d), self.small_int(-60, 60))),
            (2, lambda: self.math_call("fsum", self.seq(d, "float")[0])),
            (1, lambda: self.math_call("hypot", *[self.real(d) for _ in range(r.randint(0, 4))])),
            (1, lambda: self.math_call("dist", self.tuple_of(2, "float"), self.tuple_of(2, "float"))),
            (1, lambda: self.subscript(self.math_call(r.choice(["frexp", "modf"]), self.float_(d)),
                                       r.choice(["0", "1"]))),
        )

    def float_builtin(self, d):
        r = self.r
        return self.pick(
            (3, lambda: self.call("float", self.int_(d))),
            (2, lambda: self.call("abs", self.float_(d))),
            (3, lambda: self.call("round", self.float_(d), self.small_int(-2, 6))),
            (1, lambda: self.call("round", self.float_(d), ndigits=self.small_int(0, 4))),
            (2, lambda: self.call(r.choice(["min", "max"]), self.float_(d), self.real(d))),
            (2, lambda: self.call("abs", self.complex_(d))),
            (1, lambda: self.call("pow", self.positive(d), self.exponent())),
            (1, lambda: self.call("sum", self.seq(d, "float")[0])),
        )

    def float_attribute(self, d):
        r = self.r
        return self.pick(
            (2, lambda: self.attribute(self.complex_(d), r.choice(["real", "imag"]))),
            (2, lambda: self.attribute(self.float_(d), r.choice(["real", "imag"]))),
            (1, lambda: self.attribute(self.float_(d), "conjugate", call=True)),
        )

    def complex_(self, d):
        r = self.r
        if d <= 0 or self.chance(0.25):
            return self.complex_leaf()
        d1 = d - 1
        return self.pick(
            (10, lambda: self.binary(self.complex_(d1), r.choice("+-*"), self.number(d1))),
            (4, lambda: self.binary(self.number(d1), r.choice("+-*"), self.complex_(d1))),
            (4, lambda: self.binary(self.complex_(d1), "/", self.number(d1))),
            (3, lambda: self.binary(self.complex_(d1), "**",
                                    Expr(r.choice(["2", "3", "0.5", "-1", "0", "1j", "10"])))),
            (2, lambda: self.binary(self.unary("-", self.positive(d1)), "**",
                                    Expr(r.choice(["0.5", "(1/3)", "1.5", "0.25"])))),
            (3, lambda: self.unary(r.choice(["-", "+"]), self.complex_(d1))),
            (2, lambda: self.attribute(self.complex_(d1), "conjugate", call=True)),
            (2, lambda: self.call("complex", self.real(d1), self.real(d1))),
            (1, lambda: self.call("sum", self.list_of(r.randint(1, 3), "complex"))),
            (1, lambda: self.call("pow", self.complex_(d1), self.small_int(0, 4))),
            (2, lambda: self.conditional(self.complex_(d1), self.bool_(d1), self.number(d1))),
        )

    def bool_(self, d):
        r = self.r
        if d <= 0 or self.chance(0.1):
            return self.pick((3, lambda: self.compare([self.int_leaf(), self.int_leaf()],
                                                      [r.choice(["<", "<=", ">", ">=", "==", "!="])])),
                             (1, lambda: Expr(r.choice(["True", "False"]))))
        d1 = d - 1
        cmp_ops = ["<", "<=", ">", ">=", "==", "!="]
        return self.pick(
            (12, lambda: self.compare([self.real(d1) for _ in range(2)], [r.choice(cmp_ops)])),
            (5, lambda: self.compare([self.real(d1) for _ in range(3)],
                                     [r.choice(cmp_ops), r.choice(cmp_ops)])),
            (2, lambda: self.compare([self.number(d1), self.number(d1)], [r.choice(["==", "!="])])),
            (5, lambda: self.compare([self.int_(d1), self.seq(d1)[0]], [r.choice(["in", "not in"])])),
            (3, lambda: self.compare([self.seq(d1, "int", kind)[0] for kind in [r.choice(["tuple", "list"])] * 2],
                                     [r.choice(cmp_ops)])),
            (4, lambda: self.unary("not", self.any_(d1))),
            (4, lambda: self.boolean(self.bool_(d1), r.choice(["and", "or"]), self.bool_(d1))),
            (3, lambda: self.call(r.choice(["all", "any"]), self.seq(d1)[0])),
            (3, lambda: self.call(r.choice(["all", "any"]), self.genexp(d1, "bool"))),
            (2, lambda: self.call("bool", self.any_(d1))),
            (3, lambda: self.math_call(r.choice(["isfinite", "isinf", "isnan"]), self.float_(d1))),
            (2, lambda: self.math_call("isclose", self.float_(d1), self.real(d1))),
            (1, lambda: self.math_call("isclose", self.float_(d1), self.real(d1),
                                       rel_tol=Expr(r.choice(["0.1", "1e-3", "0.5"])))),
            (2, lambda: self.attribute(self.float_(d1), "is_integer", call=True)),
        )

    # ---- sequences: (Expr, kind) with kind "tuple", "list" or "range" --------------------
    def element(self, etype, d=0):
        if etype == "float":
            return self.real(d)
        if etype == "complex":
            return self.number(d)
        if etype == "mixed":
            return self.pick((6, lambda: self.real(d)), (1, self.complex_leaf),
                             (1, lambda: Expr(self.r.choice(["True", "None", "False"]))))
        return self.int_(d)

    def tuple_of(self, n, etype="int", d=0):
        items = [self.element(etype, d) for _ in range(n)]
        if n == 1:
            return Expr("(" + wrap(items[0], P_IF) + ",)")
        return Expr("(" + ", ".join(wrap(e, P_IF) for e in items) + ")")

    def list_of(self, n, etype="int", d=0):
        return Expr("[" + ", ".join(wrap(self.element(etype, d), P_IF) for _ in range(n)) + "]")

    def range_(self):
        r = self.r
        k = r.random()
        if self.loop_vars and k < 0.3:
            return self.call("range", Expr(r.choice(self.loop_vars)))
        if k < 0.5:
            return self.call("range", self.small_int(0, 10))
        if k < 0.8:
            return self.call("range", self.small_int(-5, 5), self.small_int(0, 15))
        step = r.choice([-3, -2, -1, 1, 2, 3, 5])
        return self.call("range", self.small_int(-10, 20), self.small_int(-10, 20),
                         Expr(str(step)) if step > 0 else self.unary("-", Expr(str(-step))))

    def seq(self, d, etype="int", kind=None):
        r = self.r
        kind = kind or r.choice(["tuple", "list", "list", "range"] if etype == "int"
                                else ["tuple", "list"])
        if kind == "range":
            return self.range_(), "range"
        if d <= 0 or self.chance(0.3):
            n = r.choice([0, 1, 2, 2, 3, 3, 4, 5])
            return (self.tuple_of(n, etype) if kind == "tuple" else self.list_of(n, etype)), kind
        d1 = d - 1
        if kind == "tuple":
            return self.pick(
                (5, lambda: self.tuple_of(r.randint(0, 4), etype, d1)),
                (2, lambda: self.binary(self.seq(d1, etype, "tuple")[0], "+",
                                        self.seq(d1, etype, "tuple")[0])),
                (2, lambda: self.binary(self.seq(d1, etype, "tuple")[0], "*", self.small_int(0, 3))),
                (2, lambda: self.call("tuple", self.seq(d1, etype)[0])),
                (1, lambda: self.call("tuple", self.genexp(d1, etype))),
                (2, lambda: self.subscript(self.seq(d1, etype, "tuple")[0],
                                           self.slice_text())),
                (1, lambda: self.call("divmod", self.real(d1), self.real(d1))),
                (1, lambda: self.attribute(self.float_(d1), "as_integer_ratio", call=True)),
                (1, lambda: self.math_call(r.choice(["frexp", "modf"]), self.float_(d1))),
            ), kind
        return self.pick(
            (5, lambda: self.list_of(r.randint(0, 4), etype, d1)),
            (5, lambda: self.listcomp(d1, etype)),
            (2, lambda: self.binary(self.seq(d1, etype, "list")[0], "+",
                                    self.seq(d1, etype, "list")[0])),
            (2, lambda: self.binary(self.seq(d1, etype, "list")[0], "*", self.small_int(0, 3))),
            (3, lambda: self.call("sorted", self.seq(d1, etype)[0])),
            (1, lambda: self.call("sorted", self.seq(d1, etype)[0],
                                  reverse=Expr(r.choice(["True", "False", "1", "0"])))),
            (1, lambda: self.call("sorted", self.genexp(d1, etype))),
            (2, lambda: self.call("list", self.seq(d1, etype)[0])),
            (2, lambda: self.subscript(self.seq(d1, etype, "list")[0], self.slice_text())),
            (1, lambda: self.conditional(self.seq(d1, etype, "list")[0], self.bool_(d1),
                                         self.seq(d1, etype, "list")[0])),
        ), kind

    def slice_text(self):
        r = self.r
        lo = r.choice(["", str(r.randint(-4, 4))])
        hi = r.choice(["", str(r.randint(-4, 4))])
        step = r.choice(["", "", ":", ":" + str(r.choice([-2, -1, 1, 2, 3]))])
        return lo + ":" + hi + step

    # ---- comprehensions -----------------------------------------------------------------
    def clauses(self, d):
        """`for ... in ... if ...` clauses; binds new loop variables (popped by the caller)."""
        r = self.r
        texts = []
        for _ in range(r.choice([1, 1, 1, 2, 2, 3])):
            name = r.choice([v for v in LOOP_VARIABLES if v not in self.loop_vars])
            iterable = self.pick(
                (5, self.range_),
                (2, lambda: self.seq(0)[0]),
                (1, lambda: self.call("range", self.small_int(1, 5), self.small_int(5, 60))),
            )
            self.loop_vars.append(name)
            text = f"for {name} in {wrap(iterable, P_OR)}"
            for _ in range(r.choice([0, 0, 0, 1, 1, 2])):
                cond = self.pick(
                    (3, lambda: self.compare([self.int_leaf(), self.small_int(0, 6)],
                                             [r.choice(["<", ">", "!=", "==", ">="])])),
                    (2, lambda: self.binary(Expr(name), "%", self.small_int(2, 4))),
                    (1, lambda: self.bool_(min(d, 1))),
                )
                text += " if " + wrap(cond, P_OR)
            texts.append(text)
        return " ".join(texts)

    def comprehension_text(self, d, etype):
        depth = len(self.loop_vars)
        clauses = self.clauses(d)
        if etype == "bool":
            elt = self.bool_(min(d, 2))
        else:
            elt = self.element(etype, min(d, 2))
        del self.loop_vars[depth:]
        return wrap(elt, P_IF) + " " + clauses

    def listcomp(self, d, etype="int"):
        return Expr("[" + self.comprehension_text(d, etype) + "]")

    def genexp(self, d, etype="int"):
        return Expr(self.comprehension_text(d, etype), P_GENEXP)

    def reduction(self, d, etype):
        r = self.r
        f = r.choice(["sum", "sum", "max", "min", "len"] if etype == "int" else ["sum", "max", "min"])
        if f == "len":
            return self.call("len", self.listcomp(d, "int"))
        if etype == "float" and self.chance(0.3):
            return self.math_call("fsum", self.genexp(d, "float"))
        if f != "sum" and self.chance(0.2):
            return self.call(f, self.genexp(d, etype), default=self.small_int())
        return self.call(f, self.genexp(d, etype))

    # ---- anything ---------------------------------------------------------------------
    def any_(self, d):
        r = self.r
        return self.pick(
            (4, lambda: self.int_(d)),
            (3, lambda: self.float_(d)),
            (1, lambda: self.complex_(d)),
            (2, lambda: self.bool_(d)),
            (2, lambda: self.seq(d, r.choice(["int", "int", "mixed"]))[0]),
            (0.5, lambda: Expr("None")),
        )

    def top(self):
        """One random expression of the language."""
        r = self.r
        d = r.choice([1, 2, 2, 2, 3, 3, 3, 4])
        e = self.pick(
            (26, lambda: self.int_(d)),
            (20, lambda: self.float_(d)),
            (7, lambda: self.complex_(d)),
            (17, lambda: self.bool_(d)),
            (15, lambda: self.seq(d, r.choice(["int", "int", "float", "mixed"]))[0]),
            (6, lambda: self.boolean(self.any_(d - 1), r.choice(["and", "or"]), self.any_(d - 1))),
            (4, lambda: self.conditional(self.any_(d - 1), self.bool_(d - 1), self.any_(d - 1))),
            (3, lambda: self.call(r.choice(["hex", "bin", "oct"]), self.int_(d - 1))),
            (2, lambda: self.scoping(d)),
        )
        return e.text

    def scoping(self, d):
        """A comprehension variable used after its comprehension (a NameError), now and then."""
        comp = self.listcomp(max(d - 1, 0))
        name = comp.text.split(" for ", 1)[1].split()[0]
        return self.boolean(self.call("len", comp), "and", Expr(name))


def random_grammar_cases(seen, n):
    rng = random.Random(SEED + 1)
    g = Grammar(rng)
    out = []
    tries = 0
    while len(out) < n:
        tries += 1
        assert tries < 50 * n, "generator stuck"
        expr = g.top()
        if expr in seen or len(expr) > 2000:
            continue
        expected = oracle(expr)
        if expected is None:
            continue
        seen.add(expr)
        out.append((expr, expected))
    return out


def random_arithmetic_cases(seen, n):
    rng = random.Random(SEED)
    g = Gen(rng)
    out = []
    tries = 0
    while len(out) < n:
        tries += 1
        assert tries < 200 * n, "generator stuck"
        t = focused(g)
        expr = render(t, rng)
        if expr in seen or len(expr) > 3000 or depth_of(t) > 10:
            continue
        expected = oracle(expr)
        if expected is None:
            continue
        seen.add(expr)
        out.append((expr, expected))
    return out


# --------------------------------------------------------------------------------------
# Writing the fixture
# --------------------------------------------------------------------------------------


def constructs_of(expr):
    """The constructs an expression uses, for the header's counts."""
    try:
        tree = ast.parse(expr, mode="eval")
    except (SyntaxError, RecursionError, ValueError, MemoryError):
        return {"syntax errors"}
    found = set()
    for node in ast.walk(tree):
        kind = type(node)
        if kind is ast.Compare:
            found.add("comparisons")
            if len(node.ops) > 1:
                found.add("chained comparisons")
            if any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
                found.add("in / not in")
        elif kind is ast.BoolOp:
            found.add("and / or")
        elif kind is ast.IfExp:
            found.add("conditional expressions")
        elif kind is ast.UnaryOp:
            found.add({ast.Not: "not", ast.Invert: "~"}.get(type(node.op), "unary + -"))
        elif kind is ast.BinOp:
            op = type(node.op)
            if op in (ast.BitOr, ast.BitXor, ast.BitAnd):
                found.add("| ^ &")
            elif op in (ast.LShift, ast.RShift):
                found.add("<< >>")
            else:
                found.add("+ - * / // % **")
        elif kind in (ast.Tuple, ast.List):
            found.add("tuple / list displays")
        elif kind is ast.Subscript:
            found.add("slices" if isinstance(node.slice, ast.Slice) else "indexing")
        elif kind is ast.Attribute:
            is_math = isinstance(node.value, ast.Name) and node.value.id == "math"
            found.add("math.NAME" if is_math else "number attributes")
        elif kind is ast.ListComp:
            found.add("list comprehensions")
        elif kind is ast.GeneratorExp:
            found.add("generator expressions")
        elif kind is ast.Call:
            if node.keywords:
                found.add("keyword arguments")
            name = node.func.id if isinstance(node.func, ast.Name) else \
                node.func.attr if isinstance(node.func, ast.Attribute) else None
            if name in BUILTIN_NAMES:
                found.add("builtin calls")
            if name in MATH_FUNCTIONS and name != "pow" or \
                    (isinstance(node.func, ast.Attribute) and name in MATH_FUNCTIONS):
                found.add("math function calls")
        elif kind is ast.Constant and type(node.value) is complex:
            found.add("complex literals")
    return found


def outcome_kind(expected):
    if not expected.startswith("!"):
        return "values"
    if expected == "!limit":
        return "!limit"
    if expected.startswith("!outside"):
        return "!outside"
    return "errors"


def tally(rows, key):
    counts = {}
    for expr, expected in rows:
        for k in key(expr, expected):
            counts[k] = counts.get(k, 0) + 1
    return counts


def wrapped(prefix, items, width=94):
    """Comment lines listing items, wrapped at width."""
    lines, line = [], prefix
    for item in items:
        if len(line) + len(item) + 2 > width and line != prefix:
            lines.append(line.rstrip())
            line = "#   "
        line += item + ", "
    lines.append(line.rstrip(", "))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("-o", "--output",
                    default=os.path.join(here, "..", "tests", "data", "python_oracle.tsv"))
    args = ap.parse_args()
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"needs CPython 3.11 (its math module, messages and int/str limit), "
                 f"not {sys.version.split()[0]}")
    missing = [n for n in MATH_FUNCTIONS + MATH_CONSTANTS if not hasattr(math, n)]
    public = sorted(n for n in dir(math) if not n.startswith("_"))
    if missing or public != sorted(MATH_FUNCTIONS + MATH_CONSTANTS):
        sys.exit(f"this CPython's math module is not 3.11's: {missing or public}")
    warnings.simplefilter("ignore")  # SyntaxWarning ("'int' object is not callable; ...")
    sys.setrecursionlimit(20_000)
    sys.set_int_max_str_digits(4300)  # CPython's default, whatever the environment says
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, resource.RLIM_INFINITY))
    signal.signal(signal.SIGALRM, _on_alarm)

    seen = set()
    sections = []
    for title, cases in HAND_SECTIONS:
        rows = []
        for expr in cases():
            if expr in seen:
                continue
            expected = oracle(expr, hand_written=True)
            if expected is None:
                continue
            seen.add(expr)
            rows.append((expr, expected))
        sections.append((title, rows))
    hand = [row for _, rows in sections for row in rows]
    arithmetic = random_arithmetic_cases(seen, N_RANDOM_ARITHMETIC)
    grammar = random_grammar_cases(seen, N_RANDOM_GRAMMAR)
    everything = hand + arithmetic + grammar

    outcomes = tally(everything, lambda e, x: [outcome_kind(x)])
    constructs = tally(everything, lambda e, x: constructs_of(e))
    header = [
        "# safecalc differential-test fixture: CPython 3.11's answers for Python's numeric",
        "# expressions. Generated by scripts/gen_python_oracle.py (seed %d) with CPython %s;" % (
            SEED, sys.version.split()[0]),
        "# regenerate with `python3 scripts/gen_python_oracle.py` (its docstring explains it all).",
        "#",
        "# Format: EXPR<TAB>EXPECTED, EXPECTED being",
        "#   repr(result)      the value CPython's eval() returns;",
        "#   !Class: message   CPython raises Class with str(exception) == message (the test",
        "#                     compares both; for SyntaxError only the class). Printing an int of",
        "#                     more than 4,300 digits is CPython's ValueError (its int/str limit);",
        "#   !limit            CPython computes it, safecalc's documented caps refuse it: an int",
        "#                     with abs >= 10**100000, a tuple/list of more than 10,000 elements,",
        "#                     or more than 65,536 bytes of input;",
        "#   !outside: why     not in the language (string literals, other attributes, functions",
        "#                     as values, lambda, dicts...): safecalc must refuse it, any error.",
        "# `^` is Python's xor here: the test evaluates with safecalc's option for Python's caret.",
        "# Every answer is CPython's own eval() in a namespace of exactly the language's names.",
        "#",
        "# %d rows: %d hand-written (sections below), %d random (%d arithmetic, %d whole grammar)." % (
            len(everything), len(hand), len(arithmetic) + len(grammar), len(arithmetic),
            len(grammar)),
        "# Outcomes: %s." % ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())),
    ]
    header += wrapped("# Rows per construct: ",
                      [f"{k} {v}" for k, v in sorted(constructs.items())])
    header += wrapped("# Not emitted (expressions offered, left out): ",
                      [f"{k} {v}" for k, v in sorted(STATS.left_out.items())])
    header.append("# safecalc's work budget is not modelled: apart from !limit rows, no row's estimated")
    header.append("# CPython time (a deterministic cost model) is above 1 ms.")
    lines = header + ["# --- hand-picked ---"]
    for title, rows in sections:
        lines.append(f"# == {title} ({len(rows)} rows)")
        lines += [f"{e}\t{x}" for e, x in rows]
    lines.append("# --- random --- (%d arithmetic, then %d of the whole grammar)" % (
        len(arithmetic), len(grammar)))
    lines += [f"{e}\t{x}" for e, x in arithmetic + grammar]
    with open(args.output, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")

    print(f"wrote {args.output}: {len(everything)} rows "
          f"({len(hand)} hand-written, {len(arithmetic)} + {len(grammar)} random)")
    for title, rows in sections:
        print(f"  {len(rows):6d}  {title}")
    for name, rows in (("hand", hand), ("arithmetic", arithmetic), ("grammar", grammar)):
        kinds = tally(rows, lambda e, x: [outcome_kind(x)])
        print(f"  {name:10s} " + ", ".join(f"{k} {v} ({100 * v / len(rows):.0f}%)"
                                           for k, v in sorted(kinds.items())))
    print("  left out:", ", ".join(f"{k} {v}" for k, v in sorted(STATS.left_out.items())))


if __name__ == "__main__":
    main()
