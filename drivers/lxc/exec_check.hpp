// Finds the spec's executable inside the container's filesystem before LXC
// starts anything. LXC's init reports a failed exec only as exit status 255;
// berth promises 127 (not found) and 126 (not executable), so the driver
// resolves args[0] itself, exactly as execvp will inside: PATH from the
// spec's environment, symlinks resolved inside the rootfs (or inside a bind
// mount's source when the path lies under one).
#pragma once

#include <berth/driver.h>

namespace berth::lxc {

// BERTH_OK, BERTH_E_EXEC_NOT_FOUND or BERTH_E_EXEC_DENIED with a message
// naming the program.
int32_t check_executable(const berth_spec &spec, berth_error *err);

}  // namespace berth::lxc
