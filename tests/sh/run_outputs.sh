#!/usr/bin/env bash
# `ladon run` outputs beyond the stats: the --timeline Chrome trace-event
# JSON (fields per phase, no overlapping slices on a track, every async
# begin ended, every flow end started, one slice per delivered TLP as the
# link counters say, the cap), and the output options' bad input.
# Usage: run_outputs.sh BUILD SRC
set -uo pipefail
build=$1 src=$2
ladon="$build/ladon"
[ -x "$ladon" ] || { echo "run_outputs: $ladon not built" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "run_outputs: FAIL: $*" >&2; fails=$((fails + 1)); }
cfg="$src/configs/default.json"

check_timeline='
import json, sys
tl = json.load(open(sys.argv[1]))
stats = json.load(open(sys.argv[2])) if len(sys.argv) > 2 else None
ev = tl["traceEvents"]
need = {"X": ["name", "pid", "tid", "ts", "dur"], "b": ["name", "cat", "id", "ts", "pid"],
        "e": ["name", "cat", "id", "ts", "pid"], "s": ["name", "cat", "id", "ts", "pid", "tid"],
        "f": ["name", "cat", "id", "ts", "pid", "tid", "bp"], "C": ["name", "ts", "pid", "args"],
        "M": ["name", "pid", "args"]}
errs = []
names, slices, begins, ends, starts, fins = {}, {}, {}, {}, set(), set()
for e in ev:
    ph = e.get("ph")
    if ph not in need:
        errs.append("unknown phase %r" % ph); continue
    errs += ["%s event without %s: %r" % (ph, k, e) for k in need[ph] if k not in e]
    if ph != "M" and not (isinstance(e.get("ts"), (int, float)) and e["ts"] >= 0):
        errs.append("bad ts %r" % e)
    if ph == "M" and e["name"] == "thread_name":
        names[e["tid"]] = e["args"]["name"]
    elif ph == "X":
        if e["dur"] < 0: errs.append("negative slice %r" % e)
        slices.setdefault(e["tid"], []).append((e["ts"], e["ts"] + e["dur"]))
        if not e["args"]["tlp"].startswith(e["name"] + " "): errs.append("args %r" % e)
    elif ph == "b":
        if e["id"] in begins: errs.append("async id %s begun twice" % e["id"])
        begins[e["id"]] = e["ts"]
    elif ph == "e":
        ends[e["id"]] = e["ts"]
    elif ph == "s": starts.add(e["id"])
    elif ph == "f": fins.add(e["id"])
    elif ph == "C":
        if not all(isinstance(v, (int, float)) for v in e["args"].values()): errs.append("counter %r" % e)
for tid, s in slices.items():
    s.sort()
    for (a0, a1), (b0, b1) in zip(s, s[1:]):
        if b0 < a1 - 1e-9: errs.append("track %s: slices overlap at %s" % (tid, b0)); break
    if tid not in names: errs.append("track %s has no thread_name" % tid)
if set(begins) != set(ends): errs.append("async begins without end: %d" % len(set(begins) ^ set(ends)))
errs += ["request %s ends before it begins" % i for i in begins if i in ends and ends[i] < begins[i]]
if not fins <= starts: errs.append("flow ends without start")
if stats is not None:
    if not begins or not fins: errs.append("no requests or no flows")
    for l in stats["links"]:
        tid = [t for t, n in names.items() if n == "link %s.%s" % (l["id"], l["dir"])]
        got = len(slices.get(tid[0], [])) if tid else -1
        want = l["tlps"] - tl["otherData"]["tlps_at_open"]["%s.%s" % (l["id"], l["dir"])]
        if l["replays"] == 0 and (got != want or want == 0):
            errs.append("link %s.%s: %d slices, %d TLPs" % (l["id"], l["dir"], got, want))
    if tl["otherData"]["truncated"]: errs.append("truncated")
if errs:
    sys.exit("\n".join(errs[:10]))
print(len(ev), "events", len(begins), "requests")
'

# Link utilisation counts from the end of configuration: in
# configs/default.json vm0's reads fill the NIC link's downstream direction
# with completions the whole time the workloads run (46.7 Gb/s of 64 B
# completions: 46.7 x (64 + 24) / 64 = 64 Gb/s of wire time, a Gen3 x8
# link's 63 Gb/s), while enumeration before them took about a third of the
# simulated time; so the figure is near 1, not near 2/3.
"$ladon" run -q "$cfg" --outdir "$tmp/u" || fail "default run: exit $?"
python3 - "$tmp/u/stats.json" <<'PY' || fail "utilisation counts enumeration time"
import json, sys
d = json.load(open(sys.argv[1]))
u = {(l["id"], l["dir"]): l["utilization"] for l in d["links"]}
assert 0.9 < u[("nic", "down")] <= 1.0, u
PY

# A run that stops long after its workloads' last transfer (their counts
# end them within a millisecond), so that no TLP is left on a wire: every
# TLP delivered after the timeline started is one slice (no bit errors, so
# no replays).
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["stop_at"] = "5ms"
json.dump(d, open(sys.argv[2], "w"))
' "$cfg" "$tmp/idle.json"
"$ladon" run -q "$tmp/idle.json" --outdir "$tmp/a" --timeline "$tmp/a/t.json" ||
  fail "run with --timeline: exit $?"
python3 -c "$check_timeline" "$tmp/a/t.json" "$tmp/a/stats.json" || fail "timeline"

# --record: a trace of every TLP delivered on the link (both directions, or
# one), as many as the link's counter grew by while recording (the counter
# at the start comes from the timeline of the same run).
"$ladon" run -q "$tmp/idle.json" --outdir "$tmp/r" --timeline "$tmp/r/t.json" \
    --record "nic=$tmp/r/nic.ltr.gz" --record "up.up=$tmp/r/upup.ltb" ||
  fail "run with --record: exit $?"
for spec in nic:nic.ltr.gz up.up:upup.ltb; do
  link=${spec%%:*} file=${spec#*:}
  n=$("$ladon" trace stats "$tmp/r/$file" | awk '$1 == "tlps" {print $2}')
  want=$(python3 -c '
import json, sys
s = json.load(open(sys.argv[1])); t = json.load(open(sys.argv[2]))
name, _, d = sys.argv[3].partition(".")
n = 0
for l in s["links"]:
    if l["id"] == name and d in ("", l["dir"]):
        n += l["tlps"] - t["otherData"]["tlps_at_open"][l["id"] + "." + l["dir"]]
print(n)
' "$tmp/r/stats.json" "$tmp/r/t.json" "$link")
  [ -n "$n" ] && [ "$n" = "$want" ] && [ "$n" -gt 0 ] ||
    fail "--record $link: trace has '$n' TLPs, link counter says $want"
done
# The recorded directions: only "up" in up.up.
"$ladon" trace convert "$tmp/r/upup.ltb" "$tmp/r/upup.ltr" || fail "trace convert"
grep -v '^#' "$tmp/r/upup.ltr" | awk -F'\t' '$15 != "up" || $16 != "up" {bad = 1} END {exit bad}' ||
  fail "up.up recorded other links or directions"

# --vcd: IEEE 1364 §18 structure: declarations, $enddefinitions, $dumpvars
# of every variable, strictly increasing timestamps, changes only of
# declared variables, 1-bit wires only 0/1; two wires and two counters per
# link; every direction that carried TLPs was busy at least once.
"$ladon" run -q "$tmp/idle.json" --outdir "$tmp/v" --vcd "$tmp/v/w.vcd" ||
  fail "run with --vcd: exit $?"
python3 -c '
import json, re, sys
text = open(sys.argv[1]).read()
stats = json.load(open(sys.argv[2]))
head, sep, body = text.partition("$enddefinitions $end")
assert sep, "no $enddefinitions"
assert re.search(r"\$timescale\s+1 ps\s+\$end", head), "timescale"
decl = {}
scope = []
for m in re.finditer(r"\$(scope|upscope|var)\s*(.*?)\s*\$end", head, re.S):
    kind, rest = m.groups()
    if kind == "scope": scope.append(rest.split()[1])
    elif kind == "upscope": scope.pop()
    else:
        vtype, width, ident, name = rest.split()
        decl[ident] = (int(width), ".".join(scope[1:] + [name]))
assert not scope, "unbalanced scopes"
assert len(decl) == 2 * len(stats["links"]), (len(decl), len(stats["links"]))
toks = body.split()
assert toks[0] == "#0" and toks[1] == "$dumpvars", toks[:2]
end = toks.index("$end")
dumped = set()
def change(tok, nxt):
    if tok[0] in "01xz": return tok[1:], tok[0], 1
    return nxt, tok[1:], 2
i = 2
while i < end:
    ident, val, k = change(toks[i], toks[i + 1] if i + 1 < len(toks) else "")
    dumped.add(ident); i += k
assert dumped == set(decl), "dumpvars does not cover every variable"
t, rises, i = 0, {}, end + 1
val = {x: "0" for x in decl}
while i < len(toks):
    tok = toks[i]
    if tok[0] == "#":
        nt = int(tok[1:])
        assert nt > t, "time goes back or repeats at %s" % tok
        t = nt; i += 1; continue
    ident, v, k = change(tok, toks[i + 1] if i + 1 < len(toks) else "")
    assert ident in decl, "undeclared %r" % ident
    width, name = decl[ident]
    if width == 1:
        assert v in "01", (name, v)
        if v == "1" and val[ident] == "0": rises[name] = rises.get(name, 0) + 1
    val[ident] = v; i += k
for l in stats["links"]:
    name = "%s.%s_busy" % (l["id"], l["dir"])
    assert l["tlps"] == 0 or rises.get(name, 0) > 0, "%s never busy" % name
    assert rises.get(name, 0) <= l["tlps"], "%s busy more often than TLPs" % name
assert all(v == "0" for x, v in val.items() if decl[x][0] == 1), "a wire ends busy"
' "$tmp/v/w.vcd" "$tmp/v/stats.json" || fail "vcd"
"$ladon" run -q "$cfg" --outdir "$tmp/c" --vcd "$tmp/c/w.txt" 2>/dev/null
[ $? -eq 2 ] || fail "--vcd w.txt accepted"

# The cap: still valid JSON, with every begun request ended, and says so.
"$ladon" run -q "$cfg" --outdir "$tmp/b" --timeline "$tmp/b/t.json" \
    --timeline-max 100 || fail "run with --timeline-max: exit $?"
python3 -c "$check_timeline" "$tmp/b/t.json" >/dev/null || fail "capped timeline"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
o = d["otherData"]
assert o["truncated"] is True and o["dropped_events"] > 0, o
assert sum(e["ph"] not in "Me" for e in d["traceEvents"]) <= 100
' "$tmp/b/t.json" || fail "capped timeline does not say it is truncated"

# Bad output options: exit 2 before anything is written.
"$ladon" run -q "$cfg" --outdir "$tmp/c" --timeline "$tmp/c/t.txt" 2>/dev/null
[ $? -eq 2 ] || fail "--timeline t.txt accepted"
"$ladon" run -q "$cfg" --outdir "$tmp/c" --timeline-max 0 2>/dev/null
[ $? -eq 2 ] || fail "--timeline-max 0 accepted"
"$ladon" run -q "$cfg" --outdir "$tmp/c" --record nic 2>/dev/null
[ $? -eq 2 ] || fail "--record without =FILE accepted"
[ -e "$tmp/c" ] && fail "outputs written after bad options"
"$ladon" run -q "$cfg" --outdir "$tmp/d" --record "nope.up=$tmp/d/x.ltr" \
    --timeline "$tmp/d/t.json" 2>"$tmp/d.err"
[ $? -eq 2 ] || fail "--record on a missing link accepted"
grep -q "no link 'nope'" "$tmp/d.err" || fail "--record missing link: $(cat "$tmp/d.err")"
[ -n "$(ls -A "$tmp/d" 2>/dev/null)" ] && fail "outputs left after a bad --record: $(ls "$tmp/d")"

echo "run_outputs: $fails failures"
[ "$fails" -eq 0 ]
