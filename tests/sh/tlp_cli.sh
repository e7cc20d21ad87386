#!/usr/bin/env bash
# `ladon tlp decode|encode` against the golden vectors of
# tests/data/tlp-golden.txt, and bad input giving exit status 2 with
# "ladon tlp: ..." on stderr.  Usage: tlp_cli.sh BUILD SRC
set -uo pipefail
build=$1 src=$2
ladon="$build/ladon"
golden="$src/tests/data/tlp-golden.txt"
[ -x "$ladon" ] || { echo "tlp_cli: $ladon not built" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 checks=0

fail() { echo "tlp_cli: FAIL: $*" >&2; fails=$((fails + 1)); }
trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

hexes=() texts=()
while IFS='|' read -r fields hex text; do
  case $fields in '#'* | '') continue ;; esac
  fields=$(trim "$fields") hex=$(trim "$hex") text=$(trim "$text")
  hexes+=("$hex") texts+=("$text")
  checks=$((checks + 1))
  # shellcheck disable=SC2086 # the fields are separate arguments
  got=$("$ladon" tlp encode $fields 2>"$tmp/err") || fail "encode $fields: exit $? $(cat "$tmp/err")"
  [ "$got" = "$hex" ] || fail "encode $fields: got '$got', want '$hex'"
  got=$("$ladon" tlp decode "$hex" 2>"$tmp/err") || fail "decode $hex: exit $? $(cat "$tmp/err")"
  [ "$got" = "$text" ] || fail "decode $hex: got '$got', want '$text'"
  # The same bytes without spaces, and with 0x in front of every DW.
  got=$("$ladon" tlp decode "${hex// /}" 2>/dev/null)
  [ "$got" = "$text" ] || fail "decode ${hex// /}: got '$got'"
  got=$("$ladon" tlp decode "0x${hex// / 0x}" 2>/dev/null)
  [ "$got" = "$text" ] || fail "decode 0x${hex// / 0x}: got '$got'"
done <"$golden"
[ "$checks" -ge 40 ] || fail "only $checks golden vectors read from $golden"

# Several TLPs as separate arguments: one line each, in order.
printf '%s\n' "${texts[@]}" >"$tmp/want"
"$ladon" tlp decode "${hexes[@]}" >"$tmp/got" 2>"$tmp/err" || fail "decode of all vectors: exit $?"
cmp -s "$tmp/want" "$tmp/got" || fail "decode of all vectors at once differs: $(diff "$tmp/want" "$tmp/got" | head -5)"

# Bad input: exit status 2, nothing on stdout, one "ladon tlp: " line on stderr.
expect_bad() {
  local what=$1 needle=$2
  shift 2
  "$ladon" tlp "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  checks=$((checks + 1))
  [ "$rc" -eq 2 ] || { fail "$what: exit $rc, want 2"; return; }
  [ ! -s "$tmp/out" ] || fail "$what: printed to stdout: $(cat "$tmp/out")"
  grep -q '^ladon tlp: ' "$tmp/err" || fail "$what: stderr lacks 'ladon tlp: ': $(cat "$tmp/err")"
  grep -qF -- "$needle" "$tmp/err" || fail "$what: stderr lacks '$needle': $(cat "$tmp/err")"
}
expect_bad "odd hex digits" "odd number" decode "4000001"
expect_bad "non-hex character" "not a hex digit" decode "4000001g 0100000f 00001000"
expect_bad "truncated header" "too short" decode "400000"
expect_bad "reserved Fmt" "Table 2-2" decode "a0000001 0000000f 00001000"
expect_bad "4 KB crossing" "§2.2.7.1" decode "00000020 000000ff 00000ff0"
expect_bad "1 DW with Last BE" "§2.2.5.1" decode "00000001 000000ff 00001000"
expect_bad "64-bit header below 4 GB" "§2.2.4.1" decode "20000001 0000000f 00000000 00001000"
expect_bad "config length 2" "§2.2.7.1" decode "04000002 000000ff 04000100"
expect_bad "atomic operand size" "Table 2-15" decode "4c000003 01000600 00001000"
expect_bad "second argument bad" "argument 2" decode "00000001 0000000f 00001000" "zz"
expect_bad "no hex at all" "decode needs" decode
expect_bad "unknown type" "unknown TLP type" encode type=MRx addr=0x1000 len=4
expect_bad "unknown field" "unknown field" encode type=MRd addr=0x1000 len=4 colour=red
expect_bad "encode 4 KB crossing" "§2.2.7.1" encode type=MWr addr=0xff0 len=64 req=01:00.0
expect_bad "encode without type" "no type" encode addr=0x1000 len=4
expect_bad "unknown subcommand" "unknown subcommand" frobnicate
expect_bad "no subcommand" "decode or encode expected"

# --help succeeds and explains both subcommands.
for args in "--help" "decode --help" "encode --help"; do
  checks=$((checks + 1))
  # shellcheck disable=SC2086
  out=$("$ladon" tlp $args 2>&1) || fail "tlp $args: exit $?"
  case $out in *"ladon tlp decode"*"ladon tlp encode"*) ;; *) fail "tlp $args: no usage text" ;; esac
done
# The top-level help lists the command.
"$ladon" --help | grep -q '^  tlp ' || fail "ladon --help does not list tlp"

if [ "$fails" -ne 0 ]; then
  echo "tlp_cli: $fails of $checks checks failed" >&2
  exit 1
fi
echo "tlp_cli: $checks checks passed"
