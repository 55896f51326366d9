// Watching processes that are not our children: the libvirt_lxc controller
// of a domain and the container's init. A pidfd becomes readable when its
// process has exited, whoever its parent is, so the driver learns that a
// container has ended from the kernel, not from libvirtd's events (which
// libvirt 9.0 can fail to send, see monitor.cc).
#pragma once

#include "control_socket.hpp"

#include <berth/driver.h>
#include <sys/types.h>

#include <initializer_list>
#include <string>

namespace berth::libvirt {

// A pidfd for `pid`, checked to be the libvirt_lxc controller of domain
// `name` (its command line carries "--name NAME"), so that a pid reused
// after a quick exit is never taken for it. BERTH_E_NO_CONTAINER when the
// controller has already exited.
int32_t open_controller(pid_t pid, const std::string &name, Fd *out, berth_error *err);

// True when the process of `pidfd` has exited.
bool process_exited(int pidfd);

// Waits until one of `fds` is readable (or hung up) or `timeout_ms` passed
// (-1: no limit). Returns the index of the first ready fd, -1 on timeout.
// Entries < 0 are skipped.
int wait_readable(std::initializer_list<int> fds, int timeout_ms);

}  // namespace berth::libvirt
