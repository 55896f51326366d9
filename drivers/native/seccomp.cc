#include "seccomp.h"

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <berth/sdk/seccomp_profile.hpp>

#include <cstdlib>
#include <cstring>

#include "child_error.h"

namespace berth::native::seccomp {

namespace {

constexpr const char *kCacheDir = "/run/berth-native/seccomp";

// $BERTH_NATIVE_SECCOMP_CACHE when set (a private directory for tests;
// "off" compiles every time), else kCacheDir. nullptr when off.
const char *cache_directory() {
  const char *dir = std::getenv("BERTH_NATIVE_SECCOMP_CACHE");
  if (dir == nullptr || *dir == '\0') return kCacheDir;
  return std::strcmp(dir, "off") == 0 ? nullptr : dir;
}

}  // namespace

int32_t compile(const Plan &plan, std::vector<sock_filter> *out, berth_error *err) {
  return sdk::seccomp::default_program(plan.capabilities, cache_directory(), out, err);
}

int32_t install(const sock_filter *program, size_t count, bool no_new_privs, berth_error *err) {
  if (no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return child_fail(err, errno, "prctl", "PR_SET_NO_NEW_PRIVS");
  struct sock_fprog prog {};
  prog.len = static_cast<unsigned short>(count);
  prog.filter = const_cast<sock_filter *>(program);
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
    return child_fail(err, errno, "seccomp", "SECCOMP_SET_MODE_FILTER");
  return BERTH_OK;
}

const char *library_version(char *buf, size_t size) {
  return sdk::seccomp::library_version(buf, size);
}

}  // namespace berth::native::seccomp
