# shellcheck shell=bash
# Writes the OCI bundle crun and runc run: the same isolation the native driver
# sets up for `berth run -m 64m --pids-limit 64 -- /bin/true`, so the
# comparison is like for like:
#   namespaces pid, mount, uts, ipc, net (loopback only), cgroup;
#   the rootfs as root (pivot_root), /proc, /sys read-only, /dev tmpfs with
#   the default devices, devpts, /dev/shm, /dev/mqueue; Docker's masked and
#   read-only paths; Docker's default capability set; no_new_privs; the
#   seccomp deny-list in denied-syscalls.txt (EPERM); memory 64 MiB, pids 64,
#   the devices cgroup deny-all (the runtimes add the default devices).
# No /sys/fs/cgroup mount: the native driver does not mount one either.

# write_oci_bundle BUNDLE_DIR ROOTFS CGROUPS_PATH DENYLIST_FILE
write_oci_bundle() {
  local bundle=$1 rootfs=$2 cgroups_path=$3 denylist=$4
  mkdir -p "$bundle"
  local syscalls
  syscalls=$(grep -v -e '^#' -e '^$' "$denylist" | jq -R . | jq -s -c .)
  jq -n --arg root "$rootfs" --arg cg "$cgroups_path" --argjson deny "$syscalls" '
  def caps: ["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD",
             "CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP",
             "CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"];
  {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: {uid: 0, gid: 0},
      args: ["/bin/true"],
      env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"],
      cwd: "/",
      capabilities: {bounding: caps, effective: caps, permitted: caps},
      noNewPrivileges: true
    },
    root: {path: $root, readonly: false},
    hostname: "bench",
    mounts: [
      {destination: "/proc", type: "proc", source: "proc",
       options: ["nosuid","noexec","nodev"]},
      {destination: "/dev", type: "tmpfs", source: "tmpfs",
       options: ["nosuid","strictatime","mode=755","size=65536k"]},
      {destination: "/dev/pts", type: "devpts", source: "devpts",
       options: ["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620","gid=5"]},
      {destination: "/dev/shm", type: "tmpfs", source: "shm",
       options: ["nosuid","noexec","nodev","mode=1777","size=65536k"]},
      {destination: "/dev/mqueue", type: "mqueue", source: "mqueue",
       options: ["nosuid","noexec","nodev"]},
      {destination: "/sys", type: "sysfs", source: "sysfs",
       options: ["nosuid","noexec","nodev","ro"]}
    ],
    linux: {
      cgroupsPath: $cg,
      resources: {
        devices: [{allow: false, access: "rwm"}],
        memory: {limit: 67108864},
        pids: {limit: 64}
      },
      namespaces: [{type: "pid"}, {type: "network"}, {type: "ipc"},
                   {type: "uts"}, {type: "mount"}, {type: "cgroup"}],
      maskedPaths: ["/proc/asound","/proc/acpi","/proc/kcore","/proc/keys",
                    "/proc/latency_stats","/proc/timer_list","/proc/timer_stats",
                    "/proc/sched_debug","/proc/scsi","/sys/firmware"],
      readonlyPaths: ["/proc/bus","/proc/fs","/proc/irq","/proc/sys",
                      "/proc/sysrq-trigger"],
      seccomp: {
        defaultAction: "SCMP_ACT_ALLOW",
        architectures: ["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],
        syscalls: [{names: $deny, action: "SCMP_ACT_ERRNO", errnoRet: 1}]
      }
    }
  }' > "$bundle/config.json"
}
