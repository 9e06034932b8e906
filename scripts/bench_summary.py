#!/usr/bin/env python3
"""Turns the raw outputs of scripts/bench.sh (one results folder) into the
Markdown tables of BENCHMARKS.md: load (requests/s and latency, with the
ratio to Redis), the hostile-client and idle-connection tests, criterion's
medians with the ratio to each peer, and callgrind's instruction counts.

Usage: scripts/bench_summary.py target/bench/<time>
"""

import re
import sys
from pathlib import Path


def load_lines(path):
    rows = []
    if not path.exists():
        return rows
    for line in path.read_text().splitlines():
        if not line.startswith("label="):
            continue
        rows.append(dict(kv.split("=", 1) for kv in line.split()))
    return rows


def fmt_int(x):
    return f"{int(float(x)):,}"


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def load_tables(rows):
    # Several runs of a figure: the median of each column.
    runs = {}
    for r in rows:
        if "rps" in r:
            runs.setdefault((r["label"], r["n"], r["p"]), []).append(r)
    by = {}
    for key, rs in runs.items():
        by[key] = {k: str(median(float(r[k]) for r in rs)).removesuffix(".0")
                   for k in ("rps", "p50_us", "p99_us", "p999_us")}
        by[key]["runs"] = len(rs)
    n_runs = max((r["runs"] for r in by.values()), default=0)
    if ("calc", "1", "1") in by:
        print(f"### Load: requests/s and latency (µs), median of {n_runs} runs\n")
        print("| N | P | calc req/s | echo req/s | Redis PING req/s | calc / Redis | echo / Redis "
              "| calc p50 / p99 / p99.9 | echo p50 / p99 / p99.9 | Redis p50 / p99 / p99.9 |")
        print("|---|---|---|---|---|---|---|---|---|---|")
    for n in ("1", "50", "1000"):
        for p in ("1", "16"):
            calc, echo, redis = (by.get((k, n, p)) for k in ("calc", "echo", "redis-ping"))
            if not (calc and echo and redis):
                continue
            lat = lambda r: f"{r['p50_us']} / {r['p99_us']} / {r['p999_us']}"
            ratio = lambda r: f"{float(r['rps']) / float(redis['rps']):.2f}"
            print(f"| {n} | {p} | {fmt_int(calc['rps'])} | {fmt_int(echo['rps'])} | "
                  f"{fmt_int(redis['rps'])} | {ratio(calc)} | {ratio(echo)} | {lat(calc)} | "
                  f"{lat(echo)} | {lat(redis)} |")
    if by:
        print()
    quiet = by.get(("quiet-50", "50", "1"))
    beside = by.get(("beside-hostile", "50", "1"))
    hostile = next((r for (label, _, _), r in by.items() if label == "hostile"), None)
    if quiet and beside:
        print("### Hostile client (50 clients, calc `1+2`, P = 1)\n")
        print("| | req/s | p50 µs | p99 µs | p99.9 µs |")
        print("|---|---|---|---|---|")
        for name, r in (("without the hostile client", quiet), ("beside it", beside)):
            print(f"| {name} | {fmt_int(r['rps'])} | {r['p50_us']} | {r['p99_us']} | {r['p999_us']} |")
        if hostile:
            print(f"| the hostile client itself (4 KiB worst lines, P = 16) | "
                  f"{fmt_int(hostile['rps'])} | {hostile['p50_us']} | {hostile['p99_us']} | "
                  f"{hostile['p999_us']} |")
        ratio = float(beside["p99_us"]) / max(1.0, float(quiet["p99_us"]))
        print(f"\np99 ratio beside / without (medians of {quiet['runs']} runs): {ratio:.2f}\n")
        pairs = [(q, b) for q, b in zip(runs.get(("quiet-50", "50", "1"), []),
                                        runs.get(("beside-hostile", "50", "1"), []))]
        if len(pairs) > 1:
            each = ", ".join(f"{int(b['p99_us']) / max(1, int(q['p99_us'])):.2f}" for q, b in pairs)
            print(f"p99 ratio in each run: {each}\n")
    chat = {}
    for r in rows:
        if "chat_members" in r:
            chat.setdefault(r["label"], []).append(r)
    if chat:
        print("### Chat fan-out (a room of 100), median of runs\n")
        print("| room | messages sent/s | lines delivered/s | stalled member disconnected | reading members lost |")
        print("|---|---|---|---|---|")
        for label, rs in chat.items():
            sent = median(float(r["sent_per_s"]) for r in rs)
            delivered = median(float(r["delivered_per_s"]) for r in rs)
            stalled = sum(int(r["stalled"]) for r in rs)
            kicked = stalled - sum(int(r["stalled_still_open"]) for r in rs)
            lost = sum(int(r["failed_members"]) for r in rs)
            name = "with one stalled member" if stalled else "all reading"
            print(f"| {name} ({len(rs)} runs) | {fmt_int(sent)} | {fmt_int(delivered)} | "
                  f"{f'{kicked} of {stalled}' if stalled else '–'} | {lost} |")
        print()
    idle = [r for r in rows if "idle_connections" in r]
    if idle:
        print("### Idle connections\n")
        print("| server | connections | still open | RSS before | RSS after | bytes per connection |")
        print("|---|---|---|---|---|---|")
        for r in idle:
            print(f"| {r['label']} | {fmt_int(r['idle_connections'])} | {fmt_int(r['still_open'])} | "
                  f"{int(r['rss_before']) / 2**20:.1f} MiB | {int(r['rss_after']) / 2**20:.1f} MiB | "
                  f"{fmt_int(r['bytes_per_connection'])} |")
        print()


UNITS = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}


def criterion_table(path):
    if not path.exists():
        return
    text = path.read_text()
    pat = re.compile(r"^(\S+/\S+/\S+)\s+time:\s+\[(\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\]", re.M)
    med = {}
    for m in pat.finditer(text):
        name = m.group(1)
        med[name] = float(m.group(4)) * UNITS[m.group(5)]
    skips = sorted(set(re.findall(r"^(\S+): skipping (\S+): (.*)$", text, re.M)))
    cases = []
    for name in med:
        case = name.split("/")[0]
        if case not in cases:
            cases.append(case)
    print("### Evaluators: criterion medians (ns)\n")
    print("| case | safecalc parse | safecalc evaluate | safecalc one-shot | fasteval | evalexpr | meval "
          "| one-shot / fasteval | / evalexpr | / meval |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for case in cases:
        g = lambda k: med.get(f"{case}/{k}")
        one = g("safecalc/one-shot")
        cells = [g("safecalc/parse"), g("safecalc/evaluate"), one,
                 g("fasteval/one-shot"), g("evalexpr/one-shot"), g("meval/one-shot")]
        show = lambda v: "–" if v is None else f"{v:,.0f}" if v >= 100 else f"{v:.1f}"
        ratios = ["–" if (p is None or one is None) else f"{one / p:.2f}" for p in cells[3:]]
        print(f"| {case} | " + " | ".join(show(v) for v in cells) + " | " + " | ".join(ratios) + " |")
    if skips:
        print()
        for case, peer, why in skips:
            print(f"- {case}: {peer} skipped: {why}")
    print()


def evalcount_table(path):
    if not path.exists():
        return
    lines = [l.split() for l in path.read_text().splitlines() if l.strip()]
    header, rows = lines[0], lines[1:]
    print("### Evaluators: instructions per call (callgrind)\n")
    cols = header[1:]
    extra = ["one-shot / fasteval", "/ evalexpr", "/ meval"]
    print("| case | " + " | ".join(cols) + " | " + " | ".join(extra) + " |")
    print("|" + "---|" * (1 + len(cols) + len(extra)))
    for r in rows:
        vals = dict(zip(cols, r[1:]))
        one = vals.get("safecalc-one-shot", "-")
        ratios = []
        for peer in ("fasteval", "evalexpr", "meval"):
            v = vals.get(peer, "-")
            ratios.append("–" if "-" in (v, one) else f"{int(one) / int(v):.2f}")
        cells = ["–" if v == "-" else f"{int(v):,}" for v in r[1:]]
        print(f"| {r[0]} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    print()


def main():
    out = Path(sys.argv[1])
    if (out / "machine.txt").exists():
        print("```\n" + (out / "machine.txt").read_text().strip() + "\n```\n")
    load_tables(load_lines(out / "loadgen.txt"))
    evalcount_table(out / "evalcount.txt")
    criterion_table(out / "criterion.txt")


if __name__ == "__main__":
    main()
