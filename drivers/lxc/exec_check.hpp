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

// The kernel's limits on what one execve carries, checked before anything
// is started: each string at most MAX_ARG_STRLEN (32 pages) with its NUL,
// and all of them with their pointers at most a quarter of the stack limit
// (sysconf(_SC_ARG_MAX)). The process's arguments and environment travel
// together as the arguments of LXC's init and of berth-lxc-init
// (`overhead` bytes and `overhead_count` strings of theirs on top).
// BERTH_E_INVALID names the field, the size and the limit: without it the
// exec fails inside the container and LXC only says "exited 255".
int32_t check_exec_size(const berth_spec &spec, size_t overhead, size_t overhead_count,
                        berth_error *err);

}  // namespace berth::lxc
