#include "console_pump.hpp"

#include <sys/eventfd.h>
#include <unistd.h>
#include <berth/sdk/pidfd.hpp>

#include <cerrno>

namespace berth::libvirt {
namespace {

bool write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

ConsolePump::ConsolePump(virStreamPtr stream, int stdout_fd, int stdin_fd,
                         std::function<bool(std::string_view)> send_input,
                         std::function<void()> on_stdin_eof)
    : stream_(stream),
      stdout_fd_(stdout_fd),
      stdin_fd_(stdin_fd),
      send_input_(std::move(send_input)),
      on_stdin_eof_(std::move(on_stdin_eof)) {
  output_ = std::thread([this] { pump_output(); });
  if (stdin_fd_ >= 0) {
    cancel_fd_ = eventfd(0, EFD_CLOEXEC);
    input_ = std::thread([this] { pump_input(); });
  }
}

ConsolePump::~ConsolePump() {
  finish();
  if (output_.joinable()) {
    // The console never closed (the caller gave up early): abort the stream
    // so the blocked receive returns.
    virStreamAbort(stream_);
    output_.join();
  }
  if (cancel_fd_ >= 0) close(cancel_fd_);
}

void ConsolePump::pump_output() {
  char buf[65536];
  for (;;) {
    int n = virStreamRecv(stream_, buf, sizeof(buf));
    if (n <= 0) break;  // 0: console closed; -1: stream error or abort
    {
      std::lock_guard<std::mutex> lock(mutex_);
      writing_ = true;
    }
    // A reader that went away (EPIPE) must not stall the container: keep
    // draining and counting so the exit handshake completes.
    write_all(stdout_fd_, buf, static_cast<size_t>(n));
    std::lock_guard<std::mutex> lock(mutex_);
    writing_ = false;
    received_ += n;
    changed_.notify_all();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  output_ended_ = true;
  changed_.notify_all();
}

void ConsolePump::pump_input() {
  char buf[kInputChunk];
  for (;;) {
    // Cancel first: it wins when both are ready.
    if (sdk::wait_readable({cancel_fd_, stdin_fd_}, -1) != 1) return;
    ssize_t n = read(stdin_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (on_stdin_eof_) on_stdin_eof_();
      return;
    }
    if (!send_input_(std::string_view(buf, static_cast<size_t>(n)))) return;
  }
}

int64_t ConsolePump::wait_for_output(int64_t bytes, std::chrono::milliseconds stall) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (received_ >= bytes || output_ended_ || interrupted_) return received_;
    int64_t before = received_;
    bool progressed = changed_.wait_for(lock, stall, [&] {
      return received_ != before || output_ended_ || interrupted_ || writing_;
    });
    if (!progressed) return received_;  // the console stopped delivering
    // Busy writing to a slow reader: wait for that write, not the clock.
    changed_.wait(lock, [&] { return !writing_ || output_ended_ || interrupted_; });
  }
}

void ConsolePump::interrupt() {
  std::lock_guard<std::mutex> lock(mutex_);
  interrupted_ = true;
  changed_.notify_all();
}

void ConsolePump::finish() {
  if (input_.joinable()) {
    uint64_t one = 1;
    ssize_t ignored = write(cancel_fd_, &one, sizeof(one));
    (void)ignored;
    input_.join();
  }
}

}  // namespace berth::libvirt
