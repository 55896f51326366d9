// The monitor side of one libvirt container: start (domain, console, init
// handshake) and wait (exit report, console drained, controller gone), and
// the teardown that destroy shares. Lives in the process that called start.
#pragma once

#include <berth/driver.h>
#include <libvirt/libvirt.h>

#include <string>

namespace berth::libvirt {

// The libvirt connection and libvirt's LXC state directory: lxc:///system
// and /run/libvirt/lxc, unless $BERTH_LIBVIRT_URI / $BERTH_LIBVIRT_STATE_DIR
// name a private libvirtd (the test suite's). Recorded per container, so
// every later call uses what start used.
std::string default_uri();
std::string default_libvirt_state_dir();

struct Options {
  std::string uri = default_uri();
  std::string init_dir;  // directory holding berth-libvirt-init
};

// Default options plus spec->driver_options; BERTH_E_INVALID names an
// unknown key.
int32_t parse_options(const berth_spec *spec, Options *out, berth_error *err);

// The directory of berth-libvirt-init next to this driver's .so
// (lib/berth/drivers/libvirt.so -> lib/berth/libvirt-init).
std::string default_init_dir();

std::string domain_name(const berth_container *c);

// The hostname when the spec sets none.
std::string default_hostname(const berth_container *c);

int32_t monitor_start(const berth_container *c, const berth_spec *spec, const berth_stdio *stdio,
                      berth_start_result *out, berth_error *err);
int32_t monitor_wait(const berth_container *c, berth_exit_status *out, berth_error *err);

// When this process is the container's monitor: makes its wait() stop
// waiting for anything but what it already knows (used by kill() once the
// container's process is gone, so a signal to `berth run` always ends it).
// False when the container was not started by this process.
bool monitor_abort(const berth_container *c);

// A new reference to the domain when this process started the container
// (the caller frees it), else nullptr.
virDomainPtr monitor_domain(const berth_container *c);

// Drops this process's runtime objects of the container, if any (after the
// domain is destroyed): event callback, console, threads, connection.
void monitor_forget(const berth_container *c);

}  // namespace berth::libvirt
