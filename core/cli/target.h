// A container as the verbs that act on it see it: its record, its driver,
// and the truth about it when the record cannot tell (a damaged record, a
// monitor that is gone): then the driver is asked.
#pragma once

#include <berth/driver.h>

#include <string>
#include <vector>

#include "loader/loader.h"
#include "state/store.h"

namespace berth::cli {

struct Target {
  state::Record record;
  std::string state_dir;
  // The record's driver; nullptr when a damaged record does not name one.
  const loader::Driver *driver = nullptr;

  // The driver's handle on the container (points into this Target).
  berth_container view() const;
  // The drivers that may hold what the container holds: its own, or every
  // usable one when its record does not say (each finds only what it
  // made, by the container's id).
  std::vector<const loader::Driver *> drivers(loader::Registry &registry) const;
};

// The container `key` names (id, id prefix or name), its driver loaded.
// Throws when the record names a driver that is not found.
Target find_target(loader::Registry &registry, const state::Store &store, const std::string &key);

// The status to show: created, running, "running (monitor gone)",
// "exited (N)", "exited (status lost)" or unknown (a damaged record).
std::string shown_status(const state::Store &store, const state::Record &r);

// A record that says running while its monitor is gone: asks the driver
// (its state, then its exit status where the backend keeps one) and, once
// the container has stopped, records it as exited. True when it changed
// t.record (saved). Driver errors leave the record as it is.
bool settle(const state::Store &store, Target &t);

// For `berth wait` once the monitor has finished or died: a record that
// still says running is followed through the driver until the container
// stops, then settled. Throws when the driver cannot tell or the record is
// damaged.
void wait_with_driver(const state::Store &store, Target &t);

// berth rm [-f] of one container (remove.cc): kills it (with `force`),
// waits a bounded time for its monitor, destroys through the driver (by id
// and state directory: that works on a damaged record) and removes the
// record. Throws with what stopped it.
void remove_container(const state::Store &store, loader::Registry &registry, Target &t, bool force);

}  // namespace berth::cli
