#!/usr/bin/env bash
# `ladon replay`: every sample trace of traces/ replays on the topology it
# was recorded on (configs/replay/) with exit status 0, the outputs, a
# replay flow per requester with captured latencies, and byte-identical
# statistics on a second run (but for the wall-clock figures and the
# command line); bad input gives exit status 2, one line FILE:LINE:
# message, and no output files.  Usage: replay_cli.sh BUILD SRC
set -euo pipefail
build=$1 src=$2
ladon=$build/ladon
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "replay_cli: FAIL: $*" >&2; fails=$((fails + 1)); }

# Drops what may differ between two identical runs: wall time, its rate,
# and the command line (the output directories differ).
strip() { grep -v -e '"wall_s"' -e '"events_per_wall_s"' -e '"command_line"' "$1"; }

out=$("$ladon" replay --help) || fail "replay --help: exit status $?"
grep -q "usage: ladon replay" <<<"$out" || fail "replay --help: no usage"

for name in nic-bulk req-resp raw-dma; do
  topo=$src/configs/replay/$name.json trace=$src/traces/$name.ltr.gz
  for run in 1 2; do
    rc=0
    "$ladon" replay "$topo" "$trace" --outdir "$tmp/$name-$run" --stats "$tmp/$name-$run.csv" \
      >"$tmp/$name-$run.txt" 2>"$tmp/err" || rc=$?
    [ "$rc" = 0 ] || fail "$name: exit status $rc: $(cat "$tmp/err")"
  done
  for f in stats.json resolved.json; do
    [ -s "$tmp/$name-1/$f" ] || fail "$name: no $f"
  done
  [ -s "$tmp/$name-1.csv" ] || fail "$name: no --stats CSV"
  cmp -s <(strip "$tmp/$name-1/stats.json") <(strip "$tmp/$name-2/stats.json") ||
    fail "$name: two runs gave different statistics"
  cmp -s "$tmp/$name-1.txt" "$tmp/$name-2.txt" || fail "$name: two runs printed differently"
  grep -q '"id": "replay.nic0.vf0"' "$tmp/$name-1/stats.json" || fail "$name: no replay flow"
  grep -q '"captured_latency_ns"' "$tmp/$name-1/stats.json" || fail "$name: no captured latency"
  grep -q "^replay (open loop): .* 0 errors$" "$tmp/$name-1.txt" ||
    fail "$name: errors or unfinished: $(grep '^replay' "$tmp/$name-1.txt")"
  # Every request line of the trace was replayed: the trace's MRd + MWr.
  want=$(zcat "$trace" | awk -F'\t' '$3 == "MRd" || $3 == "MWr"' | wc -l)
  grep -q "records, $want requests," "$tmp/$name-1.txt" ||
    fail "$name: expected $want requests: $(grep '^replay' "$tmp/$name-1.txt")"
done
# Closed loop replays the same requests.
"$ladon" replay "$src/configs/replay/req-resp.json" "$src/traces/req-resp.ltr.gz" --closed-loop \
  --outdir "$tmp/closed" >"$tmp/closed.txt" || fail "closed loop: exit status $?"
grep -q "^replay (closed loop): 600 records, 500 requests" "$tmp/closed.txt" ||
  fail "closed loop: $(grep '^replay' "$tmp/closed.txt")"

# A Linux mmiotrace log: a CPU stores to a register of nic0's PF and polls
# it three times.  The PF's BAR0 is the first BAR enumeration places in the
# 32-bit MMIO window, which starts at the host's mmio32_base (0x80000000).
printf 'VERSION 20070824\nMAP 0.000000 1 0x80000000 0xffffc90000080000 0x20000 0x0 0\n' >"$tmp/mmio.txt"
printf 'W 4 0.000001 1 0x80000010 0x1 0x0 0\n' >>"$tmp/mmio.txt"
for t in 2 3 4; do printf 'R 4 0.00000%s 1 0x80000010 0x1 0x0 0\n' $t >>"$tmp/mmio.txt"; done
"$ladon" replay "$src/configs/replay/req-resp.json" "$tmp/mmio.txt" --from mmiotrace \
  --map cpu=mh.cpu0 --outdir "$tmp/mmio" >"$tmp/mmio.out" || fail "mmiotrace: exit status $?"
grep -q "^replay (open loop): 4 records, 4 requests, .* 0 errors$" "$tmp/mmio.out" ||
  fail "mmiotrace: $(grep '^replay' "$tmp/mmio.out")"
grep -Eq "^replay.mh.cpu0 +4 +16 " "$tmp/mmio.out" || fail "mmiotrace: $(grep '^replay.mh' "$tmp/mmio.out")"

# expect_bad NAME WHERE ARGS...: exit 2, one stderr line starting with
# WHERE, nothing on stdout, no file in the output directory.
expect_bad() {
  local name=$1 where=$2
  shift 2
  rm -rf "$tmp/out"
  local rc=0
  "$ladon" replay "$@" --outdir "$tmp/out" --stats "$tmp/out.json" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
  [ "$rc" = 2 ] || fail "$name: exit status $rc, expected 2"
  [ "$(wc -l <"$tmp/stderr")" = 1 ] || fail "$name: stderr is not one line: $(cat "$tmp/stderr")"
  case "$(cat "$tmp/stderr")" in
    "$where"*) ;;
    *) fail "$name: stderr '$(cat "$tmp/stderr")' does not start with '$where'" ;;
  esac
  [ ! -s "$tmp/stdout" ] || fail "$name: wrote to stdout"
  [ ! -e "$tmp/out" ] || fail "$name: created the output directory"
  [ ! -e "$tmp/out.json" ] || fail "$name: wrote --stats"
}
topo=$src/configs/replay/req-resp.json
head='#ladon-trace 1\n#t_ps\tsrc\ttype\taddr\tlen\n'
printf "$head"'0\tnic0.vf0\tMRd\t0x1000\t64\n5\tnic7.vf0\tMRd\t0x1000\t64\n' >"$tmp/unknown.ltr"
expect_bad "unknown source" "$tmp/unknown.ltr:4: source 'nic7.vf0' is not mapped" "$topo" "$tmp/unknown.ltr"
printf "$head"'0\t03:07.0\tMRd\t0x1000\t64\n' >"$tmp/norid.ltr"
expect_bad "unknown routing ID" "$tmp/norid.ltr:3: source '03:07.0' is not mapped" "$topo" "$tmp/norid.ltr"
printf "$head"'0\tnic0.vf0\tMRd\t0x1000\t64\n9\tnic0.vf0\tMRead\t0x1000\t64\n' >"$tmp/malformed.ltr"
expect_bad "malformed line" "$tmp/malformed.ltr:4:" "$topo" "$tmp/malformed.ltr"
printf "$head"'9\tnic0.vf0\tMRd\t0x1000\t64\n5\tnic0.vf0\tMRd\t0x1000\t64\n' >"$tmp/back.ltr"
expect_bad "time going back" "$tmp/back.ltr:4:" "$topo" "$tmp/back.ltr"
printf "$head"'0\tnic0.vf3\tMRd\t0x1000\t64\n' >"$tmp/disabled.ltr"
expect_bad "disabled VF" "$tmp/disabled.ltr:3: source 'nic0.vf3'" "$topo" "$tmp/disabled.ltr"
expect_bad "bad --map" "ladon replay: --map x=nic9.pf" "$topo" "$tmp/unknown.ltr" --map x=nic9.pf
expect_bad "missing trace" "$tmp/none.ltr" "$topo" "$tmp/none.ltr"
expect_bad "bad topology" "$tmp/unknown.ltr" "$tmp/unknown.ltr" "$tmp/unknown.ltr"

if [ "$fails" != 0 ]; then
  echo "replay_cli: $fails failure(s)" >&2
  exit 1
fi
echo "replay_cli: all checks passed"
