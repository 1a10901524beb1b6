#!/usr/bin/env bash
# report.html (issue 19): compare two policies with --plot, then
#   * every table cell of report.html carries a path of summary.json and a value (data-key, data-value): each
#     value equals summary.json's there exactly, and the tables cover every policy's estimates of the page's
#     rows and every paired difference;
#   * every PNG of plots/ is inlined (base64), so the page is self-contained (no other src or href);
#   * in a headless browser (chromium, when installed; else SKIP for this part) the page renders: a screenshot
#     is written and is not blank.
#   * sweep and optimize folders: their tables against summary.json, sweep.csv, optimize.csv, best.json (below);
# Usage: report.sh ROLLSIM SOURCE_DIR
set -uo pipefail
RS=${1:?usage: report.sh ROLLSIM SOURCE_DIR}
SRC=${2:?usage: report.sh ROLLSIM SOURCE_DIR}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rollsim-report.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
"$RS" compare "$SRC/scenarios/quickstart.lua" --reps 30 --jobs 2 --quiet --plot --out r \
  --policy fixed_stages --policy 'fixed_stages:alpha=0.2' || { echo "report.sh: FAIL: compare exited $?"; exit 1; }
[ -s r/report.html ] || { echo "report.sh: FAIL: no report.html"; exit 1; }
python3 - r <<'PY' || exit 1
import base64, json, re, sys, os
d = sys.argv[1]
s = json.load(open(os.path.join(d, "summary.json")))
html = open(os.path.join(d, "report.html"), encoding="utf-8").read()
cells = re.findall(r'<td data-key="([^"]+)" data-value="([^"]*)">', html)
fails = []
def at(path):
    v = s
    for k in path.split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
    return v
for key, value in cells:
    want = at(key)
    got = None if value == "null" else float(value)
    if (want is None) != (got is None) or (want is not None and float(want) != got):
        fails.append(f"{key}: report {value}, summary.json {want}")
n_pol, n_pair = len(s["policies"]), len(s["paired"])
est = {k for k, _ in cells if k.startswith("policies.")}
pair = {k for k, _ in cells if k.startswith("paired.")}
rows = {k.split(".", 3)[3] for k in est}
if n_pol != 2 or n_pair != 1: fails.append(f"{n_pol} policies, {n_pair} pairs")
if len(est) != n_pol * len(rows) or len(rows) < 12: fails.append(f"estimate cells {len(est)} for rows {sorted(rows)}")
for p in range(n_pol):
    for k in ("p_escape.estimate", "p_false_rollback.estimate", "excess_harm.mean", "time_to_full.mean"):
        if f"policies.{p}.estimates.{k}" not in est: fails.append(f"no cell policies.{p}.estimates.{k}")
if len(pair) < 8: fails.append(f"paired cells {sorted(pair)}")
pngs = sorted(f for f in os.listdir(os.path.join(d, "plots")) if f.endswith(".png"))
imgs = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
if len(imgs) != len(pngs) or not pngs: fails.append(f"{len(imgs)} inlined images for {len(pngs)} PNGs")
for b in imgs:
    if base64.b64decode(b)[:8] != b"\x89PNG\r\n\x1a\n": fails.append("an inlined image is not a PNG")
others = re.findall(r'(?:src|href)="(?!data:)([^"]*)"', html)
if others: fails.append(f"not self-contained: {others}")
for f in fails: print("report.sh: FAIL:", f)
print(f"report.sh: {len(cells)} cells match summary.json, {len(imgs)} images inlined" if not fails else "")
sys.exit(1 if fails else 0)
PY
# sweep and optimize folders get their own page (issue 19): its tables are checked against the folder's own files,
# read here by parsing them (summary.json, sweep.csv, optimize.csv, best.json), not against copied values:
#   * sweep: one row per point of summary.json, in order; each grid cell is the point's value there and in
#     sweep.csv; each estimate cell equals summary.json exactly and sweep.csv to its 15 significant digits; in
#     each estimate column the bold (best) cell is the lowest;
#   * optimize: one trace row per row of optimize.csv, each cell optimize.csv's own text; the highlighted row is
#     summary.json's best_evaluation; the re-evaluation's cells equal best.json's; the estimates summary.json's.
SMC=(--set mode=cohort --reps 30 --jobs 2 --quiet --plot)
"$RS" sweep "$SRC/scenarios/size_my_canary.lua" "${SMC[@]}" --out sw --grid policy.steps.1=0.02,0.1 \
  --grid policy.bake=4,12 || { echo "report.sh: FAIL: sweep exited $?"; exit 1; }
"$RS" optimize "$SRC/scenarios/size_my_canary.lua" "${SMC[@]}" --out opt --budget 6 \
  --param policy.bake=2:24:int --param policy.alpha=0.005:0.2:log --objective 'excess_harm.mean + 10 * time_to_full.mean' \
  --constraint 'p_escape <= 0.05' || { echo "report.sh: FAIL: optimize exited $?"; exit 1; }
python3 - sw opt <<'PY' || exit 1
import csv, json, math, os, re, sys
fails = []
def attrs(tag):
    return dict(re.findall(r'([a-z-]+)="([^"]*)"', tag))
def cells(html):
    return [attrs(t) for t in re.findall(r"<td ([^>]*)>", html)]
def at(doc, path):
    v = doc
    for k in path.split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
    return v
def num(text):
    return None if text in ("null", "") else float(text)
def page(d):
    html = open(os.path.join(d, "report.html"), encoding="utf-8").read()
    if re.findall(r'(?:src|href)="(?!data:)([^"]*)"', html): fails.append(f"{d}: not self-contained")
    if not re.findall(r'<img alt="[^"]*" src="data:image/png;base64,', html): fails.append(f"{d}: no plot inlined")
    return html

# sweep
d = sys.argv[1]
html, s = page(d), json.load(open(f"{d}/summary.json"))
rows = {r["point"]: r for r in csv.DictReader(open(f"{d}/sweep.csv"))}
keys = [g["key"] for g in s["sweep"]["grid"]]
trs = re.findall(r'<tr data-point="(\d+)">(.*?)</tr>', html)
if [int(p) for p, _ in trs] != list(range(1, len(s["policies"]) + 1)) or len(trs) != len(rows):
    fails.append(f"sweep: rows {[p for p, _ in trs]} for {len(s['policies'])} points, {len(rows)} CSV rows")
cols, n_checked = {}, 0
for point, tr in trs:
    pol, row = s["policies"][int(point) - 1], rows[point]
    cs = cells(tr)
    grid = {c["data-grid"]: c["data-value"] for c in cs if "data-grid" in c}
    if sorted(grid) != sorted(keys): fails.append(f"sweep point {point}: grid cells {sorted(grid)}")
    for k, v in grid.items():
        if float(v) != float(pol["values"][k]) or float(v) != float(row[k]):
            fails.append(f"sweep point {point}: {k} = {v}, summary.json {pol['values'][k]}, sweep.csv {row[k]}")
    for c in (c for c in cs if "data-key" in c):
        want, got = at(s, c["data-key"]), num(c["data-value"])
        if c.get("data-row") != point: fails.append(f"sweep: {c['data-key']} in the row of point {point}")
        csvv = num(row[c["data-col"]])
        if (want is None) != (got is None) or (got is not None and (got != want or
                abs(got - csvv) > 1e-14 * max(1, abs(got)))):  # sweep.csv prints 15 significant digits
            fails.append(f"sweep point {point} {c['data-col']}: report {got}, summary.json {want}, sweep.csv {csvv}")
        cols.setdefault(c["data-col"], []).append((got, "best" in c.get("class", "")))
        n_checked += 1
for col, vs in cols.items():
    lowest = min(v for v, _ in vs if v is not None)
    marked = [v for v, b in vs if b]
    if len(marked) != 1 or marked[0] != lowest: fails.append(f"sweep {col}: bold {marked}, lowest {lowest}")
if len(cols) < 5: fails.append(f"sweep: estimate columns {sorted(cols)}")

# optimize
d = sys.argv[2]
html, s = page(d), json.load(open(f"{d}/summary.json"))
best, rows = json.load(open(f"{d}/best.json")), {r["eval"]: r for r in csv.DictReader(open(f"{d}/optimize.csv"))}
trs = re.findall(r'<tr data-eval="([^"]*)"([^>]*)>(.*?)</tr>', html)
if [e for e, _, _ in trs] != list(rows): fails.append(f"optimize: trace rows {[e for e, _, _ in trs]}, CSV {list(rows)}")
marked = [e for e, cls, _ in trs if "best" in cls]
if marked != [str(s["optimize"]["best_evaluation"])]: fails.append(f"optimize: best row {marked}, "
                                                                   f"summary.json {s['optimize']['best_evaluation']}")
n_trace = 0
for e, _, tr in trs:
    cs = [c for c in cells(tr) if c.get("data-file") == "optimize.csv"]
    names = {c["data-col"] for c in cs}
    for need in ("objective", "best_so_far", "policy.bake", "policy.alpha", "constraint_1"):
        if need not in names: fails.append(f"optimize eval {e}: no {need} cell")
    for c in cs:
        n_trace += 1
        if c["data-row"] != e or c["data-value"] != rows[e][c["data-col"]]:
            fails.append(f"optimize eval {e} {c['data-col']}: report {c['data-value']}, CSV {rows[e][c['data-col']]}")
n_best = 0
for c in cells(html):
    if "data-key" not in c or c.get("data-file") == "sweep.csv": continue
    doc = best if c.get("data-file") == "best.json" else s
    want, got = at(doc, c["data-key"]), num(c["data-value"])
    n_best += c.get("data-file") == "best.json"
    if (want is None) != (got is None) or (want is not None and float(want) != got):
        fails.append(f"optimize {c['data-key']}: report {got}, {c.get('data-file', 'summary.json')} {want}")
if n_best != 1 + len(best["constraints"]): fails.append(f"optimize: {n_best} cells of best.json")
for f in fails[:12]: print("report.sh: FAIL:", f)
if not fails:
    print(f"report.sh: sweep page: {n_checked} estimate cells match summary.json and sweep.csv; optimize page: "
          f"{n_trace} trace cells match optimize.csv, {n_best} best.json")
sys.exit(1 if fails else 0)
PY
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "report.sh: SKIP the browser check (no chromium; apt-get install chromium)"; exit 0
fi
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,2400 \
  --screenshot="$TMP/shot.png" "file://$TMP/r/report.html" >browser.log 2>&1
[ -s shot.png ] || { echo "report.sh: FAIL: no screenshot: $(tail -3 browser.log)"; exit 1; }
# Not blank: a rendered page has text and images, so its PNG compresses far worse than a white page's (< 10 kB).
size=$(stat -c %s shot.png)
[ "$size" -gt 40000 ] || { echo "report.sh: FAIL: the screenshot is $size bytes: blank?"; exit 1; }
[ -n "${ROLLSIM_REPORT_SHOT:-}" ] && cp shot.png "$ROLLSIM_REPORT_SHOT"
echo "report.sh: rendered by $browser ($size bytes of screenshot)"
