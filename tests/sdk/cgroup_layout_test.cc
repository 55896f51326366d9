// Layout detection from mountinfo text: v1, v2, hybrid, none.
#include <gtest/gtest.h>
#include <berth/sdk/cgroup.hpp>

using namespace berth::sdk;

namespace {

const char *kHybrid =
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n";

const char *kV2 =
    "25 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";

const char *kV1 =
    "34 30 0:31 / /sys/fs/cgroup/memory ro,relatime shared:9 - cgroup cgroup rw,memory\n"
    "35 30 0:32 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "36 30 0:32 / /mnt/other\\040pids rw,relatime - cgroup cgroup rw,pids\n";

}  // namespace

TEST(CgroupLayout, HybridHasV1ControllersAndTheUnifiedMount) {
  CgroupMounts m;
  berth_error err{};
  ASSERT_EQ(parse_cgroup_mountinfo(kHybrid, &m, &err), BERTH_OK);
  EXPECT_EQ(m.layout, CgroupLayout::hybrid);
  ASSERT_EQ(m.hierarchies.size(), 4u);
  EXPECT_EQ(m.hierarchies[0].controllers, "cpu,cpuacct");
  EXPECT_EQ(m.hierarchies[2].controllers, "name=systemd");
  EXPECT_TRUE(m.hierarchies[3].unified);
  EXPECT_EQ(m.hierarchies[3].mountpoint, "/sys/fs/cgroup/unified");
  EXPECT_EQ(Cgroup::layout_description(m),
            "hybrid (v1 controllers + cgroup2 at /sys/fs/cgroup/unified)");
}

TEST(CgroupLayout, PureUnifiedIsV2) {
  CgroupMounts m;
  berth_error err{};
  ASSERT_EQ(parse_cgroup_mountinfo(kV2, &m, &err), BERTH_OK);
  EXPECT_EQ(m.layout, CgroupLayout::v2);
  ASSERT_EQ(m.hierarchies.size(), 1u);
  EXPECT_EQ(m.hierarchies[0].mountpoint, "/sys/fs/cgroup");
  EXPECT_EQ(Cgroup::layout_description(m), "cgroup v2");
}

TEST(CgroupLayout, V1KeepsTheFirstMountOfAHierarchyAndSeesReadOnly) {
  CgroupMounts m;
  berth_error err{};
  ASSERT_EQ(parse_cgroup_mountinfo(kV1, &m, &err), BERTH_OK);
  EXPECT_EQ(m.layout, CgroupLayout::v1);
  ASSERT_EQ(m.hierarchies.size(), 2u);
  EXPECT_TRUE(m.hierarchies[0].readonly);
  EXPECT_EQ(m.hierarchies[1].mountpoint, "/sys/fs/cgroup/pids");
  EXPECT_EQ(Cgroup::layout_description(m), "cgroup v1");
}

TEST(CgroupLayout, OnlyANamedHierarchyIsNoLayout) {
  CgroupMounts m;
  berth_error err{};
  ASSERT_EQ(parse_cgroup_mountinfo("39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup "
                                   "rw,xattr,name=systemd\n",
                                   &m, &err),
            BERTH_OK);
  EXPECT_EQ(m.layout, CgroupLayout::none);
  EXPECT_EQ(Cgroup::layout_description(m), "no cgroup filesystem mounted");
}

TEST(CgroupLayout, CpuSharesMapOntoTheWeightRange) {
  EXPECT_EQ(cpu_shares_to_weight(2), 1);
  EXPECT_EQ(cpu_shares_to_weight(1024), 39);
  EXPECT_EQ(cpu_shares_to_weight(262144), 10000);
}

TEST(CgroupLayout, ThisHostHasALayout) {
  CgroupMounts m;
  berth_error err{};
  ASSERT_EQ(detect_cgroup_mounts(&m, &err), BERTH_OK) << err.message;
  EXPECT_NE(m.layout, CgroupLayout::none) << "no cgroup filesystem in /proc/self/mountinfo";
}
