// probe explains a stopped libvirtd: `berth drivers` must say exactly why
// the libvirt driver cannot run, and recover when libvirtd is back.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "berth_runner.hpp"

namespace berth::test {
namespace {

int service(const char *action) {
  std::string cmd = shell_quote(LIBVIRTD_SERVICE) + " " + action + " >/dev/null 2>&1";
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Whatever the test does, libvirtd runs again afterwards for the suites
// that follow.
struct RestartLibvirtd {
  ~RestartLibvirtd() { EXPECT_EQ(service("start"), 0) << "could not restart libvirtd"; }
};

TEST(LibvirtProbe, SaysLibvirtdIsNotRunningWhenItIsStopped) {
  BerthRunner berth;
  ASSERT_EQ(service("start"), 0) << "libvirtd does not start; see scripts/services/libvirtd.sh";
  Result up = berth.run({"drivers"});
  ASSERT_NE(up.out.find("libvirt"), std::string::npos) << up.out << up.err;
  EXPECT_EQ(up.out.find("libvirtd is not running"), std::string::npos) << up.out;

  RestartLibvirtd restart;
  ASSERT_EQ(service("stop"), 0);
  Result down = berth.run({"drivers"});
  const std::string all = down.out + down.err;
  EXPECT_NE(all.find("libvirtd is not running"), std::string::npos) << all;
  EXPECT_NE(all.find("lxc:///system"), std::string::npos) << all;

  // And a run on the libvirt driver refuses with the same reason.
  Result run =
      berth.run({"run", "--exec-driver", "libvirt", "--rootfs", BERTH_ROOTFS, "--", "/bin/true"});
  EXPECT_EQ(run.exit_code, 125);
  EXPECT_NE(run.err.find("libvirtd is not running"), std::string::npos) << run.err;

  ASSERT_EQ(service("start"), 0);
  Result again = berth.run({"drivers"});
  EXPECT_EQ(again.out.find("libvirtd is not running"), std::string::npos) << again.out;
}

}  // namespace
}  // namespace berth::test
