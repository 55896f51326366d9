#include "cgroup_view.hpp"

#include <berth/sdk/error.hpp>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <string_view>

namespace berth::lxc {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The controller an lxc.cgroup.CONTROLLER.FILE key names; "" for LXC's
// meta keys (lxc.cgroup.dir*, lxc.cgroup.relative, ...) and other keys.
std::string_view v1_controller(std::string_view key) {
  constexpr std::string_view prefix = "lxc.cgroup.";
  if (!starts_with(key, prefix)) return {};
  std::string_view rest = key.substr(prefix.size());
  size_t dot = rest.find('.');
  if (dot == std::string_view::npos) return {};
  std::string_view controller = rest.substr(0, dot);
  return controller == "dir" ? std::string_view{} : controller;
}

bool lists_controller(const std::string &controllers, std::string_view name) {
  std::string_view list = controllers;
  for (size_t pos = 0; pos <= list.size();) {
    size_t comma = list.find(',', pos);
    if (list.substr(pos, comma == std::string_view::npos ? list.npos : comma - pos) == name)
      return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

// A mount point directly below /sys/fs/cgroup, where LXC looks.
bool directly_below_root(const std::string &mountpoint) {
  std::string_view m = mountpoint;
  std::string_view root = kCgroupRoot;
  return m.size() > root.size() + 1 && starts_with(m, root) && m[root.size()] == '/' &&
         m.find('/', root.size() + 1) == std::string_view::npos;
}

}  // namespace

bool exposes_cgroupfs(const ConfigItem &item) {
  std::string_view key = item.key, value = item.value;
  if (key == "lxc.mount.auto") return value.find("cgroup") != std::string_view::npos;
  // An included file or an fstab may say anything; hooks run in the
  // monitor's mount namespace.
  if (key == "lxc.mount.fstab" || key == "lxc.include" || starts_with(key, "lxc.hook."))
    return true;
  if (key == "lxc.mount.entry") {
    // Any mount of cgroupfs, of /sys/fs/cgroup, or of a tree above it
    // (/, /sys, /sys/fs: an rbind carries it along).
    std::string_view source = value.substr(0, value.find(' '));
    return value.find("sys/fs/cgroup") != std::string_view::npos ||
           value.find(" cgroup") != std::string_view::npos || source == "/" || source == "/sys" ||
           source == "/sys/" || source == "/sys/fs" || source == "/sys/fs/";
  }
  return false;
}

CgroupViewPlan empty_cgroup_view() {
  CgroupViewPlan plan;
  plan.replace = true;
  return plan;
}

CgroupViewPlan plan_cgroup_view(const sdk::CgroupMounts &mounts,
                                const std::vector<ConfigItem> &items) {
  CgroupViewPlan none;
  if (mounts.layout != sdk::CgroupLayout::v1 && mounts.layout != sdk::CgroupLayout::hybrid)
    return none;
  std::vector<bool> keep(mounts.hierarchies.size(), false);
  for (const ConfigItem &item : items) {
    if (exposes_cgroupfs(item)) return none;
    std::string_view controller = v1_controller(item.key);
    if (controller.empty()) continue;
    bool found = false;
    for (size_t i = 0; i < mounts.hierarchies.size(); ++i) {
      const sdk::CgroupHierarchy &h = mounts.hierarchies[i];
      if (h.unified || !lists_controller(h.controllers, controller)) continue;
      keep[i] = found = true;
    }
    if (!found) return none;  // LXC says which controller it cannot find
  }
  bool any = false;
  for (size_t i = 0; i < mounts.hierarchies.size(); ++i) {
    if (mounts.hierarchies[i].unified) keep[i] = true;
    any = any || keep[i];
  }
  for (size_t i = 0; !any && i < mounts.hierarchies.size(); ++i)
    if (!mounts.hierarchies[i].unified && mounts.hierarchies[i].controllers == "pids")
      keep[i] = any = true;
  if (!any) return none;
  CgroupViewPlan plan;
  plan.replace = true;
  for (size_t i = 0; i < mounts.hierarchies.size(); ++i) {
    if (!keep[i]) continue;
    if (!directly_below_root(mounts.hierarchies[i].mountpoint)) return none;
    plan.keep.push_back(mounts.hierarchies[i].mountpoint);
  }
  return plan;
}

int32_t CgroupView::open(const CgroupViewPlan &plan, CgroupView *out, berth_error *err) {
  CgroupView view;
  view.replace_ = plan.replace;
  for (const std::string &mountpoint : plan.keep) {
    int fd = ::open_tree(AT_FDCWD, mountpoint.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (fd < 0 && errno == ENOSYS && view.trees_.empty()) {
      *out = CgroupView();  // a kernel before 5.2: LXC sees every hierarchy
      return BERTH_OK;
    }
    if (fd < 0) return sdk::fail_errno(err, errno, "open_tree(OPEN_TREE_CLONE)", mountpoint);
    view.trees_.emplace_back(fd);
    view.targets_.push_back(mountpoint);
  }
  *out = std::move(view);
  return BERTH_OK;
}

int CgroupView::enter(CgroupViewFailure *failure) const {
  auto fail = [&](const char *step, const char *path) {
    *failure = {step, path, errno};
    return -1;
  };
  if (!replace_) return 0;
  if (::unshare(CLONE_NEWNS) != 0) return fail("unshare(CLONE_NEWNS)", "");
  // A slave copy: nothing mounted here propagates back to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0)
    return fail("mount(MS_REC|MS_SLAVE)", "/");
  if (::mount("tmpfs", kCgroupRoot, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") != 0)
    return fail("mount(tmpfs)", kCgroupRoot);
  for (size_t i = 0; i < trees_.size(); ++i) {
    const char *target = targets_[i].c_str();
    if (::mkdir(target, 0755) != 0 && errno != EEXIST) return fail("mkdir", target);
    if (::move_mount(trees_[i].get(), "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) != 0)
      return fail("move_mount", target);
  }
  return 0;
}

}  // namespace berth::lxc
