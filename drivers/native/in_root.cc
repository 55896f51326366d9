#include "in_root.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace berth::native {

namespace {

int openat2_in_root(int root_fd, const char *path) {
  struct open_how how {};
  how.flags = O_PATH | O_CLOEXEC;
  // Magic links (/proc/self/...) inside a rootfs could point anywhere.
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long fd = ::syscall(SYS_openat2, root_fd, path, &how, sizeof how);
  return fd < 0 ? -errno : static_cast<int>(fd);
}

}  // namespace

FdPath::FdPath(int fd) {
  std::snprintf(buf, sizeof buf, "/proc/self/fd/%d", fd);
}

int open_in_root(int root_fd, const char *path, Create create) {
  int fd = openat2_in_root(root_fd, path);
  if (fd != -ENOENT || create == Create::none) return fd;

  // Walk the path one component at a time, resolving each prefix inside the
  // root again (a component may be a symlink) and creating what is missing
  // in the directory the previous prefix resolved to.
  char prefix[PATH_MAX];
  size_t len = 0;
  int parent = ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
  if (parent < 0) return -errno;
  const char *p = path;
  for (;;) {
    while (*p == '/') ++p;
    if (*p == '\0') return parent;
    const char *end = std::strchr(p, '/');
    if (end == nullptr) end = p + std::strlen(p);
    size_t n = static_cast<size_t>(end - p);
    const char *rest = end;
    while (*rest == '/') ++rest;
    bool last = *rest == '\0';
    char name[NAME_MAX + 1];
    if (n > NAME_MAX || len + 1 + n >= sizeof prefix) {
      ::close(parent);
      return -ENAMETOOLONG;
    }
    std::memcpy(name, p, n);
    name[n] = '\0';
    prefix[len++] = '/';
    std::memcpy(prefix + len, p, n);
    len += n;
    prefix[len] = '\0';

    int next = openat2_in_root(root_fd, prefix);
    if (next == -ENOENT) {
      int r;
      if (last && create == Create::file) {
        r = ::openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (r >= 0) ::close(r);
      } else {
        r = ::mkdirat(parent, name, 0755);
      }
      if (r < 0 && errno != EEXIST) {
        int e = errno;
        ::close(parent);
        return -e;
      }
      next = openat2_in_root(root_fd, prefix);
    }
    ::close(parent);
    if (next < 0) return next;
    parent = next;
    p = end;
  }
}

}  // namespace berth::native
