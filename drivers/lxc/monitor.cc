#include "monitor.hpp"

#include "lxc_log.hpp"
#include "own_cgroup.hpp"

#include <berth/sdk/error.hpp>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/in_root.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

// Closes every descriptor from 3 up except those in `keep` (-1: none).
void close_all_but(std::array<int, 4> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned first = 3;
  for (int k : keep) {
    if (k < static_cast<int>(first)) continue;
    if (static_cast<unsigned>(k) > first) ::close_range(first, static_cast<unsigned>(k) - 1, 0);
    first = static_cast<unsigned>(k) + 1;
  }
  ::close_range(first, ~0U, 0);
}

// A monitor step's failure as an ERROR line in LXC's log, where
// lxc_errors() finds it. No allocation.
void log_failure(int log_fd, const char *message) {
  if (log_fd < 0) return;
  char line[768];
  int len = std::snprintf(line, sizeof line, "%s%s\n", kBerthErrorPrefix, message);
  if (len <= 0) return;
  ssize_t ignored = ::write(log_fd, line, std::min<size_t>(static_cast<size_t>(len), sizeof line));
  (void)ignored;
}

// What the monitor does before LXC runs, prepared before the fork.
struct MonitorSetup {
  const CgroupView *view;
  const sdk::CgroupEntry *own_cgroup;  // nullptr: LXC makes the cgroups
  bool born_in_cgroup2;
  int init_fd;     // berth-lxc-init's memfd: LXC's init must inherit it
  int seccomp_fd;  // the seccomp profile's memfd, which LXC reads (or -1)
};

// Runs in the forked monitor; never returns. Allocation-free up to start():
// everything it needs was prepared before the fork.
[[noreturn]] void run_monitor(lxc_container *ct, char *const *argv, const berth_stdio &stdio,
                              const MonitorSetup &setup, int log_fd, int status_fd,
                              const char *exit_file) {
  // Into berth's cgroup first, while this process has one thread.
  if (setup.own_cgroup != nullptr) {
    berth_error entered{};
    if (enter_own_cgroup(*setup.own_cgroup, setup.born_in_cgroup2, &entered) != BERTH_OK) {
      log_failure(log_fd, entered.message);
      _exit(kOwnCgroupFailed);
    }
  }
  // Then the view, while only the parent's descriptors are open: its mount
  // clones are among them.
  CgroupViewFailure view_failure;
  if (setup.view->enter(&view_failure) != 0) {
    char message[512];
    std::snprintf(message, sizeof message, "%s(%s): %s", view_failure.step, view_failure.path,
                  strerrordesc_np(view_failure.error));
    log_failure(log_fd, message);
    _exit(kCgroupViewFailed);
  }
  sdk::reset_signals();
  // Out of the way of the stdio about to be placed on 0-2.
  if (status_fd < 3) status_fd = ::fcntl(status_fd, F_DUPFD_CLOEXEC, 3);
  if (sdk::install_stdio(stdio.stdin_fd, stdio.stdout_fd, stdio.stderr_fd) != 0)
    _exit(kStdioFailed);
  // Only 0-2 (and liblxc's log, our status pipe and the seccomp profile,
  // close-on-exec, and berth-lxc-init's memfd) may reach LXC: it would warn
  // about anything else, and the container's init would inherit what is
  // not close-on-exec. berth-lxc-init closes the memfd (and anything else)
  // before the process runs.
  close_all_but({log_fd, status_fd, setup.init_fd, setup.seccomp_fd});
  if (::fcntl(setup.init_fd, F_SETFD, 0) != 0) {
    log_failure(log_fd, "fcntl(F_SETFD) on berth-lxc-init's memfd failed");
    _exit(kStdioFailed);
  }
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
  // The file is complete: the process that waits may go on now, while this
  // one still tears down its copy of the berth process.
  ssize_t ignored = ::write(status_fd, "x", 1);
  (void)ignored;
  _exit(started ? 0 : 1);
}

}  // namespace

int32_t launch_monitor(const berth_container &c, const ContainerRecord &record,
                       const std::vector<ConfigItem> &items, const berth_spec &spec,
                       const berth_stdio &stdio, const CgroupView &view,
                       const sdk::Cgroup *own_cgroup, const MonitorFds &fds, sdk::Child *monitor,
                       LxcHandle *lxc, sdk::UniqueFd *status_pipe, berth_error *err) {
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
  // LXC's init runs berth-lxc-init, which takes the working directory and
  // the environment and execs the process (init/berth_lxc_init.c):
  //   /proc/self/fd/N CWD ENV_COUNT ENV... -- ARGS...
  sdk::FdPath init_path(fds.init_fd);
  std::string cwd = spec.cwd != nullptr && spec.cwd[0] != '\0' ? spec.cwd : "/";
  std::string env_count = std::to_string(spec.env_count);
  std::vector<char *> argv;
  argv.reserve(spec.args_count + spec.env_count + 6);
  argv.push_back(const_cast<char *>(init_path.c_str()));
  argv.push_back(cwd.data());
  argv.push_back(env_count.data());
  for (uint32_t i = 0; i < spec.env_count; ++i) argv.push_back(const_cast<char *>(spec.env[i]));
  argv.push_back(const_cast<char *>("--"));
  for (uint32_t i = 0; i < spec.args_count; ++i) argv.push_back(const_cast<char *>(spec.args[i]));
  argv.push_back(nullptr);
  std::string exit_file = exit_status_path(c);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return sdk::fail_errno(err, errno, "pipe2", "status pipe");
  sdk::UniqueFd status_read(pipe_fds[0]), status_write(pipe_fds[1]);
  sdk::CgroupEntry entry;
  if (own_cgroup != nullptr && own_cgroup->open_entry(&entry, err) != BERTH_OK)
    return sdk::wrap(err, "lxc monitor's cgroup");
  MonitorSetup setup{&view, own_cgroup != nullptr ? &entry : nullptr, false, fds.init_fd,
                     fds.seccomp_fd};
  sdk::Child child;
  bool is_child = false;
  if (sdk::Child::spawn(0, entry.v2_dir.get(), &child, &is_child, &setup.born_in_cgroup2, err) !=
      BERTH_OK)
    return entry.v2_dir ? sdk::wrap(err, "start the lxc monitor in " + entry.v2_path) : err->code;
  if (is_child)
    run_monitor(ct.get(), argv.data(), stdio, setup, log_fd, status_write.get(), exit_file.c_str());
  entry = sdk::CgroupEntry{};
  status_write.reset();  // EOF once the monitor is gone, even without its byte
  // This process only asks LXC for the container's state from now on; its
  // copy of the configuration (and of the log descriptor) is the monitor's
  // business. Dropped here, our requests' own complaints while LXC is not
  // answering yet stay out of the container's log.
  ct->clear_config(ct.get());
  *monitor = std::move(child);
  *lxc = std::move(ct);
  *status_pipe = std::move(status_read);
  return BERTH_OK;
}

}  // namespace berth::lxc
