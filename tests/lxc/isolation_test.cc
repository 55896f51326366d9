// The lxc driver's isolation (issue 11) and hostile input (issue 12),
// checked from inside real containers through the real `berth` binary.
// Each test works in its own state root and its own copy of the busybox
// rootfs, and checks only what it created.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {
namespace fs = std::filesystem;

struct Result {
  int status = -1;
  std::string out, err;
};

bool contains(const std::string &s, const std::string &what) {
  return s.find(what) != std::string::npos;
}

class LxcIsolation : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-lxc-isolation.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    work_ = tmpl;
    root_ = work_ + "/state";
    rootfs_ = work_ + "/rootfs";
    // A private rootfs: tests add symlinks and setuid files to it.
    ASSERT_EQ(std::system(("cp -a " + std::string(BERTH_ROOTFS) + " " + rootfs_).c_str()), 0);
  }
  void TearDown() override {
    // Nothing of this test's containers is left in its state root.
    Result ps = berth("ps -a -q");
    EXPECT_EQ(ps.out, "") << "containers left in " << root_;
    std::error_code ec;
    fs::remove_all(work_, ec);
  }
  Result sh(const std::string &cmd) {
    Result r;
    std::string err_file = work_ + "/stderr";
    FILE *p = ::popen((cmd + " 2>" + err_file).c_str(), "r");
    if (p == nullptr) return r;
    char buf[65536];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
    int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    std::ifstream e(err_file);
    r.err.assign(std::istreambuf_iterator<char>(e), {});
    return r;
  }
  Result berth(const std::string &args) {
    return sh(std::string(BERTH_BINARY) + " --root " + root_ + " " + args);
  }
  Result run(const std::string &args) {
    return berth("run --rm --exec-driver lxc --rootfs " + rootfs_ + " " + args);
  }
  Result run_spec(const std::string &yaml, const std::string &flags = "") {
    std::string path = work_ + "/spec.yaml";
    std::ofstream(path) << "version: 1\nrootfs: " << rootfs_ << "\n" << yaml;
    return berth("run --rm --exec-driver lxc " + flags + " " + path);
  }
  std::string work_, root_, rootfs_;
};

// --- the working directory (CVE-2024-21626 class) ---

TEST_F(LxcIsolation, CwdThroughADescriptorIsRefusedAndNamed) {
  std::string canary = work_ + "/canary";
  fs::create_directory(canary);
  std::ofstream(canary + "/token") << "host-token\n";
  std::string climb;
  for (int i = 0; i < 30; ++i) climb += "../";
  for (int fd = 3; fd <= 30; ++fd) {
    std::string cwd = "/proc/self/fd/" + std::to_string(fd);
    std::string script = "'cat " + climb + canary.substr(1) + "/token; echo ran'";
    for (const std::string &user : {std::string(""), std::string("-u 1000 ")}) {
      Result r = run(user + "-w " + cwd + " -- /bin/sh -c " + script);
      EXPECT_FALSE(contains(r.out, "host-token")) << cwd << " " << user << r.out;
      EXPECT_EQ(r.status, 125) << cwd << " " << user << r.out << r.err;
      EXPECT_TRUE(contains(r.err, "process.cwd \"" + cwd + "\"")) << r.err;
    }
  }
  // From a spec's process.cwd too.
  Result r = run_spec("process:\n  args: [/bin/pwd]\n  cwd: /proc/self/fd/6\n  user: '1000'\n");
  EXPECT_EQ(r.status, 125) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "process.cwd \"/proc/self/fd/6\"")) << r.err;
}

TEST_F(LxcIsolation, CwdIsResolvedInsideTheRootAndMadeWhenMissing) {
  // /w -> /tmp inside the rootfs: /w is the container's /tmp, not the host's.
  fs::create_symlink("/tmp", rootfs_ + "/w");
  std::ofstream(rootfs_ + "/tmp/inside-marker") << "x";
  Result r = run("-w /w -- /bin/sh -c 'pwd; ls'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "inside-marker")) << r.out;
  // A missing cwd is made inside the rootfs (as native and Docker do).
  Result made = run("-w /new/dir -- /bin/pwd");
  EXPECT_EQ(made.status, 0) << made.err;
  EXPECT_EQ(made.out, "/new/dir\n");
  EXPECT_TRUE(fs::is_directory(rootfs_ + "/new/dir"));
}

TEST_F(LxcIsolation, OnlyStdioReachesTheProcess) {
  // The shell's own descriptors, tested by its builtin (no child).
  Result r =
      run("-- /bin/sh -c 'for i in $(seq 3 64); do [ -e /proc/$$/fd/$i ] && echo open $i; done; "
          "echo done'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "done\n") << r.out;
}

// --- mount destinations (CVE-2021-30465 class) ---

TEST_F(LxcIsolation, SymlinkedMountDestinationCreatesNothingOnTheHost) {
  std::string target = work_ + "/host-target";
  fs::create_directory(target);
  fs::create_directory(rootfs_ + "/d");
  fs::create_symlink(target, rootfs_ + "/d/evil");
  fs::create_directory(work_ + "/srcdir");
  std::ofstream(work_ + "/srcfile") << "file\n";
  for (const char *v :
       {"srcfile:/d/evil/created", "srcdir:/d/evil/created", "srcdir:/d/evil/a/b/c"}) {
    Result r = run("-v " + work_ + "/" + v + " -- /bin/true");
    EXPECT_TRUE(fs::is_empty(target)) << v << " made something on the host";
    if (r.status != 0)
      EXPECT_TRUE(contains(r.err, std::string(v).substr(std::string(v).find(':') + 1))) << r.err;
  }
}

TEST_F(LxcIsolation, SymlinkInsideTheRootfsIsFollowedInsideIt) {
  // d/link -> /d/real (absolute, inside the rootfs): the mount lands on
  // /d/real, made inside the rootfs.
  fs::create_directories(rootfs_ + "/d/real");
  fs::create_symlink("/d/real", rootfs_ + "/d/link");
  fs::create_directory(work_ + "/src");
  std::ofstream(work_ + "/src/hello") << "hello\n";
  Result r = run("-v " + work_ + "/src:/d/link/x -- /bin/cat /d/real/x/hello");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello\n");
  EXPECT_TRUE(fs::is_directory(rootfs_ + "/d/real/x"));
}

TEST_F(LxcIsolation, AMountInsideAnotherFollowsTheOuterOnesResolvedDestination) {
  // d/link -> /d/real; -v a:/d/link then -v b:/d/link/x: the inner mount
  // lands on a's x (inside the outer mount), named to LXC without the link.
  fs::create_directories(rootfs_ + "/d/real");
  fs::create_symlink("/d/real", rootfs_ + "/d/link");
  fs::create_directories(work_ + "/a");
  fs::create_directories(work_ + "/b");
  std::ofstream(work_ + "/b/hello") << "inner\n";
  Result r =
      run("-v " + work_ + "/a:/d/link -v " + work_ + "/b:/d/link/x -- /bin/cat /d/real/x/hello");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "inner\n");
  EXPECT_TRUE(fs::is_directory(work_ + "/a/x")) << "the mount point belongs in the outer source";
}

// --- privileges ---

TEST_F(LxcIsolation, SetuidRootGivesNothingUnderDashUUnlessAllowed) {
  std::string probe = rootfs_ + "/bin/euid-probe";
  fs::copy_file(EUID_PROBE, probe);
  ASSERT_EQ(::chown(probe.c_str(), 0, 0), 0);
  ASSERT_EQ(::chmod(probe.c_str(), 04755), 0);
  Result r = run("-u 1000 -- /bin/euid-probe");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "1000\n");
  Result allowed = run_spec(
      "process:\n  args: [/bin/euid-probe]\n  user: '1000'\n"
      "security:\n  no_new_privileges: false\n");
  EXPECT_EQ(allowed.status, 0) << allowed.err;
  EXPECT_EQ(allowed.out, "0\n");
}

TEST_F(LxcIsolation, PostureIsNoNewPrivsSeccompAndDockersCapabilities) {
  for (const char *flags : {"", "-m 64m"}) {  // berth's cgroup, then LXC's
    Result r = run(std::string(flags) +
                   " -- /bin/grep -E '^(NoNewPrivs|Seccomp|CapEff|CapPrm|CapBnd):' "
                   "/proc/self/status");
    EXPECT_EQ(r.status, 0) << flags << r.err;
    EXPECT_EQ(r.out,
              "CapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\n"
              "NoNewPrivs:\t1\nSeccomp:\t2\n")
        << flags;
  }
  // The deny-list answers EPERM: mount, unshare and keyctl from busybox.
  Result m = run("-- /bin/sh -c 'mount -t tmpfs t /mnt; unshare -U true; echo ran'");
  EXPECT_TRUE(contains(m.out, "ran")) << m.err;
  EXPECT_TRUE(contains(m.err, "Operation not permitted")) << m.err;
}

TEST_F(LxcIsolation, MaskedPathsAndNoCgroupfs) {
  Result r =
      run("-- /bin/sh -c 'for f in /proc/kcore /proc/keys /proc/timer_list; do "
          "echo $f $(head -c 1 $f 2>/dev/null | wc -c); done; "
          "echo /sys/firmware $(ls -A /sys/firmware | wc -l); "
          "echo cgroup $(ls -A /sys/fs/cgroup 2>/dev/null | wc -l); "
          "for f in /proc/sys/kernel/core_pattern /proc/sysrq-trigger /proc/bus /proc/irq; do "
          "[ -e $f ] && touch $f 2>/dev/null && echo writable $f; done; echo ran'");
  EXPECT_EQ(r.status, 0) << r.err;
  for (const char *line : {"/proc/kcore 0\n", "/proc/keys 0\n", "/proc/timer_list 0\n",
                           "/sys/firmware 0\n", "cgroup 0\n", "ran\n"})
    EXPECT_TRUE(contains(r.out, line)) << line << " in\n" << r.out;
  EXPECT_FALSE(contains(r.out, "writable")) << r.out;
}

TEST_F(LxcIsolation, HostBlockDeviceCannotBeOpened) {
  // The host's first block device, by its numbers.
  Result dev = sh("awk 'NR > 2 { print $1, $2; exit }' /proc/partitions");
  ASSERT_FALSE(dev.out.empty());
  std::string numbers = dev.out.substr(0, dev.out.size() - 1);
  for (const char *flags : {"", "-m 64m"}) {
    Result r = run(std::string(flags) + " -- /bin/sh -c 'mknod /tmp/blk b " + numbers +
                   " 2>/dev/null; dd if=/tmp/blk of=/dev/null bs=512 count=1 2>/dev/null && "
                   "echo OPENED; rm -f /tmp/blk; echo ran'");
    EXPECT_TRUE(contains(r.out, "ran\n")) << flags << r.err;
    EXPECT_FALSE(contains(r.out, "OPENED")) << flags << " read block device " << numbers;
  }
}

// --- hostile input (issue 12) ---

TEST_F(LxcIsolation, OversizedArgumentIsRefusedWith125) {
  std::string big(10 * 1000 * 1000, 'a');
  Result r = run_spec("process:\n  args: [/bin/echo, \"" + big + "\"]\n");
  EXPECT_EQ(r.status, 125) << r.err.substr(0, 500);
  EXPECT_TRUE(contains(r.err, "process.args[1]")) << r.err.substr(0, 500);
  EXPECT_TRUE(contains(r.err, "MAX_ARG_STRLEN")) << r.err.substr(0, 500);
  // Many arguments, each allowed, more than ARG_MAX in all.
  std::string args = "[/bin/true";
  std::string chunk(100000, 'b');
  for (int i = 0; i < 100; ++i) args += ", " + chunk;
  Result total = run_spec("process:\n  args: " + args + "]\n");
  EXPECT_EQ(total.status, 125) << total.err.substr(0, 500);
  EXPECT_TRUE(contains(total.err, "ulimit -s")) << total.err.substr(0, 500);
}

TEST_F(LxcIsolation, HundredThousandEnvironmentEntriesReachTheProcessQuickly) {
  std::string yaml = "process:\n  args: [/bin/env]\n  env:\n";
  for (int i = 0; i < 100000; ++i) yaml += "    - V" + std::to_string(i) + "=x\n";
  auto start = std::chrono::steady_clock::now();
  Result r = run_spec(yaml);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "V0=x\n")) << r.out.substr(0, 200);
  EXPECT_TRUE(contains(r.out, "V99999=x\n"));
  // Linear now: about 2.5 s here, most of it the core's YAML (was > 20 s,
  // LXC's putenv() per entry). Generous for a busy host.
  EXPECT_LT(seconds, 15.0);
}

}  // namespace
