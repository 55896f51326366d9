#include "domain_xml.hpp"

#include <berth/sdk/error.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

namespace berth::libvirt {
namespace {

// The capability elements libvirt's domain schema accepts (libvirt 9.0).
const std::set<std::string_view> &known_caps() {
  static const std::set<std::string_view> caps = {
      "audit_control",   "audit_write",      "block_suspend",  "chown",
      "dac_override",    "dac_read_search",  "fowner",         "fsetid",
      "ipc_lock",        "ipc_owner",        "kill",           "lease",
      "linux_immutable", "mac_admin",        "mac_override",   "mknod",
      "net_admin",       "net_bind_service", "net_broadcast",  "net_raw",
      "setgid",          "setfcap",          "setpcap",        "setuid",
      "sys_admin",       "sys_boot",         "sys_chroot",     "sys_module",
      "sys_nice",        "sys_pacct",        "sys_ptrace",     "sys_rawio",
      "sys_resource",    "sys_time",         "sys_tty_config", "syslog",
      "wake_alarm"};
  return caps;
}

void add_arg(std::string *x, const std::string &arg) {
  *x += "    <initarg>" + xml_escape(arg) + "</initarg>\n";
}

void add_filesystem(std::string *x, const std::string &source, const std::string &target,
                    bool readonly) {
  *x += "    <filesystem type='mount' accessmode='passthrough'>\n";
  *x += "      <source dir='" + xml_escape(source) + "'/>\n";
  *x += "      <target dir='" + xml_escape(target) + "'/>\n";
  if (readonly) *x += "      <readonly/>\n";
  *x += "    </filesystem>\n";
}

}  // namespace

std::string xml_escape(const std::string &s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string libvirt_cap_name(const std::string &cap) {
  if (cap.rfind("CAP_", 0) != 0 || cap.size() == 4) return "";
  std::string name = cap.substr(4);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

int32_t build_domain_xml(const berth_spec *spec, const DomainPlan &plan, std::string *out,
                         berth_error *err) {
  std::string x;
  x += "<domain type='lxc'>\n";
  x += "  <name>" + xml_escape(plan.name) + "</name>\n";
  // libvirt-lxc requires <memory> and enforces it as the memory cgroup
  // limit. Without a limit in the spec we give the host's RAM, which limits
  // nothing the host could provide anyway.
  if (spec->memory_bytes > 0) {
    const int64_t kib = (spec->memory_bytes + 1023) / 1024;
    x += "  <memory unit='KiB'>" + std::to_string(kib) + "</memory>\n";
    x += "  <memtune><hard_limit unit='KiB'>" + std::to_string(kib) + "</hard_limit></memtune>\n";
  } else {
    x += "  <memory unit='KiB'>" + std::to_string(plan.host_memory_kib) + "</memory>\n";
  }
  if (spec->cpu_shares > 0) {
    x += "  <cputune><shares>" + std::to_string(spec->cpu_shares) + "</shares></cputune>\n";
  }

  // The process runs under our init, which receives everything of the
  // process as arguments: libvirt adds variables of its own to <initenv>'s
  // environment, and the spec's environment must be exactly what it says.
  x += "  <os>\n    <type>exe</type>\n";
  x += "    <init>" + xml_escape(std::string(kInitDirInContainer) + "/" + kInitName) + "</init>\n";
  add_arg(&x, "--ctl");
  add_arg(&x, std::string(kRunDirInContainer) + "/" + kControlSocketName);
  if (spec->tty) {
    add_arg(&x, "--tty");
    if (plan.tty_rows > 0 && plan.tty_cols > 0) {
      add_arg(&x, "--winsize");
      add_arg(&x, std::to_string(plan.tty_rows) + "x" + std::to_string(plan.tty_cols));
    }
  }
  if (spec->stdin_open) add_arg(&x, "--stdin");
  if (spec->user_set) {
    add_arg(&x, "--user");
    add_arg(&x, std::to_string(spec->uid) + ":" + std::to_string(spec->gid));
    std::string groups;
    for (uint32_t i = 0; i < spec->additional_gids_count; i++) {
      if (!groups.empty()) groups += ",";
      groups += std::to_string(spec->additional_gids[i]);
    }
    if (!groups.empty()) {
      add_arg(&x, "--groups");
      add_arg(&x, groups);
    }
  }
  add_arg(&x, "--hostname");
  add_arg(&x, plan.hostname);
  add_arg(&x, "--cwd");
  add_arg(&x, spec->cwd != nullptr ? spec->cwd : "/");
  for (uint32_t i = 0; i < spec->env_count; i++) {
    add_arg(&x, "-e");
    add_arg(&x, spec->env[i]);
  }
  add_arg(&x, "--");
  for (uint32_t i = 0; i < spec->args_count; i++) add_arg(&x, spec->args[i]);
  x += "  </os>\n";

  x += "  <features>\n";
  // network none: a private network namespace; with no <interface> libvirt
  // gives it only lo. Without privnet (and no interface) libvirt-lxc keeps
  // the host's network namespace.
  if (spec->network != BERTH_NETWORK_HOST) x += "    <privnet/>\n";
  if (spec->cap_add_count > 0 || spec->cap_drop_count > 0) {
    // "ALL" picks libvirt's policy: drop ALL is policy='deny' (then the
    // added ones on), add ALL is policy='allow' (then the dropped ones off).
    auto has_all = [](const char *const *caps, uint32_t count) {
      for (uint32_t i = 0; i < count; i++)
        if (std::string_view(caps[i]) == "ALL") return true;
      return false;
    };
    const char *policy = has_all(spec->cap_drop, spec->cap_drop_count) ? "deny"
                         : has_all(spec->cap_add, spec->cap_add_count) ? "allow"
                                                                       : "default";
    x += std::string("    <capabilities policy='") + policy + "'>\n";
    auto add_caps = [&](const char *const *caps, uint32_t count, const char *state) -> int32_t {
      for (uint32_t i = 0; i < count; i++) {
        if (std::string_view(caps[i]) == "ALL") continue;
        std::string name = libvirt_cap_name(caps[i]);
        if (known_caps().count(name) == 0) {
          return sdk::fail(err, BERTH_E_INVALID,
                           "capabilities: libvirt-lxc does not know capability '%s'; use a "
                           "capabilities(7) name such as CAP_NET_RAW, or ALL",
                           caps[i]);
        }
        x += "      <" + name + " state='" + state + "'/>\n";
      }
      return BERTH_OK;
    };
    if (int32_t rc = add_caps(spec->cap_add, spec->cap_add_count, "on"); rc != BERTH_OK) return rc;
    if (std::string_view(policy) != "deny") {
      if (int32_t rc = add_caps(spec->cap_drop, spec->cap_drop_count, "off"); rc != BERTH_OK)
        return rc;
    }
    x += "    </capabilities>\n";
  }
  x += "  </features>\n";

  x += "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>destroy</on_reboot>\n";
  x += "  <on_crash>destroy</on_crash>\n";
  x += "  <devices>\n";
  add_filesystem(&x, spec->rootfs, "/", spec->readonly_rootfs != 0);
  for (uint32_t i = 0; i < spec->mounts_count; i++) {
    const berth_mount &m = spec->mounts[i];
    add_filesystem(&x, m.source, m.destination, (m.flags & BERTH_MOUNT_READONLY) != 0);
  }
  add_filesystem(&x, plan.init_dir, kInitDirInContainer, true);
  add_filesystem(&x, plan.run_dir, kRunDirInContainer, false);
  x += "    <console type='pty'><target type='lxc' port='0'/></console>\n";
  x += "  </devices>\n";
  x += "</domain>\n";
  *out = std::move(x);
  return BERTH_OK;
}

}  // namespace berth::libvirt
