// Capabilities: Docker's default set, adjusted by the spec's
// capabilities.add/drop, kept in the bounding, permitted and effective sets;
// every other capability dropped from all five sets (inheritable and
// ambient end empty).
#pragma once

#include <berth/driver.h>

#include <cstdint>

#include "plan.h"

namespace berth::native::caps {

// Docker's default capability set as a mask (0x00000000a80425fb).
uint64_t default_set();

// Plan: default_set() minus drop plus add ("ALL" allowed in either, as
// Docker: add wins over drop): sdk::plan_capabilities. BERTH_E_INVALID
// names the field and the unknown value.
int32_t plan(const berth_spec *spec, Plan *plan, berth_error *err);

// Child, while still fully privileged: drop everything else from the
// bounding set, and keep the permitted set across the switch to a non-root
// uid (PR_SET_KEEPCAPS).
int32_t drop_bounding(const Plan &plan, berth_error *err);

// Child, after the user switch: permitted = effective = the planned set,
// inheritable and ambient empty.
int32_t apply(const Plan &plan, berth_error *err);

// The init (pid 1) needs no capability at all: all sets emptied.
int32_t drop_all(berth_error *err);

}  // namespace berth::native::caps
