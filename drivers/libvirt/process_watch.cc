#include "process_watch.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/pidfd.hpp>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <string>

namespace berth::libvirt {

int32_t open_controller(pid_t pid, const std::string &name, Fd *out, berth_error *err) {
  if (pid <= 0)
    return sdk::fail(err, BERTH_E_INTERNAL, "domain %s: libvirt gave no controller pid (%d)",
                     name.c_str(), static_cast<int>(pid));
  Fd pidfd;
  if (int32_t rc = sdk::open_pidfd(pid, &pidfd, err); rc != BERTH_OK) {
    if (err->sys_errno == ESRCH)
      return sdk::fail(err, BERTH_E_NO_CONTAINER, "domain %s: its controller (pid %d) has exited",
                       name.c_str(), static_cast<int>(pid));
    return sdk::wrap(err, "domain " + name + ": libvirt_lxc controller");
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

pid_t first_child(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  long child = 0;
  in >> child;
  return static_cast<pid_t>(child);
}

pid_t parent_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return 0;
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  char state = 0;
  long ppid = 0;
  if (std::sscanf(stat.c_str() + close + 1, " %c %ld", &state, &ppid) != 2) return 0;
  return static_cast<pid_t>(ppid);
}

}  // namespace berth::libvirt
