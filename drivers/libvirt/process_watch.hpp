// Watching the libvirt_lxc controller of a domain, a process that is not our
// child. Its pidfd becomes readable when it has exited, so the driver learns
// that a container has ended from the kernel, not from libvirtd's events
// (which libvirt 9.0 can fail to send, see monitor.cc). Waiting on it is
// sdk::wait_readable (berth/sdk/pidfd.hpp).
#pragma once

#include "control_socket.hpp"

#include <berth/driver.h>
#include <sys/types.h>

#include <string>

namespace berth::libvirt {

// A pidfd for `pid`, checked to be the libvirt_lxc controller of domain
// `name` (its command line carries "--name NAME"), so that a pid reused
// after a quick exit is never taken for it. BERTH_E_NO_CONTAINER when the
// controller has already exited.
int32_t open_controller(pid_t pid, const std::string &name, Fd *out, berth_error *err);

// The first child of `pid` (the controller's child is the container's
// init, init's is the spec's process); 0 when it has none.
pid_t first_child(pid_t pid);

// The parent of `pid` (field 4 of /proc/PID/stat); 0 when it is gone.
pid_t parent_of(pid_t pid);

}  // namespace berth::libvirt
