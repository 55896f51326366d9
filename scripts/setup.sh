#!/bin/sh
# Everything berth needs on a fresh Debian machine, idempotently: the
# packages of every room (scripts/packages/*.txt), a build in ./build (or
# $BERTH_BUILD) and the busybox test rootfs (built by the build).
# Run as root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BERTH_BUILD:-$top/build}

if [ "$(id -u)" != 0 ]; then
  echo "setup.sh: run as root (containers need it; apt-get too)" >&2
  exit 1
fi

packages=$(cat "$top"/scripts/packages/*.txt | sed 's/#.*//' | tr -s ' \n' '\n' | sort -u | grep .)
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup.sh: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq $missing >/dev/null
fi

cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
echo "setup.sh: built $build/bin/berth, drivers in $build/lib/berth/drivers, rootfs $build/rootfs" >&2
