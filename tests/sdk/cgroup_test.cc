// Cgroups on the real host (root, any layout): limits land in the right
// files, processes are listed and killed, OOM is reported, destroy leaves
// nothing.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <berth/sdk/cgroup.hpp>
#include <berth/sdk/file.hpp>
#include <berth/sdk/process.hpp>

#include <cstdlib>
#include <cstring>

using namespace berth::sdk;

namespace {

std::string unique_name(const char *what) {
  return std::string("berth/sdktest-") + what + "-" + std::to_string(::getpid());
}

std::string read_trimmed(const std::string &path) {
  std::string s;
  berth_error err{};
  EXPECT_EQ(read_file(path, &s, &err), BERTH_OK) << err.message;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// A child that blocks until released through a pipe, then runs `body`.
struct Gate {
  int fds[2];
  Gate() { EXPECT_EQ(::pipe(fds), 0); }
  ~Gate() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  void wait_in_child() {
    char c;
    (void)!::read(fds[0], &c, 1);
  }
  void open() { EXPECT_EQ(::write(fds[1], "x", 1), 1); }
};

class CgroupTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::geteuid(), 0u) << "cgroup tests need root"; }
};

}  // namespace

TEST_F(CgroupTest, LimitsAreWrittenForTheDetectedLayout) {
  CgroupLimits limits;
  limits.memory_bytes = 64 << 20;
  limits.cpu_shares = 512;
  limits.pids = 32;
  Cgroup cg;
  berth_error err{};
  ASSERT_EQ(Cgroup::create(unique_name("limits"), limits, &cg, &err), BERTH_OK) << err.message;
  if (cg.layout() == CgroupLayout::v2) {
    const std::string dir = cg.dirs().front().path;
    EXPECT_EQ(read_trimmed(dir + "/memory.max"), std::to_string(64 << 20));
    EXPECT_EQ(read_trimmed(dir + "/cpu.weight"), std::to_string(cpu_shares_to_weight(512)));
    EXPECT_EQ(read_trimmed(dir + "/pids.max"), "32");
  } else {
    bool memory = false, cpu = false, pids = false;
    for (const auto &d : cg.dirs()) {
      std::string c = "," + d.controllers + ",";
      if (c.find(",memory,") != std::string::npos) {
        memory = true;
        EXPECT_EQ(read_trimmed(d.path + "/memory.limit_in_bytes"), std::to_string(64 << 20));
        if (path_exists(d.path + "/memory.memsw.limit_in_bytes")) {
          EXPECT_EQ(read_trimmed(d.path + "/memory.memsw.limit_in_bytes"),
                    std::to_string(64 << 20));
        }
      }
      if (c.find(",cpu,") != std::string::npos) {
        cpu = true;
        EXPECT_EQ(read_trimmed(d.path + "/cpu.shares"), "512");
      }
      if (c.find(",pids,") != std::string::npos) {
        pids = true;
        EXPECT_EQ(read_trimmed(d.path + "/pids.max"), "32");
      }
    }
    EXPECT_TRUE(memory && cpu && pids) << cg.serialize();
  }
  std::vector<CgroupDir> dirs = cg.dirs();
  ASSERT_EQ(cg.destroy(&err), BERTH_OK) << err.message;
  for (const auto &d : dirs) EXPECT_FALSE(path_exists(d.path)) << d.path << " left behind";
  EXPECT_EQ(cg.destroy(&err), BERTH_OK) << "destroy must be idempotent";
}

// v1: the freezer hierarchy is joined for kill_all unless the driver says it
// ends its processes another way; the device allow-list is docker's.
TEST_F(CgroupTest, FreezerIsJoinedOnlyWhenAskedAndDevicesGetTheAllowList) {
  auto joins_freezer = [](const Cgroup &cg) {
    for (const auto &d : cg.dirs())
      if (("," + d.controllers + ",").find(",freezer,") != std::string::npos) return true;
    return false;
  };
  CgroupLimits limits;
  limits.pids = 16;
  limits.device_allowlist = true;
  berth_error err{};
  Cgroup with, without;
  ASSERT_EQ(Cgroup::create(unique_name("freezer-on"), limits, &with, &err), BERTH_OK)
      << err.message;
  limits.freezer = false;
  ASSERT_EQ(Cgroup::create(unique_name("freezer-off"), limits, &without, &err), BERTH_OK)
      << err.message;
  if (with.layout() == CgroupLayout::v2) {
    // One directory holds every controller: nothing to join or leave out.
    EXPECT_EQ(with.dirs().size(), 1u);
    EXPECT_EQ(without.dirs().size(), 1u);
  } else {
    EXPECT_TRUE(joins_freezer(with)) << with.serialize();
    EXPECT_FALSE(joins_freezer(without)) << without.serialize();
    ASSERT_TRUE(without.devices_enforced()) << without.serialize();
    for (const auto &d : without.dirs()) {
      if (("," + d.controllers + ",").find(",devices,") == std::string::npos) continue;
      std::string list = read_trimmed(d.path + "/devices.list");
      for (const char *rule : {"c *:* m", "b *:* m", "c 1:3 rwm", "c 1:9 rwm", "c 5:2 rwm",
                               "c 136:* rwm", "c 10:200 rwm"})
        EXPECT_NE(list.find(rule), std::string::npos) << rule << " missing from\n" << list;
      EXPECT_EQ(list.find("a *:* rwm"), std::string::npos) << "everything still allowed";
    }
  }
  EXPECT_EQ(with.destroy(&err), BERTH_OK) << err.message;
  EXPECT_EQ(without.destroy(&err), BERTH_OK) << err.message;
}

TEST_F(CgroupTest, AnExistingCgroupIsRefusedAndLeftAlone) {
  Cgroup first, second;
  berth_error err{};
  std::string name = unique_name("dup");
  ASSERT_EQ(Cgroup::create(name, {}, &first, &err), BERTH_OK) << err.message;
  EXPECT_NE(Cgroup::create(name, {}, &second, &err), BERTH_OK);
  EXPECT_NE(std::strstr(err.message, "already exists"), nullptr) << err.message;
  for (const auto &d : first.dirs()) EXPECT_TRUE(path_exists(d.path)) << d.path;
}

TEST_F(CgroupTest, BadNamesAndLimitsNameTheField) {
  Cgroup cg;
  berth_error err{};
  EXPECT_EQ(Cgroup::create("../escape", {}, &cg, &err), BERTH_E_INVALID);
  EXPECT_NE(std::strstr(err.message, "../escape"), nullptr) << err.message;
  CgroupLimits limits;
  limits.cpu_shares = 1;
  EXPECT_EQ(Cgroup::create(unique_name("bad"), limits, &cg, &err), BERTH_E_INVALID);
  EXPECT_NE(std::strstr(err.message, "cpu_shares"), nullptr) << err.message;
}

TEST_F(CgroupTest, ProcessesAreListedKilledAndSeenFromALoadedCopy) {
  Cgroup cg;
  berth_error err{};
  ASSERT_EQ(Cgroup::create(unique_name("procs"), {}, &cg, &err), BERTH_OK) << err.message;
  Gate gate;
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    gate.wait_in_child();
    for (;;) ::pause();
  }
  ASSERT_EQ(cg.add_process(pid, &err), BERTH_OK) << err.message;
  gate.open();

  Cgroup loaded;
  ASSERT_EQ(Cgroup::load(cg.serialize(), &loaded, &err), BERTH_OK) << err.message;
  std::vector<int64_t> pids;
  ASSERT_EQ(loaded.pids(&pids, &err), BERTH_OK) << err.message;
  EXPECT_EQ(pids, std::vector<int64_t>{pid});
  ASSERT_EQ(loaded.kill_all(SIGTERM, &err), BERTH_OK) << err.message;
  loaded.release();
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
  EXPECT_FALSE(cg.oom_killed());
  ASSERT_EQ(cg.destroy(&err), BERTH_OK) << err.message;
}

TEST_F(CgroupTest, DestroyKillsWhatIsStillInside) {
  Cgroup cg;
  berth_error err{};
  ASSERT_EQ(Cgroup::create(unique_name("destroy"), {}, &cg, &err), BERTH_OK) << err.message;
  Gate gate;
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    gate.wait_in_child();
    for (;;) ::pause();
  }
  ASSERT_EQ(cg.add_process(pid, &err), BERTH_OK) << err.message;
  gate.open();
  std::vector<CgroupDir> dirs = cg.dirs();
  // The child stays an unreaped zombie: destroy must not wait for a reap.
  ASSERT_EQ(cg.destroy(&err), BERTH_OK) << err.message;
  for (const auto &d : dirs) EXPECT_FALSE(path_exists(d.path)) << d.path;
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

TEST_F(CgroupTest, MemoryHogIsOomKilledAndReported) {
  CgroupLimits limits;
  limits.memory_bytes = 16 << 20;
  Cgroup cg;
  berth_error err{};
  ASSERT_EQ(Cgroup::create(unique_name("oom"), limits, &cg, &err), BERTH_OK) << err.message;
  Gate gate;
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    gate.wait_in_child();
    for (;;) {
      char *p = static_cast<char *>(std::malloc(1 << 20));
      if (p != nullptr) std::memset(p, 1, 1 << 20);
    }
  }
  ASSERT_EQ(cg.add_process(pid, &err), BERTH_OK) << err.message;
  gate.open();
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  berth_exit_status s = exit_status_from_wait(status);
  EXPECT_EQ(s.signal, SIGKILL);
  EXPECT_EQ(s.exit_code, 137);
  EXPECT_TRUE(cg.oom_killed());
  ASSERT_EQ(cg.destroy(&err), BERTH_OK) << err.message;
}

// The v2 code path on whatever cgroup2 hierarchy this host has (on a hybrid
// host: the unified one, used alone as if it were a v2 host). No limits:
// a hybrid cgroup2 has no controllers; membership, listing, signalling
// (freeze + signal, cgroup.kill) and removal are what is exercised.
TEST_F(CgroupTest, TheV2ImplementationRunsOnThisHostsCgroup2) {
  CgroupMounts host;
  berth_error err{};
  ASSERT_EQ(detect_cgroup_mounts(&host, &err), BERTH_OK) << err.message;
  CgroupMounts v2;
  v2.layout = CgroupLayout::v2;
  for (const auto &h : host.hierarchies)
    if (h.unified) v2.hierarchies.push_back(h);
  ASSERT_FALSE(v2.hierarchies.empty()) << "this host mounts no cgroup2 hierarchy";

  Cgroup cg;
  ASSERT_EQ(Cgroup::create(v2, unique_name("v2"), {}, &cg, &err), BERTH_OK) << err.message;
  EXPECT_EQ(cg.layout(), CgroupLayout::v2);
  EXPECT_EQ(cg.serialize().rfind("layout=v2;", 0), 0u) << cg.serialize();
  pid_t pids[2];
  Gate gate;
  for (pid_t &pid : pids) {
    pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      gate.wait_in_child();
      for (;;) ::pause();
    }
    ASSERT_EQ(cg.add_process(pid, &err), BERTH_OK) << err.message;
  }
  gate.open();
  gate.open();
  std::vector<int64_t> listed;
  ASSERT_EQ(cg.pids(&listed, &err), BERTH_OK) << err.message;
  EXPECT_EQ(listed.size(), 2u);
  // SIGTERM goes through freeze/signal/thaw, SIGKILL through cgroup.kill.
  ASSERT_EQ(cg.kill_all(SIGTERM, &err), BERTH_OK) << err.message;
  int status = 0;
  ASSERT_EQ(::waitpid(pids[0], &status, 0), pids[0]);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
  ASSERT_EQ(::waitpid(pids[1], &status, 0), pids[1]);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
  std::string dir = cg.dirs().front().path;
  EXPECT_EQ(read_trimmed(dir + "/cgroup.freeze"), "0") << "thawed after signalling";
  ASSERT_EQ(cg.destroy(&err), BERTH_OK) << err.message;
  EXPECT_FALSE(path_exists(dir));
}

namespace {

// The cgroup paths of `pid` as /proc/PID/cgroup lists them, one per line.
std::string proc_cgroup(pid_t pid) {
  return read_trimmed("/proc/" + std::to_string(pid) + "/cgroup");
}

// Spawns a child through `entry` that enters the cgroup itself, says so
// with a byte on `entered` ('y', or 'n' when enter_self failed), and then
// waits for `gate`.
pid_t spawn_entering(const CgroupEntry &entry, Gate &gate, int entered, bool *born_in_v2) {
  Child child;
  bool is_child = false;
  berth_error err{};
  EXPECT_EQ(Child::spawn(0, entry.v2_dir.get(), &child, &is_child, born_in_v2, &err), BERTH_OK)
      << err.message;
  if (is_child) {
    berth_error e{};
    bool ok = Cgroup::enter_self(entry, &e) == BERTH_OK;
    (void)!::write(entered, ok ? "y" : "n", 1);
    gate.wait_in_child();
    ::_exit(ok ? 0 : 3);
  }
  return child.release();
}

// spawn_entering's answer ('y' when enter_self worked); closes the pipe.
char entered_answer(int entered[2]) {
  char answer = 0;
  EXPECT_EQ(::read(entered[0], &answer, 1), 1);
  ::close(entered[0]);
  ::close(entered[1]);
  return answer;
}

// /proc/PID/cgroup of `pid` lists every directory of `cg` ("berth/<name>").
void expect_in_every_directory(const Cgroup &cg, pid_t pid, const std::string &name) {
  std::string listed = proc_cgroup(pid);
  for (const auto &d : cg.dirs()) {
    std::string line = (d.controllers.empty() ? "::" : ":" + d.controllers + ":") + "/" + name;
    EXPECT_NE(listed.find(line), std::string::npos) << line << " not in\n" << listed;
  }
}

}  // namespace

// The start path of the native driver: nobody writes the child's pid
// anywhere; it is born in the cgroup2 directory and moves itself into the
// v1 ones, and lands in every directory of the cgroup.
TEST_F(CgroupTest, AChildEntersEveryDirectoryByItselfThroughTheEntry) {
  CgroupLimits limits;
  limits.pids = 16;
  Cgroup cg;
  berth_error err{};
  ASSERT_EQ(Cgroup::create(unique_name("entry"), limits, &cg, &err), BERTH_OK) << err.message;
  CgroupEntry entry;
  ASSERT_EQ(cg.open_entry(&entry, &err), BERTH_OK) << err.message;
  size_t v1_dirs = 0;
  bool has_v2 = false;
  for (const auto &d : cg.dirs()) {
    if (d.controllers.empty())
      has_v2 = true;
    else
      ++v1_dirs;
  }
  EXPECT_EQ(entry.v1_tasks.size(), v1_dirs);
  EXPECT_EQ(static_cast<bool>(entry.v2_dir), has_v2);

  Gate gate;
  int entered[2];
  ASSERT_EQ(::pipe(entered), 0);
  bool born_in_v2 = false;
  pid_t pid = spawn_entering(entry, gate, entered[1], &born_in_v2);
  ASSERT_GT(pid, 0);
  EXPECT_EQ(born_in_v2, has_v2) << "clone3(CLONE_INTO_CGROUP) is in Linux since 5.7";
  EXPECT_EQ(entered_answer(entered), 'y') << "enter_self failed in the child";
  std::vector<int64_t> inside;
  ASSERT_EQ(cg.pids(&inside, &err), BERTH_OK) << err.message;
  EXPECT_EQ(inside, std::vector<int64_t>{pid});
  expect_in_every_directory(cg, pid, unique_name("entry"));
  gate.open();
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "enter_self failed in the child";
  ASSERT_EQ(cg.destroy(&err), BERTH_OK) << err.message;
}

// The path of kernels without CLONE_INTO_CGROUP (before 5.7): a child of a
// plain fork enters the v1 directories itself and the parent moves it into
// the cgroup2 one (add_process_unified: the slow, locked write).
TEST_F(CgroupTest, WithoutCloneIntoCgroupTheParentMovesTheChildIntoCgroup2) {
  CgroupLimits limits;
  limits.pids = 16;
  Cgroup cg;
  berth_error err{};
  ASSERT_EQ(Cgroup::create(unique_name("oldkernel"), limits, &cg, &err), BERTH_OK) << err.message;
  CgroupEntry entry;
  ASSERT_EQ(cg.open_entry(&entry, &err), BERTH_OK) << err.message;
  Gate gate;
  int entered[2];
  ASSERT_EQ(::pipe(entered), 0);
  CgroupEntry no_cgroup2;  // as on an old kernel: no cgroup2 directory to be born in
  for (auto &fd : entry.v1_tasks) no_cgroup2.v1_tasks.push_back(UniqueFd(::dup(fd.get())));
  no_cgroup2.v1_paths = entry.v1_paths;
  bool born = true;
  pid_t pid = spawn_entering(no_cgroup2, gate, entered[1], &born);
  ASSERT_GT(pid, 0);
  EXPECT_FALSE(born);
  EXPECT_EQ(entered_answer(entered), 'y') << "enter_self failed in the child";
  ASSERT_EQ(cg.add_process_unified(pid, &err), BERTH_OK) << err.message;
  expect_in_every_directory(cg, pid, unique_name("oldkernel"));
  gate.open();
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_EQ(cg.destroy(&err), BERTH_OK) << err.message;
}

// A cgroup removed under the entry: entering fails with the file named
// (v1 tasks file; cgroup2: clone3 itself), and nothing is created.
TEST_F(CgroupTest, EnteringARemovedCgroupFailsNamingWhat) {
  CgroupLimits limits;
  limits.pids = 16;
  Cgroup cg;
  berth_error err{};
  ASSERT_EQ(Cgroup::create(unique_name("gone"), limits, &cg, &err), BERTH_OK) << err.message;
  CgroupEntry entry;
  ASSERT_EQ(cg.open_entry(&entry, &err), BERTH_OK) << err.message;
  ASSERT_TRUE(!entry.v1_tasks.empty() || entry.v2_dir) << cg.serialize();
  std::vector<CgroupDir> dirs = cg.dirs();
  ASSERT_EQ(cg.destroy(&err), BERTH_OK) << err.message;
  if (!entry.v1_tasks.empty()) {
    berth_error e{};
    EXPECT_EQ(Cgroup::enter_self(entry, &e), BERTH_E_SYSTEM);
    EXPECT_NE(e.sys_errno, 0);
    EXPECT_NE(std::strstr(e.message, entry.v1_paths.front().c_str()), nullptr) << e.message;
  }
  if (entry.v2_dir) {
    Child child;
    bool is_child = false, born = false;
    berth_error e{};
    int32_t rc = Child::spawn(0, entry.v2_dir.get(), &child, &is_child, &born, &e);
    if (is_child) ::_exit(0);
    EXPECT_EQ(rc, BERTH_E_SYSTEM) << "a child was born in a removed cgroup";
    EXPECT_NE(std::strstr(e.message, "clone3"), nullptr) << e.message;
  }
  for (const auto &d : dirs) EXPECT_FALSE(path_exists(d.path)) << d.path;
}
