#!/usr/bin/env bash
# Per-command help, the man page and bash completion (issue 19), checked against what the parser accepts:
#   * rollsim --help lists every command; for each, `rollsim C --help` and `rollsim help C` exit 0 and print the
#     same text, which starts "usage: rollsim C";
#   * every short option letter a-z, A-Z: the command accepts it (getopt says nothing of an unknown option) if
#     and only if its help lists "-L, --..."; every long option its help lists is accepted;
#   * the man page and the completion script the build generated hold every option of the overview;
#   * the completion completes a command and a command's option.
# Usage: help.sh ROLLSIM BUILD_DIR
set -uo pipefail
RS=${1:?usage: help.sh ROLLSIM BUILD_DIR}
BUILD=${2:?usage: help.sh ROLLSIM BUILD_DIR}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rollsim-help.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
fails=0
fail() { echo "help.sh: FAIL: $*" >&2; fails=$((fails + 1)); }

"$RS" --help >overview.txt || fail "rollsim --help exited $?"
commands=$(sed -n 's/^  rollsim \([a-z]*\) .*/\1/p; s/^  rollsim \([a-z]*\)$/\1/p' overview.txt)
[ "$(echo "$commands" | wc -w)" -ge 8 ] || fail "overview lists too few commands: $commands"
for c in $commands; do
  "$RS" "$c" --help >"$c.help" 2>"$c.err" || fail "rollsim $c --help exited $? ($(cat "$c.err"))"
  "$RS" help "$c" >"$c.help2" || fail "rollsim help $c exited $?"
  cmp -s "$c.help" "$c.help2" || fail "rollsim $c --help and rollsim help $c differ"
  head -1 "$c.help" | grep -q "^usage: rollsim $c" || fail "$c --help starts: $(head -1 "$c.help")"
  [ "$c" = help ] && continue
  for L in {a..z} {A..Z}; do
    # "-L --help --help": an option with a value takes the first --help, the second one ends the command.
    timeout 20 "$RS" "$c" "-$L" --help --help >/dev/null 2>err.txt
    if grep -q "unknown option\|takes no arguments" err.txt; then accepted=0; else accepted=1; fi
    if grep -q "^  -$L, --" "$c.help"; then listed=1; else listed=0; fi
    [ $accepted = $listed ] || fail "rollsim $c -$L: accepted=$accepted but listed in its help=$listed"
  done
  for long in $(sed -n 's/^  -., --\([a-z-]*\).*/\1/p' "$c.help"); do
    timeout 20 "$RS" "$c" "--$long" --help --help >/dev/null 2>err.txt
    grep -q "unknown option\|takes no arguments" err.txt && fail "rollsim $c --$long listed but refused: $(cat err.txt)"
  done
done
"$RS" help nosuch 2>err.txt && fail "help nosuch exited 0"
grep -q "unknown command 'nosuch'" err.txt || fail "help nosuch: $(cat err.txt)"

# The generated man page and completion hold every option (roff escapes '-' as '\-').
for long in $(sed -n 's/^  -., --\([a-z-]*\).*/\1/p' overview.txt); do
  grep -qF -- "\\-\\-${long//-/\\-}" "$BUILD/rollsim.1" || fail "man page lacks --$long"
  grep -qF -- "--$long" "$BUILD/rollsim.bash" || fail "completion lacks --$long"
done
for c in $commands; do grep -q "^\.SS \"rollsim $c\"" "$BUILD/rollsim.1" || fail "man page lacks command $c"; done
"$RS" --man | cmp -s - "$BUILD/rollsim.1" || fail "build/rollsim.1 is not what rollsim --man prints"
if command -v groff >/dev/null; then
  groff -man -Tutf8 -ww -z "$BUILD/rollsim.1" 2>groff.err; [ -s groff.err ] && fail "groff warns: $(cat groff.err)"
fi
out=$(bash -c 'source "$1"; COMP_WORDS=(rollsim ru); COMP_CWORD=1; _rollsim; echo "${COMPREPLY[*]}"' _ "$BUILD/rollsim.bash")
[ "$out" = run ] || fail "completion of 'rollsim ru': '$out'"
out=$(bash -c 'source "$1"; COMP_WORDS=(rollsim compare --po); COMP_CWORD=2; _rollsim; echo "${COMPREPLY[*]}"' _ "$BUILD/rollsim.bash")
[ "$out" = --policy ] || fail "completion of 'rollsim compare --po': '$out'"
out=$(bash -c 'source "$1"; COMP_WORDS=(rollsim run --po); COMP_CWORD=2; _rollsim; echo "${COMPREPLY[*]}"' _ "$BUILD/rollsim.bash")
[ -z "$out" ] || fail "run takes no --policy, yet completion offers '$out'"
[ $fails = 0 ] && echo "help.sh: ok" || { echo "help.sh: $fails failure(s)" >&2; exit 1; }
