// What libvirt-lxc leaves of a domain once it has stopped: in its state
// directory (/run/libvirt/lxc for lxc:///system) the empty NAME.dev,
// NAME.devpts and NAME.fuse directories its controller made, and the
// controller's NAME.sock, which nothing unlinks (libvirt 9.0 leaves them
// after `virsh create` + destroy too: 160 runs left 640 entries).
#pragma once

#include <berth/driver.h>

#include <string>

namespace berth::libvirt {

// Removes them for `domain` (one of berth's names: the caller never passes
// another), once libvirt says the domain is not running. Absent ones are
// fine; anything else is an error naming the path.
int32_t remove_leftovers(const std::string &libvirt_state_dir, const std::string &domain,
                         berth_error *err);

}  // namespace berth::libvirt
