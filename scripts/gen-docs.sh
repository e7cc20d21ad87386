#!/bin/sh
# Regenerates docs/components/<type>.txt from the registry ('ladon list
# TYPE'), so that the parameter tables in the docs cannot drift from the
# code.  Usage: scripts/gen-docs.sh [LADON]   (default: build/ladon)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
ladon=${1:-$root/build/ladon}
out=$root/docs/components
mkdir -p "$out"
types=$("$ladon" list | sed -n 's/^\([a-z_0-9]*\): .*/\1/p')
[ -n "$types" ] || { echo "gen-docs: no types from $ladon list" >&2; exit 1; }
for t in $types; do
  "$ladon" list "$t" >"$out/$t.txt.tmp"
  mv "$out/$t.txt.tmp" "$out/$t.txt"
done
echo "gen-docs: $(echo $types | wc -w) types into docs/components/"
