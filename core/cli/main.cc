// berth: run one container spec on any execution driver.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "runtime/monitor.h"

#ifndef BERTH_VERSION
#define BERTH_VERSION "0.0.0"
#endif

namespace {

// The verb on the command line: the first word after the global options
// (--root DIR, --driver-path DIR, --log-level L, or their --opt=value
// forms); "" when anything else comes first.
std::string invoked_verb(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--root" || a == "--driver-path" || a == "--log-level") {
      ++i;
      continue;
    }
    if (a.rfind("--root=", 0) == 0 || a.rfind("--driver-path=", 0) == 0 ||
        a.rfind("--log-level=", 0) == 0)
      continue;
    if (a.empty() || a[0] == '-') return "";
    return std::string(a);
  }
  return "";
}

}  // namespace

int main(int argc, char **argv) {
  using namespace berth;
  CLI::App app{"berth: run one container spec on any execution driver"};
  app.name("berth");
  app.require_subcommand(1);
  app.fallthrough(false);

  cli::Globals globals;
  app.add_option("--root", globals.root, "State directory")->default_str("/run/berth");
  app.add_option("--driver-path", globals.driver_paths,
                 "Also look for drivers in DIR (repeatable; before $BERTH_DRIVER_PATH and the "
                 "install's lib/berth/drivers)")
      ->type_name("DIR")
      ->allow_extra_args(false);
  app.add_option("--log-level", globals.log_level, "trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->default_str("warn");
  app.parse_complete_callback([&] {
    // Logs go to stderr, never into a container's stdout.
    auto logger = spdlog::stderr_color_mt("berth");
    logger->set_pattern("berth: %^%l%$: %v");
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::from_str(globals.log_level));
  });

  int status = 0;
  cli::add_run(app, globals, &status);
  // Building every verb's options costs a few hundred microseconds of each
  // `berth run` (the hot path); the others are only needed when named, or
  // when the command line does not plainly say which verb it is (help).
  if (invoked_verb(argc, argv) != "run") {
    cli::add_drivers(app, globals, &status);
    cli::add_spec(app, globals, &status);
    cli::add_container_verbs(app, globals, &status);
    cli::add_stop(app, globals, &status);
    app.add_subcommand("version", "Print berth's version and driver ABI versions")->callback([&] {
      fmt::print("berth {}\ndriver ABI {} (loads drivers of ABI {} to {})\n", BERTH_VERSION,
                 BERTH_DRIVER_ABI_VERSION, BERTH_DRIVER_ABI_MIN_VERSION, BERTH_DRIVER_ABI_VERSION);
    });
  }

  // A verb that is not one: say so, not CLI11's "A subcommand is required".
  std::string verb = invoked_verb(argc, argv);
  if (verb == "help") {
    fmt::print("{}", app.help());
    return 0;
  }
  std::vector<CLI::App *> verbs = app.get_subcommands([](CLI::App *) { return true; });
  if (!verb.empty() && std::none_of(verbs.begin(), verbs.end(),
                                    [&](const CLI::App *sub) { return sub->get_name() == verb; })) {
    fmt::print(stderr, "berth: '{}' is not a berth command; see 'berth --help'\n", verb);
    return runtime::kExitBerthError;
  }
  // Usage errors start with "berth:" and point at the verb's help.
  app.failure_message([](const CLI::App *top, const CLI::Error &e) {
    std::string where = "berth";
    for (const CLI::App *sub : top->get_subcommands()) where += " " + sub->get_name();
    return fmt::format("berth: {}\nSee '{} --help'.\n", e.what(), where);
  });

  // Only run's command line has a container command after "--"; any other
  // verb takes "--" as the end of its options, as getopt does.
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; verb == "run" && i < args.size(); ++i) {
    if (args[i] == "--") {
      globals.command_after_dashes.emplace(args.begin() + static_cast<long>(i) + 1, args.end());
      args.resize(i);
      break;
    }
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes the vector reversed
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp &e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    // A usage error is berth's, not the container's: 125, as docker.
    app.exit(e);
    return runtime::kExitBerthError;
  } catch (const std::exception &e) {
    fmt::print(stderr, "berth: {}\n", e.what());
    return runtime::kExitBerthError;
  }
  // Every command has finished its work and released what it holds (the
  // container, its state, the driver's resources). What remains is freeing
  // memory and unloading libraries the kernel drops at exit anyway: skip it
  // (it cost about a millisecond of every run), but flush what was written.
  spdlog::shutdown();
  std::fflush(nullptr);
  std::_Exit(status);
}
