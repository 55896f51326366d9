#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/pidfd.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

namespace berth::sdk {

namespace {

// The pid behind a pidfd, from the "Pid:" line of its fdinfo: only to name
// the process in an error message. 0 when unknown; -1 once it has been
// reaped (what the kernel reports then).
long pidfd_pid(int pidfd) {
  const std::string path = "/proc/self/fdinfo/" + std::to_string(pidfd);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[1024];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char *line = std::strstr(buf, "\nPid:");
  return line != nullptr ? std::strtol(line + 5, nullptr, 10) : 0;
}

int64_t monotonic_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

}  // namespace

int32_t open_pidfd(pid_t pid, UniqueFd *out, berth_error *err) {
#ifdef SYS_pidfd_open
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  int e = errno;
#else
  int fd = -1;
  int e = ENOSYS;
#endif
  if (fd < 0) return fail_errno(err, e, "pidfd_open", "pid " + std::to_string(pid));
  out->reset(fd);
  return BERTH_OK;
}

int32_t send_signal(int pidfd, int sig, berth_error *err) {
#ifdef SYS_pidfd_send_signal
  if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) == 0) return BERTH_OK;
  int e = errno;
#else
  int e = ENOSYS;
#endif
  long pid = pidfd_pid(pidfd);
  std::string object = pid > 0 ? "pid " + std::to_string(pid) : "pidfd " + std::to_string(pidfd);
  object += ", signal " + std::to_string(sig);
  return fail_errno(err, e, "pidfd_send_signal", object);
}

int wait_readable(const int *fds, size_t count, int timeout_ms) {
  // A driver waits on two or three descriptors: no allocation for those.
  constexpr size_t kOnStack = 8;
  pollfd on_stack[kOnStack];
  std::unique_ptr<pollfd[]> on_heap;
  pollfd *pf = on_stack;
  if (count > kOnStack) {
    on_heap.reset(new pollfd[count]);
    pf = on_heap.get();
  }
  // pf keeps the order of `fds`, so the first ready entry is the one with
  // the lowest index; `index` maps it back past the skipped entries.
  size_t used = 0;
  std::unique_ptr<size_t[]> index_on_heap;
  size_t index_on_stack[kOnStack];
  size_t *index = index_on_stack;
  if (count > kOnStack) {
    index_on_heap.reset(new size_t[count]);
    index = index_on_heap.get();
  }
  for (size_t i = 0; i < count; i++) {
    if (fds[i] < 0) continue;
    pf[used] = pollfd{fds[i], POLLIN, 0};
    index[used] = i;
    used++;
  }
  if (used == 0) return kWaitTimedOut;

  const bool forever = timeout_ms < 0;
  const int64_t deadline = monotonic_ns() + static_cast<int64_t>(timeout_ms) * 1000000;
  timespec left{};
  for (;;) {
    if (!forever) {
      int64_t ns = deadline - monotonic_ns();
      if (ns < 0) ns = 0;  // one last look after a late EINTR
      left.tv_sec = static_cast<time_t>(ns / 1000000000);
      left.tv_nsec = static_cast<long>(ns % 1000000000);
    }
    int n = ::ppoll(pf, used, forever ? nullptr : &left, nullptr);
    if (n > 0) {
      for (size_t k = 0; k < used; k++)
        if (pf[k].revents != 0) return static_cast<int>(index[k]);
    }
    if (n == 0) return kWaitTimedOut;
    if (n < 0 && errno != EINTR) return kWaitFailed;
  }
}

}  // namespace berth::sdk
