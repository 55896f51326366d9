// Internal to the helper library: the per-layout operations behind Cgroup
// (one instance in cgroup_v1.cc serving v1 and hybrid, one in cgroup_v2.cc)
// and the small file utilities they share.
#pragma once

#include <berth/sdk/cgroup.hpp>

#include <string>
#include <vector>

namespace berth::sdk {

struct CgroupOps {
  const char *name;  // "v1", "v2" (as serialized)
  // Creates the directories of `relative_name` in *cg (dirs pushed as they
  // are made, so a failing create is undone by destroying *cg) and applies
  // the limits.
  int32_t (*create)(const CgroupMounts &mounts, const std::string &relative_name,
                    const CgroupLimits &limits, Cgroup *cg, berth_error *err);
  int32_t (*kill_all)(Cgroup &cg, int sig, berth_error *err);
  bool (*oom_killed)(const Cgroup &cg);
};

extern const CgroupOps kCgroupV1Ops;  // v1 and hybrid
extern const CgroupOps kCgroupV2Ops;

// Access to Cgroup's private members for the implementation files.
struct CgroupAccess {
  static std::vector<CgroupDir> &dirs(Cgroup &cg) { return cg.dirs_; }
  static void set(Cgroup &cg, const CgroupOps *ops, CgroupLayout layout, bool devices) {
    cg.ops_ = ops;
    cg.layout_ = layout;
    cg.devices_enforced_ = devices;
  }
};

// True when the comma-separated `controllers` names `controller`.
bool has_controller(const std::string &controllers, const std::string &controller);

// The directory of the hierarchy holding `controller`, or nullptr.
const CgroupDir *dir_with(const Cgroup &cg, const std::string &controller);

// "KEY N" lines (memory.events, memory.oom_control, cgroup.events): N for
// KEY, -1 when absent or unreadable.
int64_t read_keyed_value(const std::string &file, const std::string &key);

// Reads cgroup.procs of `dir` into sorted, unique pids. A missing directory
// yields an empty list.
int32_t read_procs(const std::string &dir, std::vector<int64_t> *out, berth_error *err);

// Sends `sig` to every pid listed in `dir`/cgroup.procs. ESRCH is ignored.
int32_t signal_procs(const std::string &dir, int sig, berth_error *err);

// Makes `path` (mkdir); EEXIST is an error for the leaf, not for parents.
int32_t make_cgroup_dir(const std::string &path, bool leaf, berth_error *err);

// Waits (bounded) until `file` holds `key value` (freezer states).
bool wait_for_keyed_value(const std::string &file, const std::string &key, int64_t value);

}  // namespace berth::sdk
