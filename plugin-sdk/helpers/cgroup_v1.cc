// cgroup v1 (one hierarchy per controller group), also serving the hybrid
// layout: limits go to the v1 controllers; the cgroup2 hierarchy at
// .../unified is joined too when that is safe (writable, no controllers
// delegated to it), so tools that track processes there see the container.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/file.hpp>

#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cgroup_internal.hpp"

namespace berth::sdk {

namespace {

// docker's default device allow-list (c = char, b = block, m = mknod).
const char *const kDefaultDevices[] = {
    "c *:* m",     "b *:* m",       // mknod of any device, no access
    "c 1:3 rwm",   "c 1:5 rwm",     // null, zero
    "c 1:7 rwm",   "c 1:8 rwm",     // full, random
    "c 1:9 rwm",   "c 5:0 rwm",     // urandom, tty
    "c 5:1 rwm",   "c 5:2 rwm",     // console, ptmx
    "c 136:* rwm", "c 10:200 rwm",  // pts, tun
};

// cpuset refuses tasks until cpuset.cpus and cpuset.mems are set; a fresh
// directory starts empty unless clone_children is on. Copy the parent's.
int32_t init_cpuset(const std::string &dir, berth_error *err) {
  std::string parent = dir.substr(0, dir.rfind('/'));
  for (const char *file : {"cpuset.cpus", "cpuset.mems"}) {
    std::string mine;
    if (int32_t rc = read_file(dir + "/" + file, &mine, err)) return rc;
    if (mine.find_first_not_of(" \n") != std::string::npos) continue;
    std::string value;
    if (int32_t rc = read_file(parent + "/" + file, &value, err)) return rc;
    if (int32_t rc = write_file(dir + "/" + file, value, err)) return rc;
  }
  return BERTH_OK;
}

// Makes every directory from the hierarchy root down to the leaf.
int32_t make_chain(const std::string &root, const std::string &relative_name, bool cpuset,
                   std::string *leaf, berth_error *err) {
  std::string path = root;
  size_t pos = 0;
  while (true) {
    size_t slash = relative_name.find('/', pos);
    bool last = slash == std::string::npos;
    path += "/" + relative_name.substr(pos, last ? std::string::npos : slash - pos);
    if (int32_t rc = make_cgroup_dir(path, last, err)) return rc;
    if (last) *leaf = path;  // the caller records it before anything else can fail
    if (cpuset) {
      if (int32_t rc = init_cpuset(path, err)) return rc;
    }
    if (last) return BERTH_OK;
    pos = slash + 1;
  }
}

int32_t need(const Cgroup &cg, const char *controller, const char *what, const CgroupDir **out,
             berth_error *err) {
  *out = dir_with(cg, controller);
  if (*out == nullptr)
    return fail(
        err, BERTH_E_UNAVAILABLE,
        "cannot limit %s: no cgroup v1 '%s' hierarchy is mounted (see /proc/self/mountinfo)", what,
        controller);
  return BERTH_OK;
}

int32_t apply_limits(Cgroup *cg, const CgroupLimits &limits, berth_error *err) {
  const CgroupDir *d = nullptr;
  if (limits.memory_bytes > 0) {
    if (int32_t rc = need(*cg, "memory", "memory", &d, err)) return rc;
    std::string value = std::to_string(limits.memory_bytes);
    if (int32_t rc = write_file(d->path + "/memory.limit_in_bytes", value, err)) return rc;
    // memory+swap = memory: the container cannot swap. Absent without swap
    // accounting (swapaccount=0), then there is no swap to limit.
    std::string memsw = d->path + "/memory.memsw.limit_in_bytes";
    if (path_exists(memsw)) {
      if (int32_t rc = write_file(memsw, value, err)) return rc;
    }
  }
  if (limits.cpu_shares > 0) {
    if (int32_t rc = need(*cg, "cpu", "cpu shares", &d, err)) return rc;
    if (int32_t rc = write_file(d->path + "/cpu.shares", std::to_string(limits.cpu_shares), err))
      return rc;
  }
  if (limits.pids > 0) {
    if (int32_t rc = need(*cg, "pids", "the number of processes", &d, err)) return rc;
    if (int32_t rc = write_file(d->path + "/pids.max", std::to_string(limits.pids), err)) return rc;
  }
  if (limits.device_allowlist) {
    if (int32_t rc = need(*cg, "devices", "devices", &d, err)) return rc;
    if (int32_t rc = write_file(d->path + "/devices.deny", "a", err)) return rc;
    // One rule per write(2), all through one descriptor.
    std::string allow = d->path + "/devices.allow";
    UniqueFd fd(::open(allow.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return fail_errno(err, errno, "open", allow);
    for (const char *rule : kDefaultDevices)
      if (::write(fd.get(), rule, std::strlen(rule)) < 0)
        return fail_errno(err, errno, "write", allow + " (" + rule + ")");
  }
  return BERTH_OK;
}

// Joining the hybrid cgroup2 is safe when it is writable and has no
// controllers enabled below its root: then it only groups processes and
// cannot change their limits.
bool unified_join_is_safe(const CgroupHierarchy &h) {
  if (h.readonly) return false;
  std::string enabled;
  berth_error ignored{};
  if (read_file(h.mountpoint + "/cgroup.subtree_control", &enabled, &ignored) != BERTH_OK)
    return false;
  return enabled.find_first_not_of(" \n") == std::string::npos;
}

bool is_controller_hierarchy(const CgroupHierarchy &h) {
  // Named hierarchies (name=systemd) belong to their manager, not to us.
  return !h.unified && !h.controllers.empty() && h.controllers.rfind("name=", 0) != 0;
}

// The hierarchies the container's cgroup needs: those whose controller
// enforces a limit that is set, plus one to track and kill the processes
// (freezer, which kill_all uses, unless limits.freezer is off; else pids;
// else the first controller hierarchy). Every mkdir and attach in a v1 hierarchy costs time at
// start, so the unused ones (cpuset, cpuacct, blkio, ...) are left alone: the container stays in
// the host's root group there, as under docker without those options.
std::vector<const CgroupHierarchy *> needed_v1(const CgroupMounts &mounts,
                                               const CgroupLimits &limits) {
  std::vector<const CgroupHierarchy *> out;
  auto wants = [&](const CgroupHierarchy &h) {
    return (limits.memory_bytes > 0 && has_controller(h.controllers, "memory")) ||
           (limits.cpu_shares > 0 && has_controller(h.controllers, "cpu")) ||
           (limits.pids > 0 && has_controller(h.controllers, "pids")) ||
           (limits.device_allowlist && has_controller(h.controllers, "devices"));
  };
  for (const auto &h : mounts.hierarchies)
    if (is_controller_hierarchy(h) && wants(h)) out.push_back(&h);
  for (const char *tracker : {"freezer", "pids", ""}) {
    if (!limits.freezer && std::string_view(tracker) == "freezer") continue;
    for (const auto &h : mounts.hierarchies) {
      if (!is_controller_hierarchy(h)) continue;
      if (*tracker != '\0' && !has_controller(h.controllers, tracker)) continue;
      bool have = false;
      for (const CgroupHierarchy *o : out) have = have || o == &h;
      if (!have) out.push_back(&h);
      return out;
    }
  }
  return out;
}

int32_t create_v1(const CgroupMounts &mounts, const std::string &relative_name,
                  const CgroupLimits &limits, Cgroup *cg, berth_error *err) {
  auto &dirs = CgroupAccess::dirs(*cg);
  for (const CgroupHierarchy *hp : needed_v1(mounts, limits)) {
    const CgroupHierarchy &h = *hp;
    if (h.readonly)
      return fail(err, BERTH_E_UNAVAILABLE, "cgroup hierarchy %s is mounted read-only",
                  h.mountpoint.c_str());
    std::string leaf;
    int32_t rc = make_chain(h.mountpoint, relative_name, has_controller(h.controllers, "cpuset"),
                            &leaf, err);
    if (!leaf.empty()) dirs.push_back({h.controllers, leaf});
    if (rc != BERTH_OK) return rc;
  }
  if (dirs.empty())
    return fail(err, BERTH_E_UNAVAILABLE, "no cgroup v1 controller hierarchy is mounted");
  CgroupAccess::set(*cg, &kCgroupV1Ops, mounts.layout,
                    limits.device_allowlist && dir_with(*cg, "devices") != nullptr);
  if (int32_t rc = apply_limits(cg, limits, err)) return rc;
  if (mounts.layout == CgroupLayout::hybrid) {
    for (const auto &h : mounts.hierarchies) {
      if (!h.unified || !unified_join_is_safe(h)) continue;
      std::string leaf;
      berth_error ignored{};
      int32_t rc = make_chain(h.mountpoint, relative_name, false, &leaf, &ignored);
      if (!leaf.empty()) dirs.push_back({"", leaf});
      if (rc == BERTH_E_SYSTEM && ignored.sys_errno == 0)
        return fail(err, BERTH_E_SYSTEM, "%s", ignored.message);  // leaf exists: owned by another
      // Otherwise a failure here only means we do not join the unified tree.
    }
  }
  return BERTH_OK;
}

int32_t kill_v1(Cgroup &cg, int sig, berth_error *err) {
  const CgroupDir *freezer = dir_with(cg, "freezer");
  const std::string &procs_dir = cg.dirs().front().path;
  if (freezer == nullptr || !path_exists(freezer->path)) {
    // No freezer: signal what we see, twice, to catch children forked meanwhile.
    if (int32_t rc = signal_procs(procs_dir, sig, err)) return rc;
    return signal_procs(procs_dir, sig, err);
  }
  std::string state = freezer->path + "/freezer.state";
  if (int32_t rc = write_file(state, "FROZEN", err)) return rc;
  // FREEZING -> FROZEN; signal regardless once the wait ends.
  for (int i = 0; i < 1000; ++i) {
    std::string now;
    berth_error ignored{};
    if (read_file(state, &now, &ignored) != BERTH_OK || now.rfind("FROZEN", 0) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  int32_t rc = signal_procs(procs_dir, sig, err);
  berth_error thaw_err{};
  int32_t thaw = write_file(state, "THAWED", &thaw_err);
  if (rc != BERTH_OK) return rc;
  if (thaw != BERTH_OK) {
    if (err != nullptr) *err = thaw_err;
    return thaw;
  }
  return BERTH_OK;
}

bool oom_v1(const Cgroup &cg) {
  const CgroupDir *memory = dir_with(cg, "memory");
  return memory != nullptr &&
         read_keyed_value(memory->path + "/memory.oom_control", "oom_kill") > 0;
}

}  // namespace

const CgroupOps kCgroupV1Ops = {"v1", create_v1, kill_v1, oom_v1};

}  // namespace berth::sdk
