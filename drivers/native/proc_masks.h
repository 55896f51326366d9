// /proc and /sys, and Docker's masked and read-only paths in them. The
// mounts happen before pivot_root (anchored at the rootfs fd), the masks
// after it (on the container's own /proc and /sys).
#pragma once

#include <berth/driver.h>

namespace berth::native::proc_masks {

// /proc (nosuid,nodev,noexec; of the new pid namespace) and /sys
// (read-only; of the new net namespace when there is one).
int32_t mount_proc_sys(int root_fd, berth_error *err);

// Masked paths read empty (/dev/null over files, an empty read-only tmpfs
// over directories); read-only paths become read-only bind mounts. Paths
// this kernel lacks are skipped.
int32_t apply_masks(berth_error *err);

}  // namespace berth::native::proc_masks
