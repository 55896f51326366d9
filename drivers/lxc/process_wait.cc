#include "process_wait.hpp"

#include <berth/sdk/pidfd.hpp>

#include <sys/wait.h>

#include <cerrno>
#include <ctime>

namespace berth::lxc {

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
  sdk::UniqueFd pidfd;
  berth_error ignored{};
  bool have_pidfd = sdk::open_pidfd(pid, &pidfd, &ignored) == BERTH_OK;
  if (have_pidfd && sdk::wait_readable({pidfd.get()}, limit_ms) != 0) return false;
  int st = 0;
  for (int waited_ms = 0;; waited_ms += 2) {
    pid_t r = ::waitpid(pid, &st, have_pidfd ? 0 : WNOHANG);
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
