#!/usr/bin/env bash
# All of BENCHMARKS.md's figures in one run: builds release, starts safecalc
# and redis-server on loopback, runs the load generator (N = 1, 50, 1000;
# P = 1, 16; calc, echo and Redis PING; calc also with --workers 2), the
# hostile-client (with and without the per-connection CPU share) and
# idle-connection tests, the criterion evaluator suite and the callgrind
# instruction counts. Results go to target/bench/<time>/ and a summary to
# stdout.
#
#   scripts/bench.sh                 # everything (about 15 minutes)
#   SECONDS_PER_RUN=3 CRITERION_TIME=1 scripts/bench.sh   # quicker
#   SKIP_CRITERION=1 SKIP_CALLGRIND=1 SKIP_PYTHON_PEERS=1 scripts/bench.sh   # servers only
#   LOAD_RUNS=1 scripts/bench.sh     # each load figure once (default 3)
#
# Needs redis-server (installed with apt-get when missing) and valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."

CRITERION_TIME=${CRITERION_TIME:-2}
SAFECALC_PORT=${SAFECALC_PORT:-7878}
REDIS_PORT=${REDIS_PORT:-6390}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-10000}

out=target/bench/$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
echo "== results in $out"

# -- the machine -----------------------------------------------------------
{
    echo "date: $(date -u)"
    echo "nproc: $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
    echo "kernel: $(uname -r)"
    echo "rustc: $(rustc --version)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

# -- build -----------------------------------------------------------------
# The server on its own: built together with the examples, it would get the
# dev-dependencies' features too (tokio's test-util, which the tests need).
cargo build --release --bin safecalc
cargo build --release --example loadgen --example evalcount --example worst_lines
loadgen=target/release/examples/loadgen

# 10,000 idle connections need more than the usual 1,024 descriptors, on
# both sides (the servers inherit this limit from the script).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
echo "open files limit: $(ulimit -n)" | tee -a "$out/machine.txt"

# -- servers ----------------------------------------------------------------
source scripts/bench_lib.sh
need_redis
start_redis -- "$REDIS_PORT" "$out/redis.log"
echo "redis: $(redis-server --version)" | tee -a "$out/machine.txt"

# The server as shipped (one event loop, every default)...
start_safecalc -- safecalc "$SAFECALC_PORT"
safecalc_pid=$started_pid
# ...with two workers (tokio's multi-threaded scheduler, one per core here)...
SAFECALC_2W_PORT=$((SAFECALC_PORT + 1))
start_safecalc -- safecalc-2w "$SAFECALC_2W_PORT" --workers 2
safecalc_2w_pid=$started_pid
# ...and without its per-connection CPU share, for the hostile client.
SAFECALC_NOSHARE_PORT=$((SAFECALC_PORT + 2))
start_safecalc -- safecalc-noshare "$SAFECALC_NOSHARE_PORT" --cpu-share 100
safecalc_noshare_pid=$started_pid
wait_for_port "$REDIS_PORT"

# -- throughput and latency ---------------------------------------------------
echo "== load: N connections x pipeline P ($LOAD_RUNS runs)"
load_grid "calc $SAFECALC_PORT calc $safecalc_pid" \
    "calc-2w $SAFECALC_2W_PORT calc $safecalc_2w_pid" \
    "echo $SAFECALC_PORT echo $safecalc_pid" \
    "redis-ping $REDIS_PORT ping $redis_pid"

# -- a hostile client -----------------------------------------------------------
# The slowest 4 KiB line we know (examples/worst_lines.rs): max() of 1,997
# references to a 4,296-digit integer, pipelined 16 deep, without pause.
worst="max(x$(printf ',x%.0s' $(seq 1997)))"
echo "== hostile client: 50 clients at P=1, without and with it ($LOAD_RUNS runs)"
hostile_runs() { # label-suffix port
    local suffix=$1 port=$2
    run "quiet-50$suffix" --addr "127.0.0.1:$port" --mode calc -n 50 -p 1
    "$loadgen" --label "hostile$suffix" --addr "127.0.0.1:$port" --mode calc -n 1 -p 16 \
        --setup 'x = 9**4500' --expr "$worst" --warmup 0 \
        --seconds "$((SECONDS_PER_RUN + 2))" --requests 100000000 \
        | tee -a "$out/loadgen.txt" &
    hostile=$!
    sleep 0.5
    run "beside-hostile$suffix" --addr "127.0.0.1:$port" --mode calc -n 50 -p 1
    wait "$hostile"
}
for _ in $(seq "$LOAD_RUNS"); do
    hostile_runs "" "$SAFECALC_PORT"
    hostile_runs -noshare "$SAFECALC_NOSHARE_PORT"
done

# -- idle connections -------------------------------------------------------------
echo "== $IDLE_CONNECTIONS idle connections"
"$loadgen" --label safecalc-idle --addr "127.0.0.1:$SAFECALC_PORT" --mode calc \
    --idle "$IDLE_CONNECTIONS" --server-pid "$safecalc_pid" | tee -a "$out/loadgen.txt"
"$loadgen" --label redis-idle --addr "127.0.0.1:$REDIS_PORT" --mode ping \
    --idle "$IDLE_CONNECTIONS" --server-pid "$redis_pid" | tee -a "$out/loadgen.txt"

# -- chat fan-out -------------------------------------------------------------------
# On the server without the CPU share: like the flood limit, it is meant
# for people, and relaying each line to 99 members is CPU the sender's
# connection would be charged for.
echo "== chat fan-out: a room of 100 (99 reading members and the sender)"
for _ in $(seq "$LOAD_RUNS"); do
    "$loadgen" --label chat-100 --addr "127.0.0.1:$SAFECALC_NOSHARE_PORT" --chat-members 99 \
        --chat-room bench -p 16 --seconds "$SECONDS_PER_RUN" | tee -a "$out/loadgen.txt"
    "$loadgen" --label chat-100-stalled --addr "127.0.0.1:$SAFECALC_NOSHARE_PORT" --chat-members 98 \
        --chat-stalled 1 --chat-room stalled -p 16 --seconds "$((SECONDS_PER_RUN * 3))" \
        | tee -a "$out/loadgen.txt"
done

cleanup
pids=()

# -- the evaluator ------------------------------------------------------------------
if [ -z "${SKIP_CALLGRIND:-}" ]; then
    echo "== instructions per call (callgrind)"
    scripts/evalcount.sh 200 | tee "$out/evalcount.txt"
fi
echo "== worst lines"
target/release/examples/worst_lines | tee "$out/worst_lines.txt"
if [ -z "${SKIP_CRITERION:-}" ]; then
    echo "== criterion"
    cargo bench --bench evaluators -- --warm-up-time 1 --measurement-time "$CRITERION_TIME" --noplot \
        2>&1 | tee "$out/criterion.txt"
fi
if [ -z "${SKIP_PYTHON_PEERS:-}" ]; then
    echo "== simpleeval and asteval (Python), next to safecalc's one-shot time"
    python3 scripts/bench_python_peers.py --seconds "$CRITERION_TIME" | tee "$out/python_peers.txt"
fi

# -- summary -------------------------------------------------------------------------
echo
echo "== summary ($out)"
scripts/bench_summary.py "$out"
