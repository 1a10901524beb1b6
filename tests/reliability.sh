#!/usr/bin/env bash
# Reliability checks of issue 18 that are not one bad input and its one line (those are tests/bad and
# tests/hostile):
#   * Lua state a policy or `bad` function keeps between calls (an upvalue, rawset(_G, ...)) lives one
#     replication: three --jobs 2 runs give runs.csv and events.csv byte-identical to --jobs 1;
#   * SIGHUP, like SIGINT and SIGTERM, keeps the finished replications (exit 130, summary.json "partial");
#   * temporary files of a process that no longer runs are removed, a live process's are left alone;
#   * `rollsim check` escapes names: its output loads again and resolves to the same text.
# usage: tests/reliability.sh PATH/TO/rollsim
set -u
ROLLSIM=${1:?usage: reliability.sh PATH/TO/rollsim}
case $ROLLSIM in /*) ;; *) ROLLSIM=$PWD/$ROLLSIM ;; esac
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rollsim-reliability.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
export LC_ALL=C
n_fail=0
pass() { echo "PASS  $1"; }
fail() { echo "FAIL  $1"; n_fail=$((n_fail + 1)); }

# ---- state kept between calls: the issue's two examples --------------------------------------------------
cat >upvalue.lua <<'LUA'
local calls = 0 -- kept between calls: counts the calls of one replication only
return {
  horizon = 10, sample_every = 1, replications = 24,
  population = { { name = "all", users = 100, rate = 5 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.02 } },
  policy = function(obs, state)
    calls = calls + 1
    if calls == 4 then return { verdict = "rollback" } end
    return { weights = { new = math.min(1, 0.1 * calls) }, next = obs.t + 1 + math.random() }
  end,
}
LUA
cat >rawset_g.lua <<'LUA'
return {
  horizon = 10, sample_every = 1, replications = 24,
  population = { { name = "all", users = 100, rate = 5 } },
  versions = {
    { name = "old", baseline = true, error_rate = 0.01 },
    { name = "new", error_rate = 0.02, bad = function(v, b)
        rawset(_G, "seen", (rawget(_G, "seen") or 0) + 1) -- a global kept behind the host's back
        return seen % 2 == 1 end },
  },
  policy = { name = "fixed_stages", steps = { 0.1, 0.5, 1 }, bake = 2 },
}
LUA
for s in upvalue rawset_g; do
    "$ROLLSIM" run $s.lua --out $s-j1 --jobs 1 --quiet || fail "$s: --jobs 1 run failed"
    same=1
    for k in 1 2 3; do
        "$ROLLSIM" run $s.lua --out $s-j2-$k --jobs 2 --quiet || same=0
        for f in runs.csv events.csv; do
            cmp -s $s-j1/$f $s-j2-$k/$f || { same=0; echo "      $s: $f of --jobs 2 run $k differs from --jobs 1"; }
        done
    done
    # and the state really was per replication: every replication of upvalue.lua rolls back at its 4th call
    if [ $s = upvalue ] && [ "$(grep -c ',rolled_back,' $s-j1/runs.csv)" != 24 ]; then
        same=0; echo "      upvalue: not every replication rolled back at its 4th decision"
    fi
    [ $same = 1 ] && pass "$s: three --jobs 2 runs byte-identical to --jobs 1" || fail "$s: results depend on --jobs"
done

# ---- SIGHUP keeps the finished replications ----------------------------------------------------------------
cat >long.lua <<'LUA'
return {
  horizon = 24, sample_every = 1, replications = 1000000,
  population = { { name = "all", users = 20000, rate = 1 } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "new", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.1, 1 }, bake = 6 },
}
LUA
"$ROLLSIM" run long.lua --out hup --jobs 2 --quiet 2>hup.err &
pid=$!
sleep "${ROLLSIM_SIGNAL_DELAY:-2}"
kill -HUP $pid
wait $pid
rc=$?
if [ $rc = 130 ] && grep -q '"partial": true' hup/summary.json && [ "$(wc -l <hup/runs.csv)" -gt 1 ] &&
   [ -z "$(find hup -name '.*' -type f)" ]; then
    pass "SIGHUP: exit 130, summary.json partial, $(($(wc -l <hup/runs.csv) - 1)) finished replications kept, no temporary file left"
else
    fail "SIGHUP: exit $rc, stderr: $(cat hup.err)"
fi

# ---- stale temporary files -------------------------------------------------------------------------------
mkdir stale
dead=999999
while kill -0 $dead 2>/dev/null; do dead=$((dead - 1)); done
touch "stale/.runs.csv.$dead.AbC123" "stale/.summary.json.$$.XyZ789" stale/.keep.me
"$ROLLSIM" run upvalue.lua --out stale --quiet --force # .keep.me is not rollsim's: the folder rules want --force
if [ ! -e "stale/.runs.csv.$dead.AbC123" ] && [ -e "stale/.summary.json.$$.XyZ789" ] && [ -e stale/.keep.me ]; then
    pass "temporary file of dead process $dead removed; a live process's and other hidden files kept"
else
    fail "stale temporary files: $(ls -A stale | tr '\n' ' ')"
fi

# ---- check escapes names -----------------------------------------------------------------------------------
cat >names.lua <<'LUA'
return {
  name = "q\"uote\\back \t tab", description = "line\nbreak, \"quoted\", ]] and --[[",
  horizon = 10, sample_every = 1,
  population = { { name = "se\"g", users = 100, rate = 1, effects = { ["n-ew"] = { error_rate = 2 } } } },
  versions = { { name = "old", baseline = true, error_rate = 0.01 }, { name = "n-ew", error_rate = 0.01 } },
  policy = { name = "fixed_stages", steps = { 0.5, 1 }, bake = 1 },
  events = { { at = 1, set = { version = "n-ew", key = "error_rate", value = 0.02 } } },
  policies = { ["a\"b c"] = { name = "fixed_stages", steps = { 1 }, bake = 1 } },
}
LUA
if "$ROLLSIM" check names.lua >names2.lua && "$ROLLSIM" check names2.lua >names3.lua &&
   cmp -s <(tail -n +2 names2.lua) <(tail -n +2 names3.lua); then
    pass "check: names with quotes, backslashes and control characters load again to the same scenario"
else
    fail "check: output does not load again: $(head -c 300 names3.lua)"
fi

echo
[ $n_fail = 0 ] && { echo "reliability: all passed"; exit 0; }
echo "reliability: $n_fail failed"
exit 1
