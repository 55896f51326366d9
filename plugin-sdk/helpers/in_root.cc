#include <berth/sdk/in_root.hpp>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>

#include <cstdio>
#include <cstring>

namespace berth::sdk {

namespace {

int openat2_in_root(int root_fd, const char *path, int flags) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  // Magic links (/proc/self/...) inside a rootfs could point anywhere.
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long fd = ::syscall(SYS_openat2, root_fd, path, &how, sizeof how);
  return fd < 0 ? -errno : static_cast<int>(fd);
}

}  // namespace

FdPath::FdPath(int fd) {
  std::snprintf(buf, sizeof buf, "/proc/self/fd/%d", fd);
}

int open_file_in_root(int root_fd, const char *path) {
  return openat2_in_root(root_fd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
}

int open_in_root(int root_fd, const char *path, InRootCreate create) {
  int fd = openat2_in_root(root_fd, path, O_PATH);
  if (fd != -ENOENT || create == InRootCreate::none) return fd;

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

    int next = openat2_in_root(root_fd, prefix, O_PATH);
    if (next == -ENOENT) {
      int r;
      if (last && create == InRootCreate::file) {
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
      next = openat2_in_root(root_fd, prefix, O_PATH);
    }
    ::close(parent);
    if (next < 0) return next;
    parent = next;
    p = end;
  }
}

int32_t open_in_root(const std::string &root, const std::string &path, InRootCreate create,
                     UniqueFd *out, berth_error *err) {
  UniqueFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd) return fail_errno(err, errno, "open rootfs", root);
  int fd = open_in_root(root_fd.get(), path.c_str(), create);
  if (fd < 0) return fail_errno(err, -fd, "open in rootfs", path + " (rootfs " + root + ")");
  out->reset(fd);
  return BERTH_OK;
}

}  // namespace berth::sdk
