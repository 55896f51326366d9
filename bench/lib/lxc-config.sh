# shellcheck shell=bash
# Writes the LXC configuration lxc-execute runs: the same isolation as the OCI
# bundle as far as LXC expresses it (all namespaces LXC creates by default:
# pid, mount, uts, ipc, net with loopback only, cgroup), the rootfs with
# /proc, /sys read-only, /dev populated by autodev; Docker's default capability
# set kept, everything else dropped; the seccomp deny-list in
# denied-syscalls.txt (EPERM); memory 64 MiB and pids 64 on whichever cgroup
# hierarchy owns those controllers (v1 keys or cgroup2 keys).
# lxc-execute adds its own init (init.lxc.static) as pid 1.

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

# write_lxc_seccomp FILE DENYLIST_FILE: LXC's version-2 seccomp format.
write_lxc_seccomp() {
  local file=$1 denylist=$2
  {
    echo 2
    echo denylist
    echo '[all]'
    grep -v -e '^#' -e '^$' "$denylist" | sed 's/$/ errno 1/'
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
