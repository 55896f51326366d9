#include "proc_masks.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <berth/sdk/docker_paths.h>
#include <berth/sdk/in_root.hpp>
#include "child_error.h"
#include "mount.h"

namespace berth::native::proc_masks {

namespace {

int32_t mount_at(int root_fd, const char *path, const char *fstype, unsigned long flags,
                 berth_error *err) {
  int fd = sdk::open_in_root(root_fd, path, sdk::InRootCreate::directory);
  if (fd < 0) return child_fail(err, -fd, "open in rootfs", path);
  sdk::FdPath target(fd);
  int rc = ::mount(fstype, target.c_str(), fstype, flags, nullptr);
  int e = errno;
  ::close(fd);
  if (rc != 0) return child_fail(err, e, fstype, path);
  return BERTH_OK;
}

int32_t mask(const char *path, berth_error *err) {
  int fd = ::open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return BERTH_OK;
    return child_fail(err, errno, "open masked path", path);
  }
  struct stat st;
  int rc = ::fstat(fd, &st);
  if (rc == 0) {
    sdk::FdPath target(fd);
    if (S_ISDIR(st.st_mode))
      rc = ::mount("tmpfs", target.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                   nullptr);
    else
      rc = ::mount("/dev/null", target.c_str(), nullptr, MS_BIND, nullptr);
  }
  int e = errno;
  ::close(fd);
  if (rc != 0) return child_fail(err, e, "mask", path);
  return BERTH_OK;
}

int32_t make_readonly(const char *path, berth_error *err) {
  int fd = ::open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return BERTH_OK;
    return child_fail(err, errno, "open read-only path", path);
  }
  sdk::FdPath self(fd);
  int rc = ::mount(self.c_str(), self.c_str(), nullptr, MS_BIND | MS_REC, nullptr);
  int e = errno;
  ::close(fd);
  if (rc != 0) return child_fail(err, e, "bind mount onto itself", path);
  // The new mount: open the path again. mount_setattr only adds RDONLY, so
  // the nosuid/nodev/noexec inherited from /proc stay.
  fd = ::open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return child_fail(err, errno, "open read-only path", path);
  e = rootfs::make_readonly(fd, true);
  ::close(fd);
  if (e != 0) return child_fail(err, e, "mount_setattr read-only", path);
  return BERTH_OK;
}

}  // namespace

int32_t mount_proc_sys(int root_fd, berth_error *err) {
  if (int32_t rc = mount_at(root_fd, "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, err))
    return rc;
  return mount_at(root_fd, "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
}

int32_t apply_masks(berth_error *err) {
  for (const char *path : berth_masked_paths)
    if (int32_t rc = mask(path, err)) return rc;
  for (const char *path : berth_readonly_paths)
    if (int32_t rc = make_readonly(path, err)) return rc;
  return BERTH_OK;
}

}  // namespace berth::native::proc_masks
