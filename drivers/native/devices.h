// The device allow-list on cgroup v2, where the kernel enforces it only
// through an eBPF program (BPF_CGROUP_DEVICE) attached to the cgroup: the
// same list as Docker's and as the v1 devices controller the SDK writes
// (mknod of anything; read/write only null, zero, full, random, urandom,
// tty, console, ptmx, the pty slaves and tun). Without it a container's
// CAP_MKNOD would open the host's disks.
#pragma once

#include <berth/driver.h>

#include <string>

namespace berth::native::devices {

// Loads the program and attaches it to the cgroup2 directory `dir`.
// Parent-side, after the cgroup is created; the attachment lives as long as
// the cgroup.
int32_t restrict_v2(const std::string &dir, berth_error *err);

}  // namespace berth::native::devices
