// berth rm: a container and everything it holds. With -f nothing stops it
// for long: a damaged record, a dead monitor or a damaged driver record
// leave the container's id and state directory, and every driver's destroy
// works from those alone (plugin-sdk/README.md, "Driver rules").
#include <signal.h>

#include <fmt/format.h>

#include <chrono>
#include <string>

#include "cli/target.h"

namespace berth::cli {
namespace {

// How long each wait for a monitor to finish lasts: after the container is
// killed, and again after it is destroyed.
constexpr std::chrono::milliseconds kMonitorWait{5'000};

// destroy on each driver; every failure is reported, the record kept.
void destroy_with(const std::vector<const loader::Driver *> &drivers, const berth_container &c) {
  std::string failures;
  for (const loader::Driver *d : drivers) {
    try {
      d->destroy(c);
    } catch (const loader::DriverError &e) {
      failures += fmt::format("{}{} driver: {}", failures.empty() ? "" : "; ", d->name(), e.what());
    }
  }
  if (!failures.empty())
    throw std::runtime_error(
        fmt::format("container {}: destroy failed ({}); its record is kept, berth rm -f retries",
                    c.id, failures));
}

}  // namespace

void remove_container(const state::Store &store, loader::Registry &registry, Target &t,
                      bool force) {
  state::Record &r = t.record;
  const std::string name = r.name.empty() ? r.id.substr(0, 12) : r.name;
  settle(store, t);
  pid_t monitor = store.monitor_pid(r.id);
  bool running = r.damaged() || r.status == "running" || monitor != 0;
  if (running && !force) {
    if (r.damaged())
      throw std::runtime_error(fmt::format(
          "container {}: its record is damaged ({}); berth rm -f {} removes it and everything "
          "it holds",
          name, r.damage, name));
    throw std::runtime_error(fmt::format(
        "container {} is running; stop it (berth kill {}) or use berth rm -f", name, name));
  }
  std::vector<const loader::Driver *> drivers = t.drivers(registry);
  if (drivers.empty())
    throw std::runtime_error(fmt::format(
        "container {}: its record does not name its driver and no driver is usable here to "
        "release what it holds",
        name));
  const berth_container c = t.view();
  if (running && monitor != 0) {
    // The monitor ends on its own once the container does (it destroys
    // and records the exit); one whose driver cannot find the container
    // (a damaged driver record) ends once destroy has ended it by its id.
    bool killed = false;
    for (const loader::Driver *d : drivers) {
      try {
        d->kill(c, SIGKILL);
        killed = true;
      } catch (const loader::DriverError &) {
        // Gone already, or the driver cannot read its record: destroy below.
      }
    }
    state::MonitorWait ended =
        killed ? store.wait_for_monitor(r.id, kMonitorWait) : state::MonitorWait::timed_out;
    if (ended == state::MonitorWait::timed_out) {
      destroy_with(drivers, c);
      ended = store.wait_for_monitor(r.id, kMonitorWait);
    }
    if (ended == state::MonitorWait::timed_out) {
      pid_t holder = store.monitor_pid(r.id);
      throw std::runtime_error(fmt::format(
          "container {}: its monitor ({}) still holds {} {} s after the container was killed "
          "and destroyed; it looks stuck: end it (kill {}) and run berth rm -f {} again",
          name, holder > 0 ? fmt::format("pid {}", holder) : "a process /proc/locks does not name",
          store.monitor_lock(r.id), 2 * kMonitorWait.count() / 1000,
          holder > 0 ? std::to_string(holder) : "<pid>", name));
    }
  } else if (running) {
    // No monitor (it died): the container may run on, or not; the
    // driver's destroy ends whatever is left.
    for (const loader::Driver *d : drivers) {
      try {
        d->kill(c, SIGKILL);
      } catch (const loader::DriverError &) {
      }
    }
  }
  destroy_with(drivers, c);
  // A record that does not name its driver was destroyed on the usable
  // drivers only: while another cannot be asked, it may still hold the
  // container, so the record stays for a retry.
  if (t.driver == nullptr) {
    std::string unasked;
    for (const auto &d : registry.drivers()) {
      loader::Driver::Probe p = d->probe();
      if (!p.usable)
        unasked += fmt::format("{}{} ({})", unasked.empty() ? "" : ", ", d->name(), p.reason);
    }
    if (!unasked.empty())
      throw std::runtime_error(fmt::format(
          "container {}: its record does not name its driver and these drivers cannot be asked "
          "to release it now: {}; its record is kept: make them usable (berth drivers) and run "
          "berth rm -f {} again",
          name, unasked, name));
  }
  store.remove(r.id);
}

}  // namespace berth::cli
