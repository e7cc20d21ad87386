#!/usr/bin/env bash
# `ladon trace convert|stats`: round trips between the formats give back the
# same text, stats print the figures of a fixture whose counts are known,
# and bad input gives exit status 2, one line FILE:LINE: message, and no
# output file.  Usage: trace_cli.sh BUILD SRC
set -euo pipefail
build=$1 src=$2
ladon=$build/ladon
data=$src/tests/data/trace
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "trace_cli: FAIL: $*" >&2; fails=$((fails + 1)); }

# expect_bad NAME WHERE ARGS...: exit 2, exactly one stderr line starting
# with WHERE, nothing on stdout, no file left in $tmp/out.
expect_bad() {
  local name=$1 where=$2
  shift 2
  rm -rf "$tmp/out" && mkdir "$tmp/out"
  local rc=0
  "$ladon" trace "$@" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
  [ "$rc" = 2 ] || fail "$name: exit status $rc, expected 2"
  [ "$(wc -l <"$tmp/stderr")" = 1 ] || fail "$name: stderr is not one line: $(cat "$tmp/stderr")"
  case "$(cat "$tmp/stderr")" in
    "$where"*) ;;
    *) fail "$name: stderr '$(cat "$tmp/stderr")' does not start with '$where'" ;;
  esac
  [ ! -s "$tmp/stdout" ] || fail "$name: wrote to stdout"
  [ -z "$(ls -A "$tmp/out")" ] || fail "$name: left files behind: $(ls -A "$tmp/out")"
}

# --help on each command.
for cmd in "" convert stats; do
  # shellcheck disable=SC2086
  out=$("$ladon" trace $cmd --help) || fail "trace $cmd --help: exit status $?"
  grep -q "usage: ladon trace" <<<"$out" || fail "trace $cmd --help: no usage"
done

# Round trips: the writer's text through binary and gzip and back is the
# same text, byte for byte.
"$ladon" trace convert "$data/basic.ltr" "$tmp/a.ltr"
"$ladon" trace convert "$tmp/a.ltr" "$tmp/b.ltb.gz"
"$ladon" trace convert "$tmp/b.ltb.gz" "$tmp/c.ltr.gz"
"$ladon" trace convert "$tmp/c.ltr.gz" "$tmp/d.ltb"
"$ladon" trace convert "$tmp/d.ltb" "$tmp/e.ltr"
cmp -s "$tmp/a.ltr" "$tmp/e.ltr" || fail "ltr -> ltb.gz -> ltr.gz -> ltb -> ltr changed the text"
[ "$(head -c 2 "$tmp/b.ltb.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "b.ltb.gz is not gzip"
[ "$(head -c 4 "$tmp/d.ltb" | od -An -c | tr -d ' ')" = '211LTB' ] || fail "d.ltb has no .ltb magic"
[ "$(grep -vc '^#' "$tmp/a.ltr")" = 10 ] || fail "basic.ltr: expected 10 TLP lines"
# --format overrides the name; the reader ignores names.
"$ladon" trace convert --format ltb "$tmp/a.ltr" "$tmp/f.dat"
"$ladon" trace convert "$tmp/f.dat" "$tmp/g.ltr"
cmp -s "$tmp/a.ltr" "$tmp/g.ltr" || fail "--format ltb round trip changed the text"

# Stats of the fixture: 10 MWr of 256 B from nic0, 4 MRd of 128 B from
# 03:10.6, 4 CplD of 128 B from host, one TLP every 50 ns from 0 to 850 ns.
# Rate: 17 TLPs after the first in 850 ns = 2e7 TLPs/s; data bytes after
# the first TLP (a 256 B MWr): 9 * 256 + 4 * 128 = 2816 B in 850 ns =
# 3.3129 GB/s.
"$ladon" trace stats "$data/stats.ltr" >"$tmp/stats"
for want in \
  "tlps         18" \
  "bytes        3584 (data 3072)" \
  "time         0 .. 850000 ps (span 850000 ps)" \
  "rate         2e+07 TLPs/s, 3.3129 GB/s"; do
  grep -qxF "$want" "$tmp/stats" || fail "stats: no line '$want'"
done
grep -Eq '^MWr +10 +2560$' "$tmp/stats" || fail "stats: MWr row"
grep -Eq '^MRd +4 +512$' "$tmp/stats" || fail "stats: MRd row"
grep -Eq '^CplD +4 +512$' "$tmp/stats" || fail "stats: CplD row"
grep -Eq '^nic0 +10 +2560$' "$tmp/stats" || fail "stats: nic0 row"
grep -Eq '^03:10.6 +4 +512$' "$tmp/stats" || fail "stats: 03:10.6 row"
grep -Eq '^host +4 +512$' "$tmp/stats" || fail "stats: host row"
# The same figures from the binary gzip form.
"$ladon" trace convert "$data/stats.ltr" "$tmp/stats.ltb.gz"
"$ladon" trace stats "$tmp/stats.ltb.gz" | tail -n +2 >"$tmp/stats2"
tail -n +2 "$tmp/stats" | cmp -s - "$tmp/stats2" || fail "stats differ between ltr and ltb.gz"

# Imports.
"$ladon" trace convert --from csv --map "$data/analyzer-map.json" "$data/analyzer.csv" "$tmp/csv.ltr"
[ "$(grep -vc '^#' "$tmp/csv.ltr")" = 4 ] || fail "csv import: expected 4 TLPs"
"$ladon" trace convert --from mmiotrace --src 00:00.0 "$data/mmiotrace.txt" "$tmp/mmio.ltb"
"$ladon" trace stats "$tmp/mmio.ltb" | grep -Eq '^00:00.0 +5 +19$' ||
  fail "mmiotrace import: expected 5 TLPs of 4+4+1+2+8 = 19 bytes from 00:00.0"

# Bad input: exit 2, one line FILE:LINE: message, no output left.
expect_bad "time back" "$data/bad-time.ltr:8: time goes back: t_ps 100000 is before 150000" \
  convert "$data/bad-time.ltr" "$tmp/out/x.ltb"
expect_bad "time back (stats)" "$data/bad-time.ltr:8:" stats "$data/bad-time.ltr"
printf '#ladon-trace 1\n#t_ps\tsrc\ttype\taddr\tlen\n0\ta\tMRead\t0x0\t4\n' >"$tmp/type.ltr"
expect_bad "bad type" "$tmp/type.ltr:3:5: type: 'MRead'" convert "$tmp/type.ltr" "$tmp/out/x.ltr"
printf 'hello\n' >"$tmp/magic.ltr"
expect_bad "not a trace" "$tmp/magic.ltr: not a Ladon trace" convert "$tmp/magic.ltr" "$tmp/out/x.ltr"
"$ladon" trace convert "$data/stats.ltr" "$tmp/big.ltr.gz"
size=$(wc -c <"$tmp/big.ltr.gz")
head -c $((size - 6)) "$tmp/big.ltr.gz" >"$tmp/cut.ltr.gz"
expect_bad "truncated gzip" "$tmp/cut.ltr.gz: truncated gzip stream" convert "$tmp/cut.ltr.gz" "$tmp/out/x.ltr"
expect_bad "missing file" "$tmp/none.ltr: cannot open" convert "$tmp/none.ltr" "$tmp/out/x.ltr"
expect_bad "csv without map" "ladon trace convert: --from csv needs --map" \
  convert --from csv "$data/analyzer.csv" "$tmp/out/x.ltr"
expect_bad "unknown option" "ladon trace stats: unknown option '--fast'" stats --fast "$data/stats.ltr"
expect_bad "unknown output format" "$tmp/out/x.txt: cannot tell the trace format" \
  convert "$data/stats.ltr" "$tmp/out/x.txt"
# A failed convert leaves an existing output as it was.
echo old >"$tmp/keep.ltr"
"$ladon" trace convert "$data/bad-time.ltr" "$tmp/keep.ltr" 2>/dev/null && fail "bad input converted"
[ "$(cat "$tmp/keep.ltr")" = old ] || fail "a failed convert changed the existing output"
[ -z "$(find "$tmp" -name '*.tmp-*')" ] || fail "temporary files left: $(find "$tmp" -name '*.tmp-*')"

if [ "$fails" != 0 ]; then
  echo "trace_cli: $fails failure(s)" >&2
  exit 1
fi
echo "trace_cli: all checks passed"
