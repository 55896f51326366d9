// The conformance suite: every behaviour a driver can promise, written once
// and run against every driver built in this tree. A case tagged with a
// feature runs for real on a driver that declares it; on a driver that does
// not, the same request must be refused with a clear error (exit 125, the
// field named) and nothing started.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <chrono>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "driver_fixture.h"
#include "harness.h"

namespace berth::test {
namespace {
namespace fs = std::filesystem;

// The fixture (driver_fixture.h): a private state root and rootfs copy per
// case, leak checks by the ids of the case's own containers.
class Conformance : public DriverTest {
 protected:
  // Waits (bounded) until a detached container's output shows `text` (its
  // shell has set its traps by then).
  ::testing::AssertionResult logs_show(const std::string &name, const std::string &text) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::string seen;
    while (std::chrono::steady_clock::now() < deadline) {
      seen = berth({"logs", name}).out;
      if (seen.find(text) != std::string::npos) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return ::testing::AssertionFailure() << name << " never printed " << text << "; logs: " << seen;
  }
};

TEST_P(Conformance, StdoutReachesTheCaller) {
  Result r = run({}, {"/bin/echo", "hello from berth"});
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "hello from berth\n") << r.describe();
}

TEST_P(Conformance, ExitCodeZeroOneAndFortyTwoComeBack) {
  for (int code : {0, 1, 42}) {
    Result r = run({}, {"/bin/sh", "-c", "exit " + std::to_string(code)});
    EXPECT_EQ(r.status, code) << r.describe();
  }
}

TEST_P(Conformance, KilledBySignalNineExitsWith137) {
  Result r = run({}, {"/bin/sh", "-c", "kill -KILL $$; sleep 5"});
  EXPECT_EQ(r.status, 137) << r.describe();
}

TEST_P(Conformance, CommandNotFoundExitsWith127) {
  Result r = run({}, {"/no/such/command"});
  EXPECT_EQ(r.status, 127) << r.describe();
}

TEST_P(Conformance, CommandNotExecutableExitsWith126) {
  Result r = run({}, {"/etc/passwd"});
  EXPECT_EQ(r.status, 126) << r.describe();
}

TEST_P(Conformance, StderrIsSeparateWhereDeclaredElseMergedIntoStdout) {
  Result r = run({}, {"/bin/sh", "-c", "echo to-out; echo to-err >&2"});
  EXPECT_EQ(r.status, 0) << r.describe();
  if (has("separate-stderr")) {
    EXPECT_EQ(r.out, "to-out\n") << r.describe();
    EXPECT_NE(r.err.find("to-err"), std::string::npos) << r.describe();
  } else {
    EXPECT_NE(r.out.find("to-out"), std::string::npos) << r.describe();
    EXPECT_NE(r.out.find("to-err"), std::string::npos) << r.describe();
  }
}

TEST_P(Conformance, EnvironmentVariablesReachTheProcess) {
  Result r = run({"-e", "GREETING=hi there", "-e", "EMPTY="},
                 {"/bin/sh", "-c", "echo \"$GREETING|$EMPTY|$PATH\""});
  if (!has("env")) return expect_refused(r, "process.env", "env");
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "hi there||/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n")
      << r.describe();
}

TEST_P(Conformance, WorkingDirectoryIsHonoured) {
  Result r = run({"-w", "/tmp"}, {"/bin/pwd"});
  if (!has("cwd")) return expect_refused(r, "process.cwd", "cwd");
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "/tmp\n") << r.describe();
}

TEST_P(Conformance, NumericUserAndGroupAreSwitchedTo) {
  Result r = run({"-u", "1000:1000"}, {"/bin/sh", "-c", "id -u; id -g; id -G"});
  if (!has("user")) return expect_refused(r, "process.user", "user");
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "1000\n1000\n1000\n") << r.describe();
}

TEST_P(Conformance, UserNameResolvesInTheRootfs) {
  Result r = run({"-u", "nobody"}, {"/bin/sh", "-c", "id -u; id -g"});
  if (!has("user")) return expect_refused(r, "process.user", "user");
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "65534\n65534\n") << r.describe();
}

TEST_P(Conformance, UnknownUserNameIsRefusedNamingTheField) {
  if (!has("user")) GTEST_SUCCEED() << "covered by the refusal cases";
  Result r = run({"-u", "nosuchuser"}, {"/bin/true"});
  EXPECT_EQ(r.status, 125) << r.describe();
  if (has("user")) {
    EXPECT_NE(r.err.find("process.user"), std::string::npos) << r.describe();
    EXPECT_NE(r.err.find("nosuchuser"), std::string::npos) << r.describe();
  }
}

TEST_P(Conformance, StdinPipeReachesTheProcessWithDashI) {
  Result r =
      run({"-i"}, {"/bin/sh", "-c", "read line; echo \"got:$line\"; cat"}, "first\nsecond\n");
  if (!has("stdin")) return expect_refused(r, "process.stdin", "stdin");
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "got:first\nsecond\n") << r.describe();
}

TEST_P(Conformance, FourMegabytesOfStdinArriveWholeAndInOrder) {
  std::string input;
  for (int i = 0; input.size() < (4u << 20); i++) input += "line " + std::to_string(i) + "\n";
  input += "the end\n";
  Result r =
      run({"-i"}, {"/bin/sh", "-c", "tee /tmp/in | wc -c; head -n 2 /tmp/in; tail -n 1 /tmp/in"},
          input);
  if (!has("stdin")) return expect_refused(r, "process.stdin", "stdin");
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, std::to_string(input.size()) + "\nline 0\nline 1\nthe end\n") << r.describe();
}

TEST_P(Conformance, WithoutDashIStdinIsEmpty) {
  Result r = run({}, {"/bin/cat"}, "should not arrive\n");
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "") << r.describe();
}

TEST_P(Conformance, MemoryLimitKillsTheHogWith137AndTheOomFlag) {
  // dd's 256 MiB buffer is touched as it reads: far over a 32 MiB limit.
  auto a = base(/*remove=*/false);
  a.insert(a.end(), {"--name", "hog", "-m", "32Mi", "--", "/bin/dd", "if=/dev/zero", "of=/dev/null",
                     "bs=256M", "count=1"});
  Result r = run_berth(a);
  if (!has("limit.memory")) return expect_refused(r, "resources.memory", "limit.memory");
  EXPECT_EQ(r.status, 137) << r.describe();
  Result inspect = berth({"inspect", "hog"});
  ASSERT_EQ(inspect.status, 0) << inspect.describe();
  auto j = nlohmann::json::parse(inspect.out);
  if (has("oom-report")) {
    EXPECT_TRUE(j["oom_killed"].get<bool>()) << inspect.out;
  }
  Result rm = berth({"rm", "hog"});
  EXPECT_EQ(rm.status, 0) << rm.describe();
}

TEST_P(Conformance, MemoryLimitLeavesAModestProcessAlone) {
  Result r = run({"-m", "64Mi"}, {"/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=1M", "count=4"});
  if (!has("limit.memory")) return expect_refused(r, "resources.memory", "limit.memory");
  EXPECT_EQ(r.status, 0) << r.describe();
}

TEST_P(Conformance, PidsLimitStopsAForkLoop) {
  // A subshell starts up to 30 sleeps, printing the count after each; busybox
  // sh gives up at the first failed fork. With 8 pids for everything, the
  // last count printed stays well below 30.
  Result r = run({"--pids-limit", "8"},
                 {"/bin/sh", "-c",
                  "( i=0; while [ $i -lt 30 ]; do sleep 2 & i=$((i+1)); echo $i; done ) "
                  "2>/dev/null | tail -n 1"});
  if (!has("limit.pids")) return expect_refused(r, "resources.pids", "limit.pids");
  EXPECT_EQ(r.status, 0) << r.describe();
  ASSERT_FALSE(r.out.empty()) << r.describe();
  int started = std::stoi(r.out);
  EXPECT_GE(started, 1) << r.describe();
  EXPECT_LT(started, 8) << r.describe();
}

TEST_P(Conformance, CpuSharesAreAccepted) {
  Result r = run({"--cpu-shares", "512"}, {"/bin/true"});
  if (!has("limit.cpu")) return expect_refused(r, "resources.cpu_shares", "limit.cpu");
  EXPECT_EQ(r.status, 0) << r.describe();
}

TEST_P(Conformance, ReadOnlyBindMountCanBeReadButNotWritten) {
  TempDir data;
  { std::ofstream(data.path() + "/greeting") << "hello from the host\n"; }
  Result r =
      run({"-v", data.path() + ":/data:ro"},
          {"/bin/sh", "-c", "cat /data/greeting; (echo x > /data/new) 2>/dev/null && echo WROTE"});
  if (!has("bind-mounts")) return expect_refused(r, "mounts", "bind-mounts");
  if (!has("readonly-mounts")) return expect_refused(r, "mounts[0].readonly", "readonly-mounts");
  EXPECT_NE(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "hello from the host\n") << r.describe();
  EXPECT_FALSE(fs::exists(data.path() + "/new"));
}

TEST_P(Conformance, ReadWriteBindMountWritesReachTheHost) {
  TempDir data;
  Result r = run({"-v", data.path() + ":/data"}, {"/bin/sh", "-c", "echo written > /data/out"});
  if (!has("bind-mounts")) return expect_refused(r, "mounts", "bind-mounts");
  EXPECT_EQ(r.status, 0) << r.describe();
  std::ifstream in(data.path() + "/out");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "written");
}

TEST_P(Conformance, DefaultHostnameIsTheIdPrefixWithAUtsNamespace) {
  // As Docker: a container with its own UTS namespace and no hostname in the
  // spec is named by the first 12 characters of its id, never the host's;
  // without one (chroot) it shares the host's.
  Result r = run({}, {"/bin/hostname"});
  EXPECT_EQ(r.status, 0) << r.describe();
  if (!has("ns.uts")) {  // no UTS namespace: the host's name, shared by design
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    EXPECT_EQ(r.out, std::string(host) + "\n") << r.describe();
    return;
  }
  ASSERT_EQ(r.out.size(), 13u) << r.describe();
  EXPECT_EQ(r.out.find_first_not_of("0123456789abcdef"), 12u) << r.describe();
}

TEST_P(Conformance, HostnameIsSet) {
  Result r = run({"--hostname", "conformance"}, {"/bin/hostname"});
  if (!has("hostname")) return expect_refused(r, "hostname", "hostname");
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "conformance\n") << r.describe();
}

TEST_P(Conformance, NetworkNoneLeavesOnlyLoopback) {
  Result r = run({"--network", "none"},
                 {"/bin/sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"});
  if (!has("network.none")) return expect_refused(r, "network: none", "network.none");
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "lo\n") << r.describe();
}

TEST_P(Conformance, NetworkHostSharesTheHostsInterfaces) {
  Result r = run({"--network", "host"}, {"/bin/sh", "-c", "tail -n +3 /proc/net/dev | wc -l"});
  if (!has("network.host")) return expect_refused(r, "network: host", "network.host");
  EXPECT_EQ(r.status, 0) << r.describe();
  std::ifstream in("/proc/net/dev");
  int lines = 0;
  std::string line;
  while (std::getline(in, line)) ++lines;
  EXPECT_EQ(std::stoi(r.out), lines - 2) << r.describe();
}

TEST_P(Conformance, ReadOnlyRootfsRefusesWrites) {
  Result r = run({"--read-only"}, {"/bin/sh", "-c", "touch /should-not-exist && echo WROTE"});
  if (!has("readonly-rootfs")) return expect_refused(r, "readonly_rootfs", "readonly-rootfs");
  EXPECT_NE(r.status, 0) << r.describe();
  EXPECT_EQ(r.out.find("WROTE"), std::string::npos) << r.describe();
  EXPECT_FALSE(fs::exists(rootfs() + "/should-not-exist"));
}

TEST_P(Conformance, DroppingAllCapabilitiesEmptiesTheEffectiveSet) {
  Result r = run({"--cap-drop", "ALL"}, {"/bin/sh", "-c", "grep CapEff /proc/self/status"});
  if (!has("capabilities")) return expect_refused(r, "capabilities", "capabilities");
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_NE(r.out.find("0000000000000000"), std::string::npos) << r.describe();
}

TEST_P(Conformance, TtyGivesTheProcessATerminal) {
  Result r = run({"-t"}, {"/bin/sh", "-c", "[ -t 0 ] && [ -t 1 ] && echo is-a-tty"});
  if (!has("tty")) return expect_refused(r, "process.tty", "tty");
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_NE(r.out.find("is-a-tty"), std::string::npos) << r.describe();
}

// The monitor forwards the signals it receives to the container's process
// (on one thread with the driver's exit_fd, from a thread without).
TEST_P(Conformance, SigtermToBerthRunReachesTheProcess) {
  auto a = base();
  a.insert(a.end(), {"--", "/bin/sh", "-c",
                     "trap 'echo got TERM; exit 7' TERM; echo ready; "
                     "while :; do sleep 1 & wait $!; done"});
  Result r = run_berth(a, "", 60, SIGTERM, "ready\n");
  EXPECT_FALSE(r.timed_out) << r.describe();
  EXPECT_EQ(r.status, 7) << r.describe();
  EXPECT_NE(r.out.find("got TERM"), std::string::npos) << r.describe();
}

TEST_P(Conformance, KillAndPidsWorkFromAnotherProcess) {
  auto a = base(/*remove=*/false);
  a.insert(a.end(), {"-d", "--name", "sleeper", "--", "/bin/sleep", "300"});
  Result started = run_berth(a);
  ASSERT_EQ(started.status, 0) << started.describe();

  Result top = berth({"top", "sleeper"});
  if (has("pids")) {
    EXPECT_EQ(top.status, 0) << top.describe();
    EXPECT_NE(top.out.find("sleep"), std::string::npos) << top.describe();
  } else {
    EXPECT_NE(top.status, 0) << top.describe();
    EXPECT_NE(top.err.find("cannot list"), std::string::npos) << top.describe();
  }
  Result ps = berth({"ps"});
  EXPECT_NE(ps.out.find("sleeper"), std::string::npos) << ps.describe();

  Result killed = berth({"kill", "sleeper", "KILL"});
  EXPECT_EQ(killed.status, 0) << killed.describe();
  Result waited = berth({"wait", "sleeper"});
  EXPECT_EQ(waited.status, 0) << waited.describe();
  EXPECT_EQ(waited.out, "137\n") << waited.describe();
  Result rm = berth({"rm", "sleeper"});
  EXPECT_EQ(rm.status, 0) << rm.describe();
}

TEST_P(Conformance, StopSendsTermAndTheProcessEndsWithItsOwnStatus) {
  auto a = base(/*remove=*/false);
  a.insert(a.end(), {"-d", "--name", "stoppable", "--", "/bin/sh", "-c",
                     "trap 'exit 7' TERM; echo ready; sleep 300 & wait"});
  ASSERT_EQ(run_berth(a).status, 0);
  ASSERT_TRUE(logs_show("stoppable", "ready"));
  Result stopped = berth({"stop", "stoppable"});
  EXPECT_EQ(stopped.status, 0) << stopped.describe();
  EXPECT_EQ(stopped.out, "stoppable\n") << stopped.describe();
  Result waited = berth({"wait", "stoppable"});
  EXPECT_EQ(waited.out, "7\n") << waited.describe();
  // A stopped container stops again without complaint, as docker's does.
  EXPECT_EQ(berth({"stop", "stoppable"}).status, 0);
  EXPECT_EQ(berth({"rm", "stoppable"}).status, 0);
}

TEST_P(Conformance, StopKillsAProcessIgnoringTermWith137AfterTheGracePeriod) {
  auto a = base(/*remove=*/false);
  a.insert(a.end(), {"-d", "--name", "stubborn", "--", "/bin/sh", "-c",
                     "trap '' TERM; echo ready; while :; do sleep 1; done"});
  ASSERT_EQ(run_berth(a).status, 0);
  ASSERT_TRUE(logs_show("stubborn", "ready"));
  auto began = std::chrono::steady_clock::now();
  Result stopped = berth({"stop", "-t", "1", "stubborn"});
  auto took = std::chrono::steady_clock::now() - began;
  EXPECT_EQ(stopped.status, 0) << stopped.describe();
  EXPECT_GE(took, std::chrono::seconds(1)) << "KILL came before the grace period was over";
  Result waited = berth({"wait", "stubborn"});
  EXPECT_EQ(waited.out, "137\n") << waited.describe();
  EXPECT_EQ(berth({"rm", "stubborn"}).status, 0);
}

TEST_P(Conformance, DetachedOutputGoesToLogs) {
  auto a = base(/*remove=*/false);
  a.insert(a.end(),
           {"-d", "--name", "logger", "--", "/bin/sh", "-c", "echo out-line; echo err-line >&2"});
  Result started = run_berth(a);
  ASSERT_EQ(started.status, 0) << started.describe();
  Result waited = berth({"wait", "logger"});
  EXPECT_EQ(waited.out, "0\n") << waited.describe();
  Result logs = berth({"logs", "logger"});
  EXPECT_NE((logs.out + logs.err).find("out-line"), std::string::npos) << logs.describe();
  EXPECT_NE((logs.out + logs.err).find("err-line"), std::string::npos) << logs.describe();
  EXPECT_EQ(berth({"rm", "logger"}).status, 0);
}

TEST_P(Conformance, RmRefusesARunningContainerWithoutForce) {
  auto a = base(/*remove=*/false);
  a.insert(a.end(), {"-d", "--name", "busy", "--", "/bin/sleep", "300"});
  ASSERT_EQ(run_berth(a).status, 0);
  Result rm = berth({"rm", "busy"});
  EXPECT_NE(rm.status, 0) << rm.describe();
  EXPECT_NE(rm.err.find("is running"), std::string::npos) << rm.describe();
  Result forced = berth({"rm", "-f", "busy"});
  EXPECT_EQ(forced.status, 0) << forced.describe();
}

TEST_P(Conformance, SpecFileRunsWithFlagsOverridingIt) {
  TempDir dir;
  {
    std::ofstream spec(dir.path() + "/spec.yaml");
    spec << "version: 1\nrootfs: " << rootfs()
         << "\nprocess:\n  args: [/bin/sh, -c, 'echo \"$WHO\"']\n  env: [WHO=spec]\n";
  }
  auto a = std::vector<std::string>{
      "--root", state_root(), "run", "--exec-driver", driver(), "--rm", dir.path() + "/spec.yaml"};
  Result from_spec = run_berth(a);
  EXPECT_EQ(from_spec.status, 0) << from_spec.describe();
  EXPECT_EQ(from_spec.out, "spec\n") << from_spec.describe();
  a.insert(a.end() - 1, {"-e", "WHO=flag"});
  Result overridden = run_berth(a);
  EXPECT_EQ(overridden.out, "flag\n") << overridden.describe();
}

TEST_P(Conformance, BestEffortRunsAndWarnsForEachIgnoredField) {
  // Ask for everything; a driver lacking some features must warn for each.
  Result r = run({"--best-effort", "--hostname", "be", "-m", "64Mi", "--pids-limit", "64",
                  "--network", "none", "--read-only", "--cap-drop", "ALL"},
                 {"/bin/echo", "ran"});
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "ran\n") << r.describe();
  const std::pair<const char *, const char *> fields[] = {{"hostname", "hostname"},
                                                          {"limit.memory", "resources.memory"},
                                                          {"limit.pids", "resources.pids"},
                                                          {"network.none", "network: none"},
                                                          {"readonly-rootfs", "readonly_rootfs"},
                                                          {"capabilities", "capabilities"}};
  for (const auto &[feature, field] : fields) {
    bool warned = r.err.find(std::string("cannot honour ") + field) != std::string::npos;
    EXPECT_EQ(warned, !has(feature)) << field << "\n" << r.describe();
  }
}

INSTANTIATE_TEST_SUITE_P(Drivers, Conformance, ::testing::ValuesIn(drivers_under_test()),
                         driver_param_name);

// Not per driver: the core's own refusals.
TEST(CoreRefusals, UnknownDriverListsTheDriversFound) {
  TempDir root;
  Result r = run_berth({"--root", root.path(), "run", "--exec-driver", "nosuch", "--rootfs",
                        BERTH_ROOTFS, "--", "/bin/true"});
  EXPECT_EQ(r.status, 125) << r.describe();
  EXPECT_NE(r.err.find("unknown execution driver 'nosuch'"), std::string::npos) << r.describe();
  for (const auto &d : drivers_under_test()) EXPECT_NE(r.err.find(d), std::string::npos) << d;
}

TEST(CoreRefusals, MissingRootfsNamesTheFieldAndLeavesNothing) {
  TempDir root;
  Result r =
      run_berth({"--root", root.path(), "run", "--rootfs", "/does/not/exist", "--", "/bin/true"});
  EXPECT_EQ(r.status, 125) << r.describe();
  EXPECT_NE(r.err.find("rootfs: '/does/not/exist' is not a directory"), std::string::npos)
      << r.describe();
  EXPECT_FALSE(fs::exists(root.path() + "/containers")) << "a refused run must leave no state";
}

TEST(CoreRefusals, BadMemorySizeNamesTheFlagAndTheValue) {
  TempDir root;
  Result r = run_berth({"--root", root.path(), "run", "--rootfs", BERTH_ROOTFS, "-m", "64 apples",
                        "--", "/bin/true"});
  EXPECT_EQ(r.status, 125) << r.describe();
  EXPECT_NE(r.err.find("'64 apples' is not a memory size"), std::string::npos) << r.describe();
}

TEST(CoreRefusals, InvalidSpecReportsFileLineAndColumn) {
  TempDir dir;
  {
    std::ofstream(dir.path() + "/bad.yaml")
        << "version: 1\nrootfs: /\nprocess:\n  argz: [/bin/true]\n";
  }
  Result r = run_berth({"--root", dir.path(), "run", dir.path() + "/bad.yaml"});
  EXPECT_EQ(r.status, 125) << r.describe();
  EXPECT_NE(r.err.find(dir.path() + "/bad.yaml:4:3:"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("args"), std::string::npos) << "did you mean 'args'?\n" << r.describe();
}

// Not per driver: the store. `berth wait` on a detached --rm container
// reports what happened (its record went with it), never "monitor died",
// and a recycled container directory does not confuse it.
TEST(CoreStore, WaitOnADetachedRmContainerSaysItWasRemovedOnExit) {
  TempDir root;
  Result started = run_berth({"--root", root.path(), "run", "-d", "--rm", "--name", "brief",
                              "--rootfs", BERTH_ROOTFS, "--", "/bin/sleep", "0.3"});
  ASSERT_EQ(started.status, 0) << started.describe();
  Result waited = run_berth({"--root", root.path(), "wait", "brief"});
  EXPECT_NE(waited.status, 0) << waited.describe();
  EXPECT_NE(waited.err.find("was removed when it exited (--rm)"), std::string::npos)
      << waited.describe();
  // The directory went to the spares and serves the next container.
  Result next = run_berth(
      {"--root", root.path(), "run", "--rm", "--rootfs", BERTH_ROOTFS, "--", "/bin/true"});
  EXPECT_EQ(next.status, 0) << next.describe();
  Result ps = run_berth({"--root", root.path(), "ps", "-a"});
  EXPECT_EQ(ps.out.find("brief"), std::string::npos) << ps.describe();
}

}  // namespace
}  // namespace berth::test
