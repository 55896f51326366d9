// The pty of a `-t` container: the core allocates it, hands the slave to the
// driver as stdio and copies between the user's terminal and the master.
#pragma once

#include <termios.h>

#include <atomic>
#include <string>
#include <thread>

namespace berth::runtime {

class Terminal {
 public:
  // Opens a new pty pair (host /dev/ptmx); throws std::runtime_error.
  Terminal();
  ~Terminal();
  Terminal(const Terminal &) = delete;
  Terminal &operator=(const Terminal &) = delete;

  int slave() const { return slave_; }
  // After the driver started the container: drop our slave copy, put the
  // user's terminal in raw mode, start copying in both directions.
  void attach(bool forward_input);
  // Copies the size of the user's terminal onto the pty (SIGWINCH).
  void resize() const;
  // After the container exited: drain its output, restore the terminal.
  void detach();

 private:
  void copy_output();
  void copy_input();

  int master_ = -1;
  int slave_ = -1;
  int stop_ = -1;  // eventfd telling the input copier to stop
  bool raw_ = false;
  termios saved_{};
  std::thread output_, input_;
};

}  // namespace berth::runtime
