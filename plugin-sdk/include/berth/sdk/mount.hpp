// Mounts for drivers: bind mounts, an honest read-only remount, propagation,
// detaching unmounts and a RAII guard. Paths inside a container's root are
// opened with in_root.hpp.
#pragma once

#include <berth/driver.h>

#include <string>

namespace berth::sdk {

// mount(2) with the error "mount(SOURCE -> TARGET, TYPE): errno text".
int32_t mount_fs(const std::string &source, const std::string &target, const char *fstype,
                 unsigned long flags, const char *data, berth_error *err);

// Bind `source` onto `target` (recursively with `recursive`).
int32_t bind_mount(const std::string &source, const std::string &target, bool recursive,
                   berth_error *err);

// Remounts the bind mount at `target` read-only. The kernel refuses
// (EPERM) to drop a locked nosuid/nodev/noexec/atime flag in a remount, so
// the flags the mount already has (statvfs) are carried over.
int32_t remount_readonly(const std::string &target, berth_error *err);

// Propagation of the mount at `target`: MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE
// (optionally | MS_REC). Keeps mounts made in the host namespace from
// spreading into peers.
int32_t set_propagation(const std::string &target, unsigned long type, berth_error *err);

// umount2(target, MNT_DETACH). Not mounted / missing is success, so undo is
// idempotent.
int32_t unmount_detach(const std::string &target, berth_error *err);

// The id of the mount `path` lies on (statx STATX_MNT_ID, not following a
// final symlink). Recorded after mounting, it lets an undo in another
// process unmount only what it mounted, never what was stacked there later
// or was there before.
int32_t mount_id(const std::string &path, uint64_t *id, berth_error *err);

// Unmounts (MNT_DETACH) `path` only while the mount on it still has id
// `id`. Nothing there, or another mount: success without touching it.
int32_t unmount_if_id(const std::string &path, uint64_t id, berth_error *err);

// True when `path` is the root of a mount (statx STATX_ATTR_MOUNT_ROOT).
bool is_mount_point(const std::string &path);

// Unmounts (MNT_DETACH) its target on destruction unless release()d.
class Mount {
 public:
  Mount() = default;
  explicit Mount(std::string target) : target_(std::move(target)) {}
  ~Mount() { reset(); }
  Mount(Mount &&o) noexcept : target_(o.release()) {}
  Mount &operator=(Mount &&o) noexcept {
    if (this != &o) {
      reset();
      target_ = o.release();
    }
    return *this;
  }
  Mount(const Mount &) = delete;
  Mount &operator=(const Mount &) = delete;

  const std::string &target() const { return target_; }
  std::string release() {
    std::string t = std::move(target_);
    target_.clear();
    return t;
  }
  void reset() {
    if (!target_.empty()) {
      berth_error ignored{};
      unmount_detach(target_, &ignored);
      target_.clear();
    }
  }

 private:
  std::string target_;
};

}  // namespace berth::sdk
