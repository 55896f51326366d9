#include "caps.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>

#include <cctype>
#include <cstdio>
#include <string>

#include "cap_names.h"
#include "child_error.h"

namespace berth::native::caps {

namespace {

constexpr int kDefaultCaps[] = {
    CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
    CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
    CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
    CAP_KILL,    CAP_AUDIT_WRITE,
};

// Applies one list ("capabilities.add" or ".drop") to *mask.
int32_t apply_list(const char *field, const char *const *names, uint32_t count, uint64_t all,
                   bool add, uint64_t *mask, berth_error *err) {
  for (uint32_t i = 0; i < count; ++i) {
    std::string name = names[i];
    for (char &ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (name == "all") {
      *mask = add ? all : 0;
      continue;
    }
    if (name.rfind("cap_", 0) != 0) name = "cap_" + name;
    int value = value_from_name(name.c_str());
    if (value < 0 || value >= 64 || ((all >> value) & 1) == 0)
      return sdk::fail(err, BERTH_E_INVALID,
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

bool lists(const char *const *names, uint32_t count, const char *what) {
  for (uint32_t i = 0; i < count; ++i) {
    std::string n = names[i];
    for (char &ch : n) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (n == what) return true;
  }
  return false;
}

int capset_sets(uint64_t permitted_effective) {
  struct __user_cap_header_struct header {};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  struct __user_cap_data_struct data[2]{};
  for (int i = 0; i < 2; ++i) {
    auto word = static_cast<uint32_t>(permitted_effective >> (32 * i));
    data[i].effective = word;
    data[i].permitted = word;
    data[i].inheritable = 0;
  }
  return static_cast<int>(::syscall(SYS_capset, &header, data));
}

}  // namespace

uint64_t default_set() {
  uint64_t mask = 0;
  for (int cap : kDefaultCaps) mask |= uint64_t{1} << cap;
  return mask;
}

int32_t plan(const berth_spec *spec, Plan *plan, berth_error *err) {
  int bits = kernel_cap_count();  // capabilities this kernel knows
  if (bits <= 0 || bits > 64) bits = CAP_LAST_CAP + 1;
  plan->last_capability = bits - 1;
  uint64_t all = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  uint64_t mask = default_set() & all;
  // Docker: drop first (ALL empties the set), then add, so add wins.
  if (lists(spec->cap_drop, spec->cap_drop_count, "ALL")) mask = 0;
  if (int32_t rc = apply_list("capabilities.drop", spec->cap_drop, spec->cap_drop_count, all, false,
                              &mask, err))
    return rc;
  if (int32_t rc =
          apply_list("capabilities.add", spec->cap_add, spec->cap_add_count, all, true, &mask, err))
    return rc;
  plan->capabilities = mask;
  return BERTH_OK;
}

int32_t drop_bounding(const Plan &plan, berth_error *err) {
  for (int cap = 0; cap <= plan.last_capability; ++cap) {
    if ((plan.capabilities >> cap) & 1) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
      char object[16];
      std::snprintf(object, sizeof object, "%d", cap);
      return child_fail(err, errno, "prctl PR_CAPBSET_DROP", object);
    }
  }
  if (plan.uid != 0 && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
    return child_fail(err, errno, "prctl", "PR_SET_KEEPCAPS");
  return BERTH_OK;
}

int32_t apply(const Plan &plan, berth_error *err) {
  if (capset_sets(plan.capabilities) != 0)
    return child_fail(err, errno, "capset", "permitted/effective/inheritable");
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
    return child_fail(err, errno, "prctl", "PR_CAP_AMBIENT_CLEAR_ALL");
  return BERTH_OK;
}

int32_t drop_all(berth_error *err) {
  if (capset_sets(0) != 0) return child_fail(err, errno, "capset", "all empty (init)");
  return BERTH_OK;
}

}  // namespace berth::native::caps
