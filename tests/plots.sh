#!/usr/bin/env bash
# Plots (issue 6): `run --plot`, `compare --plot` and `rollsim plot DIR` draw every plot kind into DIR/plots/:
#   * each NAME.png is a PNG (8-byte signature; IHDR width and height as the NAME.gp sets them, and the sizes
#     rollsim documents: 900x560 for one panel) of sensible size (> 5 KB), beside NAME.dat and NAME.gp;
#   * each NAME.gp reruns with plain `gnuplot NAME.gp` inside DIR/plots and redraws the same PNG, byte for byte;
#   * no temporary file is left behind, and gnuplot printed nothing (no warning) on stderr;
#   * without gnuplot on PATH: exactly one warning, exit 0, every other file written (.dat, .gp, the CSVs);
#   * a gnuplot that fails: exit 1 and a message naming the script; the earlier PNGs are kept whole;
#   * `rollsim plot` on a folder without summary.json: exit 2 and a clear message;
#   * plots of compare only (pareto, risk) are removed when a single-policy run redraws the folder;
#   * the quality plot (issue 16) is drawn for a scenario with labels only;
#   * sweep and optimize folders get their own kinds (sweep, sweep_heat, optimize), and a null estimate is drawn
#     as missing (n/a), not as zero.
#
# usage: tests/plots.sh PATH/TO/rollsim          (ctest runs it as the test `plots`)
# Environment: ROLLSIM_SOURCE_DIR (the source tree), ROLLSIM_PLUGIN_PATH (the build's plugins).
set -u

ROLLSIM=${1:?usage: plots.sh PATH/TO/rollsim}
case $ROLLSIM in /*) ;; *) ROLLSIM=$PWD/$ROLLSIM ;; esac
SRC=${ROLLSIM_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
[ -x "$ROLLSIM" ] || { echo "plots: $ROLLSIM is not an executable" >&2; exit 1; }
GNUPLOT=$(command -v gnuplot) || { echo "plots: gnuplot is not installed (setup.sh installs gnuplot-nox)" >&2; exit 1; }
export LC_ALL=C

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rollsim-plots.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }

# A small compare: three plans of canary_sizing on 2000 users, plus two --policy specs whose labels need CSV
# quoting (commas) in a second compare.
SMALL=(--set population.1.users=2000 --reps 50 --jobs 2)

be_uint32() { # the big-endian 32-bit integer at byte offset $2 of file $1
    od -An -tu1 -j "$2" -N4 "$1" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }'
}

# check_png DIR NAME [W H]: DIR/plots/NAME.png is a PNG of the size NAME.gp sets (and W x H when given).
check_png() {
    local dir=$1 name=$2 png=$1/plots/$2.png gp=$1/plots/$2.gp
    [ -f "$dir/plots/$name.dat" ] || { fail "$dir: $name.dat missing"; return; }
    [ -f "$gp" ] || { fail "$dir: $name.gp missing"; return; }
    [ -f "$png" ] || { fail "$dir: $name.png missing"; return; }
    local sig
    sig=$(od -An -tx1 -N8 "$png" | tr -d ' \n')
    [ "$sig" = 89504e470d0a1a0a ] || { fail "$png: not a PNG (signature $sig)"; return; }
    [ "$(od -An -c -j12 -N4 "$png" | tr -d ' \n')" = IHDR ] || { fail "$png: no IHDR chunk first"; return; }
    local w h size gw gh
    w=$(be_uint32 "$png" 16)
    h=$(be_uint32 "$png" 20)
    size=$(wc -c <"$png")
    read -r gw gh < <(sed -n 's/^ *set terminal pngcairo size \([0-9]*\),\([0-9]*\).*/\1 \2/p' "$gp")
    [ -n "${gw:-}" ] || { fail "$gp: no 'set terminal pngcairo size W,H'"; return; }
    [ "$w" = "$gw" ] && [ "$h" = "$gh" ] || { fail "$png: ${w}x$h, but $name.gp sets ${gw}x$gh"; return; }
    if [ $# -ge 4 ] && { [ "$w" != "$3" ] || [ "$h" != "$4" ]; }; then
        fail "$png: ${w}x$h, expected $3x$4"
        return
    fi
    [ "$size" -gt 5120 ] || { fail "$png: only $size bytes"; return; }
    # the same figure as SVG beside it (issue 19), at the same size
    local svg=$dir/plots/$name.svg
    grep -q "^<svg" "$svg" 2>/dev/null && grep -q "width=\"$w\" height=\"$h\"" "$svg" ||
        { fail "$svg: missing, or not an SVG of ${w}x$h"; return; }
    pass "$name.png in $(basename "$dir"): PNG ${w}x$h, $size bytes, and $name.svg"
}

# rerun_gp DIR NAME: gnuplot NAME.gp alone, inside DIR/plots, redraws NAME.png identically.
rerun_gp() {
    local plots=$1/plots name=$2
    mv "$plots/$name.png" "$TMP/$name.first.png"
    local out
    if ! out=$(cd "$plots" && env -i PATH="$(dirname "$GNUPLOT")" HOME="$TMP" gnuplot "$name.gp" 2>&1); then
        fail "gnuplot $name.gp in $plots: $out"
        return
    fi
    [ -z "$out" ] || fail "gnuplot $name.gp printed: $out"
    if [ ! -f "$plots/$name.png" ]; then
        fail "gnuplot $name.gp did not write $name.png"
    elif cmp -s "$plots/$name.png" "$TMP/$name.first.png"; then
        pass "gnuplot $name.gp reruns alone and redraws the same $name.png"
    else
        fail "gnuplot $name.gp redraws a different $name.png"
    fi
}

no_temporaries() {
    local left
    left=$(find "$1" -name '.*' -type f)
    [ -z "$left" ] || fail "temporary files left in $1: $left"
}

# 1. run --plot: the single-policy kinds, 900x560 each
cd "$TMP" || exit 1
if "$ROLLSIM" run --reps 20 --plot --out run >run.out 2>run.err; then
    pass "run --plot exits 0"
else
    fail "run --plot: exit $? ($(cat run.err))"
fi
[ ! -s run.err ] || fail "run --plot printed on stderr: $(cat run.err)"
grep -q "plots in run/plots/: fan.png exposure.png harm.png" run.out || fail "run --plot does not list its plots: $(cat run.out)"
for k in fan exposure harm; do check_png run $k 900 560; done
for k in pareto risk; do [ ! -e run/plots/$k.png ] || fail "run (one policy) drew $k.png"; done
no_temporaries run

# 2. compare --plot: every kind; one panel per policy in fan and harm, two in exposure
if "$ROLLSIM" compare "$SRC/scenarios/canary_sizing.lua" "${SMALL[@]}" --plot --quiet --out cmp >cmp.out 2>cmp.err; then
    pass "compare --plot exits 0"
else
    fail "compare --plot: exit $? ($(cat cmp.err))"
fi
[ ! -s cmp.err ] || fail "compare --plot printed on stderr: $(cat cmp.err)"
[ ! -s cmp.out ] || fail "compare --plot --quiet printed on stdout: $(cat cmp.out)"
check_png cmp fan 900 1070
check_png cmp exposure 900 1070
check_png cmp harm 900 1070
check_png cmp pareto 900 560
check_png cmp risk 900 560
no_temporaries cmp
# pareto's P(non-dominated) from resampled paired replications: one per policy, in [0, 1], and at least one
# policy is on the front in every resample (canary_sizing's policies all reach everyone), so they sum to >= 1
pnd=$(sed -n "s/.*P(non-dominated) \([01]\.[0-9][0-9]\)'.*/\1/p" cmp/plots/pareto.gp)
[ "$(echo "$pnd" | wc -w)" = 3 ] && echo "$pnd" | awk '{ s += $1 } END { exit !(s >= 1) }' ||
    fail "pareto: P(non-dominated) of the 3 policies: '$pnd'"
# two identical policies tie in every resample: neither dominates the other, both 1.00
"$ROLLSIM" compare "$SRC/scenarios/canary_sizing.lua" "${SMALL[@]}" --plot --quiet --out twin \
    --policy fixed_stages --policy 'fixed_stages:alpha=0.05' >/dev/null 2>&1 || fail "compare twin --plot"
[ "$(grep -c "P(non-dominated) 1.00'" twin/plots/pareto.gp)" = 2 ] ||
    fail "pareto: two identical policies: $(grep -o "P(non-dominated) [0-9.]*" twin/plots/pareto.gp | tr '\n' ' ')"
for k in fan exposure harm pareto risk; do rerun_gp cmp $k; done

# 3. labels that need quoting (commas, semicolons, a colon) go through the CSVs and into gnuplot strings
if "$ROLLSIM" compare "$SRC/scenarios/canary_sizing.lua" "${SMALL[@]}" --quiet --out specs --plot \
       --policy 'fixed_stages:steps=0.2,1;bake=6h' --policy 'fixed_stages:steps=0.05,0.25,1' >specs.out 2>specs.err; then
    pass "compare --plot with --policy specs exits 0"
else
    fail "compare --plot with --policy specs: exit $? ($(cat specs.err))"
fi
check_png specs fan 900 740
check_png specs pareto 900 560
grep -qF "'fixed_stages:steps=0.2,1;bake=6h, P(non-dominated) " specs/plots/pareto.gp || fail "pareto.gp does not label the policy by its spec"
rerun_gp specs risk

# 3b. issue 16: a scenario with labels gets the quality plot (one panel, every policy in it); one without does not
if "$ROLLSIM" compare "$SRC/scenarios/delayed_feedback.lua" --reps 4 --set mode=cohort --quiet --out quality --plot \
       >quality.out 2>quality.err; then
    pass "compare --plot of delayed_feedback exits 0"
else
    fail "compare --plot of delayed_feedback: exit $? ($(cat quality.err))"
fi
[ ! -s quality.err ] || fail "compare --plot of delayed_feedback printed on stderr: $(cat quality.err)"
check_png quality quality 900 560
rerun_gp quality quality
[ ! -e run/plots/quality.png ] && [ ! -e cmp/plots/quality.png ] || fail "a scenario without labels drew quality.png"

# 3b. a label is data, never gnuplot code: backquotes (which gnuplot runs inside double-quoted strings), quotes
#     and an @ in a policy's label (here written into a copy of the output folder by hand)
cp -r cmp weird
rm -rf weird/plots
label='big`touch '"$TMP"'/pwned`'"'"'q"d @ROWS@'
json_label=${label//\"/\\\"}
json_label=${json_label//\\/\\\\} # sed's replacement text takes a backslash as \\
csv_label=\"${label//\"/\"\"}\"
sed -i "s|\"label\": \"big_fast\"|\"label\": \"$json_label\"|" weird/summary.json
for f in runs.csv bands.csv events.csv; do sed -i "s|,big_fast\$|,$csv_label|" weird/$f; done
grep -qF 'touch' weird/summary.json && grep -qF 'touch' weird/runs.csv || fail "could not write the weird label"
"$ROLLSIM" plot weird --quiet 2>weird.err || fail "plot with a weird label: exit $? ($(cat weird.err))"
[ ! -e "$TMP/pwned" ] || fail "a label's backquotes ran a command"
[ ! -s weird.err ] || fail "plot with a weird label printed: $(cat weird.err)"
for k in fan pareto risk; do check_png weird $k; done
grep -qF "'big\`touch $TMP/pwned\`''q\"d @ROWS@, P(non-dominated) " weird/plots/pareto.gp || fail "pareto.gp does not quote the weird label"

# 4. rollsim plot DIR redraws; a single-policy run into a compare folder removes the compare-only plots
cp -r cmp redraw
rm -f redraw/plots/*
if "$ROLLSIM" plot redraw >redraw.out 2>redraw.err; then
    pass "plot DIR exits 0"
else
    fail "plot DIR: exit $? ($(cat redraw.err))"
fi
for k in fan exposure harm pareto risk; do
    cmp -s redraw/plots/$k.png cmp/plots/$k.png || fail "plot DIR draws a different $k.png than compare --plot"
done
"$ROLLSIM" run "$SRC/scenarios/canary_sizing.lua" "${SMALL[@]}" --quiet --plot --out redraw 2>/dev/null ||
    fail "run --plot into a compare folder: exit $?"
for k in pareto risk; do
    [ ! -e redraw/plots/$k.png ] && [ ! -e redraw/plots/$k.gp ] || fail "stale $k plot left after a single-policy run"
done
check_png redraw fan 900 560

# 5. no gnuplot on PATH: one warning, exit 0, everything else written
mkdir -p nognuplot/bin
WARNING="rollsim: warning: gnuplot not found on PATH; plots skipped (install gnuplot-nox)"
nogp_case() { # WHAT ARGS...: rollsim ARGS with an empty PATH
    local what=$1 rc n
    shift
    PATH=$TMP/nognuplot/bin "$ROLLSIM" "$@" >nogp.out 2>nogp.err
    rc=$?
    [ $rc -eq 0 ] || fail "$what --plot without gnuplot: exit $rc"
    n=$(grep -cxF "$WARNING" nogp.err)
    [ "$n" -eq 1 ] || fail "$what --plot without gnuplot: the warning $n times"
    [ "$(wc -l <nogp.err)" -eq 1 ] || fail "$what --plot without gnuplot: more on stderr: $(cat nogp.err)"
    [ "$rc" -eq 0 ] && [ "$n" -eq 1 ] && pass "$what --plot without gnuplot: one warning, exit 0"
}
nogp_case compare compare "$SRC/scenarios/canary_sizing.lua" "${SMALL[@]}" --plot --out nogpc
nogp_case run run --reps 5 --plot --out nogp
for f in summary.json runs.csv bands.csv curves.csv events.csv plots/fan.dat plots/fan.gp plots/exposure.gp \
         plots/harm.gp; do
    [ -s nogp/$f ] || fail "without gnuplot: nogp/$f not written"
done
for k in pareto risk; do [ -s nogpc/plots/$k.gp ] && [ -s nogpc/plots/$k.dat ] || fail "without gnuplot: nogpc/plots/$k.gp/.dat"; done
[ -z "$(find nogp nogpc -name '*.png' -o -name '*.svg')" ] || fail "without gnuplot: a PNG or SVG was written"
grep -q "no PNG: gnuplot not found" nogp.out || fail "without gnuplot: stdout does not say so: $(cat nogp.out)"
(cd nogpc/plots && "$GNUPLOT" pareto.gp && "$GNUPLOT" -e 'rs_svg = 1; rs_png = "pareto.svg"' pareto.gp) &&
    check_png nogpc pareto 900 560
no_temporaries nogp
PATH=$TMP/nognuplot/bin "$ROLLSIM" plot nogp --quiet 2>nogp.err >/dev/null || fail "plot DIR without gnuplot: exit $?"
[ "$(cat nogp.err)" = "$WARNING" ] || fail "plot DIR without gnuplot: stderr $(cat nogp.err)"

# 6. a gnuplot that fails: exit 1, the message names the script, the earlier PNGs stay whole
mkdir -p fake/bin
printf '#!/bin/sh\necho "fake gnuplot: cannot draw" >&2\nexit 1\n' >fake/bin/gnuplot
chmod +x fake/bin/gnuplot
cp run/plots/fan.png fan.before.png
PATH=$TMP/fake/bin:$PATH "$ROLLSIM" plot run >fake.out 2>fake.err
rc=$?
[ $rc -eq 1 ] || fail "failing gnuplot: exit $rc, expected 1"
grep -qF "rollsim: gnuplot failed on run/plots/fan.gp" fake.err || fail "failing gnuplot: message $(cat fake.err)"
cmp -s run/plots/fan.png fan.before.png || fail "failing gnuplot: fan.png changed"
no_temporaries run
[ $rc -eq 1 ] && pass "failing gnuplot: exit 1 naming the script"

# 7. not an output folder
mkdir -p empty
"$ROLLSIM" plot empty >/dev/null 2>empty.err
rc=$?
[ $rc -eq 2 ] || fail "plot on a folder without summary.json: exit $rc"
[ "$(cat empty.err)" = "rollsim: empty has no summary.json (not an output folder of rollsim run, compare, sweep or optimize)" ] ||
    fail "plot on a folder without summary.json: $(cat empty.err)"
"$ROLLSIM" plot >/dev/null 2>&1
[ $? -eq 2 ] || fail "plot without a folder: exit not 2"

# 8. sweep --plot: one key -> sweep.png (a line per measure), two keys -> sweep_heat.png (heat maps), three keys
#    -> sweep.png over the points (taller: a tic label line per key); 1500 wide as the other four-panel plots.
#    optimize --plot -> optimize.png (the objective, then a panel per parameter). No run/compare kind is drawn,
#    `rollsim plot DIR` redraws the same PNGs, each .gp reruns alone.
TINY=(--set population.1.users=2000 --reps 12 --jobs 2 --quiet --plot)
planner_case() { # NAME WHAT ARGS...: rollsim ARGS --out NAME exits 0 with nothing on stderr
    local name=$1 what=$2
    shift 2
    if "$ROLLSIM" "$@" "${TINY[@]}" --out "$name" >"$name.out" 2>"$name.err"; then
        pass "$what --plot exits 0"
    else
        fail "$what --plot: exit $? ($(cat "$name.err"))"
    fi
    [ ! -s "$name.err" ] || fail "$what --plot printed on stderr: $(cat "$name.err")"
}
planner_case sw1 "sweep (one key)" sweep "$SRC/scenarios/canary_sizing.lua" --grid policy.bake=3h,6h,12h,24h
planner_case sw2 "sweep (two keys)" sweep "$SRC/scenarios/canary_sizing.lua" --grid policy.bake=3h,12h,24h \
    --grid policy.alpha=0.01,0.1
planner_case sw3 "sweep (three keys)" sweep "$SRC/scenarios/canary_sizing.lua" --grid policy.bake=3h,12h \
    --grid policy.alpha=0.01,0.1 --grid policy.gate=ztest,msprt
planner_case opt "optimize" optimize "$SRC/scenarios/canary_sizing.lua" --param policy.bake=2h:24h \
    --param policy.alpha=0.005:0.2:log --objective 'excess_harm.mean + 5 * time_to_full.mean' \
    --constraint 'p_false_rollback.hi <= 0.2' --budget 6
check_png sw1 sweep 1500 740
check_png sw2 sweep_heat 1500 740
check_png sw3 sweep 1500 800
check_png opt optimize 900 1172
[ ! -e sw1/plots/sweep_heat.png ] && [ ! -e sw2/plots/sweep.png ] || fail "a sweep drew both sweep.png and sweep_heat.png"
for d in sw1 sw2 sw3 opt; do
    for k in fan exposure harm pareto risk; do [ ! -e $d/plots/$k.gp ] || fail "$d: drew the run plot $k"; done
    no_temporaries $d
done
[ ! -e sw1/plots/optimize.png ] && [ ! -e opt/plots/sweep.png ] || fail "a sweep or optimize drew the other's plot"
grep -q "policy.bake (log scale)" sw1/plots/sweep.gp || fail "sweep.gp: bake 3h..24h is not on a log axis"
grep -qF "'3h' 3" sw1/plots/sweep.gp || fail "sweep.gp: the key's values are not its tic labels"
grep -q "set logscale y" opt/plots/optimize.gp || fail "optimize.gp: the log-scale parameter is not on a log axis"
for pair in sw1:sweep sw2:sweep_heat sw3:sweep opt:optimize; do
    d=${pair%%:*} k=${pair#*:}
    cp -r $d $d.redraw
    rm -f $d.redraw/plots/*
    "$ROLLSIM" plot $d.redraw --quiet 2>$d.redraw.err || fail "plot $d: exit $? ($(cat $d.redraw.err))"
    if cmp -s $d.redraw/plots/$k.png $d/plots/$k.png; then
        pass "plot DIR redraws the same $k.png ($d)"
    else
        fail "plot DIR draws a different $k.png than --plot ($d)"
    fi
    rerun_gp $d $k
done
# a null estimate is missing, not zero: P(escape | bad) of a point without a bad candidate is marked n/a
cp -r sw1 swnull
rm -rf swnull/plots
perl -0777 -pi -e 's/"p_escape": \{[^}]*\}/"p_escape": {"estimate": null, "lo": null, "hi": null, "n": 0}/' swnull/summary.json
tr -d ' \n' <swnull/summary.json | grep -qF '"p_escape":{"estimate":null' || fail "could not null an estimate"
"$ROLLSIM" plot swnull --quiet 2>swnull.err || fail "plot with a null estimate: exit $? ($(cat swnull.err))"
[ ! -s swnull.err ] || fail "plot with a null estimate printed: $(cat swnull.err)"
check_png swnull sweep 1500 740
grep -q 'n/a: no bad' swnull/plots/sweep.gp || fail "sweep.gp does not mark the null P(escape) as n/a"
[ "$(awk '/^# index 0:/ { b = 1; next } /^# index/ { b = 0 } b && NF' swnull/plots/sweep.dat | wc -l)" -eq 3 ] ||
    fail "sweep.dat: the null P(escape) is plotted"

# 9. safeset (issue 13): drawn for a policy that logs a safe set (bayesopt), one panel per such policy only,
#    absent otherwise; the first replication's staircase in safeset.dat is its "safeset" lines of events.csv, and
#    its weight is the seed or inside the safe interval at every decision.
if "$ROLLSIM" compare "$SRC/scenarios/bayesopt_rollout.lua" --set population.2.users=4000 --reps 30 --jobs 2 \
    --plot --quiet --out bo >bo.out 2>bo.err; then
    pass "compare bayesopt_rollout --plot exits 0"
else
    fail "compare bayesopt_rollout --plot: exit $? ($(cat bo.err))"
fi
check_png bo safeset 900 560
rerun_gp bo safeset
[ ! -e cmp/plots/safeset.png ] || fail "a compare without a safe policy drew safeset.png"
want=$(awk -F, '$1 == 0 && $3 == "safeset" && $7 == "bayesopt" { print $2, $5 * 100 }' bo/events.csv)
got=$(awk '/^# index 1:/ { b = 1; next } /^# index/ { b = 0 } b && NF { print $1, $2 }' bo/plots/safeset.dat |
      sed '$d')
[ -n "$want" ] && [ "$(printf '%s\n' "$want" | awk '{ printf "%.6g %.6g\n", $1, $2 }')" = \
    "$(printf '%s\n' "$got" | awk '{ printf "%.6g %.6g\n", $1, $2 }')" ] ||
    fail "safeset.dat: replication 0's weights differ from events.csv"
awk '/^# index 1:/ { b = 1; next } /^# index/ { b = 0 }
     b && NF && $3 != "NaN" && ($2 < $3 - 1e-9 || $2 > $4 + 1e-9) { bad++ } END { exit bad > 0 }' \
    bo/plots/safeset.dat || fail "safeset.dat: replication 0 served a weight outside its safe interval"

# 10. fan (issue 19): the replications split by outcome. P(t) of every replication rebuilt here from its "weight"
#     lines of events.csv (the sum of the candidates' latest weights) reproduces bands.csv's quantiles over all
#     replications exactly (so the rebuild is what the simulator samples); then each group block of fan.dat
#     (promoted; rolled back, counted while t < its rollback; neither) has the size runs.csv gives and, at every
#     sample time, the count and the 5/25/50/75/95 % quantiles of this independent rebuild.
for d in bo cmp; do
python3 - "$d" <<'PY' || fail "fan.dat of $d: the per-outcome bands differ from runs.csv and events.csv"
import csv, math, re, sys
d = sys.argv[1]
def quant(xs, p):  # between order statistics (GSL's gsl_stats_quantile_from_sorted)
    xs = sorted(xs)
    if not xs: return float("nan")
    h = (len(xs) - 1) * p; i = int(h)
    return xs[i] + (h - i) * (xs[min(i + 1, len(xs) - 1)] - xs[i])
def near(a, b):
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-7 * max(1.0, abs(b))
runs = list(csv.DictReader(open(f"{d}/runs.csv")))
bands = list(csv.DictReader(open(f"{d}/bands.csv")))
ev = {}
for r in csv.DictReader(open(f"{d}/events.csv")):
    if r["kind"] == "weight":
        ev.setdefault((r["policy"], int(r["rep"])), []).append((float(r["t"]), r["version"], float(r["value"])))
blocks, cur = {}, None  # fan.dat: (policy, group) -> (size, {t: [p5 .. p95, count]}), the row "at" t last
for line in open(f"{d}/plots/fan.dat"):
    m = re.match(r"# index \d+: policy (.*): the (\d+) replications (promoted|rolled back|neither)", line)
    if m:
        cur = blocks.setdefault((m[1], m[3]), (int(m[2]), {}))
    elif line.startswith("#") or not line.strip():
        cur = None if line.startswith("#") else cur
    elif cur:
        f = [float(x) for x in line.split()]
        cur[1][f[0]] = f[1:]
fails, checked = [], 0
for pol in sorted({r["policy"] for r in runs}):
    brows = [b for b in bands if b["policy"] == pol]
    times = [float(b["t"]) for b in brows]
    P = []
    for r in (r for r in runs if r["policy"] == pol):
        es = sorted(ev.get((pol, int(r["rep"])), []), key=lambda e: e[0])
        w, j, row = {}, 0, []
        for t in times:
            while j < len(es) and es[j][0] <= t:
                w[es[j][1]] = es[j][2]; j += 1
            row.append(100 * sum(w.values()))
        P.append((r, row))
    for k, b in enumerate(brows):
        for q, c in ((0.05, "P_p5"), (0.5, "P_p50"), (0.95, "P_p95")):
            if not near(quant([row[k] for _, row in P], q), 100 * float(b[c])):
                fails.append(f"{pol} t={times[k]}: the rebuilt {c} is not bands.csv's")
    for group, outcome in (("promoted", "promoted"), ("rolled back", "rolled_back"), ("neither", "incomplete")):
        members = [(r, row) for r, row in P if r["outcome"] == outcome]
        if not members:
            if (pol, group) in blocks: fails.append(f"{pol}: an empty group {group} drawn")
            continue
        size, rows = blocks.get((pol, group), (None, {}))
        if size != len(members): fails.append(f"{pol} {group}: fan.dat says {size}, runs.csv {len(members)}")
        for k, t in enumerate(times):
            xs = [row[k] for r, row in members if outcome != "rolled_back" or float(r["rollback_time"]) > t]
            want = [quant(xs, q) for q in (0.05, 0.25, 0.5, 0.75, 0.95)] + [len(xs)]
            got = rows.get(t)
            checked += 1
            if got is None or not all(near(g, w) for g, w in zip(got, want)):
                fails.append(f"{pol} {group} t={t}: fan.dat {got}, rebuilt {want}")
for f in fails[:8]: print("fan.dat:", f)
print(f"fan.dat of {d}: {checked} group quantile rows match the rebuild from events.csv" if not fails else "")
sys.exit(1 if fails else 0)
PY
done
grep -q "set logscale y" cmp/plots/fan.gp || fail "fan.gp: P is not on a log axis"
[ "$(grep -c '^set key\|keyentry' bo/plots/fan.gp)" -ge 2 ] && [ "$(grep -c 'keyentry' bo/plots/fan.gp)" -le 9 ] ||
    fail "fan.gp: not one legend for the figure"

if [ $failures -ne 0 ]; then
    echo "$failures failure(s)"
    exit 1
fi
echo "all plot checks passed"
