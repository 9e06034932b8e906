#!/usr/bin/env python3
"""Turns the raw output of scripts/bench_tls.sh (one results folder) into the
Markdown tables of BENCHMARKS.md's TLS section: requests/s and latency at
N = 50 over TLS with the ratio to Redis's TLS (and the plain ports beside
them), full handshakes per second, and memory per idle TLS connection.
Several runs of a figure: the median.

Usage: scripts/bench_tls_summary.py target/bench/tls-<time>
"""

import sys
from pathlib import Path


def rows(path):
    out = []
    if path.exists():
        for line in path.read_text().splitlines():
            if line.startswith("label="):
                out.append(dict(kv.split("=", 1) for kv in line.split()))
    return out


def median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else None


def main(folder):
    data = rows(Path(folder) / "loadgen.txt")
    load = {}
    for r in data:
        if "rps" in r:
            load.setdefault((r["label"], r["p"]), []).append(r)
    if load:
        runs = max(len(v) for v in load.values())
        print(f"### TLS load at N = 50: requests/s, p50 / p99 (µs); median of {runs} runs\n")
        print("| P | safecalc TLS | Redis TLS | safecalc TLS / Redis TLS | safecalc plain | Redis plain |")
        print("|---|---|---|---|---|---|")
        for p in ("1", "16"):
            cell = {}
            for label in ("calc-tls", "redis-ping-tls", "calc", "redis-ping"):
                rs = load.get((label, p), [])
                if rs:
                    cell[label] = (median(float(r["rps"]) for r in rs),
                                   median(int(r["p50_us"]) for r in rs),
                                   median(int(r["p99_us"]) for r in rs))
            def fmt(label):
                if label not in cell:
                    return "–"
                rps, p50, p99 = cell[label]
                return f"{rps:,.0f} ({p50} / {p99})"
            ratio = "–"
            if "calc-tls" in cell and "redis-ping-tls" in cell:
                ratio = f"{cell['calc-tls'][0] / cell['redis-ping-tls'][0]:.2f}"
            print(f"| {p} | {fmt('calc-tls')} | {fmt('redis-ping-tls')} | {ratio} | "
                  f"{fmt('calc')} | {fmt('redis-ping')} |")
        print()
    hs = {}
    for r in data:
        if "handshakes_per_s" in r:
            hs.setdefault(r["label"], []).append(r)
    if hs:
        print("### Full TLS handshakes per second (median)\n")
        print("| server | handshakes/s | server CPU per handshake (µs) | runs |")
        print("|---|---|---|---|")
        for label in sorted(hs):
            rs = hs[label]
            rate = median(float(r["handshakes_per_s"]) for r in rs)
            cpu = median(float(r["server_cpu_us_per_handshake"]) for r in rs
                         if "server_cpu_us_per_handshake" in r)
            cpu = f"{cpu:,.0f}" if cpu is not None else "–"
            print(f"| {label.removeprefix('handshakes-')} | {rate:,.0f} | {cpu} | {len(rs)} |")
        names = {label.removeprefix("handshakes-"): median(float(r["handshakes_per_s"]) for r in rs)
                 for label, rs in hs.items()}
        if "safecalc" in names and "redis" in names:
            print(f"\nsafecalc / Redis: {names['safecalc'] / names['redis']:.2f}")
        print()
    idle = [r for r in data if "bytes_per_connection" in r]
    if idle:
        print("### Idle TLS connections\n")
        print("| server | connections | still open | resident bytes per connection |")
        print("|---|---|---|---|")
        for r in idle:
            print(f"| {r['label']} | {int(r['idle_connections']):,} | {int(r['still_open']):,} | "
                  f"{int(r['bytes_per_connection']):,} |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
