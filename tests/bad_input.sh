#!/usr/bin/env bash
# The bad-input catalogue (SPEC §10): every bad scenario and every bad command line must make rollsim
#   * exit with 2 (bad usage or input; 1 for a runtime failure such as an invalid plugin action),
#   * print exactly one line on stderr, the one stated for the case (and nothing on stdout),
#   * leave no output file behind (not even a temporary or partial one).
#
# usage: tests/bad_input.sh PATH/TO/rollsim        (ctest runs it as the test `bad_input`)
#
# Cases are of two kinds:
#   * tests/bad/NAME.lua — a bad scenario, run as `rollsim run tests/bad/NAME.lua --out DIR --quiet` (from a
#     scratch folder where tests/ is the source tree's). Its first lines state what must happen:
#         -- expect: <the exact stderr line>
#         -- exit: 1                         (optional; default 2)
#         -- env: NAME=VALUE                 (optional, repeatable; for this run only)
#         -- known-issue: <what is wrong>    (optional, see below)
#   * the command-line cases at the end of this file (`cli` lines), run in a scratch folder that holds a
#     valid scenario good.lua.
# In expected lines and env values, @TEST_PLUGIN_DIR@ is the folder of the test plugins (tests/plugins/),
# @SEARCHED@ the plugin search path rollsim reports (with ROLLSIM_PLUGIN_PATH unset), @AVAILABLE@ the plugins
# found there and @AVAILABLE_ALL@ those found there and in @TEST_PLUGIN_DIR@, each sorted, as "a, b, c".
#
# Expected lines are what a user should see, not whatever rollsim prints today. A case whose message rollsim
# does not give yet carries a `known-issue` line: its message mismatch is reported as XFAIL and does not fail
# the test (its exit code, the single stderr line and the absence of output files are still checked); when
# rollsim is fixed the case reports XPASS and fails, so that the `known-issue` line gets removed. Set
# ROLLSIM_BADINPUT_STRICT=1 to make known issues fail too.
#
# Environment (set by ctest, see tests/badinput.cmake): ROLLSIM_SOURCE_DIR, ROLLSIM_TEST_PLUGIN_DIR,
# ROLLSIM_BUILD_PLUGIN_DIR, ROLLSIM_INSTALL_PLUGIN_DIR.
set -u

ROLLSIM=${1:?usage: bad_input.sh PATH/TO/rollsim}
case $ROLLSIM in /*) ;; *) ROLLSIM=$PWD/$ROLLSIM ;; esac
SRC=${ROLLSIM_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
TEST_PLUGIN_DIR=${ROLLSIM_TEST_PLUGIN_DIR:?set ROLLSIM_TEST_PLUGIN_DIR to the folder of the test plugins}
BUILD_PLUGIN_DIR=${ROLLSIM_BUILD_PLUGIN_DIR:?set ROLLSIM_BUILD_PLUGIN_DIR to the build plugin folder}
INSTALL_PLUGIN_DIR=${ROLLSIM_INSTALL_PLUGIN_DIR?set ROLLSIM_INSTALL_PLUGIN_DIR to the installed plugin folder (may be empty)}
STRICT=${ROLLSIM_BADINPUT_STRICT:-0}
# The folder of scenario cases (tests/bad; tests/hostile for the hostile-scenario suite, which also sets a
# time limit per case and skips the command-line cases).
CASES=${ROLLSIM_BADINPUT_CASES:-tests/bad}
CASE_TIMEOUT=${ROLLSIM_BADINPUT_TIMEOUT:-0}
WITH_CLI=${ROLLSIM_BADINPUT_CLI:-1}
[ -x "$ROLLSIM" ] || { echo "bad_input: $ROLLSIM is not an executable" >&2; exit 1; }

# A clean environment for rollsim: the plugin search path only as a case asks for it.
unset ROLLSIM_PLUGIN_PATH
export LC_ALL=C

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rollsim-badinput.XXXXXX") || exit 1
# shellcheck disable=SC2317 # called by the trap
cleanup() { chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

# What rollsim reports as its search path and the plugins found there (ROLLSIM_PLUGIN_PATH unset).
SEARCHED=$BUILD_PLUGIN_DIR${INSTALL_PLUGIN_DIR:+:$INSTALL_PLUGIN_DIR}
plugins_in() { # the plugin names in the folders given, sorted, as "a, b, c" (or "none")
    local d f list
    list=$(for d in "$@"; do
               [ -n "$d" ] && [ -d "$d" ] && for f in "$d"/*.so; do [ -e "$f" ] && basename "$f" .so; done
           done | sort -u | paste -sd, - | sed 's/,/, /g')
    printf '%s' "${list:-none}"
}
AVAILABLE=$(plugins_in "$BUILD_PLUGIN_DIR" "$INSTALL_PLUGIN_DIR")
AVAILABLE_ALL=$(plugins_in "$TEST_PLUGIN_DIR" "$BUILD_PLUGIN_DIR" "$INSTALL_PLUGIN_DIR")

expand() {
    local s=$1
    s=${s//@TEST_PLUGIN_DIR@/$TEST_PLUGIN_DIR}
    s=${s//@SEARCHED@/$SEARCHED}
    s=${s//@AVAILABLE_ALL@/$AVAILABLE_ALL}
    s=${s//@AVAILABLE@/$AVAILABLE}
    printf '%s' "$s"
}

n_pass=0 n_fail=0 n_xfail=0 n_skip=0
failures=()

# check NAME WANT_EXIT EXPECT KNOWN_ISSUE OUTDIR CWD CWD_BEFORE -- with $TMP/stdout, $TMP/stderr, $TMP/rc set.
check() {
    local name=$1 want_exit=$2 expect=$3 known=$4 outdir=$5 cwd=$6 before=$7
    local rc stderr stdout problems=() msg_ok=1
    rc=$(cat "$TMP/rc")
    stderr=$(cat "$TMP/stderr")
    stdout=$(cat "$TMP/stdout")
    [ "$rc" = "$want_exit" ] || problems+=("exit code $rc, expected $want_exit")
    local lines
    lines=$(wc -l <"$TMP/stderr")
    if [ "$lines" != 1 ] || [ "$(tail -c 1 "$TMP/stderr" | od -An -c | tr -d ' ')" != '\n' ]; then
        problems+=("stderr is not exactly one line ($lines newline(s))")
    fi
    [ "$stderr" = "$expect" ] || msg_ok=0
    [ -z "$stdout" ] || problems+=("unexpected output on stdout: $(head -c 300 "$TMP/stdout")")
    if [ -n "$outdir" ] && [ -e "$outdir" ]; then
        local left
        left=$(cd "$outdir" 2>/dev/null && find . -mindepth 1 | head -5 | tr '\n' ' ')
        [ -z "$left" ] || problems+=("output left in $outdir: $left")
        [ -n "$left" ] || [ ! -d "$outdir" ] ||
            problems+=("an empty output folder $outdir was left behind")
    fi
    if [ -n "$cwd" ]; then
        local after
        after=$(cd "$cwd" && ls -A)
        [ "$after" = "$before" ] || problems+=("files created in the working folder: $(comm -13 <(echo "$before") <(echo "$after") | tr '\n' ' ')")
    fi

    local status
    if [ ${#problems[@]} -gt 0 ] || { [ $msg_ok = 0 ] && { [ -z "$known" ] || [ "$STRICT" = 1 ]; }; }; then
        status=FAIL
    elif [ $msg_ok = 0 ]; then
        status=XFAIL
    elif [ -n "$known" ]; then
        status=XPASS
        problems+=("the message is now right: remove the known-issue line of this case")
    else
        status=PASS
    fi
    case $status in
    PASS) n_pass=$((n_pass + 1)); echo "PASS  $name" ;;
    XFAIL) n_xfail=$((n_xfail + 1)); echo "XFAIL $name (known issue: $known)"
           echo "      expected: $expect"; echo "      got:      $stderr" ;;
    *) n_fail=$((n_fail + 1)); failures+=("$name"); echo "$status  $name"
       [ $msg_ok = 1 ] || { echo "      expected stderr: $expect"; echo "      got stderr:      $stderr"; }
       [ $msg_ok = 0 ] || [ $status = XPASS ] || [ -z "$stderr" ] || echo "      stderr: $(head -c 2000 "$TMP/stderr")"
       [ -z "$known" ] || echo "      known issue: $known"
       local p; for p in "${problems[@]}"; do echo "      $p"; done ;;
    esac
}

# ---- the scenario cases: tests/bad/*.lua ----------------------------------------------------------------

# Run from a scratch folder in which tests/ leads to the source tree's tests/, so that messages read
# "tests/bad/NAME.lua" and anything rollsim might create in its working folder is seen (and is not lost
# among other files of the source tree).
mkdir -p "$TMP/src" "$TMP/out"
ln -s "$SRC/tests" "$TMP/src/tests"
cd "$TMP/src" || exit 1
src_before=$(ls -A)
n_files=0
for file in "$CASES"/*.lua; do
    name=$(basename "$file" .lua)
    n_files=$((n_files + 1))
    header=$(sed -n '1,12{/^-- [a-z-]*:/p}' "$file")
    expect=$(printf '%s\n' "$header" | sed -n 's/^-- expect: //p' | head -1)
    want_exit=$(printf '%s\n' "$header" | sed -n 's/^-- exit: //p' | head -1)
    known=$(printf '%s\n' "$header" | sed -n 's/^-- known-issue: //p' | head -1)
    envs=()
    while IFS= read -r e; do [ -n "$e" ] && envs+=("$(expand "$e")"); done \
        < <(printf '%s\n' "$header" | sed -n 's/^-- env: //p')
    if [ -z "$expect" ]; then
        n_fail=$((n_fail + 1)); failures+=("$name"); echo "FAIL  $name: no '-- expect:' line in its first lines"
        continue
    fi
    expect=$(expand "$expect")
    outdir=$TMP/out/$name
    if [ "$CASE_TIMEOUT" != 0 ]; then # a hang is killed (exit 137) and fails the case
        timeout -s KILL "$CASE_TIMEOUT" env ${envs[@]+"${envs[@]}"} "$ROLLSIM" run "$file" --out "$outdir" --quiet \
            >"$TMP/stdout" 2>"$TMP/stderr"
    else
        env ${envs[@]+"${envs[@]}"} "$ROLLSIM" run "$file" --out "$outdir" --quiet >"$TMP/stdout" 2>"$TMP/stderr"
    fi
    echo $? >"$TMP/rc"
    check "$name" "${want_exit:-2}" "$expect" "$known" "$outdir" "$TMP/src" "$src_before"
done
if [ "$n_files" -lt 12 ]; then
    n_fail=$((n_fail + 1)); failures+=("catalogue"); echo "FAIL  only $n_files cases in $CASES (at least 12 expected)"
fi
if [ "$WITH_CLI" = 0 ]; then
    echo
    echo "bad_input ($CASES): $n_pass passed, $n_xfail known issues (XFAIL), $n_fail failed, $n_skip skipped"
    [ "$n_fail" -gt 0 ] && { echo "failed: ${failures[*]}"; exit 1; }
    exit 0
fi

# ---- the command-line cases -------------------------------------------------------------------------------

WORK=$TMP/cli
mkdir -p "$WORK"
cd "$WORK" || exit 1
cat >good.lua <<'EOF'
return {
  name = "good",
  horizon = 10,
  sample_every = 1,
  population = { { name = "all", users = 100, rate = 1 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.01 },
  },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
}
EOF
cp good.lua other.lua
echo "not a folder" >afile
mkdir adir
cp "$SRC"/tests/manifests/replay/argo.yaml replay_argo.yaml
cp "$SRC"/tests/manifests/bad/*.yaml "$SRC"/tests/manifests/bad/*.json "$SRC"/tests/manifests/bad/*.csv . # rollsim import's bad manifests (issue 15), named as the user would

# Controls: the valid scenario runs and writes its files (so the checks above can see output), also with a
# plugin from the test folder found by name through ROLLSIM_PLUGIN_PATH (the C++ one).
sed 's/policy = {.*/policy = { name = "cxx_plugin", delay = "30m" },/' good.lua >good_cxx.lua
for control in good.lua good_cxx.lua; do
    out=$TMP/control
    ROLLSIM_PLUGIN_PATH=$TEST_PLUGIN_DIR "$ROLLSIM" run $control --out "$out" --quiet >"$TMP/stdout" 2>"$TMP/stderr"
    rc=$?
    if [ $rc = 0 ] && [ -s "$out/summary.json" ] && [ -s "$out/runs.csv" ] && [ ! -s "$TMP/stderr" ]; then
        n_pass=$((n_pass + 1)); echo "PASS  control: $control runs and writes its files"
    else
        n_fail=$((n_fail + 1)); failures+=("control:$control")
        echo "FAIL  control: $control: exit $rc, stderr: $(head -c 2000 "$TMP/stderr")"
    fi
    rm -rf "$out"
done
work_before=$(ls -A)

# cli NAME EXIT 'EXPECTED STDERR LINE' [known-issue TEXT] -- ARGS...
# Runs `rollsim ARGS...` in $WORK; --out, when given, names the folder that must stay without files.
cli() {
    local name=$1 want_exit=$2 expect=$3 known="" outdir="" a prev=""
    shift 3
    if [ "$1" = known-issue ]; then known=$2; shift 2; fi
    [ "$1" = -- ] && shift
    for a in "$@"; do
        [ "$prev" = --out ] && outdir=$a
        prev=$a
    done
    "$ROLLSIM" "$@" >"$TMP/stdout" 2>"$TMP/stderr"
    echo $? >"$TMP/rc"
    check "cli:$name" "$want_exit" "$(expand "$expect")" "$known" "${outdir:+$WORK/$outdir}" "$WORK" "$work_before"
}

cli missing_file 2 "rollsim: nonexistent.lua: cannot open scenario: No such file or directory" \
    -- run nonexistent.lua --out o --quiet
cli scenario_is_folder 2 "rollsim: adir: cannot read scenario: Is a directory" \
    -- run adir --out o --quiet
cli two_scenarios 2 "rollsim: run takes one scenario, got 2 (good.lua, other.lua)" \
    -- run good.lua other.lua --out o --quiet
cli unknown_command 2 "rollsim: unknown command 'runn' (did you mean 'run'?) (see rollsim --help)" \
    -- runn good.lua
cli unknown_option 2 "rollsim: unknown option --bogus (see rollsim run --help)" \
    -- run good.lua --bogus --out o --quiet
cli option_needs_value 2 "rollsim: option --out needs a value (see rollsim run --help)" \
    -- run good.lua --quiet --out
cli reps_zero 2 "rollsim: --reps 0: expected an integer in [1, 2^24 = 16777216]" \
    -- run good.lua --reps 0 --out o --quiet
cli reps_fraction 2 "rollsim: --reps 2.5: expected an integer in [1, 2^24 = 16777216]" \
    -- run good.lua --reps 2.5 --out o --quiet
cli seed_not_a_number 2 "rollsim: --seed abc: expected an integer in [0, 2^53)" \
    -- run good.lua --seed abc --out o --quiet
cli set_without_equals 2 "rollsim: --set horizon: expected KEY=VALUE" \
    -- run good.lua --set horizon --out o --quiet
cli set_empty_key 2 "rollsim: --set =5: expected KEY=VALUE" \
    -- run good.lua --set =5 --out o --quiet
cli set_through_a_number 2 "rollsim: --set population.1.users.x: 'users' is not a table in good.lua" \
    -- run good.lua --set population.1.users.x=3 --out o --quiet
cli set_unknown_key 2 "rollsim: --set horizn=5: unknown key 'horizn' (did you mean 'horizon'?)" \
    -- run good.lua --set horizn=5 --out o --quiet
cli set_bad_duration 2 "rollsim: --set policy.bake=6x: bad duration \"6x\" (expected hours, or a number with s, m, h, d or w, e.g. \"6h\")" \
    -- run good.lua --set policy.bake=6x --out o --quiet
cli set_events_to_strings 2 "rollsim: good.lua: events.1: expected { at = t, set = {...} }, got string" \
    -- run good.lua --set events=a,b --out o --quiet
cli set_no_such_item 2 "rollsim: --set versions.3.error_rate=0.5: versions has no item 3 (it has 2)" \
    -- run good.lua --set versions.3.error_rate=0.5 --out o --quiet
# rollsim import (and run on a manifest): one message naming the file and line, no scenario written.
cli import_yaml_syntax 2 "rollsim: yaml_syntax.yaml:11:8: YAML syntax error: did not find expected key (while parsing a block mapping that starts at line 9)" \
    -- import yaml_syntax.yaml --out o/s.lua
cli import_unknown_kind 2 "rollsim: unknown_kind.yaml:3: unknown kind \"Experiment\": rollsim imports Argo Rollouts (Rollout, AnalysisTemplate, ClusterAnalysisTemplate) and Flagger (Canary)" \
    -- import unknown_kind.yaml --out o/s.lua
cli import_step_type 2 "rollsim: step_type.yaml:13: steps[1]: step type \"setWeigth\" cannot be simulated (rollsim simulates setWeight, pause and analysis)" \
    -- import step_type.yaml --out o/s.lua
cli import_unmapped_metric 2 "rollsim: unmapped_metric.yaml:13: metric \"checkout-p95\": rollsim cannot run its query; say which rollsim metric it measures with --map checkout-p95=METRIC (rollsim metrics: error_rate, success_rate, latency_mean, latency_p50, latency_p90, latency_p95, latency_p99)" \
    -- import unmapped_metric.yaml --out o/s.lua
cli import_map_unknown_metric 2 "rollsim: unmapped_metric.yaml:13: --map checkout-p95=p95: no rollsim metric \"p95\" (rollsim metrics: error_rate, success_rate, latency_mean, latency_p50, latency_p90, latency_p95, latency_p99)" \
    -- import unmapped_metric.yaml --map checkout-p95=p95 --out o/s.lua
cli import_bad_duration 2 "rollsim: bad_duration.yaml:14: pause.duration \"1hour\": Argo cannot parse this duration (DurationSeconds is -1): give seconds (60) or a Go duration (30s, 10m, 1h, 1h30m)" \
    -- import bad_duration.yaml --out o/s.lua
cli import_condition 2 "rollsim: condition.yaml:24: successCondition \"len(result) > 0 && result[0] <= 0.01\": rollsim evaluates only result[0] (or result) compared with a number by <, <=, > or >=, e.g. result[0] >= 0.95" \
    -- import condition.yaml --out o/s.lua
cli import_json_syntax 2 "rollsim: json_syntax.json:4:29: JSON syntax error: string or '}' expected near '}'" \
    -- import json_syntax.json --out o/s.lua
cli replay_bad_time 2 "rollsim: replay_bad_time.csv:3: time \"five\": expected hours or a duration such as 90s, 10m (from the release)" \
    -- replay replay_argo.yaml --metrics replay_bad_time.csv
cli replay_unknown_metric 2 "rollsim: replay_unknown_metric.csv:2: metric \"latency-p99\" is not one the gate checks (error_rate)" \
    -- replay replay_argo.yaml --metrics replay_unknown_metric.csv
cli replay_no_metrics 2 "rollsim: replay needs --metrics FILE.csv (see rollsim replay --help)" \
    -- replay replay_argo.yaml
cli import_no_file 2 "rollsim: import needs a manifest: rollsim import FILE... (see rollsim import --help)" \
    -- import
cli run_bad_manifest 2 "rollsim: bad_duration.yaml:14: pause.duration \"1hour\": Argo cannot parse this duration (DurationSeconds is -1): give seconds (60) or a Go duration (30s, 10m, 1h, 1h30m)" \
    -- run bad_duration.yaml --out o --quiet
# The planner (sweep, optimize): keys, ranges and expressions are checked before anything runs.
cli sweep_unknown_key 2 "rollsim: --grid horizn=5: unknown key 'horizn' (did you mean 'horizon'?)" \
    -- sweep good.lua --grid horizn=5,10 --out o --quiet
cli sweep_unknown_policy_key 2 "rollsim: --grid policy.bakee=1: good.lua: policy.bakee: unknown parameter of policy 'fixed_stages' (did you mean 'bake'?)" \
    -- sweep good.lua --grid policy.bakee=1,2 --out o --quiet
cli sweep_bad_value_last 2 "rollsim: --grid policy.bake=-2: good.lua: policy.bake: expected a value in [1e-09, 1e+07], got -2" \
    -- sweep good.lua --grid policy.bake=1,-2 --out o --quiet
cli sweep_empty_value 2 "rollsim: --grid policy.bake=1,,2: value 2 is empty" \
    -- sweep good.lua --grid policy.bake=1,,2 --out o --quiet
cli sweep_no_grid 2 "rollsim: sweep needs at least one --grid KEY=V1,V2,... (see rollsim sweep --help)" \
    -- sweep good.lua --out o --quiet
cli optimize_unknown_key 2 "rollsim: --param policy.bakee=1:2 (at policy.bakee = 1): good.lua: policy.bakee: unknown parameter of policy 'fixed_stages' (did you mean 'bake'?)" \
    -- optimize good.lua --param policy.bakee=1:2 --objective harm.mean --out o --quiet
cli optimize_no_such_item 2 "rollsim: --param population.2.rate=1:3 (at population.2.rate = 1): population has no item 2 (it has 1)" \
    -- optimize good.lua --param population.2.rate=1:3 --objective harm.mean --out o --quiet
cli optimize_lo_not_below_hi 2 "rollsim: --param policy.bake=5:2: LO (5) must be below HI (2)" \
    -- optimize good.lua --param policy.bake=5:2 --objective harm.mean --out o --quiet
cli optimize_log_from_zero 2 "rollsim: --param policy.bake=0:2:log: a log range needs LO > 0, got 0" \
    -- optimize good.lua --param policy.bake=0:2:log --objective harm.mean --out o --quiet
cli optimize_unknown_scale 2 "rollsim: --param policy.bake=1:2:cube: unknown scale 'cube' (expected log or int)" \
    -- optimize good.lua --param policy.bake=1:2:cube --objective harm.mean --out o --quiet
cli optimize_objective_syntax 2 "rollsim: --objective 'harm.mean + * 5': at position 13: expected a number, a name or '(' (got '*')" \
    -- optimize good.lua --param policy.bake=1:3 --objective 'harm.mean + * 5' --out o --quiet
cli optimize_unknown_estimate 2 "rollsim: --objective 'harn.mean': at position 1: unknown estimate 'harn.mean' (did you mean 'harm.mean'?)" \
    -- optimize good.lua --param policy.bake=1:3 --objective harn.mean --out o --quiet
cli optimize_constraint_unknown_estimate 2 "rollsim: --constraint 'p_escap.hi <= 0.1': at position 1: unknown estimate 'p_escap.hi' (did you mean 'p_escape.hi'?)" \
    -- optimize good.lua --param policy.bake=1:3 --objective harm.mean --constraint 'p_escap.hi <= 0.1' --out o --quiet
cli optimize_constraint_not_comparison 2 "rollsim: --constraint 'p_escape': expected a comparison such as 'p_escape.hi <= 0.05'" \
    -- optimize good.lua --param policy.bake=1:3 --objective harm.mean --constraint p_escape --out o --quiet
cli optimize_objective_is_comparison 2 "rollsim: --objective 'harm <= 3': a comparison is a constraint: give it with --constraint, and an objective to minimise" \
    -- optimize good.lua --param policy.bake=1:3 --objective 'harm <= 3' --out o --quiet
cli optimize_budget_one 2 "rollsim: --budget 1: expected an integer in [2, 500]" \
    -- optimize good.lua --param policy.bake=1:3 --objective harm.mean --budget 1 --out o --quiet
cli out_empty 2 "rollsim: --out: expected a folder name, got an empty string" \
    -- run good.lua --out "" --quiet
cli out_is_a_file 2 "rollsim: output folder afile: exists and is not a folder" \
    -- run good.lua --out afile --quiet
cli out_under_a_file 2 "rollsim: output folder afile/results: cannot create it: Not a directory" \
    -- run good.lua --out afile/results --quiet
# Someone's folder (not a rollsim output) is refused unless --force (tests/outdir.sh tests --force); -o, so that
# cli() does not require the folder to be empty afterwards: it must hold its two files only, as before.
mkdir notes && echo "my notes" >notes/todo.txt && echo "more" >notes/a.txt
work_before=$(ls -A)
cli out_not_rollsim 2 "rollsim: output folder notes: holds 'a.txt' and no summary.json of rollsim's, so it is not a rollsim output folder; choose another --out (a new or empty folder), or add --force to write into it anyway" \
    -- run good.lua -o notes --quiet
if [ "$(ls -A notes | tr '\n' ' ')" = "a.txt todo.txt " ]; then
    n_pass=$((n_pass + 1)); echo "PASS  cli:out_not_rollsim left the folder as it was"
else
    n_fail=$((n_fail + 1)); failures+=("out_not_rollsim-left"); echo "FAIL  notes/ now holds: $(ls -A notes)"
fi
if [ "$(id -u)" != 0 ]; then
    mkdir ro && chmod 555 ro
    work_before=$(ls -A)
    cli out_read_only 2 "rollsim: output folder ro: not writable: Permission denied" \
        -- run good.lua --out ro --quiet
    cli out_in_read_only 2 "rollsim: output folder ro/results: cannot create it: Permission denied" \
        -- run good.lua --out ro/results --quiet
else
    n_skip=$((n_skip + 2)); echo "SKIP  cli:out_read_only, cli:out_in_read_only (running as root: permissions do not apply)"
fi

# The hostile scenarios (sandbox_os tries `touch /tmp/rollsim-sandbox-escaped`) must not have reached the
# machine: nothing may exist outside the output folders.
if [ -e /tmp/rollsim-sandbox-escaped ]; then
    n_fail=$((n_fail + 1)); failures+=("sandbox-escape"); echo "FAIL  a scenario created /tmp/rollsim-sandbox-escaped"
else
    n_pass=$((n_pass + 1)); echo "PASS  no file written outside the output folders by a hostile scenario"
fi

echo
echo "bad_input: $n_pass passed, $n_xfail known issues (XFAIL), $n_fail failed, $n_skip skipped"
if [ "$n_fail" -gt 0 ]; then
    echo "failed: ${failures[*]}"
    exit 1
fi
exit 0
