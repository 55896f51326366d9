// Paths inside the container's root, resolved so they can never land on the
// host: openat2(RESOLVE_IN_ROOT) treats the root fd as "/" for every
// symlink and "..", so a rootfs whose /mnt is a symlink to /etc still mounts
// inside the rootfs. Allocation-free: used by the cloned child.
#pragma once

namespace berth::native {

enum class Create { none, directory, file };

// Opens `path` (absolute, as seen inside the container) below `root_fd` with
// O_PATH|O_CLOEXEC. With `create`, missing components are made as
// directories, and the last one as `create` says (an empty file for a
// file bind mount). Returns the fd, or -errno.
int open_in_root(int root_fd, const char *path, Create create);

// "/proc/self/fd/N": a mount(2) source or target naming exactly that fd.
struct FdPath {
  explicit FdPath(int fd);
  const char *c_str() const { return buf; }
  char buf[32];
};

}  // namespace berth::native
