#!/usr/bin/env bash
# The relocatable install (issue 19): `cmake --install BUILD --prefix P` into a temporary prefix, with no
# reconfigure; then, from the prefix alone (ROLLSIM_PLUGIN_PATH unset, run from another folder):
#   * the installed rollsim finds its own plugins under P/lib/rollsim/plugins (not the build tree's),
#   * it reads its plot templates from P/share/rollsim/plots (a marker added to the installed fan template
#     appears in the drawn fan.gp),
#   * the example plugin installed under P/share/rollsim/examples/plugin builds out of tree with
#     `pkg-config --cflags rollsim-plugin` alone, and separately with CMake's find_package(rollsim),
#   * each build loads and runs: `rollsim plugins` lists one_stage and a scenario using it is simulated,
#   * the installed headers name no file that is not shipped (no SPEC, no core/).
# Usage: install.sh BUILD_DIR
set -euo pipefail
BUILD=${1:?usage: install.sh BUILD_DIR}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rollsim-install.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
P=$TMP/prefix
fail() { echo "install.sh: FAIL: $*" >&2; exit 1; }

cmake --install "$BUILD" --prefix "$P" >"$TMP/install.log" || { cat "$TMP/install.log"; fail "cmake --install"; }
unset ROLLSIM_PLUGIN_PATH
cd "$TMP" # nowhere near the source or build tree
RS=$P/bin/rollsim
[ -x "$RS" ] || fail "no $RS"

"$RS" plugins >plugins.txt || fail "rollsim plugins exited $?"
grep -q "searched $P/lib[^ ]*/rollsim/plugins)" plugins.txt || fail "plugins searched elsewhere: $(head -1 plugins.txt)"
grep -q "^fixed_stages  ($P/lib[^ ]*/rollsim/plugins/fixed_stages.so)" plugins.txt || fail "fixed_stages not listed from $P"
"$RS" run "$P/share/rollsim/scenarios/quickstart.lua" --reps 3 --quiet --out q || fail "quickstart from the prefix"
[ -s q/summary.json ] || fail "no summary.json"

# Plot templates from the prefix: mark the installed one and look for the mark in what is drawn.
if command -v gnuplot >/dev/null; then
  echo "# installed-template-marker" >>"$P/share/rollsim/plots/fan.gp.in"
  "$RS" plot q --quiet || fail "rollsim plot"
  grep -q "installed-template-marker" q/plots/fan.gp || fail "the fan template was not read from $P/share"
fi

# The installed headers refer only to shipped files.
if grep -nE "SPEC|core/" -r "$P/include/rollsim"; then fail "installed headers refer to unshipped files"; fi

# An out-of-tree plugin, with pkg-config alone.
cp -r "$P/share/rollsim/examples/plugin" pc
(cd pc && PKG_CONFIG_PATH=$P/share/pkgconfig make -s) || fail "make with pkg-config"
[ -f pc/one_stage.so ] || fail "pkg-config build made no one_stage.so"
grep -q '^prefix=${pcfiledir}' "$P/share/pkgconfig/rollsim-plugin.pc" || fail ".pc prefix not relative"

# ... and with find_package(rollsim).
cp -r "$P/share/rollsim/examples/plugin" cm
cmake -S cm -B cm/build -DCMAKE_PREFIX_PATH="$P" >cm.log 2>&1 || { cat cm.log; fail "cmake configure with find_package"; }
cmake --build cm/build >>cm.log 2>&1 || { cat cm.log; fail "cmake build"; }
[ -f cm/build/one_stage.so ] || fail "find_package build made no one_stage.so"

cat >one.lua <<'LUA'
return scenario {
  name = "one stage", seed = 7, horizon = days(2),
  population = { { name = "all", users = 2000, rate = 1 } },
  versions = { { name = "current", baseline = true, error_rate = 0.01 },
               { name = "candidate", error_rate = 0.05 } },
  policy = { name = "one_stage", weight = 0.1, bake = hours(12), alpha = 0.05 },
}
LUA
for dir in pc cm/build; do
  ROLLSIM_PLUGIN_PATH=$TMP/$dir "$RS" plugins >list.txt || fail "$dir: rollsim plugins"
  grep -q "^one_stage  ($TMP/$dir/one_stage.so)" list.txt || fail "$dir: one_stage not listed"
  ROLLSIM_PLUGIN_PATH=$TMP/$dir "$RS" run one.lua --reps 4 --quiet --out "out-${dir%%/*}" || fail "$dir: run"
  # a candidate 5x worse than the baseline is rolled back in every replication by the z-test
  grep -A1 '"p_rollback"' "out-${dir%%/*}/summary.json" | grep -Eq '"estimate": 1(\.0)?,' ||
    fail "$dir: expected every replication rolled back: $(grep -A1 '"p_rollback"' "out-${dir%%/*}/summary.json")"
done
echo "install.sh: ok (prefix $P)"
