// The default seccomp profile (the SDK's, <berth/sdk/seccomp_profile.hpp>):
// compiled in the parent (once per capability set, cached in
// /run/berth-native/seccomp: see <berth/sdk/seccomp_cache.hpp>) into a BPF
// program, which the parent sends the child with its "go"; the child only
// loads it (no allocation after clone).
#pragma once

#include <berth/driver.h>

#include <linux/filter.h>

#include <vector>

#include "plan.h"

namespace berth::native::seccomp {

// Parent: compiles the profile for plan.capabilities (a capability the spec
// adds re-allows the system calls it guards, as in Docker's profile), or
// reads the program compiled for the same capabilities before from the
// cache.
int32_t compile(const Plan &plan, std::vector<sock_filter> *program, berth_error *err);

// Child: the filter, after no_new_privs when `no_new_privs`. Without it,
// loading a filter needs CAP_SYS_ADMIN, so the child then installs it
// before dropping capabilities (as runc does); with it, as the last step.
int32_t install(const sock_filter *program, size_t count, bool no_new_privs, berth_error *err);

// The libseccomp version for probe's info line, e.g. "2.5.4".
const char *library_version(char *buf, size_t size);

}  // namespace berth::native::seccomp
