// The chroot driver isolates nothing (root in it is root on the host), but
// what it promises is checked here, as an attacker would try it, through
// the real `berth` binary: no descriptor of berth's or the caller's reaches
// the process (not as a working directory either), every path inside the
// rootfs resolves inside it (mount destinations, cwd, /etc/passwd), and
// no_new_privs is on unless the spec turns it off.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Result {
  int status = -1;  // exit code of berth (128+N when berth died of signal N)
  std::string out, err;
  std::string describe() const {
    return "exit " + std::to_string(status) + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
  }
};

std::string slurp(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string &path, const std::string &text) {
  std::ofstream(path) << text;
}

// Lines of /proc/self/mountinfo that mention `text`.
std::string mounts_mentioning(const std::string &text) {
  std::istringstream in(slurp("/proc/self/mountinfo"));
  std::string found;
  for (std::string line; std::getline(in, line);)
    if (line.find(text) != std::string::npos) found += line + "\n";
  return found;
}

// Each test has its own berth --root, its own copy of the busybox rootfs
// (which it may plant symlinks and setuid binaries in) and a "host"
// directory outside that rootfs that nothing in a container may reach.
class ChrootDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-chroot-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr) << "mkdtemp: " << std::strerror(errno);
    dir_ = tmpl;
    root_ = dir_ + "/state";
    rootfs_ = dir_ + "/rootfs";
    host_ = dir_ + "/host";
    ASSERT_TRUE(fs::is_regular_file(fs::path(BERTH_ROOTFS) / "bin/busybox"))
        << "the busybox rootfs is missing: build the `rootfs` target";
    fs::create_directories(root_);
    fs::create_directories(host_);
    fs::copy(BERTH_ROOTFS, rootfs_, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    spit(host_ + "/canary", "host secret\n");
  }

  void TearDown() override {
    // Nothing of a container may outlive it: no record, no mount.
    std::error_code ec;
    fs::path containers = fs::path(root_) / "containers";
    for (const auto &e : fs::directory_iterator(containers, ec)) {
      if (e.path().filename() == ".lock") continue;
      ADD_FAILURE() << "container state left behind: " << e.path();
      run({"rm", "-f", e.path().filename().string()});
    }
    EXPECT_EQ(mounts_mentioning(dir_), "") << "mounts left on the host";
    fs::remove_all(dir_, ec);
  }

  // berth --root ROOT ARGS..., with `inherit` host paths open (read-only,
  // not close-on-exec) on the given descriptor numbers, as a caller's shell
  // does with `exec 7</host/dir`.
  Result run(const std::vector<std::string> &args, const std::map<int, std::string> &inherit = {}) {
    std::string out = dir_ + "/.stdout", err = dir_ + "/.stderr";
    std::vector<std::string> full = {BERTH_BINARY, "--root", root_};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (std::string &a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
      int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      int n = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (o < 0 || e < 0 || n < 0 || ::dup2(n, 0) < 0 || ::dup2(o, 1) < 0 || ::dup2(e, 2) < 0)
        ::_exit(126);
      for (const auto &[fd, path] : inherit) {
        int h = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (h < 0 || ::dup2(h, fd) < 0) ::_exit(126);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    // A hung berth (a FIFO read, a container that never ends) fails the
    // test after a minute instead of hanging it.
    Result r;
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    pollfd p{pidfd, POLLIN, 0};
    int ready;
    do {
      ready = pidfd < 0 ? 1 : ::poll(&p, 1, 60 * 1000);
    } while (ready < 0 && errno == EINTR);
    if (ready == 0) {
      ADD_FAILURE() << "berth did not end within 60 s: killed";
      ::kill(pid, SIGKILL);
    }
    if (pidfd >= 0) ::close(pidfd);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  // berth run --rm on the chroot driver in this test's rootfs.
  Result container(const std::vector<std::string> &flags, const std::vector<std::string> &cmd,
                   const std::map<int, std::string> &inherit = {}) {
    std::vector<std::string> a = {"run", "--exec-driver=chroot", "--rootfs", rootfs_, "--rm"};
    a.insert(a.end(), flags.begin(), flags.end());
    a.push_back("--");
    a.insert(a.end(), cmd.begin(), cmd.end());
    return run(a, inherit);
  }

  Result sh(const std::vector<std::string> &flags, const std::string &script,
            const std::map<int, std::string> &inherit = {}) {
    return container(flags, {"/bin/sh", "-c", script}, inherit);
  }

  // A setuid-root copy of the ids helper at /bin/ids in the rootfs.
  void install_setuid_ids() {
    fs::copy_file(IDS_HELPER, rootfs_ + "/bin/ids");
    ASSERT_EQ(::chown((rootfs_ + "/bin/ids").c_str(), 0, 0), 0) << std::strerror(errno);
    ASSERT_EQ(::chmod((rootfs_ + "/bin/ids").c_str(), 04755), 0) << std::strerror(errno);
  }

  // A refused start: berth's exit 125, the field named, nothing ran.
  static void expect_refused(const Result &r, const std::string &field) {
    EXPECT_EQ(r.status, 125) << r.describe();
    EXPECT_NE(r.err.find(field), std::string::npos) << r.describe();
    EXPECT_EQ(r.out.find("host secret"), std::string::npos) << r.describe();
  }

  std::string dir_, root_, rootfs_, host_;
};

TEST_F(ChrootDriver, SaysRootInTheContainerIsRootOnTheHost) {
  Result r = run({"drivers"});
  ASSERT_EQ(r.status, 0) << r.describe();
  size_t at = r.out.find("chroot ");
  ASSERT_NE(at, std::string::npos) << r.describe();
  std::string line = r.out.substr(at, r.out.find('\n', at) - at);
  EXPECT_NE(line.find("root in the container is root on the host"), std::string::npos) << line;
  EXPECT_NE(r.out.find("no-new-privs"), std::string::npos) << "feature not declared\n" << r.out;
}

// -w /proc/self/fd/N named berth's own descriptors (3: the host state
// directory, 15: a host cgroup directory): a working directory on the host.
TEST_F(ChrootDriver, CwdOnAnInheritedDescriptorIsRefusedForEveryFd) {
  for (int fd = 3; fd <= 30; ++fd) {
    SCOPED_TRACE("fd " + std::to_string(fd));
    for (std::string dir : {"/proc/self/fd/", "/dev/fd/"}) {
      Result r = sh({"-w", dir + std::to_string(fd)}, "pwd; ls; cat ../../../canary");
      expect_refused(r, "process.cwd");
    }
  }
  // Nothing was created in the rootfs for those paths.
  EXPECT_FALSE(fs::exists(rootfs_ + "/proc/self")) << "a cwd was created in the rootfs";
  EXPECT_FALSE(fs::exists(rootfs_ + "/dev/fd")) << "a cwd was created in the rootfs";
}

TEST_F(ChrootDriver, CwdFromASpecOnAnInheritedDescriptorIsRefused) {
  std::string spec = dir_ + "/spec.yaml";
  spit(spec, "version: 1\nrootfs: " + rootfs_ +
                 "\nprocess:\n  cwd: /proc/self/fd/3\n  args: [/bin/sh, -c, 'pwd; ls']\n");
  Result r = run({"run", "--exec-driver=chroot", "--rm", spec});
  expect_refused(r, "process.cwd");
  EXPECT_EQ(r.out.find("state.json"), std::string::npos) << r.describe();
}

// The caller's own descriptor (`exec 7</host/dir; berth run ...`), as an
// unprivileged user: neither a way out as cwd nor inherited.
TEST_F(ChrootDriver, CallersDescriptorIsNeitherCwdNorInherited) {
  Result r = sh({"-u", "1000", "-w", "/proc/self/fd/7"}, "cat canary", {{7, host_}});
  expect_refused(r, "process.cwd");

  r = sh({"-u", "1000"}, "ls /proc/self/fd | tr '\\n' ' '; cat /proc/self/fd/7/canary",
         {{7, host_}, {20, host_ + "/canary"}});
  // ls holds one more descriptor itself (its /proc/self/fd directory).
  EXPECT_EQ(r.out, "0 1 2 3 ") << r.describe();
  EXPECT_NE(r.status, 0) << r.describe();
}

// Without -w either: the process starts with only stdio, as root too.
TEST_F(ChrootDriver, OnlyStdioReachesTheProcess) {
  Result r = sh({}, "ls /proc/self/fd | tr '\\n' ' '", {{9, host_}});
  ASSERT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "0 1 2 3 ") << r.describe();
}

// A symlink in the rootfs at a mount destination (the CVE-2021-30465
// class) resolves inside the rootfs: nothing is created or mounted on the
// host. One that leads to a host path missing in the rootfs is refused
// (open_in_root follows no dangling symlink); one that leads to a path that
// exists in the rootfs is followed there, and the bind is where the
// container looks.
TEST_F(ChrootDriver, SymlinkedMountDestinationDirectoryStaysInTheRootfs) {
  fs::create_directories(rootfs_ + "/d");
  fs::create_symlink(host_, rootfs_ + "/d/evil");
  fs::create_symlink("../../../../../../../../.." + host_, rootfs_ + "/d/up");
  std::string src = dir_ + "/src";
  fs::create_directories(src);
  spit(src + "/inside", "from the bind\n");
  for (const std::string dest : {"/d/evil/created", "/d/evil/a/b/c", "/d/up/created"}) {
    SCOPED_TRACE(dest);
    Result r = sh({"-v", src + ":" + dest}, "cat " + dest + "/inside");
    expect_refused(r, "mounts[0].destination");
    EXPECT_NE(r.err.find(dest), std::string::npos) << r.describe();
  }
  EXPECT_FALSE(fs::exists(host_ + "/created")) << "created on the host";
  EXPECT_FALSE(fs::exists(host_ + "/a")) << "created on the host";

  // The same host path made to exist inside the rootfs: followed there.
  fs::create_directories(rootfs_ + host_);
  Result r = sh({"-v", src + ":/d/evil/created", "-v", src + ":/d/up/a/b/c"},
                "cat /d/evil/created/inside /d/up/a/b/c/inside");
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "from the bind\nfrom the bind\n") << r.describe();
  EXPECT_FALSE(fs::exists(host_ + "/created")) << "created on the host";
  EXPECT_FALSE(fs::exists(host_ + "/a")) << "created on the host";
  EXPECT_TRUE(fs::is_directory(rootfs_ + host_ + "/created"));
  EXPECT_TRUE(fs::is_directory(rootfs_ + host_ + "/a/b/c"));
}

TEST_F(ChrootDriver, SymlinkedMountDestinationFileStaysInTheRootfs) {
  fs::create_symlink(host_ + "/canary", rootfs_ + "/etc/evil");
  std::string src = dir_ + "/file";
  spit(src, "from the bind\n");
  Result r = sh({"-v", src + ":/etc/evil"}, "cat /etc/evil");
  expect_refused(r, "mounts[0].destination");

  // Where the link leads inside the rootfs exists: the file is bound there,
  // the host's file is untouched.
  fs::create_directories(rootfs_ + host_);
  spit(rootfs_ + host_ + "/canary", "the rootfs's own\n");
  r = sh({"-v", src + ":/etc/evil"}, "cat /etc/evil " + host_ + "/canary");
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "from the bind\nfrom the bind\n") << r.describe();
  EXPECT_EQ(slurp(host_ + "/canary"), "host secret\n");
  EXPECT_EQ(slurp(rootfs_ + host_ + "/canary"), "the rootfs's own\n");
}

// A destination through a magic link cannot be opened inside the rootfs.
TEST_F(ChrootDriver, MountDestinationThroughADescriptorIsRefused) {
  std::string src = dir_ + "/src";
  fs::create_directories(src);
  Result r = sh({"-v", src + ":/proc/self/fd/3/x"}, "true");
  expect_refused(r, "mounts[0].destination");
}

// A setuid-root binary must not give an unprivileged user euid 0, which
// here is root on the host.
TEST_F(ChrootDriver, SetuidUnderAUserDoesNotGiveRoot) {
  install_setuid_ids();
  Result r = container({"-u", "1000"}, {"/bin/ids"});
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "uid=1000 euid=1000\n") << r.describe();
  r = sh({"-u", "1000"}, "grep NoNewPrivs /proc/self/status");
  EXPECT_EQ(r.out, "NoNewPrivs:\t1\n") << r.describe();
  r = sh({}, "grep NoNewPrivs /proc/self/status");
  EXPECT_EQ(r.out, "NoNewPrivs:\t1\n") << "root too\n" << r.describe();
}

// --security-opt no-new-privileges=false: images that need su/sudo.
TEST_F(ChrootDriver, NewPrivilegesOnRequest) {
  install_setuid_ids();
  Result r = container({"-u", "1000", "--security-opt", "no-new-privileges=false"}, {"/bin/ids"});
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "uid=1000 euid=0\n") << r.describe();
  r = sh({"--security-opt", "no-new-privileges=false"}, "grep NoNewPrivs /proc/self/status");
  EXPECT_EQ(r.out, "NoNewPrivs:\t0\n") << r.describe();
  r = sh({"--security-opt", "no-new-privileges=true", "-u", "1000"}, "/bin/ids");
  EXPECT_EQ(r.out, "uid=1000 euid=1000\n") << r.describe();
}

// -u NAME is looked up in the rootfs's /etc/passwd, never through a symlink
// to the host's; a FIFO as /etc/group does not hang the lookup.
TEST_F(ChrootDriver, UserLookupStaysInTheRootfs) {
  spit(host_ + "/passwd", "hostonly:x:4242:4242::/:/bin/sh\n");
  fs::remove(rootfs_ + "/etc/passwd");
  fs::create_symlink(host_ + "/passwd", rootfs_ + "/etc/passwd");
  Result r = container({"-u", "hostonly"}, {"/bin/true"});
  expect_refused(r, "no user 'hostonly'");

  fs::remove(rootfs_ + "/etc/passwd");
  spit(rootfs_ + "/etc/passwd", "root:x:0:0::/root:/bin/sh\nguest:x:1000:1000::/:/bin/sh\n");
  fs::remove(rootfs_ + "/etc/group");
  ASSERT_EQ(::mkfifo((rootfs_ + "/etc/group").c_str(), 0644), 0) << std::strerror(errno);
  r = sh({"-u", "guest"}, "id -u");
  EXPECT_EQ(r.status, 0) << r.describe();
  EXPECT_EQ(r.out, "1000\n") << r.describe();
}

}  // namespace
