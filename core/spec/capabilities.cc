// capabilities: {add: [...], drop: [...]}. Names are matched without case and
// with or without the CAP_ prefix, and stored as the kernel spells them.
#include <algorithm>
#include <cctype>
#include <string_view>

#include "spec/sections.h"
#include "spec/suggest.h"

namespace berth::spec {

namespace {

// Every capability up to Linux 6.x (include/uapi/linux/capability.h).
const std::vector<std::string_view> kCapabilities = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

std::string upper(std::string_view text) {
  std::string out(text);
  for (char &c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void walk_list(Walker &w, const Field &f, std::vector<std::string> &out) {
  if (f.value.IsNull()) return;
  if (!w.is_list(f, "a list of capability names")) return;
  for (const Field &item : w.items(f)) {
    auto name = w.string(item, "a capability name");
    if (!name) continue;
    std::string normal = upper(*name);
    if (normal != "ALL" && !normal.starts_with("CAP_")) normal = "CAP_" + normal;
    if (normal != "ALL" &&
        std::find(kCapabilities.begin(), kCapabilities.end(), normal) == kCapabilities.end()) {
      std::string message = "unknown capability '" + *name + "'";
      if (auto guess = closest(normal, kCapabilities)) {
        message += "; did you mean '" + *guess + "'?";
      } else {
        message += "; use a name from capabilities(7) such as CAP_NET_ADMIN, or ALL";
      }
      w.error(item, message);
      continue;
    }
    if (std::find(out.begin(), out.end(), normal) != out.end()) continue;  // harmless repeat
    out.push_back(std::move(normal));
  }
}

}  // namespace

void walk_capabilities(Walker &w, const Field &f, Capabilities &out) {
  if (f.value.IsNull()) return;
  if (!w.is_map(f)) return;
  for (const Field &entry : w.entries(f, {"add", "drop"})) {
    walk_list(w, entry, entry.path.ends_with(".add") ? out.add : out.drop);
  }
}

}  // namespace berth::spec
