// The container's process: clone with every namespace in one step, the
// parent/child handshake, the child's setup checklist and the exec.
//
//   parent                               child (pid 1 in its namespaces)
//   ------                               -------------------------------
//   cgroup created, clone(CLONE_NEW*) -> stdio on 0-2, every other fd closed
//   move child into the cgroup           waits for "go"
//   state file written, "go"          -> checklist (process.cc), seccomp last
//                                        fork: init stays pid 1, the spec's
//                                        process execs
//   reads the sync socket:            <- a berth_error (step + errno), or EOF
//     EOF = exec'd                          when exec closed the socket
#pragma once

#include <berth/driver.h>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/process.hpp>

#include "plan.h"

namespace berth::native::process {

struct Started {
  sdk::Child child;           // the container's pid 1 (host pid)
  sdk::UniqueFd status_pipe;  // read end: init's ExitRecord (init.h)
};

// Clones the child, lets `join` place it (cgroup, state file) and, once it
// succeeded, releases the child and waits until the spec's process exec'd
// or the child reported why it could not. On failure the child is killed
// and reaped (the Started destructor) and `err` holds the child's own error
// (BERTH_E_EXEC_NOT_FOUND / _DENIED for exec).
// `join` runs in the parent after clone, before "go": `status_fd` is the
// read end of the status pipe (for the state file).
using JoinFn = int32_t (*)(void *ctx, pid_t pid, int status_fd, berth_error *err);
int32_t start(const Plan &plan, JoinFn join, void *join_ctx, Started *out, berth_error *err);

}  // namespace berth::native::process
