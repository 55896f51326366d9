// The native driver's table: Linux namespaces, pivot_root, cgroups,
// capabilities and seccomp, with the kernel facilities in one file each
// (see process.h for how they fit together).
#include <berth/driver.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <berth/sdk/cgroup.hpp>
#include <berth/sdk/error.hpp>
#include <berth/sdk/file.hpp>
#include <berth/sdk/pidfd.hpp>
#include <berth/sdk/process.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "cgroups.h"
#include "init.h"
#include "namespaces.h"
#include "plan.h"
#include "process.h"
#include "seccomp.h"
#include "state.h"

namespace berth::native {
namespace {

// --- probe ----------------------------------------------------------------

// A system call this driver relies on exists when calling it with bad
// arguments fails with something other than ENOSYS.
bool has_syscall(long nr) {
  errno = 0;
  ::syscall(nr, -1, nullptr, 0, nullptr, 0);
  return errno != ENOSYS;
}

int32_t probe(char *info, size_t info_size, berth_error *err) {
  if (::geteuid() != 0)
    return sdk::fail(err, BERTH_E_UNAVAILABLE,
                     "the native driver needs root (it creates namespaces, mounts and cgroups); "
                     "run berth as root");
  std::string namespaces_found;
  if (int32_t rc = namespaces::check_kernel(&namespaces_found, err)) return rc;
  struct Needed {
    long nr;
    const char *name, *since;
  };
  static const Needed kSyscalls[] = {{SYS_openat2, "openat2", "5.6"},
                                     {SYS_close_range, "close_range", "5.9"},
                                     {SYS_mount_setattr, "mount_setattr", "5.12"}};
  for (const Needed &n : kSyscalls)
    if (!has_syscall(n.nr))
      return sdk::fail(err, BERTH_E_UNAVAILABLE,
                       "the kernel lacks the %s system call (Linux %s or later is needed)", n.name,
                       n.since);
  std::string status;
  if (int32_t rc = sdk::read_file("/proc/self/status", &status, err)) return rc;
  if (status.find("\nSeccomp:") == std::string::npos)
    return sdk::fail(err, BERTH_E_UNAVAILABLE,
                     "the kernel has no seccomp filtering (CONFIG_SECCOMP_FILTER)");
  sdk::CgroupMounts mounts;
  if (int32_t rc = sdk::detect_cgroup_mounts(&mounts, err)) return rc;
  if (mounts.layout == sdk::CgroupLayout::none)
    return sdk::fail(err, BERTH_E_UNAVAILABLE,
                     "no cgroup filesystem is mounted (expected under /sys/fs/cgroup)");
  struct utsname u {};
  ::uname(&u);
  char version[32];
  std::snprintf(info, info_size, "Linux %s; namespaces: %s; %s; libseccomp %s", u.release,
                namespaces_found.c_str(), sdk::Cgroup::layout_description(mounts).c_str(),
                seccomp::library_version(version, sizeof version));
  return BERTH_OK;
}

// --- start ----------------------------------------------------------------

struct JoinContext {
  const berth_container *c;
  const Plan *plan;
  const sdk::Cgroup *cgroup;
};

// Parent side after clone, while the child mounts: the state file (so
// destroy from any process finds pid and cgroup from here on) and the
// seccomp program for "go".
int32_t join(void *ctx, pid_t pid, int status_fd, std::vector<sock_filter> *program,
             berth_error *err) {
  auto *j = static_cast<JoinContext *>(ctx);
  state::Saved s;
  s.pid = pid;
  if (int32_t rc = sdk::process_start_time(pid, &s.start_time, err)) return rc;
  s.cgroup = j->cgroup->serialize();
  s.monitor = ::getpid();
  s.status_fd = status_fd;
  struct stat st;
  if (::fstat(status_fd, &st) != 0) return sdk::fail_errno(err, errno, "fstat", "status pipe");
  s.status_ino = st.st_ino;
  if (int32_t rc = state::save(j->c, s, err)) return rc;
  return seccomp::compile(*j->plan, program, err);
}

int32_t start(const berth_container *c, const berth_spec *spec, const berth_stdio *stdio,
              berth_start_result *out, berth_error *err) {
  Plan plan;
  if (int32_t rc = build_plan(c, spec, stdio, &plan, err)) return rc;
  // The cgroup comes first, limits set: the child enters it by itself as
  // its first step (no migration lock, see sdk::CgroupEntry). Destroyed on
  // failure (declared before the process: the process is killed first).
  sdk::Cgroup cgroup;
  if (int32_t rc = cgroups::create(c, spec, &cgroup, err)) return rc;
  process::Started started;
  JoinContext ctx{c, &plan, &cgroup};
  if (int32_t rc = process::start(plan, cgroup, join, &ctx, &started, err)) {
    state::remove(c);
    return rc;
  }
  out->pid = started.child.pid();
  cgroup.release();
  started.child.release();
  started.status_pipe.release();  // wait() reads and closes it
  return BERTH_OK;
}

// --- wait, kill, pids, state, destroy ---------------------------------------

// A pidfd on init, the monitor's own child: readable once init, and with it
// every process of the container, has exited. init is reaped only by wait() or
// destroy(), so its pid cannot be reused meanwhile.
int32_t exit_fd(const berth_container *c, int32_t *fd, berth_error *err) {
  state::Saved s;
  if (int32_t rc = state::load(c, &s, err)) return rc;
  if (state::monitor_status_fd(s) < 0)
    return sdk::fail(err, BERTH_E_UNSUPPORTED,
                     "exit_fd: only the process that started container %s (pid %d) can wait for it",
                     c->id, static_cast<int>(s.monitor));
  sdk::UniqueFd pidfd;
  if (sdk::open_pidfd(static_cast<pid_t>(s.pid), &pidfd, err) != BERTH_OK)
    return sdk::wrap(err, "exit_fd of container " + std::string(c->id));
  *fd = pidfd.release();
  return BERTH_OK;
}

int32_t wait(const berth_container *c, berth_exit_status *out, berth_error *err) {
  state::Saved s;
  if (int32_t rc = state::load(c, &s, err)) return rc;
  int status_fd = state::monitor_status_fd(s);
  if (status_fd < 0)
    return sdk::fail(err, BERTH_E_UNSUPPORTED,
                     "wait: only the process that started container %s (pid %d) can wait for it",
                     c->id, static_cast<int>(s.monitor));
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(s.pid, &status, 0);
    if (r == s.pid) break;
    if (r < 0 && errno == EINTR) continue;
    return sdk::fail_errno(err, errno, "waitpid", std::to_string(s.pid));
  }
  *out = sdk::exit_status_from_wait(status);
  // init's record says how the spec's process ended; without one (init
  // itself was SIGKILLed) init's own status is the container's.
  init::ExitRecord r{};
  ssize_t n = ::read(status_fd, &r, sizeof r);
  ::close(status_fd);
  if (n == static_cast<ssize_t>(sizeof r) && r.magic == init::kExitMagic) {
    out->exit_code = r.exited ? r.code : 128 + r.signal;
    out->signal = r.exited ? 0 : r.signal;
  }
  sdk::Cgroup cgroup;
  if (sdk::Cgroup::load(s.cgroup, &cgroup, err) == BERTH_OK) {
    if (cgroup.oom_killed()) out->flags |= BERTH_EXIT_OOM_KILLED;
    cgroup.release();
  }
  return BERTH_OK;
}

int32_t kill(const berth_container *c, int32_t signal, berth_error *err) {
  state::Saved s;
  if (int32_t rc = state::load(c, &s, err)) return rc;
  // To init, which forwards it to the spec's process (SIGKILL ends the
  // whole pid namespace), through a pidfd checked against init's start
  // time: a recycled pid is never signalled.
  sdk::UniqueFd pidfd;
  if (sdk::open_pidfd(static_cast<pid_t>(s.pid), &pidfd, err) != BERTH_OK &&
      err->sys_errno != ESRCH)
    return sdk::wrap(err, "kill container " + std::string(c->id));
  if (!pidfd || !sdk::process_alive(s.pid, s.start_time))
    return sdk::fail(err, BERTH_E_NO_CONTAINER, "kill: container %s is not running", c->id);
  if (sdk::send_signal(pidfd.get(), signal, err) != BERTH_OK && err->sys_errno != ESRCH)
    return sdk::wrap(err, "kill container " + std::string(c->id));
  *err = berth_error{};
  return BERTH_OK;
}

int32_t pids(const berth_container *c, int64_t *pids, uint32_t capacity, uint32_t *count,
             berth_error *err) {
  state::Saved s;
  if (int32_t rc = state::load(c, &s, err)) return rc;
  sdk::Cgroup cgroup;
  if (int32_t rc = sdk::Cgroup::load(s.cgroup, &cgroup, err)) return rc;
  std::vector<int64_t> list;
  int32_t rc = cgroup.pids(&list, err);
  cgroup.release();
  if (rc != BERTH_OK) return rc;
  *count = static_cast<uint32_t>(list.size());
  if (list.size() > capacity)
    return sdk::fail(err, BERTH_E_RANGE, "pids: %zu processes, room for %u", list.size(), capacity);
  std::copy(list.begin(), list.end(), pids);
  return BERTH_OK;
}

int32_t state_of(const berth_container *c, berth_container_state *out, berth_error *err) {
  state::Saved s;
  if (int32_t rc = state::load(c, &s, err)) return rc;
  if (sdk::process_alive(s.pid, s.start_time)) {
    out->state = BERTH_STATE_RUNNING;
    out->pid = s.pid;
  } else {
    out->state = BERTH_STATE_STOPPED;
    out->pid = 0;
  }
  return BERTH_OK;
}

// SIGKILL to init ends the pid namespace; wait until it is really gone
// (reap it when it is our child, else poll its pidfd) so the cgroup can go.
void kill_and_wait(const state::Saved &s) {
  if (!sdk::process_alive(s.pid, s.start_time)) {
    if (s.monitor == ::getpid()) ::waitpid(s.pid, nullptr, WNOHANG);
    return;
  }
  sdk::UniqueFd pidfd;
  berth_error ignored{};
  // The pid may have been recycled between the check and pidfd_open.
  if (sdk::open_pidfd(static_cast<pid_t>(s.pid), &pidfd, &ignored) != BERTH_OK ||
      !sdk::process_alive(s.pid, s.start_time))
    return;
  sdk::send_signal(pidfd.get(), SIGKILL, &ignored);
  if (::waitpid(s.pid, nullptr, 0) < 0) sdk::wait_readable({pidfd.get()}, -1);
}

int32_t destroy(const berth_container *c, berth_error *err) {
  state::Saved s;
  // Without a readable record (already destroyed, or damaged) the id alone
  // finds what is left.
  if (state::load(c, &s, err) != BERTH_OK) return state::destroy_by_id(c, err);
  kill_and_wait(s);
  sdk::Cgroup cgroup;
  if (sdk::Cgroup::load(s.cgroup, &cgroup, err) != BERTH_OK) return state::destroy_by_id(c, err);
  if (cgroup.destroy(err) != BERTH_OK)
    return sdk::wrap(err, "destroy container " + std::string(c->id));
  cgroup.release();
  if (int fd = state::monitor_status_fd(s); fd >= 0) ::close(fd);
  state::remove(c);
  return BERTH_OK;
}

constexpr uint64_t kFeatures =
    BERTH_FEATURE_NS_PID | BERTH_FEATURE_NS_MOUNT | BERTH_FEATURE_NS_UTS | BERTH_FEATURE_NS_IPC |
    BERTH_FEATURE_NS_NET | BERTH_FEATURE_NS_CGROUP | BERTH_FEATURE_LIMIT_MEMORY |
    BERTH_FEATURE_LIMIT_CPU | BERTH_FEATURE_LIMIT_PIDS | BERTH_FEATURE_TTY | BERTH_FEATURE_STDIN |
    BERTH_FEATURE_SEPARATE_STDERR | BERTH_FEATURE_BIND_MOUNTS | BERTH_FEATURE_READONLY_MOUNTS |
    BERTH_FEATURE_READONLY_ROOTFS | BERTH_FEATURE_NETWORK_NONE | BERTH_FEATURE_NETWORK_HOST |
    BERTH_FEATURE_USER_SWITCH | BERTH_FEATURE_PIDS_LISTING | BERTH_FEATURE_HOSTNAME |
    BERTH_FEATURE_CAPABILITIES | BERTH_FEATURE_SECCOMP | BERTH_FEATURE_OOM_REPORT |
    BERTH_FEATURE_CWD | BERTH_FEATURE_ENV | BERTH_FEATURE_NO_NEW_PRIVS |
    BERTH_FEATURE_MASKED_PATHS | BERTH_FEATURE_DEVICE_ALLOWLIST;

constexpr berth_driver kDriver = {
    BERTH_DRIVER_ABI_VERSION,
    sizeof(berth_driver),
    "native",
    "0.1.0",
    "Linux namespaces, pivot_root, cgroups, capabilities and seccomp",
    kFeatures,
    BERTH_NETWORK_NONE,
    0,
    probe,
    start,
    wait,
    kill,
    pids,
    state_of,
    destroy,
    exit_fd,
};

}  // namespace
}  // namespace berth::native

extern "C" BERTH_DRIVER_EXPORT const berth_driver *berth_driver_entry(
    uint32_t core_abi_version, uint32_t *driver_abi_version) {
  if (driver_abi_version != nullptr) *driver_abi_version = BERTH_DRIVER_ABI_VERSION;
  if (core_abi_version < BERTH_DRIVER_ABI_VERSION) return nullptr;
  return &berth::native::kDriver;
}
