#include "cli/target.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "cli/commands.h"
#include "runtime/monitor.h"

namespace berth::cli {

berth_container Target::view() const {
  berth_container c{};
  c.struct_size = sizeof(c);
  c.id = record.id.c_str();
  c.state_dir = state_dir.c_str();
  return c;
}

std::vector<const loader::Driver *> Target::drivers(loader::Registry &registry) const {
  if (driver != nullptr) return {driver};
  std::vector<const loader::Driver *> out;
  registry.load_all();
  for (const auto &d : registry.drivers())
    if (d->probe().usable) out.push_back(d.get());
  return out;
}

Target find_target(loader::Registry &registry, const state::Store &store, const std::string &key) {
  Target t;
  t.record = store.resolve(key);
  t.state_dir = store.driver_state_dir(t.record.id);
  if (t.record.driver.empty() && t.record.damaged()) return t;
  t.driver = registry.find(t.record.driver);
  if (t.driver == nullptr)
    throw std::runtime_error(
        fmt::format("container {} runs on driver '{}', which is not found.\n{}", t.record.name,
                    t.record.driver, describe_drivers_found(registry)));
  return t;
}

std::string shown_status(const state::Store &store, const state::Record &r) {
  if (r.damaged()) return "unknown";
  if (r.status == "running" && !store.monitor_alive(r.id)) return "running (monitor gone)";
  if (r.status == "exited")
    return r.exit_code ? fmt::format("exited ({})", *r.exit_code) : "exited (status lost)";
  return r.status;
}

bool settle(const state::Store &store, Target &t) {
  state::Record &r = t.record;
  if (r.damaged() || r.status != "running" || t.driver == nullptr || store.monitor_alive(r.id))
    return false;
  const berth_container c = t.view();
  try {
    if (t.driver->state(c).state != BERTH_STATE_STOPPED) return false;
  } catch (const loader::DriverError &) {
    return false;  // the driver cannot tell: the record stays as it is
  }
  try {
    berth_exit_status exit = t.driver->wait(c);
    r.exit_code = runtime::exit_code_of(exit);
    if (exit.signal != 0) r.signal = exit.signal;
    r.oom_killed = (exit.flags & BERTH_EXIT_OOM_KILLED) != 0;
  } catch (const loader::DriverError &) {
    // The backend keeps no exit status for anyone but the monitor.
  }
  r.status = "exited";
  r.finished_at = state::Store::now_rfc3339();
  try {
    store.save(r);
  } catch (const state::StoreError &) {
    // Removed meanwhile: nothing left to record it in.
  }
  return true;
}

void wait_with_driver(const state::Store &store, Target &t) {
  const state::Record &r = t.record;
  const std::string short_id = r.id.substr(0, 12);
  if (r.damaged())
    throw std::runtime_error(fmt::format(
        "container {}: its record is damaged ({}), so its exit status cannot be read; berth rm "
        "-f {} removes it",
        short_id, r.damage, short_id));
  if (r.status == "created" && !store.monitor_alive(r.id))
    throw std::runtime_error(
        fmt::format("container {} never started: its monitor ended first", r.name));
  if (r.status != "running") return;
  if (t.driver == nullptr)
    throw std::runtime_error(
        fmt::format("container {}: driver '{}' is not found", r.name, r.driver));
  for (;;) {
    berth_container_state st{};
    try {
      st = t.driver->state(t.view());
    } catch (const loader::DriverError &e) {
      throw std::runtime_error(fmt::format(
          "container {}: its monitor is gone and the {} driver cannot tell whether it still "
          "runs: {}",
          r.name, r.driver, e.what()));
    }
    if (st.state == BERTH_STATE_STOPPED && settle(store, t)) return;
    if (store.monitor_alive(r.id))  // /proc/locks could not name the holder
      throw std::runtime_error(
          fmt::format("container {}: its lock is held by a process berth cannot identify", r.name));
    // Nothing to block on from here (the exit belongs to the process
    // that started it): the driver is asked again.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace berth::cli
