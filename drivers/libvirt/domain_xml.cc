#include "domain_xml.hpp"

#include <berth/sdk/capabilities.hpp>
#include <berth/sdk/error.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iterator>
#include <string_view>

namespace berth::libvirt {
namespace {

// libvirt 9.0's schema knows the capabilities up to block_suspend; its
// default policy drops a few of them (sys_boot, sys_module, sys_time, mknod,
// audit_control, mac_admin) unless the XML turns them on, and leaves every
// other one, including those past block_suspend, as it finds them.
constexpr int kLibvirtKnownCaps = 37;

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
  int n = sdk::capability_value(cap.c_str());
  const char *name = sdk::capability_name(n);
  return name != nullptr ? name : "";
}

int32_t build_domain_xml(const berth_spec *spec, const DomainPlan &plan, std::string *out,
                         berth_error * /*err*/) {
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
  // The process's capabilities (Docker's default set with the spec's
  // add/drop): init keeps exactly these in the bounding, permitted and
  // effective sets as its last step before exec, and installs the seccomp
  // program the driver sends it (see monitor.cc), built for the same set.
  char hex[32];
  std::snprintf(hex, sizeof(hex), "%llx", static_cast<unsigned long long>(plan.capabilities));
  add_arg(&x, "--caps");
  add_arg(&x, hex);
  add_arg(&x, "--seccomp");
  if (plan.no_new_privs) add_arg(&x, "--no-new-privs");
  // The driver's directories leave the container before the process runs.
  add_arg(&x, "--detach");
  add_arg(&x, kInitDirInContainer);
  add_arg(&x, "--detach");
  add_arg(&x, kRunDirInContainer);
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
  // libvirt's default capability policy, which keeps CAP_SYS_ADMIN for init
  // (hostname, the unmount of /sys/fs/cgroup, the masks), plus mknod (in
  // Docker's default set, which init then drops to) and whatever the spec
  // adds that libvirt would drop; ALL: policy 'allow'. init does the rest.
  const bool all = has_all(spec->cap_add, spec->cap_add_count);
  x += std::string("    <capabilities policy='") + (all ? "allow" : "default") + "'>\n";
  if (!all) {
    x += "      <mknod state='on'/>\n";
    for (uint32_t i = 0; i < spec->cap_add_count; i++) {
      int n = sdk::capability_value(spec->cap_add[i]);
      const char *name = sdk::capability_name(n);
      if (n < 0 || n >= kLibvirtKnownCaps || name == nullptr || std::string_view(name) == "mknod")
        continue;
      x += std::string("      <") + name + " state='on'/>\n";
    }
  }
  x += "    </capabilities>\n";
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
