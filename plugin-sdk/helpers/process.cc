#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/file.hpp>
#include <berth/sdk/process.hpp>

#include <cstdlib>
#include <string>

namespace berth::sdk {

Child::~Child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

Child::Child(Child &&o) noexcept : pid_(o.release()) {}

Child &Child::operator=(Child &&o) noexcept {
  if (this != &o) {
    Child old(std::move(*this));  // old child (if any) is reaped here
    pid_ = o.release();
  }
  return *this;
}

int32_t Child::spawn(unsigned long clone_flags, Child *out, bool *is_child, berth_error *err) {
  *is_child = false;
  pid_t pid;
  if (clone_flags == 0) {
    pid = ::fork();
  } else {
    // Raw clone with a NULL stack has fork semantics (copy-on-write memory)
    // while taking namespace flags.
    pid = static_cast<pid_t>(
        ::syscall(SYS_clone, clone_flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
  }
  if (pid < 0) return fail_errno(err, errno, clone_flags ? "clone" : "fork", "container process");
  if (pid == 0) {
    *is_child = true;
    return BERTH_OK;
  }
  *out = Child();
  out->pid_ = pid;
  return BERTH_OK;
}

int32_t Child::spawn(unsigned long clone_flags, int cgroup_fd, Child *out, bool *is_child,
                     bool *in_cgroup, berth_error *err) {
  *in_cgroup = false;
  if (cgroup_fd < 0) return spawn(clone_flags, out, is_child, err);
  *is_child = false;
  clone_args args{};
  args.flags = clone_flags | CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(cgroup_fd);
  // No stack given: fork semantics, as the raw clone above.
  long pid = ::syscall(SYS_clone3, &args, sizeof args);
  // An older kernel (no clone3: ENOSYS; no CLONE_INTO_CGROUP: E2BIG or
  // EINVAL), or a seccomp profile that refuses clone3 as older Docker ones
  // do (EPERM): a plain clone, and the caller moves the child.
  if (pid < 0 && (errno == ENOSYS || errno == E2BIG || errno == EINVAL || errno == EPERM))
    return spawn(clone_flags, out, is_child, err);
  if (pid < 0)
    return fail_errno(err, errno, "clone3",
                      "CLONE_INTO_CGROUP, cgroup2 directory fd " + std::to_string(cgroup_fd));
  *in_cgroup = true;
  if (pid == 0) {
    *is_child = true;
    return BERTH_OK;
  }
  *out = Child();
  out->pid_ = static_cast<pid_t>(pid);
  return BERTH_OK;
}

int32_t Child::wait(int *status, berth_error *err) {
  if (pid_ <= 0) return fail(err, BERTH_E_INTERNAL, "wait: no child");
  for (;;) {
    pid_t r = ::waitpid(pid_, status, 0);
    if (r == pid_) break;
    if (r < 0 && errno == EINTR) continue;
    return fail_errno(err, errno, "waitpid", std::to_string(pid_));
  }
  pid_ = -1;
  return BERTH_OK;
}

int32_t Child::kill(int sig, berth_error *err) const {
  if (pid_ <= 0) return BERTH_OK;
  if (::kill(pid_, sig) != 0 && errno != ESRCH)
    return fail_errno(err, errno, "kill", std::to_string(pid_));
  return BERTH_OK;
}

pid_t Child::release() {
  pid_t p = pid_;
  pid_ = -1;
  return p;
}

void reset_signals() {
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    ::signal(sig, SIG_DFL);  // fails harmlessly for glibc-reserved RT signals
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

berth_exit_status exit_status_from_wait(int status) {
  berth_exit_status s{};
  s.struct_size = sizeof s;
  if (WIFEXITED(status)) {
    s.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    s.signal = WTERMSIG(status);
    s.exit_code = 128 + s.signal;
  }
  return s;
}

namespace {
// Fields after "(comm)": the comm may hold spaces and parentheses, so parse
// from the last ')'. Field 3 (state) is the first after it.
bool stat_fields(pid_t pid, char *state, uint64_t *start_time) {
  std::string text;
  berth_error ignored{};
  if (read_file("/proc/" + std::to_string(pid) + "/stat", &text, &ignored) != BERTH_OK)
    return false;
  size_t close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return false;
  const char *p = text.c_str() + close + 2;
  *state = *p;
  // Skip from field 3 to field 22: 19 separators.
  for (int field = 3; field < 22; ++field) {
    p = std::strchr(p, ' ');
    if (p == nullptr) return false;
    ++p;
  }
  *start_time = std::strtoull(p, nullptr, 10);
  return true;
}
}  // namespace

int32_t process_start_time(pid_t pid, uint64_t *start_time, berth_error *err) {
  char state;
  if (!stat_fields(pid, &state, start_time))
    return fail(err, BERTH_E_NO_CONTAINER, "process %d does not exist", static_cast<int>(pid));
  return BERTH_OK;
}

bool process_alive(pid_t pid, uint64_t start_time) {
  if (pid <= 0) return false;
  char state;
  uint64_t st;
  if (!stat_fields(pid, &state, &st)) return false;
  if (state == 'Z' || state == 'X') return false;
  return start_time == 0 || st == start_time;
}

}  // namespace berth::sdk
