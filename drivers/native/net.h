// Network: `none` is a private network namespace (CLONE_NEWNET, see
// namespaces.cc) whose loopback is brought up here; `host` keeps the host's
// namespace and does nothing.
#pragma once

#include <berth/driver.h>

#include "plan.h"

namespace berth::native::net {

// Child: lo up in the new network namespace.
int32_t bring_up_loopback(const Plan &plan, berth_error *err);

}  // namespace berth::native::net
