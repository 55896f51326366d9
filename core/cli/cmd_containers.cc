// The verbs that act on an existing container from any process: ps, kill,
// top, inspect, rm, wait, logs. They read the store and call the driver; no
// daemon is involved.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/target.h"
#include "runtime/monitor.h"
#include "state/record_json.h"

namespace berth::cli {
namespace {

constexpr int kFailure = 1;

std::string command_line(const state::Record &r) {
  std::string cmdline;
  for (const auto &a : r.args) cmdline += (cmdline.empty() ? "" : " ") + a;
  return cmdline;
}

// A record as a Target, its driver loaded only when settle() may need it
// (a record that says running); nullptr when not found.
Target target_of(loader::Registry &registry, const state::Store &store, const state::Record &r) {
  Target t;
  t.record = r;
  t.state_dir = store.driver_state_dir(r.id);
  if (!r.damaged() && r.status == "running") t.driver = registry.find(r.driver);
  return t;
}

std::string read_proc(int64_t pid, const char *file) {
  std::ifstream in(fmt::format("/proc/{}/{}", pid, file), std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The process's command line, as ps shows it. A process caught in the
// middle of execve (a container that `berth run -d` has just reported
// started: its old descriptors close before the new program's arguments
// are in place) shows none for a moment: read again for a few
// milliseconds, then show its name in brackets, as ps does (a zombie, which
// has none for good, at once and marked <defunct>).
std::string process_command(int64_t pid) {
  std::string cmd = read_proc(pid, "cmdline");
  std::string stat = cmd.empty() ? read_proc(pid, "stat") : "";
  size_t paren = stat.rfind(')');
  bool zombie = paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
  for (int i = 0; cmd.empty() && !zombie && i < 20; ++i) {
    ::usleep(1000);
    cmd = read_proc(pid, "cmdline");
  }
  if (cmd.empty()) {
    std::string comm = read_proc(pid, "comm");
    while (!comm.empty() && comm.back() == '\n') comm.pop_back();
    if (comm.empty()) return "";
    return zombie ? "[" + comm + "] <defunct>" : "[" + comm + "]";
  }
  for (auto &c : cmd)
    if (c == '\0') c = ' ';
  while (!cmd.empty() && cmd.back() == ' ') cmd.pop_back();
  return cmd;
}

template <typename F>
void verb(CLI::App *cmd, int *status, F body) {
  cmd->callback([cmd, status, body] {
    try {
      *status = body();
    } catch (const std::exception &e) {
      fmt::print(stderr, "berth {}: {}\n", cmd->get_name(), e.what());
      *status = kFailure;
    }
  });
}

}  // namespace

int parse_signal(const std::string &text) {
  std::string name = text;
  for (auto &c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name.rfind("SIG", 0) == 0) name = name.substr(3);
  if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) {
    int n = std::stoi(name);
    if (n > 0 && n < NSIG) return n;
  }
  for (int sig = 1; sig < NSIG; ++sig) {
    const char *abbrev = sigabbrev_np(sig);
    if (abbrev != nullptr && name == abbrev) return sig;
  }
  throw std::runtime_error(
      fmt::format("'{}' is not a signal; use a name (TERM, KILL, HUP) or a number", text));
}

void add_container_verbs(CLI::App &app, Globals &globals, int *status) {
  // ps
  {
    auto all = std::make_shared<bool>(false);
    auto quiet = std::make_shared<bool>(false);
    auto format = std::make_shared<std::string>("table");
    CLI::App *cmd = app.add_subcommand("ps", "List containers");
    cmd->add_flag("-a,--all", *all, "Show exited containers too");
    cmd->add_flag("-q,--quiet", *quiet, "Only the ids (12 characters), one a line");
    cmd->add_option("--format", *format, "table or json")
        ->check(CLI::IsMember({"table", "json"}))
        ->default_str("table");
    verb(cmd, status, [&globals, all, quiet, format] {
      state::Store store = globals.store();
      loader::Registry registry = globals.registry();
      nlohmann::json rows = nlohmann::json::array();
      bool table = *format == "table" && !*quiet;
      if (table)
        fmt::print("{:<14}{:<20}{:<10}{:<24}{:<9}{}\n", "ID", "NAME", "DRIVER", "STATUS", "PID",
                   "COMMAND");
      for (const auto &record : store.list()) {
        Target t = target_of(registry, store, record);
        settle(store, t);
        const state::Record &r = t.record;
        if (!*all && !r.damaged() && r.status == "exited") continue;
        if (*quiet) {
          fmt::print("{}\n", r.id.substr(0, 12));
          continue;
        }
        std::string shown = shown_status(store, r);
        if (!table) {
          nlohmann::json row{
              {"id", r.id},   {"name", r.name},    {"driver", r.driver},        {"status", shown},
              {"pid", r.pid}, {"command", r.args}, {"created_at", r.created_at}};
          if (r.damaged()) row["damage"] = r.damage;
          rows.push_back(std::move(row));
          continue;
        }
        // A damaged record: what could be read, and why the rest could not.
        std::string command = command_line(r);
        if (r.damaged())
          command += (command.empty() ? "" : "  ") + fmt::format("(damaged record: {})", r.damage);
        fmt::print("{:<14}{:<20}{:<10}{:<24}{:<9}{}\n", r.id.substr(0, 12),
                   r.name.empty() ? "-" : r.name, r.driver.empty() ? "-" : r.driver, shown, r.pid,
                   command);
      }
      if (!table && !*quiet) fmt::print("{}\n", rows.dump(2));
      return 0;
    });
  }
  // kill
  {
    auto id = std::make_shared<std::string>();
    auto sig = std::make_shared<std::string>("KILL");
    CLI::App *cmd = app.add_subcommand("kill", "Send a signal to a container (default KILL)");
    cmd->add_option("CONTAINER", *id, "Id, id prefix or name")->required();
    cmd->add_option("SIGNAL,-s,--signal", *sig, "Signal name or number");
    verb(cmd, status, [&globals, id, sig] {
      int signo = parse_signal(*sig);
      loader::Registry registry = globals.registry();
      state::Store store = globals.store();
      Target t = find_target(registry, store, *id);
      settle(store, t);
      if (t.driver == nullptr)
        throw std::runtime_error(fmt::format(
            "container {}: its record is damaged ({}) and does not name its driver; berth rm -f "
            "{} removes it",
            t.record.id.substr(0, 12), t.record.damage, t.record.id.substr(0, 12)));
      if (!t.record.damaged() && t.record.status != "running")
        throw std::runtime_error(fmt::format("container {} is not running ({})", t.record.name,
                                             shown_status(store, t.record)));
      t.driver->kill(t.view(), signo);
      return 0;
    });
  }
  // top
  {
    auto id = std::make_shared<std::string>();
    CLI::App *cmd = app.add_subcommand("top", "List a container's processes (host pids)");
    cmd->add_option("CONTAINER", *id, "Id, id prefix or name")->required();
    verb(cmd, status, [&globals, id] {
      loader::Registry registry = globals.registry();
      state::Store store = globals.store();
      Target t = find_target(registry, store, *id);
      if (t.driver == nullptr)
        throw std::runtime_error(
            fmt::format("container {}: its record is damaged ({}) and does not name its driver",
                        t.record.id.substr(0, 12), t.record.damage));
      auto pids = t.driver->pids(t.view());
      fmt::print("{:<9}{}\n", "PID", "COMMAND");
      for (int64_t pid : pids) fmt::print("{:<9}{}\n", pid, process_command(pid));
      return 0;
    });
  }
  // inspect
  {
    auto id = std::make_shared<std::string>();
    CLI::App *cmd =
        app.add_subcommand("inspect", "Show a container's record and live state as JSON");
    cmd->add_option("CONTAINER", *id, "Id, id prefix or name")->required();
    verb(cmd, status, [&globals, id] {
      loader::Registry registry = globals.registry();
      state::Store store = globals.store();
      Target t = find_target(registry, store, *id);
      settle(store, t);
      // What the record holds (of a damaged one: what could be read, and
      // why the rest could not), then what is true now.
      nlohmann::json j = state::record_view(t.record);
      j["state"] = shown_status(store, t.record);
      j["monitor_alive"] = store.monitor_alive(t.record.id);
      j["state_dir"] = t.state_dir;
      if (t.driver != nullptr) {
        try {
          auto st = t.driver->state(t.view());
          static const char *names[] = {"unknown", "created", "running", "stopped"};
          j["driver_state"] = {{"state", st.state < 4 ? names[st.state] : "unknown"},
                               {"pid", st.pid}};
        } catch (const loader::DriverError &e) {
          j["driver_state"] = {{"error", e.what()}};
        }
      }
      fmt::print("{}\n", j.dump(2));
      return 0;
    });
  }
  // rm
  {
    auto ids = std::make_shared<std::vector<std::string>>();
    auto force = std::make_shared<bool>(false);
    CLI::App *cmd = app.add_subcommand("rm", "Remove containers (-f: kill them first)");
    cmd->add_option("CONTAINER", *ids, "Ids, id prefixes or names")->required();
    cmd->add_flag("-f,--force", *force, "Kill a running container first");
    verb(cmd, status, [&globals, ids, force] {
      loader::Registry registry = globals.registry();
      state::Store store = globals.store();
      int rc = 0;
      for (const auto &key : *ids) {
        try {
          Target t = find_target(registry, store, key);
          remove_container(store, registry, t, *force);
          fmt::print("{}\n", key);
        } catch (const std::exception &e) {
          fmt::print(stderr, "berth rm: {}\n", e.what());
          rc = kFailure;
        }
      }
      return rc;
    });
  }
  // wait
  {
    auto id = std::make_shared<std::string>();
    CLI::App *cmd =
        app.add_subcommand("wait", "Block until a container exits; print its exit code");
    cmd->add_option("CONTAINER", *id, "Id, id prefix or name")->required();
    verb(cmd, status, [&globals, id] {
      state::Store store = globals.store();
      loader::Registry registry = globals.registry();
      state::Record r = store.resolve(*id);
      store.wait_for_monitor(r.id);
      std::optional<state::Record> after;
      try {
        after = store.load(r.id);
      } catch (const state::StoreError &) {
      }
      if (!after && r.remove_on_exit)
        throw std::runtime_error(fmt::format(
            "container {} was removed when it exited (--rm): its exit status is not kept", r.name));
      if (!after) throw std::runtime_error(fmt::format("container {} was removed", r.name));
      // The monitor is gone without recording an exit: the driver knows
      // whether the container still runs, and perhaps how it ended.
      Target t = target_of(registry, store, *after);
      wait_with_driver(store, t);
      const state::Record &done = t.record;
      if (!done.exit_code)
        throw std::runtime_error(fmt::format(
            "container {} has exited, but its exit status was lost with its monitor (the {} "
            "driver keeps none)",
            done.name, done.driver));
      fmt::print("{}\n", *done.exit_code);
      return 0;
    });
  }
  // logs
  {
    auto id = std::make_shared<std::string>();
    CLI::App *cmd = app.add_subcommand("logs", "Print a detached container's stdout and stderr");
    cmd->add_option("CONTAINER", *id, "Id, id prefix or name")->required();
    verb(cmd, status, [&globals, id] {
      state::Store store = globals.store();
      state::Record r = store.resolve(*id);
      auto copy = [](const std::string &path, FILE *to) {
        std::ifstream in(path, std::ios::binary);
        std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        fwrite(data.data(), 1, data.size(), to);
        fflush(to);
      };
      if (!r.detached && !r.damaged())  // a damaged record: show what there is
        throw std::runtime_error(fmt::format(
            "container {} ran in the foreground; its output went to the terminal, not to logs",
            r.name));
      copy(store.stdout_log(r.id), stdout);
      copy(store.stderr_log(r.id), stderr);
      return 0;
    });
  }
}

}  // namespace berth::cli
