// Damage, run against every driver built in this tree: a container whose
// records are truncated, garbled or wrongly typed, whose monitor was
// SIGKILLed, or whose lock is held, is still listed, inspected and removed
// by `berth rm -f`, and nothing named after it is left on the host. Each
// case checks only the containers it created (their ids), so it passes on
// a host where other containers run.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "driver_fixture.h"
#include "harness.h"

namespace berth::test {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// "" when `berth drivers` says the driver is usable here, else why not.
std::string unusable_reason(const std::string &driver) {
  static std::map<std::string, std::string> cache;
  if (auto it = cache.find(driver); it != cache.end()) return it->second;
  std::string reason = "not listed by berth drivers";
  Result r = run_berth({"drivers", "--format", "json"});
  json all = r.status == 0 ? json::parse(r.out) : json::object();
  if (all.contains("drivers"))
    for (const auto &d : all["drivers"])
      if (d["name"] == driver)
        reason = d["usable"].get<bool>() ? "" : d["reason"].get<std::string>();
  return cache.emplace(driver, reason).first->second;
}

std::string slurp(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void spit(const std::string &path, const std::string &text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

bool process_gone(pid_t pid) {
  std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return stat.empty() || (paren != std::string::npos && paren + 2 < stat.size() &&
                          (stat[paren + 2] == 'Z' || stat[paren + 2] == 'X'));
}

// Everything on the host whose name carries `id`, below `dir`, `depth`
// levels down at most: cgroups (berth/<id>, lxc.payload.berth-<id>),
// mount points (/run/berth-chroot/<id>), backend directories.
void find_named(const fs::path &dir, const std::string &id, int depth,
                std::vector<std::string> *found) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().find(id) != std::string::npos) {
      found->push_back(it->path());
      continue;
    }
    if (depth > 1 && it->is_directory(ec) && !it->is_symlink(ec))
      find_named(it->path(), id, depth - 1, found);
  }
}

class Damage : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string why = unusable_reason(driver());
    // A driver built here that cannot run here is a failure, never a skip.
    ASSERT_EQ(why, "") << "driver '" << driver() << "' is not usable here";
    root_ = std::make_unique<TempDir>();
  }

  void TearDown() override {
    if (!root_) return;
    for (const auto &[id, init] : created_) {
      if (fs::exists(container_dir(id))) {
        ADD_FAILURE() << "container " << id << " was not removed";
        berth({"rm", "-f", id});
      }
      expect_nothing_left(id, init);
    }
  }

  const std::string &driver() const { return GetParam(); }

  Result berth(std::vector<std::string> args, int timeout = 60) const {
    args.insert(args.begin(), {"--root", root_->path()});
    return run_berth(args, "", timeout);
  }

  // berth run -d ... -- cmd: the container's id, recorded for the checks.
  std::string start(const std::vector<std::string> &cmd = {"/bin/sleep", "300"}) {
    std::vector<std::string> a = {"run",        "-d", "--exec-driver", driver(), "--rootfs",
                                  BERTH_ROOTFS, "--"};
    a.insert(a.end(), cmd.begin(), cmd.end());
    Result r = berth(a);
    EXPECT_EQ(r.status, 0) << r.describe();
    std::string id = r.out.substr(0, r.out.find('\n'));
    EXPECT_EQ(id.size(), 64u) << r.describe();
    json j = inspect(id);
    int64_t pid = j.value("pid", int64_t{0});
    created_.emplace_back(id, pid);
    return id;
  }

  json inspect(const std::string &id) const {
    Result r = berth({"inspect", id});
    EXPECT_EQ(r.status, 0) << r.describe();
    return r.status == 0 ? json::parse(r.out) : json::object();
  }

  std::string container_dir(const std::string &id) const {
    return root_->path() + "/containers/" + id;
  }
  std::string record(const std::string &id) const { return container_dir(id) + "/state.json"; }

  // The driver's own records: every regular file in the state directory
  // the driver got ("<driver>.state" for the drivers of this tree).
  std::vector<std::string> driver_records(const std::string &id) const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto &e : fs::directory_iterator(container_dir(id) + "/driver", ec))
      if (e.is_regular_file() && e.path().extension() == ".state") out.push_back(e.path());
    return out;
  }

  void kill_monitor(const std::string &id) {
    pid_t monitor = static_cast<pid_t>(inspect(id).value("monitor_pid", int64_t{0}));
    ASSERT_GT(monitor, 0);
    ASSERT_EQ(::kill(monitor, SIGKILL), 0);
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (!process_gone(monitor) && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(process_gone(monitor)) << "monitor " << monitor << " survives SIGKILL";
  }

  // The row of `ps -a` for `id`, and its JSON form.
  std::string ps_row(const std::string &id) const {
    Result r = berth({"ps", "-a"});
    EXPECT_EQ(r.status, 0) << r.describe();
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line))
      if (line.rfind(id.substr(0, 12), 0) == 0) return line;
    ADD_FAILURE() << "ps -a does not list " << id << "\n" << r.describe();
    return "";
  }
  json ps_json(const std::string &id) const {
    Result r = berth({"ps", "-a", "--format", "json"});
    EXPECT_EQ(r.status, 0) << r.describe();
    if (r.status != 0) return json::object();
    json rows = json::parse(r.out);
    for (const auto &row : rows)
      if (row["id"] == id) return row;
    ADD_FAILURE() << "ps -a --format json does not list " << id << "\n" << r.describe();
    return json::object();
  }

  // A damaged state.json: listed as unknown with the reason in every
  // format, refused by rm without -f, removed with it.
  void expect_unknown_then_removed(const std::string &id, const std::string &reason) {
    std::string row = ps_row(id);
    EXPECT_NE(row.find("unknown"), std::string::npos) << row;
    EXPECT_NE(row.find(reason), std::string::npos) << row;
    json j = ps_json(id);
    EXPECT_EQ(j.value("status", ""), "unknown") << j.dump();
    EXPECT_NE(j.value("damage", "").find(reason), std::string::npos) << j.dump();
    json shown = inspect(id);
    EXPECT_EQ(shown.value("id", ""), id) << shown.dump();
    EXPECT_EQ(shown.value("state", ""), "unknown") << shown.dump();
    EXPECT_NE(shown.value("damage", "").find(reason), std::string::npos) << shown.dump();
    Result refused = berth({"rm", id});
    EXPECT_EQ(refused.status, 1) << refused.describe();
    EXPECT_NE(refused.err.find("damaged"), std::string::npos) << refused.describe();
    Result rm = berth({"rm", "-f", id});
    EXPECT_EQ(rm.status, 0) << rm.describe();
  }

  void expect_nothing_left(const std::string &id, int64_t init_pid) const {
    EXPECT_FALSE(fs::exists(container_dir(id))) << "state directory of " << id;
    std::vector<std::string> left;
    find_named("/sys/fs/cgroup", id, 4, &left);
    find_named("/run", id, 3, &left);
    for (const std::string &m : mounts_under("/"))
      if (m.find(id) != std::string::npos) left.push_back("mount: " + m);
    for (const std::string &l : left) ADD_FAILURE() << "left behind by " << id << ": " << l;
    if (init_pid > 0 && !process_gone(static_cast<pid_t>(init_pid))) {
      // The recorded pid may be reused by now (a zombie waiting for its
      // reaper is gone already); the container's would still be in a
      // cgroup named after the id.
      std::string cgroup = slurp("/proc/" + std::to_string(init_pid) + "/cgroup");
      EXPECT_EQ(cgroup.find(id), std::string::npos) << "process " << init_pid << " lives on";
    }
  }

  std::unique_ptr<TempDir> root_;
  std::vector<std::pair<std::string, int64_t>> created_;  // id, the pid berth reported
};

TEST_P(Damage, TruncatedStateJsonIsUnknownAndRmFRemovesWhatItHeld) {
  std::string id = start();
  // Cut inside "args" (keys are written in order): not even the driver's
  // name is left, so rm -f asks every driver to destroy by the id.
  std::string text = slurp(record(id));
  spit(record(id), text.substr(0, text.find("/bin/sleep") + 4));
  expect_unknown_then_removed(id, "truncated");
}

TEST_P(Damage, GarbledStateJsonIsUnknownAndRmFRemovesWhatItHeld) {
  std::string id = start();
  std::string text = slurp(record(id));
  size_t at = text.find("\"monitor_pid\"");
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, 20, "\x01\xff}{ garbage ][\"\\");
  spit(record(id), text);
  expect_unknown_then_removed(id, "garbled");
}

TEST_P(Damage, ARecordWithoutItsDriverIsKeptWhileADriverCannotBeAsked) {
  std::string id = start();
  spit(record(id), "{");  // nothing left of it, the driver's name included
  Result kept = berth({"--driver-path", UNUSABLE_DRIVER_DIR, "rm", "-f", id});
  EXPECT_NE(kept.status, 0) << kept.describe();
  EXPECT_NE(kept.err.find("downfortest (the test's backend is down)"), std::string::npos)
      << kept.describe();
  EXPECT_TRUE(fs::exists(container_dir(id))) << "the record went while a driver was not asked";
  Result removed = berth({"rm", "-f", id});
  EXPECT_EQ(removed.status, 0) << removed.describe();
}

TEST_P(Damage, WronglyTypedStateJsonShowsWhatCouldBeRead) {
  std::string id = start();
  json j = json::parse(slurp(record(id)));
  j["pid"] = "not a pid";
  j["status"] = 7;
  j["args"] = 5;
  spit(record(id), j.dump(2));
  json shown = inspect(id);
  EXPECT_EQ(shown.value("driver", ""), driver()) << shown.dump();
  EXPECT_FALSE(shown.contains("pid")) << "an unreadable field is left out: " << shown.dump();
  EXPECT_NE(shown.value("damage", "").find("'pid' is a string"), std::string::npos) << shown.dump();
  expect_unknown_then_removed(id, "'status' is a number");
}

TEST_P(Damage, DamagedDriverRecordWhileTheMonitorRunsIsRemovedByRmF) {
  std::string id = start();
  std::vector<std::string> records = driver_records(id);
  ASSERT_FALSE(records.empty()) << "no <driver>.state in " << container_dir(id) << "/driver";
  for (const std::string &r : records) spit(r, "pid=not a number\ncgroup=;;\x01\n");
  auto began = Clock::now();
  Result rm = berth({"rm", "-f", id}, 90);
  EXPECT_EQ(rm.status, 0) << rm.describe();
  EXPECT_LT(Clock::now() - began, std::chrono::seconds(30)) << rm.describe();
}

TEST_P(Damage, TruncatedDriverRecordAfterTheMonitorDiedIsRemovedByRmF) {
  std::string id = start();
  kill_monitor(id);
  std::vector<std::string> records = driver_records(id);
  ASSERT_FALSE(records.empty()) << "no <driver>.state in " << container_dir(id) << "/driver";
  for (const std::string &r : records) {
    std::string text = slurp(r);
    spit(r, text.substr(0, text.size() / 3));
  }
  Result rm = berth({"rm", "-f", id});
  EXPECT_EQ(rm.status, 0) << rm.describe();
}

// What the driver says once the monitor is gone is the truth: a backend
// whose container outlives its monitor (native, chroot, lxc) shows it
// running until it is killed; one that ends it with the monitor (libvirt
// destroys the domain) shows it exited at once. Never "running (monitor
// gone)" for a container that has stopped.
TEST_P(Damage, AfterTheMonitorIsKilledPsWaitInspectAndRmAskTheDriver) {
  std::string id = start();
  kill_monitor(id);
  json j = inspect(id);
  EXPECT_FALSE(j.value("monitor_alive", true)) << j.dump();
  const std::string truth = j["driver_state"].value("state", "");
  ASSERT_TRUE(truth == "running" || truth == "stopped") << j.dump();
  if (truth == "running") {
    EXPECT_NE(ps_row(id).find("running (monitor gone)"), std::string::npos) << ps_row(id);
    // berth wait follows the driver until the container stops.
    auto waited = std::async(std::launch::async, [&] { return berth({"wait", id}, 90); });
    bool early = waited.wait_for(std::chrono::milliseconds(500)) == std::future_status::ready;
    EXPECT_FALSE(early) << "wait returned while the container runs";
    Result killed = berth({"kill", id, "KILL"});
    EXPECT_EQ(killed.status, 0) << killed.describe();
    Result w = waited.get();
    // The exit status where the backend keeps one, else it says it was lost.
    if (w.status == 0)
      EXPECT_EQ(w.out, "137\n") << w.describe();
    else
      EXPECT_NE(w.err.find("exit status was lost"), std::string::npos) << w.describe();
  } else {
    Result w = berth({"wait", id});
    EXPECT_TRUE(w.status == 0 || w.err.find("exit status was lost") != std::string::npos)
        << w.describe();
  }
  std::string row = ps_row(id);
  EXPECT_NE(row.find("exited"), std::string::npos) << row;
  j = inspect(id);
  EXPECT_EQ(j.value("status", ""), "exited") << j.dump();
  EXPECT_EQ(j["driver_state"].value("state", ""), "stopped") << j.dump();
  Result rm = berth({"rm", id});  // no -f needed: it has stopped
  EXPECT_EQ(rm.status, 0) << rm.describe();
}

TEST_P(Damage, RmFRemovesARunningContainerWhoseMonitorWasKilled) {
  std::string id = start();
  kill_monitor(id);
  Result rm = berth({"rm", "-f", id});
  EXPECT_EQ(rm.status, 0) << rm.describe();
}

// A monitor that is stuck (stopped with SIGSTOP) holds the container's
// lock: rm -f waits a bounded time, then names it; once it has gone on
// and finished, rm -f works.
TEST_P(Damage, AStuckMonitorIsWaitedForABoundedTimeAndNamed) {
  std::string id = start();
  pid_t monitor = static_cast<pid_t>(inspect(id).value("monitor_pid", int64_t{0}));
  ASSERT_GT(monitor, 0);
  ASSERT_EQ(::kill(monitor, SIGSTOP), 0);
  auto began = Clock::now();
  Result rm = berth({"rm", "-f", id}, 90);
  auto took = Clock::now() - began;
  ::kill(monitor, SIGCONT);
  EXPECT_EQ(rm.status, 1) << rm.describe();
  EXPECT_NE(rm.err.find("pid " + std::to_string(monitor)), std::string::npos) << rm.describe();
  EXPECT_LT(took, std::chrono::seconds(40)) << rm.describe();
  Result again = berth({"rm", "-f", id});
  EXPECT_EQ(again.status, 0) << again.describe();
}

// Hostile input: refused by the core with exit 125 and the field named,
// on every driver alike, before any container exists.
TEST_P(Damage, HostileInputIsRefusedBeforeAnythingStarts) {
  TempDir specs;
  const std::string link = specs.path() + "/host-root";
  ASSERT_EQ(::symlink("/", link.c_str()), 0);
  struct Case {
    std::string body, needle;
  };
  const std::string rootfs = std::string("rootfs: ") + BERTH_ROOTFS + "\n";
  const std::vector<Case> cases = {
      {rootfs + "process:\n  args: [/bin/echo, \"a\\0b\"]\n", "process.args[1]: contains a NUL"},
      {rootfs + "process:\n  args: [/bin/true]\n  env: [\"A=\\0\"]\n",
       "process.env[0]: contains a NUL"},
      {rootfs + "process:\n  args: [/bin/true]\n  cwd: \"/tmp\\0x\"\n",
       "process.cwd: contains a NUL"},
      {rootfs + "process:\n  args: [/bin/echo, " + std::string(10 << 20, 'x') + "]\n",
       "MAX_ARG_STRLEN"},
      {"rootfs: /\nprocess:\n  args: [/bin/true]\n", "host's own root"},
      {"rootfs: " + link + "\nprocess:\n  args: [/bin/true]\n", "host's own root"},
  };
  for (const Case &c : cases) {
    const std::string file = specs.path() + "/hostile.yaml";
    spit(file, "version: 1\n" + c.body);
    Result run = berth({"run", "--rm", "--exec-driver", driver(), file});
    EXPECT_EQ(run.status, 125) << run.describe();
    EXPECT_NE(run.err.find(c.needle), std::string::npos) << run.describe().substr(0, 2000);
    Result validate = berth({"spec", "validate", file});
    EXPECT_EQ(validate.status, 125) << validate.describe().substr(0, 2000);
  }
  std::error_code ec;
  std::vector<std::string> made;
  for (const auto &e : fs::directory_iterator(root_->path() + "/containers", ec))
    if (e.path().filename().string()[0] != '.') made.push_back(e.path());
  EXPECT_TRUE(made.empty()) << made.front();
}

INSTANTIATE_TEST_SUITE_P(Drivers, Damage, ::testing::ValuesIn(drivers_under_test()),
                         [](const auto &p) { return p.param; });

// Not per driver: the store's lock, held while a named container is
// created, is waited for a bounded time and its holder named.
TEST(DamageStore, AHeldStoreLockIsNamedNotWaitedOnForEver) {
  TempDir root;
  fs::create_directories(root.path() + "/containers");
  int lock =
      ::open((root.path() + "/containers/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(lock, 0);
  ASSERT_EQ(::flock(lock, LOCK_EX), 0);
  auto began = Clock::now();
  Result r = run_berth({"--root", root.path(), "run", "--rm", "--name", "named", "--rootfs",
                        BERTH_ROOTFS, "--", "/bin/true"},
                       "", 60);
  EXPECT_EQ(r.status, 125) << r.describe();
  EXPECT_NE(r.err.find("held by pid " + std::to_string(::getpid())), std::string::npos)
      << r.describe();
  EXPECT_LT(Clock::now() - began, std::chrono::seconds(30));
  ::close(lock);
  EXPECT_FALSE(fs::exists(root.path() + "/containers/named"));
}

}  // namespace
}  // namespace berth::test
