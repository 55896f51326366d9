#include "monitor.hpp"

#include "console_pump.hpp"
#include "control_socket.hpp"
#include "domain_xml.hpp"
#include "leftovers.hpp"
#include "libvirt_api.hpp"
#include "machine_cgroup.hpp"
#include "process_watch.hpp"
#include "state.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <termios.h>
#include <unistd.h>
#include <berth/sdk/capabilities.hpp>
#include <berth/sdk/error.hpp>
#include <berth/sdk/pidfd.hpp>
#include <berth/sdk/seccomp_profile.hpp>

#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace berth::libvirt {
namespace {

constexpr int kInitConnectTimeoutMs = 30000;
constexpr int kInitAnswerTimeoutMs = 30000;
// Once init has said the process exited, the rest of the container's end is
// libvirt_lxc's: reap init, tell libvirtd, exit. It takes milliseconds; the
// bound only matters when the controller itself hangs.
constexpr int kControllerExitGraceMs = 10000;
// A console that delivers nothing for this long (while our stdout is not
// the one holding it up) has stopped; the bytes init still counts are lost.
constexpr auto kConsoleStall = std::chrono::seconds(10);
// After kill() found the process gone, how long init may still take to
// report its exit status before the run ends without it.
constexpr int kReportAfterAbortMs = 2000;

// Everything of one running container in the monitor process. Members are
// destroyed bottom-up: the pump before the console stream, the stream
// before the connection.
struct Running {
  Connection conn;
  Domain dom;
  Stream console;
  Fd controller;  // pidfd of the domain's libvirt_lxc process
  pid_t init_pid = 0;
  Fd listener;
  Fd ctl;
  Fd stdout_fd;
  Fd stdin_fd;
  std::unique_ptr<ConsolePump> pump;
  std::mutex ctl_send_mutex;
  Fd termios_fd;  // the core's terminal we made raw, to restore
  termios saved_termios{};

  // Set by kill() in this process when the container's process is already
  // gone: whatever wait() still waits for (init's report, the console, the
  // controller) is given up, so a signal to `berth run` always ends it.
  std::mutex abort_mutex;
  Fd abort_fd{eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};

  void abort() {
    std::lock_guard<std::mutex> lock(abort_mutex);
    uint64_t one = 1;
    ssize_t ignored = write(abort_fd.get(), &one, sizeof(one));
    (void)ignored;
    if (pump) pump->interrupt();
  }

  void stop_pump() {
    std::lock_guard<std::mutex> lock(abort_mutex);
    pump.reset();
  }

  void release_stdio() {
    if (termios_fd.get() >= 0) tcsetattr(termios_fd.get(), TCSANOW, &saved_termios);
    termios_fd.reset();
    stdout_fd.reset();
    stdin_fd.reset();
  }

  ~Running() {
    stop_pump();
    release_stdio();
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

int32_t exec_failure(const std::string &report, const berth_spec *spec, berth_error *err) {
  // "failed STEP ERRNO [OBJECT]"
  char step[64] = {0};
  int e = 0, end = 0;
  if (std::sscanf(report.c_str(), "failed %63s %d%n", step, &e, &end) != 2)
    return sdk::fail(err, BERTH_E_INTERNAL, "berth-libvirt-init said '%s'", report.c_str());
  std::string what = step;
  std::string named = report.size() > static_cast<size_t>(end) + 1 ? report.substr(end + 1) : "";
  std::string object = what == "chdir"         ? std::string(spec->cwd ? spec->cwd : "/")
                       : what == "exec"        ? std::string(spec->args[0])
                       : what == "sethostname" ? std::string(spec->hostname ? spec->hostname : "")
                       : !named.empty()        ? named
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

// Compiled seccomp programs, one per capability set (see
// <berth/sdk/seccomp_cache.hpp>): root's own directory, never exposed to a
// container.
constexpr const char *kSeccompCacheDir = "/run/berth-libvirt/seccomp";

// no_new_privs unless the spec asked for new privileges (setuid binaries,
// file capabilities) with --security-opt no-new-privileges=false.
bool no_new_privs(const berth_spec *spec) {
  return !BERTH_SPEC_HAS(spec, security_flags) ||
         (spec->security_flags & BERTH_SECURITY_ALLOW_NEW_PRIVS) == 0;
}

// Tears down a container whose start failed half-way: no domain stays.
void abandon(Running &r, const berth_container *c) {
  if (r.dom) {
    virDomainDestroy(r.dom.get());
    berth_error ignored{};
    remove_leftovers(default_libvirt_state_dir(), domain_name(c), &ignored);
  }
  std::string run = std::string(c->state_dir) + "/run";
  unlink((run + "/" + kControlSocketName).c_str());
  rmdir(run.c_str());
  unlink(state_path(c).c_str());
}

}  // namespace

std::string default_uri() {
  const char *uri = std::getenv("BERTH_LIBVIRT_URI");
  return uri != nullptr && *uri != '\0' ? uri : "lxc:///system";
}

std::string default_libvirt_state_dir() {
  const char *dir = std::getenv("BERTH_LIBVIRT_STATE_DIR");
  return dir != nullptr && *dir != '\0' ? dir : "/run/libvirt/lxc";
}

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
                       "uri (default lxc:///system or $BERTH_LIBVIRT_URI) and init_dir",
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

std::string default_hostname(const berth_container *c) {
  // What the native driver (and docker) name a container's host: the first
  // 12 characters of its id.
  return std::string(c->id).substr(0, 12);
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

  const std::string name = domain_name(c);
  const std::string run_dir = std::string(c->state_dir) + "/run";
  if (mkdir(run_dir.c_str(), 0700) < 0 && errno != EEXIST)
    return sdk::fail_errno(err, errno, "mkdir", run_dir);

  auto r = std::make_shared<Running>();
  if (r->abort_fd.get() < 0) return sdk::fail_errno(err, errno, "eventfd", name);

  auto fail_cleanup = [&](int32_t rc) {
    abandon(*r, c);
    return rc;
  };
  if (int32_t rc = listen_control_socket(run_dir, kControlSocketName, &r->listener, err);
      rc != BERTH_OK)
    return fail_cleanup(rc);
  if (int32_t rc = open_connection(opt.uri, &r->conn, err); rc != BERTH_OK) return fail_cleanup(rc);

  struct sysinfo si {};
  if (sysinfo(&si) < 0) return fail_cleanup(sdk::fail_errno(err, errno, "sysinfo", "RAM"));
  DomainPlan plan{name, spec->hostname != nullptr ? spec->hostname : default_hostname(c),
                  opt.init_dir, run_dir, static_cast<int64_t>(si.totalram / 1024 * si.mem_unit)};
  if (spec->tty) {
    winsize ws{};
    if (ioctl(stdio->stdout_fd, TIOCGWINSZ, &ws) == 0) {
      plan.tty_rows = ws.ws_row;
      plan.tty_cols = ws.ws_col;
    }
  }
  int last_cap = 0;
  if (int32_t rc = sdk::plan_capabilities(spec, &plan.capabilities, &last_cap, err); rc != BERTH_OK)
    return fail_cleanup(rc);
  plan.no_new_privs = no_new_privs(spec);
  // libvirt's XML has no seccomp: init installs the SDK's profile, the one
  // the native driver installs, built for the same capabilities.
  std::vector<sock_filter> program;
  if (int32_t rc =
          sdk::seccomp::default_program(plan.capabilities, kSeccompCacheDir, &program, err);
      rc != BERTH_OK)
    return fail_cleanup(rc);
  std::string xml;
  if (int32_t rc = build_domain_xml(spec, plan, &xml, err); rc != BERTH_OK) return fail_cleanup(rc);

  State st{{"uri", opt.uri}, {"domain", name}, {"libvirt_state_dir", default_libvirt_state_dir()}};
  if (int32_t rc = save_state(c, st, err); rc != BERTH_OK) return fail_cleanup(rc);

  // AUTODESTROY: libvirt destroys the domain when this connection closes,
  // so a monitor that dies leaves no container behind.
  virDomainPtr dom = virDomainCreateXML(r->conn.get(), xml.c_str(), VIR_DOMAIN_START_AUTODESTROY);
  if (dom == nullptr)
    return fail_cleanup(fail_libvirt(err, BERTH_E_SYSTEM, "virDomainCreateXML(" + name + ")"));
  r->dom = Domain(dom);

  // The domain's id is its libvirt_lxc controller's pid. The controller
  // exits right after init (the container's pid 1) has ended, so its pidfd
  // tells when the container is over without relying on libvirtd to notice
  // and report it.
  if (int32_t rc =
          open_controller(static_cast<pid_t>(virDomainGetID(dom)), name, &r->controller, err);
      rc != BERTH_OK) {
    if (rc == BERTH_E_NO_CONTAINER) {
      std::string why = err->message;
      return fail_cleanup(sdk::fail(err, BERTH_E_SYSTEM,
                                    "domain %s stopped as soon as it started (%s); see "
                                    "/var/log/libvirt/lxc/%s.log",
                                    name.c_str(), why.c_str(), name.c_str()));
    }
    return fail_cleanup(rc);
  }

  // The console first: init starts the process only after "go", so not a
  // byte of output is written before somebody reads it.
  r->console = Stream(virStreamNew(r->conn.get(), 0));
  if (!r->console) return fail_cleanup(fail_libvirt(err, BERTH_E_SYSTEM, "virStreamNew"));
  if (virDomainOpenConsole(dom, nullptr, r->console.get(), 0) < 0)
    return fail_cleanup(fail_libvirt(err, BERTH_E_SYSTEM, "virDomainOpenConsole(" + name + ")"));

  // Wait for init's connection, or for the domain to stop first (init could
  // not even run).
  int ready = sdk::wait_readable({r->listener.get(), r->controller.get()}, kInitConnectTimeoutMs);
  if (ready == sdk::kWaitFailed)
    return fail_cleanup(sdk::fail_errno(err, errno, "poll", "control socket of domain " + name));
  if (ready != 0) {
    return fail_cleanup(
        sdk::fail(err, BERTH_E_SYSTEM,
                  "domain %s: berth-libvirt-init never reached its control socket (%s); see "
                  "/var/log/libvirt/lxc/%s.log",
                  name.c_str(), ready == sdk::kWaitTimedOut ? "timed out" : "the domain stopped",
                  name.c_str()));
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
  std::string filter("seccomp\0", 8);
  filter.append(reinterpret_cast<const char *>(program.data()),
                program.size() * sizeof(sock_filter));
  if (int32_t rc = send_message(r->ctl.get(), filter, err); rc != BERTH_OK) return fail_cleanup(rc);
  r->init_pid = init_pid;

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
  // Input travels on the control socket (see console_pump.hpp), tagged
  // "in\0"; its end is a message of its own, in order behind it.
  auto send_input = [raw](std::string_view bytes) {
    std::string packet("in\0", 3);
    packet.append(bytes);
    std::lock_guard<std::mutex> lock(raw->ctl_send_mutex);
    berth_error ignored{};
    return send_message(raw->ctl.get(), packet, &ignored) == BERTH_OK;
  };
  std::function<void()> on_eof;
  if (!spec->tty) {
    on_eof = [raw] {
      std::lock_guard<std::mutex> lock(raw->ctl_send_mutex);
      berth_error ignored{};
      send_message(raw->ctl.get(), "stdin-eof", &ignored);
    };
  }

  if (int32_t rc = send_message(r->ctl.get(), "go", err); rc != BERTH_OK) return fail_cleanup(rc);
  // Started only now: before "go", init takes no packet but "go".
  r->pump = std::make_unique<ConsolePump>(r->console.get(), r->stdout_fd.get(), r->stdin_fd.get(),
                                          std::move(send_input), std::move(on_eof));
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
  // 1. init's report. Unbounded while the process runs; kill() in this
  // process ends the wait once the process is gone (init is stuck then),
  // giving init a moment in case its report was just on its way.
  std::string msg;
  int ready = sdk::wait_readable({r->ctl.get(), r->abort_fd.get()}, -1);
  if (ready == 1) ready = sdk::wait_readable({r->ctl.get()}, kReportAfterAbortMs);
  if (ready == 0) {
    if (int32_t rc = recv_message(r->ctl.get(), 0, &msg, err); rc != BERTH_OK) return rc;
  }
  int code = 0, sig = 0, oom = 0;
  long long bytes = 0;
  if (std::sscanf(msg.c_str(), "exit %d %d %d %lld", &code, &sig, &oom, &bytes) == 4) {
    // The OOM flag from the host side while init (and so the machine
    // cgroup) still exists: the container has no cgroupfs to read it from.
    if (r->init_pid > 0 && machine_cgroup_oom_killed(r->init_pid)) oom = 1;
    // 2. Everything init wrote must reach the core before init may end.
    r->pump->wait_for_output(bytes, kConsoleStall);
    std::lock_guard<std::mutex> lock(r->ctl_send_mutex);
    berth_error ignored{};
    send_message(r->ctl.get(), "drained", &ignored);
  } else {
    // init vanished without a report (or never gave one): only SIGKILL
    // (berth kill from outside the container, or a destroy) ends it that
    // way, and the run is treated as killed.
    code = 0;
    sig = SIGKILL;
  }

  // 3. The end of the container. init returns right after "drained"; then
  // libvirt_lxc reaps it, sends libvirtd its exit event and exits. We wait
  // for that exit itself (the controller's pidfd), not for libvirtd's
  // STOPPED lifecycle event: libvirt 9.0's libvirtd can lose its monitor
  // connection to the controller (the domain's log then says "End of file
  // while reading data" from libvirtd, then "Dropping event 1 because
  // libvirtd is not connected"), after which it never learns that the
  // domain stopped, never sends the event, and lists the domain as running
  // until somebody destroys it. The controller exits all the same, so
  // waiting for it is immune to that; destroy() then removes whatever
  // libvirtd still holds.
  sdk::wait_readable({r->controller.get(), r->abort_fd.get()}, kControllerExitGraceMs);

  // Everything init wrote has arrived (counted in step 2): stop the pump,
  // aborting the console stream rather than waiting for libvirtd to end it
  // (libvirtd does that only after its own teardown of the domain, which
  // sleeps 200 ms when it finds the controller still exiting), and let go
  // of our copies of the core's stdio now, not at destroy: the core waits
  // for its pipe or pty to see end-of-file before it calls destroy.
  r->stop_pump();
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

bool monitor_abort(const berth_container *c) {
  std::shared_ptr<Running> r = find_running(c->id);
  if (r == nullptr) return false;
  r->abort();
  return true;
}

virDomainPtr monitor_domain(const berth_container *c) {
  std::shared_ptr<Running> r = find_running(c->id);
  if (r == nullptr || !r->dom || virDomainRef(r->dom.get()) < 0) return nullptr;
  return r->dom.get();
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
