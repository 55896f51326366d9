#!/bin/sh
# The whole test suite, from a fresh machine: set-up (packages, build,
# rootfs), the services the tests need (scripts/services/*.sh), ctest, and
# the services stopped again whatever happened. Run as root.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BERTH_BUILD:-$top/build}

"$top/scripts/setup.sh"

started=""
stop_services() {
  for s in $started; do sh "$s" stop || echo "test.sh: stopping $s failed" >&2; done
}
trap stop_services EXIT INT TERM
for s in "$top"/scripts/services/*.sh; do
  [ -e "$s" ] || continue
  # One already running (someone else's) is used and left running: the
  # suite stops only what it started.
  if sh "$s" status >/dev/null 2>&1; then continue; fi
  # A service the tests need that does not start fails the run loudly.
  sh "$s" start
  started="$s $started"
done

cd "$build"
ctest --output-on-failure --timeout 600 -j2
