// /dev: a small tmpfs with only the devices Docker gives a container (null,
// zero, full, random, urandom, tty), the /proc/self/fd links, a private
// devpts instance with its ptmx, /dev/shm and /dev/mqueue. Child-side,
// before pivot_root, anchored at the rootfs fd.
#pragma once

#include <berth/driver.h>

#include "plan.h"

namespace berth::native::dev {

int32_t mount_dev(const Plan &plan, int root_fd, berth_error *err);

}  // namespace berth::native::dev
