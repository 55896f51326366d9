#include "runtime/signals.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace berth::runtime {
namespace {

constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

// The write end of the active forwarder's pipe. The one piece of process-wide
// state in the core: a signal handler has no other way to reach it.
volatile sig_atomic_t g_signal_pipe = -1;

void on_signal(int sig) {
  int saved = errno;
  unsigned char byte = static_cast<unsigned char>(sig);
  if (g_signal_pipe >= 0) (void)!write(g_signal_pipe, &byte, 1);
  errno = saved;
}

}  // namespace

SignalForwarder::SignalForwarder() {
  if (pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0) return;
  stop_ = eventfd(0, EFD_CLOEXEC);
  g_signal_pipe = pipe_[1];
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : kForwarded) sigaction(sig, &sa, nullptr);
}

SignalForwarder::~SignalForwarder() {
  stop();
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  for (int sig : kForwarded) sigaction(sig, &sa, nullptr);
  g_signal_pipe = -1;
  for (int fd : pipe_)
    if (fd >= 0) close(fd);
  if (stop_ >= 0) close(stop_);
}

void SignalForwarder::start(std::function<void(int)> deliver) {
  if (pipe_[0] < 0) return;
  thread_ = std::thread([this, deliver = std::move(deliver)] {
    pollfd fds[2] = {{pipe_[0], POLLIN, 0}, {stop_, POLLIN, 0}};
    for (;;) {
      if (poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (fds[0].revents & POLLIN) {
        unsigned char sig;
        while (read(pipe_[0], &sig, 1) == 1) deliver(sig);
      }
      if (fds[1].revents) return;
    }
  });
}

bool SignalForwarder::forward_until(int exit_fd, const std::function<void(int)> &deliver) {
  pollfd fds[2] = {{exit_fd, POLLIN, 0}, {pipe_[0], POLLIN, 0}};
  nfds_t count = pipe_[0] >= 0 ? 2 : 1;
  for (;;) {
    if (poll(fds, count, -1) < 0) {
      if (errno == EINTR) continue;
      return false;  // the caller forwards from a thread instead
    }
    // The exit first: a signal queued with it was meant for a container
    // that is gone.
    if (fds[0].revents) return true;
    if (count == 2 && (fds[1].revents & POLLIN)) {
      unsigned char sig;
      while (read(pipe_[0], &sig, 1) == 1) deliver(sig);
    }
  }
}

void SignalForwarder::stop() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    (void)!write(stop_, &one, sizeof(one));
    thread_.join();
  }
}

}  // namespace berth::runtime
