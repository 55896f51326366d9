// The LXC monitor: a forked process that configures an lxc_container and
// blocks in its start(c, useinit=1, argv) — LXC's application-container mode
// (as lxc-execute): LXC's static init is pid 1, reaps, forwards signals and
// exits with the process's status (128+N for signal N). Not daemonized, so
// the container inherits this process's fds 0-2, which are the core's stdio:
// stdout and stderr stay separate, and with a tty LXC's init makes fd 0 the
// controlling terminal.
//
// Protocol with the driver: a SyncPipe carries a berth_error when the
// configuration is refused (LXC's message, e.g. an unknown key); its close
// without a report means start() was called. When start() returns the
// monitor writes "STARTED ERROR_NUM" to the exit-status file.
#pragma once

#include "container_record.hpp"
#include "lxc_config.hpp"

#include <berth/driver.h>
#include <berth/sdk/process.hpp>

#include <vector>

namespace berth::lxc {

int32_t launch_monitor(const berth_container &c, const ContainerRecord &record,
                       const std::vector<ConfigItem> &items, const berth_spec &spec,
                       const berth_stdio &stdio, sdk::Child *monitor, berth_error *err);

}  // namespace berth::lxc
