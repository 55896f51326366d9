// "example": the smallest honest berth driver. fork, chroot into the rootfs,
// exec; wait with waitpid; kill/state/destroy from any process through a
// pid file in the state dir. No namespaces, no cgroups, no mounts: processes
// the command forks are not tracked (a real driver puts them in a cgroup,
// see berth/sdk/cgroup.hpp and drivers/chroot).
#include <berth/driver.h>
#include <grp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/process.hpp>
#include <berth/sdk/state_file.hpp>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern char **environ;

namespace {

using berth::sdk::fail;

std::string pid_file(const berth_container *c) {
  return std::string(c->state_dir) + "/example.pid";
}

// The container's pid and start time (so a recycled pid is never signalled).
int32_t read_pid(const berth_container *c, pid_t *pid, uint64_t *start, berth_error *err) {
  berth::sdk::StateValues v;
  if (int32_t rc = berth::sdk::read_state_file(pid_file(c), &v, err)) return rc;
  *pid = static_cast<pid_t>(std::stol(v["pid"]));
  *start = std::stoull(v["start_time"]);
  return BERTH_OK;
}

int32_t probe(char *info, size_t size, berth_error *err) {
  if (::geteuid() != 0)
    return fail(err, BERTH_E_UNAVAILABLE, "the example driver needs root for chroot(2)");
  std::snprintf(info, size, "chroot(2) example driver");
  return BERTH_OK;
}

int32_t start(const berth_container *c, const berth_spec *spec, const berth_stdio *stdio,
              berth_start_result *out, berth_error *err) {
  if (spec->hostname || spec->network == BERTH_NETWORK_NONE || spec->mounts_count ||
      spec->memory_bytes || spec->cpu_shares || spec->pids_limit || spec->tty)
    return fail(err, BERTH_E_UNSUPPORTED, "the example driver only runs a command in a chroot");
  // Prepare argv/envp before fork: the child only makes system calls.
  std::vector<char *> argv, envp;
  for (uint32_t i = 0; i < spec->args_count; ++i) argv.push_back(const_cast<char *>(spec->args[i]));
  argv.push_back(nullptr);
  for (uint32_t i = 0; i < spec->env_count; ++i) envp.push_back(const_cast<char *>(spec->env[i]));
  envp.push_back(nullptr);

  berth::sdk::SyncPipe sync;  // the child's exec error comes back through it
  if (int32_t rc = berth::sdk::SyncPipe::create(&sync, err)) return rc;
  berth::sdk::Child child;
  bool is_child = false;
  if (int32_t rc = berth::sdk::Child::spawn(0, &child, &is_child, err)) return rc;
  if (is_child) {
    sync.in_child();
    berth::sdk::reset_signals();
    berth_error e{};
    ::setsid();
    int errnum = berth::sdk::install_stdio(stdio->stdin_fd, stdio->stdout_fd, stdio->stderr_fd);
    if (errnum == 0 && (::chroot(spec->rootfs) != 0 || ::chdir(spec->cwd) != 0)) errnum = errno;
    static_assert(sizeof(gid_t) == sizeof(uint32_t));
    if (errnum == 0 && (::setgroups(spec->additional_gids_count,
                                    reinterpret_cast<const gid_t *>(spec->additional_gids)) != 0 ||
                        ::setgid(spec->gid) != 0 || ::setuid(spec->uid) != 0))
      errnum = errno;
    if (errnum == 0) {
      berth::sdk::close_from(3, sync.fd());
      environ = envp.data();  // execvpe looks up PATH here
      ::execvpe(argv[0], argv.data(), envp.data());
      errnum = errno;
      e.code = errnum == ENOENT ? BERTH_E_EXEC_NOT_FOUND : BERTH_E_EXEC_DENIED;
    } else {
      e.code = BERTH_E_SYSTEM;
    }
    e.sys_errno = errnum;
    std::snprintf(e.message, sizeof e.message, "start %s: %s", argv[0], std::strerror(errnum));
    sync.send_error(e);
    _exit(127);
  }
  sync.in_parent();
  berth_error child_error{};
  bool failed = false;
  if (int32_t rc = sync.receive_error(&child_error, &failed, err)) return rc;
  if (failed) {
    int status;
    child.wait(&status, nullptr);
    *err = child_error;
    return child_error.code;
  }
  uint64_t start_time = 0;
  if (int32_t rc = berth::sdk::process_start_time(child.pid(), &start_time, err)) return rc;
  berth::sdk::StateValues v{{"pid", std::to_string(child.pid())},
                            {"start_time", std::to_string(start_time)}};
  if (int32_t rc = berth::sdk::write_state_file(pid_file(c), v, err)) return rc;
  out->pid = child.release();  // wait() reaps it
  return BERTH_OK;
}

int32_t wait_exit(const berth_container *c, berth_exit_status *out, berth_error *err) {
  pid_t pid;
  uint64_t start_time;
  if (int32_t rc = read_pid(c, &pid, &start_time, err)) return rc;
  int status;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return berth::sdk::fail_errno(err, errno, "waitpid", std::to_string(pid));
  *out = berth::sdk::exit_status_from_wait(status);
  return BERTH_OK;
}

int32_t kill_container(const berth_container *c, int32_t sig, berth_error *err) {
  pid_t pid;
  uint64_t start_time;
  if (int32_t rc = read_pid(c, &pid, &start_time, err)) return rc;
  if (!berth::sdk::process_alive(pid, start_time))
    return fail(err, BERTH_E_INVALID, "container %s is not running", c->id);
  if (::kill(pid, sig) != 0) return berth::sdk::fail_errno(err, errno, "kill", std::to_string(pid));
  return BERTH_OK;
}

int32_t state(const berth_container *c, berth_container_state *out, berth_error *err) {
  pid_t pid;
  uint64_t start_time;
  if (int32_t rc = read_pid(c, &pid, &start_time, err)) return rc;
  bool alive = berth::sdk::process_alive(pid, start_time);
  out->state = alive ? BERTH_STATE_RUNNING : BERTH_STATE_STOPPED;
  out->pid = alive ? pid : 0;
  return BERTH_OK;
}

int32_t destroy(const berth_container *c, berth_error *err) {
  pid_t pid;
  uint64_t start_time;
  int32_t rc = read_pid(c, &pid, &start_time, err);
  if (rc == BERTH_E_NO_CONTAINER) return BERTH_OK;  // nothing was started: idempotent
  if (rc != BERTH_OK) return rc;
  if (berth::sdk::process_alive(pid, start_time)) ::kill(pid, SIGKILL);
  return BERTH_OK;  // the pid file stays for wait(); the core removes the state dir
}

const berth_driver kDriver = {BERTH_DRIVER_ABI_VERSION,
                              sizeof(berth_driver),
                              "example",
                              "1.0",
                              "an out-of-tree example: chroot + exec, no isolation",
                              BERTH_FEATURE_STDIN | BERTH_FEATURE_SEPARATE_STDERR |
                                  BERTH_FEATURE_CWD | BERTH_FEATURE_ENV |
                                  BERTH_FEATURE_NETWORK_HOST | BERTH_FEATURE_USER_SWITCH,
                              BERTH_NETWORK_HOST,
                              0,
                              probe,
                              start,
                              wait_exit,
                              kill_container,
                              nullptr,  // pids: not declared (no BERTH_FEATURE_PIDS_LISTING)
                              state,
                              destroy,
                              nullptr};  // exit_fd: optional (berth then forwards
                                         // signals from a thread while wait() blocks)

}  // namespace

extern "C" BERTH_DRIVER_EXPORT const berth_driver *berth_driver_entry(uint32_t core_abi,
                                                                      uint32_t *driver_abi) {
  *driver_abi = BERTH_DRIVER_ABI_VERSION;
  return core_abi >= BERTH_DRIVER_ABI_VERSION ? &kDriver : nullptr;
}
