// Forwards the signals the monitor receives (INT, TERM, HUP, QUIT, USR1,
// USR2, WINCH) to the container. Handlers only write the signal number to a
// pipe: they reset to default across any execve, so nothing leaks into the
// container, and no signal mask is inherited.
#pragma once

#include <functional>
#include <thread>

namespace berth::runtime {

class SignalForwarder {
 public:
  SignalForwarder();  // installs the handlers; signals queue in the pipe
  ~SignalForwarder();
  SignalForwarder(const SignalForwarder &) = delete;
  SignalForwarder &operator=(const SignalForwarder &) = delete;

  // Starts delivering queued and future signals to `deliver` on a thread.
  // Call after the container started, so the driver forks no thread.
  void start(std::function<void(int)> deliver);
  void stop();

  // Delivers queued and future signals to `deliver` on the calling thread
  // until `exit_fd` is readable (the driver's exit_fd: the container has
  // exited); true then. No thread: for drivers that have the call. False
  // when poll itself failed: forward with start() instead.
  bool forward_until(int exit_fd, const std::function<void(int)> &deliver);

 private:
  int pipe_[2] = {-1, -1};
  int stop_ = -1;
  std::thread thread_;
};

}  // namespace berth::runtime
