// berth-lxc-init (init/berth_lxc_init.c), linked into the driver as bytes
// and handed to each container as a sealed memfd: LXC's init execs it as
// /proc/self/fd/N, so nothing is bind-mounted or written into the rootfs
// and no file outside the driver has to be found at run time. Sealed
// (no write, grow, shrink or further seals): the container's pid 1 keeps
// the descriptor, and a process that reopens it through /proc/1/fd cannot
// change the program.
#pragma once

#include <berth/driver.h>
#include <berth/sdk/fd.hpp>

#include <string>

namespace berth::lxc {

// A close-on-exec memfd holding the program, sealed. The monitor clears
// close-on-exec on it before LXC runs (LXC's init must inherit it).
int32_t init_memfd(sdk::UniqueFd *out, berth_error *err);

// A close-on-exec, sealed memfd holding `text` (LXC reads its seccomp
// profile from /proc/self/fd/N of one, in the monitor).
int32_t text_memfd(const char *name, const std::string &text, sdk::UniqueFd *out, berth_error *err);

}  // namespace berth::lxc
