#!/usr/bin/env bash
# Issue 17: `mpirun -n K rollsim ...` (the -DROLLSIM_MPI=ON build). Checks that run, compare, sweep and optimize
# give every output byte for byte as the single process with --jobs 1, whatever K and --jobs; that a rank failing
# alone (a plugin visible only on it: at load, or broken mid-run) ends the run with that rank's message and exit
# code and leaves no file; and that SIGINT to mpirun keeps the replications finished on every rank, marked partial.
# Usage: mpi.sh ROLLSIM PLUGIN_DIR SOURCE_DIR
set -u
abs() { (cd "$(dirname "$1")" && echo "$PWD/$(basename "$1")"); }
exe=$(abs "$1") plugins=$(abs "$2") src=$(abs "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export ROLLSIM_PLUGIN_PATH=$plugins
# CI runs as root on a 2-core machine: let mpirun start as root and put more ranks than cores. Shared-memory
# single copy needs ptrace rights that containers often withhold; plain copies give the same bytes.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
mpi=(mpirun --oversubscribe)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# same NAME DIR_A DIR_B: every file of A is in B with the same bytes, and B has no other file.
same() {
    local name=$1 a=$2 b=$3
    if [ "$(cd "$a" && ls -A)" != "$(cd "$b" && ls -A)" ]; then
        fail "$name: files differ: $(cd "$a" && ls -A | tr '\n' ' ') vs $(cd "$b" && ls -A | tr '\n' ' ')"
        return
    fi
    for f in "$a"/*; do
        cmp -s "$f" "$b/${f##*/}" || { fail "$name: ${f##*/} differs"; return; }
    done
    ok "$name: $(ls "$a" | wc -l) files byte-identical"
}

# check NAME ARGS...: the single process with --jobs 1, then mpirun -n 2 (--jobs 1 and 2) and -n 3 (--jobs 2).
check() {
    local name=$1
    shift
    "$exe" "$@" --jobs 1 --quiet --out "$name.ref" || { fail "$name: the single process failed"; return; }
    for kj in 2:1 2:2 3:2; do
        local k=${kj%:*} j=${kj#*:}
        "${mpi[@]}" -n "$k" "$exe" "$@" --jobs "$j" --quiet --out "$name.$k.$j" ||
            { fail "$name: mpirun -n $k --jobs $j exited $?"; continue; }
        same "$name (mpirun -n $k, --jobs $j)" "$name.ref" "$name.$k.$j"
    done
}

sc=$src/scenarios
check run run "$sc/canary_sizing.lua" --reps 41 --set outputs.curves=all
check compare compare "$sc/canary_sizing.lua" --reps 23
check sweep sweep "$sc/canary_sizing.lua" --reps 17 --grid policy.bake=6h,12h --grid policy.alpha=0.01,0.05
check optimize optimize "$sc/size_my_canary.lua" --reps 9 --final-reps 9 --budget 3 \
    --param policy.bake=2:24:int --objective 'excess_harm.mean + time_to_full.mean'

# A failing rank. The plugin my_stages is only in rank 0's plugin path (a folder the other nodes lack): rank 1
# fails at load, before anything runs; both exit 2 with rank 1's message, no output folder.
mkdir -p good
cp "$plugins/fixed_stages.so" good/my_stages.so
per_rank='if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then export ROLLSIM_PLUGIN_PATH=$RANK1_PATH; cd "${RANK1_DIR:-.}"; fi
exec "$@"'
"${mpi[@]}" -n 2 -x ROLLSIM_PLUGIN_PATH="$work/good" -x RANK1_PATH=/nonexistent bash -c "$per_rank" bash \
    "$exe" run "$sc/canary_sizing.lua" --reps 8 --set policy.name=my_stages --out load.out 2>load.err
rc=$?
if [ $rc -eq 2 ] && grep -q "^rollsim: rank 1: .*policy plugin 'my_stages' not found" load.err && [ ! -e load.out ]; then
    ok "a plugin missing on rank 1 only: exit 2, rank 1's message, no output"
else
    fail "a plugin missing on rank 1 only: exit $rc, output $(ls -d load.out 2>/dev/null), stderr: $(head -3 load.err)"
fi
# Mid-run: rank 1 reads another copy of the scenario (its node's, a stale one), whose Lua policy returns an
# invalid weight at its first decision, after rank 0 has started its slice: exit 1 with rank 1's message, no
# output folder, no temporary file.
mkdir -p node0 node1 midrun.parent
for w in node0:0.5 node1:1.5; do
    cat >"${w%:*}/s.lua" <<LUA
return {
  name = "a scenario whose copy differs on one node", seed = 3, horizon = 48, replications = 6,
  population = { { name = "all", users = 2000, rate = 1 } },
  versions = { { name = "base", baseline = true, error_rate = 0.01 }, { name = "cand", error_rate = 0.01 } },
  policy = function(obs, state) return { weights = { cand = ${w#*:} }, next = obs.t + 6 } end,
}
LUA
done
(cd node0 && "${mpi[@]}" -n 2 -x RANK1_PATH="$plugins" -x RANK1_DIR="$work/node1" bash -c "$per_rank" bash \
    "$exe" run s.lua --out "$work/midrun.parent/out" 2>"$work/midrun.err")
rc=$?
if [ $rc -eq 1 ] && grep -q "^rollsim: rank 1: policy lua returned an invalid weight 1.5" midrun.err &&
    [ -z "$(ls -A midrun.parent)" ]; then
    ok "a policy failing on rank 1 only, mid-run: exit 1, rank 1's message, no file"
else
    fail "a policy failing on rank 1 only: exit $rc, left $(ls -A midrun.parent | tr '\n' ' '), stderr: $(head -3 midrun.err)"
fi

# SIGINT to mpirun. Open MPI passes it on to the ranks (as SIGTERM, about a second later) and kills them
# odls_base_sigkill_timeout seconds (1 by default) after that: every rank stops at once, the finished
# replications of both slices are written, summary.json says partial, no temporary file is left. (mpirun itself
# then exits 1 whatever the ranks return: Open MPI's rule; rank 0's message says "interrupted".)
reps=200000
"${mpi[@]}" -n 2 "$exe" run "$sc/aa_calibration.lua" --reps $reps --jobs 1 \
    --out int.out >/dev/null 2>int.err &
pid=$!
sleep 4
kill -INT $pid
wait $pid
rc=$?
done_reps=$(sed -n 's/^      "replications": \([0-9]*\),*$/\1/p' int.out/summary.json 2>/dev/null | head -1)
rows=$(($(wc -l <int.out/runs.csv 2>/dev/null || echo 1) - 1))
half=$(awk -F, -v h=$((reps / 2)) 'NR > 1 && $1 >= h { n++ } END { print n + 0 }' int.out/runs.csv 2>/dev/null)
if grep -q '"partial": true' int.out/summary.json 2>/dev/null && [ -n "$done_reps" ] && [ "$rows" -eq "$done_reps" ] &&
    [ "$half" -gt 0 ] && [ "$half" -lt "$rows" ] && grep -q "interrupted" int.err &&
    [ -z "$(ls -A int.out | grep '^\.')" ]; then
    ok "SIGINT to mpirun: exit $rc, partial, $rows replications written ($half from rank 1's slice)"
else
    fail "SIGINT to mpirun: exit $rc, summary replications '$done_reps', runs.csv rows $rows, rank 1's $half, stderr: $(head -3 int.err)"
fi

[ $failures -eq 0 ] && echo "mpi.sh: all passed" || echo "mpi.sh: $failures failed" >&2
exit $((failures > 0))
