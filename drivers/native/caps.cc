#include "caps.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <berth/sdk/capabilities.hpp>
#include <berth/sdk/error.hpp>

#include <cstdio>

#include "child_error.h"

namespace berth::native::caps {

namespace {

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
  return sdk::docker_default_capabilities();
}

int32_t plan(const berth_spec *spec, Plan *plan, berth_error *err) {
  return sdk::plan_capabilities(spec, &plan->capabilities, &plan->last_capability, err);
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
