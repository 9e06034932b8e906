# Shared by scripts/bench.sh and scripts/bench_pinned.sh (sourced, not run,
# after `out` and `loadgen` are set).

# Knobs (environment variables), with their defaults. The load figures are
# noisy on a shared machine: each is run LOAD_RUNS times (interleaved), and
# the summary shows the median.
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
REQUESTS_PER_RUN=${REQUESTS_PER_RUN:-2000000}
LOAD_RUNS=${LOAD_RUNS:-3}

# Commands put before the load generator (bench_pinned.sh: `taskset -c 1`).
loadgen_prefix=()

# `label`, then load generator arguments: one load figure, appended to
# $out/loadgen.txt.
run() {
    local label=$1
    shift
    "${loadgen_prefix[@]}" "$loadgen" --label "$label" --seconds "$SECONDS_PER_RUN" \
        --requests "$REQUESTS_PER_RUN" "$@" | tee -a "$out/loadgen.txt"
}

# Installs redis-server when it is missing (Debian's package).
need_redis() {
    if ! command -v redis-server >/dev/null; then
        apt-get update && apt-get install -y redis-server
    fi
}

# Servers started in the background go in `pids`; they are stopped when the
# script ends, however it ends, or when `cleanup` is called.
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

# `[PREFIX...] --`, then redis-server's port and log file: starts Redis
# (no persistence) in the background; sets redis_pid.
start_redis() {
    local prefix=()
    while [ "$1" != "--" ]; do prefix+=("$1"); shift; done
    shift
    "${prefix[@]}" redis-server --bind 127.0.0.1 --port "$1" --save '' --appendonly no \
        --maxclients 20000 --daemonize no --logfile "$2" &
    redis_pid=$!
    pids+=("$redis_pid")
}

# `[PREFIX...] --`, then a name, a port and safecalc's flags: starts
# safecalc (chat's flood limit off: it only affects chat lines, and the
# fan-out figures need it off) with its output in $out/NAME.out and .log,
# and waits until it listens; sets started_pid.
start_safecalc() {
    local prefix=()
    while [ "$1" != "--" ]; do prefix+=("$1"); shift; done
    shift
    local name=$1 port=$2
    shift 2
    # Each server keeps its chat data in a directory of its own under the
    # run's folder (two servers cannot share one), unless told otherwise.
    local store=(--data-dir "$out/$name.data")
    case " $* " in
        *" --ephemeral "* | *" --data-dir "* | *" --redis "*) store=() ;;
    esac
    "${prefix[@]}" target/release/safecalc --listen "127.0.0.1:$port" --max-connections 20000 \
        --chat-rate 0 "${store[@]}" "$@" > "$out/$name.out" 2> "$out/$name.log" &
    started_pid=$!
    pids+=("$started_pid")
    for _ in $(seq 100); do
        grep -q 'safecalc listening on' "$out/$name.out" 2>/dev/null && break
        sleep 0.1
    done
    grep -q 'safecalc listening on' "$out/$name.out" || { echo "$name did not start"; exit 1; }
}

# Waits (up to 10 s) until something accepts connections on loopback `port`.
wait_for_port() {
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return
        sleep 0.1
    done
}

# The load grid: N = 1, 50, 1000 and P = 1, 16, LOAD_RUNS times over, each
# figure for every server given as "label port mode pid" (mode: calc, echo
# or ping), in turn, so that the servers' runs interleave.
load_grid() {
    local label port mode pid
    for _ in $(seq "$LOAD_RUNS"); do
        for n in 1 50 1000; do
            for p in 1 16; do
                for server in "$@"; do
                    read -r label port mode pid <<< "$server"
                    run "$label" --addr "127.0.0.1:$port" --mode "$mode" -n "$n" -p "$p" \
                        --server-pid "$pid"
                done
            done
        done
    done
}
