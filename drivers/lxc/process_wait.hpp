// Our own children (the LXC monitor): is it still ours, is it running, and
// reaping it within a bound. Waiting uses the SDK's pidfds (becomes readable
// when the process exits); kernels without them fall back to a short-interval
// check.
#pragma once

#include <sys/types.h>

namespace berth::lxc {

// True when `pid` is a child of this process that has not been reaped.
bool is_my_running_child(pid_t pid);

// True when `pid` is a child of this process (running or a zombie).
bool is_my_child(pid_t pid);

// Reaps our child `pid`, waiting at most `limit_ms` for it to end; true
// when reaped, false when it is not our child or still runs.
bool reap_within(pid_t pid, int limit_ms, int *status = nullptr);

}  // namespace berth::lxc
