// Spec -> LXC configuration items. See lxc.container.conf(5) for the keys.
#include "lxc_config.hpp"

#include "masked_paths.hpp"

#include <berth/sdk/capabilities.hpp>
#include <berth/sdk/error.hpp>

#include <sys/stat.h>

#include <cstddef>
#include <string_view>

namespace berth::lxc {
namespace {

using sdk::fail;

// Final capability set -> one lxc.cap.keep item (LXC refuses keep and drop
// together). LXC drops the rest from the bounding set before it execs its
// init; root's permitted and effective sets are then the bounding set.
// No item at all when every capability the kernel knows stays.
void capability_items(const ConfigInputs &in, std::vector<ConfigItem> *out) {
  const int count = in.last_capability + 1;
  const uint64_t all = count >= 64 ? ~uint64_t{0} : (uint64_t{1} << count) - 1;
  if ((in.capabilities & all) == all) return;
  std::string list;
  for (int cap = 0; cap < count; ++cap) {
    const char *name = sdk::capability_name(cap);
    if ((in.capabilities >> cap & 1) && name != nullptr)
      list += (list.empty() ? "" : " ") + std::string(name);
  }
  out->push_back({"lxc.cap.keep", list.empty() ? "none" : list});
}

}  // namespace

std::string fstab_escape(const std::string &path) {
  std::string out;
  for (char ch : path) {
    switch (ch) {
      case ' ':
        out += "\\040";
        break;
      case '\t':
        out += "\\011";
        break;
      case '\n':
        out += "\\012";
        break;
      case '\\':
        out += "\\134";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

namespace {

// The spec's bind mounts onto the destinations prepare_mount_points made
// and resolved (mount_points.hpp): no create=, which LXC would carry out
// through the rootfs's symlinks.
int32_t mount_items(const berth_spec &spec, const std::vector<std::string> &destinations,
                    std::vector<ConfigItem> *out, berth_error *err) {
  if (destinations.size() != spec.mounts_count)
    return fail(err, BERTH_E_INTERNAL, "%u mounts, %zu prepared destinations", spec.mounts_count,
                destinations.size());
  for (uint32_t i = 0; i < spec.mounts_count; ++i) {
    const berth_mount &m = spec.mounts[i];
    std::string options = "bind";
    if ((m.flags & BERTH_MOUNT_READONLY) != 0) options += ",ro";
    out->push_back({"lxc.mount.entry", fstab_escape(m.source) + " " +
                                           fstab_escape(destinations[i]) + " none " + options +
                                           " 0 0"});
  }
  return BERTH_OK;
}

// Docker's device allow-list (as drivers/native/devices.cc): mknod of any
// device, read/write of null, zero, full, random, urandom, tty, console,
// ptmx, the pty slaves and tun.
constexpr const char *kDeviceRules[] = {"c *:* m",   "b *:* m",   "c 1:3 rwm",   "c 1:5 rwm",
                                        "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",   "c 5:0 rwm",
                                        "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm"};

// Where a controller lives: a v1 hierarchy naming it, else the cgroup2 one.
enum class ControllerHome { none, v1, v2 };

ControllerHome controller_home(const sdk::CgroupMounts &mounts, std::string_view controller) {
  for (const sdk::CgroupHierarchy &h : mounts.hierarchies) {
    if (h.unified) continue;
    std::string_view list = h.controllers;
    size_t pos = 0;
    while (pos <= list.size()) {
      size_t comma = list.find(',', pos);
      std::string_view one =
          list.substr(pos, comma == std::string_view::npos ? list.npos : comma - pos);
      if (one == controller) return ControllerHome::v1;
      if (comma == std::string_view::npos) break;
      pos = comma + 1;
    }
  }
  for (const sdk::CgroupHierarchy &h : mounts.hierarchies)
    if (h.unified) return ControllerHome::v2;
  return ControllerHome::none;
}

int32_t limit_unavailable(const char *field, const char *controller, berth_error *err) {
  return fail(err, BERTH_E_UNSUPPORTED,
              "%s: the %s cgroup controller is mounted neither as a cgroup v1 hierarchy nor in a "
              "cgroup2 filesystem on this host; drop the limit or mount the controller",
              field, controller);
}

int32_t limit_items(const berth_spec &spec, const sdk::CgroupMounts &mounts,
                    std::vector<ConfigItem> *out, berth_error *err) {
  if (spec.memory_bytes < 0 || spec.cpu_shares < 0 || spec.pids_limit < 0)
    return fail(err, BERTH_E_INVALID,
                "resources: memory (%lld), cpu_shares (%lld) and pids (%lld) must not be negative",
                static_cast<long long>(spec.memory_bytes), static_cast<long long>(spec.cpu_shares),
                static_cast<long long>(spec.pids_limit));
  if (spec.memory_bytes > 0) {
    std::string bytes = std::to_string(spec.memory_bytes);
    switch (controller_home(mounts, "memory")) {
      case ControllerHome::v1:
        out->push_back({"lxc.cgroup.memory.limit_in_bytes", bytes});
        // Without swap accounting the hog would swap instead of being killed.
        for (const sdk::CgroupHierarchy &h : mounts.hierarchies) {
          struct stat st {};
          if (!h.unified && h.controllers.find("memory") != std::string::npos &&
              ::stat((h.mountpoint + "/memory.memsw.limit_in_bytes").c_str(), &st) == 0)
            out->push_back({"lxc.cgroup.memory.memsw.limit_in_bytes", bytes});
        }
        break;
      case ControllerHome::v2:
        out->push_back({"lxc.cgroup2.memory.max", bytes});
        out->push_back({"lxc.cgroup2.memory.swap.max", "0"});
        break;
      case ControllerHome::none:
        return limit_unavailable("resources.memory", "memory", err);
    }
  }
  if (spec.cpu_shares > 0) {
    if (spec.cpu_shares < 2 || spec.cpu_shares > 262144)
      return fail(err, BERTH_E_INVALID, "resources.cpu_shares %lld: use a value from 2 to 262144",
                  static_cast<long long>(spec.cpu_shares));
    switch (controller_home(mounts, "cpu")) {
      case ControllerHome::v1:
        out->push_back({"lxc.cgroup.cpu.shares", std::to_string(spec.cpu_shares)});
        break;
      case ControllerHome::v2:
        out->push_back(
            {"lxc.cgroup2.cpu.weight", std::to_string(sdk::cpu_shares_to_weight(spec.cpu_shares))});
        break;
      case ControllerHome::none:
        return limit_unavailable("resources.cpu_shares", "cpu", err);
    }
  }
  if (spec.pids_limit > 0) {
    switch (controller_home(mounts, "pids")) {
      case ControllerHome::v1:
        out->push_back({"lxc.cgroup.pids.max", std::to_string(spec.pids_limit)});
        break;
      case ControllerHome::v2:
        out->push_back({"lxc.cgroup2.pids.max", std::to_string(spec.pids_limit)});
        break;
      case ControllerHome::none:
        return limit_unavailable("resources.pids", "pids", err);
    }
  }
  return BERTH_OK;
}

// When LXC owns the cgroup, it applies the device allow-list too (v1
// devices controller, or its BPF program on cgroup2).
void device_items(const sdk::CgroupMounts &mounts, std::vector<ConfigItem> *out) {
  std::string prefix = controller_home(mounts, "devices") == ControllerHome::v1
                           ? "lxc.cgroup.devices."
                           : "lxc.cgroup2.devices.";
  out->push_back({prefix + "deny", "a"});
  for (const char *rule : kDeviceRules) out->push_back({prefix + "allow", rule});
}

}  // namespace

bool devices_enforced_by_berth(const sdk::CgroupMounts &mounts) {
  return controller_home(mounts, "devices") == ControllerHome::v1;
}

int32_t capability_mask(const berth_spec &spec, uint64_t *mask, int *last, berth_error *err) {
  return sdk::plan_capabilities(&spec, mask, last, err);
}

int32_t build_config(const berth_spec &spec, const ConfigInputs &in, std::vector<ConfigItem> *out,
                     berth_error *err) {
  out->clear();
  if (spec.rootfs == nullptr || spec.rootfs[0] != '/')
    return fail(err, BERTH_E_INVALID, "rootfs \"%s\": the lxc driver needs an absolute directory",
                spec.rootfs == nullptr ? "" : spec.rootfs);
  out->push_back({"lxc.rootfs.path", std::string("dir:") + spec.rootfs});
  // LXC mounts the rootfs onto itself in the container's mount namespace:
  // the read-only binds of masked_paths.hpp name their source through it.
  out->push_back({"lxc.rootfs.mount", spec.rootfs});
  if (spec.readonly_rootfs) out->push_back({"lxc.rootfs.options", "ro"});
  // The core hands stdio as descriptors: no LXC console, no ttys of LXC's
  // own; the process inherits fds 0-2 of the monitor. Ptys for programs
  // inside come from a private devpts.
  out->push_back({"lxc.console.path", "none"});
  out->push_back({"lxc.tty.max", "0"});
  out->push_back({"lxc.pty.max", "1024"});
  out->push_back({"lxc.autodev", "1"});
  // /proc (its sys/ and sysrq-trigger read-only) and /sys read-only, as the
  // native driver mounts them. No /sys/fs/cgroup (native has none either):
  // cgroupfs is out of the container's reach, and on a v1 host cgroup:mixed
  // would cost the start a mount per hierarchy.
  out->push_back({"lxc.mount.auto", "proc:mixed sys:ro"});
  masked_path_items(spec.rootfs, in.path_exists, out);
  if (spec.hostname != nullptr) out->push_back({"lxc.uts.name", spec.hostname});
  // The environment and the working directory are berth-lxc-init's
  // (init_image.hpp): only checked here.
  for (uint32_t i = 0; i < spec.env_count; ++i) {
    std::string kv = spec.env[i] == nullptr ? "" : spec.env[i];
    if (kv.find('=') == std::string::npos || kv[0] == '=')
      return fail(err, BERTH_E_INVALID, "process.env[%u] \"%s\": write it as KEY=VALUE", i,
                  kv.c_str());
  }
  if (spec.user_set) {
    out->push_back({"lxc.init.uid", std::to_string(spec.uid)});
    out->push_back({"lxc.init.gid", std::to_string(spec.gid)});
    std::string groups;
    for (uint32_t i = 0; i < spec.additional_gids_count; ++i)
      groups += (groups.empty() ? "" : ",") + std::to_string(spec.additional_gids[i]);
    if (!groups.empty()) out->push_back({"lxc.init.groups", groups});
  }
  if (int32_t rc = mount_items(spec, in.mount_destinations, out, err)) return rc;
  if (in.owner == CgroupOwner::lxc) {
    if (int32_t rc = limit_items(spec, *in.mounts, out, err)) return rc;
    device_items(*in.mounts, out);
  } else {
    std::vector<ConfigItem> checked_only;
    if (int32_t rc = limit_items(spec, *in.mounts, &checked_only, err)) return rc;
  }
  switch (spec.network) {
    case BERTH_NETWORK_UNSET:
    case BERTH_NETWORK_NONE:
      out->push_back({"lxc.net.0.type", "empty"});
      break;
    case BERTH_NETWORK_HOST:
      out->push_back({"lxc.net.0.type", "none"});
      break;
    default:
      return fail(err, BERTH_E_INVALID, "network %u: the lxc driver knows none (1) and host (2)",
                  spec.network);
  }
  capability_items(in, out);
  // no_new_privs unless the user asked for setuid binaries to work; LXC
  // sets it after its own set-up, before its seccomp filter and its init.
  bool allow_new_privs = BERTH_SPEC_HAS(&spec, security_flags) &&
                         (spec.security_flags & BERTH_SECURITY_ALLOW_NEW_PRIVS) != 0;
  if (!allow_new_privs) out->push_back({"lxc.no_new_privs", "1"});
  if (!in.seccomp_profile.empty()) out->push_back({"lxc.seccomp.profile", in.seccomp_profile});
  for (uint32_t i = 0; i < spec.driver_options_count; ++i) {
    const berth_key_value &kv = spec.driver_options[i];
    if (kv.key == nullptr || kv.key[0] == '\0')
      return fail(err, BERTH_E_INVALID, "driver_options.lxc[%u]: empty key; write KEY=VALUE", i);
    out->push_back({kv.key, kv.value == nullptr ? "" : kv.value});
  }
  return BERTH_OK;
}

}  // namespace berth::lxc
