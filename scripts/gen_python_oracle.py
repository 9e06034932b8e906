#!/usr/bin/env python3
"""Generate tests/data/python_oracle.tsv: CPython's answers for safecalc's differential test.

How to run (from the repository root; standard library only, CPython 3.11):

    python3 scripts/gen_python_oracle.py            # writes tests/data/python_oracle.tsv
    python3 scripts/gen_python_oracle.py -o FILE    # writes elsewhere

What it does
------------
It builds ~1,000+ hand-picked edge cases and ~5,000 random expressions of safecalc's
arithmetic subset of Python (int/float literals in every Python spelling, binary
``+ - * / // % **``, unary ``+ -``, parentheses, and calls of the functions below), evaluates
each one with CPython's real ``eval()`` and records, one per line,

    EXPR<TAB>EXPECTED

where EXPECTED is

* ``repr(eval(EXPR, NAMESPACE))`` when Python returns an int or a float;
* ``!ExceptionClassName`` (``!ZeroDivisionError``, ``!ValueError``, ``!OverflowError``,
  ``!TypeError``, ``!SyntaxError``, ``!NameError``) when Python raises;
* ``!complex`` when Python's result is a ``complex`` (``(-8)**(1/3)``): safecalc refuses those;
* ``!limit`` when any integer -- a literal, an intermediate result of a subexpression or the
  final result -- has more than 4,300 decimal digits (``abs(n) >= 10**4300``). safecalc
  refuses such integers by design (CPython 3.11's own int/str limit, CVE-2020-10735).

Lines starting with ``#`` are comments.  NAMESPACE is ``{'__builtins__': {}}`` plus the
constants ``pi e tau inf nan`` (math), the builtins ``abs round min max`` and the math functions
``sqrt exp log log2 log10 sin cos tan asin acos atan atan2 sinh cosh tanh floor ceil trunc
factorial gcd hypot degrees radians``.

Before calling ``eval()`` every expression is parsed with ``ast`` and walked by a small
checker that evaluates each subexpression with the same Python operations (in Python's
evaluation order, but carrying on past errors so that *every* subexpression is looked at).
It decides ``!limit`` without computing anything huge: ``int ** int`` is estimated from the
bit lengths first and ``factorial(n)`` for n > 2000 is known to be too large.  Expressions
for which the outcome would depend on *when* an implementation detects a problem are left
out (not emitted), namely those where

* an over-limit integer and a Python exception both occur (``1/0 + 10**5000``), or
* a complex intermediate occurs but the final result is not complex (``abs((-1)**0.5)``),
  or a complex intermediate occurs together with an error or a limit,
* or anything outside the subset (tuples, strings, ``~``, comparisons, keyword args, ...).

The EXPECTED value always comes from the real ``eval()`` (or is ``!limit``); the checker's own
value is only used to cross-check it.

Determinism: the random part uses ``random.Random(SEED)`` with SEED = 20261125 and nothing
else random (no hashing of sets, no time), so running the script twice writes the same
file.  Regenerate only with CPython 3.11 (the header records the version used).
"""

import argparse
import ast
import math
import os
import random
import signal
import sys
import warnings

SEED = 20261125
N_RANDOM = 5000
LIMIT = 10**4300  # an int with abs(n) >= LIMIT has more than 4300 decimal digits
ALLOWED_EXC = {"ZeroDivisionError", "ValueError", "OverflowError", "TypeError",
               "SyntaxError", "NameError"}

CONSTANTS = ["pi", "e", "tau", "inf", "nan"]
BUILTINS = {"abs": abs, "round": round, "min": min, "max": max}
MATH_FUNCS = ["sqrt", "exp", "log", "log2", "log10", "sin", "cos", "tan", "asin", "acos",
              "atan", "atan2", "sinh", "cosh", "tanh", "floor", "ceil", "trunc",
              "factorial", "gcd", "hypot", "degrees", "radians"]


def make_namespace():
    ns = {"__builtins__": {}}
    for name in CONSTANTS:
        ns[name] = getattr(math, name)
    ns.update(BUILTINS)
    for name in MATH_FUNCS:
        ns[name] = getattr(math, name)
    return ns


NAMESPACE = make_namespace()

# --------------------------------------------------------------------------------------
# The checker: walks the ast, finds over-limit ints, errors and complex intermediates.
# --------------------------------------------------------------------------------------


class OutsideSubset(Exception):
    pass


POISON = object()

BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
    ast.Pow: lambda a, b: a ** b,
}
UNOPS = {ast.UAdd: lambda a: +a, ast.USub: lambda a: -a}


def int_pow_too_big(base, exp):
    """True if base ** exp (ints, exp > 0) certainly has more than 4300 digits.

    Decided from bit lengths without computing.  When it returns False the power has
    at most ~30,000 bits, which is cheap to compute and then check exactly."""
    if abs(base) <= 1 or exp <= 0:
        return False
    if exp > 20000:  # |base| >= 2 → at least 2**20001 > 10**6000
        return True
    # |base| >= 2**(bl-1) → result >= 2**(exp*(bl-1)); 2**14300 > 10**4304
    return exp * (abs(base).bit_length() - 1) > 14300


class Checker:
    def __init__(self):
        self.events = []  # ("error", ClassName) | ("limit",) | ("complex",) | ("slow",)

    def value(self, v):
        if isinstance(v, bool):
            raise OutsideSubset("bool")
        if isinstance(v, complex):
            self.events.append(("complex",))
            return POISON
        if isinstance(v, int) and abs(v) >= LIMIT:
            self.events.append(("limit",))
            return POISON
        if not isinstance(v, (int, float)):
            raise OutsideSubset(type(v).__name__)
        return v

    def apply(self, fn, *args):
        try:
            r = fn(*args)
        except Exception as ex:  # noqa: BLE001 - we record the class
            self.events.append(("error", type(ex).__name__))
            return POISON
        return self.value(r)

    def ev(self, node):
        if isinstance(node, ast.Expression):
            return self.ev(node.body)
        if isinstance(node, ast.Constant):
            if type(node.value) not in (int, float):
                raise OutsideSubset("constant")
            return self.value(node.value)
        if isinstance(node, ast.UnaryOp):
            if type(node.op) not in UNOPS:
                raise OutsideSubset("unary op")
            a = self.ev(node.operand)
            if a is POISON:
                return POISON
            return self.apply(UNOPS[type(node.op)], a)
        if isinstance(node, ast.BinOp):
            if type(node.op) not in BINOPS:
                raise OutsideSubset("binary op")
            a = self.ev(node.left)
            b = self.ev(node.right)
            if a is POISON or b is POISON:
                return POISON
            if (isinstance(node.op, ast.Pow) and type(a) is int and type(b) is int
                    and int_pow_too_big(a, b)):
                self.events.append(("limit",))
                return POISON
            return self.apply(BINOPS[type(node.op)], a, b)
        if isinstance(node, ast.Name):
            if node.id not in NAMESPACE or node.id == "__builtins__":
                self.events.append(("error", "NameError"))
                return POISON
            v = NAMESPACE[node.id]
            if isinstance(v, float):
                return v
            return ("func", node.id)
        if isinstance(node, ast.Call):
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                raise OutsideSubset("call syntax")
            if not isinstance(node.func, ast.Name):
                raise OutsideSubset("callee")
            f = self.ev(node.func)
            args = [self.ev(a) for a in node.args]
            # a function object used as a value (sqrt + 1) is outside the subset
            for a in args:
                if isinstance(a, tuple):
                    raise OutsideSubset("function as value")
            if f is POISON or any(a is POISON for a in args):
                return POISON
            if not isinstance(f, tuple):  # pi(1): calling a float
                self.events.append(("error", "TypeError"))
                return POISON
            name = f[1]
            fn = NAMESPACE[name]
            if name == "factorial" and len(args) == 1 and type(args[0]) is int \
                    and args[0] > 2000:
                # factorial(2000) already has 5736 digits
                self.events.append(("limit",))
                return POISON
            if name == "round" and len(args) == 2 and type(args[0]) is int \
                    and type(args[1]) is int and args[1] < -5000:
                # CPython computes 10**-ndigits internally: slow for huge ndigits
                self.events.append(("slow",))
                return POISON
            return self.apply(fn, *args)
        raise OutsideSubset(type(node).__name__)


class TooSlow(BaseException):
    """Raised by the alarm when one eval() exceeds EVAL_BUDGET_S: a bug in the pre-checks."""


EVAL_BUDGET_S = 5


def _alarm(signum, frame):
    raise TooSlow()


def python_eval(expr):
    """('ok', repr) | ('exc', ClassName) | ('complex',) | ('other', description).

    The checker's pre-checks keep every eval() fast (the whole run takes about a second);
    the alarm is only a safety net, and it aborts the run instead of silently skipping an
    expression, so that the output never depends on the machine's speed."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(EVAL_BUDGET_S)
    try:
        v = eval(expr, dict(NAMESPACE))  # noqa: S307 - that is the point
    except Exception as ex:  # noqa: BLE001
        return ("exc", type(ex).__name__, str(ex))
    except TooSlow:
        sys.exit(f"eval() took over {EVAL_BUDGET_S}s on {expr[:200]!r}: tighten the checker")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    if isinstance(v, complex):
        return ("complex",)
    if type(v) in (int, float):
        return ("ok", repr(v))
    return ("other", type(v).__name__)


def oracle(expr):
    """EXPECTED for expr, or None to leave the expression out (see module docstring)."""
    if "\t" in expr or "\n" in expr or "#" in expr or expr != expr.strip():
        return None
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError as ex:
        if "Exceeds the limit" in str(ex):  # a decimal literal of more than 4300 digits
            return "!limit"
        r = python_eval(expr)
        assert r[0] == "exc" and r[1] == "SyntaxError", (expr, r)
        return "!SyntaxError"
    checker = Checker()
    try:
        result = checker.ev(tree)
    except OutsideSubset:
        return None
    kinds = {e[0] for e in checker.events}
    if "slow" in kinds:
        return None
    if kinds == {"limit"}:
        return "!limit"
    if "limit" in kinds:
        return None  # limit together with an error/complex: order-dependent
    r = python_eval(expr)
    if kinds == {"complex"}:
        return "!complex" if r[0] == "complex" else None
    if "complex" in kinds:
        return None
    if kinds == {"error"}:
        first = checker.events[0][1]
        assert r[0] == "exc" and r[1] == first, (expr, r, checker.events)
        if r[1] not in ALLOWED_EXC:
            return None
        return "!" + r[1]
    assert not kinds, (expr, checker.events)
    assert r[0] == "ok", (expr, r)
    assert r[1] == repr(result), (expr, r, result)
    return r[1]


# --------------------------------------------------------------------------------------
# Hand-picked edge cases
# --------------------------------------------------------------------------------------


def hand_picked():
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
# Random expressions
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


def random_cases(seen):
    rng = random.Random(SEED)
    g = Gen(rng)
    out = []
    tries = 0
    while len(out) < N_RANDOM:
        tries += 1
        assert tries < 200 * N_RANDOM, "generator stuck"
        t = focused(g)
        expr = render(t, rng)
        if expr in seen or len(expr) > 3000:
            continue
        if depth_of(t) > 10:
            continue
        exp = oracle(expr)
        if exp is None:
            continue
        seen.add(expr)
        out.append((expr, exp))
    return out


def depth_of(t):
    k = t[0]
    if k in ("lit", "name"):
        return 1
    if k in ("neg", "pos", "paren"):
        return 1 + depth_of(t[1])
    if k == "call":
        return 1 + max([depth_of(a) for a in t[2]] or [0])
    return 1 + max(depth_of(t[2]), depth_of(t[3]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("-o", "--output",
                    default=os.path.join(here, "..", "tests", "data", "python_oracle.tsv"))
    args = ap.parse_args()
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"needs CPython 3.11 (the int/str digit limit and repr rules), not {sys.version}")
    warnings.simplefilter("ignore")

    seen = set()
    hand = []
    for expr in hand_picked():
        if expr in seen:
            continue
        exp = oracle(expr)
        if exp is None:
            continue
        seen.add(expr)
        hand.append((expr, exp))
    rand = random_cases(seen)

    lines = [
        "# safecalc differential-test fixture: CPython's answers for arithmetic expressions.",
        "# Generated by scripts/gen_python_oracle.py (seed %d) with CPython %s." % (
            SEED, sys.version.split()[0]),
        "# Regenerate: python3 scripts/gen_python_oracle.py",
        "# Format: EXPR<TAB>EXPECTED. EXPECTED is repr(eval(EXPR)), !ExceptionClass when",
        "# Python raises, !complex for a complex result, !limit when an int exceeds 4300 digits.",
        "# %d hand-picked cases, then %d random ones." % (len(hand), len(rand)),
        "# --- hand-picked ---",
    ]
    lines += [f"{e}\t{x}" for e, x in hand]
    lines.append("# --- random ---")
    lines += [f"{e}\t{x}" for e, x in rand]
    with open(args.output, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")

    def stats(rows):
        kinds = {}
        for _, x in rows:
            key = x if x.startswith("!") else "value"
            kinds[key] = kinds.get(key, 0) + 1
        return ", ".join(f"{k}={v} ({100 * v / len(rows):.1f}%)" for k, v in sorted(kinds.items()))
    print(f"wrote {args.output}: {len(hand) + len(rand)} cases "
          f"({len(hand)} hand-picked, {len(rand)} random)")
    print("hand-picked:", stats(hand))
    print("random:     ", stats(rand))
    print("all:        ", stats(hand + rand))


if __name__ == "__main__":
    main()
