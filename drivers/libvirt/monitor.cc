#include "monitor.hpp"

#include "console_pump.hpp"
#include "control_socket.hpp"
#include "domain_xml.hpp"
#include "event_loop.hpp"
#include "libvirt_api.hpp"
#include "machine_cgroup.hpp"
#include "state.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <termios.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>

#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>

namespace berth::libvirt {
namespace {

constexpr int kInitConnectTimeoutMs = 30000;
constexpr int kInitAnswerTimeoutMs = 30000;
constexpr int kStopEventGraceSeconds = 10;

// Set by the lifecycle callback (event loop thread) when the domain stops.
// Shared with libvirt through the callback's opaque pointer, which libvirt
// frees with its free callback after deregistration, so a late event never
// touches freed memory.
struct StopSignal {
  std::string domain;
  std::mutex mutex;
  std::condition_variable cv;
  bool stopped = false;
  int detail = 0;
  int wake_fd = -1;  // eventfd, written once when stopped (for poll)
  ~StopSignal() {
    if (wake_fd >= 0) close(wake_fd);
  }
};

int on_lifecycle(virConnectPtr, virDomainPtr dom, int event, int detail, void *opaque) {
  auto &sig = **static_cast<std::shared_ptr<StopSignal> *>(opaque);
  const char *name = virDomainGetName(dom);
  if (event != VIR_DOMAIN_EVENT_STOPPED || name == nullptr || sig.domain != name) return 0;
  std::lock_guard<std::mutex> lock(sig.mutex);
  if (!sig.stopped) {
    sig.stopped = true;
    sig.detail = detail;
    uint64_t one = 1;
    ssize_t ignored = write(sig.wake_fd, &one, sizeof(one));
    (void)ignored;
  }
  sig.cv.notify_all();
  return 0;
}

void free_signal(void *opaque) {
  delete static_cast<std::shared_ptr<StopSignal> *>(opaque);
}

// Everything of one running container in the monitor process. Members are
// destroyed bottom-up: the pump before the console stream, the callback
// before the connection, the event loop last.
struct Running {
  EventLoopUser loop;
  Connection conn;
  int callback_id = -1;
  std::shared_ptr<StopSignal> stop = std::make_shared<StopSignal>();
  Domain dom;
  Stream console;
  Fd listener;
  Fd ctl;
  Fd stdout_fd;
  Fd stdin_fd;
  std::unique_ptr<ConsolePump> pump;
  std::mutex ctl_send_mutex;
  Fd termios_fd;  // the core's terminal we made raw, to restore
  termios saved_termios{};

  void release_stdio() {
    if (termios_fd.get() >= 0) tcsetattr(termios_fd.get(), TCSANOW, &saved_termios);
    termios_fd.reset();
    stdout_fd.reset();
    stdin_fd.reset();
  }

  ~Running() {
    pump.reset();
    release_stdio();
    if (callback_id >= 0) virConnectDomainEventDeregisterAny(conn.get(), callback_id);
  }
};

// The containers this process started and has not destroyed. Keyed by
// container id; the one other piece of process-wide state, needed because
// the ABI's wait() gets only the container, not a handle from start().
std::mutex &registry_mutex() {
  static std::mutex m;
  return m;
}
std::map<std::string, std::shared_ptr<Running>> &registry() {
  static std::map<std::string, std::shared_ptr<Running>> r;
  return r;
}

std::shared_ptr<Running> find_running(const std::string &id) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  auto it = registry().find(id);
  return it == registry().end() ? nullptr : it->second;
}

// The host pid of init's first child: the spec's process.
pid_t first_child(pid_t init_pid) {
  std::ifstream in("/proc/" + std::to_string(init_pid) + "/task/" + std::to_string(init_pid) +
                   "/children");
  long pid = 0;
  in >> pid;
  return static_cast<pid_t>(pid);
}

int32_t exec_failure(const std::string &report, const berth_spec *spec, berth_error *err) {
  // "failed STEP ERRNO"
  char step[64] = {0};
  int e = 0;
  if (std::sscanf(report.c_str(), "failed %63s %d", step, &e) != 2)
    return sdk::fail(err, BERTH_E_INTERNAL, "berth-libvirt-init said '%s'", report.c_str());
  std::string what = step;
  std::string object = what == "chdir"         ? std::string(spec->cwd)
                       : what == "exec"        ? std::string(spec->args[0])
                       : what == "sethostname" ? std::string(spec->hostname ? spec->hostname : "")
                                               : "the container's process";
  if (what == "exec") {
    int32_t code = e == ENOENT                                   ? BERTH_E_EXEC_NOT_FOUND
                   : (e == EACCES || e == ENOEXEC || e == EPERM) ? BERTH_E_EXEC_DENIED
                                                                 : BERTH_E_SYSTEM;
    sdk::fail_errno(err, e, "exec", object);
    err->code = code;
    return code;
  }
  return sdk::fail_errno(err, e, step, object);
}

// Tears down a container whose start failed half-way: no domain stays.
void abandon(Running &r, const berth_container *c) {
  if (r.dom) virDomainDestroy(r.dom.get());
  std::string run = std::string(c->state_dir) + "/run";
  unlink((run + "/" + kControlSocketName).c_str());
  rmdir(run.c_str());
  unlink(state_path(c).c_str());
}

}  // namespace

int32_t parse_options(const berth_spec *spec, Options *out, berth_error *err) {
  Options o;
  o.init_dir = default_init_dir();
  for (uint32_t i = 0; i < spec->driver_options_count; i++) {
    const berth_key_value &kv = spec->driver_options[i];
    std::string key = kv.key != nullptr ? kv.key : "";
    std::string value = kv.value != nullptr ? kv.value : "";
    if (key == "uri") {
      o.uri = value;
    } else if (key == "init_dir") {
      o.init_dir = value;
    } else {
      return sdk::fail(err, BERTH_E_INVALID,
                       "driver_options.libvirt: unknown option '%s'; the libvirt driver takes "
                       "uri (default lxc:///system) and init_dir",
                       key.c_str());
    }
  }
  *out = std::move(o);
  return BERTH_OK;
}

std::string default_init_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void *>(&default_init_dir), &info) == 0 || info.dli_fname == nullptr)
    return "";
  char resolved[PATH_MAX];
  if (realpath(info.dli_fname, resolved) == nullptr) return "";
  std::string so = resolved;
  std::string drivers = so.substr(0, so.rfind('/'));          // lib/berth/drivers
  std::string berth = drivers.substr(0, drivers.rfind('/'));  // lib/berth
  return berth + "/libvirt-init";
}

std::string domain_name(const berth_container *c) {
  // libvirt-lxc makes the domain name the container's initial hostname, so
  // it must fit HOST_NAME_MAX (64): "berth-" plus up to 58 characters of the
  // id (a 64-hex id keeps 232 random bits: concurrent runs never collide).
  return "berth-" + std::string(c->id).substr(0, 58);
}

int32_t monitor_start(const berth_container *c, const berth_spec *spec, const berth_stdio *stdio,
                      berth_start_result *out, berth_error *err) {
  Options opt;
  if (int32_t rc = parse_options(spec, &opt, err); rc != BERTH_OK) return rc;
  const std::string init_path = opt.init_dir + "/" + kInitName;
  if (access(init_path.c_str(), X_OK) != 0)
    return sdk::fail_errno(err, errno, "access", init_path + " (the libvirt driver's init)");
  if (find_running(c->id) != nullptr)
    return sdk::fail(err, BERTH_E_INVALID, "container %s is already started", c->id);
  if (int32_t rc = ensure_event_impl(err); rc != BERTH_OK) return rc;

  const std::string name = domain_name(c);
  const std::string run_dir = std::string(c->state_dir) + "/run";
  if (mkdir(run_dir.c_str(), 0700) < 0 && errno != EEXIST)
    return sdk::fail_errno(err, errno, "mkdir", run_dir);

  auto r = std::make_shared<Running>();
  r->stop->domain = name;
  r->stop->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (r->stop->wake_fd < 0) return sdk::fail_errno(err, errno, "eventfd", name);

  auto fail_cleanup = [&](int32_t rc) {
    abandon(*r, c);
    return rc;
  };
  if (int32_t rc = listen_control_socket(run_dir, kControlSocketName, &r->listener, err);
      rc != BERTH_OK)
    return fail_cleanup(rc);
  if (int32_t rc = open_connection(opt.uri, &r->conn, err); rc != BERTH_OK) return fail_cleanup(rc);

  // Registered before the domain exists: a process that ends at once still
  // produces its STOPPED event for us.
  r->callback_id =
      virConnectDomainEventRegisterAny(r->conn.get(), nullptr, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                       VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle),
                                       new std::shared_ptr<StopSignal>(r->stop), free_signal);
  if (r->callback_id < 0)
    return fail_cleanup(
        fail_libvirt(err, BERTH_E_SYSTEM, "virConnectDomainEventRegisterAny(" + name + ")"));

  struct sysinfo si {};
  if (sysinfo(&si) < 0) return fail_cleanup(sdk::fail_errno(err, errno, "sysinfo", "RAM"));
  DomainPlan plan{name, spec->hostname != nullptr ? spec->hostname : c->id, opt.init_dir, run_dir,
                  static_cast<int64_t>(si.totalram / 1024 * si.mem_unit)};
  if (spec->tty) {
    winsize ws{};
    if (ioctl(stdio->stdout_fd, TIOCGWINSZ, &ws) == 0) {
      plan.tty_rows = ws.ws_row;
      plan.tty_cols = ws.ws_col;
    }
  }
  std::string xml;
  if (int32_t rc = build_domain_xml(spec, plan, &xml, err); rc != BERTH_OK) return fail_cleanup(rc);

  State st{{"uri", opt.uri}, {"domain", name}};
  if (int32_t rc = save_state(c, st, err); rc != BERTH_OK) return fail_cleanup(rc);

  // AUTODESTROY: libvirt destroys the domain when this connection closes,
  // so a monitor that dies leaves no container behind.
  virDomainPtr dom = virDomainCreateXML(r->conn.get(), xml.c_str(), VIR_DOMAIN_START_AUTODESTROY);
  if (dom == nullptr)
    return fail_cleanup(fail_libvirt(err, BERTH_E_SYSTEM, "virDomainCreateXML(" + name + ")"));
  r->dom = Domain(dom);

  // The console first: init starts the process only after "go", so not a
  // byte of output is written before somebody reads it.
  r->console = Stream(virStreamNew(r->conn.get(), 0));
  if (!r->console) return fail_cleanup(fail_libvirt(err, BERTH_E_SYSTEM, "virStreamNew"));
  if (virDomainOpenConsole(dom, nullptr, r->console.get(), 0) < 0)
    return fail_cleanup(fail_libvirt(err, BERTH_E_SYSTEM, "virDomainOpenConsole(" + name + ")"));

  // Wait for init's connection, or for the domain to stop first (init could
  // not even run).
  {
    pollfd pf[2] = {{r->listener.get(), POLLIN, 0}, {r->stop->wake_fd, POLLIN, 0}};
    int n;
    do {
      n = poll(pf, 2, kInitConnectTimeoutMs);
    } while (n < 0 && errno == EINTR);
    if (n <= 0 || (pf[0].revents & POLLIN) == 0) {
      return fail_cleanup(
          sdk::fail(err, BERTH_E_SYSTEM,
                    "domain %s: berth-libvirt-init never reached its control socket (%s); see "
                    "/var/log/libvirt/lxc/%s.log",
                    name.c_str(), n == 0 ? "timed out" : "the domain stopped", name.c_str()));
    }
  }
  pid_t init_pid = 0;
  if (int32_t rc = accept_control(r->listener.get(), 0, &r->ctl, &init_pid, err); rc != BERTH_OK)
    return fail_cleanup(rc);
  std::string msg;
  if (int32_t rc = recv_message(r->ctl.get(), kInitAnswerTimeoutMs, &msg, err); rc != BERTH_OK)
    return fail_cleanup(rc);
  if (msg != "hello")
    return fail_cleanup(
        sdk::fail(err, BERTH_E_INTERNAL, "berth-libvirt-init said '%s', not hello", msg.c_str()));

  // Our copies of the core's stdio, kept for the pump threads.
  r->stdout_fd = Fd(fcntl(stdio->stdout_fd, F_DUPFD_CLOEXEC, 3));
  if (r->stdout_fd.get() < 0) return fail_cleanup(sdk::fail_errno(err, errno, "dup", "stdout"));
  if (spec->stdin_open || spec->tty) {
    r->stdin_fd = Fd(fcntl(stdio->stdin_fd, F_DUPFD_CLOEXEC, 3));
    if (r->stdin_fd.get() < 0) return fail_cleanup(sdk::fail_errno(err, errno, "dup", "stdin"));
  }
  // With a tty the terminal semantics (echo, line editing, \n -> \r\n)
  // come from the pty init gives the process; the core's terminal must
  // pass bytes through untouched, or they would apply twice. Restored in
  // ~Running.
  if (spec->tty && tcgetattr(stdio->stdout_fd, &r->saved_termios) == 0) {
    termios raw_mode = r->saved_termios;
    cfmakeraw(&raw_mode);
    if (tcsetattr(stdio->stdout_fd, TCSANOW, &raw_mode) == 0)
      r->termios_fd = Fd(fcntl(stdio->stdout_fd, F_DUPFD_CLOEXEC, 3));
  }
  Running *raw = r.get();
  std::function<void(int64_t)> on_eof;
  if (!spec->tty) {
    on_eof = [raw](int64_t sent) {
      std::lock_guard<std::mutex> lock(raw->ctl_send_mutex);
      berth_error ignored{};
      send_message(raw->ctl.get(), "stdin-eof " + std::to_string(sent), &ignored);
    };
  }
  r->pump = std::make_unique<ConsolePump>(r->console.get(), r->stdout_fd.get(), r->stdin_fd.get(),
                                          std::move(on_eof));

  if (int32_t rc = send_message(r->ctl.get(), "go", err); rc != BERTH_OK) return fail_cleanup(rc);
  if (int32_t rc = recv_message(r->ctl.get(), kInitAnswerTimeoutMs, &msg, err); rc != BERTH_OK)
    return fail_cleanup(rc);
  if (msg.rfind("failed ", 0) == 0) return fail_cleanup(exec_failure(msg, spec, err));
  if (msg.rfind("started ", 0) != 0)
    return fail_cleanup(sdk::fail(err, BERTH_E_INTERNAL,
                                  "berth-libvirt-init ended before starting the process (said "
                                  "'%s'); see /var/log/libvirt/lxc/%s.log",
                                  msg.c_str(), name.c_str()));

  pid_t pid = first_child(init_pid);
  st["init_pid"] = std::to_string(init_pid);
  st["init_start"] = std::to_string(process_start_time(init_pid));
  st["pid"] = std::to_string(pid);
  st["pid_start"] = std::to_string(pid > 0 ? process_start_time(pid) : 0);
  if (int32_t rc = save_state(c, st, err); rc != BERTH_OK) return fail_cleanup(rc);

  {
    std::lock_guard<std::mutex> lock(registry_mutex());
    registry()[c->id] = r;
  }
  out->pid = pid;
  return BERTH_OK;
}

int32_t monitor_wait(const berth_container *c, berth_exit_status *out, berth_error *err) {
  std::shared_ptr<Running> r = find_running(c->id);
  if (r == nullptr)
    return sdk::fail(err, BERTH_E_NO_CONTAINER,
                     "container %s was not started by this process (libvirt wait works only in "
                     "the monitor)",
                     c->id);
  std::string msg;
  if (int32_t rc = recv_message(r->ctl.get(), -1, &msg, err); rc != BERTH_OK) return rc;
  int code = 0, sig = 0, oom = 0;
  long long bytes = 0;
  if (std::sscanf(msg.c_str(), "exit %d %d %d %lld", &code, &sig, &oom, &bytes) == 4) {
    // Everything init wrote must reach the core before init may end.
    r->pump->wait_for_output(bytes);
    std::lock_guard<std::mutex> lock(r->ctl_send_mutex);
    berth_error ignored{};
    send_message(r->ctl.get(), "drained", &ignored);
  } else {
    // init vanished without a report: only SIGKILL (berth kill from
    // outside the container, or a destroy) ends it that way.
    code = 0;
    sig = SIGKILL;
  }
  // The process is over; init ends right after "drained" (its socket
  // closing says so). The STOPPED lifecycle event normally follows within
  // milliseconds. libvirt 9.0 can lose its monitor connection to the
  // libvirt_lxc controller under load ("Dropping event 1 because libvirtd is
  // not connected" in the domain's log); the domain then stays "running" in
  // libvirtd with no process left and no event ever comes. So once init is
  // gone the wait for the event is bounded: the exit status is already
  // known, and destroy() removes the stale domain.
  for (std::string rest;;) {
    berth_error ignored{};
    if (recv_message(r->ctl.get(), -1, &rest, &ignored) != BERTH_OK || rest.empty()) break;
  }
  {
    std::unique_lock<std::mutex> lock(r->stop->mutex);
    r->stop->cv.wait_for(lock, std::chrono::seconds(kStopEventGraceSeconds),
                         [&] { return r->stop->stopped; });
  }
  // Everything init wrote has arrived: stop the pump and let go of our
  // copies of the core's stdio now, not at destroy: the core waits for its
  // pipe or pty to see end-of-file before it calls destroy.
  r->pump.reset();
  r->release_stdio();

  out->exit_code = sig != 0 ? 128 + sig : code;
  out->signal = sig;
  out->flags = oom ? BERTH_EXIT_OOM_KILLED : 0;

  State st;
  if (load_state(c, &st, err) == BERTH_OK) {
    st["exit_code"] = std::to_string(out->exit_code);
    st["signal"] = std::to_string(sig);
    st["oom"] = std::to_string(oom);
    save_state(c, st, err);
  }
  return BERTH_OK;
}

void monitor_forget(const berth_container *c) {
  std::shared_ptr<Running> r;
  {
    std::lock_guard<std::mutex> lock(registry_mutex());
    auto it = registry().find(c->id);
    if (it == registry().end()) return;
    r = std::move(it->second);
    registry().erase(it);
  }
  r.reset();
}

}  // namespace berth::libvirt
