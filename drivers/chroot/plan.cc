// Spec -> Plan: every check and path resolution happens here, before start
// touches anything, so bad input leaves nothing behind.
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <berth/sdk/error.hpp>

#include "chroot.hpp"

namespace berth::chroot {

using sdk::fail;

namespace {

bool is_directory(const std::string &path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

int32_t plan_bind(const Plan &plan, const berth_mount &m, size_t index, BindPlan *out,
                  berth_error *err) {
  if (m.source == nullptr || m.source[0] != '/')
    return fail(err, BERTH_E_INVALID, "mounts[%zu].source '%s' must be an absolute host path",
                index, m.source ? m.source : "");
  if (m.destination == nullptr || m.destination[0] != '/')
    return fail(err, BERTH_E_INVALID,
                "mounts[%zu].destination '%s' must be an absolute path inside the container", index,
                m.destination ? m.destination : "");
  struct stat st;
  if (::stat(m.source, &st) != 0)
    return fail(err, BERTH_E_INVALID, "mounts[%zu].source %s: %s (create it first)", index,
                m.source, std::strerror(errno));
  out->source = m.source;
  out->destination = m.destination;
  out->readonly = (m.flags & BERTH_MOUNT_READONLY) != 0;
  out->directory = S_ISDIR(st.st_mode);
  if (sdk::resolve_in_root(plan.rootfs, m.destination, &out->target, err) != BERTH_OK)
    return sdk::wrap(err, "mounts[" + std::to_string(index) + "].destination");
  if (out->target == plan.rootfs)
    return fail(err, BERTH_E_INVALID,
                "mounts[%zu].destination '%s' is the container's root: bind below it", index,
                m.destination);
  out->target = plan.root + out->target.substr(plan.rootfs.size());
  return BERTH_OK;
}

}  // namespace

int32_t make_plan(const berth_container *c, const berth_spec *spec, Plan *out, berth_error *err) {
  if (c == nullptr || c->id == nullptr || c->state_dir == nullptr)
    return fail(err, BERTH_E_INVALID, "container id and state_dir are required");
  if (spec == nullptr || spec->struct_size < sizeof(berth_spec))
    return fail(err, BERTH_E_INVALID, "spec struct_size %u is smaller than this driver's %zu",
                spec ? spec->struct_size : 0u, sizeof(berth_spec));
  Plan p;
  p.id = c->id;
  bool id_ok = !p.id.empty() && p.id.size() <= 64;
  for (char ch : p.id) id_ok = id_ok && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'));
  if (!id_ok)
    return fail(err, BERTH_E_INVALID, "container id '%s' must be 1-64 of [a-z0-9]", c->id);

  // What a chroot cannot do, refused by name.
  if (spec->hostname != nullptr)
    return fail(err, BERTH_E_UNSUPPORTED,
                "hostname '%s': the chroot driver has no UTS namespace, so it cannot set a "
                "hostname (drop hostname or use the native driver)",
                spec->hostname);
  if (spec->network == BERTH_NETWORK_NONE)
    return fail(err, BERTH_E_UNSUPPORTED,
                "network: none needs a network namespace; the chroot driver only shares the "
                "host's network (use network: host or the native driver)");
  if (spec->cap_add_count > 0 || spec->cap_drop_count > 0)
    return fail(err, BERTH_E_UNSUPPORTED,
                "capabilities.add/drop: the chroot driver does not change capabilities (the "
                "process runs with the capabilities of its user)");
  if (spec->driver_options_count > 0)
    return fail(err, BERTH_E_INVALID,
                "driver option '%s': the chroot driver takes no driver options",
                spec->driver_options[0].key ? spec->driver_options[0].key : "");

  if (spec->rootfs == nullptr || spec->rootfs[0] != '/')
    return fail(err, BERTH_E_INVALID, "rootfs '%s' must be an absolute directory path",
                spec->rootfs ? spec->rootfs : "");
  char real[PATH_MAX];
  if (::realpath(spec->rootfs, real) == nullptr)
    return fail(err, BERTH_E_INVALID, "rootfs %s: %s", spec->rootfs, std::strerror(errno));
  p.rootfs = real;
  if (p.rootfs == "/")
    return fail(err, BERTH_E_INVALID,
                "rootfs must not be the host's / (chroot into it is no container)");
  if (!is_directory(p.rootfs))
    return fail(err, BERTH_E_INVALID, "rootfs %s is not a directory", p.rootfs.c_str());
  p.root = std::string(kMountBase) + "/" + p.id;

  if (spec->args_count < 1 || spec->args == nullptr || spec->args[0] == nullptr ||
      spec->args[0][0] == '\0')
    return fail(err, BERTH_E_INVALID, "process.args is empty: give the command to run");
  for (uint32_t i = 0; i < spec->args_count; ++i)
    p.args.emplace_back(spec->args[i] ? spec->args[i] : "");
  for (uint32_t i = 0; i < spec->env_count; ++i) {
    const char *e = spec->env[i];
    if (e == nullptr || std::strchr(e, '=') == nullptr || e[0] == '=')
      return fail(err, BERTH_E_INVALID, "process.env[%u] '%s' is not KEY=VALUE", i, e ? e : "");
    p.env.emplace_back(e);
  }

  p.cwd = spec->cwd ? spec->cwd : "/";
  if (sdk::resolve_in_root(p.rootfs, p.cwd, &p.cwd_host, err) != BERTH_OK)
    return sdk::wrap(err, "process.cwd");
  p.cwd_host = p.root + p.cwd_host.substr(p.rootfs.size());

  p.uid = spec->uid;
  p.gid = spec->gid;
  for (uint32_t i = 0; i < spec->additional_gids_count; ++i)
    p.groups.push_back(spec->additional_gids[i]);
  p.tty = spec->tty != 0;
  p.readonly_rootfs = spec->readonly_rootfs != 0;

  std::string proc, dev;
  if (sdk::resolve_in_root(p.rootfs, "/proc", &proc, err) == BERTH_OK && proc == p.rootfs + "/proc")
    p.mount_proc = is_directory(proc);
  if (sdk::resolve_in_root(p.rootfs, "/dev", &dev, err) == BERTH_OK && dev == p.rootfs + "/dev")
    p.mount_dev = is_directory(dev);

  for (uint32_t i = 0; i < spec->mounts_count; ++i) {
    BindPlan b;
    if (int32_t rc = plan_bind(p, spec->mounts[i], i, &b, err)) return rc;
    p.binds.push_back(std::move(b));
  }

  p.limits.memory_bytes = spec->memory_bytes;
  p.limits.cpu_shares = spec->cpu_shares;
  p.limits.pids = spec->pids_limit;
  *err = berth_error{};
  *out = std::move(p);
  return BERTH_OK;
}

}  // namespace berth::chroot
