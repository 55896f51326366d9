# shellcheck shell=bash
# shellcheck disable=SC2034 # the tables are read by run.sh
# The contenders: what each runs, in which mount namespace, and what
# isolation it includes. setup_contenders fills the tables below; run.sh only
# loops over them.
#
#   CONTENDER_CMD[id]   the command hyperfine times (-N: no shell around it)
#   CONTENDER_NS[id]    host | nocg2 (run inside without_cgroup2_mount)
#   CONTENDER_ISO[id]   the isolation it includes, for the table
#   CONTENDER_TOOLS[id] the tools it needs (checked before anything runs)
#   CONTENDER_BROKEN[id] why it cannot run at all (set here when known early)

ALL_CONTENDERS=(berth-native crun runc berth-lxc lxc-execute berth-libvirt virsh-create
  berth-chroot bwrap unshare-chroot berth-cli fork-exec)

declare -A CONTENDER_CMD CONTENDER_NS CONTENDER_ISO CONTENDER_TOOLS CONTENDER_BROKEN

# The isolation the native driver promises (issue 3), spelled once.
FULL_ISO="ns pid+mnt+uts+ipc+net(lo)+cgroup, pivot_root, /proc /sys(ro) /dev, masked paths, Docker caps, no_new_privs, seccomp, mem 64M, pids 64"

# setup_contenders WORK_DIR BUILD_DIR NAME_PREFIX LIBVIRT_URI
setup_contenders() {
  local work=$1 build=$2 prefix=$3 uri=$4
  local rootfs=$build/rootfs berth=$build/bin/berth
  local denylist=$BENCH_LIB/denied-syscalls.txt

  local berth_base="$berth --root $work/berth-root run --rootfs $rootfs --rm"
  local driver
  for driver in native lxc libvirt chroot; do
    local id=berth-$driver
    CONTENDER_NS[$id]=host
    CONTENDER_TOOLS[$id]=""
    if [ ! -x "$berth" ]; then
      CONTENDER_BROKEN[$id]="$berth not built (cmake --build $build --target berth)"
    elif [ ! -e "$build/lib/berth/drivers/$driver.so" ]; then
      CONTENDER_BROKEN[$id]="driver $build/lib/berth/drivers/$driver.so not built"
    fi
  done
  CONTENDER_CMD[berth-native]="$berth_base --exec-driver=native --network none -m 64m --pids-limit 64 -- /bin/true"
  CONTENDER_ISO[berth-native]="$FULL_ISO"
  CONTENDER_CMD[berth-lxc]="$berth_base --exec-driver=lxc --network none -m 64m --pids-limit 64 -- /bin/true"
  CONTENDER_ISO[berth-lxc]="what the lxc driver maps of the same spec (see lxc-execute)"
  # libvirt-lxc has no pids limit: asking for one would be refused, and the
  # virsh domain it is compared with has none either.
  CONTENDER_CMD[berth-libvirt]="$berth_base --exec-driver=libvirt --network none -m 64m -- /bin/true"
  CONTENDER_ISO[berth-libvirt]="what the libvirt driver maps of the same spec (see virsh-create)"
  # No container at all: what berth's own start costs (dynamic linking of
  # the CLI and its libraries, argument parsing), the floor under every
  # berth-* row.
  CONTENDER_CMD[berth-cli]="$berth --help"
  CONTENDER_NS[berth-cli]=host
  CONTENDER_TOOLS[berth-cli]=""
  CONTENDER_ISO[berth-cli]="no container: \`berth --help\`, the CLI's own start (the floor under the berth-* rows)"
  [ -x "$berth" ] || CONTENDER_BROKEN[berth-cli]="$berth not built (cmake --build $build --target berth)"
  CONTENDER_CMD[berth-chroot]="$berth_base --exec-driver=chroot -m 64m --pids-limit 64 -- /bin/true"
  CONTENDER_ISO[berth-chroot]="chroot(2) + memory 64M, pids 64 cgroups; no namespaces, host network, all caps, no seccomp"

  # crun and runc share one bundle; the cgroup path is unique per run.
  write_oci_bundle "$work/oci" "$rootfs" "/$prefix-oci" "$denylist"
  CONTENDER_CMD[crun]="crun run --bundle $work/oci $prefix-crun"
  CONTENDER_NS[crun]=nocg2
  CONTENDER_ISO[crun]="$FULL_ISO"
  CONTENDER_TOOLS[crun]=crun
  CONTENDER_CMD[runc]="runc run --bundle $work/oci $prefix-runc"
  CONTENDER_NS[runc]=host
  CONTENDER_ISO[runc]="$FULL_ISO"
  CONTENDER_TOOLS[runc]=runc

  mkdir -p "$work/lxc"
  write_lxc_seccomp "$work/lxc.seccomp" "$denylist"
  write_lxc_config "$work/lxc.conf" "$rootfs" "$work/lxc.seccomp"
  CONTENDER_CMD[lxc-execute]="lxc-execute -n $prefix-lxc -P $work/lxc -f $work/lxc.conf -- /bin/true"
  CONTENDER_NS[lxc-execute]=host
  CONTENDER_ISO[lxc-execute]="${FULL_ISO/pivot_root/pivot_root, init.lxc as pid 1}"
  CONTENDER_TOOLS[lxc-execute]="lxc-execute lxc-ls"

  write_libvirt_domain "$work/domain.xml" "$prefix-virsh" "$rootfs"
  write_virsh_runner "$work/virsh-run.sh" "$uri" "$work/domain.xml" "$prefix-virsh"
  CONTENDER_CMD[virsh-create]="sh $work/virsh-run.sh"
  CONTENDER_NS[virsh-create]=host
  CONTENDER_ISO[virsh-create]="libvirt-lxc: ns pid+mnt+uts+ipc+net(lo), /proc /sys(ro) /dev, libvirt's caps, mem 64M; no pids limit, no seccomp"
  CONTENDER_TOOLS[virsh-create]=virsh

  CONTENDER_CMD[bwrap]="bwrap --unshare-all --ro-bind $rootfs / --proc /proc --dev /dev /bin/true"
  CONTENDER_NS[bwrap]=host
  CONTENDER_ISO[bwrap]="ns user+pid+mnt+uts+ipc+net(lo)+cgroup, read-only rootfs, /proc /dev; no limits, no seccomp"
  CONTENDER_TOOLS[bwrap]=bwrap

  CONTENDER_CMD[unshare-chroot]="unshare --fork --pid --mount --uts --ipc --net chroot $rootfs /bin/true"
  CONTENDER_NS[unshare-chroot]=host
  CONTENDER_ISO[unshare-chroot]="ns pid+mnt+uts+ipc+net, chroot; no /proc, no limits, all caps, no seccomp"
  CONTENDER_TOOLS[unshare-chroot]="unshare chroot"

  CONTENDER_CMD[fork-exec]="$rootfs/bin/true"
  CONTENDER_NS[fork-exec]=host
  CONTENDER_ISO[fork-exec]="none (the floor: fork+exec of the same static busybox)"
  CONTENDER_TOOLS[fork-exec]=""
}

# libvirtd_answers URI: true when virsh can talk to the daemon.
libvirtd_answers() {
  virsh -q -c "$1" version >/dev/null 2>&1
}

# cleanup_contenders WORK_DIR BUILD_DIR NAME_PREFIX LIBVIRT_URI: removes
# whatever an interrupted run may have left (containers, domains, cgroups).
cleanup_contenders() {
  local work=$1 build=$2 prefix=$3 uri=$4
  if command -v crun >/dev/null; then
    without_cgroup2_mount crun delete -f "$prefix-crun" >/dev/null 2>&1 || true
  fi
  if command -v runc >/dev/null; then
    runc delete -f "$prefix-runc" >/dev/null 2>&1 || true
  fi
  if command -v lxc-stop >/dev/null && [ -d "$work/lxc" ]; then
    lxc-stop -k -n "$prefix-lxc" -P "$work/lxc" >/dev/null 2>&1 || true
  fi
  if command -v virsh >/dev/null; then
    virsh -q -c "$uri" destroy "$prefix-virsh" >/dev/null 2>&1 || true
  fi
  local cg
  for cg in /sys/fs/cgroup/*/"$prefix"-* /sys/fs/cgroup/"$prefix"-*; do
    [ -d "$cg" ] && rmdir "$cg" 2>/dev/null
  done
  return 0
}

# leftovers WORK_DIR NAME_PREFIX LIBVIRT_URI BERTH: prints one line per thing the
# run left behind (nothing when clean).
leftovers() {
  local work=$1 prefix=$2 uri=$3 berth=$4
  if [ -x "$berth" ] && [ -d "$work/berth-root" ]; then
    "$berth" --root "$work/berth-root" ps 2>/dev/null | awk "NR > 1" | sed "s/^/berth container /"
  fi
  if command -v crun >/dev/null; then
    without_cgroup2_mount crun list 2>/dev/null | awk -v p="$prefix" 'index($1, p) == 1 { print "crun container " $1 }'
  fi
  if command -v runc >/dev/null; then
    runc list -q 2>/dev/null | awk -v p="$prefix" 'index($1, p) == 1 { print "runc container " $1 }'
  fi
  if command -v lxc-ls >/dev/null && [ -d "$work/lxc" ]; then
    lxc-ls -P "$work/lxc" -1 2>/dev/null | sed 's/^/lxc container /'
  fi
  if command -v virsh >/dev/null && libvirtd_answers "$uri"; then
    virsh -q -c "$uri" list --all --name 2>/dev/null | awk -v p="$prefix" 'index($1, p) == 1 { print "libvirt domain " $1 }'
  fi
  find /sys/fs/cgroup -maxdepth 3 -type d -name "*$prefix*" 2>/dev/null | sed 's/^/cgroup /'
  awk -v w="$work" 'index($2, w) == 1 { print "mount " $2 }' /proc/self/mounts
  pgrep -f -- "$prefix" 2>/dev/null | while read -r pid; do
    [ "$pid" = $$ ] || echo "process $pid $(tr '\0' ' ' < /proc/"$pid"/cmdline 2>/dev/null)"
  done
}
