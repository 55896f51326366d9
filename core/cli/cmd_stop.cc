// berth stop: the stop signal, then KILL once the grace period is over, as
// docker stop. Works from any process: the signal goes through the driver,
// and the end is seen through the monitor (or the driver once it is gone),
// which records the exit code as usual.
#include <signal.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include "cli/commands.h"
#include "cli/target.h"

namespace berth::cli {
namespace {

using Clock = std::chrono::steady_clock;

// After KILL: how long the backend may take to tear the container down.
constexpr std::chrono::seconds kAfterKill{10};

bool running(const state::Store &store, const Target &t) {
  return t.record.damaged() || t.record.status == "running" || store.monitor_alive(t.record.id);
}

// Blocks until the container has stopped (true) or `limit` (none: no limit)
// has passed. The monitor's end says it; without a monitor the driver is
// asked, and a stopped container is recorded as exited (settle).
bool wait_stopped(const state::Store &store, Target &t, std::optional<Clock::duration> limit) {
  std::optional<Clock::time_point> deadline;
  if (limit) deadline = Clock::now() + *limit;
  auto left = [&]() -> std::optional<std::chrono::milliseconds> {
    if (!deadline) return std::nullopt;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
    return std::max(ms, std::chrono::milliseconds(0));
  };
  if (store.monitor_alive(t.record.id)) {
    if (store.wait_for_monitor(t.record.id, left()) == state::MonitorWait::timed_out) return false;
    try {
      t.record = store.load(t.record.id);
    } catch (const state::StoreError &) {
      return true;  // removed on exit (--rm)
    }
  }
  for (;;) {
    settle(store, t);
    if (!running(store, t)) return true;
    if (deadline && Clock::now() >= *deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void stop_container(const state::Store &store, Target &t, int signal,
                    std::optional<std::chrono::seconds> grace) {
  const std::string name = t.record.name.empty() ? t.record.id.substr(0, 12) : t.record.name;
  settle(store, t);
  if (!running(store, t)) return;  // stopped already: nothing to do, as docker
  if (t.driver == nullptr)
    throw std::runtime_error(fmt::format(
        "container {}: its record is damaged ({}) and does not name its driver; berth rm -f {} "
        "removes it",
        name, t.record.damage, name));
  const berth_container c = t.view();
  try {
    t.driver->kill(c, signal);
  } catch (const loader::DriverError &) {
    // Ended meanwhile, or the driver cannot signal it: the wait tells.
  }
  if (wait_stopped(store, t, grace)) return;
  try {
    t.driver->kill(c, SIGKILL);
  } catch (const loader::DriverError &e) {
    if (!running(store, t)) return;
    throw std::runtime_error(
        fmt::format("container {}: SIGKILL after the grace period failed: {}", name, e.what()));
  }
  if (!wait_stopped(store, t, kAfterKill))
    throw std::runtime_error(
        fmt::format("container {} still runs {} s after SIGKILL; berth rm -f {} destroys it", name,
                    kAfterKill.count(), name));
}

}  // namespace

void add_stop(CLI::App &app, Globals &globals, int *status) {
  auto ids = std::make_shared<std::vector<std::string>>();
  auto seconds = std::make_shared<int>(10);
  auto sig = std::make_shared<std::string>("TERM");
  CLI::App *cmd = app.add_subcommand(
      "stop", "Stop containers: the stop signal, then KILL after the grace period");
  cmd->add_option("CONTAINER", *ids, "Ids, id prefixes or names")->required();
  cmd->add_option("-t,--time", *seconds, "Seconds to wait before KILL (-1: wait for ever)")
      ->default_str("10")
      ->check(CLI::Range(-1, 24 * 3600));
  cmd->add_option("-s,--signal", *sig, "The stop signal (name or number)")->default_str("TERM");
  cmd->callback([&globals, ids, seconds, sig, status] {
    int signo = 0;
    try {
      signo = parse_signal(*sig);
    } catch (const std::exception &e) {
      fmt::print(stderr, "berth stop: --signal: {}\n", e.what());
      *status = 125;
      return;
    }
    std::optional<std::chrono::seconds> grace;
    if (*seconds >= 0) grace = std::chrono::seconds(*seconds);
    loader::Registry registry = globals.registry();
    state::Store store = globals.store();
    *status = 0;
    for (const auto &key : *ids) {
      try {
        Target t = find_target(registry, store, key);
        stop_container(store, t, signo, grace);
        fmt::print("{}\n", key);
      } catch (const std::exception &e) {
        fmt::print(stderr, "berth stop: {}\n", e.what());
        *status = 1;
      }
    }
  });
}

}  // namespace berth::cli
