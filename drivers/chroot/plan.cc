// Spec -> Plan: every check and path resolution happens here, before start
// touches anything, so bad input leaves nothing behind.
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/in_root.hpp>

#include <cstddef>
#include <cstring>

#include "chroot.hpp"

namespace berth::chroot {

using sdk::fail;

namespace {

// What `path` (inside the container) is below `root_fd` now: nothing yet
// (ENOENT: start creates it), or an open that failed (a magic link such as
// /proc/self/fd/N, a component that is a file...). *st is filled when it
// exists. Returns 0 or the errno.
int stat_in_root(int root_fd, const std::string &path, struct stat *st) {
  sdk::UniqueFd fd(sdk::open_in_root(root_fd, path.c_str(), sdk::InRootCreate::none));
  if (fd.get() < 0) return -fd.release();
  return ::fstat(fd.get(), st) == 0 ? 0 : errno;
}

bool same_file(const struct stat &a, const struct stat &b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// The message for a path inside the rootfs that cannot be opened there.
int32_t fail_in_root(berth_error *err, const std::string &field, const std::string &path,
                     int errnum) {
  return fail(err, BERTH_E_INVALID,
              "%s '%s': cannot be opened inside the rootfs: %s (symlinks resolve inside the "
              "rootfs; /proc/self/fd/N and other magic links are refused)",
              field.c_str(), path.c_str(), std::strerror(errnum));
}

int32_t plan_bind(int rootfs_fd, const struct stat &root_st, const berth_mount &m, size_t index,
                  BindPlan *out, berth_error *err) {
  std::string field = "mounts[" + std::to_string(index) + "].destination";
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
  struct stat dst;
  int e = stat_in_root(rootfs_fd, m.destination, &dst);
  if (e == ENOENT) return BERTH_OK;  // created at start
  if (e != 0) return fail_in_root(err, field, m.destination, e);
  if (same_file(dst, root_st))
    return fail(err, BERTH_E_INVALID,
                "mounts[%zu].destination '%s' is the container's root: bind below it", index,
                m.destination);
  if (S_ISDIR(dst.st_mode) != out->directory)
    return fail(err, BERTH_E_INVALID,
                "mounts[%zu].destination '%s' is %s in the rootfs but the source %s is %s: bind "
                "a %s onto a %s",
                index, m.destination, S_ISDIR(dst.st_mode) ? "a directory" : "not a directory",
                m.source, out->directory ? "a directory" : "a file",
                out->directory ? "directory" : "file", out->directory ? "directory" : "file");
  return BERTH_OK;
}

}  // namespace

int32_t make_plan(const berth_container *c, const berth_spec *spec, Plan *out, berth_error *err) {
  if (c == nullptr || c->id == nullptr || c->state_dir == nullptr)
    return fail(err, BERTH_E_INVALID, "container id and state_dir are required");
  // A core older than the security flags sends a spec that ends before them.
  if (spec == nullptr || spec->struct_size < offsetof(berth_spec, security_flags))
    return fail(err, BERTH_E_INVALID, "spec struct_size %u is smaller than this driver's %zu",
                spec ? spec->struct_size : 0u, offsetof(berth_spec, security_flags));
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
  sdk::UniqueFd rootfs_fd(::open(real, O_PATH | O_DIRECTORY | O_CLOEXEC));
  struct stat root_st;
  if (!rootfs_fd || ::fstat(rootfs_fd.get(), &root_st) != 0)
    return fail(err, BERTH_E_INVALID, "rootfs %s: %s%s", p.rootfs.c_str(), std::strerror(errno),
                errno == ENOTDIR ? " (give a directory)" : "");
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

  // The cwd is only checked here; start creates it inside the root and the
  // child enters it by descriptor (never chdir to a string that could name
  // /proc/self/fd/N, a descriptor of berth's or the caller's).
  p.cwd = spec->cwd && spec->cwd[0] != '\0' ? spec->cwd : "/";
  if (p.cwd[0] != '/')
    return fail(err, BERTH_E_INVALID,
                "process.cwd '%s' must be an absolute path inside the container", p.cwd.c_str());
  struct stat cwd_st;
  if (int e = stat_in_root(rootfs_fd.get(), p.cwd, &cwd_st); e != 0 && e != ENOENT)
    return fail_in_root(err, "process.cwd", p.cwd, e);
  else if (e == 0 && !S_ISDIR(cwd_st.st_mode))
    return fail(err, BERTH_E_INVALID, "process.cwd '%s' is not a directory in the rootfs",
                p.cwd.c_str());

  p.uid = spec->uid;
  p.gid = spec->gid;
  for (uint32_t i = 0; i < spec->additional_gids_count; ++i)
    p.groups.push_back(spec->additional_gids[i]);
  p.tty = spec->tty != 0;
  p.readonly_rootfs = spec->readonly_rootfs != 0;

  // An older core sends no security flags: no_new_privs stays on.
  p.no_new_privs = !(BERTH_SPEC_HAS(spec, security_flags) &&
                     (spec->security_flags & BERTH_SECURITY_ALLOW_NEW_PRIVS));

  struct stat st;
  p.mount_proc = stat_in_root(rootfs_fd.get(), "/proc", &st) == 0 && S_ISDIR(st.st_mode);
  p.mount_dev = stat_in_root(rootfs_fd.get(), "/dev", &st) == 0 && S_ISDIR(st.st_mode);

  for (uint32_t i = 0; i < spec->mounts_count; ++i) {
    BindPlan b;
    if (int32_t rc = plan_bind(rootfs_fd.get(), root_st, spec->mounts[i], i, &b, err)) return rc;
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
