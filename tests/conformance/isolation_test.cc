// Issue 11, as an attacker tries it: one case per finding, on every driver.
// Where a driver declares the feature that should stop the attack, the
// attack must fail. Where it does not, the request that needs the feature
// is refused (exit 125, the field named); and a driver that isolates (its
// own mount and pid namespaces) must declare the whole default posture:
// an isolating driver that does not is a failure of that case, and the
// attack is still tried so the report shows what really happens. A driver
// that isolates nothing by design (chroot) gets a printed, recorded note,
// never a silent skip.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "driver_fixture.h"
#include "harness.h"

namespace berth::test {
namespace {
namespace fs = std::filesystem;

constexpr const char *kDockerDefaultCaps = "00000000a80425fb";  // Docker's 14
constexpr const char *kNoCaps = "0000000000000000";

bool contains(const std::string &text, const std::string &what) {
  return text.find(what) != std::string::npos;
}

std::string slurp(const std::string &path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Isolation : public DriverTest {
 protected:
  // Whether to check the behaviour `feature` promises. Declared: yes. Not
  // declared by an isolating driver: a failure (issue 11's posture covers
  // every isolating driver), and yes, to show what the attack does there.
  // Not declared by a driver that isolates nothing: a printed note, no.
  bool posture(const std::string &feature) {
    if (has(feature)) return true;
    if (isolating()) {
      ADD_FAILURE() << "driver '" << driver() << "' isolates (ns.mount, ns.pid) but does not "
                    << "declare '" << feature << "': issue 11's default posture applies to every "
                    << "isolating driver";
      return true;
    }
    std::printf("[  NOTE    ] %s does not declare '%s' (it isolates nothing by design)\n",
                driver().c_str(), feature.c_str());
    RecordProperty("not_declared", feature);
    return false;
  }

  // The static probe in the rootfs copy as /bin/NAME, owned by root.
  std::string install_probe(const std::string &name, mode_t mode) {
    std::string to = rootfs() + "/bin/" + name;
    fs::copy_file(ISOLATION_PROBE, to, fs::copy_options::overwrite_existing);
    EXPECT_EQ(::chown(to.c_str(), 0, 0), 0);
    EXPECT_EQ(::chmod(to.c_str(), mode), 0) << to;
    return "/bin/" + name;
  }

  // A host directory a container must never reach: world-writable (a
  // process switched to uid 1000 could write it) with a world-readable
  // canary holding a token no container has.
  struct Canary {
    std::string dir, token;
  };
  Canary make_canary() {
    Canary c{work_->path() + "/canary", "berth-canary-" + std::to_string(::getpid())};
    fs::create_directory(c.dir);
    ::chmod(c.dir.c_str(), 0777);
    std::ofstream(c.dir + "/canary") << c.token << "\n";
    return c;
  }
  // Nothing but the canary in its directory, and the token not printed.
  void expect_canary_untouched(const Canary &c, const Result &r, const std::string &what) {
    EXPECT_FALSE(contains(r.out + r.err, c.token)) << what << ": read the host's canary\n"
                                                   << r.describe();
    for (const auto &e : fs::directory_iterator(c.dir))
      if (e.path().filename() != "canary")
        ADD_FAILURE() << what << ": wrote " << e.path() << " on the host\n" << r.describe();
  }

  // A cwd that leaves the container: either refused with an error naming it
  // or the process runs without seeing the host. `ran` is in stdout when
  // the process ran.
  void expect_cwd_contained(const Result &r, const std::string &cwd, const Canary &c,
                            const std::string &what) {
    expect_canary_untouched(c, r, what);
    if (contains(r.out, "ran\n")) return;  // ran, inside the container
    EXPECT_NE(r.status, 0) << what << r.describe();
    EXPECT_TRUE(contains(r.err, cwd) || contains(r.err, "process.cwd"))
        << what << ": a refusal must name the working directory\n"
        << r.describe();
  }

  // The script a process whose cwd is a host directory uses to climb to the
  // host's root (.. stops there) and reach the canary.
  static std::string climb_script(const Canary &c) {
    std::string up;
    for (int i = 0; i < 40; ++i) up += "../";
    std::string dir = up + c.dir.substr(1);
    return "cat " + dir + "/canary 2>/dev/null; (echo x > " + dir + "/written) 2>/dev/null; " +
           "cat canary 2>/dev/null; (echo x > written) 2>/dev/null; echo ran";
  }

  // berth run with the spec at `path` (written from `yaml`).
  Result run_spec(const std::string &yaml, const std::vector<std::string> &flags = {}) {
    std::string path = work_->path() + "/spec.yaml";
    std::ofstream(path) << yaml;
    std::vector<std::string> a = {"--root", state_root(), "run", "--exec-driver", driver(), "--rm"};
    a.insert(a.end(), flags.begin(), flags.end());
    a.push_back(path);
    return run_berth(a);
  }

  // The seccomp group `calls`: each fails with EPERM where the driver
  // declares the deny-list; the probe's arguments make every call succeed or
  // fail otherwise without a filter, even without capabilities.
  void expect_denied(const std::vector<std::string> &calls) {
    std::vector<std::string> cmd = {install_probe("isolation_probe", 0755), "syscall"};
    cmd.insert(cmd.end(), calls.begin(), calls.end());
    Result r = run({}, cmd);
    ASSERT_EQ(r.status, 0) << r.describe();
    bool check = posture("seccomp");
    for (const auto &call : calls) {
      if (check)
        EXPECT_TRUE(contains(r.out, call + "=EPERM\n")) << call << " was not denied\n"
                                                        << r.describe();
      else
        EXPECT_TRUE(contains(r.out, call + "=")) << r.describe();
    }
    if (!check) RecordProperty("observed", r.out);
  }
};

// --- a descriptor of the host as the working directory (CVE-2024-21626) ---

TEST_P(Isolation, InheritedDescriptorAsCwdFromFlagsDoesNotReachTheHost) {
  Canary c = make_canary();
  for (int fd = 3; fd <= 30; ++fd) {
    std::string cwd = "/proc/self/fd/" + std::to_string(fd);
    Result r = run({"-w", cwd}, {"/bin/sh", "-c", climb_script(c)});
    if (!has("cwd")) return expect_refused(r, "process.cwd", "cwd");
    expect_cwd_contained(r, cwd, c, "-w " + cwd);
  }
}

TEST_P(Isolation, InheritedDescriptorAsCwdFromASpecDoesNotReachTheHost) {
  // As uid 1000, as the issue found it on lxc.
  Canary c = make_canary();
  for (int fd = 3; fd <= 30; ++fd) {
    std::string cwd = "/proc/self/fd/" + std::to_string(fd);
    Result r =
        run_spec("version: 1\nrootfs: " + rootfs() + "\nprocess:\n  args: ['/bin/sh', '-c', '" +
                 climb_script(c) + "']\n  cwd: " + cwd + "\n  user: '1000'\n");
    if (!has("cwd")) return expect_refused(r, "process.cwd", "cwd");
    if (!has("user")) return expect_refused(r, "process.user", "user");
    expect_cwd_contained(r, cwd, c, "process.cwd " + cwd);
  }
}

TEST_P(Isolation, DescriptorPassedInByTheCallerDoesNotReachTheHost) {
  // `exec 7</host/dir; berth run -u 1000 -w /proc/self/fd/7 ...`
  Canary c = make_canary();
  int dir = ::open(c.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dir, 0) << c.dir;
  Result r = run({"-u", "1000", "-w", "/proc/self/fd/7"}, {"/bin/sh", "-c", climb_script(c)}, "",
                 {{7, dir}});
  ::close(dir);
  if (!has("cwd")) return expect_refused(r, "process.cwd", "cwd");
  if (!has("user")) return expect_refused(r, "process.user", "user");
  expect_cwd_contained(r, "/proc/self/fd/7", c, "-w /proc/self/fd/7 (the caller's fd 7)");
}

// --- a symlink in the rootfs at a mount destination (CVE-2021-30465) ---

class SymlinkedDestination : public Isolation {
 protected:
  // rootfs/d/evil -> a host directory, which must stay empty.
  void SetUp() override {
    Isolation::SetUp();
    if (HasFatalFailure()) return;
    target_ = work_->path() + "/host-target";
    fs::create_directory(target_);
    fs::create_directory(rootfs() + "/d");
    fs::create_symlink(target_, rootfs() + "/d/evil");
    fs::create_directory(work_->path() + "/srcdir");
    std::ofstream(work_->path() + "/srcdir/inside") << "from the source\n";
    std::ofstream(work_->path() + "/srcfile") << "from the source\n";
  }
  void check(const std::string &source, const std::string &destination) {
    Result r = run({"-v", work_->path() + "/" + source + ":" + destination},
                   {"/bin/sh", "-c", "ls " + destination + " >/dev/null 2>&1; echo ran"});
    if (!has("bind-mounts")) return expect_refused(r, "mounts", "bind-mounts");
    std::string made;
    for (const auto &e : fs::recursive_directory_iterator(target_))
      made += e.path().string() + "\n";
    EXPECT_EQ(made, "") << "-v " << source << ":" << destination
                        << " created this on the host, through the symlink\n"
                        << r.describe();
    if (!contains(r.out, "ran\n")) {  // refused: it must say which mount
      EXPECT_TRUE(contains(r.err, destination)) << r.describe();
    }
  }
  std::string target_;
};

TEST_P(SymlinkedDestination, FileMountCreatesNothingOnTheHost) {
  check("srcfile", "/d/evil/created");
}

TEST_P(SymlinkedDestination, DirectoryMountCreatesNothingOnTheHost) {
  check("srcdir", "/d/evil/created");
}

TEST_P(SymlinkedDestination, NestedDirectoriesAreNotCreatedOnTheHost) {
  check("srcdir", "/d/evil/a/b/c");
}

// --- privileges ---

TEST_P(Isolation, SetuidBinaryDoesNotGiveRootUnderDashU) {
  std::string probe = install_probe("suid-probe", 04755);
  // The probe really is setuid root on this filesystem: on the host, run as
  // uid 1000, it is root.
  Result host = run_program({"/usr/bin/setpriv", "--reuid=1000", "--regid=1000", "--clear-groups",
                             rootfs() + probe, "euid"});
  ASSERT_EQ(host.out, "0\n") << "the setuid probe does not work on the host\n" << host.describe();
  // no_new_privs is on by default on every driver, chroot included.
  EXPECT_TRUE(has("no-new-privs")) << "driver '" << driver() << "' does not declare no-new-privs";
  Result r = run({"-u", "1000"}, {probe, "euid"});
  if (!has("user")) return expect_refused(r, "process.user", "user");
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "1000\n") << "a setuid-root binary made uid 1000 root\n" << r.describe();
  // Asked for (images that need su or sudo), the setuid bit works again.
  if (has("no-new-privs")) {
    Result allowed =
        run({"-u", "1000", "--security-opt", "no-new-privileges=false"}, {probe, "euid"});
    EXPECT_EQ(allowed.status, 0) << allowed.describe();
    EXPECT_EQ(allowed.out, "0\n") << allowed.describe();
  }
}

TEST_P(Isolation, NoNewPrivsIsOnByDefaultAndOffOnRequest) {
  const std::vector<std::string> status = {"/bin/grep", "NoNewPrivs", "/proc/self/status"};
  Result off = run({"--security-opt", "no-new-privileges=false"}, status);
  EXPECT_EQ(off.status, 0) << off.describe();  // every driver can leave it off
  EXPECT_EQ(off.out, "NoNewPrivs:\t0\n") << off.describe();
  Result asked = run({"--security-opt", "no-new-privileges"}, status);
  if (has("no-new-privs"))
    EXPECT_EQ(asked.out, "NoNewPrivs:\t1\n") << asked.describe();
  else
    expect_refused(asked, "security.no_new_privileges", "no-new-privs");
  if (!posture("no-new-privs")) return;
  Result by_default = run({}, status);
  EXPECT_EQ(by_default.status, 0) << by_default.describe();
  EXPECT_EQ(by_default.out, "NoNewPrivs:\t1\n") << by_default.describe();
}

TEST_P(Isolation, CapabilitySetsAreDockersDefaultAndDropAllEmptiesThem) {
  const std::vector<std::string> caps = {"/bin/sh", "-c",
                                         "grep -E '^Cap(Eff|Prm|Bnd)' /proc/self/status"};
  auto expect_sets = [](const Result &r, const char *value) {
    EXPECT_EQ(r.status, 0) << r.describe();
    for (const char *set : {"CapPrm", "CapEff", "CapBnd"})
      EXPECT_TRUE(contains(r.out, std::string(set) + ":\t" + value + "\n"))
          << set << " is not " << value << "\n"
          << r.describe();
  };
  Result dropped = run({"--cap-drop", "ALL"}, caps);
  if (has("capabilities")) {
    expect_sets(dropped, kNoCaps);
  } else {
    expect_refused(dropped, "capabilities", "capabilities");
  }
  if (!posture("capabilities")) return;
  expect_sets(run({}, caps), kDockerDefaultCaps);
}

// --- seccomp: one case per group of bench/lib/denied-syscalls.txt ---

TEST_P(Isolation, SeccompDeniesKeyringCalls) {
  expect_denied({"keyctl"});
}
TEST_P(Isolation, SeccompDeniesNamespaceCalls) {
  expect_denied({"unshare", "setns"});
}
TEST_P(Isolation, SeccompDeniesMountCalls) {
  expect_denied({"mount", "umount2"});
}
TEST_P(Isolation, SeccompDeniesClockCalls) {
  expect_denied({"clock_adjtime"});
}
TEST_P(Isolation, SeccompDeniesTracingCalls) {
  expect_denied({"process_vm_readv", "kcmp", "perf_event_open", "ptrace"});
}
TEST_P(Isolation, SeccompDeniesKernelModuleCalls) {
  expect_denied({"create_module"});
}
TEST_P(Isolation, SeccompDeniesMemoryPolicyCalls) {
  expect_denied({"get_mempolicy"});
}
TEST_P(Isolation, SeccompDeniesFileHandleCalls) {
  expect_denied({"name_to_handle_at"});
}
TEST_P(Isolation, SeccompDeniesSystemAndPortCalls) {
  expect_denied({"sysfs", "iopl"});
}
TEST_P(Isolation, SeccompDeniesUserfaultfd) {
  expect_denied({"userfaultfd"});
}
TEST_P(Isolation, SeccompDeniesPersonalitiesDockerRefuses) {
  expect_denied({"personality"});
}

// --- the host's kernel interfaces ---

TEST_P(Isolation, CgroupfsIsNotWritable) {
  if (!posture("masked-paths")) return;
  // Opening for writing (no byte written) is enough to tell: a read-only
  // or absent cgroupfs refuses the open; a cgroup made by mistake goes at
  // once.
  const std::string probe = "berth-isolation-" + std::to_string(::getpid());
  Result r = run({}, {"/bin/sh", "-c",
                      "cd /sys/fs/cgroup 2>/dev/null || { echo absent; exit 0; }; "
                      "for f in release_agent */release_agent cgroup.procs */cgroup.procs; do "
                      "  [ -e \"$f\" ] || continue; "
                      "  if (: > \"$f\") 2>/dev/null; then echo \"writable $f\"; fi; "
                      "done; "
                      "for d in . */; do "
                      "  if mkdir \"$d/" +
                          probe +
                          "\" 2>/dev/null; then "
                          "    echo \"made a cgroup in $d\"; rmdir \"$d/" +
                          probe +
                          "\"; fi; "
                          "done; echo checked"});
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_TRUE(contains(r.out, "checked\n") || contains(r.out, "absent\n")) << r.describe();
  EXPECT_FALSE(contains(r.out, "writable")) << r.describe();
  EXPECT_FALSE(contains(r.out, "made a cgroup")) << r.describe();
}

TEST_P(Isolation, AFreshProcfsCannotBeMounted) {
  if (!posture("masked-paths")) return;
  Result r = run({}, {"/bin/sh", "-c",
                      "command -v mount >/dev/null || echo NO_MOUNT_APPLET; "
                      "if mount -t proc proc /mnt 2>&1; then echo MOUNTED; "
                      "(: > /mnt/sys/kernel/core_pattern) 2>/dev/null && echo CORE_PATTERN; "
                      "umount /mnt; fi; echo ran"});
  EXPECT_TRUE(contains(r.out, "ran\n")) << r.describe();
  EXPECT_FALSE(contains(r.out, "NO_MOUNT_APPLET")) << "the attack did not run: " << r.describe();
  // Refused by the kernel (EPERM/EACCES), not failed for another reason.
  EXPECT_TRUE(contains(r.out, "denied")) << r.describe();
  EXPECT_FALSE(contains(r.out, "MOUNTED")) << r.describe();
  EXPECT_FALSE(contains(r.out, "CORE_PATTERN")) << r.describe();
}

TEST_P(Isolation, MaskedPathsAreEmptyOrUnreadableAndProcSysIsReadOnly) {
  if (!posture("masked-paths")) return;
  Result r = run({}, {"/bin/sh", "-c",
                      "for f in /proc/kcore /proc/keys /proc/timer_list; do "
                      "  echo \"$f $(head -c 1 $f 2>/dev/null | wc -c)\"; done; "
                      "echo \"/sys/firmware $(ls -A /sys/firmware 2>/dev/null | wc -l)\"; "
                      "for f in /proc/sys/kernel/core_pattern /proc/sysrq-trigger "
                      "/sys/kernel/uevent_helper; do "
                      "  [ -e $f ] && (: > $f) 2>/dev/null && echo \"writable $f\"; done; "
                      "echo ran"});
  EXPECT_TRUE(contains(r.out, "ran\n")) << r.describe();
  for (const char *path : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"})
    EXPECT_TRUE(contains(r.out, std::string(path) + " 0\n")) << path << " shows something\n"
                                                             << r.describe();
  EXPECT_FALSE(contains(r.out, "writable")) << r.describe();
}

// A device node of type `type` ("b" or "c") that this (host) process can
// open: made in `dir` and opened here, so that the container's failure to
// open the same node means the container is refused, not the host.
bool host_can_open(const std::string &dir, char type, unsigned major, unsigned minor) {
  std::string node = dir + "/host-node";
  ::unlink(node.c_str());
  mode_t kind = type == 'b' ? S_IFBLK : S_IFCHR;
  if (::mknod(node.c_str(), kind | 0600, makedev(major, minor)) != 0) return false;
  int fd = ::open(node.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd >= 0) ::close(fd);
  ::unlink(node.c_str());
  return fd >= 0;
}

TEST_P(Isolation, HostDevicesOutsideTheAllowListCannotBeOpened) {
  if (!posture("device-allowlist")) return;
  // A host block device (the first in /proc/partitions the host itself may
  // open, else loop0) and /dev/kmsg (c 1:11, not in Docker's list), made in
  // every writable place of the container and read: mknod may succeed
  // (CAP_MKNOD), the open must not.
  std::vector<std::string> devices;
  std::istringstream partitions(slurp("/proc/partitions"));
  std::string line;
  while (std::getline(partitions, line)) {
    std::istringstream f(line);
    unsigned major = 0, minor = 0;
    if (f >> major >> minor && host_can_open(work_->path(), 'b', major, minor)) {
      devices.push_back("b " + std::to_string(major) + " " + std::to_string(minor));
      break;
    }
  }
  if (devices.empty() && host_can_open(work_->path(), 'b', 7, 0)) devices.push_back("b 7 0");
  if (host_can_open(work_->path(), 'c', 1, 11)) devices.push_back("c 1 11");
  ASSERT_FALSE(devices.empty()) << "the host itself can open no block device nor /dev/kmsg";
  std::string script;
  for (const auto &dev : devices)
    script +=
        "for dir in /tmp /dev /dev/shm /run /var/tmp /root /; do "
        "  mknod $dir/berth-dev " +
        dev +
        " 2>/dev/null || continue; "
        "  echo MADE; "
        "  dd if=$dir/berth-dev of=/dev/null bs=8192 count=1 2>/dev/null && "
        "    echo \"OPENED " +
        dev +
        " in $dir\"; "
        "  rm -f $dir/berth-dev; "
        "done; ";
  Result r = run({}, {"/bin/sh", "-c", script + "echo ran"});
  EXPECT_TRUE(contains(r.out, "ran\n")) << r.describe();
  EXPECT_FALSE(contains(r.out, "OPENED")) << r.describe();
  // Docker's default set keeps CAP_MKNOD: the nodes were made, so the
  // open was really tried and refused.
  EXPECT_TRUE(contains(r.out, "MADE")) << "no node could be made: " << r.describe();
}

INSTANTIATE_TEST_SUITE_P(Drivers, Isolation, ::testing::ValuesIn(drivers_under_test()),
                         driver_param_name);
INSTANTIATE_TEST_SUITE_P(Drivers, SymlinkedDestination, ::testing::ValuesIn(drivers_under_test()),
                         driver_param_name);

}  // namespace
}  // namespace berth::test
