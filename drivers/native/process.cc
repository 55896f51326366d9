#include "process.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "binds.h"
#include "caps.h"
#include "child_error.h"
#include "dev.h"
#include "init.h"
#include "mount.h"
#include "namespaces.h"
#include "net.h"
#include "proc_masks.h"
#include "seccomp.h"
#include "user.h"
#include "uts.h"

namespace berth::native::process {

namespace {

// The child's descriptors after fd setup: 0-2 stdio, these two, nothing else.
constexpr int kSyncFd = 3;    // SyncPipe's child end: "go" in, error report out
constexpr int kStatusFd = 4;  // write end of the status pipe (init only)

// --- child ----------------------------------------------------------------

// Stdio on 0-2, the two channels on 3 and 4 (close-on-exec), everything
// else the parent had open closed: no host descriptor reaches the container.
int32_t setup_fds(const Plan &plan, int sync_fd, int status_fd, berth_error *err) {
  if (int e = sdk::install_stdio(plan.stdin_fd, plan.stdout_fd, plan.stderr_fd))
    return child_fail(err, e, "dup2", "stdio");
  int s = ::fcntl(sync_fd, F_DUPFD_CLOEXEC, kStatusFd + 1);
  int t = ::fcntl(status_fd, F_DUPFD_CLOEXEC, kStatusFd + 1);
  if (s < 0 || t < 0) return child_fail(err, errno, "fcntl F_DUPFD_CLOEXEC", "sync channels");
  if (::dup3(s, kSyncFd, O_CLOEXEC) < 0 || ::dup3(t, kStatusFd, O_CLOEXEC) < 0)
    return child_fail(err, errno, "dup3", "sync channels");
  sdk::close_from(kStatusFd + 1, -1);
  return BERTH_OK;
}

// Dispositions are inherited from the monitor: an ignored SIGPIPE would
// survive exec. Everything back to default, everything blocked (init waits
// for signals with sigwaitinfo; the process unblocks before exec).
void reset_signals() {
  sigset_t all;
  ::sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
}

// cwd inside the container, created (as Docker does) when missing.
int32_t change_directory(const Plan &plan, berth_error *err) {
  const char *cwd = plan.cwd.c_str();
  if (::chdir(cwd) == 0) return BERTH_OK;
  if (errno != ENOENT) return child_fail(err, errno, "chdir", cwd);
  char path[4096];
  size_t len = std::strlen(cwd);
  if (len >= sizeof path) return child_fail(err, ENAMETOOLONG, "chdir", cwd);
  std::memcpy(path, cwd, len + 1);
  for (size_t i = 1; i <= len; ++i) {
    if (path[i] != '/' && path[i] != '\0') continue;
    char saved = path[i];
    path[i] = '\0';
    if (::mkdir(path, 0755) != 0 && errno != EEXIST) return child_fail(err, errno, "mkdir", path);
    path[i] = saved;
  }
  if (::chdir(cwd) != 0) return child_fail(err, errno, "chdir", cwd);
  return BERTH_OK;
}

// pid 1 is a copy of the monitor: without this, /proc/1/cmdline (readable
// by anyone in the container) would show the host's berth command line,
// -e VALUES included. The argument area is our own copy-on-write memory:
// overwrite it in place (PR_SET_MM would need CAP_SYS_RESOURCE, which a
// nested host may not grant). Its bounds are fields 48/49 of
// /proc/self/stat. Runs in init before the spec's process exists (which
// could otherwise read it first), so the process's own argv and envp must
// not point into the area: they are the core's copies, checked here.
int32_t rename_init(const Plan &plan, berth_error *err) {
  ::prctl(PR_SET_NAME, "berth-init", 0, 0, 0);
  int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return child_fail(err, errno, "open", "/proc/self/stat");
  char buf[1024];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return child_fail(err, n < 0 ? errno : EIO, "read", "/proc/self/stat");
  buf[n] = '\0';
  const char *p = std::strrchr(buf, ')');
  unsigned long arg_start = 0, arg_end = 0;
  for (int field = 2; p != nullptr && field < 49; ++field) {
    p = std::strchr(p + 1, ' ');
    if (p == nullptr) break;
    if (field + 1 == 48) arg_start = std::strtoul(p + 1, nullptr, 10);
    if (field + 1 == 49) arg_end = std::strtoul(p + 1, nullptr, 10);
  }
  if (arg_start == 0 || arg_end <= arg_start)
    return child_fail(err, EINVAL, "parse argument area", "/proc/self/stat");
  static const char kName[] = "berth-init";
  auto *area = reinterpret_cast<char *>(arg_start);
  size_t size = arg_end - arg_start;
  for (const std::vector<const char *> *list : {&plan.argv, &plan.envp})
    for (const char *s : *list)
      if (s != nullptr && reinterpret_cast<uintptr_t>(s) >= arg_start &&
          reinterpret_cast<uintptr_t>(s) < arg_end)
        return child_fail_code(err, BERTH_E_INTERNAL, 0, "rename init: process arguments in",
                               "the monitor's argument area");
  std::memset(area, 0, size);
  std::memcpy(area, kName, std::min(size - 1, sizeof kName - 1));
  return BERTH_OK;
}

// The container's setup, in order, as a checklist in two halves. The first
// runs while the parent writes the state file and loads the seccomp
// program (in parallel: clone comes first); it touches only the new
// namespaces, never runs container code, and ends before "go".
int32_t setup_namespaces(const Plan &plan, berth_error *err) {
  ::umask(0);
  // Not dumpable: nothing in the container may open /proc/1/exe (the host's
  // berth binary) or ptrace us before exec (the exec of the spec's process
  // restores dumpability for it).
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    return child_fail(err, errno, "prctl", "PR_SET_DUMPABLE");
  int root_fd = -1;
  if (int32_t rc = rootfs::prepare(plan, &root_fd, err)) return rc;
  int32_t rc = proc_masks::mount_proc_sys(root_fd, err);
  if (rc == BERTH_OK) rc = dev::mount_dev(plan, root_fd, err);
  if (rc == BERTH_OK) rc = binds::mount_binds(plan, root_fd, err);
  if (rc == BERTH_OK) rc = rootfs::pivot(root_fd, err);
  ::close(root_fd);
  if (rc != BERTH_OK) return rc;
  if ((rc = proc_masks::apply_masks(err))) return rc;
  if ((rc = rootfs::finish(plan, err))) return rc;
  if ((rc = uts::set_hostname(plan, err))) return rc;
  if ((rc = net::bring_up_loopback(plan, err))) return rc;
  return change_directory(plan, err);
}

// The second half, after "go": the child is in its cgroup now.
int32_t setup_privileges(const Plan &plan, size_t seccomp_count, berth_error *err) {
  int32_t rc;
  if ((rc = namespaces::enter_cgroup_namespace(plan, err))) return rc;
  // Without no_new_privs the filter needs CAP_SYS_ADMIN: load it while held.
  if (!plan.no_new_privs &&
      (rc = seccomp::install(plan.seccomp_receive.get(), seccomp_count, false, err)))
    return rc;
  // --- dropping privileges ---
  if ((rc = caps::drop_bounding(plan, err))) return rc;
  if ((rc = user::switch_user(plan, err))) return rc;
  if ((rc = caps::apply(plan, err))) return rc;
  // --- should be the last one: no_new_privs and seccomp ---
  if (!plan.no_new_privs) return BERTH_OK;
  return seccomp::install(plan.seccomp_receive.get(), seccomp_count, true, err);
}

// execve argv[0], searching the container's PATH when it has no '/'.
int32_t exec_process(const Plan &plan, berth_error *err) {
  const char *file = plan.argv[0];
  char *const *argv = const_cast<char *const *>(plan.argv.data());
  char *const *envp = const_cast<char *const *>(plan.envp.data());
  int e;
  const char *tried = file;
  if (std::strchr(file, '/') != nullptr) {
    ::execve(file, argv, envp);
    e = errno;
  } else {
    bool denied = false;
    e = ENOENT;
    char path[4096];
    const char *dir = plan.path_search.c_str();
    for (;;) {
      const char *end = std::strchr(dir, ':');
      size_t n = end ? static_cast<size_t>(end - dir) : std::strlen(dir);
      int len = std::snprintf(path, sizeof path, "%.*s%s%s", static_cast<int>(n), dir,
                              n == 0 ? "" : "/", file);
      if (len > 0 && static_cast<size_t>(len) < sizeof path) {
        ::execve(path, argv, envp);
        if (errno == EACCES)
          denied = true;
        else if (errno != ENOENT && errno != ENOTDIR) {
          e = errno;
          tried = path;
          break;
        }
      }
      if (end == nullptr) break;
      dir = end + 1;
    }
    if (e == ENOENT && denied) e = EACCES;
    if (e == ENOENT) {
      err->code = BERTH_E_EXEC_NOT_FOUND;
      err->sys_errno = ENOENT;
      std::snprintf(err->message, sizeof err->message,
                    "exec(%s): executable file not found in $PATH (%s)", file,
                    plan.path_search.c_str());
      return err->code;
    }
  }
  int32_t code = e == ENOENT                                    ? BERTH_E_EXEC_NOT_FOUND
                 : (e == EACCES || e == ENOEXEC || e == EISDIR) ? BERTH_E_EXEC_DENIED
                                                                : BERTH_E_SYSTEM;
  return child_fail_code(err, code, e, "exec", tried);
}

[[noreturn]] void report(int fd, const berth_error &e, int exit_code) {
  ::send(fd, &e, sizeof e, MSG_NOSIGNAL);
  ::_exit(exit_code);
}

struct WorkerArgs {
  const Plan *plan;
  berth_error *e;
};

// The spec's process, between clone and exec (it shares init's memory).
int worker_main(void *arg) {
  const WorkerArgs &a = *static_cast<WorkerArgs *>(arg);
  ::close(kStatusFd);
  // A session of its own; with a tty, that tty controls it.
  ::setsid();
  if (a.plan->tty && ::ioctl(0, TIOCSCTTY, 0) != 0)
    report(kSyncFd, (child_fail(a.e, errno, "ioctl TIOCSCTTY", "stdin"), *a.e), 1);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::umask(022);
  exec_process(*a.plan, a.e);
  report(kSyncFd, *a.e, a.e->code == BERTH_E_EXEC_NOT_FOUND ? 127 : 126);
}

// Runs as the cloned child; never returns.
[[noreturn]] void child_main(const Plan &plan, const sdk::CgroupEntry &cgroup, int sync_fd,
                             int status_fd) {
  berth_error e{};
  // Into the container's cgroup before anything else (still one thread).
  if (sdk::Cgroup::enter_self(cgroup, &e) != BERTH_OK) report(sync_fd, e, 1);
  reset_signals();
  if (setup_fds(plan, sync_fd, status_fd, &e) != BERTH_OK) report(sync_fd, e, 1);
  if (setup_namespaces(plan, &e) != BERTH_OK) report(kSyncFd, e, 1);
  // "go" is the seccomp program itself, sent once the parent has recorded
  // us (state file: destroy from any process finds us from here on).
  ssize_t n;
  do {
    n = ::recv(kSyncFd, plan.seccomp_receive.get(),
               Plan::kMaxSeccompInstructions * sizeof(sock_filter), 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) ::_exit(1);  // the parent gave up: it kills us anyway
  if (setup_privileges(plan, static_cast<size_t>(n) / sizeof(sock_filter), &e) != BERTH_OK)
    report(kSyncFd, e, 1);

  // Before any container code runs: /proc/1/cmdline must never show the
  // host's berth command line.
  if (rename_init(plan, &e) != BERTH_OK) report(kSyncFd, e, 1);

  // The spec's process shares init's memory until it execs (CLONE_VM |
  // CLONE_VFORK, as posix_spawn does): no second copy of the monitor's
  // address space, and init is suspended meanwhile, so nothing races.
  WorkerArgs args{&plan, &e};
  char *stack_top = plan.worker_stack.get() + Plan::kWorkerStackSize;
  pid_t pid = ::clone(worker_main, stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
  if (pid < 0) report(kSyncFd, (child_fail(&e, errno, "clone", "container process"), e), 1);
  // init: only the status pipe stays; the sync socket closes so the parent
  // sees EOF exactly when the spec's process exec'd.
  ::close(kSyncFd);
  ::close(0);
  ::close(1);
  ::close(2);
  // init has no one to report to: a failure ends the container.
  if (caps::drop_all(&e) != BERTH_OK) {
    ::kill(pid, SIGKILL);
    ::_exit(1);
  }
  init::run(pid, kStatusFd);
}

}  // namespace

int32_t start(const Plan &plan, sdk::Cgroup &cgroup, JoinFn join, void *join_ctx, Started *out,
              berth_error *err) {
  sdk::SyncPipe sync;
  if (int32_t rc = sdk::SyncPipe::create(&sync, err)) return rc;
  int status[2];
  if (::pipe2(status, O_CLOEXEC) != 0) return sdk::fail_errno(err, errno, "pipe2", "status pipe");
  sdk::UniqueFd status_read(status[0]), status_write(status[1]);

  sdk::CgroupEntry entry;
  if (int32_t rc = cgroup.open_entry(&entry, err)) return rc;
  bool is_child = false;
  if (int32_t rc = cgroup.spawn_child(plan.clone_flags, entry, &out->child, &is_child, err))
    return rc;
  if (is_child) {
    sync.in_child();
    child_main(plan, entry, sync.fd(), status_write.get());
  }
  sync.in_parent();
  status_write.reset();
  entry = sdk::CgroupEntry{};

  std::vector<sock_filter> program;
  if (int32_t rc = join(join_ctx, out->child.pid(), status_read.get(), &program, err)) return rc;
  // "go": the seccomp program in one datagram. A child that already failed
  // has closed its end (EPIPE); its report is still queued for us.
  ssize_t sent;
  do {
    sent = ::send(sync.fd(), program.data(), program.size() * sizeof(sock_filter), MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  int send_errno = sent < 0 ? errno : 0;
  berth_error child_error{};
  bool got = false;
  if (int32_t rc = sync.receive_error(&child_error, &got, err)) return rc;
  if (!got && send_errno != 0)
    return sdk::fail_errno(err, send_errno, "send", "go to the container's init");
  if (got) {
    *err = child_error;
    return child_error.code;
  }
  // EOF: the process exec'd, or the child died without a word. A dead
  // child is fine only if init wrote its record (the process exec'd and
  // already ended, as /bin/true does).
  siginfo_t info{};
  if (::waitid(P_PID, out->child.pid(), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
      info.si_pid == out->child.pid()) {
    int pending = 0;
    if (::ioctl(status_read.get(), FIONREAD, &pending) != 0 ||
        pending < static_cast<int>(sizeof(init::ExitRecord)))
      return sdk::fail(err, BERTH_E_INTERNAL,
                       "the container's init died during setup without a report (%s %d)",
                       info.si_code == CLD_EXITED ? "exit status" : "signal", info.si_status);
  }
  out->status_pipe = std::move(status_read);
  return BERTH_OK;
}

}  // namespace berth::native::process
