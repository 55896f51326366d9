// The cgroup directories a live process sits in, read from /proc/PID/cgroup
// and placed under the mount points found in /proc/self/mountinfo. LXC
// chooses the container's cgroup (lxc.payload.NAME below the init cgroup);
// the driver learns it from the running init instead of guessing.
#pragma once

#include <berth/driver.h>
#include <berth/sdk/cgroup.hpp>

#include <string>
#include <vector>

namespace berth::lxc {

struct ProcessCgroups {
  std::vector<sdk::CgroupDir> dirs;  // every mounted hierarchy, v1 first
  std::string memory_dir;            // where the memory controller is; "" if none
  bool memory_unified = false;       // memory_dir is a cgroup2 directory
  std::string procs_dir;             // a directory whose cgroup.procs lists the container
};

// LEAF is the container's cgroup name (lxc.payload.NAME); lines that do not
// name it are ignored, so a hierarchy root is never returned.
int32_t process_cgroups(int64_t pid, const std::string &leaf, const sdk::CgroupMounts &mounts,
                        ProcessCgroups *out, berth_error *err);

// Whether DIR is one of the cgroups LXC makes for container NAME; destroy
// removes nothing else.
bool is_container_cgroup(const std::string &dir, const std::string &name);

// Where LXC may have made the cgroups of container NAME when none was
// recorded (a start that failed before the container ran): lxc.payload.NAME
// and lxc.monitor.NAME at the root of each mounted hierarchy and below this
// process's own cgroup there. Only names is_container_cgroup accepts.
std::vector<std::string> possible_container_cgroups(const sdk::CgroupMounts &mounts,
                                                    const std::string &name);

// Host pids listed in DIR/cgroup.procs; an already removed cgroup is empty.
std::vector<int64_t> cgroup_procs(const std::string &dir);

}  // namespace berth::lxc
