// probe explains an unreachable libvirtd: `berth drivers` must say exactly
// why the libvirt driver cannot run, and a run must refuse with the same
// reason. libvirtd is made unreachable for berth alone (a private mount
// namespace without its sockets), never stopped: the suite did not start
// it for this test, and other tests and users rely on it.
#include <gtest/gtest.h>

#include <string>

#include "berth_runner.hpp"

namespace berth::test {
namespace {

TEST(LibvirtProbe, SaysLibvirtdIsNotRunningWhenItCannotBeReached) {
  BerthRunner berth;
  Result up = berth.run({"drivers"});
  ASSERT_NE(up.out.find("libvirt"), std::string::npos) << up.out << up.err;
  ASSERT_EQ(up.out.find("libvirtd is not running"), std::string::npos)
      << "libvirtd does not answer; start it with " << LIBVIRTD_SERVICE << " start\n"
      << up.out;

  Result down = berth.run_without_libvirtd({"drivers"});
  const std::string all = down.out + down.err;
  EXPECT_NE(all.find("libvirtd is not running"), std::string::npos) << all;
  EXPECT_NE(all.find("lxc:///system"), std::string::npos) << all;

  // And a run on the libvirt driver refuses with the same reason.
  Result run = berth.run_without_libvirtd(
      {"run", "--exec-driver", "libvirt", "--rootfs", BERTH_ROOTFS, "--", "/bin/true"});
  EXPECT_EQ(run.exit_code, 125) << run.out << run.err;
  EXPECT_NE(run.err.find("libvirtd is not running"), std::string::npos) << run.err;
  EXPECT_EQ(berth.container_ids(), std::vector<std::string>{}) << "a refused run left state";

  // The daemon itself was never touched.
  Result again = berth.run({"drivers"});
  EXPECT_EQ(again.out.find("libvirtd is not running"), std::string::npos) << again.out;
}

}  // namespace
}  // namespace berth::test
