#include "process_wait.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace berth::lxc {

int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  // pidfds are close-on-exec by definition.
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

bool pidfd_wait(int pidfd, long timeout_us) {
  timespec limit{timeout_us / 1000000, (timeout_us % 1000000) * 1000};
  for (;;) {
    pollfd p{pidfd, POLLIN, 0};
    int n = ::ppoll(&p, 1, timeout_us < 0 ? nullptr : &limit, nullptr);
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

bool is_my_running_child(pid_t pid) {
  siginfo_t info{};
  return pid > 0 && ::waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == 0;
}

bool is_my_child(pid_t pid) {
  siginfo_t info{};
  return pid > 0 && ::waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}

bool reap_within(pid_t pid, int limit_ms, int *status) {
  if (!is_my_child(pid)) return false;
  int fd = open_pidfd(pid);
  if (fd >= 0) {
    bool ended = pidfd_wait(fd, static_cast<long>(limit_ms) * 1000);
    ::close(fd);
    if (!ended) return false;
  }
  int st = 0;
  for (int waited_ms = 0;; waited_ms += 2) {
    pid_t r = ::waitpid(pid, &st, fd >= 0 ? 0 : WNOHANG);
    if (r == pid) {
      if (status != nullptr) *status = st;
      return true;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || waited_ms >= limit_ms) return false;
    // No pidfd on this kernel: check again shortly.
    timespec two_ms{0, 2000000};
    ::nanosleep(&two_ms, nullptr);
  }
}

}  // namespace berth::lxc
