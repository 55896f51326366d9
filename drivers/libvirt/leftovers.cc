#include "leftovers.hpp"

#include <unistd.h>
#include <berth/sdk/error.hpp>

#include <cerrno>

namespace berth::libvirt {

int32_t remove_leftovers(const std::string &libvirt_state_dir, const std::string &domain,
                         berth_error *err) {
  const std::string base = libvirt_state_dir + "/" + domain;
  for (const char *suffix : {".dev", ".devpts", ".fuse"}) {
    const std::string dir = base + suffix;
    // Still busy or filled means libvirt (or another domain of this name)
    // holds it: left for libvirt, never a reason for rm -f to fail for ever.
    if (rmdir(dir.c_str()) < 0 && errno != ENOENT && errno != EBUSY && errno != ENOTEMPTY)
      return sdk::fail_errno(err, errno, "rmdir", dir);
  }
  const std::string sock = base + ".sock";
  if (unlink(sock.c_str()) < 0 && errno != ENOENT)
    return sdk::fail_errno(err, errno, "unlink", sock);
  return BERTH_OK;
}

}  // namespace berth::libvirt
