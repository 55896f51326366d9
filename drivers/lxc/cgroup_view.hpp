// The cgroup hierarchies LXC's monitor sees.
//
// liblxc 5.0 makes a monitor and a payload cgroup in every hierarchy it
// finds under /sys/fs/cgroup (eleven on a hybrid v1 host), moves its
// monitor and the container's init into each, and at the end moves the
// monitor out and removes them all again: some seventy cgroupfs mkdir,
// write and rmdir calls per container, most of them for controllers the
// container never uses. LXC's own knob for this, lxc.cgroup.use, is a
// host-wide setting in /etc/lxc/lxc.conf, not a container's.
//
// So the driver shows the monitor only the hierarchies the container's
// configuration needs: the monitor gets a mount namespace of its own in
// which /sys/fs/cgroup is a fresh tmpfs holding bind copies of just those
// hierarchies, at the same paths. LXC then creates, enters and removes its
// cgroups there and nowhere else; the container's processes stay in the
// monitor's cgroups (berth's own) in the other hierarchies, as with the
// native driver. The host's mounts are untouched (the monitor's namespace
// is a slave copy that dies with it), and the container's own mount
// namespace, a copy of the monitor's, drops the view at pivot_root.
//
// Kept: every v1 hierarchy whose controller an lxc.cgroup.CONTROLLER.* item
// names (limits, raw driver options), and the cgroup2 hierarchy when one is
// mounted (LXC clones the init into it; the driver lists and kills the
// container through it). A v1-only host with nothing kept keeps the pids
// hierarchy, so that the container has a cgroup of its own to be found by.
//
// Not restricted (LXC sees everything, as before): a pure cgroup2 host (one
// hierarchy anyway); a hierarchy LXC needs that is not mounted directly
// below /sys/fs/cgroup; a controller named by an item but mounted nowhere
// (LXC reports that in its own words); a configuration that mounts cgroups
// or anything under /sys/fs/cgroup into the container (it would see the
// reduced view).
//
// When berth owns the container's cgroup (own_cgroup.hpp) the view is empty:
// /sys/fs/cgroup is a bare tmpfs, LXC finds no hierarchy and makes, enters
// and removes no cgroup at all.
#pragma once

#include "lxc_config.hpp"

#include <berth/driver.h>
#include <berth/sdk/cgroup.hpp>
#include <berth/sdk/fd.hpp>

#include <string>
#include <vector>

namespace berth::lxc {

constexpr const char *kCgroupRoot = "/sys/fs/cgroup";

// The plan: whether LXC's /sys/fs/cgroup is replaced, and the mount points
// it then still shows, in mountinfo order.
struct CgroupViewPlan {
  bool replace = false;           // false: LXC sees the host's /sys/fs/cgroup
  std::vector<std::string> keep;  // "/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified"
};

// Pure: from the host's hierarchies and the final configuration items.
CgroupViewPlan plan_cgroup_view(const sdk::CgroupMounts &mounts,
                                const std::vector<ConfigItem> &items);

// The view without any hierarchy (berth owns the cgroup).
CgroupViewPlan empty_cgroup_view();

// An item that would let the container, or a hook in the monitor's mount
// namespace, see the monitor's /sys/fs/cgroup (cgroup mounts, fstab, hooks).
bool exposes_cgroupfs(const ConfigItem &item);

// Where the child-side step failed: the call, its path and errno.
struct CgroupViewFailure {
  const char *step = nullptr;
  const char *path = nullptr;
  int error = 0;
};

// The executor. open() runs in the calling process before the fork and
// clones each kept hierarchy's mount (open_tree(OPEN_TREE_CLONE): detached
// copies, nothing is mounted yet); enter() runs in the forked monitor and
// builds the view in a new mount namespace, allocation-free. Move-only; the
// destructor closes the clones. A plan that replaces nothing gives a view
// whose enter() does nothing.
class CgroupView {
 public:
  static int32_t open(const CgroupViewPlan &plan, CgroupView *out, berth_error *err);

  bool restricts() const { return replace_; }

  // In the monitor, before anything of LXC runs: 0, or -1 with *failure set.
  int enter(CgroupViewFailure *failure) const;

 private:
  bool replace_ = false;
  std::vector<std::string> targets_;  // where each clone goes
  std::vector<sdk::UniqueFd> trees_;  // the clones, close-on-exec
};

}  // namespace berth::lxc
