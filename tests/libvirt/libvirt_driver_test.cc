// What the libvirt driver must get right beyond the conformance suite:
// the real exit status through its own init, and the console carrying long
// output whole, in order, and to the last byte at exit.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "berth_runner.hpp"

namespace berth::test {
namespace {

class LibvirtDriver : public ::testing::Test {
 protected:
  Result run(std::vector<std::string> args, const std::string &stdin_file = "") {
    std::vector<std::string> full = {"run", "--exec-driver", "libvirt", "--rootfs", BERTH_ROOTFS};
    full.insert(full.end(), args.begin(), args.end());
    return berth_.run(full, stdin_file);
  }

  void TearDown() override {
    // Every run has returned: its domain and mounts must be gone already.
    EXPECT_EQ(leftovers(berth_.created_ids()), std::vector<std::string>{});
  }

  BerthRunner berth_;
};

TEST_F(LibvirtDriver, FailingCommandReturnsItsExitCode) {
  Result r = run({"--", "/bin/sh", "-c", "echo about to fail; exit 42"});
  EXPECT_EQ(r.exit_code, 42) << r.err;
  EXPECT_EQ(r.out, "about to fail\n");
}

TEST_F(LibvirtDriver, ProcessKilledBySignalReturns128PlusSignal) {
  Result r = run({"--", "/bin/sh", "-c", "kill -KILL $$"});
  EXPECT_EQ(r.exit_code, 137) << r.err;
}

TEST_F(LibvirtDriver, MissingExecutableReturns127) {
  Result r = run({"--", "/no/such/program"});
  EXPECT_EQ(r.exit_code, 127) << r.err;
  EXPECT_NE(r.err.find("/no/such/program"), std::string::npos) << r.err;
}

TEST_F(LibvirtDriver, MebibyteOfConsoleOutputArrivesWholeAndInOrder) {
  // seq 1 180000 is 1,048,896 bytes (just over 1 MiB) of numbered lines: any loss, duplicate
  // or reordering shows in the comparison, and the last line checks that
  // nothing in flight was dropped when the container stopped.
  std::string expected;
  for (int i = 1; i <= 180000; i++) expected += std::to_string(i) + "\n";
  ASSERT_GE(expected.size(), 1u << 20);
  Result r = run({"--", "/bin/seq", "1", "180000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.out.size(), expected.size());
  EXPECT_TRUE(r.out == expected) << "output differs from seq 1 180000";
}

TEST_F(LibvirtDriver, OutputWrittenJustBeforeExitIsNotLost) {
  // The process writes and exits at once, many times over: each run's last
  // bytes race the container's end.
  for (int i = 0; i < 5; i++) {
    Result r =
        run({"--", "/bin/sh", "-c", "printf 'last words %s' " + std::to_string(i) + "; exit 3"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_EQ(r.out, "last words " + std::to_string(i));
  }
}

TEST_F(LibvirtDriver, MebibyteOfStdinReachesTheProcessUnchanged) {
  // Every byte value, including the ones a terminal would interpret (^C,
  // ^D, ^S, \r): the console must pass stdin through raw.
  std::string input;
  for (int i = 0; i < (1 << 20); i++) input += static_cast<char>((i * 7 + i / 256) & 0xff);
  const std::string path = berth_.root() + "/input.bin";
  {
    std::ofstream f(path, std::ios::binary);
    f << input;
  }
  Result r = run({"-i", "--", "/bin/cat"}, path);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.out.size(), input.size());
  EXPECT_TRUE(r.out == input) << "stdin came back altered";
}

}  // namespace
}  // namespace berth::test
