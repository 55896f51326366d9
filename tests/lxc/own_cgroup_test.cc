// When berth, not LXC, makes an lxc container's cgroup, and with which
// limits (drivers/lxc/own_cgroup.hpp): pure decisions, no root needed.
#include "own_cgroup.hpp"
#include "cgroup_view.hpp"

#include <gtest/gtest.h>

namespace berth::lxc {
namespace {

TEST(LxcOwnCgroup, PlainItemsLeaveTheCgroupToBerth) {
  EXPECT_TRUE(berth_can_own_cgroup({{"lxc.rootfs.path", "dir:/r"},
                                    {"lxc.mount.auto", "proc:mixed sys:ro"},
                                    {"lxc.mount.entry", "/data data none bind,create=dir 0 0"},
                                    {"lxc.proc.oom_score_adj", "0"}}));
}

TEST(LxcOwnCgroup, AnyRawCgroupItemKeepsLxcsCgroups) {
  EXPECT_FALSE(berth_can_own_cgroup({{"lxc.cgroup.freezer.state", "THAWED"}}));
  EXPECT_FALSE(berth_can_own_cgroup({{"lxc.cgroup2.memory.high", "1G"}}));
  EXPECT_FALSE(berth_can_own_cgroup({{"lxc.cgroup.relative", "0"}}));
  EXPECT_FALSE(berth_can_own_cgroup({{"lxc.cgroup.dir.container", "x"}}));
}

TEST(LxcOwnCgroup, CgroupMountsHooksAndFstabKeepLxcsCgroups) {
  EXPECT_FALSE(berth_can_own_cgroup({{"lxc.mount.auto", "cgroup:mixed"}}));
  EXPECT_FALSE(
      berth_can_own_cgroup({{"lxc.mount.entry", "/sys/fs/cgroup sys/fs/cgroup none bind 0 0"}}));
  EXPECT_FALSE(berth_can_own_cgroup({{"lxc.hook.pre-start", "/bin/true"}}));
  EXPECT_FALSE(berth_can_own_cgroup({{"lxc.mount.fstab", "/etc/fstab"}}));
}

TEST(LxcOwnCgroup, PidsLimitCountsTheMonitorOnTop) {
  berth_spec spec{};
  spec.pids_limit = 64;
  spec.memory_bytes = 1 << 26;
  spec.cpu_shares = 512;
  sdk::CgroupLimits limits = own_cgroup_limits(spec);
  EXPECT_EQ(limits.pids, 65);
  EXPECT_EQ(limits.memory_bytes, 1 << 26);
  EXPECT_EQ(limits.cpu_shares, 512);
  EXPECT_FALSE(limits.freezer);
  spec.pids_limit = 0;
  EXPECT_EQ(own_cgroup_limits(spec).pids, 0) << "no limit stays no limit";
}

TEST(LxcOwnCgroup, LxcSeesNoHierarchyAtAll) {
  CgroupViewPlan plan = empty_cgroup_view();
  EXPECT_TRUE(plan.replace);
  EXPECT_TRUE(plan.keep.empty());
}

}  // namespace
}  // namespace berth::lxc
