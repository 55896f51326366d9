// berth drivers: every driver found, what it honours and whether it can run here.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"

namespace berth::cli {
namespace {

const char *network_name(uint32_t network) {
  switch (network) {
    case BERTH_NETWORK_NONE:
      return "none";
    case BERTH_NETWORK_HOST:
      return "host";
    default:
      return "unset";
  }
}

int list_drivers(const Globals &globals, const std::string &format) {
  loader::Registry registry = globals.registry();
  registry.load_all();
  if (format == "json") {
    nlohmann::json out{{"drivers", nlohmann::json::array()}, {"errors", nlohmann::json::array()}};
    for (const auto &d : registry.drivers()) {
      auto probe = d->probe();
      out["drivers"].push_back({{"name", d->name()},
                                {"version", d->version()},
                                {"abi_version", d->abi_version()},
                                {"description", d->description()},
                                {"features", loader::feature_names(d->features())},
                                {"defaults", {{"network", network_name(d->default_network())}}},
                                {"usable", probe.usable},
                                {"info", probe.info},
                                {"reason", probe.reason},
                                {"file", d->file()}});
    }
    for (const auto &e : registry.errors())
      out["errors"].push_back({{"file", e.file}, {"problem", e.problem}});
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  if (registry.drivers().empty()) {
    fmt::print("No driver found. Searched:\n");
    for (const auto &dir : registry.dirs()) fmt::print("  {}\n", dir);
  }
  for (const auto &d : registry.drivers()) {
    auto probe = d->probe();
    fmt::print("{} {} (ABI {}) — {}\n", d->name(), d->version(), d->abi_version(),
               d->description());
    fmt::print("  usable:   {}\n", probe.usable ? "yes" : "no: " + probe.reason);
    if (!probe.info.empty()) fmt::print("  found:    {}\n", probe.info);
    fmt::print("  features: {}\n", fmt::join(loader::feature_names(d->features()), " "));
    fmt::print("  defaults: network={}\n", network_name(d->default_network()));
    fmt::print("  file:     {}\n", d->file());
  }
  for (const auto &e : registry.errors()) fmt::print(stderr, "berth: could not load {}\n", e.str());
  return 0;
}

}  // namespace

void add_drivers(CLI::App &app, Globals &globals, int *status) {
  auto format = std::make_shared<std::string>("table");
  CLI::App *cmd =
      app.add_subcommand("drivers", "List the execution drivers found and what they honour");
  cmd->add_option("--format", *format, "table or json")->check(CLI::IsMember({"table", "json"}));
  cmd->callback([&globals, format, status] { *status = list_drivers(globals, *format); });
}

}  // namespace berth::cli
