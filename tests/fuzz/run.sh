#!/usr/bin/env bash
# tests/fuzz/run.sh BUILD_DIR [SECONDS]: runs each libFuzzer target of tests/fuzz for SECONDS (default 60), from
# a copy of its committed corpus (tests/fuzz/corpus/TARGET; the scenario target also reads scenarios/ and
# tests/bad/ as they are, so its seeds never drift from them) and its regression inputs, and prints the
# executions of each. Exits non-zero at the first crash, leak or timeout
# (the input is left in BUILD_DIR/fuzz-artifacts/: make it a bad-input case and a regression input).
# The mutations start from a fixed seed (FUZZ_SEED, default 1) so that a CI run explores the same inputs as the
# same run on a developer's machine; run longer campaigns with other seeds (FUZZ_SEED=0 picks one at random).
# Build first: cmake -S . -B BUILD_DIR -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DROLLSIM_FUZZ=ON
set -eu
BUILD=${1:?usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]}
SECONDS_EACH=${2:-60}
SEED=${FUZZ_SEED:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
mkdir -p "$BUILD/fuzz-artifacts"
status=0
for t in scenario set policy_spec; do
    work=$(mktemp -d "${TMPDIR:-/tmp}/rollsim-fuzz-$t.XXXXXX")
    cp -r "$HERE/corpus/$t/." "$work/"
    log=$BUILD/fuzz-artifacts/$t.log
    seeds=()
    [ "$t" != scenario ] || seeds=("$SRC/scenarios" "$SRC/tests/bad") # read only: new inputs go to $work
    # -timeout: a scenario may legitimately spend its whole instruction budget (about 2 s under ASan), and the
    # memory bomb of tests/bad fills the 256 MiB cap (3 s alone, 25 s seen inside a long campaign on a loaded
    # machine): a hang is far longer
    if "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_EACH" -seed="$SEED" -timeout=90 -rss_limit_mb=4096 \
        -print_final_stats=1 -artifact_prefix="$BUILD/fuzz-artifacts/$t-" "$work" "${seeds[@]}" "$HERE/regressions/$t" \
        >"$log" 2>&1; then
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "fuzz $t: ${SECONDS_EACH} s, $execs executions, 0 crashes"
    else
        echo "fuzz $t: FAILED (see $log and $BUILD/fuzz-artifacts/$t-*)"
        tail -40 "$log"
        status=1
    fi
    rm -rf "$work"
done
exit $status
