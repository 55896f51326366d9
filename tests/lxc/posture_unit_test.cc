// The lxc driver's posture as data (no root, no liblxc call): the seccomp
// profile against the project's deny-list, personality's allow-list, the
// capability set, and the configuration items for cwd, env and mounts.
#include <gtest/gtest.h>

#include <linux/capability.h>

#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "lxc_config.hpp"
#include "masked_paths.hpp"
#include "seccomp_profile.hpp"

namespace berth::lxc {
namespace {

constexpr uint64_t kDockerCaps = 0xa80425fbull;

std::vector<std::string> lines(const std::string &text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool denies_whole_call(const std::string &profile, const std::string &name) {
  for (const std::string &line : lines(profile))
    if (line == name + " errno 1") return true;
  return false;
}

// personality's rules: "[0,VALUE,SCMP_CMP_MASKED_EQ,MASK]" each.
struct Masked {
  uint32_t value, mask;
};
std::vector<Masked> personality_rules(const std::string &profile) {
  std::vector<Masked> out;
  for (const std::string &line : lines(profile)) {
    unsigned value = 0, mask = 0;
    if (std::sscanf(line.c_str(), "personality errno 1 [0,%x,SCMP_CMP_MASKED_EQ,%x]", &value,
                    &mask) == 2)
      out.push_back({value, mask});
  }
  return out;
}
bool refused(const std::vector<Masked> &rules, uint32_t persona) {
  for (const Masked &r : rules)
    if ((persona & r.mask) == r.value) return true;
  return false;
}

TEST(LxcSeccompProfile, DeniesEveryCallOfTheProjectsDenyList) {
  std::string profile = seccomp_profile(kDockerCaps);
  EXPECT_EQ(profile.rfind("2\ndenylist\n[all]\n", 0), 0u) << profile;
  std::ifstream list(BERTH_DENIED_SYSCALLS);
  ASSERT_TRUE(list.good()) << BERTH_DENIED_SYSCALLS;
  int checked = 0;
  for (std::string name; std::getline(list, name);) {
    if (name.empty() || name[0] == '#') continue;
    EXPECT_TRUE(denies_whole_call(profile, name)) << name << " is not denied";
    ++checked;
  }
  EXPECT_GT(checked, 50);
}

TEST(LxcSeccompProfile, NamespaceFlagsOfCloneAndClone3AreRefusedWithoutSysAdmin) {
  std::string profile = seccomp_profile(kDockerCaps);
  EXPECT_NE(profile.find("clone errno 1 [0,0x20000,SCMP_CMP_MASKED_EQ,0x20000]\n"),
            std::string::npos)
      << "CLONE_NEWNS";
  EXPECT_NE(profile.find("clone errno 1 [0,0x10000000,SCMP_CMP_MASKED_EQ,0x10000000]\n"),
            std::string::npos)
      << "CLONE_NEWUSER";
  EXPECT_NE(profile.find("clone3 errno 38\n"), std::string::npos);
}

TEST(LxcSeccompProfile, ACapabilityAllowsTheCallsItGuards) {
  std::string with =
      seccomp_profile(kDockerCaps | (1ull << CAP_SYS_ADMIN) | (1ull << CAP_SYS_PTRACE));
  EXPECT_FALSE(denies_whole_call(with, "mount"));
  EXPECT_FALSE(denies_whole_call(with, "ptrace"));
  EXPECT_EQ(with.find("clone3"), std::string::npos);
  EXPECT_TRUE(denies_whole_call(with, "keyctl"));  // never allowed
  EXPECT_TRUE(denies_whole_call(with, "reboot"));  // CAP_SYS_BOOT not given
}

TEST(LxcSeccompProfile, PersonalityAllowsExactlyDockersPersonas) {
  std::vector<Masked> rules = personality_rules(seccomp_profile(kDockerCaps));
  ASSERT_EQ(rules.size(), 32u);
  for (uint32_t ok : {0x0u, 0x8u, 0x20000u, 0x20008u, 0xffffffffu})
    EXPECT_FALSE(refused(rules, ok)) << std::hex << ok;
  auto allowed = [](uint32_t v) {
    return v == 0 || v == 8 || v == 0x20000 || v == 0x20008 || v == 0xffffffff;
  };
  // Every value with at most two bits set or at most two bits clear, and a
  // million random ones.
  std::vector<uint32_t> values;
  for (int i = 0; i < 32; ++i)
    for (int j = 0; j < 32; ++j) {
      uint32_t v = (1u << i) | (1u << j);
      values.push_back(v);
      values.push_back(~v);
      values.push_back(1u << i);
      values.push_back(~(1u << i));
    }
  std::mt19937 rng(42);
  for (int i = 0; i < 1000000; ++i) values.push_back(static_cast<uint32_t>(rng()));
  values.push_back(0x0400000);  // READ_IMPLIES_EXEC, which the probe tries
  for (uint32_t v : values) ASSERT_EQ(refused(rules, v), !allowed(v)) << std::hex << v;
}

// --- configuration items ---

berth_spec minimal_spec(const char **args) {
  berth_spec spec{};
  spec.struct_size = sizeof spec;
  spec.rootfs = "/srv/root";
  spec.args = args;
  spec.args_count = 1;
  return spec;
}

bool no_masks(const char *, bool *) {
  return false;
}

std::string value_of(const std::vector<ConfigItem> &items, const std::string &key) {
  std::string v;
  for (const ConfigItem &i : items)
    if (i.key == key) v = i.value;
  return v;
}

TEST(LxcConfig, CwdAndEnvironmentAreNotLxcItems) {
  const char *args[] = {"/bin/true"};
  const char *env[] = {"A=1", "B=2"};
  berth_spec spec = minimal_spec(args);
  spec.cwd = "/proc/self/fd/6";
  spec.env = env;
  spec.env_count = 2;
  sdk::CgroupMounts mounts;
  ConfigInputs in{&mounts, CgroupOwner::berth, {}, "", no_masks};
  std::vector<ConfigItem> items;
  berth_error err{};
  ASSERT_EQ(build_config(spec, in, &items, &err), BERTH_OK) << err.message;
  for (const ConfigItem &i : items) {
    EXPECT_NE(i.key, "lxc.init.cwd");
    EXPECT_NE(i.key, "lxc.environment");
  }
}

TEST(LxcConfig, NoNewPrivsByDefaultAndOffOnRequest) {
  const char *args[] = {"/bin/true"};
  berth_spec spec = minimal_spec(args);
  sdk::CgroupMounts mounts;
  ConfigInputs in{&mounts, CgroupOwner::berth, {}, "/proc/self/fd/9", no_masks};
  std::vector<ConfigItem> items;
  berth_error err{};
  ASSERT_EQ(build_config(spec, in, &items, &err), BERTH_OK) << err.message;
  EXPECT_EQ(value_of(items, "lxc.no_new_privs"), "1");
  EXPECT_EQ(value_of(items, "lxc.seccomp.profile"), "/proc/self/fd/9");
  spec.security_flags = BERTH_SECURITY_ALLOW_NEW_PRIVS;
  ASSERT_EQ(build_config(spec, in, &items, &err), BERTH_OK) << err.message;
  EXPECT_EQ(value_of(items, "lxc.no_new_privs"), "");
  // A spec from a core older than security_flags: no_new_privs on.
  spec.struct_size = offsetof(berth_spec, security_flags);
  ASSERT_EQ(build_config(spec, in, &items, &err), BERTH_OK) << err.message;
  EXPECT_EQ(value_of(items, "lxc.no_new_privs"), "1");
}

TEST(LxcConfig, MountsUseTheResolvedDestinationAndCreateNothing) {
  const char *args[] = {"/bin/true"};
  berth_mount m{};
  m.source = "/host/data dir";
  m.destination = "/d/link/x";
  berth_spec spec = minimal_spec(args);
  spec.mounts = &m;
  spec.mounts_count = 1;
  sdk::CgroupMounts mounts;
  ConfigInputs in{&mounts, CgroupOwner::berth, {"d/real/x"}, "", no_masks};
  std::vector<ConfigItem> items;
  berth_error err{};
  ASSERT_EQ(build_config(spec, in, &items, &err), BERTH_OK) << err.message;
  EXPECT_EQ(value_of(items, "lxc.mount.entry"), "/host/data\\040dir d/real/x none bind 0 0");
}

TEST(LxcConfig, DeviceAllowListGoesToLxcOnlyWhenItOwnsTheCgroup) {
  const char *args[] = {"/bin/true"};
  berth_spec spec = minimal_spec(args);
  berth_error err{};
  sdk::CgroupMounts mounts;
  ASSERT_EQ(
      sdk::parse_cgroup_mountinfo(
          "30 25 0:26 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices\n", &mounts, &err),
      BERTH_OK)
      << err.message;
  EXPECT_TRUE(devices_enforced_by_berth(mounts));
  std::vector<ConfigItem> items;
  ConfigInputs in{&mounts, CgroupOwner::berth, {}, "", no_masks};
  ASSERT_EQ(build_config(spec, in, &items, &err), BERTH_OK) << err.message;
  EXPECT_EQ(value_of(items, "lxc.cgroup.devices.deny"), "");
  in.owner = CgroupOwner::lxc;
  ASSERT_EQ(build_config(spec, in, &items, &err), BERTH_OK) << err.message;
  EXPECT_EQ(value_of(items, "lxc.cgroup.devices.deny"), "a");
  EXPECT_EQ(value_of(items, "lxc.cgroup.devices.allow"), "c 10:200 rwm");
  sdk::CgroupMounts v2;
  ASSERT_EQ(sdk::parse_cgroup_mountinfo("30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
                                        &v2, &err),
            BERTH_OK);
  EXPECT_FALSE(devices_enforced_by_berth(v2));
}

TEST(LxcConfig, CapabilitiesAreDockersFourteenByDefault) {
  const char *args[] = {"/bin/true"};
  berth_spec spec = minimal_spec(args);
  uint64_t mask = 0;
  int last = 0;
  berth_error err{};
  ASSERT_EQ(capability_mask(spec, &mask, &last, &err), BERTH_OK);
  EXPECT_EQ(mask, kDockerCaps);
  const char *drop[] = {"ALL"};
  spec.cap_drop = drop;
  spec.cap_drop_count = 1;
  ASSERT_EQ(capability_mask(spec, &mask, &last, &err), BERTH_OK);
  EXPECT_EQ(mask, 0u);
  // As on native and libvirt (docker): an added capability wins over ALL dropped.
  const char *add[] = {"CAP_NET_BIND_SERVICE"};
  spec.cap_add = add;
  spec.cap_add_count = 1;
  ASSERT_EQ(capability_mask(spec, &mask, &last, &err), BERTH_OK);
  EXPECT_EQ(mask, uint64_t{1} << CAP_NET_BIND_SERVICE);
}

TEST(LxcMaskedPaths, FilesGetDevNullDirectoriesATmpfsReadOnlyPathsABindOfTheirOwn) {
  std::vector<ConfigItem> items;
  masked_path_items(
      "/srv/root",
      [](const char *path, bool *dir) {
        *dir = std::string(path) == "/sys/firmware" || std::string(path) == "/proc/bus";
        return std::string(path) == "/proc/kcore" || *dir;
      },
      &items);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].value, "/dev/null proc/kcore none bind,optional 0 0");
  EXPECT_EQ(items[1].value, "tmpfs sys/firmware tmpfs ro,nosuid,nodev,noexec,optional 0 0");
  EXPECT_EQ(items[2].value,
            "/srv/root/proc/bus proc/bus none bind,ro,nosuid,nodev,noexec,optional 0 0");
}

}  // namespace
}  // namespace berth::lxc
