// Cgroups through the SDK (berth/sdk/cgroup.hpp: v1, v2 and hybrid behind
// one API): the container's cgroup with memory (no swap), cpu, pids limits
// and, on v1, Docker's device allow-list. Parent-side only: the parent
// creates it before clone and moves the child in before releasing it, so
// the container never runs a single instruction outside it.
#pragma once

#include <berth/driver.h>
#include <berth/sdk/cgroup.hpp>

namespace berth::native::cgroups {

// "berth/<id>" in every hierarchy, limits applied.
int32_t create(const berth_container *c, const berth_spec *spec, sdk::Cgroup *out,
               berth_error *err);

}  // namespace berth::native::cgroups
