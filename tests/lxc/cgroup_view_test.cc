// Which cgroup hierarchies the lxc driver lets LXC's monitor see
// (drivers/lxc/cgroup_view.hpp): the plan, from mountinfo text and
// configuration items, without root.
#include "cgroup_view.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace berth::lxc {
namespace {

// This machine's layout: ten v1 hierarchies plus an empty cgroup2.
constexpr const char *kHybrid =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "35 31 0:32 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "36 31 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "37 31 0:34 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "38 31 0:35 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

// systemd's v1 layout: co-mounted controllers, no cgroup2.
constexpr const char *kV1 =
    "31 23 0:28 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "35 31 0:32 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";

constexpr const char *kV2 = "31 23 0:28 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";

sdk::CgroupMounts mounts_of(const char *mountinfo) {
  sdk::CgroupMounts m;
  berth_error err{};
  EXPECT_EQ(sdk::parse_cgroup_mountinfo(mountinfo, &m, &err), BERTH_OK) << err.message;
  return m;
}

std::vector<std::string> keep(const char *mountinfo, const std::vector<ConfigItem> &items) {
  return plan_cgroup_view(mounts_of(mountinfo), items).keep;
}

// LXC sees every hierarchy, untouched (not the empty view, which also
// keeps nothing).
bool unrestricted(const char *mountinfo, const std::vector<ConfigItem> &items) {
  CgroupViewPlan plan = plan_cgroup_view(mounts_of(mountinfo), items);
  return !plan.replace && plan.keep.empty();
}

using Paths = std::vector<std::string>;

TEST(CgroupViewPlan, LimitsKeepTheirHierarchiesAndTheCgroup2One) {
  EXPECT_EQ(keep(kHybrid, {{"lxc.rootfs.path", "dir:/r"},
                           {"lxc.cgroup.memory.limit_in_bytes", "67108864"},
                           {"lxc.cgroup.pids.max", "64"}}),
            (Paths{"/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids", "/sys/fs/cgroup/unified"}));
}

TEST(CgroupViewPlan, NoLimitsKeepOnlyTheCgroup2Hierarchy) {
  EXPECT_EQ(keep(kHybrid, {{"lxc.rootfs.path", "dir:/r"}}), (Paths{"/sys/fs/cgroup/unified"}));
}

TEST(CgroupViewPlan, CoMountedControllersKeepTheirSharedHierarchy) {
  EXPECT_EQ(keep(kV1, {{"lxc.cgroup.cpuacct.usage", "0"}}), (Paths{"/sys/fs/cgroup/cpu,cpuacct"}));
}

TEST(CgroupViewPlan, AV1HostWithoutLimitsKeepsThePidsHierarchy) {
  EXPECT_EQ(keep(kV1, {}), (Paths{"/sys/fs/cgroup/pids"}));
}

TEST(CgroupViewPlan, MetaKeysNameNoController) {
  EXPECT_EQ(keep(kHybrid, {{"lxc.cgroup.dir.monitor", "a"},
                           {"lxc.cgroup.dir.container", "b"},
                           {"lxc.cgroup.relative", "1"}}),
            (Paths{"/sys/fs/cgroup/unified"}));
}

TEST(CgroupViewPlan, Cgroup2ItemsNeedOnlyTheCgroup2Hierarchy) {
  EXPECT_EQ(keep(kHybrid, {{"lxc.cgroup2.memory.max", "1"}}), (Paths{"/sys/fs/cgroup/unified"}));
}

TEST(CgroupViewPlan, ACgroup2OnlyHostIsNotRestricted) {
  EXPECT_TRUE(unrestricted(kV2, {{"lxc.cgroup2.memory.max", "1"}}));
}

TEST(CgroupViewPlan, AControllerMountedNowhereLeavesTheViewToLxc) {
  // LXC then names the missing controller itself.
  EXPECT_TRUE(unrestricted(kHybrid, {{"lxc.cgroup.hugetlb.limit", "1"}}));
}

TEST(CgroupViewPlan, AContainerThatSeesCgroupfsIsNotRestricted) {
  EXPECT_TRUE(unrestricted(kHybrid, {{"lxc.mount.auto", "proc:mixed cgroup:mixed"}}));
  EXPECT_TRUE(
      unrestricted(kHybrid, {{"lxc.mount.entry", "/sys/fs/cgroup sys/fs/cgroup none bind 0 0"}}));
  EXPECT_TRUE(unrestricted(kHybrid, {{"lxc.mount.entry", "none cg cgroup2 rw 0 0"}}));
  EXPECT_TRUE(unrestricted(kHybrid, {{"lxc.mount.fstab", "/etc/fstab"}}));
  EXPECT_TRUE(unrestricted(kHybrid, {{"lxc.mount.entry", "/sys sys none rbind 0 0"}}));
  EXPECT_TRUE(unrestricted(kHybrid, {{"lxc.mount.entry", "/ host none rbind,create=dir 0 0"}}));
  EXPECT_TRUE(unrestricted(kHybrid, {{"lxc.include", "/etc/lxc/extra.conf"}}));
  // Hooks run in the monitor's mount namespace.
  EXPECT_TRUE(unrestricted(kHybrid, {{"lxc.hook.pre-start", "/bin/true"}}));
}

TEST(CgroupViewPlan, OtherMountEntriesDoNotMatter) {
  EXPECT_EQ(keep(kHybrid, {{"lxc.mount.entry", "/data data none bind,create=dir 0 0"}}),
            (Paths{"/sys/fs/cgroup/unified"}));
}

TEST(CgroupViewPlan, AHierarchyOutsideSysFsCgroupIsNotRestricted) {
  const char *elsewhere =
      "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
      "34 31 0:31 / /cgroups/memory rw - cgroup cgroup rw,memory\n"
      "38 31 0:35 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
  EXPECT_TRUE(unrestricted(elsewhere, {{"lxc.cgroup.memory.limit_in_bytes", "1"}}));
}

TEST(CgroupView, AnEmptyPlanOpensAViewThatDoesNothing) {
  CgroupView view;
  berth_error err{};
  ASSERT_EQ(CgroupView::open(CgroupViewPlan{}, &view, &err), BERTH_OK) << err.message;
  EXPECT_FALSE(view.restricts());
  CgroupViewFailure failure;
  EXPECT_EQ(view.enter(&failure), 0);
}

}  // namespace
}  // namespace berth::lxc
