// Processes for drivers: a Child that is always reaped (or killed and
// reaped), the berth exit status of a wait(2) status, and the start time
// that tells a live pid from a recycled one.
#pragma once

#include <berth/driver.h>
#include <sys/types.h>

#include <cstdint>

namespace berth::sdk {

// A forked child owned by this process. The destructor SIGKILLs and reaps a
// child that was neither waited for nor released.
class Child {
 public:
  Child() = default;
  ~Child();
  Child(Child &&o) noexcept;
  Child &operator=(Child &&o) noexcept;
  Child(const Child &) = delete;
  Child &operator=(const Child &) = delete;

  // fork(2), or clone(2) with `clone_flags` (CLONE_NEW* namespaces) and
  // fork semantics. In the parent *out owns the child and *is_child is
  // false; in the child *is_child is true and the child must end in exec or
  // _exit. Keep the child's work async-signal-safe if the parent has
  // threads.
  static int32_t spawn(unsigned long clone_flags, Child *out, bool *is_child, berth_error *err);
  // The same, born inside the cgroup2 directory `cgroup_fd` when it is >= 0
  // (clone3 CLONE_INTO_CGROUP: nobody migrates it, see CgroupEntry in
  // cgroup.hpp). *in_cgroup says whether it was; false on kernels without
  // clone3 or CLONE_INTO_CGROUP (before 5.7) or where seccomp refuses
  // clone3, and then the caller moves it.
  // Like the clone above this is a raw system call, not glibc's fork():
  // no atfork handlers run and the child's glibc still holds the parent's
  // thread id (pthread_kill/raise on itself misfire). Spawn only from a
  // single-threaded process, and keep the child to system calls and exec.
  static int32_t spawn(unsigned long clone_flags, int cgroup_fd, Child *out, bool *is_child,
                       bool *in_cgroup, berth_error *err);

  pid_t pid() const { return pid_; }
  explicit operator bool() const { return pid_ > 0; }

  // waitpid(2) until the child ends (EINTR retried); *status is the raw
  // wait status.
  int32_t wait(int *status, berth_error *err);
  // Sends `sig` (the child may have exited: ESRCH is success).
  int32_t kill(int sig, berth_error *err) const;
  // Gives up ownership; returns the pid. Someone else must reap it.
  pid_t release();

 private:
  pid_t pid_ = -1;
};

// In a child before exec: every signal back to its default action and an
// empty signal mask (ignored signals would otherwise survive exec).
// Async-signal-safe.
void reset_signals();

// Exit code, signal and flags from a wait(2) status. (OOM is the caller's
// knowledge: OR in BERTH_EXIT_OOM_KILLED from the cgroup.)
berth_exit_status exit_status_from_wait(int status);

// Field 22 of /proc/PID/stat (clock ticks since boot). A pid stored with its
// start time identifies one process even after the pid is recycled.
// BERTH_E_NO_CONTAINER when no such process exists.
int32_t process_start_time(pid_t pid, uint64_t *start_time, berth_error *err);

// True when `pid` exists, is not a zombie, and (when start_time != 0) has
// that start time.
bool process_alive(pid_t pid, uint64_t start_time);

}  // namespace berth::sdk
