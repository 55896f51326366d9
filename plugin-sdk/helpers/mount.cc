#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/file.hpp>
#include <berth/sdk/in_root.hpp>
#include <berth/sdk/mount.hpp>

namespace berth::sdk {

int32_t mount_fs(const std::string &source, const std::string &target, const char *fstype,
                 unsigned long flags, const char *data, berth_error *err) {
  if (::mount(source.empty() ? nullptr : source.c_str(), target.c_str(), fstype, flags, data) != 0)
    return fail_errno(err, errno, "mount",
                      source + " -> " + target + (fstype ? std::string(", ") + fstype : ""));
  return BERTH_OK;
}

int32_t bind_mount(const std::string &source, const std::string &target, bool recursive,
                   berth_error *err) {
  unsigned long flags = MS_BIND | (recursive ? MS_REC : 0);
  if (::mount(source.c_str(), target.c_str(), nullptr, flags, nullptr) != 0)
    return fail_errno(err, errno, "bind mount", source + " -> " + target);
  return BERTH_OK;
}

int32_t remount_readonly(const std::string &target, berth_error *err) {
  struct statvfs st;
  if (::statvfs(target.c_str(), &st) != 0) return fail_errno(err, errno, "statvfs", target);
  unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
  if (st.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  if (::mount(nullptr, target.c_str(), nullptr, flags, nullptr) != 0)
    return fail_errno(err, errno, "remount read-only", target);
  return BERTH_OK;
}

int32_t set_propagation(const std::string &target, unsigned long type, berth_error *err) {
  if (::mount(nullptr, target.c_str(), nullptr, type, nullptr) != 0)
    return fail_errno(err, errno, "mount propagation", target);
  return BERTH_OK;
}

int32_t unmount_detach(const std::string &target, berth_error *err) {
  if (::umount2(target.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0 && errno != EINVAL &&
      errno != ENOENT)
    return fail_errno(err, errno, "umount", target);
  return BERTH_OK;
}

int32_t mount_id(const std::string &path, uint64_t *id, berth_error *err) {
  struct statx stx;
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) != 0)
    return fail_errno(err, errno, "statx", path);
  if (!(stx.stx_mask & STATX_MNT_ID))
    return fail(err, BERTH_E_UNAVAILABLE, "statx(%s): the kernel does not report mount ids",
                path.c_str());
  *id = stx.stx_mnt_id;
  return BERTH_OK;
}

int32_t unmount_if_id(const std::string &path, uint64_t id, berth_error *err) {
  // Opened without following any symlink, checked and unmounted through
  // that one descriptor: a container process that swaps a component of
  // the path for a symlink cannot point the unmount at a host mount.
  struct open_how how {};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  UniqueFd fd(static_cast<int>(::syscall(SYS_openat2, AT_FDCWD, path.c_str(), &how, sizeof how)));
  if (!fd) return BERTH_OK;  // gone, or a symlink now: not the mount we made
  struct statx stx;
  if (::statx(fd.get(), "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) != 0) return BERTH_OK;
  if (!(stx.stx_mask & STATX_MNT_ID) || stx.stx_mnt_id != id) return BERTH_OK;
  // The path must be the mount's root, not merely a file on that mount.
  if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
      !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
    return BERTH_OK;
  FdPath self(fd.get());
  if (::umount2(self.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    return fail_errno(err, errno, "umount", path);
  return BERTH_OK;
}

bool is_mount_point(const std::string &path) {
  struct statx stx;
  if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, 0, &stx) != 0) return false;
  return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
         (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

}  // namespace berth::sdk
