#!/usr/bin/env bash
# The shared library exports exactly the functions the public headers declare
# with LADON_API: nothing internal leaks (hidden visibility) and nothing
# declared is missing.  Usage: exported_symbols.sh BUILD SRC
set -euo pipefail
build=$1 src=$2
lib=$(find "$build" -maxdepth 1 -name 'libladon.so.*.*' | head -n 1)
[ -n "$lib" ] || { echo "exported_symbols: libladon.so not built" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ && $3 !~ /^_/ && $3 != "_init" && $3 != "_fini" {print $3}' | sort -u >"$tmp/exported"
# Every LADON_API declaration names the first ladon_ identifier followed by '('.
perl -0777 -ne 'while (/LADON_API\b[^;{]*?\b(ladon_\w+)\s*\(/g) { print "$1\n" }' \
  "$src"/include/ladon/*.h "$build"/include/ladon/*.h | sort -u >"$tmp/declared"
if ! diff -u "$tmp/declared" "$tmp/exported"; then
  echo "exported_symbols: '-' declared but not exported, '+' exported but not declared" >&2
  exit 1
fi
echo "exported_symbols: $(wc -l <"$tmp/exported") symbols, all declared"
