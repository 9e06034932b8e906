# Shared by scripts/bench.sh and scripts/bench_pinned.sh (sourced, not run).

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
