// The CLI's verbs. Each returns the process exit status.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "loader/loader.h"
#include "state/store.h"

namespace berth::cli {

// Options that go before the subcommand, as docker's do.
struct Globals {
  std::string root = "/run/berth";
  std::vector<std::string> driver_paths;
  std::string log_level = "warn";
  // What followed a literal "--" on the command line (the container's
  // command), split off before parsing so no option parser sees it.
  std::optional<std::vector<std::string>> command_after_dashes;

  loader::Registry registry() const {
    return loader::Registry(loader::Registry::search_path(driver_paths));
  }
  state::Store store() const { return state::Store(root); }
};

// Each add_* registers a subcommand on `app`; the callback it installs
// stores the exit status in `*status`.
void add_run(CLI::App &app, Globals &globals, int *status);
void add_drivers(CLI::App &app, Globals &globals, int *status);
void add_spec(CLI::App &app, Globals &globals, int *status);
void add_container_verbs(CLI::App &app, Globals &globals, int *status);
void add_stop(CLI::App &app, Globals &globals, int *status);

// "berth: unknown execution driver 'x'; drivers found: ..." with each
// driver's usability, and the files that failed to load.
std::string describe_drivers_found(loader::Registry &registry);

// Signal by name ("KILL", "SIGTERM") or number; throws CLI::ValidationError.
int parse_signal(const std::string &text);

}  // namespace berth::cli
