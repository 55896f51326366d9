#include "own_cgroup.hpp"

#include "cgroup_view.hpp"

#include <berth/sdk/error.hpp>
#include <berth/sdk/file.hpp>
#include <berth/sdk/text.hpp>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include <string_view>

namespace berth::lxc {

bool berth_can_own_cgroup(const std::vector<ConfigItem> &items) {
  for (const ConfigItem &item : items) {
    // lxc.cgroup.*, lxc.cgroup2.*, lxc.cgroup.dir.*, lxc.cgroup.relative:
    // all about cgroups LXC makes.
    if (std::string_view(item.key).substr(0, 10) == "lxc.cgroup") return false;
    if (exposes_cgroupfs(item)) return false;
  }
  return true;
}

std::string own_cgroup_name(const berth_container &c) {
  return std::string("berth/") + c.id;
}

sdk::CgroupLimits own_cgroup_limits(const berth_spec &spec) {
  sdk::CgroupLimits limits;
  limits.memory_bytes = spec.memory_bytes;  // 0 here: see own_cgroup.hpp
  limits.cpu_shares = spec.cpu_shares;
  // The LXC monitor is one task of this cgroup for the container's whole
  // life (it has to be: LXC's init inherits its cgroups), and it forks
  // nothing but the init. One more than the spec's number leaves the
  // container exactly that many: LXC's init and its descendants, as in
  // LXC's own payload cgroup.
  limits.pids = spec.pids_limit > 0 ? spec.pids_limit + 1 : 0;
  limits.freezer = false;
  // Docker's device allow-list on the v1 devices controller (start() lets
  // LXC own the cgroup where there is none: lxc_config.hpp).
  limits.device_allowlist = true;
  return limits;
}

namespace {

// The error of a failed step, without allocating (the monitor is a fork).
int32_t step_failed(berth_error *err, const char *step, const char *path, int error) {
  return sdk::fail_errno_after_fork(err, BERTH_E_SYSTEM, error, step, path);
}

// Writes `text` into the file `name` below `dirfd` (AT_FDCWD: a path).
int32_t write_once(int dirfd, const char *name, const char *text, const char *what,
                   berth_error *err) {
  int fd = ::openat(dirfd, name, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return step_failed(err, "open", what, errno);
  size_t len = std::strlen(text);
  bool done = ::write(fd, text, len) == static_cast<ssize_t>(len);
  int error = errno;
  ::close(fd);
  return done ? BERTH_OK : step_failed(err, "write", what, error);
}

}  // namespace

int32_t enter_own_cgroup(const sdk::CgroupEntry &entry, bool born_in_cgroup2, berth_error *err) {
  if (int32_t rc = sdk::Cgroup::enter_self(entry, err)) return rc;
  if (entry.v2_dir && !born_in_cgroup2)
    if (int32_t rc =
            write_once(entry.v2_dir.get(), "cgroup.procs", "0", entry.v2_path.c_str(), err))
      return rc;
  return BERTH_OK;
}

}  // namespace berth::lxc
