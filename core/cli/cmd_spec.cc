// berth spec validate FILE: check a spec and print its normalized form.
#include <fmt/format.h>

#include "cli/commands.h"
#include "runtime/monitor.h"
#include "spec/spec.h"

namespace berth::cli {

void add_spec(CLI::App &app, Globals &, int *status) {
  CLI::App *spec_cmd = app.add_subcommand("spec", "Work with container specs");
  spec_cmd->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  CLI::App *validate =
      spec_cmd->add_subcommand("validate", "Check a spec; print its normalized form");
  validate->add_option("FILE", *file, "The spec (YAML)")->required();
  validate->callback([file, status] {
    try {
      fmt::print("{}", spec::to_yaml(spec::parse_file(*file)));
      *status = 0;
    } catch (const spec::SpecError &e) {
      for (const auto &d : e.diagnostics()) fmt::print(stderr, "{}\n", d.str());
      // As berth run refuses the same spec: berth's own error, not a container's.
      *status = runtime::kExitBerthError;
    }
  });
}

}  // namespace berth::cli
