// Docker's masked and read-only paths as LXC mount entries, applied after
// LXC's own /proc (proc:mixed: /proc/sys and /proc/sysrq-trigger already
// read-only) and /sys (sys:ro) and before the container runs:
//   - a masked file gets the host's /dev/null bound over it, a masked
//     directory an empty read-only tmpfs (/proc/kcore, /proc/keys,
//     /proc/timer_list, /sys/firmware, ...);
//   - a read-only path is bound onto itself read-only (/proc/bus, /proc/fs,
//     /proc/irq). LXC mounts the rootfs at lxc.rootfs.mount, which the
//     driver sets to the rootfs's own path, so the source of that bind is
//     the container's own procfs.
// cgroupfs is not mounted at all (no cgroup: in lxc.mount.auto).
// Paths this kernel does not have are left out (each entry costs mounts).
#pragma once

#include "lxc_config.hpp"

#include <string>
#include <vector>

namespace berth::lxc {

// Appends the entries for a container whose rootfs LXC mounts at
// `rootfs_mount`. `exists` says whether the kernel has a path such as
// "/proc/kcore" (the host's view: the same kernel).
void masked_path_items(const std::string &rootfs_mount, bool (*exists)(const char *path, bool *dir),
                       std::vector<ConfigItem> *out);

// `exists` for masked_path_items: lstat of the host's path.
bool host_has_path(const char *path, bool *dir);

}  // namespace berth::lxc
