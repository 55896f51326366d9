#!/bin/sh
# The suite on a busy host (issue 12): unrelated containers sleep on every
# driver, in a state root of their own, while two copies of a test binary
# run at once. Both copies must pass, and the unrelated containers must
# still be running afterwards (no test may touch what it did not create).
#
#   concurrently.sh BERTH ROOTFS DRIVERS(comma-separated) TEST_BINARY [gtest args...]
set -eu
berth=$1 rootfs=$2 drivers=$3 binary=$4
shift 4

other=$(mktemp -d /tmp/berth-concurrently.XXXXXX)
logs=$(mktemp -d /tmp/berth-concurrently-logs.XXXXXX)
cleanup() {
  for name in $started; do
    "$berth" --root "$other" rm -f "$name" >/dev/null 2>&1 ||
      echo "concurrently.sh: berth rm -f $name failed" >&2
  done
  rm -rf "$other" "$logs"
}
started=""
trap cleanup EXIT INT TERM
for d in $(echo "$drivers" | tr ',' ' '); do
  "$berth" --root "$other" run -d --name "other-$d" --exec-driver "$d" --rootfs "$rootfs" \
    -- /bin/sleep 3600 >/dev/null
  started="$started other-$d"
done

"$binary" "$@" >"$logs/a" 2>&1 &
a=$!
"$binary" "$@" >"$logs/b" 2>&1 &
b=$!
status=0
wait "$a" || { status=1; echo "--- first copy failed:"; tail -n 60 "$logs/a"; }
wait "$b" || { status=1; echo "--- second copy failed:"; tail -n 60 "$logs/b"; }
grep -h '^\[  PASSED  \]\|^\[  FAILED  \]' "$logs/a" "$logs/b" || true

for name in $started; do
  state=$("$berth" --root "$other" ps | awk -v n="$name" '$2 == n { $1 = $2 = $3 = ""; print }')
  case "$state" in
    *"monitor gone"*) ;;
    *running*) continue ;;
  esac
  echo "concurrently.sh: the unrelated container $name is '$state' after the suite, not running" >&2
  status=1
done
exit $status
