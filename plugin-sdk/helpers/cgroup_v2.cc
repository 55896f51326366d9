// cgroup v2 (one unified hierarchy). Controllers must be enabled in
// cgroup.subtree_control of every ancestor of the container's directory.
#include <signal.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/file.hpp>

#include <berth/sdk/text.hpp>
#include <string>

#include "cgroup_internal.hpp"

namespace berth::sdk {

namespace {

bool listed(const std::string &list, const std::string &word) {
  for (const std::string &w : words(list))
    if (w == word) return true;
  return false;
}

// Enables `controllers` for the children of `dir` (those not yet enabled).
int32_t enable_controllers(const std::string &dir, const std::vector<std::string> &controllers,
                           berth_error *err) {
  std::string enabled;
  if (int32_t rc = read_file(dir + "/cgroup.subtree_control", &enabled, err)) return rc;
  for (const auto &c : controllers) {
    if (listed(enabled, c)) continue;
    if (int32_t rc = write_file(dir + "/cgroup.subtree_control", "+" + c, err)) return rc;
  }
  return BERTH_OK;
}

int32_t create_v2(const CgroupMounts &mounts, const std::string &relative_name,
                  const CgroupLimits &limits, Cgroup *cg, berth_error *err) {
  const CgroupHierarchy *unified = nullptr;
  for (const auto &h : mounts.hierarchies)
    if (h.unified) unified = &h;
  if (unified == nullptr) return fail(err, BERTH_E_UNAVAILABLE, "no cgroup2 hierarchy mounted");
  if (unified->readonly)
    return fail(err, BERTH_E_UNAVAILABLE, "cgroup2 at %s is mounted read-only",
                unified->mountpoint.c_str());

  std::vector<std::string> wanted;
  if (limits.memory_bytes > 0) wanted.push_back("memory");
  if (limits.cpu_shares > 0) wanted.push_back("cpu");
  if (limits.pids > 0) wanted.push_back("pids");
  std::string available;
  std::string root = unified->mountpoint;
  if (int32_t rc = read_file(root + "/cgroup.controllers", &available, err)) return rc;
  for (const auto &c : wanted)
    if (!listed(available, c))
      return fail(err, BERTH_E_UNAVAILABLE,
                  "cgroup2 controller '%s' is not available at %s (cgroup.controllers: %s)",
                  c.c_str(), root.c_str(), available.c_str());

  // Walk root -> leaf: enable the controllers in each ancestor, then mkdir.
  std::string path = root;
  size_t pos = 0;
  while (true) {
    if (int32_t rc = enable_controllers(path, wanted, err)) return rc;
    size_t slash = relative_name.find('/', pos);
    bool last = slash == std::string::npos;
    path += "/" + relative_name.substr(pos, last ? std::string::npos : slash - pos);
    if (int32_t rc = make_cgroup_dir(path, last, err)) return rc;
    if (last) break;
    pos = slash + 1;
  }
  CgroupAccess::dirs(*cg).push_back({"", path});

  if (limits.memory_bytes > 0) {
    if (int32_t rc = write_file(path + "/memory.max", std::to_string(limits.memory_bytes), err))
      return rc;
    if (path_exists(path + "/memory.swap.max")) {
      if (int32_t rc = write_file(path + "/memory.swap.max", "0", err)) return rc;
    }
  }
  if (limits.cpu_shares > 0) {
    if (int32_t rc = write_file(path + "/cpu.weight",
                                std::to_string(cpu_shares_to_weight(limits.cpu_shares)), err))
      return rc;
  }
  if (limits.pids > 0) {
    if (int32_t rc = write_file(path + "/pids.max", std::to_string(limits.pids), err)) return rc;
  }
  // Devices on v2 need a BPF_CGROUP_DEVICE program: not enforced here, and
  // devices_enforced() says so.
  CgroupAccess::set(*cg, &kCgroupV2Ops, CgroupLayout::v2, false);
  return BERTH_OK;
}

int32_t kill_v2(Cgroup &cg, int sig, berth_error *err) {
  const std::string &dir = cg.dirs().front().path;
  if (!path_exists(dir)) return BERTH_OK;
  if (sig == SIGKILL && path_exists(dir + "/cgroup.kill"))
    return write_file(dir + "/cgroup.kill", "1", err);
  bool freezable = path_exists(dir + "/cgroup.freeze");
  if (freezable) {
    if (int32_t rc = write_file(dir + "/cgroup.freeze", "1", err)) return rc;
    wait_for_keyed_value(dir + "/cgroup.events", "frozen", 1);
  }
  int32_t rc = signal_procs(dir, sig, err);
  if (freezable) {
    berth_error thaw_err{};
    int32_t thaw = write_file(dir + "/cgroup.freeze", "0", &thaw_err);
    if (rc == BERTH_OK && thaw != BERTH_OK) {
      if (err != nullptr) *err = thaw_err;
      return thaw;
    }
  }
  return rc;
}

bool oom_v2(const Cgroup &cg) {
  return read_keyed_value(cg.dirs().front().path + "/memory.events", "oom_kill") > 0;
}

}  // namespace

const CgroupOps kCgroupV2Ops = {"v2", create_v2, kill_v2, oom_v2};

}  // namespace berth::sdk
