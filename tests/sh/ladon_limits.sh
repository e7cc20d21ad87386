#!/usr/bin/env bash
# configs/ladon/limits: the runs docs/ladon.md uses to show where "no
# penalty" stops holding.  Each runs and checks clean; with 4 KiB IOMMU
# pages, eight VMs of 32 pages each (256 pages) overflow the management
# host's 64-entry IOTLB whether they run on the management host or on eight
# compute hosts, while each compute host's own IOTLB holds its one VM (32
# compulsory misses).  Usage: ladon_limits.sh BUILD SRC
set -uo pipefail
build=$1 src=$2
ladon="$build/ladon"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "ladon_limits: FAIL: $*" >&2; fails=$((fails + 1)); }
L=$src/configs/ladon/limits
for cfg in "$L"/*.json; do
  name=$(basename "$cfg" .json)
  "$ladon" run -q --outdir "$tmp/$name" "$cfg" >"$tmp/$name.out" 2>&1 ||
    { fail "$name: run exit $?: $(head -3 "$tmp/$name.out")"; continue; }
  "$ladon" check -q "$cfg" >"$tmp/$name.check" 2>&1 || fail "$name: check exit $?"
done
python3 - "$tmp/iotlb-single/stats.json" "$tmp/iotlb-8ch/stats.json" <<'PY' || fail "IOTLB reach"
import json, sys
for path in sys.argv[1:]:
    d = json.load(open(path))
    io = {x["host"]: x for x in d["iommus"]}
    mh = io["mh"]
    miss = mh["iotlb_misses"] / (mh["iotlb_hits"] + mh["iotlb_misses"])
    # LRU over 256 uniformly used pages with 64 entries: 1 - 64/256 = 75 %.
    assert 0.70 < miss < 0.80, (path, miss)
    for h, x in io.items():
        if h != "mh":
            assert x["iotlb_misses"] == 32, (path, h, x)
    assert len(d["flows"]) == 8 and all(f["errors"] == 0 for f in d["flows"]), path
PY
[ "$fails" = 0 ] && echo "ladon_limits: all checks passed"
exit $((fails > 0))
