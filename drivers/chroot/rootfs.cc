// The mounts that make a chroot usable, all in the host's mount namespace
// (the driver creates none): the rootfs bound onto itself and made private
// so nothing below it propagates to the host, a proc, a tmpfs /dev with the
// few safe device nodes bound in, the spec's binds, and read-only remounts.
// Every mount is recorded with its mount id and undone in reverse order.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/file.hpp>

#include "chroot.hpp"

namespace berth::chroot {

namespace {

// Device nodes a process expects; bound from the host, never created (the
// driver does not mknod).
const char *const kDevices[] = {"null", "zero", "full", "random", "urandom", "tty"};

int32_t make_file(const std::string &path, berth_error *err) {
  if (sdk::path_exists(path)) return BERTH_OK;
  return sdk::create_file(path, "", 0644, err);
}

int32_t make_target(const BindPlan &b, berth_error *err) {
  if (b.directory) return sdk::make_directories(b.target, 0755, err);
  std::string parent = b.target.substr(0, b.target.rfind('/'));
  if (int32_t rc = sdk::make_directories(parent, 0755, err)) return rc;
  return make_file(b.target, err);
}

}  // namespace

int32_t RootfsMounts::add(const std::string &target, const OnMount &on_mount, berth_error *err) {
  MountRecord r;
  r.target = target;
  if (int32_t rc = sdk::mount_id(target, &r.id, err)) {
    // Mounted but unidentifiable: undo right away rather than leak it.
    sdk::unmount_detach(target, nullptr);
    return rc;
  }
  records_.push_back(r);
  return on_mount ? on_mount(records_, err) : BERTH_OK;
}

int32_t RootfsMounts::setup(const Plan &plan, const OnMount &on_mount, berth_error *err) {
  const std::string &root = plan.root;

  // 1. The rootfs bound onto this container's own mount point, private (no
  //    mount below it propagates anywhere) and unbindable (a recursive bind
  //    of a parent elsewhere does not copy it).
  if (int32_t rc = sdk::make_directories(kMountBase, 0700, err)) return rc;
  if (::mkdir(root.c_str(), 0700) != 0)
    return sdk::fail_errno(err, errno, "mkdir", root);  // EEXIST: a leftover of this id
  root_dir_ = root;
  if (int32_t rc = sdk::bind_mount(plan.rootfs, root, true, err)) return rc;
  if (int32_t rc = add(root, on_mount, err)) return rc;
  if (int32_t rc = sdk::set_propagation(root, MS_PRIVATE | MS_REC, err)) return rc;
  if (int32_t rc = sdk::set_propagation(root, MS_UNBINDABLE, err)) return rc;

  // 2. Directories and files that must exist before a read-only remount.
  if (sdk::make_directories(plan.cwd_host, 0755, err) != BERTH_OK)
    return sdk::wrap(err, "process.cwd " + plan.cwd);

  // 3. /proc (host pids: there is no pid namespace).
  if (plan.mount_proc) {
    std::string proc = root + "/proc";
    if (int32_t rc =
            sdk::mount_fs("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, err))
      return rc;
    if (int32_t rc = add(proc, on_mount, err)) return rc;
  }

  // 4. /dev: a small tmpfs with the safe nodes bound from the host.
  if (plan.mount_dev) {
    std::string dev = root + "/dev";
    if (int32_t rc = sdk::mount_fs("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC,
                                   "mode=755,size=65536k", err))
      return rc;
    if (int32_t rc = add(dev, on_mount, err)) return rc;
    for (const char *name : kDevices) {
      std::string host = std::string("/dev/") + name;
      if (!sdk::path_exists(host)) continue;  // e.g. no /dev/tty in a detached host
      std::string node = dev + "/" + name;
      if (int32_t rc = make_file(node, err)) return rc;
      if (int32_t rc = sdk::bind_mount(host, node, false, err)) return rc;
      if (int32_t rc = add(node, on_mount, err)) return rc;
    }
    const std::pair<const char *, const char *> links[] = {{"fd", "/proc/self/fd"},
                                                           {"stdin", "/proc/self/fd/0"},
                                                           {"stdout", "/proc/self/fd/1"},
                                                           {"stderr", "/proc/self/fd/2"}};
    for (const auto &[name, to] : links) {
      std::string link = dev + "/" + name;
      if (::symlink(to, link.c_str()) != 0 && errno != EEXIST)
        return sdk::fail_errno(err, errno, "symlink", link);
    }
    for (const char *dir : {"pts", "shm"}) {
      std::string d = dev + "/" + dir;
      if (::mkdir(d.c_str(), dir[0] == 's' ? 01777 : 0755) != 0 && errno != EEXIST)
        return sdk::fail_errno(err, errno, "mkdir", d);
    }
    // With a tty the core hands the slave of a host pty: the host's devpts
    // must be visible for its name (ttyname, `tty`) to resolve. There is no
    // namespace to give the container a devpts of its own.
    if (plan.tty && sdk::path_exists("/dev/pts/ptmx")) {
      std::string pts = dev + "/pts";
      if (int32_t rc = sdk::bind_mount("/dev/pts", pts, false, err)) return rc;
      if (int32_t rc = add(pts, on_mount, err)) return rc;
      std::string ptmx = dev + "/ptmx";
      if (::symlink("pts/ptmx", ptmx.c_str()) != 0 && errno != EEXIST)
        return sdk::fail_errno(err, errno, "symlink", ptmx);
    }
  }

  // 5. The spec's bind mounts.
  for (const BindPlan &b : plan.binds) {
    if (make_target(b, err) != BERTH_OK)
      return sdk::wrap(err, "mount destination " + b.destination);
    if (int32_t rc = sdk::bind_mount(b.source, b.target, true, err)) return rc;
    if (int32_t rc = add(b.target, on_mount, err)) return rc;
    if (b.readonly) {
      if (int32_t rc = sdk::remount_readonly(b.target, err)) return rc;
    }
  }

  // 6. Last, once nothing more needs creating in it.
  if (plan.readonly_rootfs) {
    if (sdk::remount_readonly(root, err) != BERTH_OK) return sdk::wrap(err, "readonly_rootfs");
  }
  return BERTH_OK;
}

int32_t RootfsMounts::undo(berth_error *err) {
  int32_t first = BERTH_OK;
  berth_error local{};
  for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
    int32_t rc = sdk::unmount_if_id(it->target, it->id, &local);
    if (rc != BERTH_OK && first == BERTH_OK) {
      first = rc;
      if (err != nullptr) *err = local;
    }
  }
  records_.clear();
  if (!root_dir_.empty()) {
    if (::rmdir(root_dir_.c_str()) != 0 && errno != ENOENT && first == BERTH_OK) {
      first = sdk::fail_errno(&local, errno, "rmdir", root_dir_);
      if (err != nullptr) *err = local;
    }
    root_dir_.clear();
  }
  return first;
}

}  // namespace berth::chroot
