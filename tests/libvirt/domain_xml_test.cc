// The domain XML plan, checked without libvirtd: what each spec field turns
// into for libvirt-lxc.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain_xml.hpp"

namespace berth::libvirt {
namespace {

struct SpecBuilder {
  std::vector<const char *> args{"/bin/true"};
  std::vector<const char *> env{"PATH=/bin", "A=<&'>"};
  std::vector<berth_mount> mounts;
  std::vector<const char *> cap_add, cap_drop;
  berth_spec spec{};

  const berth_spec *get() {
    spec.struct_size = sizeof(spec);
    spec.rootfs = "/srv/rootfs";
    spec.cwd = "/";
    spec.args = args.data();
    spec.args_count = static_cast<uint32_t>(args.size());
    spec.env = env.data();
    spec.env_count = static_cast<uint32_t>(env.size());
    spec.mounts = mounts.data();
    spec.mounts_count = static_cast<uint32_t>(mounts.size());
    spec.cap_add = cap_add.data();
    spec.cap_add_count = static_cast<uint32_t>(cap_add.size());
    spec.cap_drop = cap_drop.data();
    spec.cap_drop_count = static_cast<uint32_t>(cap_drop.size());
    return &spec;
  }
};

std::string xml_of(SpecBuilder &b) {
  DomainPlan plan{"berth-abc", "abc", "/opt/init", "/state/run", 1048576};
  std::string xml;
  berth_error err{};
  EXPECT_EQ(build_domain_xml(b.get(), plan, &xml, &err), BERTH_OK) << err.message;
  return xml;
}

bool has(const std::string &xml, const std::string &piece) {
  return xml.find(piece) != std::string::npos;
}

TEST(DomainXml, NetworkNoneIsAPrivateNamespaceAndHostIsNone) {
  SpecBuilder none;
  none.spec.network = BERTH_NETWORK_NONE;
  EXPECT_TRUE(has(xml_of(none), "<privnet/>"));
  SpecBuilder host;
  host.spec.network = BERTH_NETWORK_HOST;
  std::string xml = xml_of(host);
  EXPECT_FALSE(has(xml, "<privnet/>"));
  EXPECT_FALSE(has(xml, "<interface"));
}

TEST(DomainXml, MountsAndRootfsBecomeFilesystemsReadOnlyWhereAsked) {
  SpecBuilder b;
  b.spec.readonly_rootfs = 1;
  b.mounts = {{"/host/ro", "/data/ro", BERTH_MOUNT_READONLY}, {"/host/rw", "/data/rw", 0}};
  std::string xml = xml_of(b);
  EXPECT_TRUE(has(xml, "<source dir='/srv/rootfs'/>\n      <target dir='/'/>\n      <readonly/>"));
  EXPECT_TRUE(
      has(xml, "<source dir='/host/ro'/>\n      <target dir='/data/ro'/>\n      <readonly/>"));
  EXPECT_TRUE(has(xml, "<target dir='/data/rw'/>\n    </filesystem>"));
  // The driver's init (read-only) and its run directory, under the
  // container's own /dev tmpfs.
  EXPECT_TRUE(has(
      xml, "<source dir='/opt/init'/>\n      <target dir='/dev/.berth-init'/>\n      <readonly/>"));
  EXPECT_TRUE(has(xml, "<target dir='/dev/.berth-run'/>\n    </filesystem>"));
}

TEST(DomainXml, MemoryAndCpuSharesBecomeLibvirtLimits) {
  SpecBuilder b;
  b.spec.memory_bytes = 64 << 20;
  b.spec.cpu_shares = 512;
  std::string xml = xml_of(b);
  EXPECT_TRUE(has(xml, "<memory unit='KiB'>65536</memory>"));
  EXPECT_TRUE(has(xml, "<hard_limit unit='KiB'>65536</hard_limit>"));
  EXPECT_TRUE(has(xml, "<cputune><shares>512</shares></cputune>"));
  SpecBuilder unlimited;
  EXPECT_TRUE(has(xml_of(unlimited), "<memory unit='KiB'>1048576</memory>"));  // the host's RAM
}

TEST(DomainXml, ProcessGoesToInitAsEscapedArguments) {
  SpecBuilder b;
  b.args = {"/bin/sh", "-c", "echo <hi> & 'bye'"};
  std::string xml = xml_of(b);
  EXPECT_TRUE(has(xml, "<init>/dev/.berth-init/berth-libvirt-init</init>"));
  EXPECT_TRUE(has(xml, "<initarg>A=&lt;&amp;&apos;&gt;</initarg>"));
  EXPECT_TRUE(has(xml, "<initarg>echo &lt;hi&gt; &amp; &apos;bye&apos;</initarg>"));
}

TEST(DomainXml, AddedCapabilitiesAreGrantedByLibvirtDroppedOnesByInit) {
  SpecBuilder b;
  b.cap_add = {"CAP_SYS_TIME"};
  b.cap_drop = {"CAP_NET_RAW"};
  std::string xml = xml_of(b);
  EXPECT_TRUE(has(xml, "<capabilities policy='default'>\n      <sys_time state='on'/>"));
  EXPECT_FALSE(has(xml, "net_raw"));
  uint64_t mask = 0;
  berth_error err{};
  ASSERT_EQ(cap_drop_mask(b.get(), &mask, &err), BERTH_OK);
  EXPECT_EQ(mask, 1ull << 13);  // CAP_NET_RAW
  EXPECT_TRUE(has(xml, "<initarg>--cap-drop</initarg>\n    <initarg>2000</initarg>"));
}

TEST(DomainXml, DropAllKeepsOnlyTheAddedCapabilities) {
  SpecBuilder b;
  b.cap_drop = {"ALL"};
  b.cap_add = {"CAP_CHOWN"};
  uint64_t mask = 0;
  berth_error err{};
  ASSERT_EQ(cap_drop_mask(b.get(), &mask, &err), BERTH_OK);
  EXPECT_EQ(mask, ~1ull);  // everything but CAP_CHOWN (0)
}

TEST(DomainXml, UnknownCapabilityIsRefusedNamingIt) {
  SpecBuilder b;
  b.cap_drop = {"CAP_FLY"};
  DomainPlan plan{"berth-abc", "abc", "/opt/init", "/state/run", 1};
  std::string xml;
  berth_error err{};
  EXPECT_EQ(build_domain_xml(b.get(), plan, &xml, &err), BERTH_E_INVALID);
  EXPECT_NE(std::string(err.message).find("CAP_FLY"), std::string::npos) << err.message;
}

}  // namespace
}  // namespace berth::libvirt
