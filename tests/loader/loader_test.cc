// The loader against fake drivers, each broken in one way: every refusal is
// one line naming the file and the problem, and the good drivers still load.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "loader/loader.h"

namespace berth::loader {
namespace {

const std::string kDir = FAKE_DRIVER_DIR;

std::string fake(const std::string &name) {
  return kDir + "/" + name + ".so";
}

// Every fake that must be refused, with what the refusal must say.
struct Refusal {
  const char *file;
  const char *problem;
};
const Refusal kRefusals[] = {
    {"no_entry", "not a berth driver: no 'berth_driver_entry' symbol"},
    {"x", "not a loadable shared object: "},
    {"needs_newer",
     "incompatible driver ABI: the driver needs version 99, this berth speaks 1 to 1"},
    {"short_table", "driver table too short: struct_size 48 bytes"},
    {"abi_zero", "incompatible driver ABI: the driver's table is version 0"},
    {"no_start", "driver 'nostart' lacks the required call 'start'"},
    {"pids_missing", "driver 'nopids' declares pids listing but has no 'pids' call"},
    {"bad_name", "invalid driver name 'Bad Name'"},
    {"newer_only", "incompatible driver ABI: the driver needs version 2, this berth speaks 1 to 1"},
    {"ignores_offer", "incompatible driver ABI: the driver's table is version 2"},
    {"fake_twin", "a second driver named 'fake' (the first is "},
};

void expect_one_line_about(const LoadError &e, const std::string &file,
                           const std::string &problem) {
  const std::string line = e.str();
  EXPECT_EQ(e.file, file);
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_EQ(line.rfind(file + ": ", 0), 0u) << line;
  EXPECT_NE(e.problem.find(problem), std::string::npos)
      << "expected \"" << problem << "\" in: " << line;
}

berth_container container() {
  berth_container c{};
  c.struct_size = sizeof c;
  c.id = "abc";
  c.state_dir = "/nonexistent/state";
  return c;
}

// --- a good driver ---

TEST(LoaderLoadFile, ValidDriverLoadsWithItsTable) {
  Registry registry({});
  EXPECT_EQ(registry.load_file(fake("fake")), std::nullopt);
  ASSERT_EQ(registry.drivers().size(), 1u);
  const Driver &d = *registry.drivers()[0];
  EXPECT_EQ(d.name(), "fake");
  EXPECT_EQ(d.file(), fake("fake"));
  EXPECT_EQ(d.version(), "1.0");
  EXPECT_EQ(d.description(), "a fake driver for the loader tests");
  EXPECT_EQ(d.abi_version(), 1u);
  EXPECT_TRUE(d.has(BERTH_FEATURE_PIDS_LISTING));
  EXPECT_TRUE(d.has(BERTH_FEATURE_LIMIT_MEMORY));
  EXPECT_FALSE(d.has(BERTH_FEATURE_TTY));
  EXPECT_EQ(d.default_network(), static_cast<uint32_t>(BERTH_NETWORK_NONE));
  EXPECT_TRUE(registry.errors().empty());
}

TEST(LoaderLoadFile, SameFileTwiceKeepsOneDriver) {
  Registry registry({});
  EXPECT_EQ(registry.load_file(fake("fake")), std::nullopt);
  EXPECT_EQ(registry.load_file(kDir + "/./fake.so"), std::nullopt);
  EXPECT_EQ(registry.drivers().size(), 1u);
  EXPECT_TRUE(registry.errors().empty());
}

TEST(LoaderDriverCalls, ProbeReportsWhatTheDriverFound) {
  Registry registry({});
  ASSERT_EQ(registry.load_file(fake("fake")), std::nullopt);
  const Driver::Probe p = registry.drivers()[0]->probe();
  EXPECT_TRUE(p.usable);
  EXPECT_EQ(p.info, "fake backend 1.0");
  EXPECT_EQ(p.reason, "");
}

TEST(LoaderDriverCalls, StartReturnsThePidAndRefusalsCarryTheDriversMessage) {
  Registry registry({});
  ASSERT_EQ(registry.load_file(fake("fake")), std::nullopt);
  const Driver &d = *registry.drivers()[0];
  const berth_container c = container();
  berth_stdio stdio{sizeof(berth_stdio), 0, 1, 2};
  const char *args[] = {"/bin/true"};
  berth_spec spec{};
  spec.struct_size = sizeof spec;
  spec.args = args;
  spec.args_count = 1;
  EXPECT_EQ(d.start(c, spec, stdio), 4242);
  spec.args_count = 0;
  try {
    d.start(c, spec, stdio);
    FAIL() << "start accepted a spec without args";
  } catch (const DriverError &e) {
    EXPECT_EQ(e.code(), BERTH_E_INVALID);
    EXPECT_STREQ(e.what(), "start: no args to run");
  }
}

TEST(LoaderDriverCalls, WaitStateAndDestroyReachTheDriver) {
  Registry registry({});
  ASSERT_EQ(registry.load_file(fake("fake")), std::nullopt);
  const Driver &d = *registry.drivers()[0];
  const berth_container c = container();
  const berth_exit_status status = d.wait(c);
  EXPECT_EQ(status.exit_code, 7);
  EXPECT_EQ(status.signal, 0);
  const berth_container_state state = d.state(c);
  EXPECT_EQ(state.state, static_cast<uint32_t>(BERTH_STATE_RUNNING));
  EXPECT_EQ(state.pid, 4242);
  EXPECT_NO_THROW(d.destroy(c));
}

TEST(LoaderDriverCalls, ExitFdIsTheDriversReadableDescriptorWhenItHasTheCall) {
  Registry registry({});
  ASSERT_EQ(registry.load_file(fake("with_exit_fd")), std::nullopt);
  int fd = registry.drivers()[0]->exit_fd(container());
  ASSERT_GE(fd, 0);
  pollfd p{fd, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 1);
  EXPECT_NE(p.revents & (POLLIN | POLLHUP), 0);
  ::close(fd);
}

TEST(LoaderDriverCalls, ExitFdIsAbsentWhenNullOrPastTheTablesStructSize) {
  Registry registry({});
  ASSERT_EQ(registry.load_file(fake("fake")), std::nullopt);
  ASSERT_EQ(registry.load_file(fake("before_exit_fd")), std::nullopt);
  ASSERT_EQ(registry.drivers().size(), 2u);
  EXPECT_EQ(registry.drivers()[0]->exit_fd(container()), -1);
  EXPECT_EQ(registry.drivers()[1]->exit_fd(container()), -1)
      << "a member past struct_size was called";
}

TEST(LoaderDriverCalls, KillFailureCarriesCodeErrnoAndMessage) {
  Registry registry({});
  ASSERT_EQ(registry.load_file(fake("fake")), std::nullopt);
  try {
    registry.drivers()[0]->kill(container(), 9);
    FAIL() << "kill did not report the driver's failure";
  } catch (const DriverError &e) {
    EXPECT_EQ(e.code(), BERTH_E_SYSTEM);
    EXPECT_EQ(e.sys_errno(), 3);
    EXPECT_STREQ(e.what(), "kill(abc, 9): No such process");
  }
}

TEST(LoaderDriverCalls, PidsRetriesWithTheCountTheDriverAskedFor) {
  Registry registry({});
  ASSERT_EQ(registry.load_file(fake("fake")), std::nullopt);
  const std::vector<int64_t> pids = registry.drivers()[0]->pids(container());
  ASSERT_EQ(pids.size(), 100u);
  EXPECT_EQ(pids.front(), 1);
  EXPECT_EQ(pids.back(), 100);
}

// --- every refusal, one file at a time ---

TEST(LoaderRefusals, EachBrokenDriverIsRefusedWithOneLineNamingFileAndProblem) {
  for (const Refusal &r : kRefusals) {
    if (std::string(r.file) == "fake_twin") continue;  // needs "fake" first; tested below
    SCOPED_TRACE(r.file);
    Registry registry({});
    const std::optional<LoadError> e = registry.load_file(fake(r.file));
    ASSERT_TRUE(e.has_value()) << r.file << " was accepted";
    expect_one_line_about(*e, fake(r.file), r.problem);
    EXPECT_TRUE(registry.drivers().empty());
    ASSERT_EQ(registry.errors().size(), 1u);
    EXPECT_EQ(registry.errors()[0].str(), e->str());
  }
}

TEST(LoaderRefusals, NonElfFileSaysWhatDlopenSaid) {
  Registry registry({});
  const std::optional<LoadError> e = registry.load_file(fake("x"));
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->problem.find("invalid ELF header"), std::string::npos) << e->str();
}

TEST(LoaderRefusals, MissingFileIsReported) {
  Registry registry({});
  const std::optional<LoadError> e = registry.load_file(kDir + "/does-not-exist.so");
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->str().find("does-not-exist.so: cannot resolve path: No such file or directory"),
            std::string::npos)
      << e->str();
}

TEST(LoaderRefusals, SecondDriverWithTheSameNameIsRefusedAndTheFirstKept) {
  Registry registry({});
  ASSERT_EQ(registry.load_file(fake("fake")), std::nullopt);
  const std::optional<LoadError> e = registry.load_file(fake("fake_twin"));
  ASSERT_TRUE(e.has_value());
  expect_one_line_about(
      *e, fake("fake_twin"),
      "a second driver named 'fake' (the first is " + fake("fake") + "); ignored");
  ASSERT_EQ(registry.drivers().size(), 1u);
  EXPECT_EQ(registry.drivers()[0]->file(), fake("fake"));
}

// --- version negotiation ---

TEST(LoaderNegotiation, CoreOffersItsNewestVersionAndAnOlderDriverAnswersItsOwn) {
  Registry registry({});
  ASSERT_EQ(registry.load_file(fake("older")), std::nullopt);
  ASSERT_EQ(registry.drivers().size(), 1u);
  EXPECT_EQ(registry.drivers()[0]->abi_version(), 1u);
  // Same file, same mapping: read what the driver was offered.
  void *handle = dlopen(fake("older").c_str(), RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(handle, nullptr) << "the registry should still hold older.so: " << dlerror();
  const auto *offered = static_cast<const uint32_t *>(dlsym(handle, "fake_offered_abi"));
  ASSERT_NE(offered, nullptr) << dlerror();
  EXPECT_EQ(*offered, BERTH_DRIVER_ABI_VERSION);
  dlclose(handle);
}

TEST(LoaderNegotiation, NewerDriverServesTheVersionOneTableToThisCore) {
  Registry registry({});
  ASSERT_EQ(registry.load_file(fake("newer")), std::nullopt);
  ASSERT_EQ(registry.drivers().size(), 1u);
  const Driver &d = *registry.drivers()[0];
  EXPECT_EQ(d.name(), "newer");
  EXPECT_EQ(d.abi_version(), 1u);
  EXPECT_EQ(d.version(), "1.0");  // the v1 table, not the v2 one ("2.0")
  EXPECT_TRUE(d.probe().usable);
}

TEST(LoaderNegotiation, NewerDriverThatRefusesOldCoresSaysWhichVersionItNeeds) {
  Registry registry({});
  const std::optional<LoadError> e = registry.load_file(fake("newer_only"));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->str(), fake("newer_only") +
                          ": incompatible driver ABI: the driver needs version 2, this berth "
                          "speaks 1 to 1");
}

// --- whole directories ---

std::vector<std::string> names(const Registry &registry) {
  std::vector<std::string> out;
  for (const auto &d : registry.drivers()) out.push_back(d->name());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(LoaderLoadAll, GoodDriversLoadDespiteEveryBrokenOneInTheSameDirectory) {
  Registry registry({kDir});
  registry.load_all();
  EXPECT_EQ(names(registry),
            (std::vector<std::string>{"before_exit_fd", "fake", "newer", "older", "with_exit_fd"}));
  ASSERT_EQ(registry.errors().size(), std::size(kRefusals));
  for (const Refusal &r : kRefusals) {
    SCOPED_TRACE(r.file);
    const auto it = std::find_if(registry.errors().begin(), registry.errors().end(),
                                 [&](const LoadError &e) { return e.file == fake(r.file); });
    ASSERT_NE(it, registry.errors().end()) << "no error for " << r.file;
    expect_one_line_about(*it, fake(r.file), r.problem);
  }
  // Twice is the same as once.
  registry.load_all();
  EXPECT_EQ(registry.drivers().size(), 5u);
  EXPECT_EQ(registry.errors().size(), std::size(kRefusals));
}

TEST(LoaderLoadAll, MissingDirectoryOnThePathLoadsNothingFromIt) {
  Registry registry({kDir + "/no-such-dir", kDir});
  registry.load_all();
  EXPECT_EQ(names(registry),
            (std::vector<std::string>{"before_exit_fd", "fake", "newer", "older", "with_exit_fd"}));
}

TEST(LoaderFind, FindOpensOnlyTheNamedFileWhenItIsThere) {
  Registry registry({kDir});
  const Driver *d = registry.find("older");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->file(), fake("older"));
  EXPECT_EQ(registry.drivers().size(), 1u);
  EXPECT_TRUE(registry.errors().empty());  // the broken files were never opened
}

TEST(LoaderFind, UnknownNameLoadsEverythingAndReturnsNothing) {
  Registry registry({kDir});
  EXPECT_EQ(registry.find("nosuch"), nullptr);
  EXPECT_EQ(registry.drivers().size(), 5u);
  EXPECT_EQ(registry.errors().size(), std::size(kRefusals));
}

TEST(LoaderFind, NameDeclaredInsideTheTableCountsNotTheFileName) {
  // nostart.so does not exist; no_start.so declares "nostart" but is refused.
  Registry registry({kDir});
  EXPECT_EQ(registry.find("nostart"), nullptr);
  EXPECT_NE(registry.find("newer"), nullptr);
}

// --- search path and feature names ---

TEST(LoaderSearchPath, FlagsThenEnvironmentThenNextToTheBinary) {
  const char *saved = std::getenv("BERTH_DRIVER_PATH");
  const std::string saved_value = saved ? saved : "";
  setenv("BERTH_DRIVER_PATH", "/env/a::/env/b", 1);
  const std::vector<std::string> dirs = Registry::search_path({"/flag"});
  if (saved) {
    setenv("BERTH_DRIVER_PATH", saved_value.c_str(), 1);
  } else {
    unsetenv("BERTH_DRIVER_PATH");
  }
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe");
  EXPECT_EQ(dirs, (std::vector<std::string>{
                      "/flag", "/env/a", "/env/b",
                      (exe.parent_path().parent_path() / "lib/berth/drivers").string()}));
}

TEST(LoaderFeatures, BitsHaveNamesAndUnknownBitsHaveNone) {
  EXPECT_EQ(feature_names(BERTH_FEATURE_PIDS_LISTING | BERTH_FEATURE_LIMIT_MEMORY),
            (std::vector<std::string>{"limit.memory", "pids"}));
  EXPECT_STREQ(feature_name(BERTH_FEATURE_TTY), "tty");
  EXPECT_STREQ(feature_name(1ull << 63), "");
}

}  // namespace
}  // namespace berth::loader
