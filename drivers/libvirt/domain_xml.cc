#include "domain_xml.hpp"

#include <berth/sdk/error.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iterator>
#include <string_view>

namespace berth::libvirt {
namespace {

// Capability names in kernel order (bit N is capabilities(7)'s value N).
constexpr std::string_view kCapNames[] = {"chown",
                                          "dac_override",
                                          "dac_read_search",
                                          "fowner",
                                          "fsetid",
                                          "kill",
                                          "setgid",
                                          "setuid",
                                          "setpcap",
                                          "linux_immutable",
                                          "net_bind_service",
                                          "net_broadcast",
                                          "net_admin",
                                          "net_raw",
                                          "ipc_lock",
                                          "ipc_owner",
                                          "sys_module",
                                          "sys_rawio",
                                          "sys_chroot",
                                          "sys_ptrace",
                                          "sys_pacct",
                                          "sys_admin",
                                          "sys_boot",
                                          "sys_nice",
                                          "sys_resource",
                                          "sys_time",
                                          "sys_tty_config",
                                          "mknod",
                                          "lease",
                                          "audit_write",
                                          "audit_control",
                                          "setfcap",
                                          "mac_override",
                                          "mac_admin",
                                          "syslog",
                                          "wake_alarm",
                                          "block_suspend",
                                          "audit_read",
                                          "perfmon",
                                          "bpf",
                                          "checkpoint_restore"};
// libvirt 9.0's schema knows the capabilities up to block_suspend.
constexpr int kLibvirtKnownCaps = 37;

int cap_number(const std::string &libvirt_name) {
  for (int i = 0; i < static_cast<int>(std::size(kCapNames)); i++)
    if (kCapNames[i] == libvirt_name) return i;
  return -1;
}

bool has_all(const char *const *caps, uint32_t count) {
  for (uint32_t i = 0; i < count; i++)
    if (std::string_view(caps[i]) == "ALL") return true;
  return false;
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

int32_t cap_drop_mask(const berth_spec *spec, uint64_t *out, berth_error *err) {
  uint64_t keep = 0;
  for (uint32_t i = 0; i < spec->cap_add_count; i++) {
    int n = cap_number(libvirt_cap_name(spec->cap_add[i]));
    if (n >= 0) keep |= 1ull << n;
  }
  if (has_all(spec->cap_drop, spec->cap_drop_count)) {
    *out = ~keep;
    return BERTH_OK;
  }
  uint64_t drop = 0;
  for (uint32_t i = 0; i < spec->cap_drop_count; i++) {
    int n = cap_number(libvirt_cap_name(spec->cap_drop[i]));
    if (n < 0)
      return sdk::fail(err, BERTH_E_INVALID,
                       "capabilities.drop: unknown capability '%s'; use a capabilities(7) name "
                       "such as CAP_NET_RAW, or ALL",
                       spec->cap_drop[i]);
    drop |= 1ull << n;
  }
  *out = drop & ~keep;
  return BERTH_OK;
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
  uint64_t drop = 0;
  if (int32_t rc = cap_drop_mask(spec, &drop, err); rc != BERTH_OK) return rc;
  if (drop != 0) {
    char hex[32];
    std::snprintf(hex, sizeof(hex), "%llx", static_cast<unsigned long long>(drop));
    add_arg(&x, "--cap-drop");
    add_arg(&x, hex);
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
  // Added capabilities are libvirt's to grant (it drops a few by default):
  // policy 'allow' for ALL, else 'on' for each. Dropped ones are dropped by
  // our init just before exec (see cap_drop_mask): libvirt would drop them
  // from init itself, which needs CAP_SYS_ADMIN for the hostname and
  // CAP_SETUID/SETGID for the user switch.
  if (spec->cap_add_count > 0) {
    const bool all = has_all(spec->cap_add, spec->cap_add_count);
    x += std::string("    <capabilities policy='") + (all ? "allow" : "default") + "'>\n";
    for (uint32_t i = 0; i < spec->cap_add_count && !all; i++) {
      std::string name = libvirt_cap_name(spec->cap_add[i]);
      int n = cap_number(name);
      if (n < 0 || n >= kLibvirtKnownCaps)
        return sdk::fail(err, BERTH_E_INVALID,
                         "capabilities.add: libvirt-lxc cannot grant '%s'; use a capabilities(7) "
                         "name libvirt knows (CAP_CHOWN .. CAP_BLOCK_SUSPEND) or ALL",
                         spec->cap_add[i]);
      x += "      <" + name + " state='on'/>\n";
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
