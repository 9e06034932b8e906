#!/usr/bin/env bash
# Instructions per call for each evaluator on each case of the benchmark
# suite, counted by callgrind (reproducible on a busy machine, unlike wall
# time): the count for 2N calls minus the count for N calls, divided by N.
#
# Usage: scripts/evalcount.sh [N] [EVALUATORS...]   (default N=200)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
shift || true
evaluators=("$@")
[ ${#evaluators[@]} -gt 0 ] || evaluators=(safecalc-parse safecalc-evaluate safecalc-one-shot fasteval evalexpr meval)
cargo build --release --example evalcount -q
bin=target/release/examples/evalcount
count() { # evaluator case runs -> instructions, or "skip"
    local out
    if ! out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" "$3" 2>&1); then
        echo skip; return
    fi
    echo "$out" | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
cases=(tiny mixed float_heavy sum_200 nested_50 functions big_ints worst_4k compare_and bitwise complex gen_sum sorted_100)
printf '%-12s' case; printf ' %18s' "${evaluators[@]}"; echo
for c in "${cases[@]}"; do
    printf '%-12s' "$c"
    for e in "${evaluators[@]}"; do
        runs=$n
        [ "$c" = worst_4k ] && runs=$(( n / 50 > 2 ? n / 50 : 2 ))
        a=$(count "$e" "$c" "$runs"); b=$(count "$e" "$c" $((2 * runs)))
        if [ "$a" = skip ] || [ "$b" = skip ]; then
            printf ' %18s' -
        else
            printf ' %18s' $(( (b - a) / runs ))
        fi
    done
    echo
done
