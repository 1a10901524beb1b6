#!/usr/bin/env bash
# report.html (issue 19): compare two policies with --plot, then
#   * every table cell of report.html carries a path of summary.json and a value (data-key, data-value): each
#     value equals summary.json's there exactly, and the tables cover every policy's estimates of the page's
#     rows and every paired difference;
#   * every PNG of plots/ is inlined (base64), so the page is self-contained (no other src or href);
#   * in a headless browser (chromium, when installed; else SKIP for this part) the page renders: a screenshot
#     is written and is not blank.
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
