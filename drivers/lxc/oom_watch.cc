#include "oom_watch.hpp"

#include <berth/sdk/error.hpp>
#include <berth/sdk/fd.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace berth::lxc {
namespace {

// Value after "KEY " at a line start in a counters file; -1 when absent.
// Allocation-free: runs in the forked watcher.
long long counter(const char *text, const char *key) {
  size_t len = std::strlen(key);
  for (const char *p = text; p != nullptr && *p != '\0';) {
    if (std::strncmp(p, key, len) == 0 && p[len] == ' ')
      return std::strtoll(p + len + 1, nullptr, 10);
    p = std::strchr(p, '\n');
    if (p != nullptr) ++p;
  }
  return -1;
}

bool oom_seen(const char *text, bool unified) {
  if (counter(text, "oom_kill") > 0) return true;
  return !unified && counter(text, "under_oom") > 0;
}

[[noreturn]] void watch(int counters_fd, int event_fd, bool unified, const char *flag_path) {
  for (;;) {
    char buf[1024];
    ssize_t n = ::pread(counters_fd, buf, sizeof buf - 1, 0);
    if (n < 0) _exit(0);  // the cgroup is gone
    buf[n] = '\0';
    if (oom_seen(buf, unified)) {
      int fd = ::open(flag_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd >= 0) ::close(fd);
      _exit(0);
    }
    if (unified) {
      pollfd p{counters_fd, POLLPRI, 0};
      if (::poll(&p, 1, -1) < 0 && errno != EINTR) _exit(1);
    } else {
      uint64_t count = 0;
      if (::read(event_fd, &count, sizeof count) < 0 && errno != EINTR) _exit(1);
    }
  }
}

}  // namespace

int32_t start_oom_watch(const std::string &memory_dir, bool unified, const std::string &flag_path,
                        pid_t *watcher, berth_error *err) {
  std::string counters = memory_dir + (unified ? "/memory.events" : "/memory.oom_control");
  sdk::UniqueFd counters_fd(::open(counters.c_str(), O_RDONLY | O_CLOEXEC));
  if (counters_fd.get() < 0) return sdk::fail_errno(err, errno, "open", counters);
  sdk::UniqueFd event_fd;
  if (!unified) {
    event_fd.reset(::eventfd(0, EFD_CLOEXEC));
    if (event_fd.get() < 0) return sdk::fail_errno(err, errno, "eventfd", "oom notification");
    std::string control = memory_dir + "/cgroup.event_control";
    sdk::UniqueFd control_fd(::open(control.c_str(), O_WRONLY | O_CLOEXEC));
    if (control_fd.get() < 0) return sdk::fail_errno(err, errno, "open", control);
    std::string line = std::to_string(event_fd.get()) + " " + std::to_string(counters_fd.get());
    if (::write(control_fd.get(), line.data(), line.size()) < 0)
      return sdk::fail_errno(err, errno, "write", control);
  }
  pid_t pid = ::fork();
  if (pid < 0) return sdk::fail_errno(err, errno, "fork", "oom watcher");
  if (pid == 0) {
    // Hold none of the core's descriptors (a stdout pipe kept open here
    // would delay the core's EOF): keep the two we need, nothing else.
    int c = ::fcntl(counters_fd.get(), F_DUPFD, 10);
    int e = unified ? -1 : ::fcntl(event_fd.get(), F_DUPFD, 10);
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) sdk::install_stdio(devnull, devnull, devnull);
    ::dup2(c, 3);
    if (e >= 0) ::dup2(e, 4);
    sdk::close_from(5, -1);
    watch(3, 4, unified, flag_path.c_str());
  }
  *watcher = pid;
  return BERTH_OK;
}

}  // namespace berth::lxc
