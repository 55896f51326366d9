#include "plan.h"

#include <sys/stat.h>
#include <berth/sdk/error.hpp>

#include <cstring>

#include "caps.h"
#include "namespaces.h"
#include "user.h"
#include "uts.h"

namespace berth::native {

namespace {

constexpr const char *kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

int32_t plan_rootfs(const berth_spec *spec, Plan *plan, berth_error *err) {
  if (spec->rootfs == nullptr || spec->rootfs[0] != '/')
    return sdk::fail(err, BERTH_E_INVALID, "rootfs: \"%s\" is not an absolute path",
                     spec->rootfs ? spec->rootfs : "");
  struct stat st;
  if (::stat(spec->rootfs, &st) != 0)
    return sdk::fail(err, BERTH_E_INVALID, "rootfs: %s: %s", spec->rootfs, std::strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return sdk::fail(err, BERTH_E_INVALID, "rootfs: %s is not a directory", spec->rootfs);
  plan->rootfs = spec->rootfs;
  plan->readonly_rootfs = spec->readonly_rootfs != 0;
  for (uint32_t i = 0; i < spec->mounts_count; ++i) {
    const berth_mount &m = spec->mounts[i];
    if (m.source == nullptr || m.source[0] != '/')
      return sdk::fail(err, BERTH_E_INVALID, "mounts[%u].source: \"%s\" must be an absolute path",
                       i, m.source ? m.source : "");
    if (m.destination == nullptr || m.destination[0] != '/')
      return sdk::fail(err, BERTH_E_INVALID,
                       "mounts[%u].destination: \"%s\" must be an absolute path", i,
                       m.destination ? m.destination : "");
    if (::stat(m.source, &st) != 0)
      return sdk::fail(err, BERTH_E_INVALID,
                       "mounts[%u].source: %s: %s; create it on the host or fix the path", i,
                       m.source, std::strerror(errno));
    plan->mounts.push_back({m.source, m.destination, (m.flags & BERTH_MOUNT_READONLY) != 0});
  }
  return BERTH_OK;
}

int32_t plan_process(const berth_spec *spec, const berth_stdio *stdio, Plan *plan,
                     berth_error *err) {
  if (spec->args_count == 0 || spec->args == nullptr || spec->args[0] == nullptr ||
      spec->args[0][0] == '\0')
    return sdk::fail(err, BERTH_E_INVALID, "process.args: empty; give the command to run");
  plan->argv.assign(spec->args, spec->args + spec->args_count);
  plan->argv.push_back(nullptr);
  plan->envp.assign(spec->env, spec->env + spec->env_count);
  plan->envp.push_back(nullptr);
  plan->path_search = kDefaultPath;
  for (uint32_t i = 0; i < spec->env_count; ++i)
    if (std::strncmp(spec->env[i], "PATH=", 5) == 0) plan->path_search = spec->env[i] + 5;
  plan->cwd = spec->cwd != nullptr && spec->cwd[0] != '\0' ? spec->cwd : "/";
  if (plan->cwd[0] != '/')
    return sdk::fail(err, BERTH_E_INVALID, "process.cwd: \"%s\" must be an absolute path",
                     plan->cwd.c_str());
  plan->tty = spec->tty != 0;
  plan->stdin_fd = stdio->stdin_fd;
  plan->stdout_fd = stdio->stdout_fd;
  plan->stderr_fd = stdio->stderr_fd;
  plan->no_new_privs = !(BERTH_SPEC_HAS(spec, security_flags) &&
                         (spec->security_flags & BERTH_SECURITY_ALLOW_NEW_PRIVS));
  user::plan(spec, plan);
  return BERTH_OK;
}

}  // namespace

int32_t build_plan(const berth_container *c, const berth_spec *spec, const berth_stdio *stdio,
                   Plan *plan, berth_error *err) {
  if (spec->driver_options_count > 0)
    return sdk::fail(err, BERTH_E_INVALID,
                     "driver_options: the native driver takes no options (got \"%s\"); remove it",
                     spec->driver_options[0].key ? spec->driver_options[0].key : "");
  namespaces::plan(spec->network == BERTH_NETWORK_HOST, plan);
  if (int32_t rc = plan_rootfs(spec, plan, err)) return rc;
  if (int32_t rc = plan_process(spec, stdio, plan, err)) return rc;
  if (int32_t rc = uts::plan(c, spec, plan, err)) return rc;
  // The seccomp program is compiled by the parent after clone (driver.cc),
  // while the child sets up its mounts.
  return caps::plan(spec, plan, err);
}

}  // namespace berth::native
