#include "cap_names.h"

#include <sys/prctl.h>

#include <cstring>

namespace berth::native::caps {

namespace {

// Index = capability value (linux/capability.h, kernel 6.x: 0..40).
const char *const kNames[] = {
    "cap_chown",
    "cap_dac_override",
    "cap_dac_read_search",
    "cap_fowner",
    "cap_fsetid",
    "cap_kill",
    "cap_setgid",
    "cap_setuid",
    "cap_setpcap",
    "cap_linux_immutable",
    "cap_net_bind_service",
    "cap_net_broadcast",
    "cap_net_admin",
    "cap_net_raw",
    "cap_ipc_lock",
    "cap_ipc_owner",
    "cap_sys_module",
    "cap_sys_rawio",
    "cap_sys_chroot",
    "cap_sys_ptrace",
    "cap_sys_pacct",
    "cap_sys_admin",
    "cap_sys_boot",
    "cap_sys_nice",
    "cap_sys_resource",
    "cap_sys_time",
    "cap_sys_tty_config",
    "cap_mknod",
    "cap_lease",
    "cap_audit_write",
    "cap_audit_control",
    "cap_setfcap",
    "cap_mac_override",
    "cap_mac_admin",
    "cap_syslog",
    "cap_wake_alarm",
    "cap_block_suspend",
    "cap_audit_read",
    "cap_perfmon",
    "cap_bpf",
    "cap_checkpoint_restore",
};

}  // namespace

int value_from_name(const char *lower_name) {
  const int count = static_cast<int>(sizeof(kNames) / sizeof(kNames[0]));
  for (int i = 0; i < count; ++i)
    if (std::strcmp(kNames[i], lower_name) == 0) return i;
  // A number, as libcap accepted, for capabilities newer than this table.
  const char *digits = lower_name;
  if (std::strncmp(digits, "cap_", 4) == 0) digits += 4;
  if (*digits == '\0' || std::strlen(digits) > 2) return -1;
  int value = 0;
  for (const char *p = digits; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9') return -1;
    value = value * 10 + (*p - '0');
  }
  return value;
}

int kernel_cap_count() {
  int count = 0;
  while (count < 64 && ::prctl(PR_CAPBSET_READ, count, 0, 0, 0) >= 0) ++count;
  return count;
}

}  // namespace berth::native::caps
