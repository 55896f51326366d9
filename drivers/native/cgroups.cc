#include "cgroups.h"

#include <berth/sdk/error.hpp>

#include <string>

#include "devices.h"

namespace berth::native::cgroups {

int32_t create(const berth_container *c, const berth_spec *spec, sdk::Cgroup *out,
               berth_error *err) {
  sdk::CgroupLimits limits;
  limits.memory_bytes = spec->memory_bytes;
  limits.cpu_shares = spec->cpu_shares;
  limits.pids = spec->pids_limit;
  limits.device_allowlist = true;
  // Every process is in the container's pid namespace: SIGKILL to its init
  // ends them all (destroy), so kill_all's freezer is not needed.
  limits.freezer = false;
  if (sdk::Cgroup::create(std::string("berth/") + c->id, limits, out, err) != BERTH_OK)
    return sdk::wrap(err, "create the container's cgroup");
  if (out->devices_enforced()) return BERTH_OK;  // the v1 devices controller
  // cgroup v2: the allow-list is an eBPF program on the cgroup2 directory.
  for (const sdk::CgroupDir &dir : out->dirs())
    if (dir.controllers.empty()) return devices::restrict_v2(dir.path, err);
  return sdk::fail(err, BERTH_E_UNAVAILABLE,
                   "cannot restrict devices: neither the v1 devices controller nor cgroup2 is "
                   "mounted (mount one under /sys/fs/cgroup)");
}

}  // namespace berth::native::cgroups
