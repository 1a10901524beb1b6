#!/usr/bin/env bash
# bench/bandit.sh [BUILD_DIR]: the bandit's costs (issue 12). Build first (cmake --build build -j2).
#   1. pulls per second per core with per-request updates: scenarios/bernoulli_bandit.lua, T = 10^5 pulls per
#      replication (horizon 10 h), --jobs 1, each algorithm;
#   2. the cost of a request in a batched bandit (bench/w1_bandit.lua: W1's traffic, Thompson every hour,
#      sticky users) against the same traffic under fixed_stages (bench/w1.lua, gate none), --jobs 1.
# Prints the median of RUNS runs (default 3) of each line.
set -eu
BUILD=${1:-./build}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RS=$BUILD/rollsim
RUNS=${RUNS:-3}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rollsim-bandit.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# secs CMD...: wall seconds of CMD (its output discarded)
secs() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo "bench/bandit.sh: failed: $*" >&2; exit 1; }
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
requests() { awk -F, 'NR>1 {s+=$13; n++} END {printf "%.0f\n", s/n}' "$1/runs.csv"; }

echo "1. per-request updates: scenarios/bernoulli_bandit.lua, T = 10^5 pulls per replication, --jobs 1"
printf "%-12s %8s %14s %14s\n" algorithm reps pulls/rep "pulls/s/core"
for alg in thompson ucb1 kl_ucb eps_greedy; do
    reps=20
    for i in $(seq "$RUNS"); do
        secs "$RS" run "$ROOT/scenarios/bernoulli_bandit.lua" --reps $reps --jobs 1 --quiet --out "$TMP/b" \
            --set horizon=10 --set sample_every=1 --set policy.algorithm=$alg
    done | median >"$TMP/t"
    n=$(requests "$TMP/b")
    printf "%-12s %8d %14.0f %14.3g\n" $alg $reps "$n" "$(echo "$n * $reps / $(cat "$TMP/t")" | bc -l)"
done

echo
echo "2. batched bandit vs fixed_stages on W1's traffic (100 000 users, 72 h), --jobs 1"
printf "%-34s %6s %14s %12s\n" line reps requests/rep ns/request
reps=3
for line in fixed bandit; do
    if [ $line = fixed ]; then
        args=("$HERE/w1.lua" --set policy.gate=none)
        name="fixed_stages (w1.lua, gate none)"
    else
        args=("$HERE/w1_bandit.lua")
        name="bandit thompson, hourly, sticky"
    fi
    for i in $(seq "$RUNS"); do
        secs "$RS" run "${args[@]}" --reps $reps --jobs 1 --quiet --out "$TMP/$line"
    done | median >"$TMP/$line.t"
    n=$(requests "$TMP/$line")
    ns=$(echo "$(cat "$TMP/$line.t") * 1000000000 / ($n * $reps)" | bc -l)
    echo "$ns" >"$TMP/$line.ns"
    printf "%-34s %6d %14.0f %12.1f\n" "$name" $reps "$n" "$ns"
done
printf "cost ratio bandit / fixed_stages per request: %.2f (target <= 1.5)\n" \
    "$(echo "$(cat "$TMP/bandit.ns") / $(cat "$TMP/fixed.ns")" | bc -l)"
