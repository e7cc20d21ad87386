#!/usr/bin/env bash
# Every tests/cases/invalid/<case>/topology.json must make `ladon run` exit
# with status 2, print exactly the one line of <case>/expected.txt on
# stderr (FILE:LINE:COL: message (JSON path)), and create no output file
# (DESIGN §5: bad input never leaves a partial output).
# Usage: invalid_topologies.sh BUILD SRC
set -uo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
ladon="$build/ladon"
[ -x "$ladon" ] || { echo "invalid_topologies: $ladon not built" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0
fail() { echo "invalid_topologies: FAIL: $*" >&2; fails=$((fails + 1)); }

for dir in "$src"/tests/cases/invalid/*/; do
  case=$(basename "$dir")
  n=$((n + 1))
  out="$tmp/$case"
  mkdir -p "$out"
  # Run from the case folder so that FILE is the bare "topology.json".
  (cd "$dir" && "$ladon" run topology.json -q --outdir "$out/run" \
      --stats "$out/run/extra.csv" --timeline "$out/run/t.json" \
      --vcd "$out/run/w.vcd" --record "nic=$out/run/nic.ltr" >"$out/stdout" 2>"$out/stderr")
  rc=$?
  [ "$rc" -eq 2 ] || fail "$case: exit status $rc, want 2"
  want=$(cat "$dir/expected.txt")
  got=$(cat "$out/stderr")
  [ "$got" = "$want" ] || fail "$case: stderr
  got:  $got
  want: $want"
  [ "$(wc -l <"$out/stderr")" -eq 1 ] || fail "$case: stderr is not one line"
  [ -s "$out/stdout" ] && fail "$case: something on stdout"
  if [ -e "$out/run" ]; then
    fail "$case: output directory created: $(ls -A "$out/run" | tr '\n' ' ')"
  fi
done
[ "$n" -ge 14 ] || fail "only $n cases found"
echo "invalid_topologies: $n cases, $fails failures"
[ "$fails" -eq 0 ]
