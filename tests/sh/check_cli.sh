#!/usr/bin/env bash
# `ladon check` on the cases of tests/cases/check/<case>/: topology.json and
# expect.txt, whose first line is the exit status (0 isolation holds, 1
# violations, 2 bad input) and whose other lines must each appear in the
# output (stdout; for status 2 the one stderr line, exactly).  --json F is
# written whole for 0 and 1 (valid JSON, "ok" matching the status) and not
# at all for bad input.  Plus the command's own argument errors.
# Usage: check_cli.sh BUILD SRC
set -uo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
ladon="$build/ladon"
[ -x "$ladon" ] || { echo "check_cli: $ladon not built" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0
fail() { echo "check_cli: FAIL: $*" >&2; fails=$((fails + 1)); }

for dir in "$src"/tests/cases/check/*/; do
  case=$(basename "$dir")
  n=$((n + 1))
  want_rc=$(head -n 1 "$dir/expect.txt")
  (cd "$dir" && "$ladon" check topology.json --max-probes 400 --json "$tmp/$case.json" \
      >"$tmp/$case.out" 2>"$tmp/$case.err")
  rc=$?
  [ "$rc" -eq "$want_rc" ] || fail "$case: exit status $rc, want $want_rc"
  if [ "$want_rc" -eq 2 ]; then
    [ "$(cat "$tmp/$case.err")" = "$(sed -n 2p "$dir/expect.txt")" ] ||
      fail "$case: stderr '$(cat "$tmp/$case.err")'"
    [ -e "$tmp/$case.json" ] && fail "$case: --json file written for bad input"
    [ -s "$tmp/$case.out" ] && fail "$case: something on stdout"
    continue
  fi
  tail -n +2 "$dir/expect.txt" | while IFS= read -r line; do
    grep -qF -- "$line" "$tmp/$case.out" || { echo "check_cli: FAIL: $case: no '$line'" >&2; exit 1; }
  done || fails=$((fails + 1))
  python3 - "$tmp/$case.json" "$rc" <<'PY' || fail "$case: --json"
import json, sys
d = json.load(open(sys.argv[1]))
rc = int(sys.argv[2])
assert d["ok"] == (rc == 0), "ok"
s = d["summary"]
assert (s["violations"] + s["disagreements"] > 0) == (rc == 1), "summary"
assert len(d["violations"]) == s["violations"], "violations listed"
assert len(d["probes"]) == s["probes"] and 0 < s["probes"] <= 400, "probes"
assert all(v["verdict"] == "violation" and v["chain"] and v["why"] for v in d["violations"])
PY
done
[ "$n" -ge 8 ] || fail "only $n cases found"

# Argument errors: status 2, a message, no output file.
"$ladon" check >/dev/null 2>"$tmp/e1"; [ $? -eq 2 ] && grep -q "missing TOPO.json" "$tmp/e1" || fail "no topology"
"$ladon" check "$src/configs/default.json" --frobnicate >/dev/null 2>"$tmp/e2"
[ $? -eq 2 ] && grep -q "unknown option" "$tmp/e2" || fail "unknown option"
"$ladon" check "$src/configs/default.json" --max-probes 0 >/dev/null 2>&1; [ $? -eq 2 ] || fail "--max-probes 0"
"$ladon" check "$tmp/nonexistent.json" --json "$tmp/x.json" >/dev/null 2>&1
[ $? -eq 2 ] || fail "missing file"
[ -e "$tmp/x.json" ] && fail "--json written for a missing topology"
"$ladon" check --help | grep -q "exit status" || fail "--help"
# The probe cap and the summary.
out=$("$ladon" check "$src/configs/default.json" --max-probes 25)
[ $? -eq 0 ] || fail "default.json does not hold"
echo "$out" | grep -q "isolation holds: .* 25 probes" || fail "cap of 25 probes: $out"
echo "check_cli: $n cases, $fails failures"
[ "$fails" -eq 0 ]
