#!/usr/bin/env bash
# Runs the validation tests of a build and prints the validation table of
# docs/validation.md (scenario, published value and source, simulated value,
# error, command) as Markdown, from the tests' own output: nothing is typed
# in by hand.  With --update, replaces the table between the
# "validation-table" markers of docs/validation.md instead of printing it.
#
# Usage: scripts/validation-table.sh [--update] [BUILD_DIR]   (default: build)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
build=${1:-$src/build}
tests=$build/tests
for t in test_validation_bandwidth test_validation_iommu test_validation_credits \
         test_link_validation test_host_dma; do
  [ -x "$tests/$t" ] || { echo "validation-table: $tests/$t not built" >&2; exit 1; }
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# Each test binary's output, tagged with its name; a failing test still
# reports its figures, and the table says which tests failed.
for t in test_validation_bandwidth test_validation_iommu test_validation_credits \
         test_link_validation; do
  { echo "BINARY|$t"; "$tests/$t" 2>&1 || true; } >>"$out"
done
{ echo "BINARY|test_host_dma"
  "$tests/test_host_dma" --gtest_filter='HostDma.SmallReadLatencyMatchesThePublishedMedian' 2>&1 || true
} >>"$out"

table=$(python3 - "$out" <<'EOF'
import re, sys

# Short source keys; docs/validation.md spells them out (D1..D3, M, S).
SOURCES = [
    (r"^read-", "D1 `bw_dma_sz_sweep.txt` BW_DMA_RD, HWarm"),
    (r"^write-", "D1 `bw_dma_sz_sweep.txt` BW_DMA_WR, HWarm"),
    (r"^rw-", "D1 `bw_dma_sz_sweep.txt` BW_DMA_RW, HWarm"),
    (r"^(host-)?lat-", "D1 `lat_dma_sizes.txt` Seq, HWarm, Med(ns)"),
    (r"^rcb-", "S: PCIe Base 5.0 §2.3.1.1, 20 B per CplD"),
    (r"^iommu-2m$", "D3 `bw_dma_win_sweep_rd_rnd_64.txt` HWarm, 64MB"),
    (r"^iommu-", "D2 `bw_dma_win_sweep_rd_rnd_64.txt` HWarm"),
    (r"^credits-", "S: PCIe Base 6.0 §2.6.1, C x 256 B per loop"),
    (r"^link-", "M `model/pcie.py` TLP_bw, `model/mem_bw.py` write()"),
]
ORDER = ["link-", "host-lat", "lat-", "read-", "write-", "rw-", "rcb-", "iommu-", "credits-"]

def source(rid):
    for pat, s in SOURCES:
        if re.search(pat, rid):
            return s
    return "?"

rows, failed = [], []
binary = test = None
link = re.compile(r"^Gen3 x(\d+) +(\d+) B: simulated ([\d.]+) Gb/s, (?:corrected )?model ([\d.]+)"
                  r"(?: Gb/s)? \(([-+\d.]+)%\)(?:, published model ([\d.]+))?")
tlp = re.compile(r"^Gen3 x(\d+) TLP layer: simulated ([\d.]+) Gb/s, corrected model ([\d.]+), "
                 r"published ([\d.]+)")
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    if line.startswith("BINARY|"):
        binary = line.split("|", 1)[1]
        continue
    m = re.match(r"^\[ RUN      \] (\S+)", line)
    if m:
        test = m.group(1)
        continue
    m = re.match(r"^\[  FAILED  \] (\S+) \(", line)
    if m:
        failed.append(m.group(1))
        continue
    cmd = "`%s --gtest_filter=%s`" % (binary, test)
    if line.startswith("VALIDATION|"):
        _, rid, what, pub, sim, unit, err = line.split("|")
        rows.append((rid, what, float(pub), float(sim), unit, err, cmd))
        continue
    m = link.match(line)
    if m and m.group(2) in ("64", "256"):
        w, size, sim, model, _, pub = m.groups()
        pub = float(pub) if pub else float(model)
        what = "Gen3 x%s link, saturating %s B writes both ways (Gb/s)" % (w, size)
        err = "%+.1f %%" % (100 * (float(sim) / pub - 1))
        rows.append(("link-x%s-%s" % (w, size), what, pub, float(sim), "Gb/s", err, cmd))
        continue
    m = tlp.match(line)
    if m:
        w, sim, corr, pub = m.groups()
        what = "Gen3 x%s link, TLP-layer bandwidth (Gb/s)" % w
        err = "%+.1f %%" % (100 * (float(sim) / float(pub) - 1))
        rows.append(("link-x%s-tlp" % w, what, float(pub), float(sim), "Gb/s", err, cmd))
        continue
    m = re.match(r"^64 B DMA read round trip: ([\d.]+) ns \(published median (\d+)\)", line)
    if m:
        what = "DMA read latency, 64 B, root-port harness (ns, median)"
        sim, pub = float(m.group(1)), float(m.group(2))
        rows.append(("host-lat-64", what, pub, sim, "ns",
                     "%+.1f %%" % (100 * (sim / pub - 1)), cmd))

def rank(row):
    return next((i for i, p in enumerate(ORDER) if row[0].startswith(p)), len(ORDER))
rows.sort(key=rank)  # stable: each group keeps the tests' order
print("| id | scenario | published | source | simulated | error | reproduce (BUILD/tests/...) |")
print("|---|---|---|---|---|---|---|")
for rid, what, pub, sim, unit, err, cmd in rows:
    fmt = "%.1f" if unit in ("ns", "%") else "%.2f"
    print("| %s | %s | %s | %s | %s | %s | %s |" % (rid, what, fmt % pub, source(rid),
                                                  fmt % sim, err, cmd))
if failed:
    print("\nFailed tests: " + ", ".join(sorted(set(failed))))
EOF
)

if [ "$update" = 1 ]; then
  doc=$src/docs/validation.md
  python3 - "$doc" "$table" <<'EOF'
import sys
path, table = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
begin, end = "<!-- validation-table:begin -->", "<!-- validation-table:end -->"
i, j = text.index(begin) + len(begin), text.index(end)
open(path, "w", encoding="utf-8").write(text[:i] + "\n" + table + "\n" + text[j:])
EOF
  echo "validation-table: updated $doc"
else
  printf '%s\n' "$table"
fi
