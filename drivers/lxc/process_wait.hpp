// Waiting for a process to end without sleeping in a loop: a pidfd
// (pidfd_open(2), Linux 5.3) becomes readable when the process exits, for a
// child and for any other process alike. Kernels without pidfds fall back to
// a short-interval check.
#pragma once

#include <sys/types.h>

namespace berth::lxc {

// pidfd_open(pid) with close-on-exec; -1 (errno set) when unavailable.
int open_pidfd(pid_t pid);

// Blocks until `pidfd` is readable (the process ended) or `timeout_us`
// passes (-1: no limit). True when the process ended.
bool pidfd_wait(int pidfd, long timeout_us);

// True when `pid` is a child of this process that has not been reaped.
bool is_my_running_child(pid_t pid);

// True when `pid` is a child of this process (running or a zombie).
bool is_my_child(pid_t pid);

// Reaps our child `pid`, waiting at most `limit_ms` for it to end; true
// when reaped, false when it is not our child or still runs.
bool reap_within(pid_t pid, int limit_ms, int *status = nullptr);

}  // namespace berth::lxc
