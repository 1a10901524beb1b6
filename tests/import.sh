#!/usr/bin/env bash
# rollsim import (issue 15), through the program as a user runs it:
#   * each fixture of tests/manifests imports to a scenario that `rollsim check` accepts and that runs;
#   * its outputs (runs.csv, events.csv, curves.csv, segments.csv) are byte-identical to those of the same
#     rollout written by hand with the existing gates (tests/manifests/*_hand.lua) on the same seeds;
#   * a control: the hand-written rollout with one field changed (Argo's failureLimit, Flagger's threshold)
#     gives different outputs, so the comparison can fail;
#   * `rollsim run MANIFEST` (imported in memory) gives the imported scenario's outputs;
#   * the warnings printed are exactly those expected for each fixture (one per thing not simulated).
# usage: tests/import.sh PATH/TO/rollsim
set -u
R=${1:?usage: import.sh PATH/TO/rollsim}
case $R in /*) ;; *) R=$PWD/$R ;; esac
SRC=${ROLLSIM_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rollsim-import.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
cd "$SRC/tests/manifests" || exit 1
n_fail=0
ok() { echo "PASS  $1"; }
bad() { echo "FAIL  $1"; n_fail=$((n_fail + 1)); }
same() { # same DIR1 DIR2: the four output files are identical
    local f
    for f in runs.csv events.csv curves.csv segments.csv; do cmp -s "$1/$f" "$2/$f" || return 1; done
}
RUN=(--reps 60 --seed 11 --jobs 2 --quiet)

# case NAME HAND 'CONTROL --set' 'EXPECTED WARNINGS' MANIFEST...
case_() {
    local name=$1 hand=$2 control=$3 want=$4
    shift 4
    if ! "$R" import "$@" --out "$TMP/$name.lua" 2>"$TMP/$name.warn"; then
        bad "$name: import failed: $(cat "$TMP/$name.warn")"; return
    fi
    if [ "$(cat "$TMP/$name.warn")" = "$want" ]; then ok "$name: the expected warnings"
    else bad "$name: warnings differ: got [$(cat "$TMP/$name.warn")] expected [$want]"; fi
    if "$R" check "$TMP/$name.lua" >/dev/null 2>"$TMP/err"; then ok "$name: rollsim check accepts the import"
    else bad "$name: rollsim check: $(cat "$TMP/err")"; fi
    "$R" run "$TMP/$name.lua" "${RUN[@]}" --out "$TMP/imp_$name" 2>"$TMP/err" || bad "$name: run: $(cat "$TMP/err")"
    "$R" run "$hand" "${RUN[@]}" --out "$TMP/hand_$name" 2>"$TMP/err" || bad "$name: hand run: $(cat "$TMP/err")"
    if same "$TMP/imp_$name" "$TMP/hand_$name"; then ok "$name: imported and hand-written outputs identical"
    else bad "$name: imported and hand-written ($hand) outputs differ"; fi
    "$R" run "$hand" "${RUN[@]}" --set "$control" --out "$TMP/ctl_$name" 2>"$TMP/err" || bad "$name: control run"
    if ! same "$TMP/imp_$name" "$TMP/ctl_$name"; then ok "$name: control ($control) differs"
    else bad "$name: control ($control) gives the same outputs: the comparison cannot tell"; fi
    if [ $# = 1 ]; then
        "$R" run "$1" "${RUN[@]}" --out "$TMP/direct_$name" 2>/dev/null || bad "$name: rollsim run $1 failed"
        if same "$TMP/imp_$name" "$TMP/direct_$name"; then ok "$name: rollsim run $1 = the imported scenario"
        else bad "$name: rollsim run $1 differs from the imported scenario"; fi
    fi
}

case_ argo argo_rollout_hand.lua "policy.metrics.1.success=>= 0.99" \
    "" argo_rollout.yaml
case_ argo_inline argo_inline_hand.lua policy.metrics.1.inconclusive_limit=2 \
    "rollsim: warning: argo_inline_rollout.yaml:20: steps[1]: setHeaderRoute (header-based routing) is not simulated
rollsim: warning: argo_inline_rollout.yaml:31: steps[6]: a pause without duration waits for a human to promote: simulated as \`manual_pause\` (--manual-pause, default 1h)" \
    argo_inline_rollout.yaml argo_inline_template.yaml
case_ flagger flagger_canary_hand.lua policy.threshold=2 \
    "rollsim: warning: flagger_canary.yaml:32: webhook load-test (rollout) is not simulated
rollsim: warning: flagger_canary.yaml:14: progressDeadlineSeconds is not simulated (rollsim's canary is always ready in time)" \
    flagger_canary.yaml
case_ spinnaker spinnaker_hand.lua policy.begin_after=20m \
    "" spinnaker_canary_config.json spinnaker_pipeline.json

echo
[ $n_fail = 0 ] && echo "import: all passed" || echo "import: $n_fail failed"
[ $n_fail = 0 ]
