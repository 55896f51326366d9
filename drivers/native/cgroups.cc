#include "cgroups.h"

#include <berth/sdk/error.hpp>

#include <string>

namespace berth::native::cgroups {

int32_t create(const berth_container *c, const berth_spec *spec, sdk::Cgroup *out,
               berth_error *err) {
  sdk::CgroupLimits limits;
  limits.memory_bytes = spec->memory_bytes;
  limits.cpu_shares = spec->cpu_shares;
  limits.pids = spec->pids_limit;
  limits.device_allowlist = true;
  if (sdk::Cgroup::create(std::string("berth/") + c->id, limits, out, err) != BERTH_OK)
    return sdk::wrap(err, "create the container's cgroup");
  return BERTH_OK;
}

}  // namespace berth::native::cgroups
