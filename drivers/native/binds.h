// Bind mounts from the spec: host source onto a destination resolved inside
// the rootfs (never through a symlink onto the host), read-only when asked.
// Child-side, before pivot_root (the sources are host paths).
#pragma once

#include <berth/driver.h>

#include "plan.h"

namespace berth::native::binds {

int32_t mount_binds(const Plan &plan, int root_fd, berth_error *err);

}  // namespace berth::native::binds
