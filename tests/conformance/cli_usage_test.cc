// The command line's own errors, as a docker user expects them: prefixed
// with "berth:", naming what was typed, exit 125, nothing started.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "harness.h"

namespace berth::test {
namespace {

TEST(CliUsage, AnUnknownVerbIsNamedAsNotABerthCommand) {
  TempDir root;
  Result r = run_berth({"--root", root.path(), "nope"});
  EXPECT_EQ(r.status, 125) << r.describe();
  EXPECT_EQ(r.err, "berth: 'nope' is not a berth command; see 'berth --help'\n") << r.describe();
}

TEST(CliUsage, AnUnknownFlagSaysBerthAndPointsAtTheVerbsHelp) {
  TempDir root;
  Result r = run_berth({"--root", root.path(), "ps", "--bogus"});
  EXPECT_EQ(r.status, 125) << r.describe();
  EXPECT_EQ(r.err.rfind("berth: ", 0), 0u) << r.describe();
  EXPECT_NE(r.err.find("--bogus"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("See 'berth ps --help'."), std::string::npos) << r.describe();
}

TEST(CliUsage, DoubleDashEndsTheOptionsOfVerbsOtherThanRun) {
  TempDir dir;
  std::string spec = dir.path() + "/spec.yaml";
  std::ofstream(spec) << "version: 1\nrootfs: " BERTH_ROOTFS "\nprocess:\n  args: [/bin/true]\n";
  Result r = run_berth({"spec", "validate", "--", spec});
  EXPECT_EQ(r.status, 0) << r.describe();
}

TEST(CliUsage, HelpIsAVerbToo) {
  Result r = run_berth({"help"});
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_NE(r.out.find("Subcommands:"), std::string::npos) << r.describe();
}

}  // namespace
}  // namespace berth::test
