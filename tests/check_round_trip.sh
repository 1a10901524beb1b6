#!/usr/bin/env bash
# check_round_trip.sh ROLLSIM SCENARIO_DIR: `rollsim check` of each scenario exits 0; where the resolved text has
# no Lua function in it, checking that text again reproduces it exactly (apart from its first comment line,
# which names the file). Prints "N passed, N failed".
set -u
rollsim=$1 dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 skipped=0
for f in "$dir"/*.lua; do
    name=$(basename "$f" .lua)
    if ! "$rollsim" check "$f" >"$tmp/$name.1.lua" 2>"$tmp/err"; then
        echo "FAIL $name: rollsim check exited non-zero: $(cat "$tmp/err")"; fail=$((fail + 1)); continue
    fi
    if grep -q 'function(' "$tmp/$name.1.lua"; then
        echo "PASS $name (check only: it holds Lua functions)"; pass=$((pass + 1)); continue
    fi
    if ! "$rollsim" check "$tmp/$name.1.lua" >"$tmp/$name.2.lua" 2>"$tmp/err"; then
        echo "FAIL $name: the resolved text does not check: $(cat "$tmp/err")"; fail=$((fail + 1)); continue
    fi
    if [ "$(tail -n +2 "$tmp/$name.1.lua")" = "$(tail -n +2 "$tmp/$name.2.lua")" ]; then
        echo "PASS $name"; pass=$((pass + 1))
    else
        echo "FAIL $name: checking the resolved text changed it:"
        diff <(tail -n +2 "$tmp/$name.1.lua") <(tail -n +2 "$tmp/$name.2.lua") 2>/dev/null | head -10
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
