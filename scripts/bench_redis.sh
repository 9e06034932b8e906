#!/usr/bin/env bash
# Issue 16's figures (BENCHMARKS.md, "Several instances through Redis"):
# one room of 100 members (90 that read, 10 that send, 16 lines per write)
# split over two safecalc instances sharing the chat through Redis, against
# the same room on one instance with the embedded store (SQLite in a fresh
# --data-dir). For each: lines sent/s, lines delivered/s and the delivery
# latency (p50, p99: from the write to each reader), and for Redis the
# commands per room line, from INFO commandstats.
#
#   scripts/bench_redis.sh                                   # 3 runs of 10 s
#   LOAD_RUNS=1 SECONDS_PER_RUN=3 scripts/bench_redis.sh     # a smoke run
#
# Runs alternate (single, shared, shared, single, ...) so that a change in
# the machine's load falls on both. Redis keeps its append-only file
# (appendfsync everysec, its default), as SQLite keeps its WAL
# (synchronous=NORMAL). Results go to target/bench/redis-<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
LOAD_RUNS=${LOAD_RUNS:-3}
REDIS_PORT=${REDIS_PORT:-6391}
SINGLE_PORT=${SINGLE_PORT:-7890}
SHARED_A_PORT=$((SINGLE_PORT + 1))
SHARED_B_PORT=$((SINGLE_PORT + 2))
READERS=${READERS:-90}
SENDERS=${SENDERS:-10}

out=target/bench/redis-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out/redis" "$out/single-data"
echo "== results in $out"
{
    echo "date: $(date -u)"
    echo "nproc: $(nproc)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "rustc: $(rustc --version)"
} | tee "$out/machine.txt"

cargo build --release --bin safecalc
cargo build --release --example loadgen
loadgen=target/release/examples/loadgen
ulimit -n 65536 2>/dev/null || true

source scripts/bench_lib.sh
need_redis
echo "redis: $(redis-server --version)" | tee -a "$out/machine.txt"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$PWD/$out/redis" \
    --appendonly yes --appendfsync everysec --save '' --daemonize no \
    --logfile "$PWD/$out/redis.log" &
pids+=("$!")
wait_for_port "$REDIS_PORT"
redis="redis://127.0.0.1:$REDIS_PORT"

# As the other chat figures: no flood limit, no CPU share (relaying to 99
# members is CPU charged to the sender's connection).
start_safecalc -- single "$SINGLE_PORT" --cpu-share 100 --data-dir "$out/single-data"
start_safecalc -- shared-a "$SHARED_A_PORT" --cpu-share 100 --redis "$redis" --instance-name bench-a
start_safecalc -- shared-b "$SHARED_B_PORT" --cpu-share 100 --redis "$redis" --instance-name bench-b

room() { # label, room, then loadgen's address flags
    local label=$1 room=$2
    shift 2
    "$loadgen" --label "$label" "$@" --chat-members "$READERS" --chat-senders "$SENDERS" \
        --chat-room "$room" --pipeline 16 --seconds "$SECONDS_PER_RUN" | tee -a "$out/loadgen.txt"
}
single() {
    room single-sqlite "single$1" --addr "127.0.0.1:$SINGLE_PORT"
}
shared() {
    redis-cli -p "$REDIS_PORT" CONFIG RESETSTAT >/dev/null
    room shared-redis-2 "shared$1" --addr "127.0.0.1:$SHARED_A_PORT" \
        --second-addr "127.0.0.1:$SHARED_B_PORT"
    # Everything Redis ran since the reset: the run's lines, and its 100
    # joins and departures and the heartbeats (together well under 0.01
    # commands per line).
    redis-cli -p "$REDIS_PORT" INFO commandstats > "$out/commandstats-$1.txt"
}

echo "== a room of $((READERS + SENDERS)): one instance (SQLite) and two (Redis), $LOAD_RUNS runs"
for i in $(seq "$LOAD_RUNS"); do
    if [ $((i % 2)) -eq 1 ]; then
        single "$i"
        shared "$i"
    else
        shared "$i"
        single "$i"
    fi
done

cleanup
pids=()

echo
echo "== summary ($out)"
python3 - "$out" <<'EOF'
import pathlib, statistics, sys

out = pathlib.Path(sys.argv[1])
runs = {}
for line in (out / "loadgen.txt").read_text().splitlines():
    fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
    if "chat_members" in fields:
        runs.setdefault(fields["label"], []).append(fields)

def median(rs, key):
    return statistics.median(float(r[key]) for r in rs)

print("| room of 100 | runs | lines sent/s | lines delivered/s | delivery p50 (ms) | delivery p99 (ms) |")
print("|---|---|---|---|---|---|")
for label, rs in runs.items():
    print(f"| {label} | {len(rs)} | {median(rs, 'sent_per_s'):,.0f} | {median(rs, 'delivered_per_s'):,.0f} "
          f"| {median(rs, 'delivery_p50_us') / 1000:.1f} | {median(rs, 'delivery_p99_us') / 1000:.1f} |")

# Redis commands per room line, per run (the lines the loadgen sent in all).
shared = runs.get("shared-redis-2", [])
print()
print("| run | lines | xadd/line | publish/line | evalsha/line (batches) | all commands/line |")
print("|---|---|---|---|---|---|")
for i, r in enumerate(shared, start=1):
    stats = {}
    path = out / f"commandstats-{i}.txt"
    if not path.exists():
        continue
    for line in path.read_text().splitlines():
        if line.startswith("cmdstat_"):
            name, rest = line[len("cmdstat_"):].split(":", 1)
            calls = dict(kv.split("=") for kv in rest.strip().split(","))["calls"]
            stats[name] = int(calls)
    lines = int(r["sent"])
    total = sum(stats.values())
    print(f"| {i} | {lines:,} | {stats.get('xadd', 0) / lines:.3f} | {stats.get('publish', 0) / lines:.3f} "
          f"| {stats.get('evalsha', 0) / lines:.3f} | {total / lines:.3f} |")
EOF
