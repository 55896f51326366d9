// Namespaces: which ones a container gets (pid, mount, uts, ipc, net unless
// network: host, cgroup where the kernel has it), checked by probe.
#pragma once

#include <berth/driver.h>

#include <string>

#include "plan.h"

namespace berth::native::namespaces {

// probe: every namespace the driver relies on exists on this kernel. Fills
// `found` with "pid mnt uts ipc net cgroup".
int32_t check_kernel(std::string *found, berth_error *err);

// Plan: the CLONE_NEW* flags for clone and whether a cgroup namespace follows.
void plan(bool host_network, Plan *plan);

// Child, after the parent placed it in its cgroup: a cgroup namespace rooted
// at the container's cgroup.
int32_t enter_cgroup_namespace(const Plan &plan, berth_error *err);

}  // namespace berth::native::namespaces
