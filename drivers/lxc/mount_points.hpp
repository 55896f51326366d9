// Where the spec's bind mounts land, decided on the host before LXC runs.
//
// LXC's own `create=dir|file` makes a missing mount point with mkdir -p and
// open(O_CREAT) on the host path below the rootfs, following symlinks: a
// rootfs with d/evil -> /host/dir made /host/dir/created on the host. So the
// driver makes each mount point itself with sdk::open_in_root
// (openat2 RESOLVE_IN_ROOT: every symlink and ".." resolved as if the root
// were "/", nothing made outside it) and gives LXC the path it resolved to,
// free of symlinks. LXC mounts onto a destination through a
// symlink-refusing open below the rootfs (safe_mount), so a component
// swapped for a symlink in between makes the start fail instead of
// redirecting the mount.
//
// A destination below an earlier mount's destination is made in that
// mount's source (that is what the container sees there).
#pragma once

#include <berth/driver.h>

#include <string>
#include <vector>

namespace berth::lxc {

// For each spec mount, its destination as resolved inside the container,
// relative to the rootfs ("d/real/created"), the mount point made when
// missing (a directory, or an empty file for a file source). Errors name
// the mount, the path and errno.
int32_t prepare_mount_points(const berth_spec &spec, std::vector<std::string> *destinations,
                             berth_error *err);

// The working directory made when missing (as Docker and the native driver
// do), as root, in the rootfs or the mount covering it. Not below /proc,
// /sys or /dev, which LXC mounts over: there berth-lxc-init finds it or
// refuses it.
int32_t prepare_cwd(const berth_spec &spec, berth_error *err);

}  // namespace berth::lxc
