#include "proc_cgroup.hpp"

#include <berth/sdk/error.hpp>
#include <berth/sdk/file.hpp>
#include <berth/sdk/text.hpp>

namespace berth::lxc {

namespace {

// One "ID:CONTROLLERS:PATH" line of /proc/PID/cgroup (CONTROLLERS empty for
// cgroup2).
struct CgroupLine {
  std::string controllers, path;
};

std::vector<CgroupLine> cgroup_lines(const std::string &text) {
  std::vector<CgroupLine> out;
  for (const std::string &line : sdk::split(text, '\n')) {
    size_t a = line.find(':');
    size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    out.push_back({line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return out;
}

// Whether a line's CONTROLLERS names hierarchy H.
bool names_hierarchy(const std::string &controllers, const sdk::CgroupHierarchy &h) {
  return controllers.empty() ? h.unified : (!h.unified && h.controllers == controllers);
}

}  // namespace

int32_t process_cgroups(int64_t pid, const std::string &leaf, const sdk::CgroupMounts &mounts,
                        ProcessCgroups *out, berth_error *err) {
  *out = {};
  std::string text;
  std::string path = "/proc/" + std::to_string(pid) + "/cgroup";
  if (int32_t rc = sdk::read_file(path, &text, err)) return rc;
  for (const CgroupLine &line : cgroup_lines(text)) {
    const std::string &controllers = line.controllers;
    std::string rel = line.path;
    // Only the container's own cgroup counts. An init that has just exited
    // shows "/" (the kernel moves exiting tasks to the root on v1); taking
    // that would make destroy kill and remove the whole hierarchy.
    size_t at = rel.find("/" + leaf);
    size_t end = at == std::string::npos ? at : at + 1 + leaf.size();
    if (end == std::string::npos || (end != rel.size() && rel[end] != '/')) continue;
    rel.resize(end);
    for (const sdk::CgroupHierarchy &h : mounts.hierarchies) {
      if (!names_hierarchy(controllers, h)) continue;
      std::string dir = h.mountpoint + rel;
      out->dirs.push_back({h.controllers, dir});
      bool has_memory = (',' + controllers + ',').find(",memory,") != std::string::npos;
      if (has_memory) out->memory_dir = dir;
      if (h.unified && out->memory_dir.empty()) {
        std::string enabled;
        berth_error ignored{};
        if (sdk::read_file(h.mountpoint + "/cgroup.controllers", &enabled, &ignored) == BERTH_OK &&
            (' ' + enabled).find(" memory") != std::string::npos) {
          out->memory_dir = dir;
          out->memory_unified = true;
        }
      }
      if (h.unified || out->procs_dir.empty()) out->procs_dir = dir;
    }
  }
  if (out->dirs.empty())
    return sdk::fail(err, BERTH_E_INTERNAL,
                     "%s: no line names %s in a mounted cgroup hierarchy (the init has exited)",
                     path.c_str(), leaf.c_str());
  return BERTH_OK;
}

bool is_container_cgroup(const std::string &dir, const std::string &name) {
  std::string base = dir.substr(dir.rfind('/') + 1);
  return base == "lxc.payload." + name || base == "lxc.monitor." + name;
}

std::vector<std::string> possible_container_cgroups(const sdk::CgroupMounts &mounts,
                                                    const std::string &name) {
  std::string own;
  berth_error ignored{};
  sdk::read_file("/proc/self/cgroup", &own, &ignored);
  std::vector<std::string> out;
  for (const sdk::CgroupHierarchy &h : mounts.hierarchies) {
    std::vector<std::string> bases = {h.mountpoint};
    for (const CgroupLine &line : cgroup_lines(own))
      if (names_hierarchy(line.controllers, h) && line.path != "/")
        bases.push_back(h.mountpoint + line.path);
    for (const std::string &base : bases)
      for (const char *kind : {"lxc.payload.", "lxc.monitor."}) {
        std::string dir = base + "/" + kind + name;
        if (is_container_cgroup(dir, name)) out.push_back(dir);
      }
  }
  return out;
}

std::vector<int64_t> cgroup_procs(const std::string &dir) {
  std::vector<int64_t> pids;
  std::string text;
  berth_error ignored{};
  if (sdk::read_file(dir + "/cgroup.procs", &text, &ignored) != BERTH_OK) return pids;
  for (const std::string &word : sdk::words(text)) {
    int64_t pid = 0;
    if (sdk::parse_int64(word, &pid)) pids.push_back(pid);
  }
  return pids;
}

}  // namespace berth::lxc
