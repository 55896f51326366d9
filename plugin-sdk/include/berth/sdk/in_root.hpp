// Paths inside a container's root, resolved so they can never land on the
// host: openat2(RESOLVE_IN_ROOT) treats the root fd as "/" for every symlink
// and "..", so a rootfs whose /mnt is a symlink to /etc still resolves inside
// the rootfs, and magic links (/proc/self/fd/N) are refused. The core and
// every driver open mount destinations, the cwd and the rootfs's files
// through these; no string walk decides where a path lands.
#pragma once

#include <berth/driver.h>
#include <berth/sdk/fd.hpp>

#include <string>

namespace berth::sdk {

enum class InRootCreate { none, directory, file };

// Opens `path` (as seen inside the container; relative counts from "/")
// below `root_fd` with O_PATH|O_CLOEXEC. With `create`, missing components
// are made as directories (0755), and the last one as `create` says (an
// empty 0644 file for a file bind mount), each inside the root again.
// Returns the fd or -errno. Allocation-free: usable in a cloned child.
int open_in_root(int root_fd, const char *path, InRootCreate create);

// The same from the root's host path, with an error naming the root, the
// path and the errno ("open /d/evil in rootfs /x: ...").
int32_t open_in_root(const std::string &root, const std::string &path, InRootCreate create,
                     UniqueFd *out, berth_error *err);

// Opens a regular file inside the root for reading (O_RDONLY, no
// magic links, no escape). Returns the fd or -errno.
int open_file_in_root(int root_fd, const char *path);

// "/proc/self/fd/N": a mount(2) source or target, fchdir-free path or
// exec path naming exactly that fd.
struct FdPath {
  explicit FdPath(int fd);
  const char *c_str() const { return buf; }
  char buf[32];
};

}  // namespace berth::sdk
