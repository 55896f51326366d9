#include "dev.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <berth/sdk/in_root.hpp>
#include "child_error.h"

namespace berth::native::dev {

namespace {

struct Device {
  const char *name;
  unsigned major, minor;
};
// Docker's default devices (and the v1 devices cgroup allows exactly these).
constexpr Device kDevices[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                               {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};

struct Link {
  const char *target, *name;
};
constexpr Link kLinks[] = {{"/proc/self/fd", "fd"},
                           {"/proc/self/fd/0", "stdin"},
                           {"/proc/self/fd/1", "stdout"},
                           {"/proc/self/fd/2", "stderr"},
                           {"pts/ptmx", "ptmx"}};

struct SubMount {
  const char *name, *fstype;
  unsigned long flags;
  const char *data;
};
constexpr SubMount kSubMounts[] = {
    // newinstance: the container's ptys are its own, not the host's.
    {"pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5"},
    {"shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k"},
    {"mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr},
};

// Mounts `fstype` at dev/`name` (created below the fresh /dev tmpfs).
int32_t sub_mount(int dev_fd, const SubMount &m, berth_error *err) {
  if (::mkdirat(dev_fd, m.name, 0755) != 0 && errno != EEXIST)
    return child_fail(err, errno, "mkdir /dev", m.name);
  int fd = ::openat(dev_fd, m.name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return child_fail(err, errno, "open /dev", m.name);
  sdk::FdPath target(fd);
  int rc = ::mount(m.fstype, target.c_str(), m.fstype, m.flags, m.data);
  int e = errno;
  ::close(fd);
  if (rc != 0) return child_fail(err, e, "mount", m.fstype);
  return BERTH_OK;
}

// With a tty the pty slave (our stdin) is also /dev/console, as in Docker.
// The fd's mount belongs to the host's namespace (binding it would fail
// with EINVAL), so bind its path, which our copy of the host's mounts has.
int32_t bind_console(int dev_fd, berth_error *err) {
  char pty[256];
  ssize_t n = ::readlink("/proc/self/fd/0", pty, sizeof pty - 1);
  if (n <= 0) return child_fail(err, errno, "readlink", "/proc/self/fd/0 (the tty)");
  pty[n] = '\0';
  int f = ::openat(dev_fd, "console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (f < 0) return child_fail(err, errno, "create", "/dev/console");
  ::close(f);
  int fd = ::openat(dev_fd, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return child_fail(err, errno, "open", "/dev/console");
  sdk::FdPath target(fd);
  int rc = ::mount(pty, target.c_str(), nullptr, MS_BIND, nullptr);
  int e = errno;
  ::close(fd);
  if (rc != 0) return child_fail(err, e, "bind mount the tty onto /dev/console", pty);
  return BERTH_OK;
}

}  // namespace

int32_t mount_dev(const Plan &plan, int root_fd, berth_error *err) {
  int mountpoint = sdk::open_in_root(root_fd, "/dev", sdk::InRootCreate::directory);
  if (mountpoint < 0) return child_fail(err, -mountpoint, "open in rootfs", "/dev");
  sdk::FdPath target(mountpoint);
  int rc =
      ::mount("tmpfs", target.c_str(), "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
  int e = errno;
  ::close(mountpoint);
  if (rc != 0) return child_fail(err, e, "mount tmpfs", "/dev");

  // The fd above names the directory under the mount; open the new tmpfs.
  int dev_fd = sdk::open_in_root(root_fd, "/dev", sdk::InRootCreate::none);
  if (dev_fd < 0) return child_fail(err, -dev_fd, "open", "/dev");
  // O_PATH fds work as dirfd for *at calls.
  int32_t status = BERTH_OK;
  for (const Device &d : kDevices) {
    if (::mknodat(dev_fd, d.name, S_IFCHR | 0666, makedev(d.major, d.minor)) != 0) {
      status = child_fail(err, errno, "mknod /dev", d.name);
      break;
    }
  }
  for (const Link &l : kLinks) {
    if (status != BERTH_OK) break;
    if (::symlinkat(l.target, dev_fd, l.name) != 0)
      status = child_fail(err, errno, "symlink /dev", l.name);
  }
  for (const SubMount &m : kSubMounts) {
    if (status != BERTH_OK) break;
    status = sub_mount(dev_fd, m, err);
  }
  if (status == BERTH_OK && plan.tty) status = bind_console(dev_fd, err);
  ::close(dev_fd);
  return status;
}

}  // namespace berth::native::dev
