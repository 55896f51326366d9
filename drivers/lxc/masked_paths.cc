#include "masked_paths.hpp"

#include <sys/stat.h>

#include <berth/sdk/docker_paths.h>

#include <cstring>

namespace berth::lxc {

bool host_has_path(const char *path, bool *dir) {
  struct stat st {};
  if (::lstat(path, &st) != 0) return false;
  *dir = S_ISDIR(st.st_mode);
  return true;
}

void masked_path_items(const std::string &rootfs_mount, bool (*exists)(const char *, bool *),
                       std::vector<ConfigItem> *out) {
  for (const char *path : berth_masked_paths) {
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
  for (const char *path : berth_readonly_paths) {
    // /proc/sys and /proc/sysrq-trigger are read-only through proc:mixed.
    if (std::strcmp(path, "/proc/sys") == 0 || std::strcmp(path, "/proc/sysrq-trigger") == 0)
      continue;
    bool dir = false;
    if (!exists(path, &dir)) continue;
    std::string relative = path + 1;
    out->push_back({"lxc.mount.entry", fstab_escape(rootfs_mount + path) + " " + relative +
                                           " none bind,ro,nosuid,nodev,noexec,optional 0 0"});
  }
}

}  // namespace berth::lxc
