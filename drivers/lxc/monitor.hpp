// The LXC monitor: a forked process blocked in liblxc's
// start(c, useinit=1, argv) — LXC's application-container mode (as
// lxc-execute): LXC's static init is pid 1, reaps, forwards signals and
// exits with the process's status (128+N for signal N). Not daemonized, so
// the container inherits this process's fds 0-2, which are the core's stdio:
// stdout and stderr stay separate, and with a tty LXC's init makes fd 0 the
// controlling terminal.
//
// The container is configured in the calling process before the fork (LXC
// refuses a bad item right there, with its message in the log file set by
// lxc.log.file, and nothing is forked), so the child only installs stdio and
// calls start(): no round trip between the two. When start() returns the
// monitor writes "STARTED ERROR_NUM" to the exit-status file, a byte to the
// status pipe, and exits 0 (1 when start() failed, kStdioFailed when it
// could not place the stdio).
#pragma once

#include "cgroup_view.hpp"
#include "container_record.hpp"
#include "lxc_config.hpp"
#include "lxc_handle.hpp"

#include <berth/driver.h>
#include <berth/sdk/cgroup.hpp>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/process.hpp>

#include <vector>

namespace berth::lxc {

// The monitor's exit code when it could not install the container's stdio.
constexpr int kStdioFailed = 125;
// ... when it could not build its cgroup view (cgroup_view.hpp); the failed
// call, path and errno are an ERROR line in the container's LXC log.
constexpr int kCgroupViewFailed = 124;
// ... when it could not enter berth's cgroup of the container
// (own_cgroup.hpp); logged the same way.
constexpr int kOwnCgroupFailed = 123;

// Descriptors the monitor hands to LXC (opened by start(), close-on-exec).
struct MonitorFds {
  int init_fd = -1;     // berth-lxc-init's sealed memfd (init_image.hpp)
  int seccomp_fd = -1;  // the seccomp profile's memfd, -1 for none
};

// On success *monitor owns the forked monitor, *lxc is this process's
// handle on the configured container (to ask LXC for its state) and
// *status_pipe the read end of a pipe the monitor writes one byte to once
// the exit-status file is written (close-on-exec; EOF when the monitor dies
// first). With `own_cgroup` (berth owns the container's cgroup) the monitor
// is born in its cgroup2 directory and enters the rest first of all
// (enter_own_cgroup); then it enters `view`, and LXC runs.
int32_t launch_monitor(const berth_container &c, const ContainerRecord &record,
                       const std::vector<ConfigItem> &items, const berth_spec &spec,
                       const berth_stdio &stdio, const CgroupView &view,
                       const sdk::Cgroup *own_cgroup, const MonitorFds &fds, sdk::Child *monitor,
                       LxcHandle *lxc, sdk::UniqueFd *status_pipe, berth_error *err);

}  // namespace berth::lxc
