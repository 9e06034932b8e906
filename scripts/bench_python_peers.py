#!/usr/bin/env python3
"""Time simpleeval and asteval on every case of safecalc's benchmark suite,
next to safecalc itself, in one run on one machine.

    python3 scripts/bench_python_peers.py                 # all cases, ~1 s per timing
    python3 scripts/bench_python_peers.py --seconds 3     # longer timings (publication)
    python3 scripts/bench_python_peers.py --cases tiny gen_sum

The cases are the suite's own (benches/suite/cases.rs, listed by
`target/release/examples/evalcount --list`), in Python syntax, so each peer
evaluates exactly the line safecalc does; setup lines (`x = 9**4500`) are
run once, outside the timing. Each peer's answer is checked against the
case's expected repr before it is timed: a peer that fails or answers
differently is reported as such, not timed.

safecalc's figure is its one-shot time (parse and evaluate, as `calc::eval`),
measured by `evalcount --time CASE SECONDS` (the median of five batches);
each peer's is the median of five `timeit` batches of about the same length.

The peers are PyPI packages. On first use the script makes a virtual
environment in target/python-peers/ and installs them there
(`pip install simpleeval asteval`); nothing is installed system-wide.
`--no-install` uses the current interpreter's packages instead.

simpleeval gets the names the cases need (the builtins and the math
functions) and its compound-types evaluator, so that tuples, lists and
comprehensions work; asteval is used as it comes.
"""

import argparse
import builtins
import math
import os
import statistics
import subprocess
import sys
import timeit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "target", "python-peers")
EVALCOUNT = os.path.join(ROOT, "target", "release", "examples", "evalcount")
PEERS = ("simpleeval", "asteval")


def ensure_peers(install):
    """Runs this script again inside target/python-peers/, made and filled
    with the peers if need be, unless they can be imported here already."""
    try:
        import asteval  # noqa: F401
        import simpleeval  # noqa: F401
        return
    except ImportError:
        if not install:
            sys.exit("simpleeval and asteval are not installed: "
                     "`python3 -m pip install simpleeval asteval`, or run without --no-install")
    python = os.path.join(VENV, "bin", "python3")
    if os.path.abspath(sys.executable) == os.path.abspath(python):
        sys.exit("the peers could not be imported even in " + VENV)
    if not os.path.exists(python):
        print(f"making {VENV} and installing {' '.join(PEERS)}...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", *PEERS], check=True)
    os.execv(python, [python, *sys.argv])


def cases():
    """The suite's cases: (name, setup lines, line, expected repr)."""
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "evalcount"],
                   cwd=ROOT, check=True)
    out = subprocess.run([EVALCOUNT, "--list"], check=True, capture_output=True,
                         text=True).stdout
    result = []
    for row in out.splitlines():
        name, setup, line, expected = row.split("\t")
        result.append((name, [s for s in setup.split(";") if s], line, expected))
    return result


def safecalc_ns(name, seconds):
    out = subprocess.run([EVALCOUNT, "--time", name, str(seconds)], check=True,
                         capture_output=True, text=True).stdout
    return float(out)


def simpleeval_evaluator(setup):
    import simpleeval
    names = {"True": True, "False": False, "None": None,
             "pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf, "nan": math.nan}
    functions = {name: getattr(builtins, name)
                 for name in ("abs", "max", "min", "sum", "sorted", "range", "len", "round",
                              "divmod", "pow", "int", "float", "complex", "bool", "hex",
                              "list", "tuple", "all", "any")}
    functions.update({name: getattr(math, name) for name in dir(math)
                      if not name.startswith("_") and callable(getattr(math, name))})
    for line in setup:
        target, expression = (part.strip() for part in line.split("=", 1))
        names[target] = eval(expression, {"__builtins__": {}}, {})  # noqa: S307 - the suite's own
    evaluator = simpleeval.EvalWithCompoundTypes(names=names, functions=functions)
    return evaluator.eval


def asteval_evaluator(setup):
    import asteval
    interpreter = asteval.Interpreter()
    for line in setup:
        interpreter(line)

    def evaluate(line):
        result = interpreter(line)
        if interpreter.error:
            message = interpreter.error[0].get_error()
            interpreter.error = []
            raise RuntimeError(": ".join(message))
        return result
    return evaluate


def time_ns(evaluate, line, seconds):
    """The median time per call of five batches, each about `seconds / 5`."""
    timer = timeit.Timer(lambda: evaluate(line))
    calls, elapsed = timer.autorange()
    batch = max(1, int(calls * (seconds / 5) / max(elapsed, 1e-9)))
    return statistics.median(t / batch * 1e9 for t in timer.repeat(repeat=5, number=batch))


def check(evaluate, line, expected):
    """None if the peer answers the case as CPython does, else why not."""
    try:
        got = repr(evaluate(line))
    except Exception as error:  # noqa: BLE001 - any failure is reported
        # The first line only: a table cell cannot hold a line break.
        first = (str(error).splitlines() or [""])[0]
        return f"fails: {type(error).__name__}: {first[:60]}"
    if got != expected:
        return f"answers {got[:40]}"
    return None


def format_ns(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0,
                        help="length of each timing (five batches), default 1")
    parser.add_argument("--cases", nargs="*", help="only these cases")
    parser.add_argument("--no-install", action="store_true",
                        help="use the current interpreter's simpleeval and asteval")
    args = parser.parse_args()
    ensure_peers(not args.no_install)
    import asteval
    import simpleeval
    print(f"# {sys.version.split()[0]}, simpleeval {simpleeval.__version__ if hasattr(simpleeval, '__version__') else '?'}, "
          f"asteval {asteval.__version__}; one-shot time per call, median of 5 batches")
    print("| case | safecalc | simpleeval | asteval |")
    print("|------|---------:|-----------:|--------:|")
    for name, setup, line, expected in cases():
        if args.cases and name not in args.cases:
            continue
        ours = safecalc_ns(name, args.seconds)
        row = [name, format_ns(ours)]
        for make in (simpleeval_evaluator, asteval_evaluator):
            try:
                evaluate = make(setup)
            except Exception as error:  # noqa: BLE001
                row.append(f"setup fails: {type(error).__name__}")
                continue
            wrong = check(evaluate, line, expected)
            if wrong:
                row.append(wrong)
                continue
            theirs = time_ns(evaluate, line, args.seconds)
            row.append(f"{format_ns(theirs)} ({theirs / ours:.0f}x)")
        print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
