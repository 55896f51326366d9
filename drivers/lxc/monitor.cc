#include "monitor.hpp"

#include "lxc_log.hpp"

#include <berth/sdk/error.hpp>
#include <berth/sdk/fd.hpp>

#include <fcntl.h>
#include <lxc/lxccontainer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace berth::lxc {
namespace {

[[noreturn]] void refuse(const sdk::SyncPipe &sync, int32_t code, const std::string &message) {
  berth_error e{};
  sdk::fail(&e, code, "%s", message.c_str());
  sync.send_error(e);
  _exit(125);
}

// Runs in the forked monitor; never returns.
[[noreturn]] void run_monitor(const berth_container &c, const ContainerRecord &record,
                              const std::vector<ConfigItem> &items, const berth_spec &spec,
                              const berth_stdio &stdio, sdk::SyncPipe &sync) {
  sync.in_child();
  sdk::reset_signals();
  if (sdk::install_stdio(stdio.stdin_fd, stdio.stdout_fd, stdio.stderr_fd) != 0)
    refuse(sync, BERTH_E_SYSTEM, "lxc monitor: cannot install the container's stdio");
  // Only 0-2 and the sync socket may reach LXC (it warns about, and the
  // container would inherit, anything else).
  if (::dup2(sync.fd(), 3) < 0) _exit(125);
  sdk::close_from(4, -1);
  const int sync_fd = 3;
  auto send = [&](int32_t code, const std::string &msg) {
    berth_error e{};
    sdk::fail(&e, code, "%s", msg.c_str());
    ::send(sync_fd, &e, sizeof e, MSG_NOSIGNAL);
    _exit(125);
  };
  // liblxc also prints its errors on stderr; while configuring that would
  // be the user's terminal, so park it on /dev/null and report through the
  // sync socket instead.
  int saved_stderr = ::fcntl(2, F_DUPFD_CLOEXEC, 4);
  int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (saved_stderr < 0 || devnull < 0 || ::dup2(devnull, 2) < 0)
    send(BERTH_E_SYSTEM, "lxc monitor: cannot redirect stderr while configuring");
  std::string logfile = log_path(c);
  lxc_log log{};
  log.name = record.name.c_str();
  log.lxcpath = record.lxcpath.c_str();
  log.file = logfile.c_str();
  log.level = "ERROR";
  log.prefix = "berth-lxc";
  log.quiet = true;
  if (lxc_log_init(&log) != 0) send(BERTH_E_SYSTEM, "lxc_log_init(" + logfile + ") failed");
  lxc_container *ct = lxc_container_new(record.name.c_str(), record.lxcpath.c_str());
  if (ct == nullptr)
    send(BERTH_E_SYSTEM, "lxc_container_new(" + record.name + ", " + record.lxcpath +
                             ") failed: " + lxc_errors(logfile));
  for (const ConfigItem &item : items) {
    if (ct->set_config_item(ct, item.key.c_str(), item.value.c_str())) continue;
    std::string why = lxc_errors(logfile);
    send(BERTH_E_INVALID, "lxc refused configuration item " + item.key + " = \"" + item.value +
                              "\": " + (why.empty() ? "rejected by liblxc" : why));
  }
  ct->daemonize = false;
  ::dup2(saved_stderr, 2);
  ::close(saved_stderr);
  ::close(devnull);
  std::vector<char *> argv;
  for (uint32_t i = 0; i < spec.args_count; ++i) argv.push_back(const_cast<char *>(spec.args[i]));
  argv.push_back(nullptr);
  ::close(sync_fd);  // "configured": the driver now waits for RUNNING
  bool started = ct->start(ct, 1, argv.data());
  int error_num = ct->error_num;
  std::string line = std::to_string(started ? 1 : 0) + " " + std::to_string(error_num) + "\n";
  std::string exit_file = exit_status_path(c);
  std::string tmp = exit_file + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    ssize_t ignored = ::write(fd, line.data(), line.size());
    (void)ignored;
    ::close(fd);
    ::rename(tmp.c_str(), exit_file.c_str());
  }
  _exit(started ? 0 : 1);
}

}  // namespace

int32_t launch_monitor(const berth_container &c, const ContainerRecord &record,
                       const std::vector<ConfigItem> &items, const berth_spec &spec,
                       const berth_stdio &stdio, sdk::Child *monitor, berth_error *err) {
  sdk::SyncPipe sync;
  if (int32_t rc = sdk::SyncPipe::create(&sync, err)) return rc;
  sdk::Child child;
  bool is_child = false;
  if (int32_t rc = sdk::Child::spawn(0, &child, &is_child, err)) return rc;
  if (is_child) run_monitor(c, record, items, spec, stdio, sync);
  sync.in_parent();
  berth_error child_error{};
  bool got = false;
  if (int32_t rc = sync.receive_error(&child_error, &got, err)) return rc;
  if (got) {
    int status = 0;
    berth_error ignored{};
    child.wait(&status, &ignored);
    *err = child_error;
    return child_error.code;
  }
  *monitor = std::move(child);
  return BERTH_OK;
}

}  // namespace berth::lxc
