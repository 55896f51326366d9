#!/bin/sh
# Interleaved A/B of two berth builds (or any two commands) on the
# benchmark's native command line: bench/ab.sh BUILD_A BUILD_B [RUNS]
# (a build dir or an install prefix: BUILD/bin/berth, BUILD/lib/berth/drivers).
# Each build gets its own state root, so their stores do not mix.
# DRIVER=lxc (default native) picks the driver (the line has -m 64m: for
# lxc that is LXC's own cgroups, see drivers/lxc/own_cgroup.hpp; libvirt
# drops --pids-limit, which libvirt-lxc has not, as run.sh does). Prints
# lib/abrun.c's line; exits 1 when a run failed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
a=${1:?usage: bench/ab.sh BUILD_A BUILD_B [RUNS]}
b=${2:?usage: bench/ab.sh BUILD_A BUILD_B [RUNS]}
runs=${3:-200}
rootfs=${ROOTFS:-$here/../build/rootfs}
work=$(mktemp -d /tmp/berth-ab.XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/abrun" "$here/lib/abrun.c"
pids="--pids-limit 64"
[ "${DRIVER:-native}" = libvirt ] && pids=
flags="run --rootfs $rootfs --rm --exec-driver=${DRIVER:-native} --network none -m 64m $pids -- /bin/true"
# shellcheck disable=SC2086 # the flags are words
"$work/abrun" "$runs" "$a/bin/berth" --root "$work/a" $flags ::: "$b/bin/berth" --root "$work/b" $flags
