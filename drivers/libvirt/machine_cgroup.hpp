// Lists the processes of a libvirt-lxc container from its machine cgroup,
// found through the container init's /proc/PID/cgroup and the host's
// cgroup mounts (cgroup v1, v2 or hybrid: detected, never assumed).
#pragma once

#include <berth/driver.h>
#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace berth::libvirt {

int32_t machine_cgroup_pids(pid_t init_pid, std::vector<int64_t> *out, berth_error *err);

// Start time of a process (field 22 of /proc/PID/stat), 0 when it is gone;
// guards pid reuse between processes of berth.
uint64_t process_start_time(pid_t pid);

// True when the memory cgroup libvirt made for the container's init
// recorded an OOM kill (memory.oom_control on v1, memory.events on v2),
// read from the host: the container no longer sees its cgroups.
bool machine_cgroup_oom_killed(pid_t init_pid);

}  // namespace berth::libvirt
