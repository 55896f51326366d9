// Process file descriptors (pidfd_open(2), Linux 5.3; pidfd_send_signal(2),
// Linux 5.1): a pidfd refers to one process for its whole life, so a signal
// sent through it can never reach a process that reused the pid, and it
// becomes readable when the process exits, whoever its parent is. Drivers
// use them to wait for a container's init or a foreign supervisor (a
// libvirt_lxc controller, an lxc monitor) and to signal it safely.
#pragma once

#include <berth/driver.h>
#include <sys/types.h>
#include <berth/sdk/fd.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace berth::sdk {

// A pidfd for `pid` (close-on-exec, as every pidfd is). On failure
// BERTH_E_SYSTEM, "pidfd_open(pid N): ..." with err->sys_errno set: ESRCH
// when no such process exists (or it has already been reaped), ENOSYS on a
// kernel without pidfds. Mapping ESRCH to BERTH_E_NO_CONTAINER, or any other
// meaning, is the caller's business. *out is untouched on failure.
int32_t open_pidfd(pid_t pid, UniqueFd *out, berth_error *err);

// pidfd_send_signal(pidfd, sig). On failure BERTH_E_SYSTEM,
// "pidfd_send_signal(pid N, signal S): ..." (or "pidfd FD" once the pid is
// gone) with err->sys_errno set: ESRCH when the process has been reaped
// (signalling a zombie succeeds and does nothing, as kill(2) does), EBADF
// for a descriptor that is not open or is no pidfd.
int32_t send_signal(int pidfd, int sig, berth_error *err);

// What wait_readable returns besides the index of a ready descriptor.
inline constexpr int kWaitTimedOut = -1;
// poll(2) itself failed (not EINTR, which is retried): ENOMEM, or EINVAL
// for more descriptors than RLIMIT_NOFILE. errno tells which. Callers that
// only test for ">= 0" treat it like a timeout; a caller waiting forever
// must not simply loop on it.
inline constexpr int kWaitFailed = -2;

// Waits until one of `fds` is readable, hung up or in error (a pidfd: its
// process exited; a socket: data or the peer closed; a descriptor that is
// not open counts as in error) or `timeout_ms` has passed (any negative
// value: no limit; 0: just look). A signal (EINTR) does not end the wait: it
// goes on for the time left, measured on CLOCK_MONOTONIC. Returns the index
// in `fds` of the first ready descriptor, kWaitTimedOut, or kWaitFailed.
// Entries < 0 are skipped; when none is left there is nothing that could
// become ready and it returns kWaitTimedOut at once, whatever the timeout.
int wait_readable(const int *fds, size_t count, int timeout_ms);
inline int wait_readable(std::initializer_list<int> fds, int timeout_ms) {
  return wait_readable(fds.begin(), fds.size(), timeout_ms);
}

// True when the process of `pidfd` has exited (or `pidfd` is not open);
// false while it runs and for pidfd < 0. Does not block.
inline bool process_exited(int pidfd) {
  return wait_readable({pidfd}, 0) == 0;
}

}  // namespace berth::sdk
