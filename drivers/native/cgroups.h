// Cgroups through the SDK (berth/sdk/cgroup.hpp: v1, v2 and hybrid behind
// one API): the container's cgroup with memory (no swap), cpu, pids limits
// and Docker's device allow-list (the v1 devices controller, or on v2 an
// eBPF program: devices.h). Parent-side only: the parent creates it right
// after clone and moves the child in before its "go", so neither init nor
// the spec's process runs a single instruction of container code outside it.
#pragma once

#include <berth/driver.h>
#include <berth/sdk/cgroup.hpp>

namespace berth::native::cgroups {

// "berth/<id>" in every hierarchy, limits and the device allow-list applied.
int32_t create(const berth_container *c, const berth_spec *spec, sdk::Cgroup *out,
               berth_error *err);

}  // namespace berth::native::cgroups
