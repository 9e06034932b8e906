#!/usr/bin/env bash
# The chat-store figures of BENCHMARKS.md (issue 14) in one run: the same
# chat on the SQLite store (`--data-dir`, a fresh directory) and on the
# in-memory store (`--ephemeral`), run after run in ABBA order:
#
# - persisted lines/s and fan-out: one room of 100 (90 reading members and
#   10 senders, 16 lines per write, at most 256 ahead of the slowest reader);
# - the store's own rate: a room of 11 (1 reader, 10 senders, 1,000 ahead),
#   where delivering costs little and storing is what is left (on a fresh
#   pair of servers, so that what its runs leave to prune does not weigh
#   on the room of 100);
# - logins under a flood: 50 clients chatting at P = 1 (each `/calc 1+2` in
#   a room of its own: a stored line, answered once committed), alone and
#   with 1,000 wrong-password `/login`s for one account, on the SQLite
#   server as shipped (OWASP argon2id).
#
# Results go to target/bench/store-<time>/loadgen.txt and a summary (medians)
# to stdout.
#
#   scripts/bench_store.sh                              # 3 runs of 5 s each
#   LOAD_RUNS=1 SECONDS_PER_RUN=2 scripts/bench_store.sh  # smoke
set -euo pipefail
cd "$(dirname "$0")/.."

SQLITE_PORT=${SQLITE_PORT:-7911}
MEMORY_PORT=${MEMORY_PORT:-7912}
FLOOD_PORT=${FLOOD_PORT:-7913}
FLOOD_ATTEMPTS=${FLOOD_ATTEMPTS:-1000}

out=target/bench/store-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
echo "== results in $out"
{
    echo "date: $(date -u)"
    echo "nproc: $(nproc)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

cargo build --release --bin safecalc --example loadgen
loadgen=target/release/examples/loadgen
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
source scripts/bench_lib.sh

# The chat servers run without the per-connection CPU share: relaying a
# line to 99 members is charged to the sender, and the share (like the
# flood limit, off in start_safecalc) is meant for people, not load tests.
start_sqlite_and_memory() { # data directory suffix
    start_safecalc -- "sqlite$1" "$SQLITE_PORT" --cpu-share 100
    start_safecalc -- "memory$1" "$MEMORY_PORT" --cpu-share 100 --ephemeral
}

fanout() { # label port
    "$loadgen" --label "$1" --addr "127.0.0.1:$2" --chat-members 90 --chat-senders 10 \
        --chat-room "room$RANDOM" -p 16 --seconds "$SECONDS_PER_RUN" | tee -a "$out/loadgen.txt"
}
store_bound() { # label port
    "$loadgen" --label "$1" --addr "127.0.0.1:$2" --chat-members 1 --chat-senders 10 \
        --chat-window 1000 --chat-room "room$RANDOM" -p 16 --seconds "$SECONDS_PER_RUN" \
        | tee -a "$out/loadgen.txt"
}
abba() { # function label-prefix
    for i in $(seq "$LOAD_RUNS"); do
        if [ $((i % 2)) = 1 ]; then order=(sqlite memory memory sqlite); else order=(memory sqlite sqlite memory); fi
        for kind in "${order[@]}"; do
            port=$SQLITE_PORT
            [ "$kind" = memory ] && port=$MEMORY_PORT
            "$1" "$2-$kind" "$port"
        done
    done
}
# Each room on servers of its own: the room of 11 stores about 250,000
# lines a second, and the millions of lines its runs leave over the
# retention are pruned in the background for a minute or more, which is
# not what the room of 100's figure is about.
echo "== a room of 100 (10 senders), ABBA"
start_sqlite_and_memory ""
abba fanout fanout-100
cleanup
pids=()
echo "== a room of 11 (10 senders), ABBA, on fresh servers"
start_sqlite_and_memory "-11"
abba store_bound store-11
echo "sqlite database after the runs: $(du -sh "$out/sqlite-11.data" | cut -f1)" | tee -a "$out/machine.txt"
cleanup
pids=()

# -- logins under a flood ----------------------------------------------------------
echo "== logins under a flood: 50 chatting clients, alone and beside $FLOOD_ATTEMPTS wrong logins"
start_safecalc -- flood "$FLOOD_PORT"
flood_pid=$started_pid
# Registering needs a client that waits for the answer: bash's /dev/tcp.
exec 3<>"/dev/tcp/127.0.0.1/$FLOOD_PORT"
printf '/register victim rightpass1\r\n' >&3
registered=
for _ in $(seq 50); do
    read -r -t 10 line <&3 || break
    case $line in *"registered"* | *"welcome"* | *"logged in"*) registered=1; break ;; esac
done
exec 3>&-
[ -n "$registered" ] || { echo "could not register the flood's account"; exit 1; }
chat_load() { # label [extra loadgen args]
    local label=$1
    shift
    "$loadgen" --label "$label" --addr "127.0.0.1:$FLOOD_PORT" --mode chat -n 50 -p 1 \
        --seconds "$((SECONDS_PER_RUN * 2))" --requests 100000000 --server-pid "$flood_pid" "$@" \
        | tee -a "$out/loadgen.txt"
}
for i in $(seq "$LOAD_RUNS"); do
    if [ $((i % 2)) = 1 ]; then
        chat_load chat-alone
        chat_load chat-beside-flood --login-flood "$FLOOD_ATTEMPTS"
    else
        chat_load chat-beside-flood --login-flood "$FLOOD_ATTEMPTS"
        chat_load chat-alone
    fi
done
cleanup
pids=()

echo "== summary (medians of $LOAD_RUNS runs)"
python3 - "$out/loadgen.txt" <<'EOF'
import re, statistics, sys
rows = {}
flood = []
for line in open(sys.argv[1]):
    fields = dict(re.findall(r'(\w+)=(\S+)', line))
    if 'label' in fields:
        rows.setdefault(fields['label'], []).append(fields)
    elif line.strip():
        flood.append(line.strip())
def med(label, key):
    values = [float(r[key]) for r in rows.get(label, []) if key in r]
    return statistics.median(values) if values else float('nan')
print('| room | store | messages stored/s | lines delivered/s |')
print('|---|---|---|---|')
for room, name in (('fanout-100', 'a room of 100, 10 senders'), ('store-11', 'a room of 11, 10 senders')):
    for kind in ('sqlite', 'memory'):
        label = f'{room}-{kind}'
        print(f"| {name} | {kind} | {med(label, 'sent_per_s'):,.0f} | {med(label, 'delivered_per_s'):,.0f} |")
    ratio = med(f'{room}-sqlite', 'delivered_per_s') / med(f'{room}-memory', 'delivered_per_s')
    print(f'| {name} | sqlite / memory | | {ratio:.3f} |')
print()
print('| chat clients | requests/s | p50 µs | p99 µs |')
print('|---|---|---|---|')
for label in ('chat-alone', 'chat-beside-flood'):
    print(f"| {label} | {med(label, 'rps'):,.0f} | {med(label, 'p50_us'):,.0f} | {med(label, 'p99_us'):,.0f} |")
print(f"p99 ratio (beside flood / alone): {med('chat-beside-flood', 'p99_us') / med('chat-alone', 'p99_us'):.2f}")
print()
print('flood lines:')
for line in flood:
    print(' ', line)
EOF
