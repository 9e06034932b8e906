#!/usr/bin/env bash
# The TLS figures of BENCHMARKS.md in one run, safecalc's TLS listener
# against Redis's own TLS (`redis-server --tls-port`, Debian's build, with
# the same certificate and key), measured by the same load generator with
# the same client TLS (rustls, ring): calc requests/s and latency at N = 50
# with P = 1 and P = 16 (Redis: inline PING), full handshakes per second
# (no session resumption), and resident memory per idle TLS connection with
# IDLE_CONNECTIONS open. The plain ports run beside them, for the cost of
# TLS itself. Results go to target/bench/tls-<time>/ and a summary to
# stdout.
#
#   scripts/bench_tls.sh                          # every figure, 3 runs each
#   LOAD_RUNS=1 SECONDS_PER_RUN=2 IDLE_CONNECTIONS=1000 scripts/bench_tls.sh   # smoke
#
# Knobs as in scripts/bench.sh: SECONDS_PER_RUN (5), REQUESTS_PER_RUN
# (2,000,000), LOAD_RUNS (3); HANDSHAKE_CLIENTS (16: handshakes in flight),
# IDLE_CONNECTIONS (10,000). Needs redis-server (installed with apt-get
# when missing; Debian's is built with TLS) and openssl (to check that).
set -euo pipefail
cd "$(dirname "$0")/.."

SAFECALC_PORT=${SAFECALC_PORT:-7898}
SAFECALC_TLS_PORT=${SAFECALC_TLS_PORT:-7899}
REDIS_PORT=${REDIS_PORT:-6392}
REDIS_TLS_PORT=${REDIS_TLS_PORT:-6393}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-10000}
HANDSHAKE_CLIENTS=${HANDSHAKE_CLIENTS:-16}

out=target/bench/tls-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
echo "== results in $out"
{
    echo "date: $(date -u)"
    echo "nproc: $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "kernel: $(uname -r)"
    echo "rustc: $(rustc --version)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

cargo build --release --bin safecalc --example loadgen
loadgen=target/release/examples/loadgen
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
echo "open files limit: $(ulimit -n)" | tee -a "$out/machine.txt"

source scripts/bench_lib.sh
need_redis
echo "redis: $(redis-server --version)" | tee -a "$out/machine.txt"
echo "openssl: $(openssl version)" | tee -a "$out/machine.txt"

# One certificate and key for both servers: an ECDSA P-256 pair, as
# `safecalc cert` makes.
target/release/safecalc cert --force --out "$out/tls" > "$out/cert.txt"
cert=$out/tls/cert.pem
key=$out/tls/key.pem

# Redis with its plain port and its TLS port (no client certificates).
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --tls-port "$REDIS_TLS_PORT" \
    --tls-cert-file "$cert" --tls-key-file "$key" --tls-ca-cert-file "$cert" \
    --tls-auth-clients no --save '' --appendonly no --maxclients 20000 \
    --daemonize no --logfile "$out/redis.log" &
redis_pid=$!
pids+=("$redis_pid")
start_safecalc -- safecalc "$SAFECALC_PORT" --tls-listen "127.0.0.1:$SAFECALC_TLS_PORT" \
    --tls-cert "$cert" --tls-key "$key"
safecalc_pid=$started_pid
wait_for_port "$REDIS_TLS_PORT"
wait_for_port "$SAFECALC_TLS_PORT"
# Both speak TLS to a client that is not ours.
for port in "$REDIS_TLS_PORT" "$SAFECALC_TLS_PORT"; do
    printf 'PING\r\nQUIT\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$port" -quiet \
        -CAfile "$cert" -verify_return_error >/dev/null 2>"$out/s_client-$port.txt" \
        || { echo "no TLS on port $port:"; cat "$out/s_client-$port.txt"; exit 1; }
done

tls=(--tls --ca "$cert")
echo "== load at N = 50 ($LOAD_RUNS runs, interleaved)"
for _ in $(seq "$LOAD_RUNS"); do
    for p in 1 16; do
        run calc-tls --addr "127.0.0.1:$SAFECALC_TLS_PORT" "${tls[@]}" --mode calc -n 50 -p "$p" \
            --server-pid "$safecalc_pid"
        run redis-ping-tls --addr "127.0.0.1:$REDIS_TLS_PORT" "${tls[@]}" --mode ping -n 50 -p "$p" \
            --server-pid "$redis_pid"
        run calc --addr "127.0.0.1:$SAFECALC_PORT" --mode calc -n 50 -p "$p" \
            --server-pid "$safecalc_pid"
        run redis-ping --addr "127.0.0.1:$REDIS_PORT" --mode ping -n 50 -p "$p" \
            --server-pid "$redis_pid"
    done
done

echo "== full handshakes per second ($HANDSHAKE_CLIENTS in flight, $LOAD_RUNS runs)"
for _ in $(seq "$LOAD_RUNS"); do
    "$loadgen" --label handshakes-safecalc --addr "127.0.0.1:$SAFECALC_TLS_PORT" "${tls[@]}" \
        --handshakes -n "$HANDSHAKE_CLIENTS" --seconds "$SECONDS_PER_RUN" \
        --server-pid "$safecalc_pid" | tee -a "$out/loadgen.txt"
    "$loadgen" --label handshakes-redis --addr "127.0.0.1:$REDIS_TLS_PORT" "${tls[@]}" \
        --handshakes -n "$HANDSHAKE_CLIENTS" --seconds "$SECONDS_PER_RUN" \
        --server-pid "$redis_pid" | tee -a "$out/loadgen.txt"
done

echo "== $IDLE_CONNECTIONS idle TLS connections"
"$loadgen" --label safecalc-idle-tls --addr "127.0.0.1:$SAFECALC_TLS_PORT" "${tls[@]}" --mode calc \
    --idle "$IDLE_CONNECTIONS" --server-pid "$safecalc_pid" | tee -a "$out/loadgen.txt"
"$loadgen" --label redis-idle-tls --addr "127.0.0.1:$REDIS_TLS_PORT" "${tls[@]}" --mode ping \
    --idle "$IDLE_CONNECTIONS" --server-pid "$redis_pid" | tee -a "$out/loadgen.txt"

cleanup
pids=()
echo
echo "== summary ($out)"
scripts/bench_tls_summary.py "$out"
