#include "runtime/features.h"

#include <fmt/format.h>

namespace berth::runtime {

std::vector<Requirement> requirements(const spec::Spec &s) {
  std::vector<Requirement> reqs;
  auto add = [&](std::string field, uint64_t feature, std::function<void(spec::Spec &)> drop) {
    reqs.push_back(Requirement{std::move(field), feature, std::move(drop)});
  };
  const auto &p = s.process;
  if (!p.env.empty())
    add("process.env", BERTH_FEATURE_ENV, [](spec::Spec &x) { x.process.env.clear(); });
  if (p.cwd) add("process.cwd", BERTH_FEATURE_CWD, [](spec::Spec &x) { x.process.cwd.reset(); });
  if (p.user)
    add("process.user", BERTH_FEATURE_USER_SWITCH, [](spec::Spec &x) { x.process.user.reset(); });
  if (p.tty.value_or(false))
    add("process.tty", BERTH_FEATURE_TTY, [](spec::Spec &x) { x.process.tty.reset(); });
  if (p.stdin_open.value_or(false))
    add("process.stdin", BERTH_FEATURE_STDIN, [](spec::Spec &x) { x.process.stdin_open.reset(); });
  if (s.hostname)
    add("hostname", BERTH_FEATURE_HOSTNAME, [](spec::Spec &x) { x.hostname.reset(); });
  if (!s.mounts.empty()) {
    add("mounts", BERTH_FEATURE_BIND_MOUNTS, [](spec::Spec &x) { x.mounts.clear(); });
    for (size_t i = 0; i < s.mounts.size(); ++i) {
      if (s.mounts[i].readonly)
        add(fmt::format("mounts[{}].readonly", i), BERTH_FEATURE_READONLY_MOUNTS,
            [i](spec::Spec &x) {
              if (i < x.mounts.size()) x.mounts[i].readonly = false;
            });
    }
  }
  const auto &r = s.resources;
  if (r.memory_bytes)
    add("resources.memory", BERTH_FEATURE_LIMIT_MEMORY,
        [](spec::Spec &x) { x.resources.memory_bytes.reset(); });
  if (r.cpu_shares)
    add("resources.cpu_shares", BERTH_FEATURE_LIMIT_CPU,
        [](spec::Spec &x) { x.resources.cpu_shares.reset(); });
  if (r.pids)
    add("resources.pids", BERTH_FEATURE_LIMIT_PIDS,
        [](spec::Spec &x) { x.resources.pids.reset(); });
  if (s.network) {
    bool none = *s.network == spec::Network::None;
    add(none ? "network: none" : "network: host",
        none ? BERTH_FEATURE_NETWORK_NONE : BERTH_FEATURE_NETWORK_HOST,
        [](spec::Spec &x) { x.network.reset(); });
  }
  if (s.capabilities && (!s.capabilities->add.empty() || !s.capabilities->drop.empty()))
    add("capabilities", BERTH_FEATURE_CAPABILITIES, [](spec::Spec &x) { x.capabilities.reset(); });
  if (s.readonly_rootfs.value_or(false))
    add("readonly_rootfs", BERTH_FEATURE_READONLY_ROOTFS,
        [](spec::Spec &x) { x.readonly_rootfs.reset(); });
  // Asking for no_new_privs needs a driver that sets it; turning it off is
  // honoured by every driver (one without the feature never sets it).
  if (s.security.no_new_privileges.value_or(false))
    add("security.no_new_privileges", BERTH_FEATURE_NO_NEW_PRIVS,
        [](spec::Spec &x) { x.security.no_new_privileges.reset(); });
  return reqs;
}

std::vector<Requirement> unhonoured(const std::vector<Requirement> &reqs,
                                    const loader::Driver &driver) {
  std::vector<Requirement> out;
  for (const auto &r : reqs)
    if (!driver.has(r.feature)) out.push_back(r);
  return out;
}

std::string describe_refusal(const std::string &driver_name,
                             const std::vector<Requirement> &missing,
                             const loader::Registry &registry) {
  std::string text = fmt::format("driver '{}' cannot honour what the spec asks:", driver_name);
  for (const auto &r : missing) {
    std::vector<std::string> can;
    for (const auto &d : registry.drivers())
      if (d->has(r.feature)) can.push_back(d->name());
    text += fmt::format(
        "\n  {} (needs feature '{}'; honoured by: {})", r.field, loader::feature_name(r.feature),
        can.empty() ? std::string("no driver found") : fmt::format("{}", fmt::join(can, ", ")));
  }
  text +=
      "\nChoose one of those drivers with --exec-driver, remove the fields, or pass --best-effort "
      "to run without them.";
  return text;
}

}  // namespace berth::runtime
