// berth run: build the spec from a file and flags, pick the driver, check its
// features, hand over to the monitor.
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <cstdlib>
#include <filesystem>

#include "cli/commands.h"
#include "runtime/features.h"
#include "runtime/monitor.h"
#include "spec/spec.h"

namespace berth::cli {
namespace fs = std::filesystem;

namespace {

struct RunFlags {
  std::string exec_driver;
  std::string rootfs;
  std::vector<std::string> env;
  std::string workdir;
  std::string user;
  std::string hostname;
  std::vector<std::string> volumes;
  std::string memory;
  int64_t cpu_shares = 0;
  int64_t pids_limit = 0;
  std::string network;
  bool read_only = false;
  bool tty = false;
  bool interactive = false;
  bool best_effort = false;
  bool detach = false;
  bool remove = false;
  std::string name;
  std::vector<std::string> cap_add, cap_drop;
  std::vector<std::string> driver_opts;
  std::vector<std::string> lxc_conf;
  std::vector<std::string> security_opts;
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

bool is_spec_file(const std::string &arg) {
  auto ext = fs::path(arg).extension().string();
  return ext == ".yaml" || ext == ".yml";
}

std::string normalize_cap(std::string cap) {
  for (auto &ch : cap) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (cap != "ALL" && cap.rfind("CAP_", 0) != 0) cap = "CAP_" + cap;
  return cap;
}

// docker's --security-opt spellings: no-new-privileges[=true|false] (also
// with ':' as docker once took).
void apply_security_opt(const std::string &item, spec::Security &security) {
  std::string key = item, value = "true";
  auto sep = item.find_first_of("=:");
  if (sep != std::string::npos) {
    key = item.substr(0, sep);
    value = item.substr(sep + 1);
  }
  if (key != "no-new-privileges")
    throw UsageError(fmt::format(
        "--security-opt: '{}' is not an option berth knows; use no-new-privileges[=true|false]",
        item));
  if (value != "true" && value != "false")
    throw UsageError(fmt::format(
        "--security-opt: '{}' is neither true nor false; use no-new-privileges=true or =false",
        item));
  security.no_new_privileges = value == "true";
}

std::pair<std::string, std::string> split_option(const std::string &flag, const std::string &item) {
  auto eq = item.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UsageError(fmt::format("{}: '{}' is not KEY=VALUE", flag, item));
  return {item.substr(0, eq), item.substr(eq + 1)};
}

// Applies the flags on top of the spec (or an empty one), as docker run.
void apply_flags(spec::Spec &s, const RunFlags &f, const std::vector<std::string> &command) {
  if (!f.rootfs.empty()) s.rootfs = fs::absolute(f.rootfs).lexically_normal().string();
  for (const auto &item : f.env) {
    std::string kv = item;
    if (kv.find('=') == std::string::npos) {
      // `-e KEY` passes the host's value, as docker does.
      const char *host = std::getenv(kv.c_str());
      if (host == nullptr) continue;
      kv += std::string("=") + host;
    }
    std::string key = kv.substr(0, kv.find('='));
    if (key.empty())
      throw UsageError(fmt::format("-e: '{}' has no variable name; use KEY=VALUE", item));
    std::erase_if(s.process.env, [&](const std::string &e) { return e.rfind(key + "=", 0) == 0; });
    s.process.env.push_back(kv);
  }
  if (!f.workdir.empty()) {
    if (f.workdir[0] != '/')
      throw UsageError(
          fmt::format("-w: '{}' is not an absolute path; use e.g. -w /tmp", f.workdir));
    s.process.cwd = f.workdir;
  }
  if (!f.user.empty()) s.process.user = f.user;
  if (!f.hostname.empty()) s.hostname = f.hostname;
  for (const auto &v : f.volumes) {
    // SRC:DST[:ro|rw]
    std::vector<std::string> parts;
    size_t pos = 0;
    while (true) {
      size_t colon = v.find(':', pos);
      parts.push_back(v.substr(pos, colon - pos));
      if (colon == std::string::npos) break;
      pos = colon + 1;
    }
    if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty() ||
        (parts.size() == 3 && parts[2] != "ro" && parts[2] != "rw"))
      throw UsageError(fmt::format("-v: '{}' is not SRC:DST[:ro|rw]", v));
    if (parts[1][0] != '/')
      throw UsageError(fmt::format("-v: destination '{}' must be an absolute path", parts[1]));
    std::error_code ec;
    fs::path src = fs::absolute(parts[0]).lexically_normal();
    if (!fs::exists(src, ec))
      throw UsageError(fmt::format("-v: source '{}' does not exist on the host", src.string()));
    s.mounts.push_back(spec::Mount{src.string(), parts[1], parts.size() == 3 && parts[2] == "ro"});
  }
  if (!f.memory.empty()) {
    auto bytes = spec::parse_size(f.memory);
    if (!bytes || *bytes <= 0)
      throw UsageError(fmt::format(
          "-m: '{}' is not a memory size; use a number with an optional unit: 64Mi, 512M, 1G",
          f.memory));
    s.resources.memory_bytes = *bytes;
  }
  if (f.cpu_shares != 0) {
    if (f.cpu_shares < 2 || f.cpu_shares > 262144)
      throw UsageError(fmt::format(
          "--cpu-shares: {} is out of range; use 2 to 262144 (1024 is the default weight)",
          f.cpu_shares));
    s.resources.cpu_shares = f.cpu_shares;
  }
  if (f.pids_limit != 0) {
    if (f.pids_limit < 0)
      throw UsageError(
          fmt::format("--pids-limit: {} must be a positive number of processes", f.pids_limit));
    s.resources.pids = f.pids_limit;
  }
  if (!f.network.empty())
    s.network = f.network == "none" ? spec::Network::None : spec::Network::Host;
  if (f.read_only) s.readonly_rootfs = true;
  if (f.tty) s.process.tty = true;
  if (f.interactive) s.process.stdin_open = true;
  if (!f.cap_add.empty() || !f.cap_drop.empty()) {
    if (!s.capabilities) s.capabilities = spec::Capabilities{};
    for (const auto &c : f.cap_add) s.capabilities->add.push_back(normalize_cap(c));
    for (const auto &c : f.cap_drop) s.capabilities->drop.push_back(normalize_cap(c));
  }
  for (const auto &o : f.security_opts) apply_security_opt(o, s.security);
  if (!command.empty()) s.process.args = command;
}

// What every driver needs, checked here once so that no driver starts on it.
void check_complete(const spec::Spec &s) {
  if (s.rootfs.empty())
    throw UsageError(
        "rootfs: no root filesystem given; use --rootfs DIR or `rootfs:` in the spec "
        "(scripts/make-rootfs.sh DIR builds a busybox one)");
  std::error_code ec;
  if (!fs::is_directory(s.rootfs, ec))
    throw UsageError(
        fmt::format("rootfs: '{}' is not a directory; give an existing root filesystem", s.rootfs));
  if (s.process.args.empty())
    throw UsageError(
        "process.args: no command to run; give one after the options (berth run --rootfs DIR -- "
        "/bin/sh -c 'echo hi') or `process.args` in the spec");
}

std::string default_driver_name(loader::Registry &registry) {
  if (const char *env = std::getenv("BERTH_EXEC_DRIVER"); env != nullptr && *env) return env;
  // The default is native where it can run, else chroot.
  if (const auto *native = registry.find("native"); native != nullptr && native->probe().usable)
    return "native";
  return "chroot";
}

int run(const Globals &globals, const RunFlags &flags, std::vector<std::string> rest) {
  // `rest` is what followed the options: [SPEC.yaml] [CMD ARG...], and the
  // command may also come after "--".
  if (!rest.empty() && rest.front().size() > 1 && rest.front()[0] == '-') {
    fmt::print(stderr, "berth: run: unknown option '{}' (berth run --help lists them)\n",
               rest.front());
    return runtime::kExitBerthError;
  }
  std::string spec_file;
  if (!rest.empty() && is_spec_file(rest.front())) {
    spec_file = rest.front();
    rest.erase(rest.begin());
  }
  if (globals.command_after_dashes) {
    if (!rest.empty()) {
      fmt::print(stderr,
                 "berth: run: unexpected '{}' before '--'; put the whole command after '--'\n",
                 rest.front());
      return runtime::kExitBerthError;
    }
    rest = *globals.command_after_dashes;
  }

  spec::Spec s;
  try {
    if (!spec_file.empty()) s = spec::parse_file(spec_file);
  } catch (const spec::SpecError &e) {
    for (const auto &d : e.diagnostics()) fmt::print(stderr, "{}\n", d.str());
    return runtime::kExitBerthError;
  }
  try {
    apply_flags(s, flags, rest);
    // Flags obey the same rules as a spec file (hostname syntax, env names,
    // capability names).
    s = spec::validate(s, "command line");
    check_complete(s);
  } catch (const UsageError &e) {
    fmt::print(stderr, "berth: {}\n", e.what());
    return runtime::kExitBerthError;
  } catch (const spec::SpecError &e) {
    for (const auto &d : e.diagnostics()) fmt::print(stderr, "berth: {}\n", d.str());
    return runtime::kExitBerthError;
  }

  loader::Registry registry = globals.registry();
  std::string name = flags.exec_driver.empty() ? default_driver_name(registry) : flags.exec_driver;
  const loader::Driver *driver = registry.find(name);
  if (driver == nullptr) {
    fmt::print(stderr, "berth: unknown execution driver '{}'.\n{}", name,
               describe_drivers_found(registry));
    return runtime::kExitBerthError;
  }

  runtime::RunOptions options;
  options.detach = flags.detach;
  options.remove = flags.remove;
  options.name = flags.name;
  try {
    for (const auto &o : flags.driver_opts)
      options.driver_options.push_back(split_option("--driver-opt", o));
    if (!flags.lxc_conf.empty() && driver->name() != "lxc")
      throw UsageError(
          fmt::format("--lxc-conf: raw LXC items apply to the lxc driver only, not '{}'; use "
                      "--exec-driver=lxc or --driver-opt for this driver",
                      driver->name()));
    for (const auto &o : flags.lxc_conf)
      options.driver_options.push_back(split_option("--lxc-conf", o));
  } catch (const UsageError &e) {
    fmt::print(stderr, "berth: {}\n", e.what());
    return runtime::kExitBerthError;
  }

  auto missing = runtime::unhonoured(runtime::requirements(s), *driver);
  if (!missing.empty()) {
    if (!flags.best_effort) {
      registry.load_all();
      fmt::print(stderr, "berth: {}\n",
                 runtime::describe_refusal(driver->name(), missing, registry));
      return runtime::kExitBerthError;
    }
    for (const auto &m : missing) {
      spdlog::warn("--best-effort: driver '{}' cannot honour {}; running without it",
                   driver->name(), m.field);
      m.drop(s);
    }
  }
  state::Store store = globals.store();
  return runtime::run_container(*driver, store, s, options);
}

}  // namespace

std::string describe_drivers_found(loader::Registry &registry) {
  registry.load_all();
  std::string text;
  if (registry.drivers().empty()) {
    text += "No driver was found. Searched:\n";
    for (const auto &d : registry.dirs()) text += "  " + d + "\n";
  } else {
    text += "Drivers found:\n";
    for (const auto &d : registry.drivers()) {
      auto probe = d->probe();
      text += fmt::format("  {:<10} {}\n", d->name(),
                          probe.usable ? "usable" : "not usable here: " + probe.reason);
    }
  }
  for (const auto &e : registry.errors()) text += "  could not load " + e.str() + "\n";
  return text;
}

void add_run(CLI::App &app, Globals &globals, int *status) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App *cmd = app.add_subcommand("run", "Run a container from a spec and/or flags");
  // Options stop at the first positional: what follows is [SPEC.yaml] [--] CMD ARGS.
  cmd->prefix_command();
  cmd->add_option(
      "--exec-driver", flags->exec_driver,
      "Execution driver (default: $BERTH_EXEC_DRIVER, else native where usable, else chroot)");
  cmd->add_option("--rootfs", flags->rootfs, "Root filesystem directory");
  cmd->add_option("-e,--env", flags->env,
                  "Set an environment variable (KEY=VAL, or KEY to pass the host's)")
      ->allow_extra_args(false);
  cmd->add_option("-w,--workdir", flags->workdir, "Working directory inside the container");
  cmd->add_option("-u,--user", flags->user, "UID[:GID] or NAME[:GROUP] inside the container");
  cmd->add_option("--hostname", flags->hostname, "Container host name");
  cmd->add_option("-v,--volume", flags->volumes, "Bind mount SRC:DST[:ro]")
      ->allow_extra_args(false);
  cmd->add_option("-m,--memory", flags->memory, "Memory limit (64Mi, 512M, 1G)");
  cmd->add_option("--cpu-shares", flags->cpu_shares, "CPU shares (relative weight, 1024 default)");
  cmd->add_option("--pids-limit", flags->pids_limit, "Maximum number of processes");
  cmd->add_option("--network", flags->network, "none or host")
      ->check(CLI::IsMember({"none", "host"}));
  cmd->add_flag("--read-only", flags->read_only, "Mount the root filesystem read-only");
  cmd->add_flag("-t,--tty", flags->tty, "Allocate a pseudo-terminal");
  cmd->add_flag("-i,--interactive", flags->interactive, "Keep stdin open");
  cmd->add_flag("--best-effort", flags->best_effort,
                "Run even if the driver cannot honour some fields (one warning each)");
  cmd->add_flag("-d,--detach", flags->detach, "Run in the background and print the container id");
  cmd->add_flag("--rm", flags->remove, "Remove the container's record when it exits");
  cmd->add_option("--name", flags->name, "Name of the container");
  cmd->add_option("--cap-add", flags->cap_add, "Add a capability")->allow_extra_args(false);
  cmd->add_option("--cap-drop", flags->cap_drop, "Drop a capability")->allow_extra_args(false);
  cmd->add_option("--security-opt", flags->security_opts,
                  "no-new-privileges[=true|false] (on by default)")
      ->allow_extra_args(false);
  cmd->add_option("--driver-opt", flags->driver_opts,
                  "Raw KEY=VALUE option for the driver, applied last")
      ->allow_extra_args(false);
  cmd->add_option("--lxc-conf", flags->lxc_conf,
                  "Raw LXC configuration item KEY=VALUE (lxc driver)")
      ->allow_extra_args(false);
  cmd->callback(
      [&globals, flags, cmd, status] { *status = run(globals, *flags, cmd->remaining()); });
}

}  // namespace berth::cli
