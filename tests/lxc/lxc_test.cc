// The lxc driver's own promises, checked from inside real containers.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <berth/sdk/cgroup.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "leaks.h"

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
    ids_ = std::make_unique<berth::test::ContainerIds>(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  Result run(const std::string &args) {
    return sh(std::string(BERTH_BINARY) + " --root " + root_ +
              " run --rm --exec-driver lxc --rootfs " + BERTH_ROOTFS + " " + args);
  }
  // A cgroup2-only host (its root has cgroup.controllers), else v1/hybrid.
  static bool cgroup2_only() { return ::access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0; }
  // berth's directory of container `id` holding `controller`'s files.
  static std::string berth_dir(const std::string &controller, const std::string &id) {
    return cgroup2_only() ? "/sys/fs/cgroup/berth/" + id
                          : "/sys/fs/cgroup/" + controller + "/berth/" + id;
  }
  // No LXC container of ours anywhere: no payload cgroup, no berth cgroup,
  // no monitor, no lxcpath left in the state root. Ours: the containers
  // this test started (by id), never another's on a busy host.
  void expect_nothing_left() {
    std::vector<std::string> ids = ids_->all();
    for (const std::string &left : berth::test::host_leftovers(ids, {root_}))
      ADD_FAILURE() << "left on the host: " << left;
    Result lxcpaths = sh("find " + root_ + " -name lxc -type d");
    EXPECT_EQ(lxcpaths.out, "") << "leftover lxcpath";
    // The driver's shared lxcpath holds nothing (LXC's configuration and
    // log of a container live in its state directory).
    Result lxcpath = sh("find /run/berth-lxc -mindepth 1 2>/dev/null");
    for (const std::string &id : ids)
      EXPECT_EQ(lxcpath.out.find(id), std::string::npos)
          << "something left in the driver's lxcpath:\n"
          << lxcpath.out;
    // No berth process of this state root (a detached run's monitor, LXC's
    // monitor: both carry "--root ROOT"), once a detached one has noticed.
    std::string pgrep = "pgrep -f '[-]-root " + root_ + " ' | tr '\\n' ' '";
    std::string left = sh(pgrep).out;
    for (int i = 0; i < 2000 && !left.empty(); ++i) {
      ::usleep(5000);
      left = sh(pgrep).out;
    }
    EXPECT_EQ(left, "") << "berth processes left";
  }
  Result berth(const std::string &args) {
    return sh(std::string(BERTH_BINARY) + " --root " + root_ + " " + args);
  }
  // A container started with `berth run -d` that sleeps: its id, LXC's
  // init and LXC's monitor (the init's parent).
  struct Detached {
    std::string id;
    long init_pid = 0;
    long monitor_pid = 0;
  };
  Detached start_detached(const std::string &name, const std::string &flags) {
    Detached d;
    Result r = berth("run -d --name " + name + " --exec-driver lxc --rootfs " + BERTH_ROOTFS + " " +
                     flags + " -- /bin/sleep 60");
    EXPECT_EQ(r.status, 0) << r.out;
    if (r.status != 0) return d;
    d.id = sh(std::string(BERTH_BINARY) + " --root " + root_ + " inspect " + name +
              " | sed -n 's/^  \"id\": \"\\(.*\\)\",$/\\1/p'")
               .out;
    if (!d.id.empty() && d.id.back() == '\n') d.id.pop_back();
    d.init_pid = std::atol(sh(std::string(BERTH_BINARY) + " --root " + root_ + " inspect " + name +
                              " | sed -n 's/^  \"pid\": \\([0-9]*\\),$/\\1/p'")
                               .out.c_str());
    d.monitor_pid =
        std::atol(sh("awk '{print $4}' /proc/" + std::to_string(d.init_pid) + "/stat").out.c_str());
    EXPECT_GT(d.init_pid, 0);
    EXPECT_GT(d.monitor_pid, 1);
    return d;
  }
  // Its processes gone (the monitor possibly still a zombie of the berth
  // process that ran it, for a moment) and its cgroups removed.
  void expect_gone(const Detached &d) {
    for (long pid : {d.init_pid, d.monitor_pid}) {
      std::string stat = "/proc/" + std::to_string(pid) + "/stat";
      bool gone = false;
      for (int i = 0; i < 2000 && !gone; ++i) {
        Result st = sh("cat " + stat + " 2>/dev/null | awk '{print $3}'");
        gone = st.out.empty() || st.out == "Z\n";
        if (!gone) ::usleep(5000);
      }
      EXPECT_TRUE(gone) << "process " << pid << " survives";
    }
    EXPECT_EQ(sh("find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -name '*" + d.id + "'").out, "");
  }
  std::string root_;
  std::unique_ptr<berth::test::ContainerIds> ids_;
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

TEST_F(LxcDriver, BerthOwnsTheCgroupAndLxcMakesNone) {
  // Limits only (memory aside, see below): berth makes berth/<id> with them
  // and puts LXC's monitor, hence the container, in it; LXC sees no
  // hierarchy and makes no cgroup of its own.
  Detached d = start_detached("owned", "--pids-limit 64 --cpu-shares 512");
  ASSERT_FALSE(d.id.empty());
  EXPECT_EQ(sh("find /sys/fs/cgroup -name 'lxc.*.berth-" + d.id + "'").out, "");
  EXPECT_EQ(sh("cat " + berth_dir("pids", d.id) + "/pids.max").out, "65\n")
      << "the spec's 64 plus the monitor";
  if (cgroup2_only())
    EXPECT_EQ(sh("cat " + berth_dir("cpu", d.id) + "/cpu.weight").out,
              std::to_string(berth::sdk::cpu_shares_to_weight(512)) + "\n");
  else
    EXPECT_EQ(sh("cat " + berth_dir("cpu", d.id) + "/cpu.shares").out, "512\n");
  const std::string member = (cgroup2_only() ? "0::/berth/" : "pids:/berth/") + d.id;
  for (long pid : {d.init_pid, d.monitor_pid})
    EXPECT_NE(sh("cat /proc/" + std::to_string(pid) + "/cgroup").out.find(member),
              std::string::npos)
        << "process " << pid;
  EXPECT_EQ(berth("rm -f owned").status, 0);
  expect_gone(d);
  expect_nothing_left();
}

TEST_F(LxcDriver, NoProcessIsMovedIntoACgroupByItsPid) {
  // Writing a pid into cgroup.procs takes the kernel's global migration
  // lock; the monitor enters berth's cgroup by itself ("0" into `tasks`)
  // or is born in it, and LXC writes no cgroup.procs at all.
  ASSERT_EQ(sh("command -v strace").status, 0)
      << "strace is needed (Debian package strace, in scripts/packages/bench.txt)";
  std::string trace = root_ + "/trace";
  Result r =
      sh("strace -f -qq -e trace=openat,clone3 -o " + trace + " " + std::string(BERTH_BINARY) +
         " --root " + root_ + " run --rm --exec-driver lxc --rootfs " + BERTH_ROOTFS +
         " --pids-limit 64 -- /bin/true");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(sh("grep 'cgroup.procs\", O_WRONLY' " + trace).out, "");
  if (cgroup2_only())  // born in it
    EXPECT_NE(sh("grep CLONE_INTO_CGROUP " + trace).out, "");
  else
    EXPECT_NE(sh("grep '/berth/.*/tasks\", O_WRONLY' " + trace).out, "");
  expect_nothing_left();
}

TEST_F(LxcDriver, PidsLimitCountsTheContainersProcessesNotTheMonitor) {
  // 6 pids: LXC's init, sh, a subshell forking sleeps until a fork fails
  // (3 of them), then the subshell is gone: 5 processes in the container,
  // with berth's cgroup (the monitor inside) as with LXC's (a raw
  // lxc.cgroup item keeps LXC's cgroups).
  const char *script =
      "-- /bin/sh -c '(for i in 1 2 3 4 5 6 7 8; do sleep 2 & done) 2>/dev/null; "
      "set -- /proc/[0-9]*; echo $#'";
  Result own = run(std::string("--pids-limit 6 ") + script);
  EXPECT_EQ(own.status, 0) << own.out;
  EXPECT_EQ(own.out, "5\n");
  Result lxcs = run(std::string("--pids-limit 6 --lxc-conf lxc.cgroup.relative=0 ") + script);
  EXPECT_EQ(lxcs.status, 0) << lxcs.out;
  EXPECT_EQ(lxcs.out, "5\n");
  expect_nothing_left();
}

TEST_F(LxcDriver, TopListsTheContainerButNotTheMonitor) {
  Detached d = start_detached("listed", "--pids-limit 64");
  ASSERT_FALSE(d.id.empty());
  Result top = berth("top listed");
  EXPECT_EQ(top.status, 0) << top.out;
  EXPECT_NE(top.out.find(std::to_string(d.init_pid) + " "), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("/bin/sleep"), std::string::npos) << top.out;
  EXPECT_EQ(top.out.find(std::to_string(d.monitor_pid) + " "), std::string::npos) << top.out;
  EXPECT_EQ(berth("rm -f listed").status, 0);
  expect_gone(d);
}

TEST_F(LxcDriver, DestroyFromAnotherProcessLeavesNoCgroupContainerOrProcess) {
  Detached d = start_detached("doomed", "--pids-limit 64 --cpu-shares 512");
  ASSERT_FALSE(d.id.empty());
  ASSERT_EQ(sh("find /sys/fs/cgroup -mindepth 3 -maxdepth 3 -name " + d.id).out.empty(), false);
  Result rm = berth("rm -f doomed");  // not the process that started it
  EXPECT_EQ(rm.status, 0) << rm.out;
  EXPECT_EQ(sh("find /sys/fs/cgroup -mindepth 3 -maxdepth 3 -name " + d.id).out, "");
  expect_gone(d);
  expect_nothing_left();
}

TEST_F(LxcDriver, AMemoryLimitKeepsLxcsCgroupsSoTheMonitorIsOutOfTheOomKillersReach) {
  // In the container's memory cgroup the LXC monitor could be the OOM
  // killer's victim: with a memory limit LXC makes the cgroups, the monitor
  // stays outside them, and the hog is what gets killed.
  Detached d = start_detached("guarded", "-m 64m");
  ASSERT_FALSE(d.id.empty());
  EXPECT_NE(sh("test -d " + berth_dir("memory", d.id)).status, 0)
      << "berth made the memory cgroup; the monitor would sit in it";
  EXPECT_NE(sh("find /sys/fs/cgroup -name 'lxc.payload.berth-" + d.id + "'").out, "");
  std::string monitor_cgroups = sh("cat /proc/" + std::to_string(d.monitor_pid) + "/cgroup").out;
  EXPECT_EQ(monitor_cgroups.find("lxc.payload"), std::string::npos) << monitor_cgroups;
  EXPECT_EQ(berth("rm -f guarded").status, 0);
  expect_gone(d);
  Result r = run("-m 32m -- /bin/dd if=/dev/zero of=/dev/null bs=256M count=1");
  EXPECT_EQ(r.status, 137) << r.out;
  expect_nothing_left();
}

TEST_F(LxcDriver, RawCgroupItemKeepsLxcsCgroupsAndIsApplied) {
  // A raw lxc.cgroup.* item needs LXC's cgroups: LXC makes them (in the
  // item's hierarchy and the limits'), applies the item (a refused one
  // would fail the start), and berth makes none.
  // A v1 item where the host has the freezer hierarchy (this one does), a
  // cgroup2 item on a cgroup2-only host.
  bool v1 = ::access("/sys/fs/cgroup/freezer/cgroup.procs", F_OK) == 0;
  Detached d =
      start_detached("raw", v1 ? "--pids-limit 64 --lxc-conf lxc.cgroup.freezer.state=THAWED"
                               : "--pids-limit 64 --lxc-conf lxc.cgroup2.cpu.weight=100");
  ASSERT_FALSE(d.id.empty());
  std::string seen = sh("find /sys/fs/cgroup -mindepth 1 -maxdepth 2 -name 'lxc.payload.berth-" +
                        d.id + "' | cut -d/ -f5 | sort | tr '\\n' ' '")
                         .out;
  EXPECT_NE(seen, "") << "LXC made no payload cgroup";
  if (v1) {
    EXPECT_NE(seen.find("freezer"), std::string::npos) << seen;
    EXPECT_NE(seen.find("pids"), std::string::npos) << seen;
  }
  EXPECT_EQ(sh("find /sys/fs/cgroup -mindepth 3 -maxdepth 3 -path '*/berth/" + d.id + "'").out, "");
  EXPECT_EQ(berth("rm -f raw").status, 0);
  expect_gone(d);
  expect_nothing_left();
}

TEST_F(LxcDriver, SigtermReachesTheProcessThroughLxcInit) {
  // LXC's init forwards SIGTERM; the process's own death comes back as 143.
  Result r = run("-- /bin/sh -c 'kill -TERM 1; sleep 5'");
  EXPECT_EQ(r.status, 143) << r.out;
}

}  // namespace
