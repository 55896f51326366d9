#include "init.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace berth::native::init {

namespace {

[[noreturn]] void report_and_exit(int status, int status_fd) {
  ExitRecord r{};
  r.magic = kExitMagic;
  if (WIFEXITED(status)) {
    r.exited = 1;
    r.code = WEXITSTATUS(status);
  } else {
    r.exited = 0;
    r.signal = WTERMSIG(status);
    r.code = 128 + r.signal;
  }
  // A pipe write of 16 bytes is atomic; if the monitor is gone it fails
  // with EPIPE (SIGPIPE is blocked), which changes nothing.
  ssize_t ignored = ::write(status_fd, &r, sizeof r);
  (void)ignored;
  ::_exit(r.code);
}

}  // namespace

void run(pid_t process, int status_fd) {
  sigset_t all;
  ::sigfillset(&all);
  for (;;) {
    siginfo_t info;
    int sig = ::sigwaitinfo(&all, &info);
    if (sig < 0) continue;  // EINTR
    if (sig != SIGCHLD) {
      // Forward: the spec's process decides what the signal means.
      ::kill(process, sig);
      continue;
    }
    // SIGCHLDs coalesce: reap everything that is ready.
    for (;;) {
      int status;
      pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid <= 0) break;
      if (pid == process) report_and_exit(status, status_fd);
    }
  }
}

}  // namespace berth::native::init
