# shellcheck shell=bash
# Writes the LXC configuration lxc-execute runs: the same isolation as the OCI
# bundle as far as LXC expresses it (all namespaces LXC creates by default:
# pid, mount, uts, ipc, net with loopback only, cgroup), the rootfs with
# /proc, /sys read-only, /dev populated by autodev; Docker's default capability
# set kept, everything else dropped; the seccomp deny-list in
# denied-syscalls.txt (EPERM); memory 64 MiB and pids 64 on whichever cgroup
# hierarchy owns those controllers (v1 keys or cgroup2 keys); Docker's
# masked and read-only paths and device allow-list. The same posture as
# the lxc driver's (issue 11). lxc-execute adds its own init
# (init.lxc.static) as pid 1.

# cgroup_controller_version CONTROLLER -> prints 1 when a v1 hierarchy has the
# controller, 2 when the cgroup2 hierarchy does, nothing when neither.
cgroup_controller_version() {
  local ctl=$1
  if awk -v c="$ctl" '$3 == "cgroup" { n = split($4, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) f = 1 } END { exit !f }' /proc/mounts; then
    echo 1
    return
  fi
  local v2
  v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
  if [ -n "$v2" ] && grep -qw "$ctl" "$v2/cgroup.controllers" 2>/dev/null; then
    echo 2
  fi
}

# write_lxc_seccomp FILE DENYLIST_FILE: LXC's version-2 seccomp format, the
# same profile the lxc driver generates for Docker's capabilities
# (drivers/lxc/seccomp_profile.cc): the deny-list plus the native driver's
# other never-allowed calls, clone with a CLONE_NEW* flag, clone3 (ENOSYS)
# and personality outside Docker's personas (32 masked comparisons: one
# per rule is all libseccomp takes).
write_lxc_seccomp() {
  local file=$1 denylist=$2
  {
    echo 2
    echo denylist
    echo '[all]'
    {
      grep -v -e '^#' -e '^$' "$denylist"
      printf '%s\n' io_uring_setup io_uring_enter io_uring_register afs_syscall tuxcall \
        security vserver getpmsg putpmsg umount mount_setattr quotactl_fd fanotify_init syslog \
        pidfd_getfd adjtimex stime vhangup
    } | sort -u | sed 's/$/ errno 1/'
    local flag
    for flag in 0x20000 0x4000000 0x8000000 0x10000000 0x20000000 0x40000000 0x2000000; do
      echo "clone errno 1 [0,$flag,SCMP_CMP_MASKED_EQ,$flag]"
    done
    echo 'clone3 errno 38'
    local bit set next
    for bit in $(seq 0 31); do
      [ "$bit" = 3 ] || [ "$bit" = 17 ] || {
        set=$((1 << bit))
        next=$((1 << ((bit + 1) % 32)))
        printf 'personality errno 1 [0,0x%x,SCMP_CMP_MASKED_EQ,0x%x]\n' "$set" $((set | next))
      }
    done
    echo 'personality errno 1 [0,0xc,SCMP_CMP_MASKED_EQ,0x1c]'
    echo 'personality errno 1 [0,0x30000,SCMP_CMP_MASKED_EQ,0x70000]'
  } > "$file"
}

# write_lxc_config FILE ROOTFS SECCOMP_FILE
write_lxc_config() {
  local file=$1 rootfs=$2 seccomp=$3
  local mem pids
  mem=$(cgroup_controller_version memory)
  pids=$(cgroup_controller_version pids)
  {
    echo "lxc.rootfs.path = dir:$rootfs"
    echo "lxc.uts.name = bench"
    echo "lxc.net.0.type = empty"
    echo "lxc.autodev = 1"
    echo "lxc.mount.auto = proc:mixed sys:ro"
    echo "lxc.pty.max = 1"
    echo "lxc.tty.max = 0"
    echo "lxc.apparmor.profile = unconfined"
    echo "lxc.cap.keep = chown dac_override fsetid fowner mknod net_raw setgid setuid setfcap setpcap net_bind_service sys_chroot kill audit_write"
    echo "lxc.no_new_privs = 1"
    echo "lxc.seccomp.profile = $seccomp"
    # Docker's masked and read-only paths, as the lxc driver mounts them
    # (drivers/lxc/masked_paths.cc): the rootfs mounted onto itself, so the
    # read-only binds name the container's own procfs.
    echo "lxc.rootfs.mount = $rootfs"
    local p
    for p in /proc/asound /proc/acpi /proc/kcore /proc/keys /proc/latency_stats \
      /proc/timer_list /proc/timer_stats /proc/sched_debug /proc/scsi /sys/firmware \
      /sys/devices/virtual/powercap; do
      if [ -d "$p" ] && [ ! -L "$p" ]; then
        echo "lxc.mount.entry = tmpfs ${p#/} tmpfs ro,nosuid,nodev,noexec,optional 0 0"
      elif [ -e "$p" ]; then
        echo "lxc.mount.entry = /dev/null ${p#/} none bind,optional 0 0"
      fi
    done
    for p in /proc/bus /proc/fs /proc/irq; do
      [ -e "$p" ] && echo "lxc.mount.entry = $rootfs$p ${p#/} none bind,ro,nosuid,nodev,noexec,optional 0 0"
    done
    case $mem in
      1) echo "lxc.cgroup.memory.limit_in_bytes = 67108864" ;;
      2) echo "lxc.cgroup2.memory.max = 67108864" ;;
    esac
    case $pids in
      1) echo "lxc.cgroup.pids.max = 64" ;;
      2) echo "lxc.cgroup2.pids.max = 64" ;;
    esac
    # Docker's default device allow-list, like the OCI runtimes apply.
    local devices
    devices=$(cgroup_controller_version devices)
    local prefix=
    case $devices in
      1) prefix=lxc.cgroup.devices ;;
      *) prefix=lxc.cgroup2.devices ;;
    esac
    echo "$prefix.deny = a"
    local rule
    for rule in "c 1:3 rwm" "c 1:5 rwm" "c 1:7 rwm" "c 1:8 rwm" "c 1:9 rwm" "c 5:0 rwm" \
      "c 5:1 rwm" "c 5:2 rwm" "c 136:* rwm" "c 10:200 rwm"; do
      echo "$prefix.allow = $rule"
    done
  } > "$file"
}
