// Catches the kernel OOM-killing a process of the container. LXC removes the
// container's cgroup before its start() returns, so the counters cannot be
// read afterwards; a small forked watcher blocks on the memory cgroup's
// notification (v1: eventfd on memory.oom_control via cgroup.event_control;
// v2: POLLPRI on memory.events) and creates a flag file when the OOM counter
// moves. It exits by itself when the cgroup goes away.
#pragma once

#include <berth/driver.h>

#include <sys/types.h>

#include <string>

namespace berth::lxc {

int32_t start_oom_watch(const std::string &memory_dir, bool unified, const std::string &flag_path,
                        pid_t *watcher, berth_error *err);

}  // namespace berth::lxc
