// The user the process runs as: uid, gid and exactly the spec's
// supplementary groups (none unless given; the monitor's own groups never
// leak in).
#pragma once

#include <berth/driver.h>

#include "plan.h"

namespace berth::native::user {

// Plan: uid/gid/groups from the spec (root when process.user is unset).
void plan(const berth_spec *spec, Plan *plan);

// Child: setgroups, setresgid, setresuid. Raw system calls: glibc's
// wrappers broadcast to every thread it believes exists, and the cloned
// child inherits the parent's (stale) thread list.
int32_t switch_user(const Plan &plan, berth_error *err);

}  // namespace berth::native::user
