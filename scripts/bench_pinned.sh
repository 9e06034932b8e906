#!/usr/bin/env bash
# The load figures with the same CPU for each server: safecalc and Redis
# both pinned to core 0, the load generator to core 1 (`taskset`), so that
# neither server competes with the load generator and both get one core.
# safecalc then runs one worker (tokio counts the cores it may use).
#
#   scripts/bench_pinned.sh          # N = 1, 50, 1000; P = 1, 16; 3 runs
#
# Knobs as in scripts/bench.sh: SECONDS_PER_RUN (5), REQUESTS_PER_RUN
# (2,000,000), LOAD_RUNS (3). Results in target/bench/pinned-<time>/, and
# the tables (scripts/bench_summary.py) on stdout. Needs 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

SAFECALC_PORT=${SAFECALC_PORT:-7888}
REDIS_PORT=${REDIS_PORT:-6391}

[ "$(nproc)" -ge 2 ] || { echo "needs at least 2 cores"; exit 1; }
out=target/bench/pinned-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
echo "== results in $out"
{
    echo "date: $(date -u)"
    echo "nproc: $(nproc)"
    echo "pinning: servers on core 0, load generator on core 1"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

# The server on its own (see bench.sh).
cargo build --release --bin safecalc
cargo build --release --example loadgen
loadgen=target/release/examples/loadgen
source scripts/bench_lib.sh
need_redis
start_redis taskset -c 0 -- "$REDIS_PORT" "$out/redis.log"
start_safecalc taskset -c 0 -- safecalc "$SAFECALC_PORT"
safecalc_pid=$started_pid
wait_for_port "$REDIS_PORT"

loadgen_prefix=(taskset -c 1)
load_grid "calc $SAFECALC_PORT calc $safecalc_pid" \
    "echo $SAFECALC_PORT echo $safecalc_pid" \
    "redis-ping $REDIS_PORT ping $redis_pid"
cleanup
pids=()
echo
echo "== summary ($out)"
scripts/bench_summary.py "$out"
