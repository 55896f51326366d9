// Starting the container process. Parent and child talk over a SyncPipe:
// the child is born in the cgroup2 directory (if any), enters the v1 ones
// itself, waits for the parent's "go" (it may still have to move it, on an
// old kernel), then runs its checklist (session, stdio, cwd and chroot by
// descriptor, groups/gid/uid, no_new_privs, fds) and execs.
// Any failure in the child travels back as a berth_error; the pipe closing
// on exec (it is close-on-exec) tells the parent the command runs.
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <berth/sdk/cgroup.hpp>
#include <berth/sdk/error.hpp>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/in_root.hpp>

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "chroot.hpp"

extern char **environ;

namespace berth::chroot {

namespace {

// Everything the child needs, prepared before fork: after fork only system
// calls run (the parent may have other threads).
struct ChildArgs {
  const Plan *plan;
  int root_fd;  // RootfsMounts::root_fd()
  const berth_stdio *stdio;
  std::vector<char *> argv, envp;
  std::vector<gid_t> groups;
};

[[noreturn]] void child_fail(const sdk::SyncPipe &sync, int32_t code, int errnum, const char *fmt,
                             ...) __attribute__((format(printf, 4, 5)));
[[noreturn]] void child_fail(const sdk::SyncPipe &sync, int32_t code, int errnum, const char *fmt,
                             ...) {
  berth_error e{};
  e.code = code;
  e.sys_errno = errnum;
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(e.message, sizeof e.message, fmt, ap);
  va_end(ap);
  if (errnum != 0 && n >= 0 && static_cast<size_t>(n) < sizeof e.message)
    // strerrordesc_np: static text, no locale (this runs after fork).
    std::snprintf(e.message + n, sizeof e.message - n, ": %s", ::strerrordesc_np(errnum));
  sync.send_error(e);
  _exit(code == BERTH_E_EXEC_NOT_FOUND ? 127 : 126);
}

int32_t exec_error_code(int errnum) {
  switch (errnum) {
    case ENOENT:
    case ENOTDIR:
      return BERTH_E_EXEC_NOT_FOUND;
    case EACCES:
    case EPERM:
    case ENOEXEC:
    case EISDIR:
    case ETXTBSY:
    case ELIBBAD:
      return BERTH_E_EXEC_DENIED;
    default:
      return BERTH_E_SYSTEM;
  }
}

[[noreturn]] void run_child(const ChildArgs &a, const sdk::CgroupEntry &cgroup,
                            const sdk::SyncPipe &sync) {
  const Plan &p = *a.plan;
  // Into the container's cgroup first, by itself: no migration lock (see
  // sdk::CgroupEntry).
  berth_error joined{};
  if (sdk::Cgroup::enter_self(cgroup, &joined) != BERTH_OK) {
    sync.send_error(joined);
    _exit(125);
  }
  sdk::reset_signals();
  int32_t go = -1;
  if (sync.receive_value(&go) != 0 || go != 0) _exit(125);  // parent gave up

  // A session of its own: no controlling terminal unless it gets the pty.
  if (::setsid() < 0) child_fail(sync, BERTH_E_SYSTEM, errno, "setsid");
  if (int e = sdk::install_stdio(a.stdio->stdin_fd, a.stdio->stdout_fd, a.stdio->stderr_fd))
    child_fail(sync, BERTH_E_SYSTEM, e, "dup2(stdio)");
  if (p.tty && ::ioctl(0, TIOCSCTTY, 0) != 0)
    child_fail(sync, BERTH_E_SYSTEM, errno, "ioctl(TIOCSCTTY, stdin)");

  // The cwd is opened inside the root (no symlink out, no magic link such
  // as /proc/self/fd/N naming a descriptor of berth's or the caller's) and
  // entered by descriptor; so is the root.
  int cwd = sdk::open_in_root(a.root_fd, p.cwd.c_str(), sdk::InRootCreate::none);
  if (cwd < 0)
    child_fail(sync, BERTH_E_INVALID, -cwd, "process.cwd: open %s inside the rootfs",
               p.cwd.c_str());
  if (::fchdir(a.root_fd) != 0)
    child_fail(sync, BERTH_E_SYSTEM, errno, "fchdir(%s)", p.root.c_str());
  if (::chroot(".") != 0) child_fail(sync, BERTH_E_SYSTEM, errno, "chroot(%s)", p.root.c_str());
  if (::fchdir(cwd) != 0)
    child_fail(sync, BERTH_E_INVALID, errno, "process.cwd: fchdir(%s)", p.cwd.c_str());
  ::close(cwd);

  // Groups, then gid, then uid (after setuid the others are no longer
  // allowed), each verified.
  // Raw system calls: glibc's wrappers broadcast to every thread glibc
  // knows of, and this child may be a raw clone (sdk::Child::spawn) whose
  // glibc still describes the parent's thread.
  if (::syscall(SYS_setgroups, a.groups.size(), a.groups.empty() ? nullptr : a.groups.data()) != 0)
    child_fail(sync, BERTH_E_SYSTEM, errno, "setgroups(%zu groups)", a.groups.size());
  if (::syscall(SYS_setresgid, p.gid, p.gid, p.gid) != 0)
    child_fail(sync, BERTH_E_SYSTEM, errno, "setresgid(%u)", p.gid);
  if (::syscall(SYS_setresuid, p.uid, p.uid, p.uid) != 0)
    child_fail(sync, BERTH_E_SYSTEM, errno, "setresuid(%u)", p.uid);
  if (::getuid() != p.uid || ::geteuid() != p.uid || ::getgid() != p.gid || ::getegid() != p.gid)
    child_fail(sync, BERTH_E_SYSTEM, 0, "user switch to %u:%u did not take (now %u:%u)", p.uid,
               p.gid, ::geteuid(), ::getegid());
  if (::getgroups(0, nullptr) != static_cast<int>(a.groups.size()))
    child_fail(sync, BERTH_E_SYSTEM, 0, "setgroups: %d supplementary groups, wanted %zu",
               ::getgroups(0, nullptr), a.groups.size());

  // A setuid binary must not make this user root (the host's root: there
  // is no user namespace), unless the spec allows new privileges.
  if (p.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    child_fail(sync, BERTH_E_SYSTEM, errno, "prctl(PR_SET_NO_NEW_PRIVS)");

  // Last before exec, after everything that opened descriptors: nothing of
  // the monitor's (state dir, cgroup directories, the root) or the caller's
  // leaks in. Only 0..2 and the (close-on-exec) report channel stay.
  sdk::close_from(3, sync.fd());

  environ = const_cast<char **>(a.envp.data());  // execvpe searches this PATH
  ::execvpe(a.argv[0], a.argv.data(), a.envp.data());
  int e = errno;
  child_fail(sync, exec_error_code(e), e, "exec %s", a.argv[0]);
}

}  // namespace

int32_t launch(const Plan &plan, int root_fd, const berth_stdio *stdio, sdk::Cgroup *cgroup,
               sdk::Child *child, berth_error *err) {
  ChildArgs a{&plan, root_fd, stdio, {}, {}, {}};
  for (const auto &s : plan.args) a.argv.push_back(const_cast<char *>(s.c_str()));
  a.argv.push_back(nullptr);
  for (const auto &s : plan.env) a.envp.push_back(const_cast<char *>(s.c_str()));
  a.envp.push_back(nullptr);
  for (uint32_t g : plan.groups) a.groups.push_back(static_cast<gid_t>(g));

  sdk::SyncPipe sync;
  if (int32_t rc = sdk::SyncPipe::create(&sync, err)) return rc;
  sdk::CgroupEntry entry;
  if (cgroup->open_entry(&entry, err) != BERTH_OK) return sdk::wrap(err, "join cgroup");
  bool is_child = false;
  sdk::Child proc;
  if (int32_t rc = cgroup->spawn_child(0, entry, &proc, &is_child, err)) return rc;
  if (is_child) {
    sync.in_child();
    run_child(a, entry, sync);
  }
  sync.in_parent();

  // In its cgroup before it runs anything of the container's: the child
  // entered the v1 directories itself, spawn_child the cgroup2 one.
  entry = sdk::CgroupEntry{};
  // A child that already failed (joining its cgroup) has closed its end;
  // its report is still queued and says more than the failed send.
  int send_errno = sync.send_value(0);

  berth_error child_error{};
  bool got = false;
  if (int32_t rc = sync.receive_error(&child_error, &got, err)) return rc;
  if (got) {
    int status;
    proc.wait(&status, nullptr);
    if (err != nullptr) *err = child_error;
    return child_error.code;
  }
  if (send_errno != 0) return sdk::fail_errno(err, send_errno, "send", "start signal to child");
  *child = std::move(proc);
  return BERTH_OK;
}

}  // namespace berth::chroot
