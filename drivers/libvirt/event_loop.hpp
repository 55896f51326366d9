// libvirt's default event loop, run on a thread of ours while at least one
// container of this process needs lifecycle events.
//
// libvirt's event implementation is process-wide by design (one
// virEventRegisterDefaultImpl per process, before any connection that wants
// events), so this is the one piece of shared state in the driver: a
// reference-counted loop thread, started by the first user and joined by the
// last, so that no thread of ours outlives the containers (and the core may
// unload the driver afterwards).
#pragma once

#include <berth/driver.h>

namespace berth::libvirt {

// Registers libvirt's default event implementation (once per process).
// Must precede virConnectOpen of any connection that registers callbacks.
int32_t ensure_event_impl(berth_error *err);

// While an EventLoopUser lives, a thread runs virEventRunDefaultImpl.
class EventLoopUser {
 public:
  EventLoopUser();
  ~EventLoopUser();
  EventLoopUser(const EventLoopUser &) = delete;
  EventLoopUser &operator=(const EventLoopUser &) = delete;
};

}  // namespace berth::libvirt
