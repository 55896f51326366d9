#include "masked_paths.hpp"

#include <sys/stat.h>

namespace berth::lxc {
namespace {

// Docker's defaults (moby oci/defaults.go), as drivers/native/proc_masks.cc.
constexpr const char *kMaskedPaths[] = {
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
};
// /proc/sys and /proc/sysrq-trigger are read-only through proc:mixed.
constexpr const char *kReadonlyPaths[] = {"/proc/bus", "/proc/fs", "/proc/irq"};

}  // namespace

bool host_has_path(const char *path, bool *dir) {
  struct stat st {};
  if (::lstat(path, &st) != 0) return false;
  *dir = S_ISDIR(st.st_mode);
  return true;
}

void masked_path_items(const std::string &rootfs_mount, bool (*exists)(const char *, bool *),
                       std::vector<ConfigItem> *out) {
  for (const char *path : kMaskedPaths) {
    bool dir = false;
    if (!exists(path, &dir)) continue;
    std::string relative = path + 1;
    // optional: a path LXC's procfs or sysfs lacks after all is no failure.
    if (dir)
      out->push_back(
          {"lxc.mount.entry", "tmpfs " + relative + " tmpfs ro,nosuid,nodev,noexec,optional 0 0"});
    else
      out->push_back({"lxc.mount.entry", "/dev/null " + relative + " none bind,optional 0 0"});
  }
  for (const char *path : kReadonlyPaths) {
    bool dir = false;
    if (!exists(path, &dir)) continue;
    std::string relative = path + 1;
    out->push_back({"lxc.mount.entry", fstab_escape(rootfs_mount + path) + " " + relative +
                                           " none bind,ro,nosuid,nodev,noexec,optional 0 0"});
  }
}

}  // namespace berth::lxc
