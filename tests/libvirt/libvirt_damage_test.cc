// A libvirt container whose monitor died or whose driver record is damaged
// (issue 12): the driver's state says what libvirt says, and rm -f removes
// the domain and everything libvirt-lxc leaves for it in its state
// directory, from the container id alone.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "berth_runner.hpp"

namespace berth::test {
namespace {

namespace fs = std::filesystem;

// Entries libvirt-lxc keeps for the container's domain in its state
// directory (NAME.dev, .devpts, .fuse, .sock, .pid, .xml).
std::vector<std::string> libvirt_files(const std::string &id) {
  const char *env = std::getenv("BERTH_LIBVIRT_STATE_DIR");
  const std::string dir = env != nullptr && *env != '\0' ? env : "/run/libvirt/lxc";
  const std::string prefix = "berth-" + id.substr(0, 58) + ".";  // as the driver names it
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto &e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind(prefix, 0) == 0) found.push_back(e.path().string());
  return found;
}

// Waits (bounded) until libvirt has no running domain for the container.
bool domain_gone(const std::string &id) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (controller_pid(id) > 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

class LibvirtDamage : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const std::string &id : created_) {
      EXPECT_EQ(libvirt_files(id), std::vector<std::string>{}) << id;
      EXPECT_EQ(leftovers({id}), std::vector<std::string>{}) << id;
    }
  }

  // A detached container running sleep; its id.
  std::string start_detached() {
    Result r = berth_.run({"run", "-d", "--exec-driver", "libvirt", "--rootfs", BERTH_ROOTFS, "--",
                           "/bin/sleep", "1000"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string id = r.out.substr(0, r.out.find('\n'));
    created_.push_back(id);
    EXPECT_GT(controller_pid(id), 0) << "no running domain for " << id;
    return id;
  }

  std::string container_dir(const std::string &id) { return berth_.root() + "/containers/" + id; }

  // `top` finds the processes through the domain when the record names none.
  void expect_top_shows_sleep(const std::string &id) {
    Result r = berth_.run({"top", id});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("sleep"), std::string::npos) << r.out;
  }

  BerthRunner berth_;
  std::vector<std::string> created_;
};

TEST_F(LibvirtDamage, NothingOfLibvirtsStateDirectoryOutlivesARun) {
  // libvirt 9.0 itself leaves NAME.dev/.devpts/.fuse (and .sock) behind.
  Result r =
      berth_.run({"run", "--exec-driver", "libvirt", "--rootfs", BERTH_ROOTFS, "--", "/bin/true"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  created_ = berth_.container_ids();
  ASSERT_EQ(created_.size(), 1u);
  ASSERT_EQ(berth_.run({"rm", created_[0]}).exit_code, 0);
  // A start that fails half-way (no such program) leaves nothing either.
  r = berth_.run({"run", "--rm", "--exec-driver", "libvirt", "--rootfs", BERTH_ROOTFS, "--",
                  "/no/such/program"});
  EXPECT_EQ(r.exit_code, 127) << r.err;
}

TEST_F(LibvirtDamage, StateIsStoppedOnceLibvirtDestroyedTheDomainOfAKilledMonitor) {
  std::string id = start_detached();
  std::ifstream in(container_dir(id) + "/state.json");
  std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t at = json.find("\"monitor_pid\": ");
  ASSERT_NE(at, std::string::npos) << json;
  int monitor = std::atoi(json.c_str() + at + 15);
  ASSERT_GT(monitor, 0);
  ASSERT_EQ(kill(monitor, SIGKILL), 0);
  // libvirt destroys an AUTODESTROY domain when its connection closes.
  ASSERT_TRUE(domain_gone(id));
  Result r = berth_.run({"inspect", id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"state\": \"stopped\""), std::string::npos) << r.out;
  r = berth_.run({"rm", "-f", id});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(LibvirtDamage, RmForceRemovesTheDomainWhenTheDriverRecordIsGarbled) {
  std::string id = start_detached();
  {
    std::ofstream out(container_dir(id) + "/driver/libvirt.state", std::ios::trunc);
    out << "\x01\x02garbage\ndomain=berth-someone-else\nuri=nonsense:///\n";
  }
  // libvirt's domain (named from the id) leads to the process.
  Result r = berth_.run({"inspect", id});
  EXPECT_NE(r.out.find("\"state\": \"running\""), std::string::npos) << r.out;
  expect_top_shows_sleep(id);
  r = berth_.run({"rm", "-f", id});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(domain_gone(id));
}

TEST_F(LibvirtDamage, RmForceRemovesTheDomainWhenTheDriverRecordIsMissing) {
  std::string id = start_detached();
  ASSERT_EQ(unlink((container_dir(id) + "/driver/libvirt.state").c_str()), 0);
  Result r = berth_.run({"inspect", id});
  EXPECT_NE(r.out.find("\"state\": \"running\""), std::string::npos) << r.out;
  expect_top_shows_sleep(id);
  r = berth_.run({"rm", "-f", id});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(domain_gone(id));
}

}  // namespace
}  // namespace berth::test
