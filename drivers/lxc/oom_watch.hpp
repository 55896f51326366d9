// Catches the kernel OOM-killing a process of the container, from the
// process that waits for it (no helper process). LXC removes the container's
// cgroup before its start() returns, so the counters must be read while the
// container lives: wait() polls this watch's descriptor next to the
// monitor's pidfd and calls check() when it fires.
//   v1: an eventfd registered on memory.oom_control (cgroup.event_control);
//       the kernel signals it on every OOM in the cgroup and once more when
//       the cgroup goes away, so two signals prove an OOM even after the
//       counters are gone.
//   v2: POLLPRI on memory.events, whose oom_kill counter moves.
#pragma once

#include <berth/driver.h>
#include <berth/sdk/fd.hpp>

#include <poll.h>

#include <cstdint>
#include <string>

namespace berth::lxc {

class OomWatch {
 public:
  // Opens the counters of `memory_dir` and registers for notifications.
  static int32_t arm(const std::string &memory_dir, bool unified, OomWatch *out, berth_error *err);
  // What to poll(2) for; fd() is -1 once the cgroup is gone (or never armed).
  int fd() const { return live_ ? (unified_ ? counters_.get() : event_.get()) : -1; }
  short events() const { return unified_ ? POLLPRI : POLLIN; }
  // Reads the notifications and counters; stops watching when the cgroup is
  // gone.
  void check();
  bool oom_seen() const { return seen_; }

 private:
  sdk::UniqueFd counters_;  // memory.oom_control (v1) or memory.events (v2)
  sdk::UniqueFd event_;     // v1: the registered eventfd (non-blocking)
  bool unified_ = false;
  bool live_ = false;
  bool seen_ = false;
  uint64_t signals_ = 0;  // v1: eventfd signals received so far
};

}  // namespace berth::lxc
