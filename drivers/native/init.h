// The container's pid 1: our own minimal init, running in the same (forked)
// process image, no second binary. It reaps every zombie, forwards every
// signal it receives to the spec's process, and when that process ends it
// reports the exact wait status to the monitor over the status pipe (pid 1
// of a namespace cannot die of its own signals, so its exit code alone
// could not say "killed by SIGTERM") and exits; the kernel then kills
// whatever is left in the pid namespace.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace berth::native::init {

// What init writes to the status pipe just before exiting.
struct ExitRecord {
  uint32_t magic;  // kExitMagic
  int32_t exited;  // 1: exit code valid, 0: killed by `signal`
  int32_t code;
  int32_t signal;
};
constexpr uint32_t kExitMagic = 0x62727468;  // "brth"

// Never returns. All signals must already be blocked (before the fork of
// `process`, so no SIGCHLD is lost).
[[noreturn]] void run(pid_t process, int status_fd);

}  // namespace berth::native::init
