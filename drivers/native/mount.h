// The root filesystem: the host's mounts made private in the container's
// mount namespace, the rootfs bind-mounted onto itself, pivot_root into it,
// the old root detached, and finally the rootfs made read-only when asked.
// Child-side only: everything happens inside the new mount namespace, so
// nothing is ever mounted on the host and nothing needs undoing there.
#pragma once

#include <berth/driver.h>

#include "plan.h"

namespace berth::native::rootfs {

// Makes every mount private (no propagation to or from the host), binds the
// rootfs onto itself and opens it; *root_fd (O_PATH) anchors every later
// mount (berth/sdk/in_root.hpp).
int32_t prepare(const Plan &plan, int *root_fd, berth_error *err);

// pivot_root into root_fd and detach the old root: from here on nothing of
// the host is reachable.
int32_t pivot(int root_fd, berth_error *err);

// After every other mount: the rootfs read-only (readonly_rootfs). The
// mounts on top of it (/proc, /dev, binds) keep their own flags.
int32_t finish(const Plan &plan, berth_error *err);

// mount_setattr(2) MOUNT_ATTR_RDONLY on the mount at `fd` (and the mounts
// below it with `recursive`).
int make_readonly(int fd, bool recursive);

}  // namespace berth::native::rootfs
