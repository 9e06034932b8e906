#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/ (see fuzz/README.md).

Seeds are small hand-picked edge cases: every 20th hand-picked line of the
CPython oracle fixture plus the cases below. The structured targets
(roundtrip, differential) read their bytes as choices, so their seeds are a
few fixed byte patterns. Run from the repository root; it rewrites the
parse, eval, roundtrip, differential and session folders (never regressions/).
"""
import hashlib
import os
import random
import shutil

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIXTURE = os.path.join(ROOT, "tests", "data", "python_oracle.tsv")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")

HAND = {
    "empty": "",
    "spaces": "   \t\x0c ",
    "trailing-newline": "1+1\n",
    "crlf": "2*3\r\n",
    "deep-parens-200": "(" * 200 + "1" + ")" * 200,
    "deep-parens-201": "(" * 201 + "1" + ")" * 201,
    "deep-signs-200": "-" * 199 + "1",
    "deep-signs-long": "-" * 5000 + "1",
    "deep-power-chain": "**".join(["2"] * 120),
    "deep-calls": "abs(" * 100 + "1" + ")" * 100,
    "huge-power": "9**9**9**9",
    "near-limit-power": "10**4299",
    "over-limit-power": "10**4300",
    "near-limit-literal": "9" * 4300,
    "over-limit-literal": "1" + "0" * 4300,
    "hex-literal-long": "0x" + "f" * 3000,
    "factorial-big": "factorial(1700)",
    "long-sum": "+".join(["1"] * 2000),
    "long-product": "*".join(["99999999999"] * 300),
    "minus-chain": "-----1",
    "min-i64-div": "(-9223372036854775807-1)//-1",
    "min-i64-mod": "(-9223372036854775807-1)%-1",
    "float-edge": "5e-324 / 2 + 1.7976931348623157e308 * 2",
    "underscores": "1_000_000 + 0x_ff_ff + 0b_1_0 + 0o_7",
    "bad-underscore": "1__0 + 1_",
    "caret": "2^10^2",
    "unicode": "π + é × 2",
    "fullwidth-digit": "\uff11 + 1",
    "nul": "1\x00+2",
    "unmatched": "((1)",
    "stray-close": "1))",
    "assign": "x = 3",
    "assign-builtin": "pi = 3",
    "complex": "1j + (-8)**(1/3)",
    "import": "__import__('os').system('id')",
    "attribute": "(1).__class__",
    "call-other": "foo(1, 2,)",
    "empty-call": "max()",
    "nan-inf": "nan * 0 + inf - inf",
    "neg-zero": "-0.0",
    "neg-zero-mod": "-0.0 % -1",
    "round-huge": "round(1.5, -10**20)",
    "gcd-big": "gcd(2**4000, 6**1500)",
    "log-big": "log(10**4000, 2)",
    "hypot": "hypot(3, 4, 12)",
    "exp-dot": ".5e-3 + 5. + 0e0",
    "compare-chain": "1 < 2 <= 2 != 3 in (3,) not in [4] and 0 or None",
    "bitwise": "~(0xF0 & 0x3C | 1 << 70) >> 3 ^ -1",
    "conditional": "1/0 if 0 else [x*x for x in range(5) if x % 2][::-1]",
    "comprehensions": "sum(a*b for a in range(30) for b in range(a) if a ^ b)",
    "loop-bomb": "sum(1 for _ in range(10**12))",
    "sequence-bomb": "[0]*10**9 + list(range(10**12))",
    "shadowing": "[abs(x) for abs in [1]], [math.real for math in [2]], [pi for pi in range(3)]",
    "attributes": "(2.5).as_integer_ratio(), (7).bit_count(), (1j).conjugate().imag",
    "attribute-escape": "().__class__.__bases__[0].__subclasses__()",
    "strings": "hex(255), bin(-5), oct(8), hex(1) + hex(2)",
    "keywords": "round(2.675, ndigits=2), sorted([3, 1], reverse=True), min([], default=0)",
    "math-module": "math.comb(50, 25), isqrt(10**80), fsum([0.1]*10), math.foo",
    "comb-bomb": "comb(10**6, 5*10**5)",
    "slices": "range(10**12)[::-7][3:9:2], (1, 2, 3)[-1:-4:-1]",
    "pow-mod": "pow(3, -1, 7), pow(2, 10**18, 10**9 + 7)",
}

# Multi-line inputs for eval (one session, one line per \n).
SESSIONS = {
    "session-vars": "x = 2**100\ny = x * x\n_ + y\ny // x\n",
    "session-last": "3\n_ * _\n_ ** 2\n",
    "session-rebind": "x = 1\nx = x + 1\nx = x * 10**4000\nx * 10\n",
    "session-many": "\n".join(f"v{i} = {i}" for i in range(300)),
    "session-errors": "1/0\n_\nfoo\nsqrt(-1)\n(\n",
    "session-values": "t = (1, [2, 3])\nh = hex(255)\nr = range(5)\n[t, h, r]\n_[0][1][0]\nlen(h)\n",
}


# The session target: first byte = how the stream is cut into reads (0: one
# read; bit 7: a 64-byte line limit), then the bytes a client sends.
SESSION_STREAMS = {
    "calc-lines": (0, b"1+1\r\n2**100\n x = 3 \r\n_ * x\n"),
    "ctrl-c": (5, b"1\r\n\xff\xf4\xff\xfd\x06"),
    "negotiation": (3, b"\xff\xfd\x01\xff\xfb\x03\xff\xfd\x01\xff\xfe\x01 2*3\r\n"),
    "subnegotiation": (7, b"\xff\xfa\x18\x01xterm\xff\xf0/help\r\n"),
    "iac-iac-data": (0, b"1\xff\xff\n2\n"),
    "cr-nul": (2, b"1+1\r\x002\r\r\n3\r"),
    "long-line": (0, b"9" * 5000 + b"\n1\n"),
    "long-line-small-limit": (0x80, b"x" * 100 + b"\n2\n" + b"y" * 64 + b"\n"),
    "split-utf8": (1, "\u03c0 * 2\n\u00e9\n".encode()),
    "invalid-utf8": (0, b"\xc3\x28\n\xff\xfe\n1\n"),
    "echo-mode": (0, b"/echo\n\x1b[31mred\n\n/calc\n\x1b[31m\n"),
    "commands": (4, b"/help\n/help calc\n/help /nope\n/stats\n/STATS x\n/nope\x1b[2J\n"
                    b"/echo hi\n/calc 2**10\n/calc\nquit\n1\n"),
    "ctrl-d": (0, b"\x04\n1\n"),
    "exit": (9, b"EXIT\n1\n"),
    "bidi": (0, "/\u202eabc\n\u202e1\n".encode()),
    "pipelined": (31, b"1\n" * 200),
    "big-result": (0, b"9**4299\n10**4299\nfactorial(1700)\n"),
    "eof-without-newline": (0, b"2**10"),
    "accounts-inline": (0, b'/register alice hunter2222\n/logout\n/nick alice\n/login alice wrongpass1\n/login alice hunter2222\n/chat\nhi\n/history 3\n/passwd hunter2222 hunter3333\n/unregister hunter3333\n/stats\n'),
    "accounts-prompt": (3, b'/register bob\n\xff\xfd\x01correct horse\r\n\xff\xfe\x01/logout\n/login bob\n\r\n/login bob\ncorrect horse\n/passwd\ncorrect horse\nbattery staple\n/unregister\n\xff\xf4\xff\xfd\x06'),
    "accounts-mail": (0, b'/register carol carolpass\n/logout\n/chat #x\n/msg carol hello\n/msg CAROL again\n/login carol carolpass\n/msg nobody x\n/login carol x\n/login carol x\n/login carol x\n/login carol x\n'),
}


def fixture_seeds():
    seeds = {}
    hand_picked = False
    n = 0
    with open(FIXTURE, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if line.startswith("# --- hand-picked"):
                hand_picked = True
                continue
            if line.startswith("# --- random"):
                break
            if not hand_picked or line.startswith("#") or "\t" not in line:
                continue
            n += 1
            if n % 20 == 0:
                seeds[f"oracle-{lineno}"] = line.split("\t", 1)[0]
    return seeds


def write(folder, seeds):
    path = os.path.join(CORPUS, folder)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    for name, text in seeds.items():
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        with open(os.path.join(path, name), "wb") as f:
            f.write(data)


def main():
    text_seeds = dict(HAND)
    text_seeds.update(fixture_seeds())
    text_seeds["invalid-utf8"] = b"1 + \xff\xfe 2"
    text_seeds["split-utf8"] = b"\xcf" + b" + 1"
    write("parse", text_seeds)
    eval_seeds = dict(text_seeds)
    eval_seeds.update(SESSIONS)
    write("eval", eval_seeds)
    rng = random.Random(20261125)
    structured = {"zeros-64": bytes(64), "ones-64": b"\xff" * 64}
    for size in (8, 32, 128, 512, 2048):
        data = bytes(rng.randrange(256) for _ in range(size))
        structured[f"random-{size}-{hashlib.sha1(data).hexdigest()[:8]}"] = data
    for name, text in list(HAND.items())[:12]:
        structured[f"text-{name}"] = text.encode("utf-8")[:2048]
    write("roundtrip", structured)
    write("differential", structured)
    write("session", {name: bytes([mode]) + data for name, (mode, data) in SESSION_STREAMS.items()})


if __name__ == "__main__":
    main()
