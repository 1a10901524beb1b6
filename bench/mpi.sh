#!/usr/bin/env bash
# bench/mpi.sh [BUILD_DIR]: the MPI speed-up of issue 17. Runs the same `rollsim run` as one process and as
# `mpirun -n K` (K = 2 by default: this machine has 2 cores), RUNS times each, --jobs 1 in every rank, and prints
# the median wall times, the speed-up (target at K = 2: 1.8 or more) and rank 0's gather time per replication
# (printed by rollsim itself: the transfer of the other ranks' results, band samples and rows, after a barrier so
# that waiting for the slowest slice is not counted). It also checks that every output file is byte-identical.
# As a control it times one process with --jobs K: on a machine whose cores are busy with other work, threads
# gain as little as ranks do, and the figures say the machine, not the distribution, is the limit.
#
# Build first with MPI: cmake -S . -B build-mpi -DROLLSIM_MPI=ON && cmake --build build-mpi -j2
# Environment: RUNS (default 3), K (default 2), REPS (default 2000), SCENARIO (default scenarios/canary_sizing.lua)
# and ARGS (more options for rollsim, e.g. "--set outputs.curves=all").
# Timings on a machine shared with other work are noisy: look at the load average printed first.
set -eu
BUILD=$(cd "${1:-./build-mpi}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
RUNS=${RUNS:-3} K=${K:-2} REPS=${REPS:-2000}
SCENARIO=${SCENARIO:-$HERE/../scenarios/canary_sizing.lua}
ARGS=${ARGS:-}
export ROLLSIM_PLUGIN_PATH=$BUILD/plugins
mpi=(mpirun --oversubscribe --bind-to none)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "bench/mpi.sh: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $REPS replications of $(basename "$SCENARIO"), K = $K, $RUNS runs each"
: >"$work/t1"
: >"$work/tk"
: >"$work/g"
: >"$work/tj"
for i in $(seq "$RUNS"); do
    t0=$(now)
    # shellcheck disable=SC2086
    "$BUILD/rollsim" run "$SCENARIO" --reps "$REPS" --jobs 1 --out "$work/one" $ARGS >/dev/null
    t1=$(now)
    # shellcheck disable=SC2086
    "${mpi[@]}" -n "$K" "$BUILD/rollsim" run "$SCENARIO" --reps "$REPS" --jobs 1 --out "$work/many" $ARGS >"$work/out"
    t2=$(now)
    # shellcheck disable=SC2086
    "$BUILD/rollsim" run "$SCENARIO" --reps "$REPS" --jobs "$K" --out "$work/threads" $ARGS >/dev/null
    t3=$(now)
    echo "$t1 - $t0" | bc -l >>"$work/t1"
    echo "$t2 - $t1" | bc -l >>"$work/tk"
    echo "$t3 - $t2" | bc -l >>"$work/tj"
    sed -n 's/.*took \([0-9.e+-]*\) s (\([0-9.e+-]*\) ms per replication).*/\1 \2/p' "$work/out" >>"$work/g"
    for f in "$work/one"/*; do
        cmp -s "$f" "$work/many/${f##*/}" || { echo "bench/mpi.sh: ${f##*/} differs between 1 and $K ranks" >&2; exit 1; }
    done
    printf '  run %d: 1 process %.2f s, %d ranks %.2f s, 1 process on %d threads %.2f s\n' "$i" "$(tail -1 "$work/t1")" \
        "$K" "$(tail -1 "$work/tk")" "$K" "$(tail -1 "$work/tj")"
done
one=$(median <"$work/t1")
many=$(median <"$work/tk")
threads=$(median <"$work/tj")
gather=$(cut -d' ' -f1 "$work/g" | median)
per=$(cut -d' ' -f2 "$work/g" | median)
printf 'median wall: 1 process %.2f s, mpirun -n %d %.2f s (start-up included): speed-up %.2fx (target at K = 2: >= 1.8)\n' \
    "$one" "$K" "$many" "$(echo "$one / $many" | bc -l)"
printf 'control: 1 process with --jobs %d %.2f s: speed-up %.2fx\n' "$K" "$threads" "$(echo "$one / $threads" | bc -l)"
printf 'gather on rank 0: %.3f s for %d replications = %.3g ms per replication; outputs byte-identical\n' \
    "$gather" "$REPS" "$per"
