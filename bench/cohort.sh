#!/usr/bin/env bash
# bench/cohort.sh [BUILD_DIR]: W1 (bench/w1.lua, z-test gate as specified) per replication in exact and cohort
# mode at 10^5, 10^6, 10^8 and 10^9 users (issue 11, SPEC §9: cohort mode's cost must not grow with users;
# 10^8 users under 1 s per replication). Prints a markdown table: the median over RUNS runs of the seconds per
# replication (the replication loop only, from the line "simulated N requests in X s"), with the min and max.
#
# Exact mode runs only where it fits and finishes in reasonable time: EXACT_MAX_USERS (default 10^6; W1 costs
# about 11 ns per request and W1 has 72 requests per user, so ~80 s per replication at 10^8 users and ~15 min at
# 10^9; its flags take 2 bytes per user, which 10^9 users still fit on this machine).
# Environment: RUNS (default 5), REPS per run in cohort mode (default 20), EXACT_REPS (default 3),
# EXACT_MAX_USERS. Builds nothing: build first (cmake -S . -B build && cmake --build build -j2).
set -eu

BUILD=${1:-./build}
HERE=$(cd "$(dirname "$0")" && pwd)
ROLLSIM=$BUILD/rollsim
RUNS=${RUNS:-5}
REPS=${REPS:-20}
EXACT_REPS=${EXACT_REPS:-3}
EXACT_MAX_USERS=${EXACT_MAX_USERS:-1000000}
[ -x "$ROLLSIM" ] || { echo "bench/cohort.sh: $ROLLSIM not found; build first" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rollsim-cohort.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "| users | mode | reps/run | runs | requests/rep | s/rep median | min | max |"
echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for users in 100000 1000000 100000000 1000000000; do
    for mode in exact cohort; do
        reps=$REPS
        if [ "$mode" = exact ]; then
            if [ "$users" -gt "$EXACT_MAX_USERS" ]; then
                echo "| $users | exact | | | | not run | | |"
                continue
            fi
            reps=$EXACT_REPS
        fi
        : >"$TMP/t"
        for i in $(seq 1 "$RUNS"); do
            "$ROLLSIM" run "$HERE/w1.lua" --out "$TMP/out" --reps "$reps" --set "mode=$mode" \
                --set "population.1.users=$users" >"$TMP/o" 2>&1 || { cat "$TMP/o" >&2; exit 1; }
            sed -n 's/.*simulated \([0-9]*\) requests in \([0-9.]*\) s.*/\1 \2/p' "$TMP/o" >"$TMP/line"
            read -r n secs <"$TMP/line"
            awk -v s="$secs" -v r="$reps" 'BEGIN { printf "%.6f\n", s / r }' >>"$TMP/t"
        done
        req=$(awk -v n="$n" -v r="$reps" 'BEGIN { printf "%.3g", n / r }')
        med=$(median <"$TMP/t")
        lo=$(sort -g "$TMP/t" | head -n 1)
        hi=$(sort -g "$TMP/t" | tail -n 1)
        echo "| $users | $mode | $reps | $RUNS | $req | $med | $lo | $hi |"
    done
done
