// UTS: the container's hostname, in its own UTS namespace.
#pragma once

#include <berth/driver.h>

#include "plan.h"

namespace berth::native::uts {

// Plan: the spec's hostname, or the first 12 characters of the container id
// (as Docker does). BERTH_E_INVALID when longer than the kernel allows.
int32_t plan(const berth_container *c, const berth_spec *spec, Plan *plan, berth_error *err);

// Child: sethostname in the new UTS namespace.
int32_t set_hostname(const Plan &plan, berth_error *err);

}  // namespace berth::native::uts
