#include "machine_cgroup.hpp"

#include <berth/sdk/error.hpp>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>

namespace berth::libvirt {
namespace {

struct CgroupMount {
  std::string dir;
  std::string options;  // super options: the v1 controllers
  bool v2 = false;
};

std::vector<CgroupMount> cgroup_mounts() {
  std::vector<CgroupMount> mounts;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    // id parent maj:min root mountpoint opts [optional...] - fstype source superopts
    std::istringstream fields(line);
    std::string id, parent, dev, root, mountpoint, opts, tok;
    fields >> id >> parent >> dev >> root >> mountpoint >> opts;
    while (fields >> tok && tok != "-") {
    }
    std::string fstype, source, superopts;
    fields >> fstype >> source >> superopts;
    if (fstype == "cgroup" || fstype == "cgroup2")
      mounts.push_back({mountpoint, superopts, fstype == "cgroup2"});
  }
  return mounts;
}

bool has_option(const std::string &options, const std::string &name) {
  std::istringstream s(options);
  std::string opt;
  while (std::getline(s, opt, ','))
    if (opt == name) return true;
  return false;
}

}  // namespace

uint64_t process_start_time(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return 0;
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  // After "pid (comm) ", field 3 (state) comes first; starttime is field 22.
  for (int i = 3; i < 22; i++) rest >> field;
  uint64_t start = 0;
  rest >> start;
  return start;
}

int32_t machine_cgroup_pids(pid_t init_pid, std::vector<int64_t> *out, berth_error *err) {
  out->clear();
  const std::string self = "/proc/" + std::to_string(init_pid) + "/cgroup";
  std::ifstream in(self);
  if (!in) return sdk::fail_errno(err, errno, "open", self);
  const std::vector<CgroupMount> mounts = cgroup_mounts();
  std::string line;
  // Prefer a v1 hierarchy libvirt placed the container in (path other than
  // "/"), else the v2 one.
  while (std::getline(in, line)) {
    size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string controllers = line.substr(a + 1, b - a - 1);
    std::string path = line.substr(b + 1);
    if (path == "/") continue;
    for (const CgroupMount &m : mounts) {
      bool match =
          controllers.empty()
              ? m.v2
              : !m.v2 && has_option(m.options, controllers.substr(0, controllers.find(',')));
      if (!match) continue;
      const std::string procs = m.dir + path + "/cgroup.procs";
      std::ifstream p(procs);
      if (!p) continue;
      int64_t pid;
      while (p >> pid) out->push_back(pid);
      return BERTH_OK;
    }
  }
  return sdk::fail(err, BERTH_E_SYSTEM,
                   "no cgroup of the container's init (pid %d) found in %s and this host's "
                   "cgroup mounts",
                   static_cast<int>(init_pid), self.c_str());
}

namespace {

long oom_kill_count(const std::string &path) {
  std::ifstream in(path);
  std::string key;
  long value = 0;
  while (in >> key >> value)
    if (key == "oom_kill") return value;
  return 0;
}

}  // namespace

bool machine_cgroup_oom_killed(pid_t init_pid) {
  std::ifstream in("/proc/" + std::to_string(init_pid) + "/cgroup");
  const std::vector<CgroupMount> mounts = cgroup_mounts();
  std::string line;
  long count = 0;
  while (std::getline(in, line)) {
    size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string controllers = line.substr(a + 1, b - a - 1);
    std::string path = line.substr(b + 1);
    if (path == "/") continue;
    for (const CgroupMount &m : mounts) {
      if (controllers.empty() && m.v2)
        count += oom_kill_count(m.dir + path + "/memory.events");
      else if (!m.v2 && has_option(controllers, "memory") && has_option(m.options, "memory"))
        count += oom_kill_count(m.dir + path + "/memory.oom_control");
    }
  }
  return count > 0;
}

}  // namespace berth::libvirt
