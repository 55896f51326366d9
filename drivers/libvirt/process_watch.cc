#include "process_watch.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>

#include <cerrno>
#include <chrono>
#include <vector>

namespace berth::libvirt {

int32_t open_controller(pid_t pid, const std::string &name, Fd *out, berth_error *err) {
  if (pid <= 0)
    return sdk::fail(err, BERTH_E_INTERNAL, "domain %s: libvirt gave no controller pid (%d)",
                     name.c_str(), static_cast<int>(pid));
  Fd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (pidfd.get() < 0) {
    if (errno == ESRCH)
      return sdk::fail(err, BERTH_E_NO_CONTAINER, "domain %s: its controller (pid %d) has exited",
                       name.c_str(), static_cast<int>(pid));
    return sdk::fail_errno(err, errno, "pidfd_open", "libvirt_lxc pid " + std::to_string(pid));
  }
  // Read after the pidfd exists: if this is still our controller now, the
  // pidfd is pinned to it.
  const std::string path = "/proc/" + std::to_string(pid) + "/cmdline";
  Fd f(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  std::string cmdline;
  char buf[4096];
  ssize_t n;
  while (f.get() >= 0 && (n = read(f.get(), buf, sizeof(buf))) > 0) cmdline.append(buf, n);
  // Arguments are NUL-separated: "--name\0NAME\0".
  const std::string want = std::string("--name") + '\0' + name + '\0';
  if (cmdline.find(want) == std::string::npos) {
    for (char &ch : cmdline)
      if (ch == '\0') ch = ' ';
    return sdk::fail(err, BERTH_E_NO_CONTAINER,
                     "domain %s: pid %d is no longer its libvirt_lxc controller (it runs '%s')",
                     name.c_str(), static_cast<int>(pid), cmdline.c_str());
  }
  *out = std::move(pidfd);
  return BERTH_OK;
}

bool process_exited(int pidfd) {
  return wait_readable({pidfd}, 0) == 0;
}

int wait_readable(std::initializer_list<int> fds, int timeout_ms) {
  std::vector<pollfd> pf;
  std::vector<int> index;
  int i = 0;
  for (int fd : fds) {
    if (fd >= 0) {
      pf.push_back({fd, POLLIN, 0});
      index.push_back(i);
    }
    i++;
  }
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int left = timeout_ms;
    if (timeout_ms > 0) {
      auto ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      left = ms > 0 ? static_cast<int>(ms) : 0;
    }
    int n = poll(pf.data(), pf.size(), left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    for (size_t k = 0; k < pf.size(); k++)
      if (pf[k].revents != 0) return index[k];
  }
}

}  // namespace berth::libvirt
