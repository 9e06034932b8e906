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
                   for k in ("rps", "p50_us", "p99_us", "p999_us") }
        cpu = [float(r["server_cpu_ns_per_req"]) for r in rs if "server_cpu_ns_per_req" in r]
        by[key]["cpu"] = f"{median(cpu):,.0f}" if cpu else "–"
        by[key]["runs"] = len(rs)
    n_runs = max((r["runs"] for r in by.values()), default=0)
    servers = (("calc", "calc"), ("calc-2w", "calc, 2 workers"), ("echo", "echo"),
               ("redis-ping", "Redis PING"))
    grid = []
    for n in ("1", "50", "1000"):
        for p in ("1", "16"):
            cells = {k: by.get((k, n, p)) for k, _ in servers}
            if cells["calc"] and cells["redis-ping"]:
                grid.append((n, p, cells))
    if grid:
        present = [(k, name) for k, name in servers if any(c[k] for _, _, c in grid)]
        redis_name = "Redis PING"
        print(f"### Load: requests/s, median of {n_runs} runs\n")
        print("| N | P | " + " | ".join(name for _, name in present) + " | "
              + " | ".join(f"{name} / Redis" for k, name in present if k != "redis-ping") + " |")
        print("|---|---|" + "---|" * (2 * len(present) - 1))
        for n, p, c in grid:
            redis = float(c["redis-ping"]["rps"])
            rps = [fmt_int(c[k]["rps"]) if c[k] else "–" for k, _ in present]
            ratios = [f"{float(c[k]['rps']) / redis:.2f}" if c[k] else "–"
                      for k, _ in present if k != "redis-ping"]
            print(f"| {n} | {p} | " + " | ".join(rps) + " | " + " | ".join(ratios) + " |")
        print(f"\n### Load: latency p50 / p99 / p99.9 (µs), median of {n_runs} runs\n")
        print("| N | P | " + " | ".join(name for _, name in present) + " |")
        print("|---|---|" + "---|" * len(present))
        for n, p, c in grid:
            lat = [f"{c[k]['p50_us']} / {c[k]['p99_us']} / {c[k]['p999_us']}" if c[k] else "–"
                   for k, _ in present]
            print(f"| {n} | {p} | " + " | ".join(lat) + " |")
        print(f"\n### Load: server CPU time per request (ns, user + system, all threads), "
              f"median of {n_runs} runs\n")
        print("| N | P | " + " | ".join(name for _, name in present) + " |")
        print("|---|---|" + "---|" * len(present))
        for n, p, c in grid:
            print(f"| {n} | {p} | " + " | ".join(c[k]["cpu"] if c[k] else "–" for k, _ in present)
                  + " |")
        print()
    for suffix, title in (("", "as shipped (CPU share 10%)"), ("-noshare", "CPU share off (`--cpu-share 100`)")):
        quiet = by.get((f"quiet-50{suffix}", "50", "1"))
        beside = by.get((f"beside-hostile{suffix}", "50", "1"))
        hostile = next((r for (label, _, _), r in by.items() if label == f"hostile{suffix}"), None)
        if not (quiet and beside):
            continue
        print(f"### Hostile client, server {title}: 50 clients, calc `1+2`, P = 1\n")
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
        pairs = list(zip(runs.get((f"quiet-50{suffix}", "50", "1"), []),
                         runs.get((f"beside-hostile{suffix}", "50", "1"), [])))
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
    peers = out / "python_peers.txt"
    if peers.exists():
        print("### Evaluators: simpleeval and asteval (Python), one-shot\n")
        print(peers.read_text().strip() + "\n")


if __name__ == "__main__":
    main()
