// The domain XML plan, checked without libvirtd: what each spec field turns
// into for libvirt-lxc.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <berth/sdk/capabilities.hpp>

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

TEST(DomainXml, LibvirtKeepsItsDefaultPolicyPlusMknodAndTheAddedCapabilities) {
  // init needs CAP_SYS_ADMIN (hostname, unmounts, masks) and must be able
  // to give the process Docker's set, which has CAP_MKNOD (libvirt drops it
  // by default); it drops to the process's set itself.
  SpecBuilder b;
  b.cap_add = {"CAP_SYS_TIME", "CAP_BPF"};
  std::string xml = xml_of(b);
  EXPECT_TRUE(has(xml,
                  "<capabilities policy='default'>\n      <mknod state='on'/>\n"
                  "      <sys_time state='on'/>\n    </capabilities>"))
      << xml;
  EXPECT_FALSE(has(xml, "<bpf")) << "libvirt 9.0 does not know bpf and leaves it alone";
}

TEST(DomainXml, AddAllIsLibvirtsAllowPolicy) {
  SpecBuilder b;
  b.cap_add = {"ALL"};
  EXPECT_TRUE(has(xml_of(b), "<capabilities policy='allow'>\n    </capabilities>"));
}

TEST(DomainXml, InitGetsTheCapabilitiesSeccompNoNewPrivsAndTheDirectoriesToDetach) {
  SpecBuilder b;
  DomainPlan plan{"berth-abc", "abc", "/opt/init", "/state/run", 1};
  plan.capabilities = 0xa80425fb;
  std::string xml;
  berth_error err{};
  ASSERT_EQ(build_domain_xml(b.get(), plan, &xml, &err), BERTH_OK) << err.message;
  EXPECT_TRUE(has(xml, "<initarg>--caps</initarg>\n    <initarg>a80425fb</initarg>")) << xml;
  EXPECT_TRUE(has(xml, "<initarg>--seccomp</initarg>\n    <initarg>--no-new-privs</initarg>"));
  EXPECT_TRUE(has(xml, "<initarg>--detach</initarg>\n    <initarg>/dev/.berth-init</initarg>"));
  EXPECT_TRUE(has(xml, "<initarg>--detach</initarg>\n    <initarg>/dev/.berth-run</initarg>"));

  plan.no_new_privs = false;  // --security-opt no-new-privileges=false
  ASSERT_EQ(build_domain_xml(b.get(), plan, &xml, &err), BERTH_OK) << err.message;
  EXPECT_FALSE(has(xml, "--no-new-privs"));
  EXPECT_TRUE(has(xml, "<initarg>--seccomp</initarg>"));
}

TEST(DomainXml, CapabilitiesAreDockersDefaultWithTheSpecsAddAndDrop) {
  SpecBuilder b;
  b.cap_add = {"CAP_SYS_TIME"};
  b.cap_drop = {"net_raw"};
  uint64_t mask = 0;
  int last = 0;
  berth_error err{};
  ASSERT_EQ(sdk::plan_capabilities(b.get(), &mask, &last, &err), BERTH_OK) << err.message;
  EXPECT_EQ(mask, (0xa80425fbull & ~(1ull << 13)) | (1ull << 25));

  SpecBuilder all;
  all.cap_drop = {"ALL"};
  all.cap_add = {"CAP_CHOWN"};
  ASSERT_EQ(sdk::plan_capabilities(all.get(), &mask, &last, &err), BERTH_OK) << err.message;
  EXPECT_EQ(mask, 1ull);  // CAP_CHOWN (0) only
}

TEST(DomainXml, UnknownCapabilityIsRefusedNamingIt) {
  SpecBuilder b;
  b.cap_drop = {"CAP_FLY"};
  uint64_t mask = 0;
  int last = 0;
  berth_error err{};
  EXPECT_EQ(sdk::plan_capabilities(b.get(), &mask, &last, &err), BERTH_E_INVALID);
  EXPECT_NE(std::string(err.message).find("CAP_FLY"), std::string::npos) << err.message;
}

}  // namespace
}  // namespace berth::libvirt
