// The lxc driver's own promises, checked from inside real containers.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>

namespace {

struct Result {
  int status = -1;
  std::string out;  // stdout and stderr, merged
};

Result sh(const std::string &cmd) {
  Result r;
  FILE *p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

class LxcDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-lxc-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  Result run(const std::string &args) {
    return sh(std::string(BERTH_BINARY) + " --root " + root_ +
              " run --rm --exec-driver lxc --rootfs " + BERTH_ROOTFS + " " + args);
  }
  // No LXC container of ours anywhere: no payload cgroup, no monitor, no
  // lxcpath left in the state root.
  void expect_nothing_left() {
    Result cg = sh("find /sys/fs/cgroup -maxdepth 3 -name 'lxc.*.berth-*' 2>/dev/null");
    EXPECT_EQ(cg.out, "") << "leftover LXC cgroups";
    Result lxcpaths = sh("find " + root_ + " -name lxc -type d");
    EXPECT_EQ(lxcpaths.out, "") << "leftover lxcpath";
    // The driver's shared lxcpath holds nothing (LXC's configuration and
    // log of a container live in its state directory).
    Result lxcpath = sh("find /run/berth-lxc -mindepth 1 2>/dev/null");
    EXPECT_EQ(lxcpath.out, "") << "something left in the driver's lxcpath";
    Result mounts = sh("grep -c " + root_ + " /proc/self/mountinfo || true");
    EXPECT_EQ(mounts.out, "0\n");
  }
  // The hierarchies (directory names below /sys/fs/cgroup) in which LXC
  // made the payload cgroup of a container started with FLAGS, seen from
  // the host while the container sleeps.
  std::string payload_hierarchies_while_running(const std::string &flags) {
    auto bg = std::async(std::launch::async, [&] { return run(flags + " -- /bin/sleep 2"); });
    std::string found;
    for (int i = 0; i < 1000 && found.empty(); ++i) {
      found = sh("find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -name 'lxc.payload.berth-*' "
                 "| cut -d/ -f5 | sort | tr '\\n' ' '")
                  .out;
      if (found.empty()) ::usleep(5000);
    }
    Result r = bg.get();
    EXPECT_EQ(r.status, 0) << r.out;
    return found;
  }
  std::string root_;
};

TEST_F(LxcDriver, LxcConfRawItemIsAppliedLast) {
  // --hostname sets lxc.uts.name first; the raw item overrides it.
  Result r = run("--hostname first --lxc-conf lxc.uts.name=fromraw -- /bin/hostname");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "fromraw\n");
  expect_nothing_left();
}

TEST_F(LxcDriver, DriverOptEnvironmentItemIsVisibleInside) {
  Result r = run("--driver-opt lxc.environment=RAWVAR=42 -- /bin/sh -c 'echo $RAWVAR'");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "42\n");
}

TEST_F(LxcDriver, TtyIsNamedConsoleInside) {
  // The core's pty slave belongs to the host's devpts, which the container's
  // own /dev/pts does not show; bound on /dev/console, ttyname() finds it.
  Result r = run("-t -- /bin/sh -c 'tty; [ -t 0 ] && echo is-a-tty' </dev/null");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("/dev/console"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("is-a-tty"), std::string::npos) << r.out;
  expect_nothing_left();
}

TEST_F(LxcDriver, UnknownKeyIsReportedWithLxcsMessageAndExit125) {
  Result r = run("--lxc-conf lxc.no.such.key=1 -- /bin/true");
  EXPECT_EQ(r.status, 125) << r.out;
  EXPECT_NE(r.out.find("lxc.no.such.key"), std::string::npos) << r.out;
  // liblxc's own words (confile.c), not ours.
  EXPECT_NE(r.out.find("Unsupported config key"), std::string::npos) << r.out;
  expect_nothing_left();
}

TEST_F(LxcDriver, BadValueIsReportedWithLxcsMessage) {
  Result r = run("--lxc-conf lxc.net.0.type=carrierpigeon -- /bin/true");
  EXPECT_EQ(r.status, 125) << r.out;
  EXPECT_NE(r.out.find("Invalid network type carrierpigeon"), std::string::npos) << r.out;
  expect_nothing_left();
}

TEST_F(LxcDriver, ConcurrentRunsGetDistinctContainersAndLeaveNothing) {
  // Each run sleeps while the other starts: their LXC names must differ or
  // the second start would fail on the first's command socket.
  auto one = [this](const char *tag) {
    return run(std::string("-- /bin/sh -c 'sleep 1; echo ") + tag + "'");
  };
  auto a = std::async(std::launch::async, one, "alpha");
  auto b = std::async(std::launch::async, one, "beta");
  Result ra = a.get(), rb = b.get();
  EXPECT_EQ(ra.status, 0) << ra.out;
  EXPECT_EQ(rb.status, 0) << rb.out;
  EXPECT_EQ(ra.out, "alpha\n");
  EXPECT_EQ(rb.out, "beta\n");
  expect_nothing_left();
}

TEST_F(LxcDriver, LxcMakesCgroupsOnlyInTheHierarchiesTheSpecUses) {
  // Memory and pids limits: those two hierarchies, plus the cgroup2 one
  // (LXC clones the init into it) on a hybrid host.
  std::string with_limits = payload_hierarchies_while_running("-m 64m --pids-limit 64");
  std::string cpu = payload_hierarchies_while_running("--cpu-shares 512");
  std::string none = payload_hierarchies_while_running("");
  bool v1 = ::access("/sys/fs/cgroup/memory/cgroup.procs", F_OK) == 0;
  if (!v1) GTEST_SKIP() << "no cgroup v1 hierarchies: LXC sees the one cgroup2 hierarchy";
  bool unified = ::access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) == 0;
  std::string u = unified ? "unified " : "";
  EXPECT_EQ(with_limits, "memory pids " + u);
  EXPECT_EQ(cpu, "cpu " + u);
  EXPECT_EQ(none, unified ? "unified " : "pids ");
  expect_nothing_left();
}

TEST_F(LxcDriver, RawCgroupItemForAnyControllerIsApplied) {
  // A raw lxc.cgroup.* item brings its hierarchy into LXC's view; LXC
  // applies it (a refused one would fail the start).
  bool v1 = ::access("/sys/fs/cgroup/freezer/cgroup.procs", F_OK) == 0;
  if (!v1) GTEST_SKIP() << "no freezer v1 hierarchy on this host";
  std::string seen =
      payload_hierarchies_while_running("--lxc-conf lxc.cgroup.freezer.state=THAWED");
  EXPECT_NE(seen.find("freezer"), std::string::npos) << seen;
  expect_nothing_left();
}

TEST_F(LxcDriver, SigtermReachesTheProcessThroughLxcInit) {
  // LXC's init forwards SIGTERM; the process's own death comes back as 143.
  Result r = run("-- /bin/sh -c 'kill -TERM 1; sleep 5'");
  EXPECT_EQ(r.status, 143) << r.out;
}

}  // namespace
