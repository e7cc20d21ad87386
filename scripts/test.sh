#!/usr/bin/env bash
# Runs every Ladon test twice: in a -Werror build and in an ASan+UBSan build.
# Installs missing Debian packages first (scripts/setup.sh).
#   scripts/test.sh            both builds
#   LADON_TEST_VARIANTS=release scripts/test.sh   only one of them
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"

jobs=$(nproc 2>/dev/null || echo 2)
variants=${LADON_TEST_VARIANTS:-"release asan"}
for variant in $variants; do
  dir="$root/build/test-$variant"
  case $variant in
    release) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
    asan) flags=(-DCMAKE_BUILD_TYPE=Debug -DLADON_SANITIZE=ON) ;;
    *) echo "test.sh: unknown variant '$variant'" >&2; exit 2 ;;
  esac
  echo "== $variant build =="
  cmake -S "$root" -B "$dir" -DLADON_WERROR=ON "${flags[@]}" >/dev/null
  cmake --build "$dir" -j"$jobs"
  echo "== $variant tests =="
  # Installed-library tests compile against the install tree; they run once,
  # in the release build.
  exclude=()
  [ "$variant" = release ] || exclude=(-LE install)
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$dir" --output-on-failure -j"$jobs" "${exclude[@]}"
done
echo "== all tests passed =="
