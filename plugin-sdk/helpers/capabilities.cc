#include <linux/capability.h>
#include <sys/prctl.h>
#include <berth/sdk/capabilities.hpp>
#include <berth/sdk/error.hpp>

#include <cctype>
#include <cstring>
#include <string>

namespace berth::sdk {

namespace {

// Index = capability value (linux/capability.h, kernel 6.x: 0..40). Names
// without the cap_ prefix, as libvirt's XML spells them.
const char *const kNames[] = {
    "chown",
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
    "checkpoint_restore",
};
constexpr int kNameCount = static_cast<int>(sizeof(kNames) / sizeof(kNames[0]));

constexpr int kDockerDefault[] = {
    CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
    CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
    CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
    CAP_KILL,    CAP_AUDIT_WRITE,
};

bool is_all(const char *name) {
  std::string n = name;
  for (char &ch : n) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return n == "ALL";
}

// Applies one list ("capabilities.add" or ".drop") to *mask.
int32_t apply_list(const char *field, const char *const *names, uint32_t count, uint64_t all,
                   bool add, uint64_t *mask, berth_error *err) {
  for (uint32_t i = 0; i < count; ++i) {
    if (is_all(names[i])) {
      *mask = add ? all : 0;
      continue;
    }
    int value = capability_value(names[i]);
    if (value < 0 || value >= 64 || ((all >> value) & 1) == 0)
      return fail(err, BERTH_E_INVALID,
                  "%s: unknown capability \"%s\"; use a name from capabilities(7) such as "
                  "CAP_NET_ADMIN, or ALL",
                  field, names[i]);
    if (add)
      *mask |= uint64_t{1} << value;
    else
      *mask &= ~(uint64_t{1} << value);
  }
  return BERTH_OK;
}

}  // namespace

uint64_t docker_default_capabilities() {
  uint64_t mask = 0;
  for (int cap : kDockerDefault) mask |= uint64_t{1} << cap;
  return mask;
}

int capability_value(const char *name) {
  std::string lower = name;
  for (char &ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const char *bare = lower.c_str();
  if (std::strncmp(bare, "cap_", 4) == 0) bare += 4;
  for (int i = 0; i < kNameCount; ++i)
    if (std::strcmp(kNames[i], bare) == 0) return i;
  // A number, as libcap accepts, for capabilities newer than this table.
  if (*bare == '\0' || std::strlen(bare) > 2) return -1;
  int value = 0;
  for (const char *p = bare; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9') return -1;
    value = value * 10 + (*p - '0');
  }
  return value;
}

const char *capability_name(int value) {
  return value >= 0 && value < kNameCount ? kNames[value] : nullptr;
}

int kernel_capability_count() {
  int count = 0;
  while (count < 64 && ::prctl(PR_CAPBSET_READ, count, 0, 0, 0) >= 0) ++count;
  return count;
}

int32_t plan_capabilities(const berth_spec *spec, uint64_t *mask, int *last, berth_error *err) {
  int bits = kernel_capability_count();
  if (bits <= 0 || bits > 64) bits = CAP_LAST_CAP + 1;
  const uint64_t all = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  uint64_t keep = docker_default_capabilities() & all;
  // Docker: drop first (ALL empties the set), then add, so add wins.
  for (uint32_t i = 0; i < spec->cap_drop_count; ++i)
    if (is_all(spec->cap_drop[i])) keep = 0;
  if (int32_t rc = apply_list("capabilities.drop", spec->cap_drop, spec->cap_drop_count, all, false,
                              &keep, err))
    return rc;
  if (int32_t rc =
          apply_list("capabilities.add", spec->cap_add, spec->cap_add_count, all, true, &keep, err))
    return rc;
  *mask = keep;
  *last = bits - 1;
  return BERTH_OK;
}

}  // namespace berth::sdk
