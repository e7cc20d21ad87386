#!/usr/bin/env bash
# Every configs/*.json and configs/ladon/*.json runs (`ladon run -q`, exit
# 0), its stats.json parses and carries the keys DESIGN §5 promises, and
# `ladon check` finds its isolation holding (exit 0); the
# Ladon comparison set (configs/ladon) names the same flows in every file;
# and a run is deterministic: the same config twice with the same seed gives the same
# stats.json bytes once the wall-clock fields and the command line (which
# names the output directory) are removed.  Usage: configs_run.sh BUILD SRC
set -uo pipefail
build=$1 src=$2
ladon="$build/ladon"
[ -x "$ladon" ] || { echo "configs_run: $ladon not built" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0
fail() { echo "configs_run: FAIL: $*" >&2; fails=$((fails + 1)); }

check_keys='
import json, sys
d = json.load(open(sys.argv[1]))
want = {
    "meta": ["tool", "version", "seed", "topology_sha256", "command_line", "wall_s"],
    "sim": ["end_time_ps", "events", "events_per_wall_s"],
}
rows = {
    "links": ["id", "dir", "gen", "width", "utilization", "tlps", "tlp_bytes",
              "dllp_bytes", "replays", "credit_stall_ps"],
    "flows": ["id", "requests", "bytes", "throughput_gbps", "latency_ns"],
    "iommus": ["host", "iotlb_hits", "iotlb_misses", "walks", "faults"],
    "faults": ["time_ps", "where", "requester_id", "address", "access", "reason"],
}
bad = []
for k, keys in want.items():
    bad += [k + "." + x for x in keys if x not in d.get(k, {})]
for k, keys in rows.items():
    if not isinstance(d.get(k), list):
        bad.append(k + "[]")
        continue
    for i, r in enumerate(d[k]):
        bad += ["%s[%d].%s" % (k, i, x) for x in keys if x not in r]
if not d["links"]:
    bad.append("links[] is empty")
if bad:
    sys.exit("missing: " + ", ".join(bad))
'

strip='
import json, sys
d = json.load(open(sys.argv[1]))
del d["meta"]["wall_s"], d["meta"]["command_line"], d["sim"]["events_per_wall_s"]
sys.stdout.write(json.dumps(d, sort_keys=True))
'

for cfg in "$src"/configs/*.json "$src"/configs/ladon/*.json; do
  name=$(basename "$(dirname "$cfg")")-$(basename "$cfg" .json)
  n=$((n + 1))
  "$ladon" run -q --outdir "$tmp/$name" "$cfg" >"$tmp/$name.out" 2>&1 ||
    { fail "$name: exit $?: $(head -3 "$tmp/$name.out")"; continue; }
  python3 -c "$check_keys" "$tmp/$name/stats.json" || fail "$name: stats.json"
  # Every shipped fabric is configured the way it claims: isolation holds.
  "$ladon" check -q "$cfg" >"$tmp/$name.check" 2>&1 ||
    fail "$name: ladon check exit $?: $(grep -m3 VIOLATION "$tmp/$name.check")"
done
[ "$n" -gt 0 ] || fail "no configs found"
ls "$src"/configs/ladon/{single-host,ladon-2ch,ladon-4ch,ladon-8ch}.json >/dev/null ||
  fail "configs/ladon: a comparison file is missing"
# The baseline and the Ladon variants run the same traffic: flows named
# alike, of the same type, on the same function, for a VM of the same name
# holding the same functions (so that `ladon compare --workloads-of` can
# carry one file's flows to another).
python3 -c '
import json, sys
sets = {}
for path in sys.argv[1:]:
    d = json.load(open(path))
    w = d["workloads"]
    sets[path] = {k: (v["type"], v["on"], v["target"],
                      sorted(d["vms"][v["target"]]["functions"])) for k, v in w.items()}
first = next(iter(sets.values()))
for path, s in sets.items():
    if s != first:
        sys.exit("%s: flows %s differ from %s" % (path, sorted(s), sorted(first)))
' "$src"/configs/ladon/*.json || fail "configs/ladon flows differ"

# Determinism (DESIGN §2): two runs with seed 7, byte-identical remainder;
# a single-host and a Ladon (multi-domain) fabric.
for cfg in "$src/configs/default.json" "$src/configs/ladon/ladon-2ch.json"; do
  for r in a b; do
    "$ladon" run -q --seed 7 --outdir "$tmp/det-$r" "$cfg" >/dev/null 2>&1 ||
      fail "determinism run $r of $cfg failed"
    python3 -c "$strip" "$tmp/det-$r/stats.json" >"$tmp/det-$r.json" ||
      fail "determinism run $r of $cfg: bad stats.json"
  done
  cmp -s "$tmp/det-a.json" "$tmp/det-b.json" || fail "two runs of $cfg with seed 7 differ"
  [ -s "$tmp/det-a.json" ] || fail "determinism: empty comparison"
  rm -rf "$tmp/det-a" "$tmp/det-b"
done
# The schema (JSON Schema 2020-12) is JSON, names exactly the top-level keys
# the loader accepts (its key list in src/fabric/topology.c), and every
# config fits its top level and type names.  (A full validation needs
# python3-jsonschema, which the build does not require.)
schema="$src/configs/schema/topology.schema.json"
loader_keys=$(sed -n '/top_keys\[\] = {/,/};/p' "$src/src/fabric/topology.c" |
  grep -o '"[a-z_]*"' | tr -d '"' | sort | tr '\n' ' ')
[ -n "$loader_keys" ] || fail "no key list found in topology.c"
python3 -c '
import json, re, sys
schema = json.load(open(sys.argv[1]))
assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
top = schema["properties"]
if sorted(top) != sys.argv[2].split():
    sys.exit("schema keys %s, loader keys %s" % (sorted(top), sys.argv[2]))
ctypes = top["components"]["additionalProperties"]["properties"]["type"]["enum"]
wtypes = top["workloads"]["additionalProperties"]["properties"]["type"]["enum"]
time_re = re.compile(schema["$defs"]["time"]["pattern"])
for path in sys.argv[3:]:
    cfg = json.load(open(path))
    extra = set(cfg) - set(top)
    missing = set(schema["required"]) - set(cfg)
    assert not extra and not missing, (path, extra, missing)
    assert cfg["ladon"] == top["ladon"]["const"], path
    for name, c in cfg["components"].items():
        assert c["type"] in ctypes, (path, name, c["type"])
    for name, w in cfg.get("workloads", {}).items():
        assert w["type"] in wtypes, (path, name, w["type"])
    if "stop_at" in cfg:
        assert time_re.match(cfg["stop_at"]), (path, cfg["stop_at"])
' "$schema" "$loader_keys" "$src"/configs/*.json "$src"/configs/ladon/*.json || fail "schema"
# Every type in the schema is one the registry knows.
for type in $(python3 -c '
import json, sys
print(" ".join(json.load(open(sys.argv[1]))["$defs"]["type_name"]["enum"]))
' "$schema"); do
  "$ladon" list "$type" >/dev/null 2>&1 || fail "schema type '$type' unknown to 'ladon list'"
done

echo "configs_run: $n configs, $fails failures"
[ "$fails" -eq 0 ]
