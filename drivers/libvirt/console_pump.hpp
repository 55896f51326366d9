// Copies the domain console (a libvirt stream) to the fd the core handed
// for stdout, and the core's stdin fd to a sink (init's control socket),
// each on its own thread. The console carries output only: libvirt 9.0's
// client now and then deadlocks when one thread sends on a stream while
// another receives on it. Counts the output bytes: init reports how many it
// wrote to the console, and the driver lets the container end only once
// that many arrived, so nothing in flight is lost at exit.
#pragma once

#include <libvirt/libvirt.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>

namespace berth::libvirt {

class ConsolePump {
 public:
  // The most input read (and handed to send_input) at once; init's packet
  // buffer holds one chunk.
  static constexpr size_t kInputChunk = 32768;

  // `stream` stays owned by the caller and must outlive the pump.
  // `send_input(bytes)` runs on the input thread for each chunk read from
  // stdin_fd (false: nobody takes input any more); `on_stdin_eof` when
  // stdin_fd reaches EOF (only when stdin_fd >= 0).
  ConsolePump(virStreamPtr stream, int stdout_fd, int stdin_fd,
              std::function<bool(std::string_view)> send_input, std::function<void()> on_stdin_eof);
  ~ConsolePump();  // stops and joins both threads
  ConsolePump(const ConsolePump &) = delete;
  ConsolePump &operator=(const ConsolePump &) = delete;

  // Blocks until at least `bytes` arrived from the console, the console
  // ended, interrupt() was called, or nothing arrived for `stall` while the
  // pump was not busy writing to stdout (a slow reader of our stdout is not
  // a stall; a console that stopped delivering is). Returns the number
  // received.
  int64_t wait_for_output(int64_t bytes, std::chrono::milliseconds stall);

  // Makes every wait return now and from now on (the run is being ended).
  void interrupt();

  // Ends the input thread (the process is gone) and waits for the output
  // thread to see the console close.
  void finish();

 private:
  void pump_output();
  void pump_input();

  virStreamPtr stream_;
  int stdout_fd_;
  int stdin_fd_;
  int cancel_fd_ = -1;  // eventfd waking the input thread
  std::function<bool(std::string_view)> send_input_;
  std::function<void()> on_stdin_eof_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int64_t received_ = 0;
  bool output_ended_ = false;
  bool writing_ = false;  // inside write() to stdout
  bool interrupted_ = false;
  std::thread output_;
  std::thread input_;
};

}  // namespace berth::libvirt
