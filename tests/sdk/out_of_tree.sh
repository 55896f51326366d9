#!/bin/sh
# The SDK works out of tree: install this build tree into a temporary
# prefix, build plugin-sdk/examples/hello-driver against it with
# find_package(BerthDriverSDK), and run a container with the resulting
# example.so through `berth --driver-path`.
#   out_of_tree.sh BUILD_DIR HELLO_DRIVER_SOURCE_DIR
set -eu
build=${1:?usage: out_of_tree.sh BUILD_DIR HELLO_DRIVER_SOURCE_DIR}
source=${2:?usage: out_of_tree.sh BUILD_DIR HELLO_DRIVER_SOURCE_DIR}
berth="$build/bin/berth"
rootfs="$build/rootfs"

fail() {
  echo "out_of_tree.sh: FAIL: $*" >&2
  exit 1
}
[ -x "$berth" ] || fail "$berth does not exist: build the 'berth' target first"
[ -x "$rootfs/bin/busybox" ] || fail "$rootfs is not built: build the 'rootfs' target first"

tmp=$(mktemp -d /tmp/berth-sdk-oot.XXXXXX)
cleanup() {
  # The runs use --rm, and the example driver keeps nothing outside its
  # state dir (under $tmp/root): removing $tmp removes everything.
  rm -rf "$tmp"
}
trap cleanup EXIT

echo "== install the SDK of $build into $tmp/prefix"
cmake --install "$build" --prefix "$tmp/prefix" --component sdk >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; fail "cmake --install"; }
[ -f "$tmp/prefix/lib/cmake/BerthDriverSDK/BerthDriverSDKConfig.cmake" ] ||
  fail "the install has no BerthDriverSDKConfig.cmake"

echo "== configure and build $source against it"
cmake -S "$source" -B "$tmp/hello" -DCMAKE_PREFIX_PATH="$tmp/prefix" >"$tmp/configure.log" 2>&1 ||
  { cat "$tmp/configure.log" >&2; fail "configuring hello-driver"; }
cmake --build "$tmp/hello" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; fail "building hello-driver"; }
[ -f "$tmp/hello/example.so" ] || fail "no example.so (without lib prefix) in $tmp/hello"

echo "== run a container with the out-of-tree driver"
set +e
out=$("$berth" --root "$tmp/root" --driver-path "$tmp/hello" run --rm --exec-driver example \
  --rootfs "$rootfs" -- /bin/sh -c 'echo out-of-tree' 2>"$tmp/stderr")
status=$?
set -e
[ "$status" -eq 0 ] || { cat "$tmp/stderr" >&2; fail "berth run exited $status, expected 0"; }
[ "$out" = "out-of-tree" ] || fail "stdout was '$out', expected 'out-of-tree'"

echo "== the exit code passes through"
set +e
"$berth" --root "$tmp/root" --driver-path "$tmp/hello" run --rm --exec-driver example \
  --rootfs "$rootfs" -- /bin/sh -c 'exit 7' 2>"$tmp/stderr"
status=$?
set -e
[ "$status" -eq 7 ] || { cat "$tmp/stderr" >&2; fail "exit status $status, expected 7"; }
echo "PASS"
