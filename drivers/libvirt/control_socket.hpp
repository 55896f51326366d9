// The driver's end of the control channel to berth-libvirt-init: a
// SOCK_SEQPACKET unix socket in the container's state directory, which
// libvirt bind-mounts into the container (see berth_libvirt_init.c for the
// messages).
#pragma once

#include <berth/driver.h>
#include <sys/types.h>
#include <berth/sdk/fd.hpp>

#include <string>

namespace berth::libvirt {

using Fd = sdk::UniqueFd;

// Listens on DIR/NAME. Binds through /proc/self/fd/N/NAME so a state
// directory longer than sun_path (108 bytes) still works.
int32_t listen_control_socket(const std::string &dir, const std::string &name, Fd *out,
                              berth_error *err);

// Accepts the init's connection, waiting at most timeout_ms; *peer_pid is
// the init's pid as this process sees it (SO_PEERCRED).
int32_t accept_control(int listener, int timeout_ms, Fd *out, pid_t *peer_pid, berth_error *err);

int32_t send_message(int fd, const std::string &msg, berth_error *err);

// One message; *out empty on EOF. timeout_ms < 0 waits forever.
int32_t recv_message(int fd, int timeout_ms, std::string *out, berth_error *err);

}  // namespace berth::libvirt
