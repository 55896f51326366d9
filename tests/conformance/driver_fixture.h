// The fixture every cross-driver case runs in: parametrised by driver name,
// with its own state root and its own copy of the test rootfs, and a
// teardown that checks only what the case itself created (the containers
// started under its state root, by id), so the suite passes next to other
// containers and next to a second copy of itself.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "harness.h"
#include "leaks.h"

namespace berth::test {

struct DriverInfo {
  bool found = false;
  bool usable = false;
  std::string reason;
  std::set<std::string> features;
  std::string default_network;
};

// What `berth drivers --format json` says of a driver; asked once.
const DriverInfo &driver_info(const std::string &name);

// The drivers this tree builds (BERTH_CONFORMANCE_DRIVERS).
std::vector<std::string> drivers_under_test();

// `cp -a from to`; fails the test (ADD_FAILURE) and returns false on error.
bool copy_tree(const std::string &from, const std::string &to);

class DriverTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;

  const std::string &driver() const { return GetParam(); }
  bool has(const std::string &feature) const;
  // A driver that isolates (its own mount and pid namespaces), to which
  // issue 11's default posture applies.
  bool isolating() const { return has("ns.mount") && has("ns.pid"); }

  // This case's private copy of the test rootfs (BERTH_ROOTFS), which it
  // may change freely.
  const std::string &rootfs() const { return rootfs_; }
  const std::string &state_root() const { return root_->path(); }

  // berth --root ROOT run --exec-driver D --rootfs ROOTFS [--rm]
  std::vector<std::string> base(bool remove = true) const;
  // berth run [flags] -- cmd..., with --rm.
  Result run(const std::vector<std::string> &flags, const std::vector<std::string> &cmd,
             const std::string &input = "", const std::vector<PassFd> &pass_fds = {}) const;
  // berth --root ROOT args...
  Result berth(std::vector<std::string> args) const;

  // The request needed `feature`, which the driver does not declare.
  void expect_refused(const Result &r, const std::string &field, const std::string &feature) const;

  std::unique_ptr<TempDir> root_;
  std::unique_ptr<TempDir> work_;  // 0755: the rootfs copy and a case's host files
  std::unique_ptr<ContainerIds> ids_;
  std::string rootfs_;
};

// Names each instance by its driver: Drivers/Suite.Case/native.
std::string driver_param_name(const ::testing::TestParamInfo<std::string> &param);

}  // namespace berth::test
