// Detecting which cgroup layout this host has, from /proc/self/mountinfo.
#include <berth/sdk/cgroup.hpp>
#include <berth/sdk/error.hpp>
#include <berth/sdk/file.hpp>

#include <berth/sdk/text.hpp>

namespace berth::sdk {

namespace {

bool is_octal(char c) {
  return c >= '0' && c <= '7';
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string &s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && is_octal(s[i + 1]) && is_octal(s[i + 2]) &&
        is_octal(s[i + 3])) {
      out +=
          static_cast<char>(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Super options of a v1 mount ("rw,memory" / "rw,cpu,cpuacct" /
// "rw,xattr,name=systemd") minus the generic ones: the controllers.
std::string controllers_of(const std::string &super_options) {
  static const char *const generic[] = {"rw",
                                        "ro",
                                        "xattr",
                                        "noprefix",
                                        "clone_children",
                                        "cpuset_v2_mode",
                                        "nsdelegate",
                                        "memory_recursiveprot",
                                        "memory_localevents",
                                        "favordynmods"};
  std::string out;
  for (const std::string &opt : split(super_options, ',')) {
    bool skip = opt.empty() || opt.rfind("release_agent=", 0) == 0;
    for (const char *g : generic) skip = skip || opt == g;
    if (skip) continue;
    if (!out.empty()) out += ',';
    out += opt;
  }
  return out;
}

}  // namespace

int32_t parse_cgroup_mountinfo(const std::string &mountinfo, CgroupMounts *out, berth_error *err) {
  *out = CgroupMounts{};
  std::vector<CgroupHierarchy> v1, v2;
  for (const std::string &line : split(mountinfo, '\n')) {
    // id parent major:minor root mountpoint options [optional...] - fstype source super
    std::vector<std::string> f = split(line, ' ');
    size_t dash = 0;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (dash < 6 || dash + 3 >= f.size()) continue;
    const std::string &fstype = f[dash + 1];
    if (fstype != "cgroup" && fstype != "cgroup2") continue;
    CgroupHierarchy h;
    h.mountpoint = unescape(f[4]);
    h.unified = fstype == "cgroup2";
    for (const std::string &o : split(f[5], ',')) h.readonly = h.readonly || o == "ro";
    if (!h.unified) h.controllers = controllers_of(f[dash + 3]);
    // The same hierarchy mounted twice: keep the first mountpoint.
    auto &list = h.unified ? v2 : v1;
    bool dup = false;
    for (const auto &seen : list) dup = dup || (seen.controllers == h.controllers);
    if (!dup) list.push_back(h);
  }
  bool any_v1_controller = false;
  for (const auto &h : v1)
    any_v1_controller = any_v1_controller || h.controllers.rfind("name=", 0) != 0;
  if (any_v1_controller) {
    out->layout = v2.empty() ? CgroupLayout::v1 : CgroupLayout::hybrid;
  } else if (!v2.empty()) {
    out->layout = CgroupLayout::v2;
  } else {
    out->layout = CgroupLayout::none;
  }
  out->hierarchies = v1;
  if (!v2.empty()) out->hierarchies.push_back(v2.front());
  (void)err;
  return BERTH_OK;
}

int32_t detect_cgroup_mounts(CgroupMounts *out, berth_error *err) {
  std::string text;
  if (int32_t rc = read_file("/proc/self/mountinfo", &text, err)) return rc;
  return parse_cgroup_mountinfo(text, out, err);
}

int64_t cpu_shares_to_weight(int64_t shares) {
  if (shares < 2) shares = 2;
  if (shares > 262144) shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

std::string Cgroup::layout_description(const CgroupMounts &mounts) {
  switch (mounts.layout) {
    case CgroupLayout::v1:
      return "cgroup v1";
    case CgroupLayout::v2:
      return "cgroup v2";
    case CgroupLayout::hybrid:
      for (const auto &h : mounts.hierarchies)
        if (h.unified) return "hybrid (v1 controllers + cgroup2 at " + h.mountpoint + ")";
      return "hybrid";
    case CgroupLayout::none:
      break;
  }
  return "no cgroup filesystem mounted";
}

std::string Cgroup::layout_description() {
  CgroupMounts mounts;
  berth_error err{};
  if (detect_cgroup_mounts(&mounts, &err) != BERTH_OK)
    return std::string("unknown (") + err.message + ")";
  return layout_description(mounts);
}

}  // namespace berth::sdk
