// The container's cgroup owned by berth instead of LXC.
//
// LXC 5.0 moves its monitor and the container's init into cgroups of its
// own by writing their pids into cgroup.procs. Each such write takes the
// kernel's global cgroup_threadgroup_rwsem and waits for an RCU grace period
// (6-15 ms) unless another one came just before: the largest single cost of
// an LXC start (bench/README.md, lxc third and fourth pass).
//
// So when the spec's limits are all the container needs from cgroups, berth
// makes the cgroup itself (sdk::Cgroup, "berth/<id>", as the native driver)
// and shows LXC none at all (empty_cgroup_view()): LXC's monitor is born in
// the cgroup2 directory (clone3 CLONE_INTO_CGROUP) and moves itself into
// the v1 ones ("0" into each `tasks` file, single-threaded: no global lock)
// before LXC runs; LXC's init and the container's processes inherit them.
// No process is migrated by pid.
//
// The monitor is inside the container's cgroup, so:
//   - pids.max is the spec's number plus one, for the monitor (the container
//     keeps exactly the spec's number: LXC's init and its descendants);
//   - a memory limit keeps LXC's cgroups: in the container's memory cgroup
//     the monitor could be the OOM killer's victim, and keeping it out
//     (oom_score_adj -1000) needs CAP_SYS_RESOURCE, which berth cannot
//     count on (this project's test machine lacks it; a liblxc start from
//     a second thread that alone enters the cgroup is refused by liblxc:
//     "Cannot start non-daemonized container when threaded");
//   - pids() leaves the monitor out;
//   - the monitor shares the container's cgroup: a container given
//     CAP_SYS_ADMIN (not in the default set) that mounts cgroupfs could
//     freeze or kill it along with itself, as it could its own processes;
//   - destroy() reaps the monitor, then removes the cgroup.
//
// LXC keeps the cgroups (the earlier path: cgroup_view.hpp) when the user's
// raw items name any lxc.cgroup* key, or mount cgroups or /sys/fs/cgroup
// into the container, or run hooks or an fstab: those need LXC's view of
// the hierarchies.
#pragma once

#include "lxc_config.hpp"

#include <berth/driver.h>
#include <berth/sdk/cgroup.hpp>

#include <string>
#include <vector>

namespace berth::lxc {

// Pure: whether berth may own the cgroup of a container configured with
// `items` (built with CgroupOwner::berth: no limit item among them).
bool berth_can_own_cgroup(const std::vector<ConfigItem> &items);

// "berth/<id>", below each hierarchy's root.
std::string own_cgroup_name(const berth_container &c);

// The spec's limits for sdk::Cgroup::create, with the monitor's pid
// counted, Docker's device allow-list and no freezer (the container ends with its init: SIGKILL to the
// pid namespace's pid 1).
sdk::CgroupLimits own_cgroup_limits(const berth_spec &spec);

// In the forked monitor, first of all and single-threaded: into the v1
// directories by itself (sdk::Cgroup::enter_self), into the cgroup2 one too
// when it was not born there (clone3 or CLONE_INTO_CGROUP missing, Linux <
// 5.7; that write pays the lock). Allocation-free; the error names the
// step, the file and errno.
int32_t enter_own_cgroup(const sdk::CgroupEntry &entry, bool born_in_cgroup2, berth_error *err);

}  // namespace berth::lxc
