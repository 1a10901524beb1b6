#!/usr/bin/env bash
# Output folder rules and the terminal summary (issue 19):
#   * the plots in a folder belong to the run that wrote its data: a run without --plot into a folder with plots
#     of an earlier run removes them (and report.html), keeping a foreign file in plots/;
#   * a folder holding something other than a rollsim output is refused (exit 2, nothing written) unless
#     --force, which writes beside the foreign files and leaves them; a rollsim output with a notes file beside
#     it is accepted;
#   * `run` on a scenario with `policies` says that compare would use them;
#   * the terminal summary gives excess harm, and for a single run whether the candidate was bad.
# Usage: outdir.sh ROLLSIM SOURCE_DIR
set -uo pipefail
RS=${1:?usage: outdir.sh ROLLSIM SOURCE_DIR}
SRC=${2:?usage: outdir.sh ROLLSIM SOURCE_DIR}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rollsim-outdir.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
fails=0
fail() { echo "outdir.sh: FAIL: $*" >&2; fails=$((fails + 1)); }
Q=$SRC/scenarios/quickstart.lua

# Stale plots: fake an earlier run's plots, then run without --plot.
"$RS" run "$Q" --reps 2 --quiet --out a || fail "first run"
mkdir -p a/plots && touch a/plots/fan.png a/plots/fan.gp a/plots/fan.dat a/plots/harm.svg a/plots/.fan.png.Ab12Cd \
  a/report.html a/plots/mine.txt
"$RS" run "$Q" --reps 3 --quiet --out a || fail "second run"
left=$(cd a && find plots report.html 2>/dev/null | sort | tr '\n' ' ')
[ "$left" = "plots plots/mine.txt " ] || fail "stale plots left: $left"
rm -rf a/plots
"$RS" run "$Q" --reps 2 --quiet --out a || fail "third run"
[ ! -e a/plots ] || fail "plots/ appeared"

# A rollsim output with the user's notes beside it is accepted.
echo "notes" >a/notes.txt
"$RS" run "$Q" --reps 2 --quiet --out a || fail "a rollsim folder with a notes file refused"

# Someone's folder: refused, untouched; --force writes into it and leaves the foreign file.
mkdir theirs && echo "keep me" >theirs/thesis.tex
"$RS" run "$Q" --reps 2 --quiet --out theirs 2>err.txt
rc=$?
[ $rc = 2 ] || fail "foreign folder: exit $rc, expected 2"
grep -q "output folder theirs: holds 'thesis.tex' and no summary.json of rollsim's" err.txt || fail "message: $(cat err.txt)"
[ "$(ls -A theirs)" = thesis.tex ] || fail "refused run wrote into theirs: $(ls -A theirs)"
for args in "compare --policy fixed_stages --policy fixed_stages:alpha=0.1" "sweep --grid seed=1,2" \
            "optimize --param policy.alpha=0.01:0.1 --objective harm.mean"; do
  set -- $args
  cmd=$1; shift
  "$RS" $cmd "$Q" --out theirs --quiet "$@" 2>err.txt
  rc=$?
  [ $rc = 2 ] && grep -q "not a rollsim output folder" err.txt || fail "$cmd into theirs: exit $rc: $(cat err.txt)"
done
"$RS" run "$Q" --reps 2 --quiet --out theirs --force || fail "--force"
[ -s theirs/summary.json ] && [ "$(cat theirs/thesis.tex)" = "keep me" ] || fail "--force: $(ls -A theirs)"

# run on a scenario with `policies`: a note naming compare (and the run goes on).
"$RS" run "$SRC/scenarios/peeking.lua" --reps 1 --out p >out.txt 2>err.txt || fail "run peeking.lua"
grep -q "has a \`policies\` table.*rollsim compare" err.txt || fail "no note about compare: $(cat err.txt)"

# The terminal summary: excess harm (several replications) and the candidate's quality (one).
"$RS" run "$Q" --reps 20 --out s >out.txt || fail "run --reps 20"
grep -q "^  excess:   mean [-+][0-9.]* errors over the baseline's rate, 95 % interval \[" out.txt ||
  fail "no excess harm line: $(cat out.txt)"
for seed in 1 2 3 4 5 6; do
  "$RS" run "$Q" --reps 1 --seed $seed --out s1 >out.txt || fail "run --reps 1"
  grep -q "the candidate was \(bad\|good\)\|bad candidate ESCAPED\|a false rollback" out.txt ||
    fail "seed $seed: the single run does not say whether the candidate was bad: $(cat out.txt)"
  grep -q "(excess harm)" out.txt || fail "seed $seed: no excess harm: $(cat out.txt)"
done
[ $fails = 0 ] && echo "outdir.sh: ok" || { echo "outdir.sh: $fails failure(s)" >&2; exit 1; }
