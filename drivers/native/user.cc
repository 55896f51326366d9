#include "user.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

#include "child_error.h"

namespace berth::native::user {

void plan(const berth_spec *spec, Plan *plan) {
  plan->uid = spec->user_set ? spec->uid : 0;
  plan->gid = spec->user_set ? spec->gid : 0;
  plan->groups.assign(spec->additional_gids, spec->additional_gids + spec->additional_gids_count);
}

int32_t switch_user(const Plan &plan, berth_error *err) {
  char object[64];
  if (::syscall(SYS_setgroups, plan.groups.size(), plan.groups.data()) != 0) {
    std::snprintf(object, sizeof object, "%zu groups", plan.groups.size());
    return child_fail(err, errno, "setgroups", object);
  }
  if (::syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) != 0) {
    std::snprintf(object, sizeof object, "%u", plan.gid);
    return child_fail(err, errno, "setresgid", object);
  }
  if (::syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) != 0) {
    std::snprintf(object, sizeof object, "%u", plan.uid);
    return child_fail(err, errno, "setresuid", object);
  }
  return BERTH_OK;
}

}  // namespace berth::native::user
