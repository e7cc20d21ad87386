#!/usr/bin/env bash
# Every calibrated preset (configs/presets/*.json; configs_run.sh covers
# configs/*.json only) is a complete topology that runs (`ladon run -q`,
# exit 0), whose workloads complete transfers without errors, and whose
# "defaults" block -- the part users copy -- has every parameter documented
# with its source in docs/validation.md (a row "| `TYPE.PARAM` |" in the
# preset's section).  Usage: presets_run.sh BUILD SRC
set -uo pipefail
build=$1 src=$2
ladon="$build/ladon"
[ -x "$ladon" ] || { echo "presets_run: $ladon not built" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0
fail() { echo "presets_run: FAIL: $*" >&2; fails=$((fails + 1)); }

for cfg in "$src"/configs/presets/*.json; do
  [ -e "$cfg" ] || break
  name=$(basename "$cfg" .json)
  n=$((n + 1))
  "$ladon" run -q --outdir "$tmp/$name" "$cfg" >"$tmp/$name.out" 2>&1 ||
    { fail "$name: exit $?: $(head -3 "$tmp/$name.out")"; continue; }
  python3 - "$tmp/$name/stats.json" "$cfg" "$src/docs/validation.md" "$name" <<'EOF' ||
import json, sys
stats, cfg, doc, name = sys.argv[1:]
d = json.load(open(stats))
flows = d.get("flows", [])
bad = []
if not flows:
    bad.append("no flows")
for f in flows:
    if f["requests"] == 0 or f["bytes"] == 0:
        bad.append("flow %s completed nothing" % f["id"])
    if f["errors"]:
        bad.append("flow %s has %d errors" % (f["id"], f["errors"]))
# Each defaults parameter has a row in the preset's section of the doc.
text = open(doc, encoding="utf-8").read()
head = "## Preset `%s`" % name
if head not in text:
    bad.append("docs/validation.md has no section '%s'" % head)
else:
    section = text.split(head, 1)[1].split("\n## ", 1)[0]
    for typ, params in json.load(open(cfg))["defaults"].items():
        for p in params:
            if "| `%s.%s` |" % (typ, p) not in section:
                bad.append("%s.%s is not documented" % (typ, p))
if bad:
    sys.exit("; ".join(bad))
EOF
    fail "$name"
done
[ "$n" -gt 0 ] || fail "no presets found"
echo "presets_run: $n presets, $fails failures"
[ "$fails" -eq 0 ]
