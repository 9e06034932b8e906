#!/usr/bin/env python3
"""Generate tests/data/math_cases.tsv: CPython 3.11's math module, bit for bit.

How to run (from the repository root; CPython 3.11, standard library only):

    python3 scripts/gen_math_cases.py            # writes tests/data/math_cases.tsv
    python3 scripts/gen_math_cases.py -o FILE    # writes elsewhere

``tests/pymath_cases.rs`` replays every row through ``safecalc::calc::pymath`` and
requires 100% agreement: the same float bits, the same int, the same exception class and
the same message (``str(exc)``).

The file
--------
Lines starting with ``#`` are comments. Every other line is one of:

* an explicit case, ``FUNCTION<TAB>ARGS<TAB>EXPECTED``;
* the header of a random block, ``@random<TAB>FUNCTION<TAB>SPEC<TAB>SEED<TAB>COUNT<TAB>CHECK``,
  followed by COUNT lines of EXPECTED, one per generated call (a float result there is
  written without its ``f:``, as ``float.hex()`` alone: it is most of the file).

ARGS is a space-separated list of values, keyword arguments as ``name=VALUE``:

* ``i:123`` an int (hand-picked huge arguments are written ``i:2^3000+12345``, ``i:-10^400``:
  base 2 or 10, an exponent, an optional offset), ``b:True`` a bool, ``f:0.1`` a float (in
  arguments its ``repr()``, which round-trips exactly; ``f:inf``, ``f:-inf``, ``f:nan`` and
  ``f:-nan``, the sign of a NaN being recorded too);
* ``o:NoneType``, ``o:complex``, ``o:str``: a value of another type, named as Python names it
  (only its type matters to the math functions; strings appear only where they are not
  iterated);
* ``tuple[ v v ]``, ``list[ ]``, ``range[ i:0 i:1 ]``: an iterable of that type and items.

EXPECTED is the result, in the same notation except that floats are ``float.hex()``
(``f:0x1.8000000000000p+1``) and ints decimal, ``( f:... i:... )`` for the tuples of
``frexp`` and ``modf``; or ``!ExceptionClass: message``.

Random blocks do not list their inputs: SPEC names a generator (grammar below) that draws
them from splitmix64 seeded with SEED, and the Rust test runs the same generator. CHECK is
a 64-bit FNV-style hash of every generated value, so a generator that drifts between the
two languages fails the test loudly instead of comparing the wrong inputs. This keeps the
file at about 5 MB for over 200,000 cases (with the inputs written out it would be 10 MB).

SPEC is one generator per positional argument, separated by ``;``:

* ``F(lo,hi)``: a float ``+-1.m * 2**e``, sign and 52 mantissa bits random, ``e`` uniform
  in ``[lo, hi]`` (log-uniform magnitudes; below -1022 the value is shifted into the
  subnormals); ``P(lo,hi)`` the same, positive;
* ``U(a,b)``: ``a + (b - a) * t`` with ``t`` a random multiple of 2**-53 in [0, 1);
* ``G(lo,hi)``: ``n + s * 2**-k``, ``n`` uniform in ``[lo, hi]``, ``k`` in ``[1, 52]``:
  floats just off the integers (the poles of gamma);
* ``R(lo,hi)``: an int uniform in ``[lo, hi]``; ``I(bits)``/``N(bits)``: a signed /
  non-negative int whose bit length is uniform in ``[0, bits]``;
* ``S``: half the time one of a fixed list of special floats, else ``F(-1074,1023)``;
* ``M(A|B)``: ``A`` or ``B``, by a coin flip; ``L(n,A)``: a list of ``R(0,n)`` values
  of ``A``; ``NEAR``: the previous argument nudged by a relative ``+-2**-R(1,40)``.

Determinism: no hashing, no time, no ``random`` module; rerunning writes the same file.
"""

import argparse
import math
import os
import struct
import sys

# Some results (factorial(3000)) have more than the 4,300 digits str() allows by default.
sys.set_int_max_str_digits(0)

if sys.version_info[:2] != (3, 11):
    sys.exit(f"this script needs CPython 3.11 (it records 3.11's answers); this is {sys.version}")

MASK = (1 << 64) - 1

# ---------------------------------------------------------------------------
# Notation
# ---------------------------------------------------------------------------


def fmt_float(x, exact_hex):
    if math.isnan(x):
        return "f:-nan" if math.copysign(1.0, x) < 0 else "f:nan"
    if math.isinf(x):
        return "f:inf" if x > 0 else "f:-inf"
    return "f:" + (x.hex() if exact_hex else repr(x))


def fmt_int(v):
    """Decimal, or for the big hand-picked arguments a shorter exact form:
    ``[-]B^E``, ``[-]B^E+C`` or ``[-]B^E-C`` with B 2 or 10 (never for results)."""
    if abs(v) < 10 ** 30:
        return f"i:{v}"
    sign, m = ("-", -v) if v < 0 else ("", v)
    for base in (2, 10):
        e = round(math.log(m, base))
        for e in (e - 1, e, e + 1):
            c = m - base ** e
            if abs(c) < 10 ** 20:
                tail = "" if c == 0 else f"{c:+d}"
                return f"i:{sign}{base}^{e}{tail}"
    return f"i:{v}"


def fmt(v, result=False):
    """One value in the file's notation (arguments shortest, results exact)."""
    if isinstance(v, bool):
        return f"b:{v}"
    if isinstance(v, int):
        return f"i:{v}" if result else fmt_int(v)
    if isinstance(v, float):
        return fmt_float(v, result)
    if isinstance(v, (tuple, list, range)):
        name = type(v).__name__
        return " ".join([f"{name}["] + [fmt(x, result) for x in v] + ["]"])
    return f"o:{type(v).__name__}"


def fmt_result(r):
    if isinstance(r, tuple):
        return " ".join(["("] + [fmt(x, True) for x in r] + [")"])
    if isinstance(r, (bool, int, float)):
        return fmt(r, True)
    raise TypeError(f"unexpected result type {type(r).__name__}: {r!r}")


def outcome(fn, args, kwargs=None):
    try:
        result = fn(*args, **(kwargs or {}))
    except (ValueError, OverflowError, TypeError, ZeroDivisionError) as e:
        return f"!{type(e).__name__}: {e}"
    return fmt_result(result)


# ---------------------------------------------------------------------------
# The random generators (mirrored in tests/pymath_cases.rs)
# ---------------------------------------------------------------------------


class Rng:
    """splitmix64."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n):
        """Uniform-ish in [0, n) (modulo bias is irrelevant here)."""
        return self.next() % n

    def int_in(self, lo, hi):
        return lo + self.below(hi - lo + 1)


SPECIALS = [
    0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.0, -1.0, 0.5, 2.0,
    1.7976931348623157e308, -1.7976931348623157e308, math.inf, -math.inf, math.nan, -math.nan,
]


def bits_to_float(b):
    return struct.unpack("<d", b.to_bytes(8, "little"))[0]


def float_from(sign, e, mantissa):
    if e >= -1022:
        bits = (sign << 63) | ((e + 1023) << 52) | mantissa
    else:
        bits = (sign << 63) | (((1 << 52) | mantissa) >> (-1022 - e))
    return bits_to_float(bits)


def parse_spec(text):
    """Parses one argument's generator into a tree of tuples."""
    pos = 0

    def number():
        nonlocal pos
        start = pos
        if text[pos] == "-":
            pos += 1
        while pos < len(text) and text[pos].isdigit():
            pos += 1
        return int(text[start:pos])

    def expect(c):
        nonlocal pos
        if text[pos] != c:
            raise ValueError(f"bad spec {text!r} at {pos}: expected {c!r}")
        pos += 1

    def gen():
        nonlocal pos
        if text.startswith("NEAR", pos):
            pos += 4
            return ("NEAR",)
        kind = text[pos]
        pos += 1
        if kind == "S":
            return ("S",)
        expect("(")
        if kind in "FPUGR":
            a = number()
            expect(",")
            b = number()
            node = (kind, a, b)
        elif kind in "IN":
            node = (kind, number())
        elif kind == "M":
            a = gen()
            expect("|")
            b = gen()
            node = ("M", a, b)
        elif kind == "L":
            n = number()
            expect(",")
            node = ("L", n, gen())
        else:
            raise ValueError(f"bad spec {text!r}: unknown generator {kind!r}")
        expect(")")
        return node

    node = gen()
    if pos != len(text):
        raise ValueError(f"bad spec {text!r}: trailing text")
    return node


def draw(rng, node, prev):
    kind = node[0]
    if kind in "FP":
        sign = (rng.next() >> 63) if kind == "F" else 0
        e = rng.int_in(node[1], node[2])
        mantissa = rng.next() >> 12
        return float_from(sign, e, mantissa)
    if kind == "U":
        t = (rng.next() >> 11) * 2.0 ** -53
        return node[1] + (node[2] - node[1]) * t
    if kind == "G":
        n = rng.int_in(node[1], node[2])
        k = rng.int_in(1, 52)
        sign = rng.next() >> 63
        return n + (-1.0 if sign else 1.0) * 2.0 ** -k
    if kind == "R":
        return rng.int_in(node[1], node[2])
    if kind in "IN":
        nb = rng.below(node[1] + 1)
        value = 0
        for i in range((nb + 63) // 64):
            value |= rng.next() << (64 * i)
        if nb:
            value = (value & ((1 << nb) - 1)) | (1 << (nb - 1))
        if kind == "I" and rng.next() >> 63:
            value = -value
        return value
    if kind == "S":
        if rng.next() >> 63:
            return SPECIALS[rng.below(len(SPECIALS))]
        return draw(rng, ("F", -1074, 1023), prev)
    if kind == "M":
        return draw(rng, node[1] if rng.next() >> 63 else node[2], prev)
    if kind == "L":
        n = rng.int_in(0, node[1])
        return [draw(rng, node[2], None) for _ in range(n)]
    if kind == "NEAR":
        k = rng.int_in(1, 40)
        sign = rng.next() >> 63
        return prev + prev * (-1.0 if sign else 1.0) * 2.0 ** -k
    raise ValueError(kind)


def fold(h, v):
    """The check hash of generated values (mirrored in Rust)."""

    def mix(h, x):
        return ((h ^ (x & MASK)) * 0x100000001B3) & MASK

    if isinstance(v, list):
        h = mix(h, len(v))
        for x in v:
            h = fold(h, x)
        return h
    if isinstance(v, float):
        return mix(h, int.from_bytes(struct.pack("<d", v), "little"))
    return mix(mix(h, v), v.bit_length())


def random_block(name, spec, seed, count):
    fn = getattr(math, name)
    nodes = [parse_spec(s) for s in spec.split(";")]
    rng = Rng(seed)
    check = 0xCBF29CE484222325
    lines = []
    for _ in range(count):
        args = []
        for node in nodes:
            v = draw(rng, node, args[-1] if args else None)
            check = fold(check, v)
            args.append(v)
        result = outcome(fn, args)
        # A float result is written bare in random blocks (most of the file).
        lines.append(result[2:] if result.startswith("f:") else result)
    header = f"@random\t{name}\t{spec}\t{seed}\t{count}\t{check:016x}"
    return [header] + lines


# ---------------------------------------------------------------------------
# Hand-picked edge cases
# ---------------------------------------------------------------------------

POSITIVE_FLOATS = [
    5e-324, 1e-323, 2.225073858507201e-308, 2.2250738585072014e-308, 1e-310, 1e-300,
    1e-200, 2.0 ** -1000, 1e-20, 1e-17, 2.0 ** -56, 2.0 ** -54, 2.0 ** -53, 2.0 ** -52,
    2.0 ** -28, 3.7252902984619136e-09, 1e-9, 1e-5, 0.001, 0.1, 0.25, 0.3, 0.5, 0.84375,
    0.9, 0.9999999999999999, 1.0, 1.0000000000000002, 1.25, 1.5, 2.0, 2.5, 1 / 0.35,
    2.857142857142857, math.e, 3.0, math.pi, 4.0, 5.0, 5.5, 6.0, 10.0, 20.0, 22.0, 23.0, 24.0,
    27.0, 28.0, 30.0, 64.0, 100.0, 127.5, 140.0, 170.5, 171.0, 171.62, 172.0, 199.5, 200.0,
    200.5, 500.0, 709.0, 709.782712893384, 709.8, 710.0, 744.44, 745.2, 1000.0, 1023.0,
    1024.0, 1075.0, 1e10, 2.0 ** 52, 2.0 ** 52 + 0.5, 2.0 ** 53, 2.0 ** 53 + 2, 1e16,
    2.0 ** 63, 1e20, 2.0 ** 64, 1e22, 1e100, 1e200, 1e300, 1e308, 1.7976931348623157e308,
    math.pi / 2, math.pi / 4, 2 * math.pi, 0.7853981633974483, 1e-7, 0.125, 0.75, 7.0,
]
FLOATS = (
    [0.0, -0.0]
    + POSITIVE_FLOATS
    + [-x for x in POSITIVE_FLOATS]
    + [math.inf, -math.inf, math.nan, -math.nan]
)
INTS = [
    0, 1, -1, 2, -2, 3, 5, 10, -10, 20, 21, 22, 23, 100, 170, 171, 200, -200, 1000,
    2 ** 31, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 1, -(2 ** 53 + 1), 2 ** 63 - 1, 2 ** 63,
    -(2 ** 63), -(2 ** 63) - 1, 2 ** 64, 10 ** 20, 2 ** 1023, 2 ** 1024 - 2 ** 970 - 1,
    2 ** 1024 - 2 ** 970, 2 ** 1024, -(2 ** 1024), 10 ** 308, 10 ** 309, 10 ** 400,
    -(10 ** 400), 2 ** 3000 + 12345, True, False,
]
OTHERS = [None, 1j, "ab", (1,), [1.5], range(3)]
ONE_ARG = FLOATS + INTS + OTHERS

SMALL_FLOATS = [
    0.0, -0.0, 5e-324, -5e-324, 1e-300, 0.5, -0.5, 1.0, -1.0, 1.5, -1.5, 2.0, -2.0, 3.0,
    -3.0, 0.9999999999999999, 1e300, -1e300, 1.7976931348623157e308, math.pi,
    math.inf, -math.inf, math.nan, -math.nan,
]
TWO_ARG = SMALL_FLOATS + [0, 1, -1, 10 ** 20, 10 ** 400, True, None]

FLOAT_FUNCTIONS = [
    "acos", "acosh", "asin", "asinh", "atan", "atanh", "cbrt", "ceil", "cos", "cosh",
    "degrees", "erf", "erfc", "exp", "exp2", "expm1", "fabs", "floor", "frexp", "gamma",
    "isfinite", "isinf", "isnan", "lgamma", "log", "log10", "log1p", "log2", "modf",
    "radians", "sin", "sinh", "sqrt", "tan", "tanh", "trunc", "ulp",
]
FLOAT2_FUNCTIONS = ["atan2", "copysign", "fmod", "nextafter", "pow", "remainder"]


def row(name, args, kwargs=None):
    kwargs = kwargs or {}
    fields = [fmt(a) for a in args] + [f"{k}={fmt(v)}" for k, v in kwargs.items()]
    return f"{name}\t{' '.join(fields)}\t{outcome(getattr(math, name), args, kwargs)}"


def digits_of_comb(n, k):
    """A cheap size estimate, to keep CPython away from huge computations."""
    k = min(k, n - k)
    if k <= 0:
        return 0
    return k * math.log10(max(n, 2))


def is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def feasible(name, n, k):
    """False for the comb/perm calls that CPython would spend hours on."""
    if name == "perm" and (k is None or k == "default"):
        return not (is_int(n) and 3000 < n < 2 ** 63)  # factorial(n)
    if k == "default":
        return False
    if not (is_int(n) and isinstance(k, int) and n >= 0 and k >= 0 and k <= n):
        return True  # an error, or 0, at once
    if name == "comb":
        return digits_of_comb(n, k) <= 1200
    return k * math.log10(max(n, 2)) <= 1200


def edge_rows():
    out = []
    for name in FLOAT_FUNCTIONS:
        for x in ONE_ARG:
            out.append(row(name, [x]))
    for name in FLOAT2_FUNCTIONS + ["log", "hypot", "isclose", "ldexp"]:
        for x in TWO_ARG:
            for y in TWO_ARG:
                out.append(row(name, [x, y]))
    for x in ONE_ARG:
        out.append(row("hypot", [x]))
    for args in [[], [3, 4], [3.0, 4.0, 12.0], [1e308, 1e308], [1.7e308, 1.7e308], [5e-324, 5e-324],
                 [5e-324, 1e-310, 5e-324], [1e-320, 1e-321, 1e-322], [math.inf, math.nan],
                 [math.nan, math.inf], [-math.nan, 1.0], [0.0, -0.0], [1, 2, 3, 4, 5, 6, 7],
                 [1e-300, 1e300], [10 ** 400, 1], [None, 1], [True, True]]:
        out.append(row("hypot", args))
    # factorial, isqrt: ints of every size CPython computes quickly, and the rest.
    for n in list(range(0, 130)) + [170, 171, 500, 1000, 3000]:
        out.append(row("factorial", [n]))
    for x in INTS + [-(10 ** 20), 5.0, 2.5] + OTHERS:
        if isinstance(x, int) and not isinstance(x, bool) and 3000 < x < 2 ** 63:
            continue
        out.append(row("factorial", [x]))
    for x in INTS + [5.0] + OTHERS + list(range(0, 300)) + [
            2 ** 64 - 1, (2 ** 32) ** 2 - 1, 2 ** 62, 2 ** 62 - 1, 4 ** 40, 4 ** 40 - 1, 10 ** 100]:
        out.append(row("isqrt", [x]))
    # comb and perm: small grids, big n with small k, and every error.
    for n in list(range(0, 70)) + [100, 127, 128, 200]:
        for k in range(0, min(n, 70) + 3, 1 if n < 40 else 3):
            out.append(row("comb", [n, k]))
            out.append(row("perm", [n, k]))
    specials = [0, 1, 2, 3, 10, 67, 68, -1, 2 ** 63 - 1, 2 ** 63, 10 ** 20, 10 ** 40, -(10 ** 20),
                True, False, 2.0, None, 1j]
    for n in specials:
        for k in specials + [10 ** 20 - 3, 10 ** 20 - 1, "default"]:
            args = [n] if k == "default" else [n, k]
            if feasible("comb", n, k):
                out.append(row("comb", args))
            if feasible("perm", n, k):
                out.append(row("perm", args))
    # gcd, lcm: 0 to 4 arguments, signs, sizes, types.
    values = [0, 1, -1, 6, -15, 35, 2 ** 64, -(2 ** 64) * 3, 10 ** 40 * 7, True, 2.0, None]
    for name in ["gcd", "lcm"]:
        out.append(row(name, []))
        for a in values:
            out.append(row(name, [a]))
            for b in values:
                out.append(row(name, [a, b]))
                out.append(row(name, [a, b, 21]))
        out.append(row(name, [2 ** 200 * 3, 2 ** 150 * 9, 2 ** 100 * 27, 6]))
    # ldexp: every kind of exponent.
    for x in [0.0, -0.0, 1.0, -1.0, 0.5, 5e-324, 1.7976931348623157e308, math.inf, math.nan,
              -math.nan, 3, 10 ** 400, None]:
        for i in [0, 1, -1, 1023, 1024, -1022, -1074, -1075, -1076, 2 ** 31 - 1, 2 ** 31,
                  -(2 ** 31), -(2 ** 31) - 1, 10 ** 30, -(10 ** 30), True, 2.0, None, 1j]:
            out.append(row("ldexp", [x, i]))
    # log with a base, and the logarithms of huge ints (loghelper's frexp path).
    for x in [1, 2, 8, 10, 100, 2 ** 1023, 2 ** 1024, 10 ** 400, 2 ** 5000, 10 ** 5000, 0, -1,
              0.5, 1e-300, math.e, None]:
        for base in [2, 10, math.e, 0.5, 1, 1.0, 0, -2, 2 ** 2000, 10 ** 400, math.inf, math.nan, None]:
            out.append(row("log", [x, base]))
        for name in ["log", "log2", "log10"]:
            out.append(row(name, [x]))
    # fsum: special values, overflow, order of errors, exactness.
    for items in [[], [0.0], [-0.0], [-0.0, -0.0], [1e308, 1e308], [1e308, 1e308, -1e308],
                  [1e308, -1e308, 1e308], [math.inf, -math.inf], [math.inf, 1.0], [math.nan, math.inf],
                  [-math.inf, -math.inf], [math.inf, math.nan, -math.inf], [1e-16, 1.0, 1e16],
                  [0.1] * 10, [1.0, 1e100, 1.0, -1e100], [2.0 ** 53, 1.0, 2.0 ** -53],
                  [1, 2 ** 53 + 1], [1, 10 ** 400], [1, None], [1e308, 1e308, None], [True, 2],
                  [1.7976931348623157e308, 9.979201547673599e291], [5e-324] * 3, [-math.nan],
                  [1.0, -math.nan], [0.3, 0.6, -0.9], list(range(100)), [1e16, 1.0, 1e-16]]:
        out.append(row("fsum", [items]))
        out.append(row("fsum", [tuple(items)]))
    for x in [5, 2.5, None, True, range(10)]:
        out.append(row("fsum", [x]))
    # prod: start, ints and floats, bools, overflow, types.
    for items in [[], [2, 3], [2.0, 3], [2, 3.0], [True, True], [True], [2 ** 64, 2 ** 64],
                  [10 ** 400, 1.0], [1.0, 10 ** 400], [1e308, 10.0], [None], [2.0, None],
                  [-0.0, 5], [math.inf, 0], [2 ** 63 - 1, 2], [-(2 ** 63), -1], list(range(1, 30)),
                  [0.5] * 20, [3, -2, 5, -7]]:
        out.append(row("prod", [items]))
        for start in [0, 2, -1, 1.5, True, False, 2 ** 100, None]:
            if start is None and not items:
                continue  # returns None itself: the caller's case (prod_needs_generic_multiply)
            out.append(row("prod", [items], {"start": start}))
    for x in [5, 2.5, None, True]:
        out.append(row("prod", [x]))
    # dist.
    for p, q in [((1, 2), (4, 6)), ((), ()), ((1,), (1, 2)), ((0.0,), (-0.0,)), ([3], [4.0]),
                 ((math.inf,), (math.inf,)), ((math.inf, 1), (1, math.nan)), ((1e308, -1e308), (-1e308, 1e308)),
                 ((5e-324, 0.0), (0.0, 5e-324)), ((10 ** 400,), (1,)), ((None,), (1,)), ((1, None), (1,)),
                 (5, (1,)), ((1,), 5), (range(5), range(1, 6)), ((True, False), (False, True))]:
        out.append(row("dist", [p, q]))
    # isclose: every keyword combination and tolerance kind.
    for a, b in [(1.0, 1.0 + 1e-10), (1.0, 1.1), (0.0, 1e-10), (math.inf, math.inf), (math.inf, -math.inf),
                 (math.nan, math.nan), (1e308, -1e308), (10 ** 400, 1.0), (1, 1)]:
        out.append(row("isclose", [a, b]))
        for kw in [{"rel_tol": 0.2}, {"abs_tol": 1e-9}, {"rel_tol": 0.0, "abs_tol": 0.0},
                   {"rel_tol": -1.0}, {"abs_tol": -0.0}, {"abs_tol": -1e-300}, {"rel_tol": math.nan},
                   {"rel_tol": math.inf}, {"abs_tol": 10 ** 400}, {"rel_tol": None}, {"abs_tol": 1, "rel_tol": 0}]:
            out.append(row("isclose", [a, b], kw))
        out.append(row("isclose", [], {"a": a, "b": b}))
        out.append(row("isclose", [a], {"b": b, "rel_tol": 0.5}))
    return out


# ---------------------------------------------------------------------------
# Call shapes: argument counts and keywords
# ---------------------------------------------------------------------------

KEYWORD_SETS = [
    [], ["x"], ["start"], ["rel_tol"], ["abs_tol"], ["a"], ["b"], ["a", "b"], ["b", "a"],
    ["rel_tol", "abs_tol"], ["abs_tol", "rel_tol", "a"], ["x", "rel_tol"], ["rel_tol", "x"],
    ["a", "b", "rel_tol", "abs_tol"], ["a", "b", "rel_tol", "abs_tol", "x"], ["iterable"],
    ["start", "x"], ["k"], ["base"],
]


def shape_rows():
    out = []
    names = sorted(n for n in dir(math) if callable(getattr(math, n)) and not n.startswith("_"))
    assert len(names) == 55, names
    for name in names:
        for npos in range(0, 5):
            for kws in KEYWORD_SETS:
                first = [[2, 3]] if name in ("prod", "fsum") else [[1, 2], [3, 5]] if name == "dist" else []
                args = (first + [2] * 4)[:npos] if first else [2] * npos
                kwargs = {k: 3 for k in kws}
                out.append(row(name, args, kwargs))
    return out


# ---------------------------------------------------------------------------
# Random blocks: (function, spec, count)
# ---------------------------------------------------------------------------

BLOCKS = [
    ("acos", "F(-60,-1)", 3000), ("acos", "F(-3,3)", 600),
    ("acosh", "P(0,40)", 3000), ("acosh", "F(-3,3)", 600), ("acosh", "U(1,3)", 1000),
    ("asin", "F(-60,-1)", 3000), ("asin", "F(-3,3)", 600),
    ("asinh", "F(-40,40)", 3000), ("asinh", "F(-1074,1023)", 1000), ("asinh", "U(-3,3)", 1000),
    ("atan", "F(-40,40)", 3000), ("atan", "F(-1074,1023)", 600),
    ("atanh", "F(-60,-1)", 3000), ("atanh", "F(-3,3)", 600), ("atanh", "U(-1,1)", 1000),
    ("cbrt", "F(-1074,1023)", 3000), ("cbrt", "F(-10,10)", 2000),
    ("cos", "F(-20,20)", 3000), ("cos", "F(-1074,1023)", 1000),
    ("cosh", "F(-20,10)", 3000), ("cosh", "U(-712,712)", 600),
    ("erf", "F(-30,5)", 3000), ("erf", "U(-7,7)", 2000), ("erf", "F(-1074,1023)", 500),
    ("erfc", "F(-30,5)", 3000), ("erfc", "U(-7,30)", 2000), ("erfc", "F(-1074,1023)", 500),
    ("exp", "F(-30,11)", 3000), ("exp", "U(-750,712)", 600),
    ("exp2", "F(-30,11)", 3000), ("exp2", "U(-1080,1025)", 600),
    ("expm1", "F(-60,11)", 3000), ("expm1", "U(-40,712)", 600),
    ("fabs", "S", 500), ("degrees", "F(-1074,1023)", 1500), ("radians", "F(-1074,1023)", 1500),
    ("gamma", "U(-200,200)", 3000), ("gamma", "G(-190,180)", 3000), ("gamma", "F(-30,8)", 2000),
    ("gamma", "U(-3,5)", 1000),
    ("lgamma", "U(-200,200)", 3000), ("lgamma", "G(-190,180)", 2000), ("lgamma", "F(-30,1023)", 2000),
    ("lgamma", "U(-3,5)", 1000),
    ("log", "P(-1074,1023)", 3000), ("log", "F(-30,30)", 600), ("log", "N(3000)", 1000),
    ("log2", "P(-1074,1023)", 3000), ("log2", "N(3000)", 1000),
    ("log10", "P(-1074,1023)", 3000), ("log10", "N(3000)", 1000),
    ("log1p", "F(-60,30)", 3000), ("log1p", "U(-1,1)", 600),
    ("sin", "F(-20,20)", 3000), ("sin", "F(-1074,1023)", 1000),
    ("sinh", "F(-20,10)", 3000), ("sinh", "U(-712,712)", 600),
    ("sqrt", "P(-1074,1023)", 2000), ("sqrt", "I(1100)", 1000),
    ("tan", "F(-20,20)", 3000), ("tan", "F(-1074,1023)", 1000),
    ("tanh", "F(-30,6)", 3000),
    ("ulp", "F(-1074,1023)", 1500), ("frexp", "F(-1074,1023)", 1500), ("modf", "F(-60,60)", 1500),
    ("floor", "F(-10,70)", 1500), ("ceil", "F(-10,70)", 1500), ("trunc", "F(-10,70)", 1500),
    ("isfinite", "S", 300), ("isinf", "S", 300), ("isnan", "S", 300),
    ("atan2", "F(-30,30);F(-30,30)", 3000), ("atan2", "S;S", 600),
    ("copysign", "S;S", 600),
    ("fmod", "F(-30,30);F(-30,30)", 3000), ("fmod", "F(-1074,1023);F(-1074,1023)", 1000),
    ("remainder", "F(-30,30);F(-30,30)", 3000), ("remainder", "F(-1074,1023);F(-1074,1023)", 1000),
    ("pow", "P(-10,10);F(-8,8)", 3000), ("pow", "F(-4,4);R(-60,60)", 2000), ("pow", "S;S", 600),
    ("nextafter", "S;S", 1000),
    ("hypot", "F(-30,30);F(-30,30)", 3000), ("hypot", "F(-1074,1023);F(-1074,1023);F(-1074,1023)", 1500),
    ("hypot", "F(-1074,-1000);F(-1074,-1000)", 1000),
    ("dist", "L(4,F(-20,20));L(4,F(-20,20))", 1500),
    ("isclose", "F(-20,20);NEAR", 1500),
    ("ldexp", "F(-1074,1023);R(-2200,2200)", 1500),
    ("log", "P(-30,30);P(-30,30)", 1500),
    ("fsum", "L(12,F(-30,30))", 2000), ("fsum", "L(8,S)", 1000), ("fsum", "L(6,M(I(80)|F(-60,60)))", 1000),
    ("prod", "L(8,I(40))", 1000), ("prod", "L(6,M(I(30)|F(-10,10)))", 1000),
    ("factorial", "R(0,100)", 800),
    ("comb", "R(0,250);R(0,140)", 3000), ("perm", "R(0,60);R(0,62)", 2000),
    ("isqrt", "N(400)", 3000),
    ("gcd", "I(200);I(200)", 2000), ("gcd", "I(64);I(64);I(64)", 1000),
    ("lcm", "I(100);I(100)", 2000), ("lcm", "I(20);I(20);I(20)", 1000),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-o", "--output", default=os.path.join("tests", "data", "math_cases.tsv"))
    options = parser.parse_args()
    lines = [
        "# CPython 3.11's math module on this machine, bit for bit: see scripts/gen_math_cases.py",
        f"# for the notation. Generated by CPython {sys.version.split()[0]}; do not edit.",
    ]
    edges = edge_rows()
    shapes = shape_rows()
    lines.append(f"# {len(edges)} hand-picked cases")
    lines += edges
    lines.append(f"# {len(shapes)} call shapes (argument counts and keywords)")
    lines += shapes
    for i, (name, spec, count) in enumerate(BLOCKS):
        lines += random_block(name, spec, 20261202 + i, count)
    rows = len(edges) + len(shapes) + sum(c for _, _, c in BLOCKS)
    with open(options.output, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    size = os.path.getsize(options.output)
    print(f"wrote {options.output}: {rows} cases ({len(edges)} hand-picked, {len(shapes)} call shapes, "
          f"{rows - len(edges) - len(shapes)} random), {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
