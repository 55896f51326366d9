// The container's process: clone with every namespace in one step, the
// parent/child handshake, the child's setup checklist and the exec.
//
//   parent                               child (pid 1 in its namespaces)
//   ------                               -------------------------------
//   cgroup created (limits set)
//   clone3(CLONE_NEW*, born in the    -> enters its v1 cgroups itself, then
//     cgroup2 directory)                 stdio on 0-2, every other fd closed
//   (in parallel:)                       mounts, pivot_root, masks, hostname,
//   state file written, seccomp          lo, cwd (setup_namespaces)
//   program loaded; "go" = it            waits for "go"
//                                     -> cgroup ns, capabilities, user,
//                                        seccomp last (setup_privileges)
//                                        clone: init stays pid 1, the spec's
//                                        process execs
//   reads the sync socket:            <- a berth_error (step + errno), or EOF
//     EOF = exec'd                          when exec closed the socket
#pragma once

#include <berth/driver.h>
#include <berth/sdk/cgroup.hpp>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/process.hpp>

#include <linux/filter.h>

#include <vector>

#include "plan.h"

namespace berth::native::process {

struct Started {
  sdk::Child child;           // the container's pid 1 (host pid)
  sdk::UniqueFd status_pipe;  // read end: init's ExitRecord (init.h)
};

// Clones the child into `cgroup` (already created, limits set: the child
// enters it through `entry` before anything else, without the kernel's
// migration lock, see CgroupEntry), lets `join` record it and, once it
// succeeded, releases the child and waits until the spec's process exec'd
// or the child reported why it could not. On failure the child is killed
// and reaped (the Started destructor) and `err` holds the child's own error
// (BERTH_E_EXEC_NOT_FOUND / _DENIED for exec).
// `join` runs in the parent after clone while the child mounts its root
// filesystem: it records the child (state file; `status_fd` is the read
// end of the status pipe) and produces the seccomp `program` that then
// goes to the child as its "go".
using JoinFn = int32_t (*)(void *ctx, pid_t pid, int status_fd, std::vector<sock_filter> *program,
                           berth_error *err);
int32_t start(const Plan &plan, sdk::Cgroup &cgroup, JoinFn join, void *join_ctx, Started *out,
              berth_error *err);

}  // namespace berth::native::process
