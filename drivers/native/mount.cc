#include "mount.h"

#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child_error.h"

namespace berth::native::rootfs {

int make_readonly(int fd, bool recursive) {
  struct mount_attr attr {};
  attr.attr_set = MOUNT_ATTR_RDONLY;
  unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  return ::syscall(SYS_mount_setattr, fd, "", flags, &attr, sizeof attr) == 0 ? 0 : errno;
}

int32_t prepare(const Plan &plan, int *root_fd, berth_error *err) {
  // The new namespace is a copy of the host's; with shared propagation our
  // mounts (and the old root's detach) would reach the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return child_fail(err, errno, "make mounts private", "/");
  const char *root = plan.rootfs.c_str();
  // pivot_root needs the new root to be a mount point.
  if (::mount(root, root, nullptr, MS_BIND | MS_REC, nullptr) != 0)
    return child_fail(err, errno, "bind mount rootfs onto itself", root);
  int fd = ::open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return child_fail(err, errno, "open rootfs", root);
  *root_fd = fd;
  return BERTH_OK;
}

int32_t pivot(int root_fd, berth_error *err) {
  if (::fchdir(root_fd) != 0) return child_fail(err, errno, "fchdir", "rootfs");
  // pivot_root(".", ".") stacks the old root on top of the new one; the
  // detach below then removes exactly the old root (no put_old directory
  // needed inside the rootfs).
  if (::syscall(SYS_pivot_root, ".", ".") != 0)
    return child_fail(err, errno, "pivot_root", "rootfs");
  if (::umount2(".", MNT_DETACH) != 0) return child_fail(err, errno, "detach old root", "/");
  if (::chdir("/") != 0) return child_fail(err, errno, "chdir", "/");
  return BERTH_OK;
}

int32_t finish(const Plan &plan, berth_error *err) {
  if (!plan.readonly_rootfs) return BERTH_OK;
  int fd = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return child_fail(err, errno, "open", "/");
  int e = make_readonly(fd, false);
  ::close(fd);
  if (e != 0) return child_fail(err, e, "mount_setattr read-only", "/");
  return BERTH_OK;
}

}  // namespace berth::native::rootfs
