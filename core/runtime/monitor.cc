#include "runtime/monitor.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <berth/sdk/fd.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>

#include "runtime/process_setup.h"
#include "runtime/signals.h"
#include "runtime/spec_view.h"
#include "runtime/terminal.h"
#include "state/locks.h"

namespace berth::runtime {
namespace {

using Fd = sdk::UniqueFd;

Fd open_or_throw(const std::string &path, int flags, mode_t mode = 0600) {
  int fd = open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error(fmt::format("open({}): {}", path, std::strerror(errno)));
  return Fd(fd);
}

// The three descriptors the driver gets, and whatever owns them.
struct Stdio {
  Fd in, out, err;
  std::unique_ptr<Terminal> terminal;
  berth_stdio view{};
};

Stdio make_stdio(const spec::Spec &spec, const state::Store &store, const std::string &id,
                 bool detach) {
  Stdio s;
  s.view.struct_size = sizeof(s.view);
  bool tty = spec.process.tty.value_or(false);
  bool interactive = spec.process.stdin_open.value_or(false);
  if (tty && !detach) {
    s.terminal = std::make_unique<Terminal>();
    s.view.stdin_fd = s.view.stdout_fd = s.view.stderr_fd = s.terminal->slave();
    return s;
  }
  s.in = (interactive && !detach) ? Fd(fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3))
                                  : open_or_throw("/dev/null", O_RDONLY);
  if (s.in.get() < 0) throw std::runtime_error(fmt::format("dup(stdin): {}", std::strerror(errno)));
  if (detach) {
    s.out = open_or_throw(store.stdout_log(id), O_WRONLY | O_CREAT | O_APPEND);
    s.err = open_or_throw(store.stderr_log(id), O_WRONLY | O_CREAT | O_APPEND);
  } else {
    s.out = Fd(fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3));
    s.err = Fd(fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3));
  }
  s.view.stdin_fd = s.in.get();
  s.view.stdout_fd = s.out.get();
  s.view.stderr_fd = s.err.get();
  return s;
}

// The container directory, locked exclusively. A directory recycled from
// an earlier container may still be held for a moment by someone who
// waited on that one (berth wait takes it shared, then lets go): retry
// briefly rather than block on a stranger, then name it.
Fd take_monitor_lock(const std::string &dir) {
  Fd lock = open_or_throw(dir, O_RDONLY | O_DIRECTORY);
  if (!state::flock_within(lock.get(), LOCK_EX, std::chrono::seconds(1))) {
    int e = errno;
    throw std::runtime_error(
        fmt::format("flock({}, LOCK_EX): {}{}", dir, std::strerror(e),
                    e == EWOULDBLOCK ? "; " + state::describe_holder(lock.get()) : ""));
  }
  return lock;
}

int status_for_start_error(int32_t code) {
  if (code == BERTH_E_EXEC_NOT_FOUND) return kExitNotFound;
  if (code == BERTH_E_EXEC_DENIED) return kExitNotExecutable;
  return kExitBerthError;
}

// Writes one line to the parent of a detached monitor, "ok" or the error,
// and closes the pipe: the parent reads until end of file.
void report(int &fd, const std::string &line) {
  if (fd < 0) return;
  std::string text = line + "\n";
  (void)!write(fd, text.data(), text.size());
  close(fd);
  fd = -1;
}

// Runs the container in this process; `ready_fd` (detached mode) hears
// whether start worked. Returns berth run's exit status.
int monitor(const loader::Driver &driver, state::Store &store, state::Record &record,
            const spec::Spec &spec, const RunOptions &options, int ready_fd) {
  const std::string state_dir = store.driver_state_dir(record.id);
  berth_container c{};
  c.struct_size = sizeof(c);
  c.id = record.id.c_str();
  c.state_dir = state_dir.c_str();

  // Removing the record lets go of the lock as soon as the record is out of
  // sight: the emptied directory may serve the next container.
  Fd lock;
  auto forget = [&] {
    try {
      store.remove(record.id, &lock);
    } catch (const std::exception &e) {
      spdlog::warn("{}", e.what());
    }
  };

  std::optional<Stdio> stdio;
  std::optional<SpecView> view;
  try {
    // Held until the record is removed or the monitor exits: `berth wait`
    // blocks on it.
    lock = take_monitor_lock(store.monitor_lock(record.id));
    stdio.emplace(make_stdio(spec, store, record.id, options.detach));
    view.emplace(spec, resolve_process(spec), driver.name(), options.driver_options);
  } catch (const std::exception &e) {
    std::string msg = fmt::format("berth: {}", e.what());
    fmt::print(stderr, "{}\n", msg);
    report(ready_fd, msg);
    forget();
    return kExitBerthError;
  }

  SignalForwarder signals;
  int64_t pid = 0;
  try {
    pid = driver.start(c, view->get(), stdio->view);
  } catch (const loader::DriverError &e) {
    std::string msg = fmt::format("berth: {}", e.what());
    fmt::print(stderr, "{}\n", msg);
    report(ready_fd, msg);
    try {
      driver.destroy(c);
    } catch (const loader::DriverError &de) {
      spdlog::warn("destroy after a failed start: {}", de.what());
    }
    forget();
    return status_for_start_error(e.code());
  }
  record.pid = pid;
  record.status = "running";
  record.started_at = state::Store::now_rfc3339();
  record.monitor_pid = getpid();
  try {
    store.save(record);
  } catch (const state::StoreError &e) {
    spdlog::warn("recording the start of container {}: {}", record.name, e.what());
  }
  report(ready_fd, "ok");
  spdlog::debug("container {} started on driver {}, pid {}", record.id, driver.name(), pid);

  Terminal *terminal = stdio->terminal.get();
  if (terminal != nullptr) terminal->attach(spec.process.stdin_open.value_or(false));
  // Our copies of the container's stdio are no longer needed: closing them
  // lets a pipe reader see EOF when the container exits.
  stdio->in.reset();
  stdio->out.reset();
  stdio->err.reset();
  auto forward = [&](int sig) {
    if (sig == SIGWINCH) {
      if (terminal != nullptr) terminal->resize();
      return;
    }
    try {
      driver.kill(c, sig);
    } catch (const loader::DriverError &e) {
      spdlog::warn("forwarding signal {}: {}", sig, e.what());
    }
  };
  // With the driver's exit_fd, signals and the exit meet in one poll on this
  // thread; without it, a thread forwards while wait() blocks.
  Fd exit_fd;
  try {
    exit_fd = Fd(driver.exit_fd(c));
  } catch (const loader::DriverError &e) {
    spdlog::debug("exit_fd: {}; forwarding signals from a thread", e.what());
  }
  if (exit_fd.get() < 0 || !signals.forward_until(exit_fd.get(), forward)) signals.start(forward);

  int status = kExitBerthError;
  try {
    berth_exit_status exit = driver.wait(c);
    status = exit_code_of(exit);
    if (exit.signal != 0) record.signal = exit.signal;
    record.exit_code = status;
    record.oom_killed = (exit.flags & BERTH_EXIT_OOM_KILLED) != 0;
    if (record.oom_killed)
      spdlog::warn("container {} was killed by the OOM killer (resources.memory)", record.name);
  } catch (const loader::DriverError &e) {
    fmt::print(stderr, "berth: waiting for container {}: {}\n", record.name, e.what());
  }
  signals.stop();
  if (terminal != nullptr) terminal->detach();

  record.status = "exited";
  record.finished_at = state::Store::now_rfc3339();
  try {
    driver.destroy(c);
  } catch (const loader::DriverError &e) {
    fmt::print(stderr, "berth: cleaning up container {}: {}\n", record.name, e.what());
    status = status == 0 ? kExitBerthError : status;
  }
  if (options.remove) {
    forget();
  } else {
    try {
      store.save(record);
    } catch (const state::StoreError &e) {
      // berth rm -f took the container away meanwhile.
      spdlog::warn("recording the exit of container {}: {}", record.name, e.what());
    }
  }
  return status;
}

}  // namespace

int exit_code_of(const berth_exit_status &status) {
  if (status.signal != 0) return 128 + status.signal;
  return status.exit_code;
}

int run_container(const loader::Driver &driver, state::Store &store, const spec::Spec &spec,
                  const RunOptions &options) {
  state::Record record;
  record.name = options.name;
  record.driver = driver.name();
  record.rootfs = spec.rootfs;
  record.args = spec.process.args;
  record.detached = options.detach;
  record.remove_on_exit = options.remove;
  record.spec_yaml = spec::to_yaml(spec);
  try {
    store.create(record);
  } catch (const std::exception &e) {
    fmt::print(stderr, "berth: {}\n", e.what());
    return kExitBerthError;
  }

  if (!options.detach) return monitor(driver, store, record, spec, options, -1);

  // Detached: a background monitor runs the container; we wait only until it
  // says the container started, then print the id, as `docker run -d` does.
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) {
    fmt::print(stderr, "berth: pipe: {}\n", std::strerror(errno));
    store.remove(record.id);
    return kExitBerthError;
  }
  pid_t child = fork();
  if (child < 0) {
    fmt::print(stderr, "berth: fork: {}\n", std::strerror(errno));
    store.remove(record.id);
    return kExitBerthError;
  }
  if (child == 0) {
    close(ready[0]);
    setsid();
    // A second fork: the monitor is not our child, so nothing waits on it
    // and it never becomes a zombie of the caller's shell.
    if (fork() != 0) _exit(0);
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    int log_fd = open(store.container_dir(record.id).append("/monitor.log").c_str(),
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    dup2(null_fd, STDIN_FILENO);
    dup2(null_fd, STDOUT_FILENO);
    dup2(log_fd >= 0 ? log_fd : null_fd, STDERR_FILENO);
    int status = monitor(driver, store, record, spec, options, ready[1]);
    _exit(status);
  }
  close(ready[1]);
  waitpid(child, nullptr, 0);
  std::string answer;
  char buf[512];
  for (;;) {
    ssize_t n = read(ready[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  close(ready[0]);
  while (!answer.empty() && answer.back() == '\n') answer.pop_back();
  if (answer == "ok") {
    fmt::print("{}\n", record.id);
    return 0;
  }
  if (answer.empty()) answer = "berth: the monitor died before the container started";
  fmt::print(stderr, "{}\n", answer);
  return kExitBerthError;
}

}  // namespace berth::runtime
