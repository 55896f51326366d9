// How a libvirt container's run ends: signals to `berth run` reach the
// process, and the run returns the process's status even when libvirt's own
// side of the container's end (the libvirt_lxc controller, libvirtd's
// lifecycle event) does not come through.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "berth_runner.hpp"

namespace berth::test {
namespace {

class LibvirtEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    shared_ = berth_.root() + "/shared";
    ASSERT_EQ(mkdir(shared_.c_str(), 0755), 0);
  }

  void TearDown() override {
    EXPECT_EQ(leftovers(berth_.created_ids()), std::vector<std::string>{});
  }

  // `berth run` on libvirt in the background, with shared_ at /shared.
  Started start(const std::string &script) {
    return berth_.start({"run", "--exec-driver", "libvirt", "--rootfs", BERTH_ROOTFS, "-v",
                         shared_ + ":/shared", "--", "/bin/sh", "-c", script});
  }

  // Waits until the container created shared_/NAME; false when berth ended
  // first (its output then says why).
  bool wait_for(const std::string &name, const Started &s) {
    const std::string path = shared_ + "/" + name;
    for (;;) {
      if (access(path.c_str(), F_OK) == 0) return true;
      siginfo_t info{};
      if (waitid(P_PID, static_cast<id_t>(s.pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
          info.si_pid == s.pid)
        return false;
      usleep(20 * 1000);
    }
  }

  // A signal to `berth run` reaches the process, which ends with 128+N.
  void expect_signal_ends_run(int sig, int code) {
    Started s = start("touch /shared/ready; exec sleep 1000");
    ASSERT_TRUE(wait_for("ready", s)) << BerthRunner::finish(s).err;
    ASSERT_EQ(kill(s.pid, sig), 0);
    Result r = BerthRunner::finish(s);
    EXPECT_EQ(r.exit_code, code) << r.err;
  }

  BerthRunner berth_;
  std::string shared_;
};

TEST_F(LibvirtEnd, SigtermToBerthRunEndsTheProcessWith143) {
  expect_signal_ends_run(SIGTERM, 143);
}

TEST_F(LibvirtEnd, SigintToBerthRunEndsTheProcessWith130) {
  expect_signal_ends_run(SIGINT, 130);
}

TEST_F(LibvirtEnd, FrozenControllerDoesNotKeepTheRunFromEnding) {
  // The container's libvirt_lxc controller is stopped before the process
  // exits: it can neither reap init nor tell libvirtd, so libvirtd never
  // reports the domain stopped (as when libvirtd loses its connection to
  // the controller). The run must still end with the process's status and
  // destroy the domain.
  Started s = start("touch /shared/ready; while [ ! -e /shared/go ]; do sleep 0.05; done; exit 3");
  ASSERT_TRUE(wait_for("ready", s)) << BerthRunner::finish(s).err;
  std::vector<std::string> ids = berth_.container_ids();
  ASSERT_EQ(ids.size(), 1u);
  int controller = controller_pid(ids[0]);
  ASSERT_GT(controller, 0) << "libvirt has no running domain for container " << ids[0];
  ASSERT_EQ(kill(controller, SIGSTOP), 0);
  std::ofstream(shared_ + "/go").close();
  Result r = BerthRunner::finish(s);
  kill(controller, SIGCONT);  // if destroy has not killed it
  EXPECT_EQ(r.exit_code, 3) << r.err;
}

TEST_F(LibvirtEnd, DefaultHostnameIsTheIdsFirst12CharactersAsOnNative) {
  Result r = berth_.run(
      {"run", "--exec-driver", "libvirt", "--rootfs", BERTH_ROOTFS, "--", "/bin/hostname"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> ids = berth_.container_ids();
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(r.out, ids[0].substr(0, 12) + "\n");
}

}  // namespace
}  // namespace berth::test
