#include "binds.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <berth/sdk/in_root.hpp>
#include "child_error.h"
#include "mount.h"

namespace berth::native::binds {

namespace {

int32_t bind_one(const BindMount &m, int root_fd, berth_error *err) {
  int source = ::open(m.source.c_str(), O_PATH | O_CLOEXEC);
  if (source < 0) return child_fail(err, errno, "open bind mount source", m.source.c_str());
  struct stat st;
  if (::fstat(source, &st) != 0) {
    int e = errno;
    ::close(source);
    return child_fail(err, e, "stat bind mount source", m.source.c_str());
  }
  const char *dest = m.destination.c_str();
  int target = sdk::open_in_root(
      root_fd, dest, S_ISDIR(st.st_mode) ? sdk::InRootCreate::directory : sdk::InRootCreate::file);
  if (target < 0) {
    ::close(source);
    return child_fail(err, -target, "create bind mount destination in rootfs", dest);
  }
  sdk::FdPath from(source), to(target);
  int rc = ::mount(from.c_str(), to.c_str(), nullptr, MS_BIND | MS_REC, nullptr);
  int e = errno;
  ::close(source);
  ::close(target);
  if (rc != 0) return child_fail(err, e, "bind mount", dest);
  if (!m.readonly) return BERTH_OK;

  int mounted = sdk::open_in_root(root_fd, dest, sdk::InRootCreate::none);
  if (mounted < 0) return child_fail(err, -mounted, "open bind mount", dest);
  e = rootfs::make_readonly(mounted, true);
  ::close(mounted);
  if (e != 0) return child_fail(err, e, "mount_setattr read-only", dest);
  return BERTH_OK;
}

}  // namespace

int32_t mount_binds(const Plan &plan, int root_fd, berth_error *err) {
  for (const BindMount &m : plan.mounts)
    if (int32_t rc = bind_one(m, root_fd, err)) return rc;
  return BERTH_OK;
}

}  // namespace berth::native::binds
