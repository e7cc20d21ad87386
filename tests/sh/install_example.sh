#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds examples/hello_sim.c
# against the installed library three ways: pkg-config (shared),
# find_package(ladon) shared, and find_package(ladon) static.  Each program
# must print the kernel's event order.  Usage: install_example.sh BUILD SRC
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null

expected="t=1000ps event 1
t=2000ps event 2
t=2000ps event 3
ran 3 events, now 10000ps, ladon $("$prefix/bin/ladon" version | cut -d' ' -f2)"

check() {  # name, output
  if [ "$2" != "$expected" ]; then
    printf 'install_example: %s printed\n%s\nexpected\n%s\n' "$1" "$2" "$expected" >&2
    exit 1
  fi
}

pc=$(find "$prefix" -name ladon.pc | head -n 1)
[ -n "$pc" ] || { echo "install_example: ladon.pc not installed" >&2; exit 1; }
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
libdir=$(pkg-config --variable=libdir ladon)
cc -std=c11 -Wall -Wextra -Werror -o "$tmp/hello_pc" "$src/examples/hello_sim.c" \
  $(pkg-config --cflags --libs ladon) -Wl,-rpath,"$libdir"
check pkg-config "$("$tmp/hello_pc")"

cmake -S "$src/examples" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_RPATH="$libdir" >/dev/null
cmake --build "$tmp/build" >/dev/null
check find_package "$("$tmp/build/hello_sim")"
check find_package-static "$("$tmp/build/hello_sim_static")"
# The static program must not depend on libladon.so.
if ldd "$tmp/build/hello_sim_static" | grep -q 'libladon\.so'; then
  echo "install_example: static example links libladon.so" >&2
  exit 1
fi
echo "install_example: ok"
