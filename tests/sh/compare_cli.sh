#!/usr/bin/env bash
# `ladon compare`: the default configuration against the same VMs and NIC
# three switch levels down, with A's workloads and with a trace: exit 0, a
# row per flow with ratios, a per-hop breakdown whose path is one switch
# (A) or three (B) long, JSON with the same figures, identical output on a
# second run; bad input: exit 2, one message, no JSON file.
# Usage: compare_cli.sh BUILD SRC
set -euo pipefail
build=$1 src=$2
ladon=$build/ladon
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "compare_cli: FAIL: $*" >&2; fails=$((fails + 1)); }
A=$src/configs/default.json B=$src/configs/deep-switch-tree.json

out=$("$ladon" compare --help) || fail "compare --help: exit status $?"
grep -q "usage: ladon compare" <<<"$out" || fail "compare --help: no usage"

"$ladon" compare "$A" "$B" --workloads-of "$A" --json "$tmp/c.json" >"$tmp/t1.txt" ||
  fail "workloads-of: exit status $?"
"$ladon" compare "$A" "$B" --workloads-of "$A" >"$tmp/t2.txt" || fail "second run: exit status $?"
cmp -s "$tmp/t1.txt" "$tmp/t2.txt" || fail "two runs printed differently"
for flow in vm0-read vm1-write; do
  grep -q "^$flow  *[0-9.]* *[0-9.]* *[0-9.]*" "$tmp/t1.txt" || fail "no row for $flow"
done
# vm1-write's requests cross nic.up and up.up on A, and nic, t2, t1, up on B.
hops() { awk -v f="$1" -v s="$2" '$0 == f {on = 1; next} /^$/ {on = 0}
  on && ($1 == s) {side = 1} on && ($1 == "A" || $1 == "B") && $1 != s {side = 0}
  on && side && / req / {n++} END {print n + 0}' "$tmp/t1.txt"; }
[ "$(hops vm1-write A)" = 2 ] || fail "vm1-write on A: $(hops vm1-write A) request hops, expected 2"
[ "$(hops vm1-write B)" = 4 ] || fail "vm1-write on B: $(hops vm1-write B) request hops, expected 4"
python3 - "$tmp/c.json" <<'PY' || fail "JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["traffic"] == "workloads-of-a"
ids = [f["id"] for f in d["flows"]]
assert ids == ["vm0-read", "vm1-write"], ids
for f in d["flows"]:
    a, b, r = f["a"], f["b"], f["ratio"]
    assert abs(r["p50"] - b["p50_ns"] / a["p50_ns"]) < 1e-9
    assert abs(r["throughput"] - b["throughput_gbps"] / a["throughput_gbps"]) < 1e-9
    # cumulative times grow along each path; B's path is longer
    for side in (a, b):
        req = [h["cumulative_ns"] for h in side["hops"] if h["kind"] == "request"]
        assert req == sorted(req), req
    assert len(b["hops"]) > len(a["hops"])
PY
# Single-host SR-IOV against Ladon with four compute hosts: req-resp's reads
# cross an NTB to a compute host on B, and the breakdown follows them there
# (past the NTB they carry a proxy requester ID) and back.
L=$src/configs/ladon
"$ladon" compare "$L/single-host.json" "$L/ladon-4ch.json" --workloads-of "$L/single-host.json" \
  >"$tmp/ladon.txt" || fail "ladon: exit status $?"
awk '$0 == "req-resp" {on = 1} /^$/ {on = 0} on' "$tmp/ladon.txt" >"$tmp/rr.txt"
grep -Eq " req +ntb[0-9]+ -> ntb[0-9]+-b.up " "$tmp/rr.txt" || fail "ladon: no request hop past the NTB"
grep -Eq " cpl +ch[0-9]+ -> ntb[0-9]+-b.down " "$tmp/rr.txt" || fail "ladon: no completion hop from the compute host"
[ "$(grep -c "ntb" "$tmp/rr.txt")" = 4 ] || fail "ladon: req-resp crosses one NTB: $(cat "$tmp/rr.txt")"

# Where "no penalty" stops holding: read streams bound by their outstanding
# reads, not the link, lose throughput to the longer Ladon round trip.
O=$L/limits/outstanding-reads.json
"$ladon" compare "$O" "$L/ladon-2ch.json" --workloads-of "$O" --json "$tmp/o.json" \
  >/dev/null || fail "outstanding reads: exit status $?"
python3 - "$tmp/o.json" <<'PY' || fail "outstanding reads: Ladon costs them nothing"
import json, sys
d = {f["id"]: f for f in json.load(open(sys.argv[1]))["flows"]}
for flow in ("reads-4", "reads-32"):
    r = d[flow]["ratio"]
    assert r["throughput"] < 0.95 and r["p50"] > 1.05, (flow, r)
PY

# With a trace recorded on the NIC's link, both replay it.
"$ladon" compare "$src/configs/replay/req-resp.json" "$src/configs/replay/req-resp.json" \
  --trace "$src/traces/req-resp.ltr.gz" >"$tmp/same.txt" || fail "trace: exit status $?"
grep -Eq "^replay.nic0.vf0 +([0-9.]+ +){2}1.000 +([0-9.]+ +){2}1.000 +([0-9.]+ +){2}1.000$" "$tmp/same.txt" ||
  fail "the same fabric twice: ratios are not 1: $(grep '^replay.nic0.vf0' "$tmp/same.txt")"

expect_bad() {
  local name=$1 where=$2
  shift 2
  local rc=0
  "$ladon" compare "$@" --json "$tmp/bad.json" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
  [ "$rc" = 2 ] || fail "$name: exit status $rc, expected 2"
  [ "$(wc -l <"$tmp/stderr")" = 1 ] || fail "$name: stderr is not one line: $(cat "$tmp/stderr")"
  case "$(cat "$tmp/stderr")" in
    "$where"*) ;;
    *) fail "$name: stderr '$(cat "$tmp/stderr")' does not start with '$where'" ;;
  esac
  [ ! -s "$tmp/stdout" ] || fail "$name: wrote to stdout"
  [ ! -e "$tmp/bad.json" ] || fail "$name: left the JSON file"
}
# B without vm1: A's workload vm1-write targets it.
sed -e 's/"vm1"/"vmX"/' "$B" >"$tmp/novm1.json"
expect_bad "missing VM" "$A:" "$A" "$tmp/novm1.json" --workloads-of "$A"
grep -q "VM 'vm1'" "$tmp/stderr" || fail "missing VM: not named: $(cat "$tmp/stderr")"
# B's NIC with fewer VFs: vf11 does not exist.
sed -e 's/"total_vfs": 16, "num_vfs": 12/"total_vfs": 4, "num_vfs": 4/' -e 's/nic0.vf11/nic0.vf1/' "$B" >"$tmp/fewvfs.json"
expect_bad "missing VF" "$A:" "$A" "$tmp/fewvfs.json" --workloads-of "$A"
grep -q "'nic0.vf11'" "$tmp/stderr" || fail "missing VF: not named: $(cat "$tmp/stderr")"
expect_bad "no traffic" "ladon compare:" "$A" "$B"
expect_bad "both" "ladon compare:" "$A" "$B" --workloads-of "$A" --trace x.ltr
expect_bad "bad trace" "$tmp/none.ltr" "$A" "$B" --trace "$tmp/none.ltr"

if [ "$fails" != 0 ]; then
  echo "compare_cli: $fails failure(s)" >&2
  exit 1
fi
echo "compare_cli: all checks passed"
