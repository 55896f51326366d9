// Translation of a berth spec into LXC configuration items (key = value, in
// the order they are applied with lxc_container::set_config_item). Pure: no
// liblxc call, so it is testable and runs before anything is created.
#pragma once

#include <berth/driver.h>
#include <berth/sdk/capabilities.hpp>
#include <berth/sdk/cgroup.hpp>

#include <linux/capability.h>

#include <string>
#include <vector>

namespace berth::lxc {

struct ConfigItem {
  std::string key;
  std::string value;
};

// Who makes the container's cgroup (own_cgroup.hpp).
enum class CgroupOwner { lxc, berth };

// What start() found on the host for the spec, besides the spec itself.
struct ConfigInputs {
  const sdk::CgroupMounts *mounts = nullptr;
  CgroupOwner owner = CgroupOwner::berth;
  // Each spec mount's resolved destination below the rootfs
  // (prepare_mount_points).
  std::vector<std::string> mount_destinations;
  // lxc.seccomp.profile: a path LXC reads in its monitor ("" for none).
  std::string seccomp_profile;
  // Whether this kernel has a masked path (masked_paths.hpp).
  bool (*path_exists)(const char *path, bool *dir) = nullptr;
  // The final capability set and the kernel's last capability
  // (capability_mask), computed once per start.
  uint64_t capabilities = sdk::docker_default_capabilities();
  int last_capability = CAP_LAST_CAP;
};

// Fills *out with every item the spec needs. When LXC owns the cgroup,
// `mounts` decides whether the resource limits and the device allow-list go
// to lxc.cgroup.* (the controller sits on a v1 hierarchy) or lxc.cgroup2.*
// (it is enabled on the cgroup2 one); when berth does, they are only
// checked (berth applies them). The spec's raw driver_options come last,
// untouched. BERTH_E_INVALID names a bad field, BERTH_E_UNSUPPORTED a limit
// whose controller is mounted nowhere. Pure given `in`.
int32_t build_config(const berth_spec &spec, const ConfigInputs &in, std::vector<ConfigItem> *out,
                     berth_error *err);

// The container's final capability set as bits (capability N is bit N),
// as on native and libvirt: sdk::plan_capabilities. *last is the highest
// capability the kernel knows.
int32_t capability_mask(const berth_spec &spec, uint64_t *mask, int *last, berth_error *err);

// Whether berth's own cgroup can carry the device allow-list: the v1
// devices controller is mounted (sdk::Cgroup writes its rules). On cgroup2
// alone it needs an eBPF program, which LXC attaches when it owns the
// cgroup.
bool devices_enforced_by_berth(const sdk::CgroupMounts &mounts);

// A path as an fstab field (getmntent(3)'s escapes for blanks).
std::string fstab_escape(const std::string &path);

}  // namespace berth::lxc
