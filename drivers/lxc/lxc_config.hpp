// Translation of a berth spec into LXC configuration items (key = value, in
// the order they are applied with lxc_container::set_config_item). Pure: no
// liblxc call, so it is testable and runs before anything is created.
#pragma once

#include <berth/driver.h>
#include <berth/sdk/cgroup.hpp>

#include <string>
#include <vector>

namespace berth::lxc {

struct ConfigItem {
  std::string key;
  std::string value;
};

// Who makes the container's cgroup (own_cgroup.hpp).
enum class CgroupOwner { lxc, berth };

// Fills *out with every item the spec needs. When LXC owns the cgroup,
// `mounts` decides whether the resource limits go to lxc.cgroup.* (the
// controller sits on a v1 hierarchy) or lxc.cgroup2.* (it is enabled on the
// cgroup2 one); when berth does, they are only checked (berth applies them).
// The spec's raw driver_options
// come last, untouched. BERTH_E_INVALID names a bad field,
// BERTH_E_UNSUPPORTED a limit whose controller is mounted nowhere.
int32_t build_config(const berth_spec &spec, const sdk::CgroupMounts &mounts, CgroupOwner owner,
                     std::vector<ConfigItem> *out, berth_error *err);

}  // namespace berth::lxc
