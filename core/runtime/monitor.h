// The monitor: the berth process that runs one container. It owns stdio, the
// log files, the state record and the exit code; it calls the driver's start,
// wait and destroy. With --detach it runs in the background.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "loader/loader.h"
#include "spec/spec.h"
#include "state/store.h"

namespace berth::runtime {

struct RunOptions {
  bool detach = false;
  bool remove = false;  // --rm: forget the container once it exited
  std::string name;
  std::vector<std::pair<std::string, std::string>> driver_options;  // --driver-opt / --lxc-conf
};

// Exit statuses of `berth run`, as docker's.
constexpr int kExitBerthError = 125;
constexpr int kExitNotExecutable = 126;
constexpr int kExitNotFound = 127;

// Runs `spec` (already checked against the driver's features) and returns
// berth run's exit status. Prints berth's own errors to stderr.
int run_container(const loader::Driver &driver, state::Store &store, const spec::Spec &spec,
                  const RunOptions &options);

// The exit status a container's berth_exit_status maps to: code, or 128+N.
int exit_code_of(const berth_exit_status &status);

}  // namespace berth::runtime
