// The mounts that make a chroot usable, all in the host's mount namespace
// (the driver creates none): the rootfs bound onto itself and made private
// so nothing below it propagates to the host, a proc, a tmpfs /dev with the
// few safe device nodes bound in, the spec's binds, and read-only remounts.
// Every path inside the root is opened there (sdk::open_in_root) and
// mounted onto by descriptor, so a symlink in the rootfs cannot send a
// mount or a mkdir to the host. Every mount is recorded with its mount id
// and undone in reverse order.
#include <fcntl.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/file.hpp>
#include <berth/sdk/in_root.hpp>

#include "chroot.hpp"

namespace berth::chroot {

namespace {

using sdk::FdPath;
using sdk::InRootCreate;
using sdk::UniqueFd;

// Device nodes a process expects; bound from the host, never created (the
// driver does not mknod).
const char *const kDevices[] = {"null", "zero", "full", "random", "urandom", "tty"};

// `path` inside the root, or the error naming `what`, the path and errno,
// with what the two errors peculiar to in-root resolution mean.
int32_t open_inside(int root_fd, const std::string &what, const std::string &path,
                    InRootCreate create, UniqueFd *out, berth_error *err) {
  int fd = sdk::open_in_root(root_fd, path.c_str(), create);
  if (fd >= 0) {
    out->reset(fd);
    return BERTH_OK;
  }
  const char *hint = "";
  if (fd == -ELOOP)
    hint = " (magic links such as /proc/self/fd/N are refused)";
  else if (fd == -ENOENT && create != InRootCreate::none)
    hint =
        " (a symlink on the way leads nowhere inside the rootfs: symlinks resolve inside it "
        "and dangling ones are not followed)";
  if (*hint == '\0') return sdk::fail_errno(err, -fd, "open inside the rootfs", what + " " + path);
  return sdk::fail(err, BERTH_E_INVALID, "%s %s: cannot be opened inside the rootfs: %s%s",
                   what.c_str(), path.c_str(), std::strerror(-fd), hint);
}

bool is_directory(int fd) {
  struct stat st;
  return ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

// The mount now on top at `mounted_fd` (opened after mounting), recorded by
// its id and its host path (for the undo in another process).
int32_t RootfsMounts::add(int mounted_fd, const OnMount &on_mount, berth_error *err) {
  FdPath at(mounted_fd);
  MountRecord r;
  char target[PATH_MAX];
  ssize_t n = ::readlink(at.c_str(), target, sizeof target - 1);
  struct statx stx;
  int e = 0;
  if (n < 0)
    e = errno;
  else if (::statx(mounted_fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) != 0)
    e = errno;
  else if (!(stx.stx_mask & STATX_MNT_ID))
    e = ENOSYS;
  if (e != 0) {
    // Mounted but unidentifiable: undo right away rather than leak it.
    ::umount2(at.c_str(), MNT_DETACH);
    return sdk::fail_errno(err, e, "identify mount", at.c_str());
  }
  target[n] = '\0';
  r.target = target;
  r.id = stx.stx_mnt_id;
  records_.push_back(r);
  return on_mount ? on_mount(records_, err) : BERTH_OK;
}

// A tmpfs /dev with the safe nodes bound from the host. Everything is made
// by descriptor in the fresh tmpfs (empty: nothing of the rootfs in it).
int32_t RootfsMounts::mount_dev(const Plan &plan, const OnMount &on_mount, berth_error *err) {
  UniqueFd under, dev;
  if (int32_t rc = open_inside(root_fd(), "mount point", "/dev", InRootCreate::none, &under, err))
    return rc;
  if (!is_directory(under.get())) return BERTH_OK;  // replaced since the plan: leave it
  if (sdk::mount_fs("tmpfs", FdPath(under.get()).c_str(), "tmpfs", MS_NOSUID | MS_NOEXEC,
                    "mode=755,size=65536k", err))
    return sdk::wrap(err, "/dev");
  if (int32_t rc = open_inside(root_fd(), "mounted", "/dev", InRootCreate::none, &dev, err))
    return rc;
  if (int32_t rc = add(dev.get(), on_mount, err)) return rc;

  for (const char *name : kDevices) {
    std::string host = std::string("/dev/") + name;
    if (!sdk::path_exists(host)) continue;  // e.g. no /dev/tty in a detached host
    int made =
        ::openat(dev.get(), name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (made < 0) return sdk::fail_errno(err, errno, "create", "/dev/" + std::string(name));
    ::close(made);
    UniqueFd node(::openat(dev.get(), name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!node) return sdk::fail_errno(err, errno, "open", "/dev/" + std::string(name));
    if (sdk::bind_mount(host, FdPath(node.get()).c_str(), false, err))
      return sdk::wrap(err, "/dev/" + std::string(name));
    UniqueFd mounted(::openat(dev.get(), name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!mounted) return sdk::fail_errno(err, errno, "open", "/dev/" + std::string(name));
    if (int32_t rc = add(mounted.get(), on_mount, err)) return rc;
  }
  const std::pair<const char *, const char *> links[] = {{"fd", "/proc/self/fd"},
                                                         {"stdin", "/proc/self/fd/0"},
                                                         {"stdout", "/proc/self/fd/1"},
                                                         {"stderr", "/proc/self/fd/2"}};
  for (const auto &[name, to] : links)
    if (::symlinkat(to, dev.get(), name) != 0 && errno != EEXIST)
      return sdk::fail_errno(err, errno, "symlink", "/dev/" + std::string(name));
  for (const char *dir : {"pts", "shm"})
    if (::mkdirat(dev.get(), dir, dir[0] == 's' ? 01777 : 0755) != 0 && errno != EEXIST)
      return sdk::fail_errno(err, errno, "mkdir", "/dev/" + std::string(dir));
  // With a tty the core hands the slave of a host pty: the host's devpts
  // must be visible for its name (ttyname, `tty`) to resolve. There is no
  // namespace to give the container a devpts of its own.
  if (plan.tty && sdk::path_exists("/dev/pts/ptmx")) {
    UniqueFd pts(::openat(dev.get(), "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!pts) return sdk::fail_errno(err, errno, "open", "/dev/pts");
    if (sdk::bind_mount("/dev/pts", FdPath(pts.get()).c_str(), false, err))
      return sdk::wrap(err, "/dev/pts");
    UniqueFd mounted(::openat(dev.get(), "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!mounted) return sdk::fail_errno(err, errno, "open", "/dev/pts");
    if (int32_t rc = add(mounted.get(), on_mount, err)) return rc;
    if (::symlinkat("pts/ptmx", dev.get(), "ptmx") != 0 && errno != EEXIST)
      return sdk::fail_errno(err, errno, "symlink", "/dev/ptmx");
  }
  return BERTH_OK;
}

int32_t RootfsMounts::setup(const Plan &plan, const OnMount &on_mount, berth_error *err) {
  const std::string &root = plan.root;

  // 1. The rootfs bound onto this container's own mount point, private (no
  //    mount below it propagates anywhere) and unbindable (a recursive bind
  //    of a parent elsewhere does not copy it). From here on the root is
  //    only used through root_fd_.
  if (int32_t rc = sdk::make_directories(kMountBase, 0700, err)) return rc;
  if (::mkdir(root.c_str(), 0700) != 0)
    return sdk::fail_errno(err, errno, "mkdir", root);  // EEXIST: a leftover of this id
  root_dir_ = root;
  if (int32_t rc = sdk::bind_mount(plan.rootfs, root, true, err)) return rc;
  root_fd_.reset(::open(root.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root_fd_) {
    int e = errno;
    ::umount2(root.c_str(), MNT_DETACH);
    return sdk::fail_errno(err, e, "open", root);
  }
  if (int32_t rc = add(root_fd_.get(), on_mount, err)) return rc;
  FdPath root_path(root_fd_.get());
  if (int32_t rc = sdk::set_propagation(root_path.c_str(), MS_PRIVATE | MS_REC, err)) return rc;
  if (int32_t rc = sdk::set_propagation(root_path.c_str(), MS_UNBINDABLE, err)) return rc;

  // 2. /proc (host pids: there is no pid namespace).
  if (plan.mount_proc) {
    UniqueFd under, proc;
    if (int32_t rc =
            open_inside(root_fd(), "mount point", "/proc", InRootCreate::none, &under, err))
      return rc;
    if (is_directory(under.get())) {
      if (sdk::mount_fs("proc", FdPath(under.get()).c_str(), "proc",
                        MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr, err))
        return sdk::wrap(err, "/proc");
      if (int32_t rc = open_inside(root_fd(), "mounted", "/proc", InRootCreate::none, &proc, err))
        return rc;
      if (int32_t rc = add(proc.get(), on_mount, err)) return rc;
    }
  }

  // 3. /dev: a small tmpfs with the safe nodes bound from the host.
  if (plan.mount_dev) {
    if (int32_t rc = mount_dev(plan, on_mount, err)) return rc;
  }

  // 4. The spec's bind mounts, each destination made and opened inside the
  //    root and mounted onto by descriptor: a symlink in the rootfs resolves
  //    inside it, and cannot be swapped in between.
  for (size_t i = 0; i < plan.binds.size(); ++i) {
    const BindPlan &b = plan.binds[i];
    std::string what = "mounts[" + std::to_string(i) + "].destination";
    UniqueFd target, mounted;
    if (int32_t rc =
            open_inside(root_fd(), what, b.destination,
                        b.directory ? InRootCreate::directory : InRootCreate::file, &target, err))
      return rc;
    struct stat st, root_st;
    if (::fstat(target.get(), &st) != 0 || ::fstat(root_fd(), &root_st) != 0)
      return sdk::fail_errno(err, errno, "fstat", what + " " + b.destination);
    if (st.st_dev == root_st.st_dev && st.st_ino == root_st.st_ino)
      return sdk::fail(err, BERTH_E_INVALID, "%s '%s' is the container's root: bind below it",
                       what.c_str(), b.destination.c_str());
    if (S_ISDIR(st.st_mode) != b.directory)
      return sdk::fail(err, BERTH_E_INVALID, "%s '%s' is %s in the rootfs but the source is %s",
                       what.c_str(), b.destination.c_str(),
                       S_ISDIR(st.st_mode) ? "a directory" : "not a directory",
                       b.directory ? "a directory" : "a file");
    if (sdk::bind_mount(b.source, FdPath(target.get()).c_str(), true, err) != BERTH_OK)
      return sdk::wrap(err, what + " " + b.destination);
    if (int32_t rc = open_inside(root_fd(), what, b.destination, InRootCreate::none, &mounted, err))
      return rc;
    if (int32_t rc = add(mounted.get(), on_mount, err)) return rc;
    if (b.readonly) {
      if (sdk::remount_readonly(FdPath(mounted.get()).c_str(), err) != BERTH_OK)
        return sdk::wrap(err, what + " " + b.destination);
    }
  }

  // 5. The cwd, created (as Docker does) in the assembled tree, before a
  //    read-only remount. The child opens it again, inside the root.
  {
    UniqueFd cwd;
    if (int32_t rc =
            open_inside(root_fd(), "process.cwd", plan.cwd, InRootCreate::directory, &cwd, err))
      return rc;
    if (!is_directory(cwd.get()))
      return sdk::fail(err, BERTH_E_INVALID, "process.cwd '%s' is not a directory in the rootfs",
                       plan.cwd.c_str());
  }

  // 6. Last, once nothing more needs creating in it.
  if (plan.readonly_rootfs) {
    if (sdk::remount_readonly(root_path.c_str(), err) != BERTH_OK)
      return sdk::wrap(err, "readonly_rootfs");
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
