// flock(2) with a bound and a name: who holds a lock (from /proc/locks), and
// taking one within a deadline, so that no berth command waits for ever on a
// lock whose holder is stuck or gone.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

namespace berth::state {

// The pid that took the exclusive flock on the file open as `fd`, as
// /proc/locks names it; 0 when none is listed. A lock outlives the process
// that took it while a child still holds an inherited descriptor: the pid
// may be gone.
pid_t exclusive_flock_holder(int fd);

// True when process `pid` exists and has the file of `fd` open: the holder
// of a lock on it is alive (a pid reused by an unrelated process is not).
bool process_has_open(pid_t pid, int fd);

// flock(fd, op | LOCK_NB) retried until `timeout`; true once taken. EINTR
// and EWOULDBLOCK are retried; other errors return false with errno set.
bool flock_within(int fd, int op, std::chrono::milliseconds timeout);

// "held by pid N (COMMAND)", "held by pid N, which is gone" or "held by an
// unknown process": for messages about a lock on the file of `fd`.
std::string describe_holder(int fd);

}  // namespace berth::state
