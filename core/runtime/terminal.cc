#include "runtime/terminal.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace berth::runtime {
namespace {

bool write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

Terminal::Terminal() {
  winsize ws{};
  winsize *size = ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 ? &ws : nullptr;
  if (openpty(&master_, &slave_, nullptr, nullptr, size) != 0)
    throw std::runtime_error(fmt::format("openpty(/dev/ptmx): {}", std::strerror(errno)));
  fcntl(master_, F_SETFD, FD_CLOEXEC);
  fcntl(slave_, F_SETFD, FD_CLOEXEC);
  stop_ = eventfd(0, EFD_CLOEXEC);
  if (stop_ < 0) throw std::runtime_error(fmt::format("eventfd: {}", std::strerror(errno)));
}

Terminal::~Terminal() {
  detach();
  if (slave_ >= 0) close(slave_);
  if (master_ >= 0) close(master_);
  if (stop_ >= 0) close(stop_);
}

void Terminal::attach(bool forward_input) {
  close(slave_);
  slave_ = -1;
  if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_) == 0) {
    termios raw = saved_;
    cfmakeraw(&raw);
    raw_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  output_ = std::thread([this] { copy_output(); });
  if (forward_input) input_ = std::thread([this] { copy_input(); });
}

void Terminal::resize() const {
  winsize ws{};
  if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) ioctl(master_, TIOCSWINSZ, &ws);
}

void Terminal::copy_output() {
  char buf[16384];
  for (;;) {
    ssize_t n = read(master_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    // EIO: every slave is closed, the container is gone.
    if (n <= 0 || !write_all(STDOUT_FILENO, buf, static_cast<size_t>(n))) return;
  }
}

void Terminal::copy_input() {
  char buf[4096];
  pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {stop_, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        // End of input: send the terminal's EOF character, as a terminal would.
        char eof = 4;
        write_all(master_, &eof, 1);
        return;
      }
      if (!write_all(master_, buf, static_cast<size_t>(n))) return;
    }
  }
}

void Terminal::detach() {
  if (input_.joinable()) {
    uint64_t one = 1;
    (void)!write(stop_, &one, sizeof(one));
    input_.join();
  }
  if (output_.joinable()) output_.join();
  if (raw_) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    raw_ = false;
  }
}

}  // namespace berth::runtime
