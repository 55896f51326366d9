#include "init_image.hpp"

#include <berth/sdk/error.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <string>

// The program's bytes (BERTH_LXC_INIT_BINARY, built by drivers/lxc/CMakeLists.txt).
__asm__(
    ".pushsection .rodata\n"
    ".balign 16\n"
    ".hidden berth_lxc_init_image\n"
    ".globl berth_lxc_init_image\n"
    "berth_lxc_init_image:\n"
    ".incbin \"" BERTH_LXC_INIT_BINARY
    "\"\n"
    ".hidden berth_lxc_init_image_end\n"
    ".globl berth_lxc_init_image_end\n"
    "berth_lxc_init_image_end:\n"
    ".popsection\n");
extern "C" const char berth_lxc_init_image[];
extern "C" const char berth_lxc_init_image_end[];

namespace berth::lxc {
namespace {

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U  // Linux 6.3: executable even under vm.memfd_noexec=1
#endif

int32_t sealed_memfd(const char *name, const char *data, size_t size, bool exec, sdk::UniqueFd *out,
                     berth_error *err) {
  unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
  sdk::UniqueFd fd(::memfd_create(name, flags | (exec ? MFD_EXEC : 0)));
  if (!fd && exec && errno == EINVAL) fd.reset(::memfd_create(name, flags));  // before 6.3
  if (!fd) return sdk::fail_errno(err, errno, "memfd_create", name);
  while (size > 0) {
    ssize_t n = ::write(fd.get(), data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return sdk::fail_errno(err, n < 0 ? errno : EIO, "write", name);
    data += n;
    size -= static_cast<size_t>(n);
  }
  if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
    return sdk::fail_errno(err, errno, "fcntl(F_ADD_SEALS)", name);
  *out = std::move(fd);
  return BERTH_OK;
}

}  // namespace

int32_t init_memfd(sdk::UniqueFd *out, berth_error *err) {
  return sealed_memfd("berth-lxc-init", berth_lxc_init_image,
                      static_cast<size_t>(berth_lxc_init_image_end - berth_lxc_init_image), true,
                      out, err);
}

int32_t text_memfd(const char *name, const std::string &text, sdk::UniqueFd *out,
                   berth_error *err) {
  return sealed_memfd(name, text.data(), text.size(), false, out, err);
}

}  // namespace berth::lxc
