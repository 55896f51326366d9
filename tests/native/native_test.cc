// The native driver's isolation, observed from inside containers that the
// real `berth` binary starts: what the container sees of processes, network,
// mounts, /proc, capabilities, seccomp and file descriptors, and that
// nothing (cgroup, mount) survives a container on the host.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "leaks.h"

extern char **environ;

namespace {

namespace fs = std::filesystem;

struct Result {
  int status = -1;  // exit code of berth (128+N when berth died of signal N)
  std::string out, err;
};

std::string slurp(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines(const std::string &text) {
  std::vector<std::string> result;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) result.push_back(line);
  return result;
}

// Every test gets its own berth --root, so the containers it made can be
// listed (and checked for leftovers) without seeing anyone else's.
class NativeDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-native-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr) << "mkdtemp: " << std::strerror(errno);
    root_ = tmpl;
    ids_ = std::make_unique<berth::test::ContainerIds>(root_);
    ASSERT_TRUE(fs::is_regular_file(fs::path(BERTH_ROOTFS) / "bin/busybox"))
        << "the busybox rootfs is missing: build the `rootfs` target";
  }

  void TearDown() override {
    // Nothing of any container of this test (all those it started, --rm
    // ones included, and no one else's) may outlive it.
    for (const std::string &id : container_ids()) {
      for (const fs::path &dir : cgroup_dirs(id))
        EXPECT_FALSE(fs::exists(dir)) << "cgroup left behind: " << dir;
      run({"rm", "-f", id});
    }
    if (ids_)
      for (const std::string &left : berth::test::host_leftovers(ids_->all(), {root_}))
        ADD_FAILURE() << "left on the host: " << left;
    EXPECT_EQ(mount_points_under(BERTH_ROOTFS), "") << "mounts left on the host";
    EXPECT_EQ(mounts_mentioning(root_), "") << "mounts left on the host";
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  // berth --root ROOT ARGS...; stdout and stderr captured through files.
  Result run(const std::vector<std::string> &args) {
    std::string out = root_ + "/.stdout", err = root_ + "/.stderr";
    std::vector<std::string> full = {BERTH_BINARY, "--root", root_};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (std::string &a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    Result r;
    int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      ADD_FAILURE() << "posix_spawn " << BERTH_BINARY << ": " << std::strerror(rc);
      return r;
    }
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  // berth run --exec-driver native --rootfs ROOTFS [flags] -- sh -c SCRIPT
  Result sh(const std::string &script, std::vector<std::string> flags = {}) {
    std::vector<std::string> args = {"run", "--exec-driver", "native", "--rootfs", BERTH_ROOTFS};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"--", "/bin/sh", "-c", script});
    return run(args);
  }

  std::vector<std::string> container_ids() const {
    std::vector<std::string> ids;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(root_ + "/containers", ec))
      if (entry.is_directory()) ids.push_back(entry.path().filename());
    return ids;
  }

  // The container's directory in every mounted cgroup hierarchy.
  static std::vector<fs::path> cgroup_dirs(const std::string &id) {
    std::vector<fs::path> dirs;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator("/sys/fs/cgroup", ec))
      dirs.push_back(entry.path() / "berth" / id);
    dirs.push_back(fs::path("/sys/fs/cgroup/berth") / id);  // pure v2
    return dirs;
  }

  // Lines of this (host) process's mountinfo whose mount point is `path` or
  // below it (the shared rootfs: another runtime's bind of it elsewhere,
  // e.g. chroot's, names it too and is not ours).
  static std::string mount_points_under(const std::string &path) {
    std::string found;
    for (const std::string &line : lines(slurp("/proc/self/mountinfo"))) {
      std::istringstream fields(line);
      std::string id, parent, devno, root, mount_point;
      fields >> id >> parent >> devno >> root >> mount_point;
      if (mount_point.rfind(path, 0) == 0) found += line + "\n";
    }
    return found;
  }

  // Lines of this (host) process's mountinfo naming `path`.
  static std::string mounts_mentioning(const std::string &path) {
    std::string found;
    for (const std::string &line : lines(slurp("/proc/self/mountinfo")))
      if (line.find(path) != std::string::npos) found += line + "\n";
    return found;
  }

  std::string root_;
  std::unique_ptr<berth::test::ContainerIds> ids_;
};

#define ASSERT_RAN(r) ASSERT_EQ((r).status, 0) << "stdout:\n" << (r).out << "stderr:\n" << (r).err

TEST_F(NativeDriver, ContainerSeesOnlyItsOwnProcessTreeUnderPid1) {
  Result r = sh("echo ppid=$PPID; ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' '");
  ASSERT_RAN(r);
  // The shell is the child of the container's init (pid 1); /proc lists
  // only pid 1, the shell and its pipeline: no host process.
  EXPECT_NE(r.out.find("ppid=1\n"), std::string::npos) << r.out;
  std::istringstream pids(lines(r.out).at(1));
  int count = 0;
  for (int pid; pids >> pid; ++count) EXPECT_LT(pid, 10) << r.out;
  EXPECT_GE(count, 2);
  EXPECT_LE(count, 5) << r.out;
}

TEST_F(NativeDriver, HostnameIsTheSpecs) {
  Result r = sh("hostname", {"--hostname", "berth-box"});
  ASSERT_RAN(r);
  EXPECT_EQ(r.out, "berth-box\n");
}

TEST_F(NativeDriver, NetworkNoneHasOnlyLoopbackAndItIsUp) {
  Result r =
      sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; cat /sys/class/net/lo/operstate "
         "/sys/class/net/lo/flags",
         {"--network", "none"});
  ASSERT_RAN(r);
  std::vector<std::string> l = lines(r.out);
  ASSERT_EQ(l.size(), 3u) << r.out;
  EXPECT_EQ(l[0], "lo");
  // IFF_UP is bit 0 of the flags.
  EXPECT_EQ(std::stoul(l[2], nullptr, 16) & 1, 1u) << r.out;
}

TEST_F(NativeDriver, MountsAreInvisibleOnTheHostDuringAndAfter) {
  // A running container: berth run in the background, its stdout a pipe on
  // which the container says when it is up.
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  std::vector<std::string> full = {
      BERTH_BINARY, "--root", root_,     "run", "--exec-driver",         "native", "--rootfs",
      BERTH_ROOTFS, "--",     "/bin/sh", "-c",  "echo up; exec sleep 60"};
  std::vector<char *> argv;
  for (std::string &a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  pid_t berth;
  ASSERT_EQ(posix_spawn(&berth, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  char buf[16] = {};
  ssize_t n = ::read(out[0], buf, sizeof buf - 1);
  ::close(out[0]);
  EXPECT_EQ(std::string(buf, n > 0 ? n : 0), "up\n");

  EXPECT_EQ(mount_points_under(BERTH_ROOTFS), "") << "the container's mounts leak to the host";
  std::vector<std::string> ids = container_ids();
  ASSERT_EQ(ids.size(), 1u);
  Result top = run({"top", ids[0]});
  ASSERT_RAN(top);
  EXPECT_EQ(lines(top.out).size(), 3u) << top.out;  // header, init, sleep

  ASSERT_RAN(run({"kill", ids[0], "KILL"}));
  int status;
  while (::waitpid(berth, &status, 0) < 0 && errno == EINTR) {
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGKILL) << status;
  EXPECT_EQ(mount_points_under(BERTH_ROOTFS), "");
}

TEST_F(NativeDriver, MaskedPathsReadEmpty) {
  // Docker's masked files that this kernel has; /proc/keys and
  // /proc/timer_list exist on every kernel berth runs on.
  Result r =
      sh("for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/latency_stats; "
         "do [ -e $f ] && echo $f $(wc -c < $f); done; ls -A /sys/firmware | wc -l");
  ASSERT_RAN(r);
  EXPECT_NE(r.out.find("/proc/keys 0\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/proc/timer_list 0\n"), std::string::npos) << r.out;
  for (const std::string &line : lines(r.out))
    EXPECT_EQ(line.substr(line.size() - 1), "0") << "not empty: " << line;
}

TEST_F(NativeDriver, ReadonlyProcPathsRefuseWrites) {
  Result r =
      sh("echo x > /proc/sys/kernel/hostname && echo WROTE; grep ' /proc/sys ' "
         "/proc/self/mountinfo");
  ASSERT_RAN(r);
  EXPECT_EQ(r.out.find("WROTE"), std::string::npos);
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find(" ro,"), std::string::npos) << r.out;
}

TEST_F(NativeDriver, EffectiveCapabilitiesAreDockersDefaultSet) {
  Result r = sh("grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status");
  ASSERT_RAN(r);
  EXPECT_NE(r.out.find("CapEff:\t00000000a80425fb\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CapBnd:\t00000000a80425fb\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CapInh:\t0000000000000000\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CapAmb:\t0000000000000000\n"), std::string::npos) << r.out;
}

TEST_F(NativeDriver, CapAddAndDropChangeTheSet) {
  // + CAP_NET_ADMIN (bit 12), - CAP_CHOWN (bit 0): 0xa80425fb + 0x1000 - 1.
  Result r = sh("grep CapEff /proc/self/status", {"--cap-add", "NET_ADMIN", "--cap-drop", "CHOWN"});
  ASSERT_RAN(r);
  EXPECT_EQ(r.out, "CapEff:\t00000000a80435fa\n");
}

TEST_F(NativeDriver, SeccompDeniesNamespaceCreationWithEperm) {
  // A user namespace needs no capability, so only the seccomp profile can
  // refuse it; the profile answers EPERM.
  Result r = sh("unshare -U true; echo rc=$?");
  ASSERT_RAN(r);
  EXPECT_EQ(r.out, "rc=1\n");
  EXPECT_NE(r.err.find("Operation not permitted"), std::string::npos) << r.err;
}

// Compiled profiles are cached per capability set (seccomp_cache.h). The
// cache only saves time: an entry that is corrupt, or that someone other
// than root could have written, is never loaded as a filter.
TEST_F(NativeDriver, SeccompCacheIgnoresCorruptEntriesAndEntriesWritableByOthers) {
  const std::string cache = root_ + "/seccomp-cache";
  ASSERT_EQ(::setenv("BERTH_NATIVE_SECCOMP_CACHE", cache.c_str(), 1), 0);
  struct Unset {
    ~Unset() { ::unsetenv("BERTH_NATIVE_SECCOMP_CACHE"); }
  } unset;
  const std::string probe = "unshare -U true 2>/dev/null; echo rc=$?";
  auto entries = [&] {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto &e : fs::directory_iterator(cache, ec)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  };

  Result r = sh(probe);
  ASSERT_RAN(r);
  ASSERT_EQ(r.out, "rc=1\n");
  std::vector<std::string> first = entries();
  ASSERT_EQ(first.size(), 1u) << "the default capability set's program is cached";
  const std::string default_entry = cache + "/" + first[0];
  r = sh(probe, {"--cap-add", "SYS_ADMIN"});
  ASSERT_RAN(r);
  ASSERT_EQ(r.out, "rc=0\n") << "CAP_SYS_ADMIN re-allows unshare";
  std::vector<std::string> both = entries();
  ASSERT_EQ(both.size(), 2u);
  const std::string admin_entry = cache + "/" + (both[0] == first[0] ? both[1] : both[0]);

  // A permissive entry under the default set's name: the SYS_ADMIN program
  // with its capability set (bytes 8..15; the first 16 hex digits of the
  // file name) rewritten to the default set's.
  std::string planted = slurp(admin_entry);
  ASSERT_GT(planted.size(), 40u);
  uint64_t caps = std::stoull(first[0].substr(0, 16), nullptr, 16);
  std::memcpy(planted.data() + 8, &caps, sizeof caps);
  auto plant = [&](const std::string &content, mode_t mode) {
    {
      std::ofstream out(default_entry, std::ios::trunc | std::ios::binary);
      out << content;
    }
    ASSERT_EQ(::chmod(default_entry.c_str(), mode), 0);
  };

  plant(planted, 0666);
  r = sh(probe);
  ASSERT_RAN(r);
  EXPECT_EQ(r.out, "rc=1\n") << "an entry writable by others is not loaded";

  plant("not a seccomp program", 0600);
  r = sh(probe);
  ASSERT_RAN(r);
  EXPECT_EQ(r.out, "rc=1\n") << "a corrupt entry is not loaded";
  EXPECT_EQ(slurp(default_entry).substr(0, 8), "berthsc2") << "and is replaced by a sound one";

  // The planted entry itself is well formed: with root's own mode it is
  // what the container gets. Only root may write the cache directory.
  plant(planted, 0600);
  r = sh(probe);
  ASSERT_RAN(r);
  EXPECT_EQ(r.out, "rc=0\n");
}

TEST_F(NativeDriver, SeccompSetsNoNewPrivsAndFilterMode) {
  Result r = sh("grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status");
  ASSERT_RAN(r);
  EXPECT_EQ(r.out, "NoNewPrivs:\t1\nSeccomp:\t2\n");
}

TEST_F(NativeDriver, OnlyTheStandardDescriptorsAreOpen) {
  // ls itself holds one more descriptor, the /proc/self/fd directory.
  Result r = sh("ls /proc/self/fd | tr '\\n' ' '");
  ASSERT_RAN(r);
  EXPECT_EQ(r.out, "0 1 2 3 ");
}

TEST_F(NativeDriver, ReadonlyRootfsRefusesWrites) {
  Result r = sh("touch /berth-test-file; echo rc=$?; echo ok > /dev/shm/x && cat /dev/shm/x",
                {"--read-only"});
  ASSERT_RAN(r);
  EXPECT_EQ(r.out, "rc=1\nok\n");
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(fs::path(BERTH_ROOTFS) / "berth-test-file"));
}

TEST_F(NativeDriver, MknodAndMountFailForAnUnprivilegedUser) {
  Result r =
      sh("id -u; mknod /tmp/berth-null c 1 3; echo mknod=$?; "
         "mount -t tmpfs none /mnt; echo mount=$?; grep CapEff /proc/self/status",
         {"-u", "1000"});
  ASSERT_RAN(r);
  EXPECT_EQ(r.out, "1000\nmknod=1\nmount=1\nCapEff:\t0000000000000000\n");
  EXPECT_FALSE(fs::exists(fs::path(BERTH_ROOTFS) / "tmp/berth-null"));
}

TEST_F(NativeDriver, DevHoldsOnlyDockersDevices) {
  Result r = sh("ls /dev | tr '\\n' ' '; cat /dev/urandom | head -c 4 | wc -c");
  ASSERT_RAN(r);
  EXPECT_EQ(r.out,
            "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero 4\n");
}

TEST_F(NativeDriver, HostBerthBinaryIsNotReachableThroughProc1Exe) {
  // The init is a copy of the monitor: its exe is the host's berth. It is
  // not dumpable, so nothing in the container can open it.
  Result r =
      sh("cat /proc/1/exe > /dev/null; echo rc=$?; cat /proc/1/cmdline | tr '\\0' '\\n' | head -1");
  ASSERT_RAN(r);
  EXPECT_EQ(r.out, "rc=1\nberth-init\n");
}

TEST_F(NativeDriver, ExitStatusIsTheProcesssThroughInit) {
  EXPECT_EQ(sh("exit 7").status, 7);
  EXPECT_EQ(sh("kill -TERM $$").status, 128 + SIGTERM);
}

}  // namespace
