// The lxc execution driver: the berth ABI table and its calls, on top of
// liblxc (monitor.cc runs the container; this file starts, watches and
// cleans up).
#include "cgroup_view.hpp"
#include "container_record.hpp"
#include "exec_check.hpp"
#include "init_image.hpp"
#include "lxc_config.hpp"
#include "lxc_handle.hpp"
#include "lxc_log.hpp"
#include "masked_paths.hpp"
#include "monitor.hpp"
#include "mount_points.hpp"
#include "oom_watch.hpp"
#include "own_cgroup.hpp"
#include "proc_cgroup.hpp"
#include "process_wait.hpp"
#include "seccomp_profile.hpp"

#include <berth/driver.h>
#include <berth/sdk/cgroup.hpp>
#include <berth/sdk/error.hpp>
#include <berth/sdk/file.hpp>
#include <berth/sdk/in_root.hpp>
#include <berth/sdk/pidfd.hpp>
#include <berth/sdk/text.hpp>

#include <fcntl.h>
#include <lxc/lxccontainer.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

namespace berth::lxc {
namespace {

using sdk::fail;
using sdk::fail_errno;

// Where Debian's lxc installs the static init LXC bind-mounts into
// application containers.
constexpr const char *kStaticInitPaths[] = {"/usr/sbin/init.lxc.static", "/sbin/init.lxc.static"};

LxcHandle open_lxc(const ContainerRecord &r) {
  return LxcHandle(lxc_container_new(r.name.c_str(), r.lxcpath.c_str()));
}

void sleep_for_us(long us) {
  std::this_thread::sleep_for(std::chrono::microseconds(us));
}

int32_t remove_stray_cgroups(const std::string &name, berth_error *err);

// The container's host pids: berth's own cgroup without the LXC monitor
// (which sits in it, see own_cgroup.hpp), or LXC's payload cgroup.
int32_t container_pids(const ContainerRecord &r, std::vector<int64_t> *out, berth_error *err) {
  out->clear();
  if (r.own_cgroup.empty()) {
    if (!r.cgroup_dirs.empty()) *out = cgroup_procs(r.cgroup_dirs.front());
    return BERTH_OK;
  }
  sdk::Cgroup cgroup;
  if (int32_t rc = sdk::Cgroup::load(r.own_cgroup, &cgroup, err)) return rc;
  int32_t rc = cgroup.pids(out, err);
  cgroup.release();
  out->erase(std::remove(out->begin(), out->end(), r.monitor_pid), out->end());
  return rc;
}

// "STARTED ERROR_NUM" from the monitor; false when it is not there (yet).
bool read_exit_file(const berth_container &c, int *started, int *error_num) {
  std::string text;
  berth_error ignored{};
  if (sdk::read_file(exit_status_path(c), &text, &ignored) != BERTH_OK) return false;
  std::vector<std::string> fields = sdk::words(text);
  int64_t a = 0, b = 0;
  if (fields.size() < 2 || !sdk::parse_int64(fields[0], &a) || !sdk::parse_int64(fields[1], &b))
    return false;
  *started = static_cast<int>(a);
  *error_num = static_cast<int>(b);
  return true;
}

int32_t probe(char *info, size_t info_size, berth_error *err) {
  const char *init = nullptr;
  for (const char *p : kStaticInitPaths)
    if (::access(p, X_OK) == 0) init = p;
  sdk::CgroupMounts mounts;
  berth_error cg_err{};
  bool cgroups = sdk::detect_cgroup_mounts(&mounts, &cg_err) == BERTH_OK &&
                 mounts.layout != sdk::CgroupLayout::none;
  std::snprintf(info, info_size, "liblxc %s, %s, init %s", lxc_get_version(),
                sdk::Cgroup::layout_description(mounts).c_str(), init ? init : "missing");
  if (init == nullptr)
    return fail(err, BERTH_E_UNAVAILABLE,
                "LXC's static init (init.lxc.static) is not installed in /usr/sbin or /sbin; "
                "application containers need it: apt-get install lxc");
  if (::geteuid() != 0)
    return fail(err, BERTH_E_UNAVAILABLE,
                "the lxc driver runs privileged containers and needs root (euid is %u)",
                ::geteuid());
  if (!cgroups)
    return fail(err, BERTH_E_UNAVAILABLE,
                "no cgroup filesystem is mounted (%s); LXC needs one to create the container's "
                "cgroup",
                cg_err.message[0] ? cg_err.message : "mountinfo lists none");
  if (::access("/proc/self/ns/cgroup", F_OK) != 0)
    return fail(err, BERTH_E_UNAVAILABLE,
                "this kernel has no cgroup namespaces (/proc/self/ns/cgroup missing)");
  return BERTH_OK;
}

// After the fork: waits until LXC has the container running (or the monitor
// finishes first, for a very short process or a failure). LXC answers
// commands on its socket only once the container runs, so one init_pid
// request that gets a pid is the RUNNING event; before LXC has created the
// socket the request is refused at once. In between we sleep on the
// monitor's pidfd and its status pipe (written once LXC is done: no need to
// wait for the monitor's own teardown then). LXC takes well over a
// millisecond to get there, so 1 ms, then 2 ms steps.
int32_t await_running(const berth_container &c, ContainerRecord *r, lxc_container *lxc,
                      sdk::Child *monitor, int status_fd, berth_error *err) {
  sdk::UniqueFd pidfd;
  berth_error no_pidfd{};
  sdk::open_pidfd(monitor->pid(), &pidfd, &no_pidfd);  // none: timed sleeps
  for (int step_ms = 1;; step_ms = 2) {
    pid_t pid = lxc->init_pid(lxc);
    if (pid > 0) {
      r->init_pid = pid;
      return BERTH_OK;
    }
    if (!is_my_running_child(monitor->pid())) break;
    if (!pidfd && status_fd < 0) {
      sleep_for_us(step_ms * 1000L);
      continue;
    }
    if (sdk::wait_readable({pidfd.get(), status_fd}, step_ms) == 1) break;  // LXC is done
  }
  // The monitor is gone: either the process already ran to its end, or LXC
  // failed to start it.
  int started = 0, error_num = 0;
  if (read_exit_file(c, &started, &error_num) && started == 1) return BERTH_OK;
  int status = 0;
  berth_error ignored{};
  monitor->wait(&status, &ignored);
  if (WIFEXITED(status) && WEXITSTATUS(status) == kStdioFailed)
    return fail(err, BERTH_E_SYSTEM,
                "lxc monitor of %s could not place the container's stdin/stdout/stderr on fds 0-2",
                r->name.c_str());
  std::string why = lxc_errors(log_path(c));
  if (WIFEXITED(status) && WEXITSTATUS(status) == kCgroupViewFailed)
    return fail(err, BERTH_E_SYSTEM, "lxc monitor of %s could not build its cgroup view: %s",
                r->name.c_str(), why.empty() ? "no error logged" : why.c_str());
  if (WIFEXITED(status) && WEXITSTATUS(status) == kOwnCgroupFailed)
    return fail(err, BERTH_E_SYSTEM, "lxc monitor of %s could not enter the container's cgroup: %s",
                r->name.c_str(), why.empty() ? "no error logged" : why.c_str());
  return fail(err, BERTH_E_SYSTEM, "lxc could not start container %s: %s (liblxc log: %s)",
              r->name.c_str(), why.empty() ? "no error logged" : why.c_str(), log_path(c).c_str());
}

int32_t start(const berth_container *c, const berth_spec *spec, const berth_stdio *stdio,
              berth_start_result *out, berth_error *err) {
  if (spec->args_count < 1 || spec->args == nullptr)
    return fail(err, BERTH_E_INVALID, "process.args: give the command to run");
  // What one execve carries: LXC's init and berth-lxc-init get the
  // arguments and the environment as their arguments, plus their own.
  size_t cwd_size = spec->cwd != nullptr ? std::strlen(spec->cwd) : 1;
  if (int32_t rc = check_exec_size(*spec, 1024 + cwd_size, 16, err)) return rc;
  sdk::CgroupMounts mounts;
  if (int32_t rc = sdk::detect_cgroup_mounts(&mounts, err)) return rc;
  // berth makes the cgroup unless raw items need LXC's, or a memory limit
  // would put the LXC monitor in reach of the container's OOM killer
  // (own_cgroup.hpp), or only LXC can apply the device allow-list here
  // (cgroup2 without the v1 devices controller).
  ConfigInputs in;
  in.mounts = &mounts;
  in.owner = spec->memory_bytes > 0 || !devices_enforced_by_berth(mounts) ? CgroupOwner::lxc
                                                                          : CgroupOwner::berth;
  in.path_exists = host_has_path;
  // The seccomp profile for the final capability set, read by LXC from a
  // memfd (nothing written to disk), and berth-lxc-init.
  if (int32_t rc = capability_mask(*spec, &in.capabilities, &in.last_capability, err)) return rc;
  sdk::UniqueFd seccomp_fd, init_fd;
  if (int32_t rc =
          text_memfd("berth-lxc-seccomp", seccomp_profile(in.capabilities), &seccomp_fd, err))
    return rc;
  if (int32_t rc = init_memfd(&init_fd, err)) return rc;
  in.seccomp_profile = sdk::FdPath(seccomp_fd.get()).c_str();
  // Mount points and the working directory, made inside the rootfs.
  if (int32_t rc = prepare_mount_points(*spec, &in.mount_destinations, err)) return rc;
  if (int32_t rc = prepare_cwd(*spec, err)) return rc;
  std::vector<ConfigItem> items;
  if (int32_t rc = build_config(*spec, in, &items, err)) return rc;
  if (in.owner == CgroupOwner::berth && !berth_can_own_cgroup(items)) {
    in.owner = CgroupOwner::lxc;
    if (int32_t rc = build_config(*spec, in, &items, err)) return rc;
  }
  CgroupOwner owner = in.owner;
  bool own = owner == CgroupOwner::berth;
  // The container has its own UTS namespace: without a hostname in the spec
  // it gets the id's first 12 characters, as on native and libvirt (and in
  // Docker), not the host's name. First, so raw items can still override it.
  if (spec->hostname == nullptr)
    items.insert(items.begin(), {"lxc.uts.name", std::string(c->id).substr(0, 12)});
  // With a tty the process's fds 0-2 are the core's pty slave, a node of the
  // host's devpts that the container's own /dev/pts does not show: bound on
  // /dev/console, ttyname() finds it there ("tty" says /dev/console, as on
  // native). The tty, not its name, is what matters, so a slave we cannot
  // name is only left unbound.
  if (spec->tty) {
    char tty[64];
    if (::ttyname_r(stdio->stdin_fd, tty, sizeof tty) == 0 && std::strchr(tty, ' ') == nullptr)
      items.push_back(
          {"lxc.mount.entry", std::string(tty) + " dev/console none bind,create=file 0 0"});
  }
  if (int32_t rc = check_executable(*spec, err)) return rc;
  // LXC's monitor will see only the hierarchies these items need (none when
  // berth owns the cgroup).
  CgroupView view;
  if (CgroupView::open(own ? empty_cgroup_view() : plan_cgroup_view(mounts, items), &view, err) !=
      BERTH_OK)
    return sdk::wrap(err, "lxc cgroup view");

  ContainerRecord record = new_record(*c);
  ::unlink(exit_status_path(*c).c_str());
  record.memory_limited = spec->memory_bytes > 0;
  // Declared before the monitor: on failure the monitor is killed and reaped
  // first, then the cgroup removed.
  sdk::Cgroup cgroup;
  if (own) {
    if (sdk::Cgroup::create(mounts, own_cgroup_name(*c), own_cgroup_limits(*spec), &cgroup, err) !=
        BERTH_OK)
      return sdk::wrap(err, "create cgroup");
    record.own_cgroup = cgroup.serialize();
  }
  // LXC checks that its lxcpath exists (see kLxcPath).
  if (::mkdir(record.lxcpath.c_str(), 0700) != 0 && errno != EEXIST)
    return fail_errno(err, errno, "mkdir", record.lxcpath);
  // On failure LXC has removed its cgroups and namespaces; drop our record.
  auto forget = [&] { ::unlink(record_path(*c).c_str()); };
  if (int32_t rc = save_record(*c, record, err)) {
    forget();
    return rc;
  }
  sdk::Child monitor;
  LxcHandle lxc;
  sdk::UniqueFd status_pipe;
  MonitorFds fds{init_fd.get(), seccomp_fd.get()};
  if (int32_t rc = launch_monitor(*c, record, items, *spec, *stdio, view, own ? &cgroup : nullptr,
                                  fds, &monitor, &lxc, &status_pipe, err)) {
    forget();
    return rc;
  }
  record.monitor_pid = monitor.pid();
  struct stat pipe_st {};
  if (::fstat(status_pipe.get(), &pipe_st) == 0) {
    record.status_fd = status_pipe.get();
    record.status_ino = pipe_st.st_ino;
  }
  if (int32_t rc = await_running(*c, &record, lxc.get(), &monitor, status_pipe.get(), err)) {
    lxc.reset();
    berth_error cleanup{};
    if (!own && remove_stray_cgroups(record.name, &cleanup) != BERTH_OK) {
      std::string msg = std::string(err->message) + "; cleaning up: " + cleanup.message;
      std::snprintf(err->message, sizeof err->message, "%s", msg.c_str());
    }
    forget();
    return rc;
  }
  lxc.reset();
  if (record.init_pid > 0 && !own) {
    ProcessCgroups cgroups;
    berth_error cg_err{};
    // The init may already be gone (a very short process): no cgroup then.
    if (process_cgroups(record.init_pid, "lxc.payload." + record.name, mounts, &cgroups, &cg_err) ==
        BERTH_OK) {
      record.cgroup_dirs.push_back(cgroups.procs_dir);
      for (const sdk::CgroupDir &d : cgroups.dirs)
        if (d.path != cgroups.procs_dir) record.cgroup_dirs.push_back(d.path);
      if (record.memory_limited) {
        record.memory_dir = cgroups.memory_dir;
        record.memory_unified = cgroups.memory_unified;
      }
    }
  }
  if (int32_t rc = save_record(*c, record, err)) return rc;  // monitor killed by ~Child
  monitor.release();
  cgroup.release();       // recorded; removed by destroy()
  status_pipe.release();  // recorded; closed by destroy()
  out->pid = record.init_pid;
  return BERTH_OK;
}

// Blocks until our child monitor has written its exit status (its byte on
// the status pipe; the monitor's end when this process has no pipe),
// meanwhile catching an OOM kill in the container's memory cgroup (see
// oom_watch.hpp). A monitor that wrote its byte is not waited for: its
// teardown (a whole copy of this process) runs alongside what the core does
// next, and destroy() reaps it.
int32_t wait_monitor(const ContainerRecord &r, bool *oom, berth_error *err) {
  pid_t pid = static_cast<pid_t>(r.monitor_pid);
  OomWatch watch;
  berth_error ignored{};
  // Best effort, as the flag is (OOM_REPORT is not declared): a watch that
  // cannot be armed only loses the flag.
  if (!r.memory_dir.empty() &&
      OomWatch::arm(r.memory_dir, r.memory_unified, &watch, &ignored) == BERTH_OK)
    watch.check();  // an OOM before we armed
  int status_fd = status_pipe_fd(r);
  sdk::UniqueFd pidfd;
  if (status_fd < 0) sdk::open_pidfd(pid, &pidfd, &ignored);  // none: waitpid below
  int done_fd = status_fd >= 0 ? status_fd : pidfd.get();
  bool done = false;
  while (done_fd >= 0 && !done) {
    pollfd p[2] = {{done_fd, POLLIN, 0}, {watch.fd(), watch.events(), 0}};
    int n = ::poll(p, 2, -1);
    if (n < 0 && errno != EINTR) break;
    if (n > 0 && p[1].revents != 0) watch.check();
    done = n > 0 && p[0].revents != 0;
  }
  watch.check();
  *oom = watch.oom_seen();
  if (done && status_fd >= 0) return BERTH_OK;
  int status = 0;
  pid_t got;
  do {
    got = ::waitpid(pid, &status, 0);
  } while (got < 0 && errno == EINTR);
  if (got < 0) return fail_errno(err, errno, "waitpid", "lxc monitor of " + r.name);
  return BERTH_OK;
}

// A copy of the status pipe's read end: readable once the monitor wrote its
// byte, right after its exit-status file, which it writes when LXC's start()
// returned (the container has stopped, LXC removed its cgroups); wait() then
// returns at once. Without the pipe (a record of an older driver): a pidfd
// on the monitor, our child, reaped only by wait() or destroy() so its pid
// cannot be reused meanwhile.
int32_t exit_fd(const berth_container *c, int32_t *fd, berth_error *err) {
  ContainerRecord r;
  if (int32_t rc = load_record(*c, &r, err)) return rc;
  pid_t monitor = static_cast<pid_t>(r.monitor_pid);
  if (!is_my_child(monitor))
    return fail(err, BERTH_E_UNSUPPORTED,
                "exit_fd: only the process that started container %s (its lxc monitor is pid %d) "
                "can wait for it",
                r.name.c_str(), static_cast<int>(monitor));
  if (int status_fd = status_pipe_fd(r); status_fd >= 0) {
    int copy = ::fcntl(status_fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0)
      return fail_errno(err, errno, "fcntl(F_DUPFD_CLOEXEC)", "status pipe of " + r.name);
    *fd = copy;
    return BERTH_OK;
  }
  sdk::UniqueFd pidfd;
  if (int32_t rc = sdk::open_pidfd(monitor, &pidfd, err)) return rc;
  *fd = pidfd.release();
  return BERTH_OK;
}

int32_t wait(const berth_container *c, berth_exit_status *out, berth_error *err) {
  ContainerRecord r;
  if (int32_t rc = load_record(*c, &r, err)) return rc;
  int started = 0, error_num = 0;
  bool oom = false;
  if (is_my_child(static_cast<pid_t>(r.monitor_pid))) {
    if (int32_t rc = wait_monitor(r, &oom, err)) return rc;
  } else {
    // Not our child (another process started it): follow LXC's state.
    LxcHandle lxc = open_lxc(r);
    if (lxc) lxc->wait(lxc.get(), "STOPPED", -1);
    for (int i = 0; i < 200 && !read_exit_file(*c, &started, &error_num); ++i) sleep_for_us(5000);
  }
  if (!read_exit_file(*c, &started, &error_num))
    return fail(err, BERTH_E_SYSTEM, "lxc monitor of %s ended without an exit status (%s)",
                r.name.c_str(), lxc_errors(log_path(*c)).c_str());
  if (started != 1)
    return fail(err, BERTH_E_SYSTEM, "lxc run of %s failed: %s", r.name.c_str(),
                lxc_errors(log_path(*c)).c_str());
  out->exit_code = 0;
  out->signal = 0;
  out->flags = 0;
  if (WIFSIGNALED(error_num)) {
    out->signal = WTERMSIG(error_num);
  } else if (WIFSTOPPED(error_num)) {
    // liblxc 5.0 reports an init killed from outside (berth kill KILL) as
    // (SIGNAL << 8) | 0x7f, the shape of a "stopped" wait status.
    out->signal = WSTOPSIG(error_num);
  } else {
    int code = WEXITSTATUS(error_num);
    // LXC's init reports a process killed by signal N as exit 128+N
    // (lxc_error_set_and_log); the same convention berth uses.
    if (code > 128 && code < 128 + 65)
      out->signal = code - 128;
    else
      out->exit_code = code;
  }
  if (oom) out->flags |= BERTH_EXIT_OOM_KILLED;
  return BERTH_OK;
}

int32_t kill(const berth_container *c, int32_t signal, berth_error *err) {
  ContainerRecord r;
  if (int32_t rc = load_record(*c, &r, err)) return rc;
  LxcHandle lxc = open_lxc(r);
  pid_t pid = lxc ? lxc->init_pid(lxc.get()) : -1;
  if (pid <= 0)
    return fail(err, BERTH_E_NO_CONTAINER, "container %s is not running", r.name.c_str());
  // To LXC's init: it forwards the signal to the process (SIGTERM: to every
  // process), SIGKILL ends the whole container.
  if (::kill(pid, signal) != 0) {
    if (errno == ESRCH)
      return fail(err, BERTH_E_NO_CONTAINER, "container %s is not running", r.name.c_str());
    return fail_errno(err, errno, "kill", "lxc init of " + r.name);
  }
  return BERTH_OK;
}

int32_t pids(const berth_container *c, int64_t *out, uint32_t capacity, uint32_t *count,
             berth_error *err) {
  ContainerRecord r;
  if (int32_t rc = load_record(*c, &r, err)) return rc;
  std::vector<int64_t> list;
  if (container_pids(r, &list, err) != BERTH_OK) return sdk::wrap(err, "pids of " + r.name);
  *count = static_cast<uint32_t>(list.size());
  if (list.size() > capacity)
    return fail(err, BERTH_E_RANGE, "%zu pids, room for %u", list.size(), capacity);
  std::copy(list.begin(), list.end(), out);
  return BERTH_OK;
}

int32_t state(const berth_container *c, berth_container_state *out, berth_error *err) {
  ContainerRecord r;
  if (int32_t rc = load_record(*c, &r, err)) return rc;
  out->pid = 0;
  int started = 0, error_num = 0;
  if (read_exit_file(*c, &started, &error_num)) {
    out->state = BERTH_STATE_STOPPED;
    return BERTH_OK;
  }
  LxcHandle lxc = open_lxc(r);
  const char *s = lxc ? lxc->state(lxc.get()) : nullptr;
  if (s == nullptr || std::strcmp(s, "STOPPED") == 0) {
    // A monitor that died leaves LXC blind; the cgroup still tells.
    std::vector<int64_t> left;
    berth_error ignored{};
    bool alive = container_pids(r, &left, &ignored) == BERTH_OK && !left.empty();
    out->state = alive ? BERTH_STATE_RUNNING : BERTH_STATE_STOPPED;
    out->pid = alive ? r.init_pid : 0;
  } else if (std::strcmp(s, "STARTING") == 0) {
    out->state = BERTH_STATE_CREATED;
  } else {
    out->state = BERTH_STATE_RUNNING;
    out->pid = lxc->init_pid(lxc.get());
  }
  return BERTH_OK;
}

// Kills whatever is left in one cgroup directory and removes it (and any
// subdirectory LXC may have made), bounded in time.
int32_t remove_cgroup_dir(const std::string &dir, const std::string &name, berth_error *err) {
  namespace fs = std::filesystem;
  if (!is_container_cgroup(dir, name))
    return fail(err, BERTH_E_INTERNAL,
                "%s: not a cgroup of container %s (lxc.payload/lxc.monitor); refusing to remove it",
                dir.c_str(), name.c_str());
  // Mostly gone already (LXC removes what it made): one access(2) says so.
  if (::access(dir.c_str(), F_OK) != 0 && errno == ENOENT) return BERTH_OK;
  std::error_code ec;
  std::vector<std::string> subdirs;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec))
    if (it->is_directory(ec)) subdirs.push_back(it->path());
  subdirs.push_back(dir);
  std::sort(subdirs.begin(), subdirs.end(),
            [](const std::string &a, const std::string &b) { return a.size() > b.size(); });
  for (const std::string &d : subdirs) {
    for (int tries = 0;; ++tries) {
      std::vector<int64_t> left = cgroup_procs(d);
      if (left.empty()) break;
      for (int64_t pid : left) ::kill(static_cast<pid_t>(pid), SIGKILL);
      if (tries > 2000)
        return fail(err, BERTH_E_SYSTEM, "%s: processes survive SIGKILL", d.c_str());
      sleep_for_us(5000);
    }
    if (::rmdir(d.c_str()) != 0 && errno != ENOENT) return fail_errno(err, errno, "rmdir", d);
  }
  return BERTH_OK;
}

// A start that failed inside LXC can leave lxc.monitor.NAME (and
// lxc.payload.NAME) behind: LXC does not always remove what it made before
// the failure, and no cgroup was recorded. Looks where LXC puts them.
int32_t remove_stray_cgroups(const std::string &name, berth_error *err) {
  sdk::CgroupMounts mounts;
  berth_error ignored{};
  if (sdk::detect_cgroup_mounts(&mounts, &ignored) != BERTH_OK) return BERTH_OK;
  for (const std::string &dir : possible_container_cgroups(mounts, name))
    if (int32_t rc = remove_cgroup_dir(dir, name, err)) return rc;
  return BERTH_OK;
}

int32_t destroy(const berth_container *c, berth_error *err) {
  ContainerRecord r;
  berth_error missing{};
  // Without a readable record (already destroyed, or damaged) the id alone
  // finds what is left (record_from_id).
  const bool by_id = load_record(*c, &r, &missing) != BERTH_OK;
  if (by_id) r = record_from_id(*c);
  int started = 0, error_num = 0;
  // The exit-status file is written after LXC's start() returned, that is
  // after LXC tore the container down and removed its cgroups (the monitor's
  // own included): then there is nothing to stop.
  bool finished = read_exit_file(*c, &started, &error_num);
  if (!finished) {
    LxcHandle lxc = open_lxc(r);
    if (lxc && lxc->is_running(lxc.get())) {
      lxc->stop(lxc.get());
      lxc->wait(lxc.get(), "STOPPED", 10);
    }
  }
  // Our own child (in the monitor: wait() leaves a monitor that wrote its
  // exit status to us). It sits in lxc.monitor.NAME until LXC finished, so
  // an unfinished one goes before the sweep below; a finished one is reaped
  // last, its teardown overlapping the sweep.
  pid_t monitor = static_cast<pid_t>(r.monitor_pid);
  auto reap_monitor = [&] {
    if (is_my_child(monitor) && !reap_within(monitor, 10000)) {
      ::kill(monitor, SIGKILL);
      reap_within(monitor, 1000);
    }
    if (int status_fd = is_my_child(monitor) ? -1 : status_pipe_fd(r); status_fd >= 0)
      ::close(status_fd);
  };
  if (!finished) {
    reap_monitor();
    finished = read_exit_file(*c, &started, &error_num);
  }
  auto sweep = [&]() -> int32_t {
    // Berth's own cgroup: whatever is left in it (a monitor that is not our
    // child, processes of a dead monitor) is killed, then it is removed.
    if (!r.own_cgroup.empty()) {
      sdk::Cgroup cgroup;
      if (int32_t rc = sdk::Cgroup::load(r.own_cgroup, &cgroup, err)) return rc;
      int32_t rc = cgroup.destroy(err);
      if (rc != BERTH_OK) cgroup.release();  // the record stays for a retry
      return rc;
    }
    // Nothing recorded and no finished run: a start that failed inside LXC.
    if (r.cgroup_dirs.empty() && (!finished || started != 1 || by_id))
      if (int32_t rc = remove_stray_cgroups(r.name, err)) return rc;
    // LXC removes its cgroups when its monitor ends normally; after a dead
    // monitor they remain, with the container's processes and lxc.monitor.*.
    for (const std::string &dir : r.cgroup_dirs) {
      if (int32_t rc = remove_cgroup_dir(dir, r.name, err)) return rc;
      std::string parent = dir.substr(0, dir.rfind('/'));
      if (dir.substr(dir.rfind('/') + 1) == "lxc.payload." + r.name)
        if (int32_t rc = remove_cgroup_dir(parent + "/lxc.monitor." + r.name, r.name, err))
          return rc;
    }
    return BERTH_OK;
  };
  // The monitor sits in berth's own cgroup until it exits: reaped first, so
  // the cgroup is empty when removed (sdk::Cgroup::destroy would otherwise
  // SIGKILL it and poll). LXC's cgroups hold no monitor once it finished.
  if (!r.own_cgroup.empty()) reap_monitor();
  int32_t swept = sweep();
  reap_monitor();  // no-op when already reaped above
  if (swept != BERTH_OK) return sdk::wrap(err, "destroy " + r.name);
  ::unlink(record_path(*c).c_str());
  return BERTH_OK;
}

// TTY: the core's pty slave is the monitor's fds 0-2, which LXC's init
// passes on (lxc.console.path = none) and makes the controlling terminal;
// start() binds it on /dev/console so that ttyname() finds it inside.
// The default posture (issue 11): Docker's capabilities (lxc.cap.keep),
// no_new_privs (lxc.no_new_privs), the deny-list (seccomp_profile.hpp),
// masked and read-only paths with no cgroupfs (masked_paths.hpp), the
// device allow-list (berth's cgroup, or LXC's when it owns the cgroup), the
// cwd resolved inside the root and no descriptor of LXC's reaching the
// process (berth-lxc-init).
// Not declared: OOM_REPORT (wait() still sets the flag when it sees the OOM,
// but a hog killed and its cgroup removed before wait() arms the watch is
// missed, and a core that waits on exit_fd() first calls wait() only then),
// NS_USER.
constexpr uint64_t kFeatures =
    BERTH_FEATURE_NS_PID | BERTH_FEATURE_NS_MOUNT | BERTH_FEATURE_NS_UTS | BERTH_FEATURE_NS_IPC |
    BERTH_FEATURE_NS_NET | BERTH_FEATURE_NS_CGROUP | BERTH_FEATURE_LIMIT_MEMORY |
    BERTH_FEATURE_LIMIT_CPU | BERTH_FEATURE_LIMIT_PIDS | BERTH_FEATURE_TTY | BERTH_FEATURE_STDIN |
    BERTH_FEATURE_SEPARATE_STDERR | BERTH_FEATURE_BIND_MOUNTS | BERTH_FEATURE_READONLY_MOUNTS |
    BERTH_FEATURE_READONLY_ROOTFS | BERTH_FEATURE_NETWORK_NONE | BERTH_FEATURE_NETWORK_HOST |
    BERTH_FEATURE_USER_SWITCH | BERTH_FEATURE_PIDS_LISTING | BERTH_FEATURE_HOSTNAME |
    BERTH_FEATURE_CAPABILITIES | BERTH_FEATURE_CWD | BERTH_FEATURE_ENV | BERTH_FEATURE_SECCOMP |
    BERTH_FEATURE_NO_NEW_PRIVS | BERTH_FEATURE_MASKED_PATHS | BERTH_FEATURE_DEVICE_ALLOWLIST;

const berth_driver kDriver = {
    BERTH_DRIVER_ABI_VERSION,
    sizeof(berth_driver),
    "lxc",
    "0.1.0",
    "LXC application containers through liblxc (lxc-execute style, LXC's init as pid 1)",
    kFeatures,
    BERTH_NETWORK_NONE,
    0,
    probe,
    start,
    wait,
    kill,
    pids,
    state,
    destroy,
    exit_fd,
};

}  // namespace
}  // namespace berth::lxc

extern "C" BERTH_DRIVER_EXPORT const berth_driver *berth_driver_entry(
    uint32_t core_abi_version, uint32_t *driver_abi_version) {
  if (driver_abi_version != nullptr) *driver_abi_version = BERTH_DRIVER_ABI_VERSION;
  if (core_abi_version < BERTH_DRIVER_ABI_VERSION) return nullptr;
  return &berth::lxc::kDriver;
}
