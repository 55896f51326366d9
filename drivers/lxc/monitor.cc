#include "monitor.hpp"

#include "lxc_log.hpp"

#include <berth/sdk/error.hpp>
#include <berth/sdk/fd.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace berth::lxc {
namespace {

// The descriptor of this process that is open on `path` (liblxc's log file,
// which the monitor must keep), or -1.
int fd_open_on(const std::string &path) {
  struct stat want {};
  if (::stat(path.c_str(), &want) != 0) return -1;
  DIR *dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int found = -1;
  while (dirent *e = ::readdir(dir)) {
    int fd = std::atoi(e->d_name);
    struct stat st {};
    if (e->d_name[0] == '.' || fd == ::dirfd(dir) || ::fstat(fd, &st) != 0) continue;
    if (st.st_dev == want.st_dev && st.st_ino == want.st_ino) {
      found = fd;
      break;
    }
  }
  ::closedir(dir);
  return found;
}

// Runs in the forked monitor; never returns. Allocation-free up to start():
// everything it needs was prepared before the fork.
[[noreturn]] void run_monitor(lxc_container *ct, char *const *argv, const berth_stdio &stdio,
                              int log_fd, const char *exit_file) {
  sdk::reset_signals();
  if (sdk::install_stdio(stdio.stdin_fd, stdio.stdout_fd, stdio.stderr_fd) != 0)
    _exit(kStdioFailed);
  // Only 0-2 (and liblxc's log) may reach LXC: it would warn about anything
  // else, and the container's init would inherit what is not close-on-exec.
  sdk::close_from(3, log_fd);
  bool started = ct->start(ct, 1, argv);
  char line[64];
  int len = std::snprintf(line, sizeof line, "%d %d\n", started ? 1 : 0, ct->error_num);
  // One short write: a reader sees the whole line or an empty file, which
  // it takes for "not written yet" (no temp file and rename: each metadata
  // operation is felt on this disk).
  int fd = ::open(exit_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    ssize_t ignored = ::write(fd, line, static_cast<size_t>(len));
    (void)ignored;
    ::close(fd);
  }
  _exit(started ? 0 : 1);
}

}  // namespace

int32_t launch_monitor(const berth_container &c, const ContainerRecord &record,
                       const std::vector<ConfigItem> &items, const berth_spec &spec,
                       const berth_stdio &stdio, sdk::Child *monitor, LxcHandle *lxc,
                       berth_error *err) {
  LxcHandle ct(lxc_container_new(record.name.c_str(), record.lxcpath.c_str()));
  if (!ct)
    return sdk::fail(err, BERTH_E_SYSTEM, "lxc_container_new(%s, %s) failed", record.name.c_str(),
                     record.lxcpath.c_str());
  // The container's own log file first: liblxc writes its ERROR lines there
  // (and, unlike lxc_log_init, not also on this process's stderr, which is
  // the user's terminal), so a refused item is explained in LXC's words.
  std::string logfile = log_path(c);
  if (!ct->set_config_item(ct.get(), "lxc.log.file", logfile.c_str()))
    return sdk::fail(err, BERTH_E_SYSTEM, "lxc could not open its log file %s", logfile.c_str());
  for (const ConfigItem &item : items) {
    if (ct->set_config_item(ct.get(), item.key.c_str(), item.value.c_str())) continue;
    std::string why = lxc_errors(logfile);
    return sdk::fail(err, BERTH_E_INVALID, "lxc refused configuration item %s = \"%s\": %s",
                     item.key.c_str(), item.value.c_str(),
                     why.empty() ? "rejected by liblxc" : why.c_str());
  }
  ct->daemonize = false;
  int log_fd = fd_open_on(logfile);
  std::vector<char *> argv;
  for (uint32_t i = 0; i < spec.args_count; ++i) argv.push_back(const_cast<char *>(spec.args[i]));
  argv.push_back(nullptr);
  std::string exit_file = exit_status_path(c);
  sdk::Child child;
  bool is_child = false;
  if (int32_t rc = sdk::Child::spawn(0, &child, &is_child, err)) return rc;
  if (is_child) run_monitor(ct.get(), argv.data(), stdio, log_fd, exit_file.c_str());
  // This process only asks LXC for the container's state from now on; its
  // copy of the configuration (and of the log descriptor) is the monitor's
  // business. Dropped here, our requests' own complaints while LXC is not
  // answering yet stay out of the container's log.
  ct->clear_config(ct.get());
  *monitor = std::move(child);
  *lxc = std::move(ct);
  return BERTH_OK;
}

}  // namespace berth::lxc
