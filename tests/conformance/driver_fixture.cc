#include "driver_fixture.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace berth::test {
namespace fs = std::filesystem;

const DriverInfo &driver_info(const std::string &name) {
  static std::map<std::string, DriverInfo> cache;
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  DriverInfo info;
  Result r = run_berth({"drivers", "--format", "json"});
  if (r.status == 0) {
    auto j = nlohmann::json::parse(r.out);
    for (const auto &d : j["drivers"]) {
      if (d["name"] != name) continue;
      info.found = true;
      info.usable = d["usable"];
      info.reason = d["reason"];
      for (const auto &f : d["features"]) info.features.insert(f.get<std::string>());
      info.default_network = d["defaults"]["network"];
    }
  }
  return cache.emplace(name, info).first->second;
}

std::vector<std::string> drivers_under_test() {
  std::vector<std::string> out;
  std::stringstream list(BERTH_CONFORMANCE_DRIVERS);
  std::string name;
  while (std::getline(list, name, ','))
    if (!name.empty()) out.push_back(name);
  return out;
}

bool copy_tree(const std::string &from, const std::string &to) {
  Result r = run_program({"/bin/cp", "-a", from, to});
  if (r.status != 0) ADD_FAILURE() << "cp -a " << from << " " << to << ": " << r.describe();
  return r.status == 0;
}

std::string driver_param_name(const ::testing::TestParamInfo<std::string> &param) {
  return param.param;
}

void DriverTest::SetUp() {
  const DriverInfo &info = driver_info(driver());
  // A driver built here that cannot run here is a failure, never a skip.
  ASSERT_TRUE(info.found) << "driver '" << driver() << "' was built but berth does not find it";
  ASSERT_TRUE(info.usable) << "driver '" << driver() << "' is not usable here: " << info.reason;
  root_ = std::make_unique<TempDir>();
  ids_ = std::make_unique<ContainerIds>(root_->path());
  work_ = std::make_unique<TempDir>(0755);
  rootfs_ = work_->path() + "/rootfs";
  ASSERT_TRUE(copy_tree(BERTH_ROOTFS, rootfs_));
}

void DriverTest::TearDown() {
  if (!root_ || !ids_) return;
  // Every case ran with --rm or removed its container: nothing is left. A
  // leftover (a failed or timed-out case) is reported, then removed with
  // rm -f so it cannot outlive the test's state directory.
  std::error_code ec;
  fs::path containers = fs::path(root_->path()) / "containers";
  for (const auto &e : fs::directory_iterator(containers, ec)) {
    if (e.path().filename().string()[0] == '.') continue;
    ADD_FAILURE() << "container state left behind: " << e.path();
    berth({"rm", "-f", e.path().filename().string()});
  }
  // What the host still holds for this case's containers, and only them.
  std::vector<std::string> ids;
  try {
    ids = ids_->all();
  } catch (const std::exception &e) {
    ADD_FAILURE() << e.what();
  }
  for (const auto &left : host_leftovers(ids, {rootfs_, root_->path()}))
    ADD_FAILURE() << "left on the host: " << left;
}

bool DriverTest::has(const std::string &feature) const {
  return driver_info(driver()).features.count(feature) > 0;
}

std::vector<std::string> DriverTest::base(bool remove) const {
  std::vector<std::string> a = {"--root", root_->path(), "run",  "--exec-driver",
                                driver(), "--rootfs",    rootfs_};
  if (remove) a.push_back("--rm");
  return a;
}

Result DriverTest::run(const std::vector<std::string> &flags, const std::vector<std::string> &cmd,
                       const std::string &input, const std::vector<PassFd> &pass_fds) const {
  std::vector<std::string> a = {BERTH_BIN};
  auto b = base();
  a.insert(a.end(), b.begin(), b.end());
  a.insert(a.end(), flags.begin(), flags.end());
  a.push_back("--");
  a.insert(a.end(), cmd.begin(), cmd.end());
  return run_program(a, input, 60, 0, "", pass_fds);
}

Result DriverTest::berth(std::vector<std::string> args) const {
  args.insert(args.begin(), {"--root", root_->path()});
  return run_berth(args);
}

void DriverTest::expect_refused(const Result &r, const std::string &field,
                                const std::string &feature) const {
  EXPECT_EQ(r.status, 125) << r.describe();
  EXPECT_NE(r.err.find("cannot honour"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find(field), std::string::npos) << "the refusal must name " << field << "\n"
                                                  << r.describe();
  EXPECT_NE(r.err.find(feature), std::string::npos) << r.describe();
}

}  // namespace berth::test
