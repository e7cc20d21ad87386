#!/usr/bin/env bash
# `ladon graph`: exit statuses (0 every domain a tree, 1 a domain that is
# not, 2 bad input), the positioned error and no output files on bad input,
# a well-formed DOT file (balanced braces, one cluster per domain, the NTBs
# between clusters) and JSON.  Graphviz is not needed.  In a build without
# the graph add-on the command must say so and exit 2.
# Usage: graph_cli.sh BUILD SRC
set -uo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
ladon="$build/ladon"
[ -x "$ladon" ] || { echo "graph_cli: $ladon not built" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "graph_cli: FAIL: $*" >&2; fails=$((fails + 1)); }

"$ladon" graph "$src/configs/default.json" >"$tmp/probe.out" 2>"$tmp/probe.err"
rc=$?
if grep -q "no graph add-on" "$tmp/probe.err"; then
  [ "$rc" -eq 2 ] || fail "without the add-on: exit status $rc, want 2"
  [ -s "$tmp/probe.out" ] && fail "without the add-on: something on stdout"
  "$ladon" graph "$src/configs/default.json" --dot "$tmp/x.dot" 2>/dev/null
  [ -e "$tmp/x.dot" ] && fail "without the add-on: a DOT file was written"
  [ "$fails" -eq 0 ] && echo "graph_cli: build without the graph add-on: ok"
  exit $((fails > 0))
fi
[ "$rc" -eq 0 ] || fail "default.json: exit status $rc, want 0"

# Every shipped configuration of the brief: a tree per domain, the DOT
# clusters counted against the domains the summary lists.
for cfg in configs/default.json configs/switch-tree.json configs/ladon/ladon-2ch.json; do
  name=$(basename "$cfg" .json)
  "$ladon" graph "$src/$cfg" --dot "$tmp/$name.dot" --json "$tmp/$name.json" \
      >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  [ "$rc" -eq 0 ] || fail "$cfg: exit status $rc ($(cat "$tmp/$name.err"))"
  grep -q "^every domain is a tree" "$tmp/$name.out" || fail "$cfg: no tree verdict"
  grep -q "^reachability before translation" "$tmp/$name.out" || fail "$cfg: no matrix before"
  grep -q "^reachability after translation" "$tmp/$name.out" || fail "$cfg: no matrix after"
  domains=$(sed -n 's/^graph: .*, \([0-9]*\) PCIe domains\{0,1\}$/\1/p' "$tmp/$name.out")
  clusters=$(grep -c 'subgraph "cluster_' "$tmp/$name.dot")
  [ "$clusters" = "$domains" ] || fail "$cfg: $clusters clusters for $domains domains"
  open=$(tr -cd '{' <"$tmp/$name.dot" | wc -c)
  close=$(tr -cd '}' <"$tmp/$name.dot" | wc -c)
  [ "$open" -eq "$close" ] || fail "$cfg: DOT braces $open { vs $close }"
  head -n 1 "$tmp/$name.dot" | grep -q '^graph "' || fail "$cfg: DOT does not start with graph"
  [ "$(tail -n 1 "$tmp/$name.dot")" = "}" ] || fail "$cfg: DOT does not end with }"
  python3 - "$tmp/$name.json" "$domains" <<'PY' || fail "$cfg: --json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is True
assert len(d["domains"]) == int(sys.argv[2])
assert len(d["paths"]) == len(d["requesters"]) * len(d["targets"])
PY
done
# ladon-2ch: three domains, the two NTBs are the only edges between them.
[ "$(grep -c 'color=red' "$tmp/ladon-2ch.dot")" -eq 2 ] || fail "ladon-2ch: NTB edges"
grep -q "^  nic0.vf0 *-> ch0 memory *links 3 switches 1 ntbs 1 " "$tmp/ladon-2ch.out" ||
  fail "ladon-2ch: vf0 -> ch0 memory hop counts"

# A second host in a domain: exit 1, the finding printed, files written.
cat >"$tmp/twohost.json" <<'J'
{"ladon": 1,
 "components": {"h0": {"type": "host"}, "h1": {"type": "host"},
                "sw0": {"type": "switch", "downstream_ports": 2}},
 "links": [{"name": "l0", "a": "h0.rp0", "b": "sw0.up"},
           {"name": "l1", "a": "h1.rp0", "b": "sw0.d0"}]}
J
"$ladon" graph "$tmp/twohost.json" --dot "$tmp/twohost.dot" >"$tmp/twohost.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "twohost: exit status $rc, want 1"
grep -q "finding: domain 'h0': a second host 'h1'" "$tmp/twohost.out" || fail "twohost: no finding"
grep -q "NOT a tree" "$tmp/twohost.dot" || fail "twohost: DOT does not mark the domain"

# Bad input: one positioned line on stderr, status 2, no output files.
printf '{"ladon": 1,\n  "components": {"h0": {"type": "hostt"}}}\n' >"$tmp/bad.json"
"$ladon" graph "$tmp/bad.json" --dot "$tmp/bad.dot" --json "$tmp/bad.out.json" \
    >"$tmp/bad.out" 2>"$tmp/bad.err"
rc=$?
[ "$rc" -eq 2 ] || fail "bad input: exit status $rc, want 2"
grep -qE "^$tmp/bad.json:2:[0-9]+: .*\(\\$" "$tmp/bad.err" || fail "bad input: stderr '$(cat "$tmp/bad.err")'"
[ "$(wc -l <"$tmp/bad.err")" -eq 1 ] || fail "bad input: more than one line on stderr"
[ -e "$tmp/bad.dot" ] && fail "bad input: DOT file written"
[ -e "$tmp/bad.out.json" ] && fail "bad input: JSON file written"
[ -s "$tmp/bad.out" ] && fail "bad input: something on stdout"
"$ladon" graph "$tmp/missing.json" 2>/dev/null; [ $? -eq 2 ] || fail "missing file: not status 2"
"$ladon" graph 2>/dev/null; [ $? -eq 2 ] || fail "no argument: not status 2"
"$ladon" graph "$src/configs/default.json" --bogus 2>/dev/null; [ $? -eq 2 ] || fail "unknown option: not status 2"
"$ladon" graph "$src/configs/default.json" --dot 2>/dev/null; [ $? -eq 2 ] || fail "--dot without file: not status 2"
"$ladon" graph --help | grep -q "usage: ladon graph" || fail "--help"

# libladon-graph exports exactly what include/ladon/graph.h declares.
glib=$(find "$build/src/graph" -maxdepth 1 -name 'libladon-graph.so.*.*' | head -n 1)
if [ -z "$glib" ]; then
  fail "libladon-graph.so not built"
else
  nm -D --defined-only "$glib" | awk '$2 ~ /^[TDBRVW]$/ && $3 !~ /^_/ {print $3}' |
    sort -u >"$tmp/gexported"
  perl -0777 -ne 'while (/LADON_GRAPH_API\b[^;{]*?\b(ladon_\w+)\s*\(/g) { print "$1\n" }' \
    "$src/include/ladon/graph.h" | sort -u >"$tmp/gdeclared"
  diff -u "$tmp/gdeclared" "$tmp/gexported" >&2 || fail "libladon-graph exports differ from graph.h"
  [ -s "$tmp/gdeclared" ] || fail "graph.h declares nothing"
fi

[ "$fails" -eq 0 ] && echo "graph_cli: ok"
exit $((fails > 0))
